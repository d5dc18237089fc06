"""TinyDB drafts: per-user files, scoping, atomic replacement, recovery."""

from __future__ import annotations

import json
import os
import time

import pytest

from dialogs.draft import Draft
from storage import StorageError, TinyDBDraftStore


def make(user: int, did: str, **answers) -> Draft:
    return Draft(id=did, user_id=user, report_type="fazhi_zhengfu", schema_version=1, answers=dict(answers))


def test_save_get_list_delete(store):
    store.save(1, make(1, "a", unit_name="甲局", year=2023))
    store.save(1, make(1, "b", unit_name="甲局", year=2024))
    assert {d.id for d in store.list(1)} == {"a", "b"}
    assert store.get_active(1) == "b"
    assert store.get(1, "a").answers == {"unit_name": "甲局", "year": 2023}
    assert store.delete(1, "b") and store.get_active(1) is None
    assert not store.delete(1, "b")
    assert [d.id for d in store.list(1)] == ["a"]


def test_file_is_utf8_json_with_chinese_unescaped(store):
    store.save(3, make(3, "a", unit_name="鲁山县科学技术局"))
    raw = store.path_for(3).read_text(encoding="utf-8")
    assert "鲁山县科学技术局" in raw
    assert json.loads(raw)["drafts"]["1"]["answers"]["unit_name"] == "鲁山县科学技术局"


def test_one_file_per_user_and_no_cross_access(store):
    store.save(1, make(1, "a", unit_name="甲"))
    store.save(2, make(2, "b", unit_name="乙"))
    assert store.path_for(1) != store.path_for(2)
    assert store.get(2, "a") is None and store.get(1, "b") is None
    assert not store.delete(2, "a")
    assert [d.id for d in store.list(2)] == ["b"]
    with pytest.raises(PermissionError):
        store.save(2, make(1, "a", unit_name="改"))
    assert store.get(1, "a").answers["unit_name"] == "甲"


def test_user_id_must_be_int(store):
    with pytest.raises(TypeError):
        store.path_for("../../etc")  # type: ignore[arg-type]


@pytest.mark.parametrize("fail", ["os.replace", "os.fsync"])
def test_interrupted_write_leaves_previous_version(store, monkeypatch, fail):
    store.save(1, make(1, "a", unit_name="第一版"))
    mod, name = fail.split(".")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, name, boom)
    with pytest.raises(StorageError):
        store.save(1, make(1, "a", unit_name="第二版"))
    monkeypatch.undo()
    assert store.get(1, "a").answers["unit_name"] == "第一版"
    leftovers = [p.name for p in store.root.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_partial_temp_file_is_ignored(store):
    store.save(1, make(1, "a", unit_name="完整"))
    (store.root / ".u1.json.999.1.tmp").write_text('{"drafts": {"1": {"id"', encoding="utf-8")
    assert store.get(1, "a").answers["unit_name"] == "完整"


def test_damaged_file_is_moved_aside_and_backup_used(store):
    store.save(1, make(1, "a", unit_name="旧"))
    store.save(1, make(1, "a", unit_name="新"))
    store.path_for(1).write_bytes(b"\x00\xffgarbage")
    d = store.get(1, "a")
    assert d is not None and d.answers["unit_name"] == "旧"
    notes = store.take_notices(1)
    assert notes and "已从最近一次备份恢复" in notes[0]
    assert any(".damaged-" in p.name for p in store.root.iterdir())
    assert store.take_notices(1) == []


def test_outside_change_to_a_file_is_seen(store):
    """The read cache must never hide a change made on disk by someone else."""
    store.save(1, make(1, "a", unit_name="旧名"))
    path = store.path_for(1)
    for wait in (0, 0.06):  # right after our write, and once the read is cached
        time.sleep(wait)
        assert store.get(1, "a").answers["unit_name"] == "旧名"
        raw = path.read_text(encoding="utf-8").replace("旧名", "新名")
        path.write_text(raw, encoding="utf-8")  # same size, same inode
        assert store.get(1, "a").answers["unit_name"] == "新名"
        path.write_text(raw.replace("新名", "旧名"), encoding="utf-8")
    store.save(1, make(1, "a", unit_name="旧名"))
    time.sleep(0.06)
    raw = path.read_text(encoding="utf-8").replace("旧名", "新名")
    path.write_text(raw, encoding="utf-8")  # same size, same inode, new mtime
    assert store.get(1, "a").answers["unit_name"] == "新名"
    fresh = TinyDBDraftStore(store.root.parent)
    fresh.save(1, make(1, "a", unit_name="再改"))
    assert store.get(1, "a").answers["unit_name"] == "再改"


def test_same_tick_in_place_write_is_not_hidden_by_the_cache(store):
    """An outside write that keeps size, inode and mtime (same timestamp tick) is still seen."""
    store.save(1, make(1, "a", unit_name="旧名"))
    path = store.path_for(1)
    st = os.stat(path)
    assert store.get(1, "a").answers["unit_name"] == "旧名"
    path.write_text(path.read_text(encoding="utf-8").replace("旧名", "新名"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # as if written within the same tick
    assert os.stat(path).st_ino == st.st_ino and os.stat(path).st_size == st.st_size
    assert store.get(1, "a").answers["unit_name"] == "新名"
