"""A user's stored data as one record (their drafts, the active one, inputs applied), and what a message changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from .draft import Draft

APPLIED_KEPT = 50  # ids of the last inputs applied, remembered so a redelivered update is not applied twice


@dataclass(frozen=True)
class UserRecord:
    """Everything stored for one user. Treated as a value: a change makes a new record."""

    drafts: dict[str, Draft] = field(default_factory=dict)
    active: str | None = None
    applied: tuple[str, ...] = ()  # channel input ids (e.g. Telegram update ids) already applied, oldest first

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
    """What one message changed: drafts written, drafts deleted, the active draft afterwards, the input applied."""

    put: tuple[Draft, ...] = ()
    delete: tuple[str, ...] = ()
    active: str | None = None
    applied: str = ""  # the input's id, if its channel gave one

    def apply(self, record: UserRecord) -> UserRecord:
        """The record after this change (the given record is left as it was)."""
        drafts = {k: v for k, v in record.drafts.items() if k not in self.delete}
        drafts.update((d.id, d) for d in self.put)
        active = self.active if self.active in drafts else None
        applied = (*record.applied, self.applied)[-APPLIED_KEPT:] if self.applied else record.applied
        return UserRecord(drafts, active, applied)
