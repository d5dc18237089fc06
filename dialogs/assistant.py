"""The assistant: one user's inputs in, messages out. Drafts, storage and the engine meet here.

Channels (console, Telegram) turn their input into an Action and show the
returned Replies and Documents; they hold no state of their own. Every
accepted answer is saved before any reply is returned.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Protocol

from storage.base import DraftStore, StorageError

from .actions import ENGINE_ACTIONS, Action, Button, Document, Out, Reply
from .draft import Draft, new_draft_id, now_iso
from .engine import Engine, shorten
from .schema import ReportType

log = logging.getLogger(__name__)

MAX_DRAFTS = 20
SAVE_FAILED = "⚠ 服务器存储出了问题，刚才这条回答没有保存。之前保存的内容都还在，请稍后再发一次："
PREVIEW_CHUNK = 3500  # characters per preview message (Telegram's cap is 4096)
NOT_CARRIED_OVER = ("year", "sign_date")  # facts that change every year

HELP = """📖 使用说明
按提示逐题回答即可，每个回答都会立即保存，随时可以中断，下次发 /start 接着填。

常用命令：
/start 开始或继续
/new 新建报告草稿
/drafts 我的草稿（继续 / 删除）
/back 上一题　/skip 跳过选填题
/review 检查修改（可改任意一题）
/preview 预览报告全文
/report 生成 Word 报告
/cancel 暂停
/help 本说明"""


class Reporter(Protocol):
    """Turns answers into report text and a DOCX (see the report package)."""

    def preview(self, rt: ReportType, answers: dict[str, Any]) -> str:
        """The report as plain text."""

    def docx(self, rt: ReportType, answers: dict[str, Any]) -> tuple[str, bytes]:
        """(file name, DOCX bytes)."""


def draft_label(d: Draft) -> str:
    """《单位 2024年度》 for lists and captions."""
    unit = d.unit or "未填单位"
    year = f"{d.year}年度" if d.year else "未填年度"
    return f"《{shorten(unit, 20)} {year}》"


def split_text(text: str, limit: int = PREVIEW_CHUNK) -> list[str]:
    """Split at line breaks into pieces of at most `limit` characters (hard-cut overlong lines)."""
    chunks: list[str] = []
    cur = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if cur:
                chunks.append(cur)
                cur = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{cur}\n{line}" if cur else line
        if len(candidate) > limit:
            chunks.append(cur)
            cur = line
        else:
            cur = candidate
    if cur:
        chunks.append(cur)
    return chunks or [""]


def stamp(out: Out, draft_id: str | None) -> Out:
    """Mark draft-bound buttons with the draft they act on, so a press on an old message is checked."""
    if not isinstance(out, Reply) or not draft_id or not out.buttons:
        return out
    bound = ENGINE_ACTIONS | {"preview", "report"}
    rows = tuple(
        tuple(Button(b.label, replace(b.action, draft=draft_id)) if b.action.name in bound else b for b in row)
        for row in out.buttons
    )
    return replace(out, buttons=rows)


class Assistant:
    """Routes one user's actions to drafts, the engine and the reporter."""

    def __init__(
        self,
        store: DraftStore,
        types: dict[str, ReportType],
        reporter: Reporter | None = None,
        *,
        max_drafts: int = MAX_DRAFTS,
    ) -> None:
        self.store = store
        self.types = types
        self.engines = {k: Engine(rt) for k, rt in types.items()}
        self.reporter = reporter
        self.max_drafts = max_drafts

    # -- entry -------------------------------------------------------------
    def handle(self, user_id: int, action: Action) -> list[Out]:
        """Everything a channel needs: replies (and maybe a document) for one input."""
        try:
            out = self._handle(user_id, action)
        except StorageError:
            log.exception("storage failure for a user")
            out = [Reply(SAVE_FAILED.rstrip("：") + "。", kind="error")]
        notices = self.store.take_notices(user_id)
        return [Reply(n, kind="info") for n in notices] + out

    def engine_for(self, draft: Draft) -> Engine | None:
        """The engine for a draft's report type (None if the type is gone)."""
        return self.engines.get(draft.report_type)

    def active(self, user_id: int) -> Draft | None:
        """The user's active draft, if it still exists."""
        return self.store.active_draft(user_id)

    def _handle(self, user_id: int, action: Action) -> list[Out]:
        name = action.name
        if name == "help":
            return [Reply(HELP, kind="info")]
        if name == "unknown":
            return [Reply(f"没有“{shorten(action.arg, 20)}”这个命令。", kind="error"), *self._current(user_id)]
        if name == "start":
            return self._start(user_id)
        if name == "new":
            return self._new(user_id, action.arg)
        if name == "drafts":
            return [self._drafts(user_id)]
        if name == "open":
            return self._open(user_id, action.arg)
        if name in ("delete", "delete_yes"):
            return self._delete(user_id, action.arg, confirmed=name == "delete_yes")
        if name == "pause":
            return [Reply("⏸ 已暂停，所有回答都已保存。随时发 /start 接着填。", kind="info")]
        draft = self.active(user_id)
        if draft is None:
            if self.store.list(user_id):
                return [Reply("请先选择要继续的草稿：", kind="info"), self._drafts(user_id)]
            return self._start(user_id)
        if action.draft and action.draft != draft.id:
            return [Reply("这个按钮属于另一份草稿，已忽略。当前草稿：", kind="info"), *self._prompt(draft)]
        engine = self.engine_for(draft)
        if engine is None:
            return self._prompt(draft)  # says the report type is gone
        if name in ("preview", "report"):
            return [stamp(o, draft.id) for o in self._output(draft, engine, name)]
        step = engine.handle(draft, action)
        if step.changed:
            try:
                self.store.save(user_id, step.draft)
            except StorageError:
                log.exception("could not save a draft")
                return [stamp(engine.prompt(draft, SAVE_FAILED), draft.id)]
        return [stamp(r, draft.id) for r in step.replies]

    # -- screens -------------------------------------------------------------
    def _prompt(self, draft: Draft, prefix: str = "") -> list[Out]:
        engine = self.engine_for(draft)
        if engine is None:
            return [Reply("这份草稿的报告类型已不再提供，请 /new 新建。", kind="error")]
        return [stamp(engine.prompt(draft, prefix), draft.id)]

    def _current(self, user_id: int) -> list[Out]:
        draft = self.active(user_id)
        return self._prompt(draft) if draft else []

    def _start(self, user_id: int) -> list[Out]:
        draft = self.active(user_id)
        if draft is not None:
            out = self._prompt(draft, f"👋 欢迎回来！继续填写{draft_label(draft)}：")
            extra = (Button("➕ 新建报告", Action("new")), Button("🗂 我的草稿", Action("drafts")))
            return [replace(o, buttons=(*o.buttons, extra)) if isinstance(o, Reply) else o for o in out]
        drafts = self.store.list(user_id)
        if drafts:
            return [Reply("👋 欢迎回来！", kind="info"), self._drafts(user_id)]
        intro = (
            "👋 您好！我帮您一问一答写好年度《法治政府建设情况报告》，最后直接生成排好版的 Word 文件。\n"
            "每个回答都会立即保存，可以随时中断。发送 /help 查看说明。"
        )
        return [Reply(intro, kind="info"), *self._create(user_id, None)]

    def _drafts(self, user_id: int) -> Reply:
        drafts = self.store.list(user_id)
        if not drafts:
            return Reply("您还没有草稿。发送 /new 新建。", ((Button("➕ 新建", Action("new", "blank")),),), "info")
        active = self.store.get_active(user_id)
        lines = ["🗂 我的草稿："]
        rows: list[tuple[Button, ...]] = []
        for i, d in enumerate(drafts, 1):
            engine = self.engine_for(d)
            pct = "?"
            if engine:
                done, total = engine.completion(d)
                pct = f"{100 if total == 0 else done * 100 // total}%"
            mark = "（当前）" if d.id == active else ""
            lines.append(f"{i}. {draft_label(d)} 完成度 {pct}，最后修改 {d.updated[:16].replace('T', ' ')}{mark}")
            rows.append((Button(f"▶ 继续 {i}", Action("open", d.id)), Button(f"🗑 删除 {i}", Action("delete", d.id))))
        rows.append((Button("➕ 新建", Action("new")),))
        return Reply("\n".join(lines), tuple(rows), "info")

    def _new(self, user_id: int, arg: str) -> list[Out]:
        drafts = self.store.list(user_id)
        if arg == "" and drafts:
            rows = [(Button("📄 空白新建", Action("new", "blank")),)]
            for d in drafts[:3]:
                rows.append((Button(f"沿用{draft_label(d)}", Action("new", f"copy:{d.id}")),))
            text = "新建报告：从空白开始，还是沿用已有草稿的内容（年度和日期重新填）？"
            return [Reply(text, tuple(rows), "info")]
        source = None
        if arg.startswith("copy:"):
            source = self.store.get(user_id, arg[5:])
            if source is None:
                return [Reply("找不到要沿用的草稿。", kind="error"), self._drafts(user_id)]
        elif arg not in ("", "blank"):
            return [Reply("新建方式不对，请点按钮选择。", kind="error"), *self._new(user_id, "")]
        return self._create(user_id, source)

    def _create(self, user_id: int, source: Draft | None) -> list[Out]:
        if len(self.store.list(user_id)) >= self.max_drafts:
            return [Reply(f"草稿已有 {self.max_drafts} 份，达到上限。请先在 /drafts 删除不用的草稿。", kind="error")]
        rt_id = source.report_type if source else next(iter(self.types))
        rt = self.types[rt_id]
        draft = Draft(id=new_draft_id(), user_id=user_id, report_type=rt_id, schema_version=rt.version)
        prefix = f"📝 新建《{rt.name}》草稿。"
        if source is not None:
            draft.answers = {k: v for k, v in source.answers.items() if k not in NOT_CARRIED_OVER}
            draft.skipped = list(source.skipped)
            prefix = f"📝 已沿用{draft_label(source)}的内容新建草稿，请更新年度和日期，再用 /review 逐项检查。"
        draft.created = draft.updated = now_iso()
        self.store.save(user_id, draft)
        return self._prompt(draft, prefix)

    def _open(self, user_id: int, draft_id: str) -> list[Out]:
        draft = self.store.get(user_id, draft_id)
        if draft is None:
            return [Reply("这份草稿不存在或已删除。", kind="error"), self._drafts(user_id)]
        self.store.set_active(user_id, draft.id)
        return self._prompt(draft, f"继续填写{draft_label(draft)}：")

    def _delete(self, user_id: int, draft_id: str, *, confirmed: bool) -> list[Out]:
        draft = self.store.get(user_id, draft_id)
        if draft is None:
            return [Reply("这份草稿不存在或已删除。", kind="error"), self._drafts(user_id)]
        if not confirmed:
            rows = ((Button("⚠ 确认删除", Action("delete_yes", draft.id)), Button("取消", Action("drafts"))),)
            return [Reply(f"确定删除{draft_label(draft)}吗？删除后无法恢复。", rows, "info")]
        self.store.delete(user_id, draft.id)
        return [Reply(f"🗑 已删除{draft_label(draft)}。", kind="info"), self._drafts(user_id)]

    def _output(self, draft: Draft, engine: Engine, name: str) -> list[Out]:
        if self.reporter is None:
            return [Reply("报告生成功能暂不可用。", kind="error")]
        rt = engine.rt
        missing = engine.missing(draft)
        errors = engine.check_errors(draft)
        answers = engine.visible_answers(draft)
        if name == "preview":
            text = self.reporter.preview(rt, answers)
            parts = split_text(text)
            head = "👀 预览（未完成的部分暂缺）：" if missing else "👀 预览："
            return [Reply(head, kind="info"), *(Reply(p, kind="info") for p in parts)]
        if missing or errors:
            lines = ["还不能生成报告，以下内容需要先处理："]
            lines += [f"✗ {q.label}" for q in missing]
            lines += [f"⚠ {e}" for e in errors]
            rows = [(Button(f"去填：{shorten(q.label, 10)}", Action("edit", q.id)),) for q in missing[:8]]
            if errors:
                rows.append((Button("📋 检查修改", Action("review")),))
            return [Reply("\n".join(lines), tuple(rows), "error")]
        filename, data = self.reporter.docx(rt, answers)
        caption = f"📄 {shorten(filename.removesuffix('.docx'), 200)}\n已按公文格式（GB/T 9704-2012）排版，可直接在 Word/WPS 中修改。"
        return [Document(filename, data, caption)]
