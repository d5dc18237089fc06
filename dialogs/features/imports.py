"""Importing last year's report: /import and a paste, an uploaded file, and 导入 / 取消 on the summary."""

from __future__ import annotations

import re
from typing import Any

from ..actions import Action, Out
from ..engine import info
from ..import_flow import Pending, new_draft
from ..ports import Source, UnreadableFile
from ..session import Outs, Session, note
from ..text import draft_label
from .answering import answer
from .core import Core
from .drafts import at_limit

_HEADING_LINE = re.compile(r"^\s*[一二三四五六七八九十]{1,3}、", re.MULTILINE)


def looks_pasted(text: str) -> bool:
    """Whether text after /import is a pasted report (a 「一、」 heading line, or 300+ characters in 3+ paragraphs)
    rather than an ordinary answer to the question shown."""
    paragraphs = [line for line in text.splitlines() if line.strip()]
    return bool(_HEADING_LINE.search(text)) or (len(text) >= 300 and len(paragraphs) >= 3)


def text(core: Core, s: Session, action: Action) -> Outs:
    """Typed text: the report pasted after /import is offered for import; anything else answers the question."""
    if core.imports.takes_paste(s.user_id) and looks_pasted(action.arg):
        return [core.imports.offer(s.user_id, Source(tuple(action.arg.splitlines())))]
    return answer(core, s, action)


def import_how(core: Core, s: Session, action: Action) -> Outs:
    """/import: say how; the next long text message is taken as the pasted report."""
    core.imports.expect_paste(s.user_id)
    return [note("import_how")]


def import_file(core: Core, user_id: Any, filename: str, data: bytes) -> list[Out]:
    """An uploaded report: its summary with 导入 / 取消, or why it cannot be imported (nothing is stored)."""
    try:
        source = core.imports.read(filename, data)
    except UnreadableFile as exc:
        return [note(exc.reason, kind="error", **exc.params), *core.current(user_id)]
    return [core.imports.offer(user_id, source)]


def import_yes(core: Core, s: Session, action: Action) -> Outs:
    """导入: a new draft from the summary (next year's, all 待核对), replacing an untouched blank one."""
    pending = _pending(core, s, action)
    if not isinstance(pending, Pending):
        return pending
    blank = s.active()
    if blank is not None and not blank.answers:  # /start made it and nothing was answered: the import takes its place
        s.delete(blank.id)
    if len(s.drafts()) >= core.max_drafts:
        return at_limit(core, s)
    rt = core.types.get(pending.report_type)
    if rt is None:
        return [note("type_gone", kind="error")]
    draft = new_draft(pending, s.user_id, rt.version)
    s.put(draft)
    return core.prompt(draft, info("imported", draft=draft_label(draft)))


def import_no(core: Core, s: Session, action: Action) -> Outs:
    """取消: nothing imported; back to the current question."""
    pending = _pending(core, s, action)
    if not isinstance(pending, Pending):
        return pending
    return [note("import_cancelled"), *core.prompt_or_nothing(s.active())]


def _pending(core: Core, s: Session, action: Action) -> Pending | Outs:
    """The import a summary's button answers (taken once), or what to show when it is gone."""
    pending = core.imports.take(s.user_id, action.arg)
    if pending is None and core.imports.was_taken(s.user_id, action.arg) and (d := s.active()) is not None:
        return core.prompt(d, info("stale_button"))  # a double tap: it already acted (Telegram just toasts)
    if pending is None:
        return [note("import_expired", kind="error"), *core.prompt_or_nothing(s.active())]
    return pending


def was_answered(core: Core, user_id: Any, action: Action) -> bool:
    """Whether a summary's button was answered already (a double tap): stale."""
    return core.imports.was_taken(user_id, action.arg)
