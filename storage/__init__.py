"""Storage: the RecordStore port (declared in dialogs.ports) implemented over TinyDB files and a write-ahead log."""

from dialogs.ports import StorageError

from .lock import StoreLocked
from .tinydb_store import TinyDBRecordStore

__all__ = ["StorageError", "StoreLocked", "TinyDBRecordStore"]
