"""Storage: the RecordStore port (declared in dialogs.ports) implemented over one TinyDB file per user."""

from dialogs.ports import StorageError

from .lock import StoreLocked
from .tinydb_store import TinyDBRecordStore

__all__ = ["StorageError", "StoreLocked", "TinyDBRecordStore"]
