"""Per-user TinyDB files: a TinyDB Storage that replaces its file atomically, and records to and from its tables.

Atomic: a temporary file written through an unbuffered descriptor and fsynced, the previous
version linked as `<file>.bak`, `os.replace`, the folder fsynced. A kill leaves the old or the
new file; a refused write leaves nothing (no buffered bytes, no temporary file).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any

from tinydb import TinyDB
from tinydb.storages import MemoryStorage, Storage
from tinydb.table import Document

from dialogs import jsondata
from dialogs.draft import Draft
from dialogs.ports import StorageError, StoreFact
from dialogs.record import UserRecord

# Stored draft fields and their JSON types: a file that parses but holds something else is damaged.
_SHAPE = {"id": str, "user_id": (int, str), "report_type": str, "schema_version": int, "answers": dict}
_SHAPE |= {k: list for k in ("skipped", "open", "unconfirmed", "reminded", "carried")}
_SHAPE |= {k: dict for k in ("partial", "originals", "last_year")} | {"reviewing": bool, "remind": bool}


class CorruptFile(StorageError):
    """A user's file exists but is not valid JSON of the expected shape."""


def fsync_dir(path: str) -> None:
    """Make a rename in this folder durable (skipped where the OS does not allow it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AtomicJSONStorage(Storage):
    """TinyDB's JSON storage, made crash-safe: read in one open, written by atomic replace."""

    def __init__(self, path: str, *, keep_backup: bool = True) -> None:
        self.path = os.fspath(path)
        self.keep_backup = keep_backup

    def read(self) -> dict[str, dict[str, Any]] | None:
        """The file's content; None if there is no file; CorruptFile if it does not parse as TinyDB tables."""
        name = os.path.basename(self.path)
        try:
            with open(self.path, "rb") as fh:
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

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Replace the file with `data` atomically; StorageError (the old file untouched) if any step fails."""
        raw = jsondata.dumps(data)
        folder, name = os.path.split(self.path)
        tmp = os.path.join(folder, f".{name}.tmp")  # one writer per user at a time (the store's lock)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                view = memoryview(raw)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            if self.keep_backup and os.path.exists(self.path):
                with contextlib.suppress(OSError):  # a missing backup is no reason to refuse the save
                    if os.path.lexists(self.path + ".bak"):
                        os.unlink(self.path + ".bak")
                    os.link(self.path, self.path + ".bak")
            os.replace(tmp, self.path)
            fsync_dir(folder)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise StorageError(str(exc)) from exc


def _draft(doc: Any) -> Draft:
    if not isinstance(doc, dict) or any(k in doc and not isinstance(doc[k], t) for k, t in _SHAPE.items()):
        raise TypeError("fields of the wrong type")
    return Draft.from_dict(doc)  # TypeError if a required field is missing


def record_from_data(data: dict[str, Any] | None, user_id: Any, legacy: str = "") -> UserRecord:
    """A user's record from TinyDB file content (drafts of another owner are never let through; drafts of the
    user's earlier integer id `legacy` are theirs, and now carry their key)."""
    if not data:
        return UserRecord()
    db = TinyDB(storage=MemoryStorage)
    db.storage.write(data)
    owners = {str(user_id), legacy} - {""}
    try:
        drafts = {d.id: d for d in map(_draft, db.table("drafts").all()) if str(d.user_id) in owners}
        for d in drafts.values():
            d.user_id = user_id
        meta = db.table("meta").get(doc_id=1) or {}
    except (TypeError, ValueError, AttributeError) as exc:
        raise CorruptFile(f"u{user_id}.json: a draft that does not read: {exc}") from exc
    active, applied = meta.get("active"), meta.get("applied")
    applied = tuple(map(str, applied)) if isinstance(applied, list) else ()
    return UserRecord(drafts, active if isinstance(active, str) and active in drafts else None, applied)


def record_to_data(record: UserRecord) -> dict[str, Any]:
    """TinyDB file content for a record, built with the table API."""
    db = TinyDB(storage=MemoryStorage)
    db.table("drafts").insert_multiple(d.to_dict() for d in record.drafts.values())
    db.table("meta").insert(Document({"active": record.active, "applied": list(record.applied)}, doc_id=1))
    return db.storage.read() or {}


def load_file(path: str, user_id: Any, legacy: str = "") -> tuple[UserRecord, tuple[StoreFact, ...]]:
    """The user's record from disk; a damaged file is set aside (never deleted) and the backup used if it reads."""
    try:
        return record_from_data(AtomicJSONStorage(path).read(), user_id, legacy), ()
    except CorruptFile:
        pass
    try:
        os.replace(path, f"{path}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        backup = AtomicJSONStorage(path + ".bak")
        try:
            data = backup.read()
            record = record_from_data(data, user_id, legacy)
        except StorageError:
            data = None
        if data is None:
            return UserRecord(), (StoreFact.UNREADABLE_SET_ASIDE,)
        AtomicJSONStorage(path, keep_backup=False).write(data)
        return record, (StoreFact.RECOVERED_FROM_BACKUP,)
    except OSError as exc:
        raise StorageError(f"u{user_id}.json: damaged and could not be set aside: {exc}") from exc
