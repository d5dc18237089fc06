"""Draft storage: a small interface and its TinyDB implementation."""

from .base import DraftStore, StorageError
from .tinydb_store import TinyDBDraftStore

__all__ = ["DraftStore", "StorageError", "TinyDBDraftStore"]
