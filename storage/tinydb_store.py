"""The RecordStore the bot uses: records in memory, changes in a write-ahead log, TinyDB files as the record.

- load: from memory; a user not in memory is read from their TinyDB file once.
- persist (on the event loop): changes are appended to the log together and
  fsynced once (group commit) by a callback on the loop itself, then memory is
  updated and each change's future resolved. The callback lets the loop run a few
  more turns while other updates keep joining the group (at most GROUP_TURNS; it
  writes once GROUP_QUIET turns pass with nobody joining): under load that turns
  about one fsync per answer into one per six to eight. A change that finds the log
  quiet for GROUP_IDLE is written at once, before the loop runs anything else:
  yielding would put its reply behind other work (the next getUpdates request,
  0.5-1 ms) with nobody to share the fsync with. No thread hop: handing each
  answer to another thread and back cost 0.5 ms of CPU per message in thread
  wake-ups and GIL hand-offs.
- commit (any thread, e.g. the console): the change is queued to one writer
  thread, which does the same for everything queued.
- Either way a change is acknowledged only after the fsync that covers it; a
  failed write leaves memory as it was (the caller's record is rolled back).
- compaction: when the log reaches `segment_bytes`, or `max_dirty` users have
  changes waiting, or after `idle_seconds` without changes, the open segment is sealed and a second thread writes every
  changed user's TinyDB file (atomically) and then deletes the sealed segments.
- start-up: segments left by a crash are replayed into the TinyDB files first.

With `spare_segments`, the log's next segments are zero-filled files made in advance
(at start-up, and by the compactor after a busy segment), so each group's fsync has
only data to flush; see storage/wal.py.

Memory stays bounded: at most about `max_dirty` records wait for compaction,
other records sit in an LRU of `cache_size` users.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path

from dialogs.draft import Draft
from dialogs.ports import Loaded, RecordStore, StorageError
from dialogs.record import Change, UserRecord

from .files import UserFiles, fsync_dir
from .lock import acquire_lock
from .wal import WriteAheadLog, encode_line

log = logging.getLogger(__name__)

_STOP = object()
MAX_SPARE = 8 << 20  # a spare never exceeds this, whatever the segment size (past it, a segment grows)
GROUP_TURNS = 16  # a loop group is written after at most this many turns of the event loop
GROUP_QUIET = 3  # ... or as soon as this many turns passed without another change joining it
GROUP_IDLE = 0.005  # seconds: a change this long after the last write is written at once, without a group


class _Flush:
    """A request, queued behind earlier changes, to compact everything now."""

    def __init__(self) -> None:
        self.done: Future[None] = Future()


_Pending = tuple[int, UserRecord, bytes, "Future[None] | asyncio.Future[None]"]


def _resolve(future: Future[None] | asyncio.Future[None], error: Exception | None = None) -> None:
    """Settle a change's future unless its waiter has gone (a cancelled update)."""
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


