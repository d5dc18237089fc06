"""The dialog engine: (draft, action) -> (new draft, replies). No channel, no storage.

The question to ask is always derived from the draft: the cursor names the
question on screen, and after an answer the cursor moves to the first
unanswered, reachable question after it. Resume, back, skip and edit are all
moves of that one cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .actions import Action, Button, Reply
from .draft import Answer, Draft, now_iso
from .parse import ParseError, check_length, format_date, parse_scalar, split_items
from .schema import Question, ReportType

CN_NUM = "一二三四五六七八九十"
_SKIPPED_FIELD = None  # stored in a group's partial item for a skipped optional field


@dataclass(frozen=True)
class Step:
    """Result of one input: the draft after it, whether it changed, what to show."""

    draft: Draft
    replies: tuple[Reply, ...]
    changed: bool


def shorten(text: str, limit: int = 60) -> str:
    """One line, at most `limit` characters, with an ellipsis when cut."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


class Engine:
    """Walks one report type's questions over a draft."""

    def __init__(self, report_type: ReportType) -> None:
        self.rt = report_type
        self._order = {q.id: i for i, q in enumerate(report_type.questions)}

    # ---- derived state -------------------------------------------------
    def reachable(self, draft: Draft) -> list[Question]:
        """Questions whose show_if holds, in asking order."""
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
        """Answered, or an optional question the user skipped."""
        return self.is_answered(draft, q) or (q.id in draft.skipped and not q.required)

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
        if draft.cursor is not None:
            reach = {q.id for q in self.reachable(draft)}
            if draft.cursor in reach:
                return self.rt.question(draft.cursor)
        if draft.reviewing:
            return None
        return self.next_open(draft)

    def missing(self, draft: Draft) -> list[Question]:
        """Required reachable questions not answered yet."""
        return [q for q in self.reachable(draft) if q.required and not self.is_answered(draft, q)]

    def check_errors(self, draft: Draft, candidate: tuple[str, int] | None = None) -> list[str]:
        """Chinese explanations of every failed cross-question check."""
        values = {k: v for k, v in self.visible_answers(draft).items() if isinstance(v, int)}
        if candidate is not None:
            values[candidate[0]] = candidate[1]
        errors = []
        for c in self.rt.checks:
            if c.total not in values:
                continue
            present = [p for p in c.parts if p in values]
            if not present:
                continue
            total = values[c.total]
            parts_sum = sum(values[p] for p in present)
            tq = self.rt.question(c.total)
            unit = tq.unit
            expr = " + ".join(f"{self.rt.question(p).label} {values[p]}{unit}" for p in present)
            if len(present) == len(c.parts) and parts_sum != total:
                errors.append(c.message or f"{expr} = {parts_sum}{unit}，与{tq.label} {total}{unit} 不一致。")
            elif len(present) < len(c.parts) and parts_sum > total:
                errors.append(f"{expr} = {parts_sum}{unit}，超过了{tq.label} {total}{unit}。")
        return errors

    def completion(self, draft: Draft) -> tuple[int, int]:
        """(answered, total) over required reachable questions."""
        req = [q for q in self.reachable(draft) if q.required]
        return sum(1 for q in req if self.is_answered(draft, q)), len(req)

    def is_complete(self, draft: Draft) -> bool:
        """Every required reachable question answered and every check passing."""
        return not self.missing(draft) and not self.check_errors(draft)

    # ---- display ---------------------------------------------------------
    def display(self, q: Question, value: Any) -> str:
        """An answer as the user reads it back."""
        if value is None:
            return "（空）"
        if q.kind == "integer":
            return f"{value}{q.unit}"
        if q.kind == "date":
            return format_date(value)
        if q.kind == "list":
            return "；".join(value)
        if q.kind == "group":
            items = value if isinstance(value, list) else [value]
            first = q.fields[0].id
            names = [shorten(str(it.get(first) or next((v for v in it.values() if v), "")), 20) for it in items]
            if not q.repeat:
                it = items[0]
                return " / ".join(shorten(str(it[f.id]), 40) for f in q.fields if it.get(f.id))
            return f"{len(items)}{q.item_label}：" + "、".join(names)
        return str(value)

    def _progress(self, draft: Draft, q: Question) -> str:
        qs = self.reachable(draft)
        idx = next((i for i, x in enumerate(qs) if x.id == q.id), 0) + 1
        title = self.rt.section_of(q.id).title
        return f"【{title}】第 {idx}/{len(qs)} 题"

    def _group_field(self, draft: Draft, q: Question) -> Question | None:
        """The group field to ask next for the item being filled (None if the item is empty)."""
        part = draft.partial.get(q.id, {})
        for f in q.fields:
            if f.id not in part:
                return f
        return None

    def _items(self, draft: Draft, q: Question) -> list[Any]:
        v = draft.answers.get(q.id, [])
        return v if isinstance(v, list) else []

    def _buttons(self, draft: Draft, q: Question, field: Question | None) -> tuple[tuple[Button, ...], ...]:
        rows: list[tuple[Button, ...]] = []
        asked = field or q
        exp = q.id
        if asked.kind == "choice":
            rows.append(tuple(Button(o, Action("choose", str(i), expect=exp)) for i, o in enumerate(asked.options)))
        nav: list[Button] = []
        first = self.reachable(draft)[0].id == q.id
        partial = bool(draft.partial.get(q.id))
        if not first or partial:
            nav.append(Button("⬅ 上一题", Action("back", expect=exp)))
        skip = self._skip_label(draft, q)
        if skip:
            nav.append(Button(skip, Action("skip", expect=exp)))
        if asked.example:
            nav.append(Button("看示例", Action("example", expect=exp)))
        rows.append(tuple(nav))
        items = self._items(draft, q)
        if q.is_collection and not partial and items:
            done = (Button("✅ 完成本项", Action("done", expect=exp)),) if len(items) >= q.min_items else ()
            rows.append((*done, Button("🗑 清空重填", Action("clear", expect=exp))))
        rows.append((Button("📋 检查修改", Action("review")), Button("⏸ 暂停", Action("pause"))))
        return tuple(r for r in rows if r)

    def prompt(self, draft: Draft, prefix: str = "") -> Reply:
        """What to show now: the current question, the review, or the completion screen."""
        q = self.current(draft)
        if q is None:
            return self.review(draft, prefix) if draft.reviewing else self._complete(draft, prefix)
        lines = [prefix] if prefix else []
        lines.append(self._progress(draft, q))
        field = None
        items = self._items(draft, q)
        if q.kind == "group":
            field = self._group_field(draft, q) or q.fields[0]
            if q.repeat:
                n = len(items) + 1
                lines.append(f"第 {n} {q.item_label} · {field.label}" + ("" if field.required else "（选填）"))
            if field is q.fields[0] and not draft.partial.get(q.id) and not items:
                lines.append(q.prompt)  # the group's own intro, once
            lines.append(field.prompt)
            if field.hint:
                lines.append(f"💡 {field.hint}")
        else:
            lines.append(q.prompt)
            if q.hint:
                lines.append(f"💡 {q.hint}")
        if not q.required and not items and not draft.partial.get(q.id):
            lines.append("（选填，没有可点“跳过”）")
        if q.is_collection and items:
            shown = [f"{i}. {shorten(self._item_title(q, it), 40)}" for i, it in enumerate(items, 1)]
            lines.append(f"已有 {len(items)} {q.item_label}：\n" + "\n".join(shown))
            if not draft.partial.get(q.id):
                lines.append(
                    f"继续发送可再添加一{q.item_label}；删除某一{q.item_label}发 /del 编号；全部填完请点“完成本项”。"
                )
        elif self.is_answered(draft, q) and not draft.partial.get(q.id):
            lines.append("当前答案：" + shorten(self.display(q, draft.answers[q.id]), 200))
            lines.append("发送新内容即可修改，或点“保留原答案”。")
        elif q.id in draft.skipped and not q.required:
            lines.append("（此题已跳过；发送内容即可补填）")
        if q.kind == "list" and not items:
            lines.append("可一次发多项，每行一项。")
        return Reply("\n".join(lines), self._buttons(draft, q, field), "question", q.id)

    @staticmethod
    def _item_title(q: Question, item: Any) -> str:
        if isinstance(item, dict):
            return str(item.get(q.fields[0].id) or next((v for v in item.values() if v), ""))
        return str(item)

    def _complete(self, draft: Draft, prefix: str = "") -> Reply:
        done, total = self.completion(draft)
        errors = self.check_errors(draft)
        lines = [prefix] if prefix else []
        if errors:
            lines.append("所有题目都答完了，但有数字对不上：")
            lines += [f"⚠ {e}" for e in errors]
            lines.append("请点“检查修改”改正。")
        else:
            lines.append(f"🎉 全部必填项已完成（{done}/{total}）。")
            lines.append("可以点“生成报告”下载 Word 文件，或先“预览”“检查修改”。")
        buttons = (
            (Button("📄 生成报告", Action("report")), Button("👀 预览", Action("preview"))),
            (Button("📋 检查修改", Action("review")), Button("⬅ 上一题", Action("back"))),
        )
        return Reply("\n".join(lines), buttons, "complete")

    def review(self, draft: Draft, prefix: str = "") -> Reply:
        """Per section: answered ✓, missing ✗, skipped –; completion; edit buttons."""
        done, total = self.completion(draft)
        pct = 100 if total == 0 else done * 100 // total
        lines = [prefix] if prefix else []
        lines.append(f"📋 检查修改 · 完成度 {pct}%（必填 {done}/{total}）")
        buttons: list[Button] = []
        section = ""
        for n, q in enumerate(self.reachable(draft), 1):
            if q.section != section:
                section = q.section
                lines.append(f"【{self.rt.section_of(q.id).title}】")
            if self.is_answered(draft, q):
                lines.append(f"{n} ✓ {q.label}：{shorten(self.display(q, draft.answers[q.id]), 30)}")
            elif q.id in draft.skipped and not q.required:
                lines.append(f"{n} – {q.label}（已跳过）")
            elif q.id in draft.answers:
                lines.append(f"{n} … {q.label}（未完成）")
            else:
                lines.append(f"{n} ✗ {q.label}" + ("（必填）" if q.required else "（选填）"))
            buttons.append(Button(f"{n} {shorten(q.label, 7)}", Action("edit", q.id)))
        for e in self.check_errors(draft):
            lines.append(f"⚠ {e}")
        lines.append("点编号按钮（或发送 /edit 编号）修改任意一题。")
        rows = [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]
        rows.append((Button("▶ 继续填写", Action("resume")), Button("📄 生成报告", Action("report"))))
        return Reply("\n".join(lines), tuple(rows), "review")

    def example(self, draft: Draft) -> Reply:
        """The current question's example answer, with a button to take it."""
        q = self.current(draft)
        if q is None:
            return self.prompt(draft)
        asked = (self._group_field(draft, q) or q.fields[0]) if q.kind == "group" else q
        if not asked.example:
            return self.prompt(draft, "这一题没有示例。")
        text = f"📝 示例（{asked.label}）：\n{asked.example}"
        buttons = (
            (Button("用这个示例作答", Action("use_example", expect=q.id)), Button("返回题目", Action("resume"))),
        )
        return Reply(text, buttons, "info", q.id)

    # ---- input -----------------------------------------------------------
    def handle(self, draft: Draft, action: Action) -> Step:
        """Apply one action to a copy of the draft and say what to show next."""
        d = draft.copy()
        q = self.current(d)
        if action.expect and (q is None or action.expect != q.id):
            return Step(draft, (self.prompt(draft, "这个按钮已过期，请看当前的问题："),), False)
        name = action.name
        if name == "resume":
            if q is not None:
                return Step(draft, (self.prompt(draft),), False)
            d.reviewing = False
            nxt = self.next_open(d)
            d.cursor = nxt.id if nxt else None
            return self._step(draft, d, "")
        if name == "review":
            d.reviewing, d.cursor = True, None
            return self._step(draft, d, "")
        if name == "edit":
            return self._edit(draft, d, action.arg)
        if q is None:
            if name == "back":
                d.reviewing = False
                last = [x for x in self.reachable(d) if self.is_handled(d, x)]
                if last:
                    d.cursor = last[-1].id
                return self._step(draft, d, "")
            hint = "请点编号修改，或点“继续填写”。" if d.reviewing else "全部完成了。"
            return Step(draft, (self.prompt(draft, hint),), False)
        if name == "example":
            return Step(draft, (self.example(d),), False)
        if name == "use_example":
            asked = (self._group_field(d, q) or q.fields[0]) if q.kind == "group" else q
            if not asked.example:
                return Step(draft, (self.prompt(draft, "这一题没有示例。"),), False)
            return self._answer(draft, d, q, asked.example)
        if name == "back":
            return self._back(draft, d, q)
        if name == "skip":
            return self._skip(draft, d, q)
        if name == "done":
            return self._done(draft, d, q)
        if name == "clear":
            if not q.is_collection:
                return Step(draft, (self.prompt(draft, "这一题没有可清空的列表。"),), False)
            d.answers.pop(q.id, None)
            d.partial.pop(q.id, None)
            if q.id in d.open:
                d.open.remove(q.id)
            return self._step(draft, d, "已清空，请重新填写。")
        if name == "delitem":
            return self._delete_item(draft, d, q, action.arg)
        if name == "text":
            return self._answer(draft, d, q, action.arg)
        if name == "choose":
            asked = (self._group_field(d, q) or q.fields[0]) if q.kind == "group" else q
            if asked.kind != "choice" or not action.arg.isdigit() or int(action.arg) >= len(asked.options):
                return self._error(draft, "请点下面的按钮选择。")
            return self._answer(draft, d, q, asked.options[int(action.arg)])
        return Step(draft, (self.prompt(draft, "看不懂这个操作。"),), False)

    def _step(self, old: Draft, d: Draft, prefix: str) -> Step:
        changed = d.to_dict() != old.to_dict()
        if changed:
            d.updated = now_iso()
        return Step(d, (self.prompt(d, prefix),), changed)

    def _error(self, old: Draft, message: str) -> Step:
        """Same question again, with the reason first; nothing changes."""
        r = self.prompt(old, "❗ " + message)
        return Step(old, (Reply(r.text, r.buttons, "error", r.question),), False)

    def _advance(self, d: Draft, q: Question) -> None:
        """After q is settled: back to the review if editing from it, else the next open question."""
        if d.reviewing:
            d.cursor = None
            return
        nxt = self.next_open(d, after=q.id)
        d.cursor = nxt.id if nxt else None

    def _edit(self, old: Draft, d: Draft, arg: str) -> Step:
        qs = self.reachable(d)
        target = None
        if arg.isdigit() and 1 <= int(arg) <= len(qs):
            target = qs[int(arg) - 1]
        else:
            target = next((x for x in qs if x.id == arg), None)
        if target is None:
            return Step(old, (self.prompt(old, "没有这道题，请看检查列表里的编号。"),), False)
        d.cursor = target.id
        return self._step(old, d, "")

    def _back(self, old: Draft, d: Draft, q: Question) -> Step:
        part = d.partial.get(q.id)
        if part:
            part.popitem()  # fields are filled in order: undo the last one
            if not part:
                d.partial.pop(q.id)
            return self._step(old, d, "")
        qs = self.reachable(d)
        pos = self._order[q.id]
        before = [x for x in qs if self._order[x.id] < pos and self.is_handled(d, x)]
        if not before:
            return self._error(old, "已经是第一题了。")
        d.cursor = before[-1].id
        return self._step(old, d, "")

    def _skip_label(self, d: Draft, q: Question) -> str | None:
        """What 'skip' would do here, as a button label; None where it would be refused."""
        part = d.partial.get(q.id)
        f = (self._group_field(d, q) or q.fields[0]) if q.kind == "group" else None
        if part:
            return "跳过" if f is not None and not f.required else None
        if self.is_answered(d, q):
            return "保留原答案"
        if q.is_collection and self._items(d, q):
            return None  # "done" has its own button
        if not q.required or (f is not None and not f.required):
            return "跳过"
        return None

    def _skip(self, old: Draft, d: Draft, q: Question) -> Step:
        label = self._skip_label(d, q)
        items = self._items(d, q)
        if label is None:
            if q.is_collection and items and not d.partial.get(q.id):
                return self._done(old, d, q)
            return self._error(old, "这是必填项，不能跳过。")
        if label == "保留原答案":
            self._keep_and_move(d, q)
            return self._step(old, d, "")
        if q.kind == "group" and (d.partial.get(q.id) or q.required):
            f = self._group_field(d, q) or q.fields[0]
            d.partial.setdefault(q.id, {})[f.id] = _SKIPPED_FIELD
            return self._finish_item(old, d, q)
        d.answers.pop(q.id, None)
        if q.id in d.open:
            d.open.remove(q.id)
        if q.id not in d.skipped:
            d.skipped.append(q.id)
        self._advance(d, q)
        return self._step(old, d, "")

    def _keep_and_move(self, d: Draft, q: Question) -> None:
        """'Keep the answer': go to the next question in order (or back to the review)."""
        if d.reviewing:
            d.cursor = None
            return
        qs = self.reachable(d)
        later = [x for x in qs if self._order[x.id] > self._order[q.id]]
        opened = self.next_open(d, after=q.id)
        d.cursor = later[0].id if later else (opened.id if opened else None)

    def _done(self, old: Draft, d: Draft, q: Question) -> Step:
        if not q.is_collection:
            return self._error(old, "这一题只需回答一次，直接发送答案即可。")
        if d.partial.get(q.id):
            f = self._group_field(d, q)
            label = f.label if f else ""
            return self._error(old, f"这一{q.item_label}还缺“{label}”。请填完，或点“上一题”撤销。")
        items = self._items(d, q)
        if len(items) < q.min_items:
            return self._error(old, f"至少需要 {q.min_items} {q.item_label}，现在有 {len(items)} {q.item_label}。")
        if q.id in d.open:
            d.open.remove(q.id)
        if not items:
            d.answers.pop(q.id, None)
            if not q.required and q.id not in d.skipped:
                d.skipped.append(q.id)
        self._advance(d, q)
        return self._step(old, d, f"已完成“{q.label}”，共 {len(items)} {q.item_label}。")

    def _delete_item(self, old: Draft, d: Draft, q: Question, arg: str) -> Step:
        items = self._items(d, q)
        if not q.is_collection or not arg.isdigit() or not 1 <= int(arg) <= len(items):
            return self._error(old, "请写要删除的序号，例如 /del 2。")
        removed = items.pop(int(arg) - 1)
        if q.id not in d.open:
            d.open.append(q.id)
        if not items:
            d.answers.pop(q.id, None)
        return self._step(old, d, f"已删除第 {arg} {q.item_label}：{shorten(self._item_title(q, removed), 30)}")

    def _answer(self, old: Draft, d: Draft, q: Question, text: str) -> Step:
        try:
            if q.kind == "list":
                return self._add_list_items(old, d, q, text)
            if q.kind == "group":
                f = self._group_field(d, q) or q.fields[0]
                value = parse_scalar(text, f)
                d.partial.setdefault(q.id, {})[f.id] = value
                return self._finish_item(old, d, q)
            value = parse_scalar(text, q)
        except ParseError as exc:
            return self._error(old, str(exc))
        if q.kind == "integer":
            assert isinstance(value, int)
            errors = self.check_errors(d, (q.id, value))
            if errors:
                return self._error(old, errors[0] + "请重新输入，或点“上一题”修改前面的数字。")
        d.answers[q.id] = value
        if q.id in d.skipped:
            d.skipped.remove(q.id)
        self._advance(d, q)
        return self._step(old, d, "")

    def _add_list_items(self, old: Draft, d: Draft, q: Question, text: str) -> Step:
        items = split_items(text)
        if not items:
            raise ParseError("内容是空的，请重新输入。")
        for it in items:
            check_length(it, q)
        current = self._items(d, q)
        if len(current) + len(items) > q.max_items:
            raise ParseError(f"最多 {q.max_items} {q.item_label}，现在已有 {len(current)} {q.item_label}。")
        d.answers[q.id] = current + items
        if q.id not in d.open:
            d.open.append(q.id)
        if q.id in d.skipped:
            d.skipped.remove(q.id)
        d.cursor = q.id
        return self._step(old, d, f"已记录 {len(items)} {q.item_label}。")

    def _finish_item(self, old: Draft, d: Draft, q: Question) -> Step:
        """After a group field: ask the next field, or store the finished item."""
        if self._group_field(d, q) is not None:
            d.cursor = q.id
            return self._step(old, d, "")
        item = {k: v for k, v in d.partial.pop(q.id).items() if v is not _SKIPPED_FIELD}
        if q.id in d.skipped:
            d.skipped.remove(q.id)
        if not q.repeat:
            d.answers[q.id] = item
            self._advance(d, q)
            return self._step(old, d, "")
        items = self._items(d, q) + [item]
        d.answers[q.id] = items
        if len(items) >= q.max_items:
            if q.id in d.open:
                d.open.remove(q.id)
            self._advance(d, q)
            return self._step(old, d, f"已添加第 {len(items)} {q.item_label}，已达上限。")
        if q.id not in d.open:
            d.open.append(q.id)
        d.cursor = q.id
        return self._step(old, d, f"✅ 已添加第 {len(items)} {q.item_label}：{shorten(self._item_title(q, item), 30)}")
