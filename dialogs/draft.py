"""The draft: everything a user has answered for one report, plus where they are."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field, fields
from typing import Any

from .jsondata import copy as copy_json

Answer = str | int | list[Any] | dict[str, Any]


def now_iso() -> str:
    """Current UTC time as ISO text (seconds)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def new_draft_id() -> str:
    """A short random id: safe in file names and in 64-byte Telegram button data."""
    return secrets.token_hex(4)


@dataclass
class Draft:
    """One user's report in progress. The engine never mutates a draft it was given."""

    id: str
    user_id: str | int  # the owner's namespaced key (dialogs/ports.py UserId)
    report_type: str
    schema_version: int
    answers: dict[str, Answer] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    open: list[str] = field(default_factory=list)  # lists/groups still taking items
    partial: dict[str, dict[str, Any]] = field(default_factory=dict)  # group item being filled
    cursor: str | None = None  # question shown last; None means "derive the next one"
    reviewing: bool = False  # an edit started from the review returns to it
    rev: int = 0  # bumped on every change: a button shown before a change no longer acts
    undo: dict[str, Any] | None = None  # the items a clear removed, until the list gets new ones
    unconfirmed: list[str] = field(default_factory=list)  # carried over from last year: 待核对 until confirmed
    item: dict[str, Any] | None = None  # an item being changed in place: {"question", "index", "field"}
    review_section: str = ""  # the section open on the review ("" = the list of sections)
    originals: dict[str, str] = field(default_factory=dict)  # paragraph target -> the user's text before 采用
    remind: bool = False  # deadline reminders on (/remind)
    reminded: list[str] = field(default_factory=list)  # reminder dates already sent (ISO), each sent once
    last_year: dict[str, str] = field(default_factory=dict)  # figure (or gate) id -> last year's figure, from an import
    carried: list[str] = field(default_factory=list)  # answers that came from last year's report (import or copy)
    reported: str = ""  # when the DOCX was last generated (UTC ISO): no more reminders
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)

    @property
    def unit(self) -> str:
        """Unit name for listings (empty until answered)."""
        v = self.answers.get("unit_name", "")
        return v if isinstance(v, str) else ""

    @property
    def year(self) -> int | None:
        """Report year for listings (None until answered)."""
        v = self.answers.get("year")
        return v if isinstance(v, int) else None

    # ---- bookkeeping: the only places that edit answers / open / skipped together
    def set_answer(self, qid: str, value: Answer) -> None:
        """Store an answer; a question answered is no longer skipped, nor waiting to be checked."""
        self.answers[qid] = value
        self.unskip(qid)
        self.confirm(qid)

    def confirm(self, qid: str) -> None:
        """The user has checked a carried-over answer (kept or changed it)."""
        if qid in self.unconfirmed:
            self.unconfirmed.remove(qid)

    def open_collection(self, qid: str) -> None:
        """A list or repeatable group keeps taking items."""
        if qid not in self.open:
            self.open.append(qid)

    def close_collection(self, qid: str) -> None:
        """A list or repeatable group is finished."""
        if qid in self.open:
            self.open.remove(qid)

    def mark_skipped(self, qid: str) -> None:
        """The user skipped an optional question: no answer, not open."""
        self.answers.pop(qid, None)
        self.close_collection(qid)
        if qid not in self.skipped:
            self.skipped.append(qid)

    def unskip(self, qid: str) -> None:
        """Forget that a question was skipped."""
        if qid in self.skipped:
            self.skipped.remove(qid)

    def set_items(self, qid: str, items: list[Any]) -> None:
        """A list or repeatable group now holds these items (the undo of a clear lapses once it has any).

        Adding to a carried-over list does not confirm last year's items: 完成 or 沿用 does.
        """
        self.answers[qid] = items
        self.unskip(qid)
        if self.undo is not None and self.undo.get("question") == qid:
            self.undo = None

    def forget(self, qid: str) -> None:
        """Drop an answer and any half-filled item (e.g. clearing a list)."""
        self.answers.pop(qid, None)
        self.partial.pop(qid, None)
        self.close_collection(qid)

    def copy(self) -> Draft:
        """A deep copy, so the caller's draft stays as it was (JSON data: a JSON round trip is enough)."""
        return Draft.from_dict(copy_json(self.to_dict()))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data. Shares the draft's containers: serialise or compare it, do not mutate it."""
        return {name: getattr(self, name) for name in _FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        """Rebuild a draft from stored data, ignoring unknown keys from newer versions."""
        return cls(**{k: v for k, v in data.items() if k in _FIELDS})


_FIELDS = tuple(f.name for f in fields(Draft))
