"""What the user sees: question, review, completion and example screens (text, progress, buttons).

Screens read the engine's derived state and never change a draft. Every sentence
comes from `dialogs.messages`, so the state machine holds no wording.
"""

from __future__ import annotations

import re
from typing import Any

from . import layout
from .actions import Action, Button, Reply
from .draft import Draft
from .engine import Engine, Notice, Step, SumFailure, item_title, paragraph_target, printed, text_of, token
from .messages import label, say
from .numbers import figures_in
from .parse import format_date
from .schema import Question
from .wording import fill_years

Rows = tuple[tuple[Button, ...], ...]
MAX_EDIT_BUTTONS = 24  # ✏1…✏24 in rows of six; more items are changed with a typed /item N


def year_words(text: str) -> list[str]:
    """Years written in a carried-over answer (2024年, 2023年以来, 2024年度), each once, in order."""
    return list(dict.fromkeys(re.findall(r"(?:19|20)\d{2}年(?:度|以来|底|初)?", text)))


def shorten(text: str, limit: int = 60) -> str:
    """One line, at most `limit` characters, with an ellipsis when cut."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def explain(f: SumFailure) -> str:
    """A failed sum check in words, with the arithmetic."""
    if f.message:
        return f.message
    expr = " + ".join(f"{name} {value}" for name, value in f.parts)
    key = "sum_mismatch" if f.complete else "sum_exceeds"
    return say(key, expr=expr, sum=f.parts_sum, total_label=f.total_label, total=f.total)


def notice_text(n: Notice) -> str:
    """A notice as one line (errors get the ❗ mark)."""
    params = dict(n.params)
    if isinstance(params.get("failure"), SumFailure):
        params["failure"] = explain(params["failure"])
    if "title" in params:
        params["title"] = shorten(str(params["title"]), 30)
    # A parse error carries its own sentence (str(ParseError)); every other notice is in the table.
    text = str(params["message"]) if "message" in params else say(n.key, **params)
    return "❗ " + text if n.error else text


def with_notice(reply: Reply, n: Notice | None) -> Reply:
    """The reply with a notice on top (and marked as an error when it is one)."""
    if n is None:
        return reply
    kind = "error" if n.error else reply.kind
    return Reply(f"{notice_text(n)}\n{reply.text}", reply.buttons, kind, reply.question, n.key)


class Screens:
    """Builds replies for one engine's report type."""

    def __init__(self, engine: Engine, *, polish: bool = False) -> None:
        self.engine = engine
        self.rt = engine.rt
        self.polish = polish  # offer ✨ 润色 on paragraphs (a writing model is configured)

    def render(self, step: Step) -> Reply:
        """The screen a step leads to, with its notice first."""
        if step.view == "example":
            return self.example(step.draft)
        if step.view == "confirm_clear" and step.notice is not None:
            q = self.engine.current(step.draft)
            exp = token(step.draft, q) if q else ""
            yes = Button(label("clear_yes"), Action("clear", "yes", expect=exp))
            return Reply(notice_text(step.notice), ((yes, Button(label("cancel"), Action("resume"))),), "info")
        if step.view == "brief" and step.notice is not None:  # a hint, without sending the long screen again
            buttons = ((Button(label("review"), Action("review")), Button(label("resume"), Action("resume"))),)
            return Reply(notice_text(step.notice), buttons, "info", None, step.notice.key)
        return self.show(step.draft, step.notice)

    def show(self, draft: Draft, notice: Notice | None = None) -> Reply:
        """The current question, or the review or completion screen."""
        q = self.engine.current(draft)
        if q is None:
            screen = self.review(draft) if draft.reviewing else self.complete(draft)
        else:
            screen = self.question(draft, q)
        return with_notice(screen, notice)

    # ---- answers as the user reads them back
    def display(self, q: Question, value: Any) -> str:
        """An answer in one line."""
        if value is None:
            return say("empty_value")
        if q.kind in ("integer", "figure"):
            return printed(q, value)
        if q.kind == "date":
            return format_date(value)
        if q.kind in ("list", "figures"):
            return "；".join(item_title(q, v) for v in value)
        if q.kind != "group":
            return str(value)
        items = value if isinstance(value, list) else [value]
        if not q.repeat:
            return " / ".join(shorten(str(items[0][f.id]), 40) for f in q.fields if items[0].get(f.id))
        return f"{len(items)}{q.item_label}：" + "、".join(shorten(item_title(q, it), 20) for it in items)

    # ---- the question screen
    def progress(self, draft: Draft, q: Question) -> str:
        """【section】第 n/N 题."""
        qs = self.engine.askable(draft)
        n = next((i for i, x in enumerate(qs) if x.id == q.id), len(qs)) + 1
        return say("progress", section=self.rt.section_of(q.id).title, n=n, total=len(qs))

    def question(self, draft: Draft, q: Question) -> Reply:
        """Progress, prompt, hint, the current answer or items, and the buttons."""
        e = self.engine
        editing = e.editing(draft, q)
        if editing is not None:
            return self._editing(draft, q, *editing)
        items, partial = e.items(draft, q), bool(draft.partial.get(q.id))
        lines = [self.progress(draft, q), *self._prompt_lines(draft, q, items, partial)]
        if q.id in draft.last_year and q.id not in draft.answers:
            lines.append(say("last_year_figure", value=draft.last_year[q.id]))
        if not q.required and not items and not partial:
            lines.append(say("optional"))
        carried = q.id in draft.unconfirmed and q.id in draft.answers
        if q.is_collection and items:
            shown = self._items_shown(q, items, with_text=carried)
            lines.append(say("items_so_far", n=len(items), item=q.item_label) + "\n" + shown)
            if not partial:
                full = len(items) >= q.max_items
                lines.append(say("items_full" if full else "add_more", item=q.item_label, limit=q.max_items))
            if len(items) > MAX_EDIT_BUTTONS:
                lines.append(say("items_edit_typed", n=MAX_EDIT_BUTTONS, next=MAX_EDIT_BUTTONS + 1, item=q.item_label))
        elif e.is_answered(draft, q) and not partial:
            lines.append(say("current_answer", answer=shorten(self.display(q, draft.answers[q.id]), 200)))
            if q.id not in draft.unconfirmed:  # a carried-over answer gets its own line below
                lines.append(say("change_or_keep"))
        if carried:
            lines.append(say("carried_over_items" if q.is_collection else "carried_over"))
            years = year_words(text_of(draft.answers[q.id]))
            if years:
                lines.append(say("carried_years", years="、".join(years)))
            figures = figures_in(text_of(draft.answers[q.id]))
            if figures:
                lines.append(say("carried_figures", figures="、".join(dict.fromkeys(figures[:8]))))
        elif q.id in draft.skipped and not q.required:
            lines.append(say("was_skipped"))
        if q.kind == "list" and not items:
            lines.append(say("list_hint"))
        return Reply("\n".join(lines), self._question_buttons(draft, q), "question", q.id)

    @staticmethod
    def _items_shown(q: Question, items: list[Any], *, with_text: bool) -> str:
        """Items by number and title; carried-over ones with their text too, so ✓ 沿用 confirms what was seen."""
        if not with_text or q.kind != "group":
            return "\n".join(f"{i}. {shorten(item_title(q, it), 40)}" for i, it in enumerate(items, 1))
        lines, room = [], 2400  # one phone screen's worth; the rest is one ✏N away
        for i, it in enumerate(items, 1):
            line = f"{i}. {item_title(q, it)}：{shorten(str(it.get('body', '')), 160)}" if isinstance(it, dict) else ""
            room -= len(line)
            if room < 0:
                lines.append(say("items_more", n=len(items) - i + 1))
                break
            lines.append(line)
        return "\n".join(lines)

    def _prompt_lines(self, draft: Draft, q: Question, items: list[Any], partial: bool) -> list[str]:
        if q.kind != "group":
            year = draft.answers.get("year")
            offered = [f"{i}. {fill_years(s, year)}" for i, s in enumerate(q.suggestions, 1)]
            return [q.prompt, *offered] + ([f"💡 {q.hint}"] if q.hint else [])
        f = self.engine.asked(draft, q)
        lines = []
        if q.repeat:
            heading = say("item_heading", n=len(items) + 1, item=q.item_label, field=f.label)
            lines.append(heading + ("" if f.required else "（选填）"))
        if f is q.fields[0] and not partial and not items:
            lines.append(q.prompt)  # the group's own intro, once
        lines.append(f.prompt)
        if f.hint:
            lines.append(f"💡 {f.hint}")
        return lines

    def _question_buttons(self, draft: Draft, q: Question) -> Rows:
        e, exp = self.engine, token(draft, q)
        asked = e.asked(draft, q)
        rows: list[tuple[Button, ...]] = []
        if asked.kind == "choice":
            buttons = [Button(o, Action("choose", str(i), expect=exp)) for i, o in enumerate(asked.options)]
            per_row = 2 if any(len(o) > 8 for o in asked.options) else len(buttons)
            rows += [tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]
        rows += self._suggestion_rows(draft, q, asked)
        partial = bool(draft.partial.get(q.id))
        nav: list[Button] = []
        if e.reachable(draft)[0].id != q.id or partial:
            nav.append(Button(label("back"), Action("back", expect=exp)))
        skip = e.skip_kind(draft, q)
        if skip == "skip" and q.is_collection and not partial:
            skip = "skip_whole"  # it skips the whole item, not just this field: say so
        if skip == "keep" and q.id in draft.unconfirmed:
            skip = "confirm"
        if skip:
            nav.append(Button(label(skip), Action("skip", expect=exp)))
        if asked.example:
            nav.append(Button(label("example"), Action("example", expect=exp)))
        rows.append(tuple(nav))
        items = e.items(draft, q)
        if q.kind == "paragraph" and e.is_answered(draft, q):
            rows += self._polish_row(paragraph_target(q), True)
            if q.id in draft.originals:
                rows.append((Button(label("restore"), Action("restore", q.id)),))
        if q.is_collection and not partial and items:
            shown = min(len(items), MAX_EDIT_BUTTONS)  # beyond that: /item N (Telegram caps a keyboard at 100)
            edit_buttons = [
                Button(label("edit_item", n=i), Action("item", str(i), expect=exp)) for i in range(1, shown + 1)
            ]
            rows += [tuple(edit_buttons[i : i + 6]) for i in range(0, len(edit_buttons), 6)]
            if len(items) >= q.min_items:
                rows.append((Button(label("done"), Action("done", expect=exp)),))
            rows.append((Button(label("clear"), Action("clear", expect=exp)),))  # its own row, away from 完成
        elif q.is_collection and not items and draft.undo and draft.undo.get("question") == q.id:
            rows.append((Button(label("undo"), Action("undo", expect=exp)),))
        rows.append((Button(label("review"), Action("review")), Button(label("pause"), Action("pause"))))
        return tuple(r for r in rows if r)

    def _editing(self, draft: Draft, q: Question, index: int, fid: str) -> Reply:
        """One item of a list changed in place: its field, the current text, 上一条 / 保留 / 下一条 / 返回列表."""
        item = self.engine.items(draft, q)[index]
        f = q.field(fid) if q.kind == "group" else q
        value = item.get(fid) if isinstance(item, dict) and q.kind == "group" else item_title(q, item)
        lines = [
            self.progress(draft, q),
            say("editing_heading", n=index + 1, item=q.item_label, field=f.label),
            f.prompt,
            say("editing_current", value=shorten(str(value or say("empty_value")), 300)),
            say("editing_hint"),
        ]
        exp = token(draft, q)
        polish = self._polish_row(paragraph_target(q, index, fid), f.kind == "paragraph" and bool(value))
        rows = (
            *polish,
            (
                Button(label("prev_item"), Action("back", expect=exp)),
                Button(label("keep"), Action("skip", expect=exp)),
                Button(label("next_item"), Action("itemnext", expect=exp)),
            ),
            (Button(label("to_list"), Action("itemlist", expect=exp)),),
            (Button(label("review"), Action("review")), Button(label("pause"), Action("pause"))),
        )
        return Reply("\n".join(lines), rows, "question", q.id)

    def _polish_row(self, target: str, offered: bool) -> tuple[tuple[Button, ...], ...]:
        return ((Button(label("polish"), Action("polish", target)),),) if self.polish and offered else ()

    def _suggestion_rows(self, draft: Draft, q: Question, asked: Question) -> list[tuple[Button, ...]]:
        """Typical titles not used yet, one per row (long labels), each answering with that title."""
        if not asked.suggestions:
            return []
        used = {item_title(q, it) for it in self.engine.items(draft, q)}
        value = draft.answers.get(q.id)
        if isinstance(value, dict):
            used.add(item_title(q, value))
        numbered = q.kind != "group"  # the prompt lists them in full, numbered
        year = draft.answers.get("year")
        return [
            (
                Button(
                    shorten(f"{i + 1}. " * numbered + fill_years(t, year), 24),
                    Action("choose", str(i), expect=token(draft, q)),
                ),
            )
            for i, t in enumerate(asked.suggestions)
            if t not in used
        ][:6]

    # ---- the other screens
    def complete(self, draft: Draft) -> Reply:
        """Everything required is answered: generate, preview or review."""
        done, total = self.engine.completion(draft)
        failures = self.engine.check_failures(draft)
        if failures:
            lines = [say("complete_with_errors"), *(f"⚠ {explain(f)}" for f in failures), say("fix_in_review")]
        else:
            lines = [say("complete", done=done, total=total), say("complete_next")]
        buttons = (
            (Button(label("report"), Action("report")), Button(label("preview"), Action("preview"))),
            (Button(label("review"), Action("review")), Button(label("back"), Action("back"))),
        )
        return Reply("\n".join(lines), buttons, "complete")

    def review(self, draft: Draft) -> Reply:
        """The list of sections with their counts; or, with a section open, its questions to pick from."""
        if draft.review_section == "parts":
            return self.parts(draft)
        if draft.review_section:
            return self._review_section(draft, draft.review_section)
        e = self.engine
        done, total = e.completion(draft)
        lines = [say("review_title", pct=100 if total == 0 else done * 100 // total, done=done, total=total)]
        rows: list[tuple[Button, ...]] = []
        for sid, qs in self._sections(draft):
            title = self.rt.section_of(qs[0].id).title
            lines.append(f"【{title}】{self._counts(draft, qs)}")
            rows.append((Button(f"{title} ({len(qs)})", Action("review", sid)),))
        lines += [f"⚠ {explain(f)}" for f in e.check_failures(draft)]
        hidden = e.hidden(draft)
        if hidden:  # never silently out of the report: the parts screen offers them a place
            lines.append(say("hidden_answers", labels="、".join(q.label for q in hidden)))
        gaps = e.gaps(draft)
        if gaps:  # parts are optional: the percentage counts only what must be answered, so say what is missing
            lines.append(say("review_gaps", labels="、".join(r.label for r in gaps)))
        lines.append(say("review_pick_section"))
        rows.append((Button(label("parts"), Action("parts")),))
        rows.append((Button(label("resume"), Action("resume")), Button(label("report"), Action("report"))))
        return Reply("\n".join(lines), tuple(rows), "review")

    def parts(self, draft: Draft) -> Reply:
        """The report's first-level parts in order, with buttons to move, leave out, fold, restore and add."""
        rt, year = self.rt, draft.answers.get("year")
        order = layout.entries(rt, draft.answers)
        lines, rows = [say("parts_title")], []
        for n, (part, entry) in enumerate(zip(rt.outline.parts, order, strict=False), 1):
            heading = fill_years(str(draft.answers.get(f"head_{part.id}") or part.heading or part.label), year)
            guests = [self._part_label(g) for g in layout.ids(entry)[1:]]
            lines.append(
                f"{n}. {shorten(heading, 30)}" + (say("parts_folded", labels="、".join(guests)) if guests else "")
            )
            buttons = [Button(label("part_up", n=n), Action("parts", f"up:{part.id}"))] if n > 1 else []
            if len(order) > 1:
                buttons.append(Button(label("part_drop", n=n), Action("parts", f"drop:{part.id}")))
            if guests:
                buttons.append(Button(label("part_unfold", n=n), Action("parts", f"unfold:{part.id}")))
            elif n > 1 and not part.extra:
                buttons.append(Button(label("part_fold", n=n), Action("parts", f"fold:{part.id}")))
            rows.append(tuple(buttons))
        gone = layout.left_out(rt, order, draft.answers)
        if gone:
            lines.append(say("parts_left_out", labels="、".join(self._part_label(g) for g in gone)))
            rows += [
                (Button(label("part_restore", label=self._part_label(g)), Action("parts", f"restore:{g}")),)
                for g in gone
            ]
        hidden = self.engine.hidden(draft)
        if hidden:
            lines.append(say("hidden_answers", labels="、".join(q.label for q in hidden)))
            rows += [(Button(label("part_home", label=q.label), Action("parts", f"home:{q.id}")),) for q in hidden]
        lines.append(say("parts_hint"))
        rows.append((Button(label("part_add"), Action("parts", "add")), Button(label("review"), Action("review"))))
        return Reply("\n".join(lines), tuple(r for r in rows if r), "review")

    def _part_label(self, pid: str) -> str:
        part = next((p for o in self.rt.outlines for p in o.parts if p.id == pid), None)
        return part.label if part else f"自拟部分{pid[1:]}"

    def _sections(self, draft: Draft) -> list[tuple[str, list[Question]]]:
        out: dict[str, list[Question]] = {}
        for q in self.engine.reachable(draft):
            out.setdefault(q.section, []).append(q)
        return list(out.items())

    def _counts(self, draft: Draft, qs: list[Question]) -> str:
        """✓ answered · ✗ required and missing · ⚠ 待核对 (only the counts that are not zero)."""
        e = self.engine
        unchecked = sum(1 for q in qs if q.id in draft.unconfirmed and q.id in draft.answers)
        answered = sum(1 for q in qs if e.is_answered(draft, q)) - unchecked
        missing = sum(1 for q in qs if q.required and not e.is_answered(draft, q))
        parts = [f"✓{answered}"] + ([f"✗{missing}"] if missing else []) + ([f"⚠{unchecked}"] if unchecked else [])
        return " ".join(parts)

    def _review_section(self, draft: Draft, sid: str) -> Reply:
        """One section's questions: a line each, a button each (numbers as /edit N uses them)."""
        numbered = list(enumerate(self.engine.reachable(draft), 1))
        mine = [(n, q) for n, q in numbered if q.section == sid]
        lines = [f"📋 【{self.rt.section_of(mine[0][1].id).title}】"] if mine else []
        lines += [f"{n} {self._review_line(draft, q)}" for n, q in mine]
        lines.append(say("review_footer"))
        buttons = [Button(f"{n} {shorten(q.label, 14)}", Action("edit", q.id)) for n, q in mine]
        rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
        rows.append((Button(label("sections"), Action("review")), Button(label("resume"), Action("resume"))))
        return Reply("\n".join(lines), tuple(rows), "review")

    def _review_line(self, draft: Draft, q: Question) -> str:
        if self.engine.is_answered(draft, q):
            return f"✓ {q.label}：{shorten(self.display(q, draft.answers[q.id]), 30)}"
        if q.id in draft.unconfirmed and q.id in draft.answers:
            return f"⚠ {q.label}（待核对）：{shorten(self.display(q, draft.answers[q.id]), 24)}"
        if q.id in draft.skipped and not q.required:
            return f"– {q.label}（已跳过）"
        if not q.ask:
            return f"– {q.label}（默认）"
        if q.id in draft.answers:
            return f"… {q.label}（未完成）"
        return f"✗ {q.label}" + ("（必填）" if q.required else "（选填）")

    def example(self, draft: Draft) -> Reply:
        """The current question's example answer, with a button to take it."""
        q = self.engine.current(draft)
        if q is None:
            return self.show(draft)
        asked = self.engine.asked(draft, q)
        buttons = (
            (
                Button(label("use_example"), Action("use_example", expect=token(draft, q))),
                Button(label("to_question"), Action("resume")),
            ),
        )
        return Reply(say("example", label=asked.label, example=asked.example), buttons, "info", q.id)
