"""One input's view of one user's record (Session), and what a turn hands back (Turn, Deferred, note)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .actions import Out, Reply
from .draft import Draft
from .messages import say
from .record import Change, UserRecord


@dataclass(frozen=True)
class Deferred:
    """Work too slow for the event loop (rendering a report, ~30 ms): run off the loop, then shown."""

    run: Callable[[], list[Out]]
    wait: str = ""  # message key to show at once while it runs (seconds of LibreOffice), if any


Outs = list[Out | Deferred]  # what a handler returns: messages, and slow work that makes more


def note(key: str, buttons: tuple = (), kind: str = "info", **params: Any) -> Reply:
    """A message by key (the key travels with it, so tests and tools need not read the wording)."""
    return Reply(say(key, **params), buttons, kind, None, key)


class Session:
    """One message's view of one user's record: reads from it, collects the change."""

    def __init__(self, user_id: int, record: UserRecord) -> None:
        self.user_id = user_id
        self.record = record
        self._put: dict[str, Draft] = {}
        self._deleted: set[str] = set()
        self._active = record.active

    def get(self, draft_id: str) -> Draft | None:
        """One of this user's drafts as it stands in this session."""
        if draft_id in self._deleted:
            return None
        return self._put.get(draft_id) or self.record.get(draft_id)

    def drafts(self) -> list[Draft]:
        """This user's drafts, most recently edited first."""
        ids = (set(self.record.drafts) | set(self._put)) - self._deleted
        return sorted((d for i in ids if (d := self.get(i))), key=lambda d: d.updated, reverse=True)

    def active(self) -> Draft | None:
        """The draft being worked on (None if there is none or it was deleted)."""
        return self.get(self._active) if self._active else None

    def put(self, draft: Draft, *, activate: bool = True) -> None:
        """Write a draft (and make it the active one)."""
        self._put[draft.id] = draft
        self._deleted.discard(draft.id)
        if activate:
            self._active = draft.id

    def delete(self, draft_id: str) -> None:
        """Remove a draft (the active mark goes with it)."""
        self._put.pop(draft_id, None)
        self._deleted.add(draft_id)
        if self._active == draft_id:
            self._active = None

    def activate(self, draft_id: str) -> None:
        """Make a draft the active one."""
        self._active = draft_id

    def change(self) -> Change | None:
        """What this session changed, or None."""
        if not self._put and not self._deleted and self._active == self.record.active:
            return None
        deleted = tuple(sorted(i for i in self._deleted if i in self.record.drafts))
        return Change(tuple(self._put.values()), deleted, self._active)


@dataclass
class Turn:
    """The outcome of one input before it is persisted: what to show, and what to save."""

    outs: Outs
    record: UserRecord | None = None
    change: Change | None = None
    failed: Callable[[], list[Out]] = list  # what to show instead if the change cannot be saved

    @property
    def stale(self) -> bool:
        """A tap that did nothing, its screen being gone (a second tap, an older message): the channel says so."""
        return self.change is None and any(getattr(o, "notice", "") == "stale_button" for o in self.outs)
