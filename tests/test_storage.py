"""The record store: per-user TinyDB files, the write-ahead log, group commit, compaction, replay, recovery."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time

import pytest
from storage.wal import WriteAheadLog, decode_line, encode_line

import storage.tinydb_store
from dialogs.draft import Draft
from dialogs.ports import StoreFact
from dialogs.record import Change
from storage import StorageError, StoreLocked, TinyDBRecordStore
from storage.files import UserFiles
from storage.tinydb_store import GROUP_TURNS, MAX_SPARE
from tests.conftest import REPO


def make(user: int, did: str, **answers) -> Draft:
    return Draft(id=did, user_id=user, report_type="fazhi_zhengfu", schema_version=1, answers=dict(answers))


def put(store: TinyDBRecordStore, user: int, draft: Draft) -> None:
    """Save one draft and make it active, as a session would."""
    change = Change((draft,), (), draft.id)
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


def test_everything_survives_a_clean_restart_in_tinydb_layout(store):
    put(store, 3, make(3, "a", unit_name="鲁山县科学技术局"))
    store = reopen(store)
    raw = store.path_for(3).read_text(encoding="utf-8")
    assert "鲁山县科学技术局" in raw  # UTF-8, not \\u escapes
    data = json.loads(raw)
    assert data["drafts"]["1"]["answers"]["unit_name"] == "鲁山县科学技术局"
    assert data["meta"]["1"] == {"active": "a"}
    assert store.get(3, "a").answers["unit_name"] == "鲁山县科学技术局"
    assert store.wal.segments() == []  # compacted at close
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
    store.close()


def test_a_foreign_draft_in_a_users_file_is_never_loaded(tmp_path):
    files = UserFiles(tmp_path / "users")
    raw = {"drafts": {"1": make(2, "x", unit_name="别人的").to_dict()}, "meta": {"1": {"active": "x"}}}
    files.path_for(1).write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    record, _ = files.load(1)
    assert record.drafts == {} and record.active is None


def test_user_id_must_be_int(store):
    with pytest.raises(TypeError):
        store.path_for("../../etc")  # type: ignore[arg-type]


@pytest.mark.parametrize("fail", ["fsync", "write"])
def test_failed_log_write_is_refused_and_leaves_memory_and_disk_as_before(store, monkeypatch, fail):
    put(store, 1, make(1, "a", unit_name="第一版"))
    size_before = store.wal.size

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    if fail == "fsync":
        monkeypatch.setattr(os, "fsync", boom)
        monkeypatch.setattr(os, "fdatasync", boom, raising=False)
    else:
        monkeypatch.setattr(store.wal, "_fh", _Broken(store.wal._fh, boom))
    with pytest.raises(StorageError):
        put(store, 1, make(1, "a", unit_name="第二版"))
    monkeypatch.undo()
    assert store.get(1, "a").answers["unit_name"] == "第一版"  # memory rolled back
    assert store.wal.size == size_before  # the log was cut back: a replay cannot resurrect it
    put(store, 1, make(1, "a", unit_name="第三版"))  # and it works again once the disk does
    store = reopen(store)
    assert store.get(1, "a").answers["unit_name"] == "第三版"
    store.close()


class _Broken:
    """A file object whose write fails (disk full mid-write)."""

    def __init__(self, fh, boom):
        self._fh, self.write = fh, boom

    def __getattr__(self, name):
        return getattr(self._fh, name)


CRASHER = r"""
import os, sys
sys.path.insert(0, sys.argv[2])
from tests.test_storage import make, put
from storage import TinyDBRecordStore
store = TinyDBRecordStore(sys.argv[1], idle_seconds=3600)
put(store, 1, make(1, "a", unit_name="甲"))
put(store, 1, make(1, "a", unit_name="甲二"))
put(store, 2, make(2, "b", unit_name="乙"))
os._exit(0)  # no close(): as if killed; the lock goes with the process
"""


def test_crash_leaves_changes_in_the_log_and_start_up_replays_them(tmp_path):
    data = tmp_path / "data"
    subprocess.run([sys.executable, "-c", CRASHER, str(data), str(REPO)], check=True, timeout=60)
    assert not (data / "users" / "u1.json").exists()  # only in the log so far
    segment = sorted((data / "wal").glob("*.log"))[-1]
    with open(segment, "ab") as fh:  # a torn last line, as a kill mid-write leaves it
        fh.write(encode_line({"u": 1, "c": Change((make(1, "a", unit_name="未确认"),), (), "a").to_json()})[:-20])
    fresh = TinyDBRecordStore(data)  # the next start replays the log into the files
    assert fresh.get(1, "a").answers["unit_name"] == "甲二" and fresh.get(2, "b").answers["unit_name"] == "乙"
    assert json.loads(fresh.path_for(1).read_text(encoding="utf-8"))["drafts"]["1"]["answers"]["unit_name"] == "甲二"
    assert fresh.wal.segments() == []
    fresh.close()


def test_compaction_writes_files_and_drops_the_log(tmp_path):
    store = TinyDBRecordStore(tmp_path / "data", segment_bytes=1, idle_seconds=3600)
    put(store, 5, make(5, "a", unit_name="甲"))  # over segment_bytes: a compaction starts
    put(store, 5, make(5, "a", unit_name="甲二"))
    put(store, 6, make(6, "c", unit_name="丙"))
    store.flush()
    assert store.stats()["dirty"] == 0
    on_disk = json.loads(store.path_for(5).read_text(encoding="utf-8"))
    assert on_disk["drafts"]["1"]["answers"]["unit_name"] == "甲二"
    assert store.wal.segments() == []
    assert store.get(6, "c").answers["unit_name"] == "丙"
    store.close()


def test_a_user_file_is_read_once_then_served_from_memory(store, monkeypatch):
    put(store, 1, make(1, "a", unit_name="甲"))
    store = reopen(store)
    reads = []
    real = UserFiles.load
    monkeypatch.setattr(UserFiles, "load", lambda self, uid: reads.append(uid) or real(self, uid))
    for i in range(5):
        put(store, 1, make(1, "a", unit_name=f"甲{i}"))
        assert store.get(1, "a").answers["unit_name"] == f"甲{i}"
    assert reads == [1]
    store.close()


def test_memory_is_bounded(tmp_path):
    store = TinyDBRecordStore(tmp_path / "data", cache_size=3)
    for u in range(1, 11):
        assert store.load(u).record.drafts == {}
    assert store.stats()["cached"] == 3
    store.close()


def test_damaged_file_is_moved_aside_and_backup_used_once(store):
    put(store, 1, make(1, "a", unit_name="旧"))
    store = reopen(store)
    put(store, 1, make(1, "a", unit_name="新"))
    store = reopen(store)  # the file now has 新, its backup 旧
    store.close()
    store.path_for(1).write_bytes(b"\x00\xffgarbage")
    store = TinyDBRecordStore(store.root.parent)
    loaded = store.load(1)
    assert loaded.facts == (StoreFact.RECOVERED_FROM_BACKUP,)
    assert loaded.record.get("a").answers["unit_name"] == "旧"
    assert any(".damaged-" in p.name for p in store.root.iterdir())
    assert store.load(1).facts == ()  # told once
    store.close()


def _change(store: TinyDBRecordStore, user: int, draft: Draft) -> tuple:
    change = Change((draft,), (), draft.id)
    return user, change.apply(store.load(user).record), change


def _count_syncs(monkeypatch) -> list[int]:
    """Thread ids of every log fsync from now on."""
    import storage.wal

    threads: list[int] = []
    real = storage.wal._datasync
    monkeypatch.setattr(storage.wal, "_datasync", lambda fd: threads.append(threading.get_ident()) or real(fd))
    return threads


def test_changes_persisted_on_a_busy_loop_share_one_fsync_on_the_loop(store, monkeypatch):
    monkeypatch.setattr(storage.tinydb_store, "GROUP_IDLE", float("inf"))  # the log is never quiet: always group
    syncs = _count_syncs(monkeypatch)

    async def many():
        await asyncio.gather(*(store.persist(*_change(store, u, make(u, "a", unit_name=f"局{u}"))) for u in range(10)))
        return threading.get_ident()

    loop_thread = asyncio.run(many())
    assert syncs == [loop_thread]  # one group, written by the loop itself: no thread hop
    store = reopen(store)
    assert [store.get(u, "a").answers["unit_name"] for u in range(10)] == [f"局{u}" for u in range(10)]
    store.close()


def test_a_group_waits_for_changes_a_few_loop_turns_behind(store, monkeypatch):
    monkeypatch.setattr(storage.tinydb_store, "GROUP_IDLE", float("inf"))
    syncs = _count_syncs(monkeypatch)

    async def later(u: int, turns: int) -> None:
        for _ in range(turns):  # other work of this update before its change, e.g. a lock or a parse
            await asyncio.sleep(0)
        await store.persist(*_change(store, u, make(u, "a", unit_name=f"局{u}")))

    async def staggered():
        await asyncio.gather(*(later(u, turns=u) for u in range(6)))

    asyncio.run(staggered())
    assert len(syncs) == 1  # each change came one loop turn after the one before: all in one group
    assert [store.get(u, "a").answers["unit_name"] for u in range(6)] == [f"局{u}" for u in range(6)]


def test_a_group_is_written_after_at_most_group_turns_even_while_changes_keep_coming(store, monkeypatch):
    monkeypatch.setattr(storage.tinydb_store, "GROUP_IDLE", float("inf"))
    syncs = _count_syncs(monkeypatch)
    n = 5 * GROUP_TURNS
    first_saved_at: list[int] = []

    async def stream():
        tasks = []
        for u in range(n):  # a new change every loop turn, for n turns
            tasks.append(asyncio.ensure_future(store.persist(*_change(store, u, make(u, "a", unit_name="甲")))))
            await asyncio.sleep(0)
            if tasks[0].done() and not first_saved_at:
                first_saved_at.append(u)
        await asyncio.gather(*tasks)

    asyncio.run(stream())
    # written GROUP_TURNS turns after the group began at the latest, and its waiter resumes on the next turn
    assert first_saved_at and first_saved_at[0] <= GROUP_TURNS + 2  # it did not wait for the stream to end
    assert len(syncs) >= n // (GROUP_TURNS + 2)


def test_a_lone_change_on_an_idle_loop_is_written_before_other_work_runs(store, monkeypatch):
    monkeypatch.setattr(storage.tinydb_store, "GROUP_IDLE", 0.0)  # the log is always quiet enough
    syncs = _count_syncs(monkeypatch)

    async def lone():
        order: list[str] = []
        asyncio.get_running_loop().call_soon(order.append, "other work")  # e.g. the next getUpdates request
        await store.persist(*_change(store, 1, make(1, "a", unit_name="甲")))
        order.append("saved")
        return order

    assert asyncio.run(lone()) == ["saved", "other work"]
    assert len(syncs) == 1
    store = reopen(store)
    assert store.get(1, "a").answers["unit_name"] == "甲"
    store.close()


def test_a_failed_persist_is_refused_and_memory_stays_as_before(store, monkeypatch):
    put(store, 1, make(1, "a", unit_name="第一版"))

    def boom(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("storage.wal._datasync", boom)

    async def two():
        return await asyncio.gather(
            store.persist(*_change(store, 1, make(1, "a", unit_name="第二版"))),
            store.persist(*_change(store, 2, make(2, "b", unit_name="乙"))),
            return_exceptions=True,
        )

    assert [type(r) for r in asyncio.run(two())] == [StorageError, StorageError]
    monkeypatch.undo()
    assert store.get(1, "a").answers["unit_name"] == "第一版" and store.get(2, "b") is None
    store = reopen(store)
    assert store.get(1, "a").answers["unit_name"] == "第一版" and store.get(2, "b") is None
    store.close()


def test_close_writes_a_group_still_waiting_on_the_loop_and_later_ones_are_refused(store, monkeypatch):
    monkeypatch.setattr(storage.tinydb_store, "GROUP_IDLE", float("inf"))  # the change waits for a group

    async def close_midway():
        task = asyncio.ensure_future(store.persist(*_change(store, 1, make(1, "a", unit_name="甲"))))
        await asyncio.sleep(0)  # the change has joined this turn's group; its write is scheduled
        store.close()
        await task
        with pytest.raises(StorageError):
            await store.persist(*_change(store, 2, make(2, "b", unit_name="乙")))

    asyncio.run(close_midway())
    store = TinyDBRecordStore(store.root.parent)
    assert store.get(1, "a").answers["unit_name"] == "甲"
    store.close()


def test_the_log_is_compacted_after_a_quiet_spell(tmp_path):
    store = TinyDBRecordStore(tmp_path / "data", idle_seconds=0.1)
    asyncio.run(store.persist(*_change(store, 1, make(1, "a", unit_name="甲"))))
    deadline = time.monotonic() + 10
    while store.wal.segments() and time.monotonic() < deadline:
        time.sleep(0.02)  # waiting for a state, not ordering anything
    assert store.wal.segments() == [] and store.path_for(1).exists()
    store.close()


def test_log_lines_are_checked():
    line = encode_line({"u": 1, "c": {"put": []}})
    assert decode_line(line) == {"u": 1, "c": {"put": []}}
    assert decode_line(line[:-1]) is None  # torn: no newline
    flipped = line.replace(b'"u"', b'"v"')
    assert decode_line(flipped) is None  # checksum
    assert decode_line(b"garbage\n") is None


def test_a_spare_segment_is_written_in_place_and_replay_stops_at_its_zeros(tmp_path, caplog):
    wal = WriteAheadLog(tmp_path, spare_bytes=64 << 10)
    assert wal.make_spares() == 2 and wal.make_spares() == 0  # only what is missing
    lines = [encode_line({"n": n, "text": "字" * 300}) for n in range(5)]
    for line in lines:
        wal.append([line])
    segment = wal.segments()[0]
    assert segment.stat().st_size == 64 << 10  # the file did not grow: only data was flushed
    assert len(list(tmp_path.glob("*.spare"))) == 1
    with open(segment, "r+b") as fh:  # a kill in the middle of the next write leaves part of a line
        fh.seek(wal.size)
        fh.write(encode_line({"n": 99})[:-5])
    with caplog.at_level("WARNING"):
        assert [e["n"] for e in wal.entries(wal.seal())] == [0, 1, 2, 3, 4]
    assert len(caplog.records) == 1  # the torn line is reported; the zeros after it are not lines
    assert wal.last_sealed == sum(map(len, lines))


def test_spares_are_made_again_only_after_a_busy_segment(tmp_path):
    store = TinyDBRecordStore(tmp_path / "data", segment_bytes=4096, idle_seconds=3600, spare_segments=True)
    spares = lambda: len(list(store.wal.folder.glob("*.spare")))  # noqa: E731
    assert spares() == 2
    put(store, 1, make(1, "a", unit_name="甲"))  # a small segment: a quiet bot does not write spares again
    store.flush()
    assert spares() == 1
    put(store, 1, make(1, "a", unit_name="甲" * 3000))  # a full segment: the next ones will fill too
    store.flush()
    assert spares() == 2
    store = reopen(store)
    assert store.get(1, "a").answers["unit_name"] == "甲" * 3000
    store.close()


def test_spares_stay_small_when_segments_are_huge(tmp_path):
    store = TinyDBRecordStore(tmp_path / "data", segment_bytes=1 << 30, idle_seconds=3600, spare_segments=True)
    assert [p.stat().st_size for p in store.wal.folder.glob("*.spare")] == [MAX_SPARE, MAX_SPARE]
    put(store, 1, make(1, "a", unit_name="甲"))
    store = reopen(store)
    assert store.get(1, "a").answers["unit_name"] == "甲"
    store.close()


def test_without_spares_the_log_still_works(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    store = TinyDBRecordStore(tmp_path / "data", idle_seconds=3600, spare_segments=True)
    monkeypatch.undo()
    assert list(store.wal.folder.iterdir()) == []  # no spare, no half-made file left behind
    put(store, 1, make(1, "a", unit_name="甲"))
    store = reopen(store)
    assert store.get(1, "a").answers["unit_name"] == "甲"
    store.close()


def test_log_segments_are_numbered_in_order(tmp_path):
    wal = WriteAheadLog(tmp_path)
    wal.append([encode_line({"n": 1})])
    first = wal.seal()
    wal.append([encode_line({"n": 2})])
    assert [e["n"] for e in wal.entries(wal.seal())] == [1, 2]
    assert first[0].name < wal.segments()[-1].name
    wal.remove(wal.segments())
    assert wal.segments() == []


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


def test_an_unexpected_writer_error_fails_the_change_and_the_store_goes_on(store, monkeypatch):
    put(store, 1, make(1, "a", unit_name="甲"))

    def bug(lines):
        raise RuntimeError("a bug in the log writer")

    monkeypatch.setattr(store.wal, "append", bug)
    with pytest.raises(StorageError):
        put(store, 1, make(1, "a", unit_name="乙"))  # answered with an error, not left waiting
    monkeypatch.undo()
    put(store, 1, make(1, "a", unit_name="丙"))
    assert store.get(1, "a").answers["unit_name"] == "丙"


def test_a_failing_compaction_keeps_the_log_and_close_still_returns(store, monkeypatch):
    put(store, 1, make(1, "a", unit_name="甲"))

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(UserFiles, "save", broken)
    with pytest.raises(StorageError):
        store.flush()
    assert store.wal.segments() != []  # nothing compacted, nothing lost
    monkeypatch.undo()
    store = reopen(store)  # close() returns, compacting now that the disk works again
    assert store.get(1, "a").answers["unit_name"] == "甲"
    store.close()
