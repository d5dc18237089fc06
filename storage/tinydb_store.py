"""The RecordStore the bot uses: one TinyDB file per user, written through on every change, recent records in memory.

save (any thread) or persist (from the event loop, run on the store's threads) replaces the file
atomically, then updates memory; a refused write changes neither. One lock per user (striped) guards
the file and the user's cache entry, so a load never caches a record that a write is replacing.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dialogs.draft import Draft
from dialogs.ports import Loaded, RecordStore, StorageError
from dialogs.record import Change, UserRecord

from .files import AtomicJSONStorage, load_file, record_to_data
from .lock import acquire_lock

STRIPES = 64  # user locks: users on different stripes read and write their files in parallel


class TinyDBRecordStore(RecordStore):
    """Per-user TinyDB files under `<data_dir>/users/`; opening takes the folder's lock (StoreLocked if held)."""

    def __init__(self, data_dir: str | Path, *, cache_size: int = 512, writers: int = 4) -> None:
        data = Path(data_dir)
        self._folder_lock = acquire_lock(data)  # StoreLocked, or StorageError naming an unusable DATA_DIR
        self.root = data / "users"
        try:
            self.root.mkdir(exist_ok=True)
        except OSError as exc:
            self._folder_lock.release()
            raise StorageError(f"{self.root}: {exc.strerror or exc}") from None
        self._root = os.fspath(self.root)  # plain strings: pathlib would intern every user's file name
        self.cache_size = cache_size
        self._locks = [threading.Lock() for _ in range(STRIPES)]
        self._cache: OrderedDict[int, UserRecord] = OrderedDict()
        self._cache_lock = threading.Lock()  # the LRU's own structure (entries change only under the user's lock)
        self._pool = ThreadPoolExecutor(writers, thread_name_prefix="store")
        self._closed = False

    # -- the port ----------------------------------------------------------------
    def load(self, user_id: int) -> Loaded:
        """The user's record from memory, else from their file (read and cached under the user's lock)."""
        path = self._file(user_id)
        with self._locks[user_id % STRIPES]:
            with self._cache_lock:
                record = self._cache.get(user_id)
                if record is not None:
                    self._cache.move_to_end(user_id)
                    return Loaded(record)
            record, facts = load_file(path, user_id)
            self._remember(user_id, record)
            return Loaded(record, facts)

    def save(self, user_id: int, record: UserRecord, change: Change) -> None:
        """Make the record durable (atomic replace, fsynced), then keep it in memory; StorageError if refused."""
        path = self._file(user_id)
        if any(d.user_id != user_id for d in change.put):
            raise PermissionError("a draft can only be saved by its owner")
        if self._closed:
            raise StorageError("the store is closed")
        with self._locks[user_id % STRIPES]:
            AtomicJSONStorage(path).write(record_to_data(record))
            self._remember(user_id, record)

    async def persist(self, user_id: int, record: UserRecord, change: Change) -> None:
        """save() on the store's threads: the event loop goes on serving others during the fsync."""
        if self._closed:
            raise StorageError("the store is closed")
        await asyncio.get_running_loop().run_in_executor(self._pool, self.save, user_id, record, change)

    def user_ids(self) -> list[int]:
        """Users with a file (u<id>.json)."""
        names = (n[1:-5] for n in os.listdir(self._root) if n.startswith("u") and n.endswith(".json"))
        return sorted(int(n) for n in names if n.isdigit())

    def close(self) -> None:
        """Wait for writes under way, release the folder; later saves fail with StorageError."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=True)
        self._folder_lock.release()

    # -- for tools and tests (the core uses load) ------------------------------------
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
        return Path(self._file(user_id))

    def cached(self) -> int:
        """How many records are held in memory."""
        return len(self._cache)

    # -- internals -------------------------------------------------------------------
    def _file(self, user_id: int) -> str:
        """The file holding this user's drafts (user ids are integers: no path tricks)."""
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise TypeError("user_id must be an int")
        return os.path.join(self._root, f"u{user_id}.json")

    def _remember(self, user_id: int, record: UserRecord) -> None:
        """Keep a record in the LRU (the caller holds the user's lock)."""
        with self._cache_lock:
            self._cache[user_id] = record
            self._cache.move_to_end(user_id)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
