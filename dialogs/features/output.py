"""Output: /preview (the report as pages, or text) and /report (the DOCX, once nothing blocks it)."""

from __future__ import annotations

from typing import Any

from ..actions import Action, Button, Document, Out, Reply
from ..draft import Draft, now_iso
from ..engine import Engine
from ..messages import label, say
from ..ports import Reporter
from ..schema import ReportType
from ..screens import explain, shorten
from ..session import Deferred, Outs, Session, note
from ..text import split_text
from .core import Core
from .drafts import on_draft


@on_draft
def preview(core: Core, s: Session, action: Action, draft: Draft, engine: Engine) -> Outs:
    """The report so far, rendered off the loop; the screen's buttons again under the pages."""
    reporter = core.reporter
    if reporter is None:
        return [note("no_reporter", kind="error")]
    rt, answers, partial = engine.rt, engine.visible_answers(draft), bool(engine.missing(draft))
    wait = "preview_working" if reporter.can_paginate else ""
    return [Deferred(lambda: pages_or_text(reporter, rt, answers, partial=partial), wait), *core.prompt(draft)]


@on_draft
def report(core: Core, s: Session, action: Action, draft: Draft, engine: Engine) -> Outs:
    """The DOCX, once nothing blocks it and the gaps were shown (or passed with 仍然生成)."""
    reporter = core.reporter
    if reporter is None:
        return [note("no_reporter", kind="error")]
    missing, failures = engine.missing(draft), engine.check_failures(draft)
    if missing or failures or engine.unconfirmed(draft):
        return [core.stamp(not_ready(engine, draft, missing, failures), draft.id)]
    look = gaps_screen(engine, draft, engine.gaps(draft)) if action.arg != "anyway" else None
    if look is not None:
        return [core.stamp(look, draft.id)]
    rt, answers = engine.rt, engine.visible_answers(draft)
    done = draft.copy()  # generated: no more deadline reminders for this draft
    done.reported = now_iso()
    s.put(done)
    return [Deferred(lambda: docx(reporter, rt, answers))]


def docx(reporter: Reporter, rt: ReportType, answers: dict[str, Any]) -> list[Out]:
    """The report as a DOCX document with its caption."""
    filename, data = reporter.docx(rt, answers)
    caption = say("report_caption", name=shorten(filename.removesuffix(".docx"), 200))
    return [Document(filename, data, caption)]


def not_ready(engine: Engine, draft: Draft, missing: list, failures: list) -> Reply:
    """What blocks the report: required answers missing, figures that do not add up (any one can be fixed)."""
    unchecked = engine.unconfirmed(draft)
    lines = [say("not_ready"), *(f"✗ {q.label}" for q in missing)]
    lines += [say("unconfirmed_left", label=q.label) for q in unchecked]
    lines += [f"⚠ {explain(f)}" for f in failures]
    rows = [(Button(label("fill", label=shorten(q.label, 10)), Action("edit", q.id)),) for q in missing[:8]]
    rows += [(Button(label("check", label=shorten(q.label, 10)), Action("edit", q.id)),) for q in unchecked[:4]]
    for f in failures[:2]:
        rows.append(
            tuple(
                Button(label("fix", label=shorten(engine.rt.question(q).label, 8)), Action("edit", q))
                for q in f.questions
            )
        )
    return Reply("\n".join(lines), tuple(rows), "error", None, "not_ready")


def gaps_screen(engine: Engine, draft: Draft, gaps: list) -> Reply | None:
    """What to look at before generating: content the regulation asks for, answers the report would leave out,
    last year's figures a carried paragraph still states. None when there is nothing; the user may still generate."""
    hidden, stale = engine.hidden(draft), engine.stale_figures(draft)
    if not (gaps or hidden or stale):
        return None
    lines = [say("gaps"), *(f"✗ {r.label}" for r in gaps)] if gaps else []
    if hidden:
        lines.append(say("hidden_answers", labels="、".join(q.label for q in hidden)))
    lines += [
        say("stale_figure", label=s.question.label, figure=s.this_year, carried=s.carried.label, clause=s.clause)
        for s in stale
    ]
    lines.append(say("gaps_hint"))
    return Reply("\n".join(lines), _gap_buttons(engine, gaps, bool(hidden), stale), "info", None, "gaps")


def _gap_buttons(engine: Engine, gaps: list, hidden: bool, stale: list) -> tuple:
    """填写 for each gap, 调整结构 for hidden answers, 修改 for stale figures, and 仍然生成."""
    rows = [
        (Button(label("fill", label=shorten(engine.rt.question(r.fill).label, 10)), Action("edit", r.fill)),)
        for r in gaps
        if engine.rt.has_question(r.fill)
    ]
    rows += [(Button(label("parts"), Action("parts")),)] if hidden else []
    rows += [
        (Button(label("fix", label=shorten(s.carried.label, 8)), Action("edit", s.carried.id)),) for s in stale[:4]
    ]
    rows.append((Button(label("report_anyway"), Action("report", "anyway")),))
    return tuple(rows)


def pages_or_text(reporter: Reporter, rt: ReportType, answers: dict[str, Any], *, partial: bool) -> list[Out]:
    """The report as pages (first page inline, then the PDF); as text where pages cannot be made."""
    head = say("preview_head_partial" if partial else "preview_head")
    pages = reporter.pages(rt, answers) if reporter.can_paginate else None
    if pages is not None:
        image = [Document("第1页.png", pages.first_page, head, photo=True)] if pages.first_page else []
        caption = say("preview_pdf_caption", n=pages.count)
        return [*image, Document(pages.filename, pages.pdf, caption if image else f"{head}\n{caption}")]
    why = say("preview_no_pages" if not reporter.can_paginate else "preview_pages_failed")
    texts = split_text(reporter.preview(rt, answers))
    return [Reply(f"{head}\n{why}", kind="info"), *(Reply(p, kind="info") for p in texts)]