class TinyDBRecordStore(RecordStore):
    """Per-user TinyDB files under `<data_dir>/users/`, a write-ahead log under `<data_dir>/wal/`.

    Opening a store takes the folder's lock (StoreLocked if another process holds it), so the
    log is never replayed or compacted under a running bot; close() releases it.
    """

    def __init__(
        self,
        data_dir: str | Path,
        *,
        cache_size: int = 512,
        segment_bytes: int = 4 << 20,
        max_dirty: int = 1024,
        idle_seconds: float = 2.0,
        spare_segments: bool = False,
    ) -> None:
        data = Path(data_dir)
        self._folder_lock = acquire_lock(data)  # StoreLocked if another process has the folder open
        self.files = UserFiles(data / "users")
        self.root = self.files.root
        spare = min(segment_bytes + segment_bytes // 4, MAX_SPARE) if spare_segments else 0
        self.wal = WriteAheadLog(data / "wal", spare_bytes=spare)
        self.cache_size = cache_size
        self.segment_bytes = segment_bytes
        self.max_dirty = max_dirty
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._dirty: dict[int, tuple[int, UserRecord]] = {}  # in the log, not yet in the user's file
        self._clean: OrderedDict[int, UserRecord] = OrderedDict()
        self._seq = 0
        self._closed = False
        self._wal_lock = threading.Lock()  # the open segment: the loop's groups, the writer's, sealing
        self._local: list[_Pending] = []  # the loop group being gathered, written by one callback
        self._last_change = time.monotonic()
        self.replay()
        self.wal.make_spares()  # only those missing: a restart reuses what the last run left
        self._queue: queue.SimpleQueue[_Pending | object] = queue.SimpleQueue()
        self._jobs: queue.SimpleQueue[tuple[dict[int, tuple[int, UserRecord]], list[Path], _Flush | None] | object]
        self._jobs = queue.SimpleQueue()
        self._compactor_idle = threading.Event()
        self._compactor_idle.set()
        self._writer = threading.Thread(target=self._write_loop, name="store-writer", daemon=True)
        self._compactor = threading.Thread(target=self._compact_loop, name="store-compactor", daemon=True)
        self._writer.start()
        self._compactor.start()

    # -- the port ----------------------------------------------------------------
    def load(self, user_id: int) -> Loaded:
        """The user's record from memory, else from their file (one read)."""
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise TypeError("user_id must be an int")
        with self._lock:
            hit = self._dirty.get(user_id)
            if hit is not None:
                return Loaded(hit[1])
            record = self._clean.get(user_id)
            if record is not None:
                self._clean.move_to_end(user_id)
                return Loaded(record)
        record, facts = self.files.load(user_id)
        with self._lock:
            if user_id not in self._dirty:
                self._remember(user_id, record)
        return Loaded(record, facts)

    def commit(self, user_id: int, record: UserRecord, change: Change) -> Future[None]:
        """Queue the change for the writer thread's next group; the future resolves once it is fsynced."""
        line = self._line(user_id, change)
        future: Future[None] = Future()
        if self._closed:
            future.set_exception(StorageError("the store is closed"))
            return future
        self._queue.put((user_id, record, line, future))
        return future

    async def persist(self, user_id: int, record: UserRecord, change: Change) -> None:
        """On the event loop: joins the group being gathered (or, on a quiet log, is written at once); returns once fsynced."""
        line = self._line(user_id, change)
        if self._closed:
            raise StorageError("the store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._local.append((user_id, record, line, future))
        if len(self._local) == 1:
            if time.monotonic() - self._last_change >= GROUP_IDLE:
                self._write_local()  # an idle loop: nobody is about to join, and the reply need not queue behind others
            else:
                loop.call_soon(self._gather_local, loop, 0, 0, 0)  # tasks ready now, and their next steps, join
        await future

    @staticmethod
    def _line(user_id: int, change: Change) -> bytes:
        if any(d.user_id != user_id for d in change.put):
            raise PermissionError("a draft can only be saved by its owner")
        return encode_line({"u": user_id, "c": change.to_json()})

    def _gather_local(self, loop: asyncio.AbstractEventLoop, turns: int, size: int, quiet: int) -> None:
        """One more loop turn for the group while changes keep joining it; then write it."""
        quiet = 0 if len(self._local) > size else quiet + 1
        if self._local and turns < GROUP_TURNS and quiet < GROUP_QUIET:
            loop.call_soon(self._gather_local, loop, turns + 1, len(self._local), quiet)
            return
        self._write_local()

    def _write_local(self) -> None:
        batch, self._local = self._local, []
        if batch:  # close() may have written it already
            self._write_group(batch)

    def user_ids(self) -> list[int]:
        """Users with a file, or with changes still only in the log."""
        with self._lock:
            pending = set(self._dirty)
        return sorted(pending | set(self.files.user_ids()))

    def flush(self) -> None:
        """Compact everything committed so far into the TinyDB files and wait for it (tools, tests)."""
        request = _Flush()
        self._queue.put(request)
        request.done.result()

    def close(self) -> None:
        """Write what is queued, compact everything into the TinyDB files, stop the threads."""
        if self._closed:
            return
        if self._local:  # a loop turn's group not written yet (close called on the loop, at shutdown)
            self._write_local()
        self._closed = True
        self._queue.put(_STOP)
        self._writer.join()
        self._compactor.join()
        self.wal.close()
        self._folder_lock.release()

    # -- reading helpers for tools and tests (the core uses load) -------------------
    def list(self, user_id: int) -> list[Draft]:
        """This user's drafts, most recently edited first."""
        return self.load(user_id).record.listed()

    def get(self, user_id: int, draft_id: str) -> Draft | None:
        """One of this user's drafts, or None."""
        return self.load(user_id).record.get(draft_id)

    def get_active(self, user_id: int) -> str | None:
        """Id of the draft the user is working on, if any."""
        return self.load(user_id).record.active

    def path_for(self, user_id: int) -> Path:
        """The user's TinyDB file."""
        return self.files.path_for(user_id)

    def stats(self) -> dict[str, int]:
        """How many records are held in memory (waiting for compaction / cached) and the open log's size."""
        with self._lock:
            return {"dirty": len(self._dirty), "cached": len(self._clean), "log_bytes": self.wal.size}

    # -- memory ----------------------------------------------------------------------
    def _remember(self, user_id: int, record: UserRecord) -> None:
        """Keep a clean record in the LRU (caller holds the lock)."""
        self._clean[user_id] = record
        self._clean.move_to_end(user_id)
        while len(self._clean) > self.cache_size:
            self._clean.popitem(last=False)

    # -- start-up replay -----------------------------------------------------------
    def replay(self) -> int:
        """Apply segments left by an earlier run to the TinyDB files, then delete them; returns entries applied."""
        segments = self.wal.segments()
        if not segments:
            return 0
        records: dict[int, UserRecord] = {}
        n = 0
        for entry in self.wal.entries(segments):
            user_id, change = int(entry["u"]), Change.from_json(entry["c"])
            if user_id not in records:
                records[user_id] = self.files.load(user_id)[0]
            records[user_id] = change.apply(records[user_id])
            n += 1
        for user_id, record in records.items():
            self.files.save(user_id, record, sync_dir=False)
        fsync_dir(self.files.root)
        self.wal.remove(segments)
        log.info("replayed %d logged changes for %d users", n, len(records))
        return n

    # -- the writer thread -----------------------------------------------------------
    def _write_loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                if self.wal.size and time.monotonic() - self._last_change >= self.idle_seconds:
                    with self._wal_lock:
                        self._start_compaction()
                continue
            batch, stop, flushes = self._drain(first)
            if batch:
                self._write_group(batch)
            for request in flushes:
                self._compactor_idle.wait()
                with self._wal_lock:
                    self._start_compaction(request)
            if stop:
                break
        self._compactor_idle.wait()  # a compaction under way finishes first
        with self._wal_lock:
            self._start_compaction()  # then everything still in the log goes to the files
        self._jobs.put(_STOP)

    def _write_group(self, batch: list[_Pending]) -> None:
        """Append and fsync a group (loop or writer thread), then update memory; start a compaction when full."""
        with self._wal_lock:
            try:
                self.wal.append([line for _, _, line, _ in batch])
                with self._lock:
                    for user_id, record, _, _ in batch:
                        self._seq += 1
                        self._dirty[user_id] = (self._seq, record)
                        self._clean.pop(user_id, None)
            except Exception as exc:  # disk full, or a bug: nobody may be left waiting, memory stays as it was
                if isinstance(exc, StorageError):
                    log.error("write-ahead log write failed for %d changes: %s", len(batch), exc)
                else:
                    log.exception("write-ahead log commit failed unexpectedly")
                for *_, future in batch:
                    _resolve(future, StorageError(str(exc)))
                return
            for *_, future in batch:
                _resolve(future)
            self._last_change = time.monotonic()
            if self.wal.size >= self.segment_bytes or len(self._dirty) >= self.max_dirty:
                self._start_compaction()

    def _drain(self, first: object) -> tuple[list[_Pending], bool, list[_Flush]]:
        """Everything queued now, as one group; whether a stop was among it; flush requests."""
        batch: list[_Pending] = []
        flushes: list[_Flush] = []
        item, stop = first, False
        while True:
            if item is _STOP:
                stop = True
            elif isinstance(item, _Flush):
                flushes.append(item)
            else:
                batch.append(item)  # type: ignore[arg-type]
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, stop, flushes

    def _start_compaction(self, request: _Flush | None = None) -> None:
        """Seal the log and hand the changed records to the compactor (unless it is busy). Holds _wal_lock."""
        if not self._compactor_idle.is_set():
            return
        sealed = self.wal.seal()
        with self._lock:
            snapshot = dict(self._dirty)
        if not sealed and not snapshot:
            if request is not None:
                request.done.set_result(None)
            return
        self._compactor_idle.clear()
        self._jobs.put((snapshot, sealed, request))

    # -- the compactor thread ----------------------------------------------------------
    def _compact_loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            snapshot, sealed, request = job  # type: ignore[misc]
            try:
                self._compact(snapshot, sealed)
                if self.wal.last_sealed >= self.segment_bytes // 2:  # busy: the next segments will fill too
                    self.wal.make_spares()
            except Exception as exc:  # disk full, or a bug: the log still holds every change
                log.exception("compaction failed; the log keeps the changes and it will be tried again")
                if request is not None:
                    request.done.set_exception(StorageError(str(exc)))
            else:
                if request is not None:
                    request.done.set_result(None)
            finally:
                job = snapshot = None  # do not keep up to max_dirty records alive until the next job
                self._compactor_idle.set()

    def _compact(self, snapshot: dict[int, tuple[int, UserRecord]], sealed: list[Path]) -> None:
        for user_id, (_, record) in snapshot.items():
            self.files.save(user_id, record, sync_dir=False)
        fsync_dir(self.files.root)
        self.wal.remove(sealed)
        with self._lock:
            for user_id, (seq, record) in snapshot.items():
                current = self._dirty.get(user_id)
                if current is not None and current[0] == seq:
                    del self._dirty[user_id]
                    self._remember(user_id, record)
