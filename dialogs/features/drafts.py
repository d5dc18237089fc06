"""Drafts: /start, a new draft (blank or a copy of last year's), the list, open and delete; the active-draft guard."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..actions import Action, Button, Reply
from ..draft import Draft, new_draft_id, now_iso
from ..engine import Engine, info
from ..messages import label, say
from ..numbers import Figure
from ..session import Outs, Session, note
from ..text import draft_label, local_time
from .core import Core

NOT_CARRIED_OVER = ("year", "sign_date")  # facts that change every year
NOT_TO_CHECK = ("profile", "outline", "layout")  # carried over without a 待核对 mark: the layout, not content

OnDraft = Callable[[Core, Session, Action, Draft, Engine], Outs]


def on_draft(handler: OnDraft) -> Callable[[Core, Session, Action], Outs]:
    """A handler for the active draft: without one, the list or /start; another draft's button is told so."""

    @functools.wraps(handler)
    def run(core: Core, s: Session, action: Action) -> Outs:
        draft = s.active()
        if draft is None:
            return [note("pick_draft"), drafts_list(core, s)] if s.drafts() else start(core, s, action)
        if action.draft and action.draft != draft.id:
            return [note("other_draft"), *core.prompt(draft)]
        engine = core.engine_for(draft)
        if engine is None:
            return core.prompt(draft)  # says the report type is gone
        return handler(core, s, action, draft, engine)

    return run


def start(core: Core, s: Session, action: Action) -> Outs:
    """/start: back to the question the user is at, or the list, or a first draft."""
    draft = s.active()
    if draft is not None:
        draft = _leave_review(core, s, draft)
        out = core.prompt(draft, info("welcome_back_to", draft=draft_label(draft)))
        extra = (Button(label("new_report"), Action("new")), Button(label("drafts"), Action("drafts")))
        return [replace(o, buttons=(*o.buttons, extra)) if isinstance(o, Reply) else o for o in out]
    if s.drafts():
        return [note("welcome_back"), drafts_list(core, s)]
    return [note("intro"), *create(core, s, None)]


def _leave_review(core: Core, s: Session, draft: Draft) -> Draft:
    """Coming back (/start) opens the question the user is at, not yesterday's review screen."""
    engine = core.engine_for(draft)
    if engine is None or not draft.reviewing:
        return draft
    step = engine.handle(draft, Action("resume"))
    if step.changed:
        s.put(step.draft)
    return step.draft


def drafts_screen(core: Core, s: Session, action: Action) -> Outs:
    """/drafts: the list."""
    return [drafts_list(core, s)]


def drafts_list(core: Core, s: Session) -> Reply:
    """The user's drafts with how far each is, when last edited, and 打开 / 删除 buttons."""
    drafts = s.drafts()
    if not drafts:
        return note("no_drafts", ((Button(label("new"), Action("new", "blank")),),))
    active = s.active()
    lines = [say("drafts_title")]
    rows: list[tuple[Button, ...]] = []
    for i, d in enumerate(drafts, 1):
        mark = say("current_mark") if active is not None and d.id == active.id else ""
        when = local_time(d.updated, core.zone)
        lines.append(say("draft_line", i=i, draft=draft_label(d), pct=_done(core, d), when=when, mark=mark))
        rows.append(
            (Button(label("open", i=i), Action("open", d.id)), Button(label("delete", i=i), Action("delete", d.id)))
        )
    rows.append((Button(label("new"), Action("new")),))
    return Reply("\n".join(lines), tuple(rows), "info", None, "drafts_title")


def _done(core: Core, d: Draft) -> str:
    """How much of a draft is answered, as 「40%」 (「?」 if its report type is gone)."""
    engine = core.engine_for(d)
    if engine is None:
        return "?"
    done, total = engine.completion(d)
    return f"{100 if total == 0 else done * 100 // total}%"


