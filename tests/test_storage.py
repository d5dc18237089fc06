"""The record store: per-user TinyDB files written through atomically, the cache, recovery, a real full disk."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading

import pytest
from tinydb import TinyDB

import storage.tinydb_store
from dialogs.draft import Draft
from dialogs.ports import StoreFact
from dialogs.record import APPLIED_KEPT, Change
from storage import StorageError, StoreLocked, TinyDBRecordStore
from storage.files import AtomicJSONStorage, load_file
from tests.conftest import REPO


def make(user: int, did: str, **answers) -> Draft:
    return Draft(id=did, user_id=user, report_type="fazhi_zhengfu", schema_version=1, answers=dict(answers))


def put(store: TinyDBRecordStore, user: int, draft: Draft, applied: str = "") -> None:
    """Save one draft and make it active, as a session would."""
    change = Change((draft,), (), draft.id, applied)
    store.save(user, change.apply(store.load(user).record), change)


def delete(store: TinyDBRecordStore, user: int, draft_id: str) -> None:
    record = store.load(user).record
    change = Change((), (draft_id,), record.active if record.active != draft_id else None)
    store.save(user, change.apply(record), change)


def reopen(store: TinyDBRecordStore, **kw) -> TinyDBRecordStore:
    store.close()
    return TinyDBRecordStore(store.root.parent, **kw)


def test_save_get_list_delete(store):
    put(store, 1, make(1, "a", unit_name="甲局", year=2023))
    put(store, 1, make(1, "b", unit_name="甲局", year=2024))
    assert {d.id for d in store.list(1)} == {"a", "b"}
    assert store.get_active(1) == "b"
    assert store.get(1, "a").answers == {"unit_name": "甲局", "year": 2023}
    delete(store, 1, "b")
    assert store.get_active(1) is None and [d.id for d in store.list(1)] == ["a"]


def test_a_save_is_on_disk_when_it_returns_in_tinydb_layout(store):
    put(store, 3, make(3, "a", unit_name="鲁山县科学技术局"), applied="tg7")
    raw = store.path_for(3).read_text(encoding="utf-8")  # no close, no flush: written through
    assert "鲁山县科学技术局" in raw  # UTF-8, not \\u escapes
    data = json.loads(raw)
    assert data["drafts"]["1"]["answers"]["unit_name"] == "鲁山县科学技术局"
    assert data["meta"]["1"] == {"active": "a", "applied": ["tg7"]}
    db = TinyDB(str(store.path_for(3)), storage=AtomicJSONStorage)  # stock TinyDB reads it through the storage
    assert db.table("drafts").all()[0]["id"] == "a"
    store = reopen(store)
    assert store.get(3, "a").answers["unit_name"] == "鲁山县科学技术局"
    assert store.load(3).record.applied == ("tg7",)
    store.close()


def test_only_the_last_input_ids_are_remembered(store):
    for n in range(APPLIED_KEPT + 5):
        put(store, 1, make(1, "a", n=n), applied=f"tg{n}")
    store = reopen(store)
    assert store.load(1).record.applied == tuple(f"tg{n}" for n in range(5, APPLIED_KEPT + 5))
    store.close()


def test_one_file_per_user_and_no_cross_access(store):
    put(store, 1, make(1, "a", unit_name="甲"))
    put(store, 2, make(2, "b", unit_name="乙"))
    assert store.path_for(1) != store.path_for(2)
    assert store.get(2, "a") is None and store.get(1, "b") is None
    with pytest.raises(PermissionError):
        put(store, 2, make(1, "a", unit_name="改"))
    assert store.get(1, "a").answers["unit_name"] == "甲"
    store = reopen(store)
    assert [d.id for d in store.list(2)] == ["b"] and store.get(1, "a").answers["unit_name"] == "甲"
    assert store.user_ids() == [1, 2]
    store.close()


def test_a_foreign_draft_in_a_users_file_is_never_loaded(tmp_path):
    raw = {"drafts": {"1": make(2, "x", unit_name="别人的").to_dict()}, "meta": {"1": {"active": "x"}}}
    (tmp_path / "u1.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    record, _ = load_file(str(tmp_path / "u1.json"), 1)
    assert record.drafts == {} and record.active is None


def test_user_keys_are_namespaced_and_can_not_leave_the_folder(store):
    path = store.path_for("../../etc")
    assert path.parent == store.root and "/" not in path.name  # %-quoted: no path tricks
    for bad in (None, True, "", 1.5):
        with pytest.raises(TypeError):
            store.path_for(bad)  # type: ignore[arg-type]
    put(store, "tg:7", make("tg:7", "a", unit_name="甲"))
    put(store, "wecom:7", make("wecom:7", "b", unit_name="乙"))
    assert [d.id for d in store.list("tg:7")] == ["a"] and [d.id for d in store.list("wecom:7")] == ["b"]
    assert store.user_ids() == ["tg:7", "wecom:7"]
    with pytest.raises(PermissionError):
        put(store, "wecom:7", make("tg:7", "c"))  # a draft of another user is never saved into this file


def test_existing_integer_id_drafts_open_under_their_telegram_key(store):
    put(store, 123, make(123, "old", unit_name="甲局"))  # a file written before keys had namespaces
    store = reopen(store)
    assert store.user_ids() == [123]
    d = store.get("tg:123", "old")
    assert d is not None and d.user_id == "tg:123" and d.answers["unit_name"] == "甲局"
    assert not (store.root / "u123.json").exists() and store.user_ids() == ["tg:123"]
    put(store, "tg:123", make("tg:123", "new"))
    store = reopen(store)
    assert {x.id for x in store.list("tg:123")} == {"old", "new"} and store.list("wecom:123") == []


def test_a_user_file_is_read_once_then_served_from_memory(store, monkeypatch):
    put(store, 1, make(1, "a", unit_name="甲"))
    store = reopen(store)
    reads = []
    real = storage.tinydb_store.load_file
    monkeypatch.setattr(
        storage.tinydb_store, "load_file", lambda p, uid, *rest: reads.append(uid) or real(p, uid, *rest)
    )
    for i in range(5):
        put(store, 1, make(1, "a", unit_name=f"甲{i}"))
        assert store.get(1, "a").answers["unit_name"] == f"甲{i}"
    assert reads == [1]
    store.close()


def test_memory_is_bounded(tmp_path):
    store = TinyDBRecordStore(tmp_path / "data", cache_size=3)
    for u in range(1, 11):
        assert store.load(u).record.drafts == {}
    assert store.cached() == 3
    store.close()


def test_a_load_racing_a_write_never_caches_the_old_record(store, monkeypatch):
    """Defect 2: the file read by a load, a write landing before the load caches it: the cache must not go stale."""
    put(store, 1, make(1, "a", unit_name="旧"))
    change = Change((make(1, "a", unit_name="新"),), (), "a")
    after = change.apply(store.load(1).record)
    store = reopen(store)  # user 1 not in memory: the next load reads the file
    read, go = threading.Event(), threading.Event()
    real = storage.tinydb_store.load_file

    def slow_load(path, uid, *rest):
        result = real(path, uid, *rest)
        read.set()
        go.wait(5)  # hold the read record while the write tries to land
        return result

    monkeypatch.setattr(storage.tinydb_store, "load_file", slow_load)
    loader = threading.Thread(target=store.load, args=(1,))
    loader.start()
    assert read.wait(5)
    writer = threading.Thread(target=store.save, args=(1, after, change))
    writer.start()
    writer.join(0.3)  # a write that does not wait for the load lands now
    go.set()
    loader.join(5)
    writer.join(5)
    monkeypatch.undo()
    assert store.get(1, "a").answers["unit_name"] == "新"  # the cache holds what is on disk
    store.close()


def test_the_write_runs_off_the_event_loop_thread(store, monkeypatch):
    threads = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: threads.append(threading.get_ident()) or real(fd))
    change = Change((make(1, "a", unit_name="甲"),), (), "a")

    async def main():
        await store.persist(1, change.apply(store.load(1).record), change)
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert threads and loop_thread not in threads
    assert store.get(1, "a").answers["unit_name"] == "甲"


def test_after_close_a_save_is_refused(store):
    store.close()
    with pytest.raises(StorageError):
        put(store, 1, make(1, "a"))


def test_damaged_file_is_moved_aside_and_backup_used_once(store):
    put(store, 1, make(1, "a", unit_name="旧"))
    put(store, 1, make(1, "a", unit_name="新"))  # the file now has 新, its backup 旧
    store.close()
    store.path_for(1).write_bytes(b"\x00\xffgarbage")
    store = TinyDBRecordStore(store.root.parent)
    loaded = store.load(1)
    assert loaded.facts == (StoreFact.RECOVERED_FROM_BACKUP,)
    assert loaded.record.get("a").answers["unit_name"] == "旧"
    assert any(".damaged-" in p.name for p in store.root.iterdir())
    assert store.load(1).facts == ()  # told once
    store.close()


BAD_DRAFTS = [
    {"drafts": {"1": {"id": "a", "user_id": 1}}, "meta": {}},  # required fields missing
    {"drafts": {"1": {**make(1, "a").to_dict(), "answers": [1, 2]}}, "meta": {}},  # answers not a mapping
    {"drafts": {"1": 5}, "meta": {}},  # a draft that is not an object
    {"drafts": {}, "meta": {"1": {"active": "a", "applied": 7}}, "extra": {"1": []}},  # odd meta: tolerated
]


@pytest.mark.parametrize("data", BAD_DRAFTS, ids=["missing", "wrong-type", "not-object", "odd-meta"])
def test_a_valid_json_file_with_a_bad_draft_is_set_aside_not_a_crash(store, data):
    """Defect 3: JSON that parses but holds no usable draft is handled like a damaged file."""
    store.path_for(1).write_text(json.dumps(data), encoding="utf-8")
    loaded = store.load(1)
    assert loaded.record.drafts == {}
    if "extra" not in data:
        assert loaded.facts == (StoreFact.UNREADABLE_SET_ASIDE,)
        assert any(".damaged-" in p.name for p in store.root.iterdir())


def test_a_bad_draft_at_start_up_gives_no_traceback(tmp_path):
    """The console start-up over a folder with a bad-but-valid-JSON user file: the user is told, the bot goes on."""
    users = tmp_path / "data" / "users"
    users.mkdir(parents=True)
    (users / "u1.json").write_text(json.dumps(BAD_DRAFTS[1]), encoding="utf-8")
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "TELEGRAM_BOT_TOKEN": ""}
    out = subprocess.run(
        [sys.executable, str(REPO / "bot.py"), "--console"],
        input="/start\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert "Traceback" not in out.stderr and out.returncode == 0, out.stderr[-500:]
    assert "您是哪类部门" in out.stdout


def test_a_second_process_cannot_open_the_same_folder(store):
    code = (
        "import sys; sys.path.insert(0, sys.argv[2]); from storage import TinyDBRecordStore, StoreLocked\n"
        "try:\n    TinyDBRecordStore(sys.argv[1]); print('opened')\nexcept StoreLocked:\n    print('locked')"
    )
    folder = str(store.root.parent)
    out = subprocess.run([sys.executable, "-c", code, folder, str(REPO)], capture_output=True, text=True)
    assert out.stdout.strip() == "locked"
    with pytest.raises(StoreLocked):
        TinyDBRecordStore(folder)  # nor a second store in this process
    store.close()
    out = subprocess.run([sys.executable, "-c", code, folder, str(REPO)], capture_output=True, text=True)
    assert out.stdout.strip() == "opened"


# A real full disk: the child's file-size limit (RLIMIT_FSIZE) makes the kernel refuse the write with EFBIG.
FULL_DISK = r"""
import os, resource, signal, sys
sys.path.insert(0, sys.argv[2])
from dialogs.actions import Action
from dialogs.assistant import Assistant
from dialogs.outlines import load_report_types
from storage import TinyDBRecordStore
from tests.conftest import START
a = Assistant(TinyDBRecordStore(sys.argv[1]), load_report_types())
for text in ["/start", *START, "甲县科学技术局"]:
    a.handle(1, Action("text", text) if not text.startswith("/") else Action(text[1:]))
draft = a.active(1)
a.handle(1, Action("delete", draft.id))  # asks to confirm
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
resource.setrlimit(resource.RLIMIT_FSIZE, (16, resource.RLIM_INFINITY))
out = a.handle(1, Action("delete_yes", draft.id))
print("refused" if out[-1].notice == "save_failed" else "accepted:" + out[-1].notice, flush=True)
print("kept" if a.active(1) is not None else "dropped", flush=True)
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
a.handle(1, Action("text", "甲局"))  # the next answer saves
print("saved" if a.active(1).answers.get("unit_short") == "甲局" else "not saved", flush=True)
os._exit(0)  # a crash: no close
"""


def test_a_real_full_disk_refuses_the_change_and_it_never_appears_later(tmp_path):
    data = tmp_path / "data"
    out = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(data), str(REPO)], capture_output=True, text=True, timeout=120
    )
    assert out.stdout.split() == ["refused", "kept", "saved"], out.stderr[-800:]
    store = TinyDBRecordStore(data)  # the next start
    d = store.load(1).record.active_draft()
    assert d is not None and d.answers["unit_short"] == "甲局"  # the refused delete never happened
    assert [p.name for p in store.root.iterdir() if p.name.endswith(".tmp")] == []
    store.close()
