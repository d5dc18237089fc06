"""The dialog engine: (draft, action) -> Step. A state machine only: no wording, no buttons, no I/O.

The question to ask is always derived from the draft: the cursor names the
question on screen, and after an answer the cursor moves to the first
unanswered, reachable question after it. Resume, back, skip and edit are all
moves of that one cursor. What the user sees is built from a Step by
`dialogs.screens`; a Step says only what happened (a notice key) and which
screen comes next.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import layout
from .actions import Action
from .cleanup import CLEANERS
from .draft import Answer, Draft, now_iso
from .numbers import HALF_WIDTH_DIGITS, Figure, NumberError, figures_in, parse_figure, plain
from .parse import ParseError, check_length, parse_named_figure, parse_scalar, split_items
from .schema import Question, ReportType, Requirement
from .wording import DEFAULT_CLOSING, fill_years, opening_lead_in, own_closing

_SKIPPED_FIELD = None  # stored in a group's partial item for a skipped optional field


@dataclass(frozen=True)
class Notice:
    """Something to tell the user before the screen: a message key, its values, and whether it is an error."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    error: bool = False


@dataclass(frozen=True)
class SumFailure:
    """A `sum` check that does not hold: parts (label, figure as written) against the total."""

    total_label: str
    total: str
    parts: tuple[tuple[str, str], ...]
    parts_sum: str
    complete: bool  # all parts given (then they must equal the total; else they must not exceed it)
    questions: tuple[str, ...] = ()  # the total, then the parts given: any one of them can be changed
    message: str = ""


def numeric(q: Question, value: Any) -> tuple[Decimal, str] | None:
    """An exact number and its base unit for checks (None for approximate figures such as 30余)."""
    if q.kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value), q.unit
    if q.kind == "figure":
        f = Figure.from_json(value)
        return None if f is None or f.approximate else f.base()
    return None


def printed(q: Question, value: Any) -> str:
    """A number answer as the report prints it."""
    if q.kind == "figure":
        f = Figure.from_json(value)
        return f.printed() if f else str(value)
    return f"{value}{q.unit}"


@dataclass(frozen=True)
class StaleFigure:
    """A figure answered this year, and a carried answer that still states another one on the same topic."""

    question: Question
    this_year: str
    carried: Question
    clause: str


_CLAUSE = re.compile(r"[。；;，,、\n]")


def _contradicting(text: str, fig: Figure, words: tuple[str, ...]) -> str:
    """The clause of `text` on this topic that states another figure in the same unit (复议案件1件), or ''."""
    unit = fig.base()[1]
    for clause in _CLAUSE.split(text):
        if fig.printed() in clause or not any(w in clause for w in words):
            continue
        if any(_unit(stated) == unit for stated in figures_in(clause)):
            return clause.strip()
    return ""


def _unit(stated: str) -> str:
    try:
        return parse_figure(stated).base()[1]
    except NumberError:
        return ""