def new(core: Core, s: Session, action: Action) -> Outs:
    """/new: ask blank or a copy; /new blank, /new copy:<id> make it."""
    arg, drafts = action.arg, s.drafts()
    if len(drafts) >= core.max_drafts:
        return at_limit(core, s)
    if arg == "" and drafts:
        rows = [(Button(label("blank"), Action("new", "blank")),)]
        rows += [(Button(label("copy", draft=draft_label(d)), Action("new", f"copy:{d.id}")),) for d in drafts[:3]]
        return [note("new_how", tuple(rows))]
    source = None
    if arg.startswith("copy:"):
        source = s.get(arg[5:])
        if source is None:
            return [note("copy_missing", kind="error"), drafts_list(core, s)]
    elif arg not in ("", "blank"):
        return [note("new_bad_arg", kind="error"), *new(core, s, Action("new"))]
    return create(core, s, source)


def create(core: Core, s: Session, source: Draft | None) -> Outs:
    """A new active draft, blank or carrying a source draft's answers over (all 待核对)."""
    if len(s.drafts()) >= core.max_drafts:
        return at_limit(core, s)
    rt_id = source.report_type if source else next(iter(core.types))
    rt = core.types[rt_id]
    draft = Draft(id=new_draft_id(), user_id=s.user_id, report_type=rt_id, schema_version=rt.version)
    notice = info("created", name=rt.name)
    if source is not None:
        _carry_over(draft, source)
        notice = info("created_copy", draft=draft_label(source))
    draft.created = draft.updated = now_iso()
    s.put(draft)
    return core.prompt(draft, notice)


def _carry_over(draft: Draft, source: Draft) -> None:
    """Last year's answers into a new draft: figures offered on their questions, the rest to check."""
    answers = {k: v for k, v in source.copy().answers.items() if k not in NOT_CARRIED_OVER}
    draft.last_year = last_years_figures(answers)  # offered on their questions, never carried
    draft.answers = {k: v for k, v in answers.items() if k not in draft.last_year and not k.startswith("fig_")}
    draft.skipped = list(source.skipped)
    draft.unconfirmed = [k for k in draft.answers if k not in NOT_TO_CHECK and not k.startswith("form_")]
    draft.carried = list(draft.unconfirmed)


def last_years_figures(answers: dict[str, Any]) -> dict[str, str]:
    """Last year's figures as written (「40家」), by figure id: offered on their questions, not this year's answers."""
    out: dict[str, str] = {}
    for k, v in answers.items():
        fig = Figure.from_json(v) if isinstance(v, dict) else None
        if fig is not None:
            out[k] = fig.printed()
    return out


def at_limit(core: Core, s: Session) -> Outs:
    """No room for another draft: say so, and show again what a typed answer would go to."""
    current = core.prompt(d) if (d := s.active()) else [drafts_list(core, s)]
    return [note("draft_limit", kind="error", limit=core.max_drafts), *current]


def open_draft(core: Core, s: Session, action: Action) -> Outs:
    """打开: make a draft the active one and show where it stands."""
    draft = s.get(action.arg)
    if draft is None:
        return [note("draft_missing", kind="error"), drafts_list(core, s)]
    s.activate(draft.id)
    return core.prompt(draft, info("continue_draft", draft=draft_label(draft)))


def delete(core: Core, s: Session, action: Action) -> Outs:
    """删除: ask to confirm."""
    draft = s.get(action.arg)
    if draft is None:
        return [note("draft_missing", kind="error"), drafts_list(core, s)]
    rows = ((Button(label("delete_yes"), Action("delete_yes", draft.id)), Button(label("cancel"), Action("drafts"))),)
    return [note("confirm_delete", rows, draft=draft_label(draft))]


def delete_yes(core: Core, s: Session, action: Action) -> Outs:
    """确认删除: the draft is gone; the list again."""
    draft = s.get(action.arg)
    if draft is None:
        return [note("draft_missing", kind="error"), drafts_list(core, s)]
    s.delete(draft.id)
    return [note("deleted_draft", kind="info", draft=draft_label(draft)), drafts_list(core, s)]
