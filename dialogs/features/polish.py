"""Writing help (✨ 润色): ask the model for one paragraph, then 采用 / 保留原文 / 再写一版, and 恢复原文."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from ..actions import Action, Button, Out, Reply
from ..draft import Draft
from ..engine import Engine, paragraph_at, with_paragraph
from ..messages import label, say
from ..polish import Request
from ..polish import polish as rewrite
from ..session import Outs, Session, note
from .core import MAX_SUGGESTIONS, Core, Suggestion, remember

log = logging.getLogger(__name__)


async def polish(core: Core, user_id: Any, action: Action) -> list[Out]:
    """✨: a rewrite of the paragraph named by the button; nothing is stored until 采用."""
    return await _suggest(core, user_id, action, lambda: action.arg)


async def again(core: Core, user_id: Any, action: Action) -> list[Out]:
    """再写一版: another rewrite of the paragraph an earlier suggestion was for."""

    def target() -> str | None:
        old = core.writing.suggestions.get((user_id, action.arg))
        return old.target if old else None

    return await _suggest(core, user_id, action, target)


async def _suggest(core: Core, user_id: Any, action: Action, target_of: Callable[[], str | None]) -> list[Out]:
    """Ask the model for one paragraph (the suggestion waits in memory)."""
    if core.writer is None:
        return [note("polish_off", kind="error")]
    try:
        record = core.store.load(user_id).record
    except Exception:
        log.exception("could not load a user's record")
        return [note("storage_down", kind="error")]
    draft = record.active_draft()
    if not core.spend(user_id, action):  # a second tap on ✨ or 再写一版: one model call is enough
        return list(core.stale(draft))
    target = target_of()
    if target is None:
        return [note("polish_expired", kind="error"), *core.prompt_or_nothing(draft)]
    if draft is None or (action.draft and action.draft != draft.id):
        return [note("other_draft"), *core.prompt_or_nothing(draft)]
    engine = core.engine_for(draft)
    found = paragraph_at(engine.rt, draft, target) if engine else None
    if engine is None or found is None:
        return [note("polish_nothing", kind="error"), *core.prompt_or_nothing(draft)]
    return await _ask(core, user_id, engine, draft, target, found)


async def _ask(core: Core, user_id: Any, engine: Engine, draft: Draft, target: str, found: tuple) -> list[Out]:
    """One request per user at a time; a checked suggestion with 采用 / 保留原文 / 再写一版, or why there is none."""
    if user_id in core.writing.busy:
        return [note("polish_busy", kind="error")]
    core.writing.busy.add(user_id)
    try:
        outcome = await rewrite(core.writer, _request(engine, draft, target, *found))
    finally:
        core.writing.busy.discard(user_id)
    if outcome.problem:
        return [note(outcome.problem, kind="error", detail=outcome.detail), *core.prompt(draft)]
    return [_offer(core, user_id, Suggestion(draft.id, target, found[1], outcome.text), found[0].label)]


def _request(engine: Engine, draft: Draft, target: str, q: Any, text: str) -> Request:
    a = draft.answers
    section = engine.rt.section_of(target.partition(":")[0]).title
    return Request(text, str(a.get("unit_short") or a.get("unit_name") or ""), str(a.get("year") or ""),
                   section, q.prompt, q.example, q.max_length)  # fmt: skip


def _offer(core: Core, user_id: Any, sug: Suggestion, question_label: str) -> Reply:
    sid = secrets.token_hex(4)
    remember(core.writing.suggestions, (user_id, sid), sug, MAX_SUGGESTIONS)
    rows = (
        (Button(label("adopt"), Action("adopt", sid)), Button(label("keep_original"), Action("keep_original", sid))),
        (Button(label("again"), Action("again", sid)),),
    )
    text = say("polish_suggestion", label=question_label, text=sug.text)
    return Reply(text, rows, "info", None, "polish_suggestion")


def adopt(core: Core, s: Session, action: Action) -> Outs:
    """采用: the suggestion replaces the paragraph (the original is kept for 恢复原文)."""
    if (s.user_id, action.arg) in core.writing.adopted:  # a second 采用: it is in, say so
        return [note("polish_already_adopted"), *core.prompt_or_nothing(s.active())]
    sug = core.writing.suggestions.pop((s.user_id, action.arg), None)
    draft = s.get(sug.draft_id) if sug else None
    if sug is None or draft is None:
        return [note("polish_expired", kind="error"), *core.prompt_or_nothing(s.active())]
    engine = core.engine_for(draft)
    found = paragraph_at(engine.rt, draft, sug.target) if engine else None
    if found is None or found[1] != sug.original:
        return [note("polish_stale", kind="error"), *core.prompt_or_nothing(s.active())]
    new = with_paragraph(draft, sug.target, sug.text)
    new.originals[sug.target] = sug.original
    s.put(new, activate=False)
    remember(core.writing.adopted, (s.user_id, action.arg), None)
    restore_row = ((Button(label("restore"), Action("restore", sug.target)),),)
    return [note("polish_adopted", restore_row), *core.prompt_or_nothing(s.active())]


def keep_original(core: Core, s: Session, action: Action) -> Outs:
    """保留原文: the suggestion is dropped."""
    core.writing.suggestions.pop((s.user_id, action.arg), None)
    return [note("polish_kept"), *core.prompt_or_nothing(s.active())]


def restore(core: Core, s: Session, action: Action) -> Outs:
    """恢复原文: the paragraph as it was before 采用."""
    draft = s.active()
    original = draft.originals.get(action.arg) if draft else None
    engine = core.engine_for(draft) if draft else None
    found = paragraph_at(engine.rt, draft, action.arg) if draft and engine else None
    if draft is not None and original is None and found is not None:
        if core.writing.restored.get((s.user_id, draft.id, action.arg)) == found[1]:  # a second 恢复原文
            return [note("polish_already_restored"), *core.prompt(draft)]
    if draft is None or original is None or found is None:
        return [note("polish_nothing", kind="error"), *core.prompt_or_nothing(draft)]
    new = with_paragraph(draft, action.arg, original)
    new.originals.pop(action.arg, None)
    s.put(new)
    remember(core.writing.restored, (s.user_id, draft.id, action.arg), original)
    return [note("polish_restored"), *core.prompt(new)]
