"""A user's stored data as one record (their drafts and the active one), and what a message changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .draft import Draft


@dataclass(frozen=True)
class UserRecord:
    """Everything stored for one user. Treated as a value: a change makes a new record."""

    drafts: dict[str, Draft] = field(default_factory=dict)
    active: str | None = None

    def get(self, draft_id: str) -> Draft | None:
        """One draft by id, or None."""
        return self.drafts.get(draft_id)

    def listed(self) -> list[Draft]:
        """Drafts, most recently edited first."""
        return sorted(self.drafts.values(), key=lambda d: d.updated, reverse=True)

    def active_draft(self) -> Draft | None:
        """The draft the user is working on, if it still exists."""
        return self.drafts.get(self.active) if self.active else None


@dataclass(frozen=True)
class Change:
    """What one message changed: drafts written, drafts deleted, and the active draft afterwards."""

    put: tuple[Draft, ...] = ()
    delete: tuple[str, ...] = ()
    active: str | None = None

    def apply(self, record: UserRecord) -> UserRecord:
        """The record after this change (the given record is left as it was)."""
        drafts = {k: v for k, v in record.drafts.items() if k not in self.delete}
        drafts.update((d.id, d) for d in self.put)
        active = self.active if self.active in drafts else None
        return UserRecord(drafts, active)

    def to_json(self) -> dict[str, Any]:
        """Plain data for the write-ahead log."""
        return {"put": [d.to_dict() for d in self.put], "delete": list(self.delete), "active": self.active}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        """Rebuild a change read back from the log."""
        return cls(
            put=tuple(Draft.from_dict(d) for d in data.get("put", [])),
            delete=tuple(str(x) for x in data.get("delete", [])),
            active=data.get("active"),
        )
