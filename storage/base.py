"""The storage interface the rest of the bot depends on."""

from __future__ import annotations

from typing import Protocol

from dialogs.draft import Draft


class StorageError(Exception):
    """A draft could not be written or read (disk full, read-only, damaged file)."""


class DraftStore(Protocol):
    """Drafts by owner. Every call names the user; nothing crosses users."""

    def get(self, user_id: int, draft_id: str) -> Draft | None:
        """One of this user's drafts, or None."""

    def list(self, user_id: int) -> list[Draft]:
        """This user's drafts, most recently edited first."""

    def save(self, user_id: int, draft: Draft, *, active: bool = True) -> None:
        """Create or replace a draft durably; optionally make it the user's active draft."""

    def delete(self, user_id: int, draft_id: str) -> bool:
        """Remove a draft; False if the user has no such draft."""

    def active_draft(self, user_id: int) -> Draft | None:
        """The user's active draft in one read, or None."""

    def get_active(self, user_id: int) -> str | None:
        """Id of the draft the user is working on, if any."""

    def set_active(self, user_id: int, draft_id: str | None) -> None:
        """Remember (or clear) the draft the user is working on."""

    def take_notices(self, user_id: int) -> list[str]:
        """Chinese notices about this user's data (e.g. a damaged file was recovered), once."""
