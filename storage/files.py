"""Per-user TinyDB files: one JSON file per user, read in one open, replaced atomically.

Why one file per user: stock TinyDB rewrites its whole file on each write, so
one shared file would make every write cost as much as all users' drafts.

Why atomic: the new content goes to a temporary file in the same folder, is
fsynced, then `os.replace`d over the old one, so a process killed at any moment
leaves either the old or the new file, both complete. The previous version is
kept as `<file>.bak` (a hard link, no copy) for recovery.

The layout is TinyDB's own ("drafts" and "meta" tables), built and read through
TinyDB's table API over an in-memory storage, so the file is read and written
exactly once per load or save.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Document

from dialogs.draft import Draft
from dialogs.ports import StorageError, StoreFact
from dialogs.record import UserRecord


class CorruptFile(StorageError):
    """A user's file exists but is not valid JSON of the expected shape."""


def fsync_dir(path: str | Path) -> None:
    """Make a rename or unlink in this folder durable (best effort where the OS does not allow it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path, text: str, *, keep_backup: bool = True, sync_dir: bool = True) -> None:
    """Write text to path so that a crash leaves the old or the new content, never a mix.

    Plain string paths on purpose: pathlib interns every name it parses, so per-user names
    would grow the interpreter's interned-string table with every user ever seen.
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if keep_backup and os.path.exists(path):
            bak = path + ".bak"
            try:
                if os.path.lexists(bak):
                    os.unlink(bak)
                os.link(path, bak)
            except OSError:
                pass  # a missing backup is no reason to refuse the save
        os.replace(tmp, path)
        if sync_dir:
            fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_json(path: str | Path) -> dict[str, Any] | None:
    """A TinyDB file's content in one open; None if there is no file; CorruptFile if it does not parse."""
    path = os.fspath(path)
    name = os.path.basename(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageError(str(exc)) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptFile(f"{name}: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CorruptFile(f"{name}: unexpected structure")
    return data


def _memory_db(data: dict[str, Any] | None = None) -> TinyDB:
    db = TinyDB(storage=MemoryStorage)
    if data:
        db.storage.write(data)
    return db


def record_from_data(data: dict[str, Any] | None, user_id: int) -> UserRecord:
    """A user's record from TinyDB file content (drafts of another owner are never let through)."""
    if not data:
        return UserRecord()
    db = _memory_db(data)
    drafts = {}
    for doc in db.table("drafts").all():
        try:
            d = Draft.from_dict(dict(doc))
        except TypeError as exc:
            raise CorruptFile(f"draft without required fields: {exc}") from exc
        if d.user_id == user_id:
            drafts[d.id] = d
    meta = db.table("meta").get(doc_id=1)
    active = meta.get("active") if isinstance(meta, dict) else None
    return UserRecord(drafts, active if isinstance(active, str) and active in drafts else None)


def record_to_data(record: UserRecord) -> dict[str, Any]:
    """TinyDB file content for a record, built with the table API."""
    db = _memory_db()
    db.table("drafts").insert_multiple(d.to_dict() for d in record.drafts.values())
    db.table("meta").insert(Document({"active": record.active}, doc_id=1))
    return db.storage.read() or {}


class UserFiles:
    """The folder of per-user files: path, load (with recovery), atomic save."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._root = os.fspath(root)

    def _file(self, user_id: int) -> str:
        """The file holding this user's drafts (user ids are integers: no path tricks)."""
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise TypeError("user_id must be an int")
        return os.path.join(self._root, f"u{user_id}.json")

    def user_ids(self) -> list[int]:
        """Users with a file in the folder (u<id>.json)."""
        names = (n for n in os.listdir(self._root) if n.startswith("u") and n.endswith(".json"))
        return [int(n[1:-5]) for n in names if n[1:-5].isdigit()]

    def path_for(self, user_id: int) -> Path:
        """The user's file as a Path (for tools and tests)."""
        return Path(self._file(user_id))

    def load(self, user_id: int) -> tuple[UserRecord, tuple[StoreFact, ...]]:
        """The user's record from disk; a damaged file is set aside and the backup used if it reads."""
        path = self._file(user_id)
        try:
            return record_from_data(read_json(path), user_id), ()
        except CorruptFile:
            try:
                return self._recover(user_id, path)
            except OSError as exc:
                raise StorageError(f"u{user_id}.json: damaged and could not be set aside: {exc}") from exc

    def save(self, user_id: int, record: UserRecord, *, sync_dir: bool = True) -> None:
        """Replace the user's file with the record (atomic, fsynced)."""
        text = json.dumps(record_to_data(record), ensure_ascii=False, separators=(",", ":"))
        try:
            atomic_write(self._file(user_id), text, sync_dir=sync_dir)
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def _recover(self, user_id: int, path: str) -> tuple[UserRecord, tuple[StoreFact, ...]]:
        """Move a damaged file aside (never delete it) and fall back to the backup if it reads."""
        os.replace(path, f"{path}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        bak = path + ".bak"
        try:
            data = read_json(bak)
            record = record_from_data(data, user_id)
        except StorageError:
            data = None
        if data is None:
            return UserRecord(), (StoreFact.UNREADABLE_SET_ASIDE,)
        with open(bak, encoding="utf-8") as fh:
            atomic_write(path, fh.read(), keep_backup=False)
        return record, (StoreFact.RECOVERED_FROM_BACKUP,)
