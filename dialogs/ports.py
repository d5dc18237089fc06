"""The storage port the core declares; `storage/` implements it (as PTB's BasePersistence is implemented).

The core loads a user's whole record once per message and hands back one change
when the message changed anything. The store answers with facts about the data
(e.g. "recovered from the backup"); the assistant decides what the user is told.
"""

from __future__ import annotations

import asyncio
import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass

from .record import Change, UserRecord

# A user as the core knows them: the channel's namespaced key ("tg:123", "wecom:zhangsan", "console:1"),
# so users of two channels never share drafts. (Integers are still accepted: tools and tests use them.)
UserId = str | int


class StorageError(Exception):
    """A record could not be read or made durable (disk full, read-only, I/O error)."""


class StoreFact(enum.Enum):
    """Something the store noticed about a user's data while loading it."""

    RECOVERED_FROM_BACKUP = "recovered_from_backup"
    UNREADABLE_SET_ASIDE = "unreadable_set_aside"


@dataclass(frozen=True)
class Loaded:
    """A user's record, plus facts to tell them about (each fact is reported once)."""

    record: UserRecord
    facts: tuple[StoreFact, ...] = ()


class RecordStore(ABC):
    """Users' records by user id. Every call names the user; nothing crosses users."""

    @abstractmethod
    def load(self, user_id: UserId) -> Loaded:
        """The user's current record (empty for a new user). Raises StorageError if it cannot be read."""

    @abstractmethod
    def save(self, user_id: UserId, record: UserRecord, change: Change) -> None:
        """Make `change` durable before returning; `record` is the user's whole record after it.

        Raises StorageError if it could not be written, and then the store still holds the
        record as it was before.
        """

    async def persist(self, user_id: UserId, record: UserRecord, change: Change) -> None:
        """save() awaited on an event loop, run off it (in a thread) so the loop keeps serving others."""
        await asyncio.to_thread(self.save, user_id, record, change)

    @abstractmethod
    def user_ids(self) -> list[UserId]:
        """Every user with stored data (for jobs that visit each user, such as deadline reminders)."""

    @abstractmethod
    def close(self) -> None:
        """Finish writes under way and release everything; later saves fail with StorageError."""