def text_of(value: Any) -> str:
    """All the words in an answer (items and fields joined), for keyword searches."""
    if isinstance(value, dict):
        return "\n".join(text_of(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(text_of(v) for v in value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Step:
    """Result of one input: the draft after it, whether it changed, a notice, and the screen to show."""

    draft: Draft
    changed: bool
    notice: Notice | None = None
    view: str = "prompt"  # prompt | example


def info(key: str, **params: Any) -> Notice:
    """A notice that is not an error."""
    return Notice(key, params)


def error(key: str, **params: Any) -> Notice:
    """An error notice: nothing changed, the same question follows."""
    return Notice(key, params, error=True)


Handler = Callable[["Engine", Draft, Draft, Question, Action], Step]


class Engine:
    """Walks one report type's questions over a draft."""

    def __init__(self, report_type: ReportType) -> None:
        self.rt = report_type
        self._order = {q.id: i for i, q in enumerate(report_type.questions)}
        self._conditions = sorted({q.show_if.question for q in report_type.questions if q.show_if})
        self._reachable: dict[tuple[str, ...], tuple[list[Question], frozenset[str]]] = {}

    # ---- derived state -------------------------------------------------
    def reachable(self, draft: Draft) -> list[Question]:
        """Questions whose show_if holds, in asking order (memoised on the answers conditions read)."""
        return self._reachable_and_ids(draft)[0]

    def _reachable_and_ids(self, draft: Draft) -> tuple[list[Question], frozenset[str]]:
        key = tuple(str(draft.answers.get(c, "")) for c in self._conditions)
        cached = self._reachable.get(key)
        if cached is None:
            qs = self._compute_reachable(draft)
            cached = self._reachable[key] = (qs, frozenset(q.id for q in qs))
        return cached

    def _compute_reachable(self, draft: Draft) -> list[Question]:
        out: list[Question] = []
        shown: set[str] = set()
        for q in self.rt.questions:
            c = q.show_if
            if c is None or (c.question in shown and str(draft.answers.get(c.question, "")) == c.equals):
                out.append(q)
                shown.add(q.id)
        return out

    @staticmethod
    def is_answered(draft: Draft, q: Question) -> bool:
        """Answered and finished (a list or group still taking items is not)."""
        return q.id in draft.answers and q.id not in draft.open

    def is_handled(self, draft: Draft, q: Question) -> bool:
        """Answered (and checked, if carried over), skipped, or never asked in turn (renaming a heading)."""
        if self.is_answered(draft, q):
            return q.id not in draft.unconfirmed
        return not q.required and (q.id in draft.skipped or not q.ask)

    def unconfirmed(self, draft: Draft) -> list[Question]:
        """Carried-over answers the user has not checked yet (待核对)."""
        return [q for q in self.reachable(draft) if q.id in draft.unconfirmed and q.id in draft.answers]

    def visible_answers(self, draft: Draft) -> dict[str, Answer]:
        """Answers of reachable questions only: what the report is made from."""
        return {q.id: draft.answers[q.id] for q in self.reachable(draft) if q.id in draft.answers}

    def next_open(self, draft: Draft, after: str | None = None) -> Question | None:
        """First reachable question not yet handled after `after`, wrapping to the start."""
        qs = self.reachable(draft)
        start = 0
        if after is not None and after in self._order:
            pos = self._order[after]
            start = next((i for i, q in enumerate(qs) if self._order[q.id] > pos), len(qs))
        for q in qs[start:] + qs[:start]:
            if not self.is_handled(draft, q):
                return q
        return None

    def current(self, draft: Draft) -> Question | None:
        """The question on screen, or None for the review/completion screen."""
        if draft.cursor is not None and draft.cursor in self._reachable_and_ids(draft)[1]:
            return self.rt.question(draft.cursor)
        if draft.reviewing:
            return None
        return self.next_open(draft)

    def asked(self, draft: Draft, q: Question) -> Question:
        """What is asked right now: the question, or the group field being filled (or changed in place)."""
        if q.kind != "group":
            return q
        editing = self.editing(draft, q)
        if editing is not None:
            return q.field(editing[1])
        return self.group_field(draft, q) or q.fields[0]

    def editing(self, draft: Draft, q: Question) -> tuple[int, str] | None:
        """(item index, field id) while an item of this list is being changed in place."""
        it = draft.item
        if not it or it.get("question") != q.id or not 0 <= int(it.get("index", -1)) < len(self.items(draft, q)):
            return None
        return int(it["index"]), str(it.get("field", ""))

    def group_field(self, draft: Draft, q: Question) -> Question | None:
        """The group field to ask next for the item being filled (None if the item is empty)."""
        part = draft.partial.get(q.id, {})
        return next((f for f in q.fields if f.id not in part), None)

    @staticmethod
    def items(draft: Draft, q: Question) -> list[Any]:
        """Items of a list or repeatable group (empty otherwise)."""
        v = draft.answers.get(q.id, [])
        return v if isinstance(v, list) else []

    def missing(self, draft: Draft) -> list[Question]:
        """Required reachable questions not answered yet."""
        return [q for q in self.reachable(draft) if q.required and not self.is_answered(draft, q)]

    def check_failures(self, draft: Draft, involving: str = "") -> list[SumFailure]:
        """Every failed cross-question check (only those `involving` a question, if given).

        Approximate figures (30余) and figures in different units are not added up.
        """
        answers = self.visible_answers(draft)
        out = []
        for c in self.rt.checks:
            if involving and involving not in (c.total, *c.parts):
                continue
            given = [x for x in (c.total, *c.parts) if x in answers]
            values = {x: numeric(self.rt.question(x), answers[x]) for x in given}
            present = [p for p in c.parts if p in values]
            if c.total not in values or not present or any(v is None for v in values.values()):
                continue
            if len({v[1] for v in values.values() if v}) > 1:
                continue
            total, complete = values[c.total][0], len(present) == len(c.parts)  # type: ignore[index]
            parts_sum = sum(values[p][0] for p in present)  # type: ignore[index]
            if (complete and parts_sum != total) or (not complete and parts_sum > total):
                q = self.rt.question
                parts = tuple((q(p).label, printed(q(p), answers[p])) for p in present)
                unit = values[c.total][1]  # type: ignore[index]
                total_text = printed(q(c.total), answers[c.total])
                out.append(
                    SumFailure(
                        q(c.total).label,
                        total_text,
                        parts,
                        plain(parts_sum) + unit,
                        complete,
                        (c.total, *present),
                        c.message,
                    )
                )
        return out

    def gaps(self, draft: Draft) -> list[Requirement]:
        """What the regulation requires that the answers do not cover yet, wherever the outline puts it."""
        answers = self.visible_answers(draft)
        covered = self._covered_by_parts(answers)
        out = []
        for r in self.rt.requirements:
            if r.id in covered or any(text_of(answers.get(q)).strip() for q in r.questions):
                continue
            within = "\n".join(text_of(answers.get(q)) for q in r.within)
            if r.keywords and any(k in within for k in r.keywords):
                continue
            out.append(r)
        return out

    def _covered_by_parts(self, answers: dict[str, Answer]) -> set[str]:
        """Requirements met by a part that plays their role and has any text (e.g. a thematic part of one's own)."""
        out: set[str] = set()
        for part in self.rt.outline.parts if self.rt.outline else ():
            role = self.rt.role(part.role)
            section = next((s for s in self.rt.sections if s.id == part.id), None)
            if section is None or (role.requirement if role else part.role) in out:
                continue
            content = (q.id for q in section.questions if not q.id.startswith(("head_", "form_")))
            if any(text_of(answers.get(qid)).strip() for qid in content):
                out.add(role.requirement if role else part.role)
        return out

    def stale_figures(self, draft: Draft) -> list[StaleFigure]:
        """This year's figures that a carried paragraph contradicts: the same topic, another number in that unit."""
        answers = self.visible_answers(draft)
        carried = [q for q in self.reachable(draft) if q.id in draft.carried and q.id in answers]
        out = []
        for group in self.rt.profile.figures if self.rt.profile and carried else ():
            for spec in group.figures:
                fig = Figure.from_json(answers.get(spec.id))
                if fig is None:
                    continue
                words = (*spec.match, spec.label, *group.keywords)
                for c in carried:
                    clause = _contradicting(text_of(answers[c.id]), fig, words)
                    if clause:
                        out.append(StaleFigure(self.rt.question(spec.id), fig.printed(), c, clause))
        return out

    def hidden(self, draft: Draft) -> list[Question]:
        """Answered content this arrangement does not show (an outline switched, a part left out): never dropped
        silently, the review and /report name it."""
        pool = self.rt.base.pool if self.rt.base is not None else {}
        shown = self._reachable_and_ids(draft)[1]
        return [q for qid, q in pool.items() if qid not in shown and text_of(draft.answers.get(qid)).strip()]

    def askable(self, draft: Draft) -> list[Question]:
        """Reachable questions asked in turn (what the progress line counts)."""
        return [q for q in self.reachable(draft) if q.ask]

    def completion(self, draft: Draft) -> tuple[int, int]:
        """(answered, total) over required reachable questions."""
        req = [q for q in self.reachable(draft) if q.required]
        return sum(1 for q in req if self.is_answered(draft, q)), len(req)

    def is_complete(self, draft: Draft) -> bool:
        """Every required reachable question answered, nothing left 待核对, and every check passing."""
        return not self.missing(draft) and not self.unconfirmed(draft) and not self.check_failures(draft)

    def skip_kind(self, d: Draft, q: Question) -> str | None:
        """What 'skip' does here: 'skip', 'keep' (keep the answer) or None where it is refused."""
        f = (self.group_field(d, q) or q.fields[0]) if q.kind == "group" else None
        if d.partial.get(q.id):
            return "skip" if f is not None and not f.required else None
        if self.is_answered(d, q):
            return "keep"
        if q.is_collection and self.items(d, q):
            return None  # "done" has its own button
        if not q.required or (f is not None and not f.required):
            return "skip"
        return None

    # ---- input -----------------------------------------------------------
    def handle(self, draft: Draft, action: Action) -> Step:
        """Apply one action to a copy of the draft and say what to show next."""
        q = self.current(draft)
        if self._stale(draft, q, action):
            return Step(draft, False, info("stale_button"))
        anywhere = _ANYWHERE.get(action.name)
        if anywhere is not None:
            return anywhere(self, draft, draft.copy(), q, action)
        if q is None:
            return self._on_summary(draft, action)
        if self.editing(draft, q) is not None and action.name in _ON_ITEM:
            return _ON_ITEM[action.name](self, draft, draft.copy(), q, action)
        handler = _ON_QUESTION.get(action.name)
        if handler is None:
            return Step(draft, False, info("unknown_action"))
        return handler(self, draft, draft.copy(), q, action)

    def is_stale(self, draft: Draft, action: Action) -> bool:
        """A button from a screen that is gone (a second tap, an older message): handle() would do nothing."""
        return self._stale(draft, self.current(draft), action)

    @staticmethod
    def _stale(draft: Draft, q: Question | None, action: Action) -> bool:
        return bool(action.expect) and (q is None or action.expect not in (token(draft, q), q.id))

    def _on_summary(self, draft: Draft, action: Action) -> Step:
        """Input while the review or completion screen is shown: a typed answer goes to the next open question."""
        if action.name == "text":
            return self._answer_from_summary(draft, action)
        if action.name != "back":
            return Step(draft, False, info("review_hint" if draft.reviewing else "all_done"), view="brief")
        d = draft.copy()
        d.reviewing = False
        last = [x for x in self.reachable(d) if self.is_handled(d, x)]
        if last:
            d.cursor = last[-1].id
        return self._step(draft, d)

    def _answer_from_summary(self, draft: Draft, action: Action) -> Step:
        """Typed text on the review never gets lost: it answers the next open question (or the user is told)."""
        base = draft.copy()
        base.reviewing = False
        nxt = self.next_open(base)
        if nxt is None:
            return Step(draft, False, info("review_hint" if draft.reviewing else "all_done"), view="brief")
        base.cursor = nxt.id
        step = self._text(base, base.copy(), nxt, action)
        if step.notice is None:
            step = Step(step.draft, step.changed, info("answered_from_review", label=nxt.label))
        return step

    def _step(self, old: Draft, d: Draft, notice: Notice | None = None) -> Step:
        if d.item and d.item.get("question") != (d.cursor or ""):
            d.item = None  # moved to another question: changing an item in place ends
        changed = d.to_dict() != old.to_dict()
        if changed:
            d.updated = now_iso()
            d.rev = old.rev + 1
        return Step(d if changed else old, changed, notice)

    def _advance(self, d: Draft, q: Question) -> None:
        """After q is settled: back to the review if editing from it, else the next open question."""
        if d.reviewing:
            d.cursor = None
            return
        nxt = self.next_open(d, after=q.id)
        d.cursor = nxt.id if nxt else None

    # -- actions that work on any screen
    def _resume(self, old: Draft, d: Draft, q: Question | None, action: Action) -> Step:
        if q is not None:
            return Step(old, False)
        d.reviewing = False
        nxt = self.next_open(d)
        d.cursor = nxt.id if nxt else None
        return self._step(old, d)

    def _review(self, old: Draft, d: Draft, q: Question | None, action: Action) -> Step:
        """The review: the list of sections, or one section's questions (/review <section>)."""
        d.reviewing, d.cursor = True, None
        sections = {x.section for x in self.reachable(d)}
        d.review_section = action.arg if action.name == "review" and action.arg in sections else ""
        return self._step(old, d)

    def _parts(self, old: Draft, d: Draft, q: Question | None, action: Action) -> Step:
        """The report's parts: show them, or change their arrangement (every answer is kept)."""
        op, _, pid = action.arg.partition(":")
        if op == "home":  # hidden content gets a part of its own, headed as it was
            return self._rehome(old, d, pid)
        if op in layout.OPS:
            result = layout.change(self.rt, d.answers, op, pid)
            if result is None:
                return Step(old, False, info("parts_unchanged"))
            d.answers["layout"], added = result
            if added:  # on to the new part's heading
                d.reviewing, d.review_section, d.cursor = False, "", f"head_{added}"
                return self._step(old, d, info("part_added"))
        d.reviewing, d.cursor, d.review_section = True, None, "parts"
        return self._step(old, d)

    def _rehome(self, old: Draft, d: Draft, qid: str) -> Step:
        """Move a hidden answer into a new part of the user's own, so the report shows it."""
        q = next((x for x in self.hidden(d) if x.id == qid), None)
        result = layout.change(self.rt, d.answers, "add", "") if q is not None else None
        if q is None or result is None:
            return Step(old, False, info("parts_unchanged"))
        d.answers["layout"], pid = result
        value = d.answers.pop(q.id)
        d.answers[f"head_{pid}"] = q.label
        d.answers[f"items_{pid}" if q.kind == "group" else f"intro_{pid}"] = value
        d.reviewing, d.cursor, d.review_section = True, None, "parts"
        return self._step(old, d, info("part_rehomed", label=q.label))

    def _edit(self, old: Draft, d: Draft, q: Question | None, action: Action) -> Step:
        qs, arg = self.reachable(d), action.arg
        if not arg:  # /edit alone: show the list to pick from
            return self._review(old, d, q, action)
        if arg.isdigit() and 1 <= int(arg) <= len(qs):
            target = qs[int(arg) - 1]
        else:
            target = next((x for x in qs if x.id == arg), None)
        if target is None:
            return Step(old, False, info("no_such_question"))
        d.cursor = target.id
        return self._step(old, d)

    # -- actions on the question on screen
    def _example(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        if not self.asked(d, q).example:
            return Step(old, False, info("no_example"))
        return Step(old, False, view="example")

    def _use_example(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        asked = self.asked(d, q)
        if not asked.example:
            return Step(old, False, info("no_example"))
        return self._answer(old, d, q, fill_years(asked.example, d.answers.get("year")))

    def _choose(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        asked = self.asked(d, q)
        offered = asked.options if asked.kind == "choice" else asked.suggestions
        if not offered or not action.arg.isdigit() or int(action.arg) >= len(offered):
            return Step(old, False, error("choose_button"))
        return self._answer(old, d, q, fill_years(offered[int(action.arg)], d.answers.get("year")))

    def _text(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        s = action.arg.strip().translate(HALF_WIDTH_DIGITS)
        if q.kind == "text" and q.suggestions and s.isdigit() and 1 <= int(s) <= len(q.suggestions):
            return self._choose(old, d, q, Action("choose", str(int(s) - 1)))  # 「2」: the second one listed
        return self._answer(old, d, q, action.arg)

    def _back(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        part = d.partial.get(q.id)
        if part:
            part.popitem()  # fields are filled in order: undo the last one
            if not part:
                d.partial.pop(q.id)
            return self._step(old, d)
        items = self.items(d, q)
        if q.is_collection and items and q.id in d.open:  # 上一条: the item before the one being added
            self._open_item(d, q, len(items) - 1)
            return self._step(old, d)
        pos = self._order[q.id]
        before = [x for x in self.reachable(d) if self._order[x.id] < pos and x.ask and self.is_handled(d, x)]
        if not before:
            return Step(old, False, error("first_question"))
        d.cursor = before[-1].id
        return self._step(old, d)

    def _skip(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        kind = self.skip_kind(d, q)
        if kind is None:
            if q.is_collection and self.items(d, q) and not d.partial.get(q.id):
                return self._done(old, d, q, action)
            return Step(old, False, error("required"))
        if kind == "keep":
            self._keep_and_move(d, q)
            return self._step(old, d)
        if q.kind == "group" and (d.partial.get(q.id) or q.required):
            d.partial.setdefault(q.id, {})[self.asked(d, q).id] = _SKIPPED_FIELD
            return self._finish_item(old, d, q)
        d.mark_skipped(q.id)
        self._advance(d, q)
        whole = info("skipped_whole", label=q.label) if q.is_collection else None
        return self._step(old, d, whole)

    def _keep_and_move(self, d: Draft, q: Question) -> None:
        """'Keep the answer': go to the next question in order (or back to the review)."""
        if d.reviewing:
            d.cursor = None
            return
        if q.id in d.unconfirmed:  # 沿用: checked; on to the next answer still to check
            d.confirm(q.id)
            nxt = self.next_open(d, after=q.id)
            d.cursor = nxt.id if nxt else None
            return
        later = [x for x in self.reachable(d) if self._order[x.id] > self._order[q.id]]
        opened = self.next_open(d, after=q.id)
        d.cursor = later[0].id if later else (opened.id if opened else None)

    def _done(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        if not q.is_collection:
            return Step(old, False, error("one_answer"))
        if d.partial.get(q.id):
            f = self.group_field(d, q)
            return Step(old, False, error("item_incomplete", item=q.item_label, field=f.label if f else ""))
        items = self.items(d, q)
        if len(items) < q.min_items:
            return Step(old, False, error("too_few_items", need=q.min_items, have=len(items), item=q.item_label))
        d.close_collection(q.id)
        d.confirm(q.id)
        if not items:
            d.answers.pop(q.id, None)
            if not q.required:
                d.mark_skipped(q.id)
        self._advance(d, q)
        return self._step(old, d, info("collection_done", label=q.label, n=len(items), item=q.item_label))

    def _clear(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        """Ask first; then remove every item and keep them for 撤销."""
        items = self.items(d, q)
        if not q.is_collection or not items:
            return Step(old, False, info("nothing_to_clear"))
        if action.arg != "yes":
            return Step(old, False, info("confirm_clear", n=len(items), item=q.item_label), view="confirm_clear")
        d.forget(q.id)
        d.open_collection(q.id)
        d.undo = {"question": q.id, "items": items}
        return self._step(old, d, info("cleared", n=len(items), item=q.item_label))

    def _undo(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        """Put back what the last clear removed, while the list is still empty."""
        if not d.undo or d.undo.get("question") != q.id or self.items(d, q):
            return Step(old, False, error("nothing_to_undo"))
        items = list(d.undo["items"])
        d.set_items(q.id, items)
        d.open_collection(q.id)
        return self._step(old, d, info("undone", n=len(items), item=q.item_label))

    def _delete_item(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        items, arg = self.items(d, q), action.arg
        if not q.is_collection or not arg.isdigit() or not 1 <= int(arg) <= len(items):
            return Step(old, False, error("del_usage"))
        removed = items.pop(int(arg) - 1)
        d.open_collection(q.id)
        if not items:
            d.answers.pop(q.id, None)
        return self._step(old, d, info("item_deleted", n=arg, item=q.item_label, title=item_title(q, removed)))

    # -- changing one item of a list in place (上一条 / 下一条 / 返回列表)
    def _item(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        items, arg = self.items(d, q), action.arg
        if not q.is_collection or not arg.isdigit() or not 1 <= int(arg) <= len(items):
            return Step(old, False, error("item_usage"))
        if d.partial.get(q.id):
            return Step(old, False, error("item_busy", item=q.item_label))
        self._open_item(d, q, int(arg) - 1)
        return self._step(old, d)

    @staticmethod
    def _open_item(d: Draft, q: Question, index: int, field_id: str = "") -> None:
        d.cursor = q.id
        d.item = {"question": q.id, "index": index, "field": field_id or (q.fields[0].id if q.fields else "")}

    def _item_text(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        index, fid = self.editing(d, q)  # type: ignore[misc]
        asked = q.field(fid) if q.kind == "group" else q
        try:
            raw = parse_named_figure(action.arg, q) if q.kind == "figures" else parse_scalar(action.arg, asked)
            value, _ = self._cleaned(d, asked, raw)
        except ParseError as exc:
            return Step(old, False, error(exc.key, message=str(exc)))
        items = self.items(d, q)
        items[index] = {**items[index], fid: value} if q.kind == "group" else value
        d.set_items(q.id, items)
        return self._next_field(old, d, q, index, fid, info("item_changed", n=index + 1, item=q.item_label))

    def _next_field(self, old: Draft, d: Draft, q: Question, index: int, fid: str, notice: Notice | None) -> Step:
        ids = [f.id for f in q.fields]
        if fid in ids and ids.index(fid) + 1 < len(ids):
            self._open_item(d, q, index, ids[ids.index(fid) + 1])
        else:
            d.item = None  # the last field: back to the list
        return self._step(old, d, notice)

    def _item_keep(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        index, fid = self.editing(d, q)  # type: ignore[misc]
        return self._next_field(old, d, q, index, fid, None)

    def _item_back(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        index, fid = self.editing(d, q)  # type: ignore[misc]
        ids = [f.id for f in q.fields]
        if fid in ids and ids.index(fid) > 0:
            self._open_item(d, q, index, ids[ids.index(fid) - 1])
        elif index > 0:
            self._open_item(d, q, index - 1)
        else:
            d.item = None
        return self._step(old, d)

    def _item_next(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        index, _ = self.editing(d, q)  # type: ignore[misc]
        if index + 1 < len(self.items(d, q)):
            self._open_item(d, q, index + 1)
        else:
            d.item = None
        return self._step(old, d)

    def _item_list(self, old: Draft, d: Draft, q: Question, action: Action) -> Step:
        d.item = None
        return self._step(old, d)

    # -- answering
    def _answer(self, old: Draft, d: Draft, q: Question, text: str) -> Step:
        try:
            if q.kind in ("list", "figures"):
                return self._add_list_items(old, d, q, text)
            asked = self.asked(d, q)
            value, removed = self._cleaned(d, asked, parse_scalar(text, asked))
        except ParseError as exc:
            return Step(old, False, error(exc.key, message=str(exc)))
        notice = info("cleaned", removed="”“".join(removed)) if removed else None
        if asked.clean == "opening" and isinstance(value, str):
            notice = self._opening_notice(d, value)
        if q.kind == "group":
            d.partial.setdefault(q.id, {})[asked.id] = value
            step = self._finish_item(old, d, q)
            return step if step.notice or not notice else Step(step.draft, step.changed, notice)
        d.set_answer(q.id, value)
        switched = q.options_from == "outlines" and old.answers.get(q.id) != value
        if switched and "layout" in d.answers:  # the old outline's arrangement does not apply
            relaid = layout.after_outline_switch(self.rt, str(value), d.answers.pop("layout"))
            if relaid:
                d.answers["layout"] = relaid
        self._advance(d, q)
        failures = self.check_failures(d, involving=q.id)
        if failures:
            notice = info("check_warn", failure=failures[0])
        return self._step(old, d, notice)

    @staticmethod
    def _cleaned(d: Draft, q: Question, value: Any) -> tuple[Any, list[str]]:
        """Pasted numbering or a pasted year-and-unit opening taken off (the report adds its own)."""
        if not q.clean or not isinstance(value, str):
            return value, []
        names = tuple(str(d.answers.get(k, "")) for k in ("unit_name", "unit_short"))
        cleaned, removed = CLEANERS[q.clean](value, names)
        if not cleaned:
            return value, []
        return cleaned, removed

    @staticmethod
    def _opening_notice(d: Draft, text: str) -> Notice | None:
        """What the report adds around an opening (a lead-in, the closing), so the user sees it; None if nothing."""
        unit = str(d.answers.get("unit_name") or "××单位")
        who = str(d.answers.get("unit_short") or unit)
        lead = opening_lead_in(text, str(d.answers.get("year") or "20××"), who, (unit,))
        end = "" if own_closing(text) else DEFAULT_CLOSING
        if not lead and not end:
            return None
        shown = f"{lead}{text[:10]}……{end}" if len(text) > 10 else f"{lead}{text}{end}"
        return info("opening_printed", shown=shown)

    def _add_list_items(self, old: Draft, d: Draft, q: Question, text: str) -> Step:
        items: list[Any] = split_items(text)
        if not items:
            raise ParseError("内容是空的，请重新输入。", key="empty")
        for it in items:
            check_length(it, q)
        if q.kind == "figures":
            items = [parse_named_figure(it, q) for it in items]
        current = self.items(d, q)
        if len(current) + len(items) > q.max_items:
            return Step(old, False, error("too_many_items", limit=q.max_items, have=len(current), item=q.item_label))
        d.set_items(q.id, current + items)
        d.open_collection(q.id)
        d.cursor = q.id
        return self._step(old, d, info("items_recorded", n=len(items), item=q.item_label))

    def _finish_item(self, old: Draft, d: Draft, q: Question) -> Step:
        """After a group field: ask the next field, or store the finished item."""
        if self.group_field(d, q) is not None:
            d.cursor = q.id
            return self._step(old, d)
        item = {k: v for k, v in d.partial.pop(q.id).items() if v is not _SKIPPED_FIELD}
        if not q.repeat:
            d.set_answer(q.id, item)
            self._advance(d, q)
            return self._step(old, d)
        items = self.items(d, q) + [item]
        d.set_items(q.id, items)
        if len(items) >= q.max_items:
            d.close_collection(q.id)
            self._advance(d, q)
            return self._step(old, d, info("item_added_last", n=len(items), item=q.item_label))
        d.open_collection(q.id)
        d.cursor = q.id
        return self._step(old, d, info("item_added", n=len(items), item=q.item_label, title=item_title(q, item)))


def paragraph_target(q: Question, index: int | None = None, field_id: str = "") -> str:
    """How a paragraph is named in buttons: 'causes', or 'measures:2:body' for an item's field."""
    return q.id if index is None else f"{q.id}:{index + 1}:{field_id}"


def paragraph_at(rt: ReportType, draft: Draft, target: str) -> tuple[Question, str] | None:
    """The paragraph question (or group field) a target names, and its text; None if there is none."""
    qid, _, rest = target.partition(":")
    if not rt.has_question(qid):
        return None
    q, value = rt.question(qid), draft.answers.get(qid)
    if not rest:
        return (q, value) if q.kind == "paragraph" and isinstance(value, str) else None
    n, _, fid = rest.partition(":")
    items = value if isinstance(value, list) else []
    if q.kind != "group" or not n.isdigit() or not 1 <= int(n) <= len(items) or fid not in {f.id for f in q.fields}:
        return None
    f, text = q.field(fid), items[int(n) - 1].get(fid)
    return (f, text) if f.kind == "paragraph" and isinstance(text, str) else None


def with_paragraph(draft: Draft, target: str, text: str) -> Draft:
    """A copy of the draft with one paragraph replaced (the cursor and everything else as they were)."""
    d = draft.copy()
    qid, _, rest = target.partition(":")
    if not rest:
        d.answers[qid] = text
    else:
        n, _, fid = rest.partition(":")
        items = d.answers[qid]
        items[int(n) - 1][fid] = text  # type: ignore[index]
    d.updated = now_iso()
    d.rev = draft.rev + 1
    return d


def changed_paragraph(rt: ReportType, old: Draft, new: Draft) -> str | None:
    """The paragraph an input just wrote (for the 润色 button under the next question), if any."""
    for q in rt.questions:
        before, after = old.answers.get(q.id), new.answers.get(q.id)
        if before == after or after is None:
            continue
        if q.kind == "paragraph":
            return q.id
        if q.kind == "group" and isinstance(after, list) and after:
            prev = before if isinstance(before, list) else []
            for i, item in enumerate(after):
                if i >= len(prev) or item != prev[i]:
                    fid = next((f.id for f in q.fields if f.kind == "paragraph" and item.get(f.id)), "")
                    return paragraph_target(q, i, fid) if fid else None
    return None


def token(draft: Draft, q: Question) -> str:
    """What a button on this screen carries: the question and the draft's revision (so it acts only once)."""
    return f"{q.id}:{draft.rev}"


def item_title(q: Question, item: Any) -> str:
    """The headline of a list or group item (its first field, else its first non-empty value)."""
    if q.kind == "figures" and isinstance(item, dict):
        return f"{item.get('name', '')}{item.get('text', '')}{item.get('unit', '')}"
    if isinstance(item, dict):
        return str(item.get(q.fields[0].id) or next((v for v in item.values() if v), ""))
    return str(item)


# Dispatch tables: actions that work on any screen, and actions on the question shown.
_ANYWHERE: dict[str, Callable[..., Step]] = {
    "resume": Engine._resume,
    "review": Engine._review,
    "edit": Engine._edit,
    "parts": Engine._parts,
}
_ON_QUESTION: dict[str, Callable[..., Step]] = {
    "text": Engine._text,
    "choose": Engine._choose,
    "example": Engine._example,
    "use_example": Engine._use_example,
    "back": Engine._back,
    "skip": Engine._skip,
    "done": Engine._done,
    "clear": Engine._clear,
    "undo": Engine._undo,
    "delitem": Engine._delete_item,
    "item": Engine._item,
    "itemnext": Engine._item_list,
    "itemlist": Engine._item_list,
}
# While an item is being changed in place, these act on that item.
_ON_ITEM: dict[str, Callable[..., Step]] = {
    "text": Engine._item_text,
    "skip": Engine._item_keep,
    "back": Engine._item_back,
    "itemnext": Engine._item_next,
    "itemlist": Engine._item_list,
    "item": Engine._item,
}
