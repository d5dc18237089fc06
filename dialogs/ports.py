"""Every port the core declares, and the types of their contracts; adapters outside the core implement them.

- RecordStore (storage/): the core loads a user's whole record once per message and
  hands back one change when the message changed anything. The store answers with
  facts about the data (e.g. "recovered from the backup"); the assistant decides what
  the user is told.
- Reporter (report/): report text, DOCX and PDF pages from answers.
- FileReader (report/reader.py): an uploaded report as paragraphs.
- Writer (llm/): a chat model for the optional writing help.
"""

from __future__ import annotations

import asyncio
import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .record import Change, UserRecord

if TYPE_CHECKING:
    from .schema import ReportType

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


class Reporter(Protocol):
    """Turns answers into report text and a DOCX (see the report package)."""

    def preview(self, rt: ReportType, answers: dict[str, Any]) -> str:
        """The report as plain text."""

    def docx(self, rt: ReportType, answers: dict[str, Any]) -> tuple[str, bytes]:
        """(file name, DOCX bytes)."""

    def pages(self, rt: ReportType, answers: dict[str, Any]) -> Pages | None:
        """The report as PDF pages (and the first page as an image), or None when that cannot be made."""

    @property
    def can_paginate(self) -> bool:
        """Whether PDF pages can be made here at all (LibreOffice installed)."""


@dataclass(frozen=True)
class Pages:
    """The report rendered as pages: a PDF, and its first page as a PNG where that could be made."""

    filename: str
    pdf: bytes
    count: int
    first_page: bytes | None = None


class UnreadableFile(Exception):
    """A file that cannot be imported; `reason` is a message key, nothing has been stored."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Source:
    """A file's text as paragraphs (tables are not imported, only counted)."""

    paragraphs: tuple[str, ...]
    tables: int = 0


class FileReader(Protocol):
    """Reads an uploaded report; raises UnreadableFile. Implemented in report/reader.py."""

    def read(self, filename: str, data: bytes) -> Source: ...


class WriterError(RuntimeError):
    """The model could not be used; `kind` is timeout, unreachable, rate_limited, refused or server_error."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(detail or kind)
        self.kind = kind


class Writer(Protocol):
    """A chat-completion model behind some API."""

    async def complete(self, messages: list[dict[str, str]]) -> str:
        """The model's reply text; WriterError when there is none."""
