"""Answering: the engine's actions on the active draft (answers, back, skip, review, edit …) and their screens."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..actions import Action, Button
from ..draft import Draft
from ..engine import Engine, changed_paragraph
from ..messages import label
from ..ports import StorageError
from ..session import Outs, Session
from .core import Core
from .drafts import on_draft


@on_draft
def answer(core: Core, s: Session, action: Action, draft: Draft, engine: Engine) -> Outs:
    """Hand the action to the engine; show its next screen (with ✨ for the paragraph just written)."""
    step = engine.handle(draft, action)
    if step.changed:
        s.put(step.draft)
    screens = core.pair(step.draft)[1]  # the outline or profile may have just changed
    reply = screens.render(step)
    target = changed_paragraph(engine.rt, draft, step.draft) if core.writer and step.changed else None
    if target:  # ✨ for the paragraph just written, under the next question
        reply = replace(reply, buttons=((Button(label("polish_last"), Action("polish", target)),), *reply.buttons))
    return [core.stamp(reply, draft.id)]


def is_stale(core: Core, user_id: Any, action: Action) -> bool:
    """Whether the engine would ignore this button, its question being gone (read before the turn)."""
    try:
        draft = core.store.load(user_id).record.active_draft()
    except StorageError:
        return False  # the turn reports the storage problem
    if draft is None or (action.draft and action.draft != draft.id):
        return False  # another draft's button gets its own answer
    engine = core.engine_for(draft)
    return engine is not None and engine.is_stale(draft, action)
