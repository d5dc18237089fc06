"""Deadline reminders: /remind on or off, the reminders owed now, and which users are owed one."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from ..actions import Action, Button, Reply
from ..draft import Draft
from ..messages import label
from ..ports import StorageError
from ..reminders import due, in_window, next_date
from ..session import Outs, Session, note
from ..text import draft_label
from .core import Core
from .drafts import drafts_list

log = logging.getLogger(__name__)


def remind(core: Core, s: Session, action: Action) -> Outs:
    """/remind turns reminders on for the active draft; /remind off (or its button) turns them off."""
    draft = s.active()
    if draft is None:
        return [note("remind_no_draft", kind="error"), drafts_list(core, s)]
    on = action.arg != "off"
    if draft.remind != on:
        changed = draft.copy()
        changed.remind = on
        s.put(changed)
    if not on:
        return [note("remind_off", draft=draft_label(draft)), *core.prompt(draft)]
    when = next_date(dt.datetime.now(core.zone), core.schedule)
    stop = ((Button(label("remind_stop"), Action("remind", "off")),),)
    params = {"dates": core.schedule.labels(), "hour": core.schedule.hour, "next": f"{when.month}月{when.day}日"}
    return [note("remind_on", stop, draft=draft_label(draft), **params), *core.prompt(draft)]


def remind_due(core: Core, s: Session, action: Action) -> Outs:
    """The reminders owed at the local time in `action.arg`; the dates are marked so each goes once."""
    now = dt.datetime.fromisoformat(action.arg)
    outs: Outs = []
    for draft in s.drafts():
        owed = due(draft, now, core.schedule)
        if not owed:
            continue
        marked = draft.copy()
        marked.reminded = [*marked.reminded, *owed]
        s.put(marked, activate=False)
        outs.append(_reminder(core, draft))
    return outs


def _reminder(core: Core, draft: Draft) -> Reply:
    engine = core.engine_for(draft)
    left = 0
    if engine is not None:
        left = len(engine.missing(draft)) + len(engine.unconfirmed(draft))
    row = ((Button(label("resume"), Action("open", draft.id)),),)
    if left == 0:
        return note("reminder_ready", row, draft=draft_label(draft))
    return note("reminder", row, draft=draft_label(draft), n=left)


def candidates(core: Core, now: dt.datetime) -> list[Any]:
    """Users with a draft owed a reminder at `now` (read only; run off the event loop: it reads files)."""
    local = now.astimezone(core.zone)
    if not in_window(local, core.schedule):  # most of the year: nothing to read
        return []
    out = []
    for user_id in core.store.user_ids():
        try:
            record = core.store.load(user_id).record
        except StorageError:
            log.exception("could not read a user's record for reminders")
            continue
        if any(due(d, local, core.schedule) for d in record.drafts.values()):
            out.append(user_id)
    return out
