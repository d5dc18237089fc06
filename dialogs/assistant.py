"""The assistant: one user's input in, messages out, as one session over the user's record.

For each input: load the user's record once (the store keeps it in memory), run
the engine on it, hand the store one change if anything changed, and reply only
once that change is durable. Channels (console, Telegram) turn their input into
an Action and show the returned Replies and Documents; they hold no state.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from .actions import ENGINE_ACTIONS, Action, Button, Document, Out, Reply
from .draft import Draft, new_draft_id, now_iso
from .engine import Engine, Notice, changed_paragraph, info, paragraph_at, with_paragraph
from .import_flow import Imports, new_draft
from .messages import HELP, label, say
from .migrate import upgrade
from .numbers import Figure
from .polish import Request, polish
from .ports import FileReader, Pages, RecordStore, Reporter, Source, StorageError, UnreadableFile, Writer
from .record import Change, UserRecord
from .reminders import Schedule, due, in_window, next_date
from .schema import ReportType
from .screens import Screens, explain, shorten, with_notice
from .text import draft_label, local_time, split_text

log = logging.getLogger(__name__)

MAX_DRAFTS = 20
NOT_CARRIED_OVER = ("year", "sign_date")  # facts that change every year
NOT_TO_CHECK = ("profile", "outline", "layout")  # carried over without a 待核对 mark: the layout, not content


@dataclass(frozen=True)
class Deferred:
    """Work too slow for the event loop (rendering a report, ~30 ms): run off the loop, then shown."""

    run: Callable[[], list[Out]]
    wait: str = ""  # message key to show at once while it runs (seconds of LibreOffice), if any


def last_years_figures(answers: dict[str, Any]) -> dict[str, str]:
    """Last year's figures as written (「40家」), by figure id: offered on their questions, not this year's answers."""
    out: dict[str, str] = {}
    for k, v in answers.items():
        fig = Figure.from_json(v) if isinstance(v, dict) else None
        if fig is not None:
            out[k] = fig.printed()
    return out


_HEADING_LINE = re.compile(r"^\s*[一二三四五六七八九十]{1,3}、", re.MULTILINE)


def looks_pasted(text: str) -> bool:
    """Whether text after /import is a pasted report (a 「一、」 heading line, or 300+ characters in 3+ paragraphs)
    rather than an ordinary answer to the question shown."""
    paragraphs = [line for line in text.splitlines() if line.strip()]
    return bool(_HEADING_LINE.search(text)) or (len(text) >= 300 and len(paragraphs) >= 3)


def note(key: str, buttons: tuple = (), kind: str = "info", **params: Any) -> Reply:
    """A message by key (the key travels with it, so tests and tools need not read the wording)."""
    return Reply(say(key, **params), buttons, kind, None, key)


_BOUND = ENGINE_ACTIONS | {"preview", "report", "polish"}
_ASYNC_ACTIONS = frozenset({"polish", "again"})  # they wait on the writing model
MAX_SUGGESTIONS = 1000  # suggestions kept in memory (a restart forgets them; the answers are untouched)
# Buttons that do not answer a question carry a one-time token instead (in `expect`): a second tap is stale.
ONCE_ACTIONS = frozenset({"new", "report", "preview", "polish", "again"})
MAX_TAPS = 10_000  # one-time tokens remembered as spent (a restart forgets them)


@dataclass(frozen=True)
class Suggestion:
    """A checked rewrite waiting for 采用: which paragraph of which draft, and its text before and after."""

    draft_id: str
    target: str
    original: str
    text: str


def with_tokens(outs: list[Out]) -> list[Out]:
    """Give each button in ONCE_ACTIONS a fresh one-time token, so it acts on its first tap only."""
    return [_tokened(o) if isinstance(o, Reply) and o.buttons else o for o in outs]


def _tokened(reply: Reply) -> Reply:
    rows = tuple(
        tuple(
            Button(b.label, replace(b.action, expect=secrets.token_hex(4)))
            if b.action.name in ONCE_ACTIONS and not b.action.expect
            else b
            for b in row
        )
        for row in reply.buttons
    )
    return replace(reply, buttons=rows)


def _remember(table: OrderedDict, key: Any, value: Any) -> None:
    """Keep a key in a bounded table (the oldest goes first)."""
    table[key] = value
    while len(table) > MAX_SUGGESTIONS:
        table.popitem(last=False)


def stamp(out: Out, draft_id: str | None) -> Out:
    """Mark draft-bound buttons with the draft they act on, so a press on an old message is checked."""
    if not isinstance(out, Reply) or not draft_id or not out.buttons:
        return out
    rows = tuple(
        tuple(Button(b.label, b.action.bound(draft_id)) if b.action.name in _BOUND else b for b in row)
        for row in out.buttons
    )
    return replace(out, buttons=rows)


class Session:
    """One message's view of one user's record: reads from it, collects the change."""

    def __init__(self, user_id: int, record: UserRecord) -> None:
        self.user_id = user_id
        self.record = record
        self._put: dict[str, Draft] = {}
        self._deleted: set[str] = set()
        self._active = record.active

    def get(self, draft_id: str) -> Draft | None:
        """One of this user's drafts as it stands in this session."""
        if draft_id in self._deleted:
            return None
        return self._put.get(draft_id) or self.record.get(draft_id)

    def drafts(self) -> list[Draft]:
        """This user's drafts, most recently edited first."""
        ids = (set(self.record.drafts) | set(self._put)) - self._deleted
        return sorted((d for i in ids if (d := self.get(i))), key=lambda d: d.updated, reverse=True)

    def active(self) -> Draft | None:
        """The draft being worked on (None if there is none or it was deleted)."""
        return self.get(self._active) if self._active else None

    def put(self, draft: Draft, *, activate: bool = True) -> None:
        """Write a draft (and make it the active one)."""
        self._put[draft.id] = draft
        self._deleted.discard(draft.id)
        if activate:
            self._active = draft.id

    def delete(self, draft_id: str) -> None:
        """Remove a draft (the active mark goes with it)."""
        self._put.pop(draft_id, None)
        self._deleted.add(draft_id)
        if self._active == draft_id:
            self._active = None

    def activate(self, draft_id: str) -> None:
        """Make a draft the active one."""
        self._active = draft_id

    def change(self) -> Change | None:
        """What this session changed, or None."""
        if not self._put and not self._deleted and self._active == self.record.active:
            return None
        deleted = tuple(sorted(i for i in self._deleted if i in self.record.drafts))
        return Change(tuple(self._put.values()), deleted, self._active)


@dataclass
class Turn:
    """The outcome of one input before it is persisted: what to show, and what to save."""

    outs: list[Out | Deferred]
    record: UserRecord | None = None
    change: Change | None = None
    failed: Callable[[], list[Out]] = list  # what to show instead if the change cannot be saved


class Assistant:
    """Routes one user's actions to their drafts, the engine, the screens and the reporter."""

    def __init__(
        self,
        store: RecordStore,
        types: dict[str, ReportType],
        reporter: Reporter | None = None,
        *,
        max_drafts: int = MAX_DRAFTS,
        timezone: str = "Asia/Shanghai",
        writer: Writer | None = None,
        reader: FileReader | None = None,
        schedule: Schedule | None = None,
    ) -> None:
        self.store = store
        self.types = types
        self._pairs: dict[int, tuple[Engine, Screens]] = {}
        self.reporter = reporter
        self.max_drafts = max_drafts
        self.zone = ZoneInfo(timezone)  # times are shown in the bureau's zone, stored in UTC
        self.writer = writer  # optional writing help (✨ 润色); None: no button anywhere
        self._suggestions: OrderedDict[tuple[int, str], Suggestion] = OrderedDict()
        self._polishing: set[int] = set()  # users waiting on the model: one request each
        self._spent: OrderedDict[tuple[int, str], None] = OrderedDict()  # one-time tokens already used
        self._adopted: OrderedDict[tuple[int, str], None] = OrderedDict()  # suggestions taken: a 2nd 采用 is told so
        self._restored: OrderedDict[tuple[int, str, str], str] = OrderedDict()  # (draft, target) -> text restored
        self.imports = Imports(next(iter(types.values())), reader)  # last year's report as a new draft
        self.schedule = schedule or Schedule()  # deadline reminders (/remind)

    # -- entry points ------------------------------------------------------------
    def handle(self, user_id: int, action: Action) -> list[Out]:
        """Replies (and maybe a document) for one input; any change is durable before this returns."""
        if action.name in _ASYNC_ACTIONS:  # the console: wait for the model right here
            return asyncio.run(self.handle_async(user_id, action))
        turn = self.turn(user_id, action)
        if turn.change is not None:
            try:
                self.store.save(user_id, turn.record, turn.change)
            except StorageError:
                log.exception("could not save a change")
                return with_tokens(turn.failed())
        return with_tokens([o for out in turn.outs for o in (out.run() if isinstance(out, Deferred) else [out])])

    async def handle_async(
        self, user_id: int, action: Action, waiting: Callable[[Reply], Awaitable[None]] | None = None
    ) -> list[Out]:
        """The same on an event loop: dialog work here, the fsync on the store's writer, renders in a thread.

        `waiting` is given what to show at once before slow work (「正在生成预览…」): the channel sends it
        ahead of the rest, which is returned as usual.
        """
        if action.name in _ASYNC_ACTIONS:
            return with_tokens(await self._polish(user_id, action))
        turn = self.turn(user_id, action)
        if turn.change is not None:
            try:
                await self.store.persist(user_id, turn.record, turn.change)
            except StorageError:
                log.exception("could not save a change")
                return with_tokens(turn.failed())
        outs: list[Out] = []
        for out in turn.outs:
            if isinstance(out, Deferred) and out.wait and waiting is not None:
                await waiting(note(out.wait))
            outs += await asyncio.to_thread(out.run) if isinstance(out, Deferred) else [out]
        return with_tokens(outs)

    def import_file(self, user_id: int, filename: str, data: bytes) -> list[Out]:
        """An uploaded report: its summary with 导入 / 取消, or why it cannot be imported (nothing is stored)."""
        try:
            source = self.imports.read(filename, data)
        except UnreadableFile as exc:
            return self.refuse_file(user_id, exc.reason, **exc.params)
        return [self.imports.offer(user_id, source)]

    async def import_file_async(self, user_id: int, filename: str, data: bytes) -> list[Out]:
        """The same off the event loop (reading a DOCX takes tens of milliseconds)."""
        return await asyncio.to_thread(self.import_file, user_id, filename, data)

    def paste_interrupted(self, user_id: int, chars: int) -> list[Out]:
        """A long paste's parts with another message between them: nothing saved; ask what the long text was."""
        if self.imports.takes_paste(user_id):  # after /import: never import part of the report
            return with_tokens([note("import_paste_interrupted", kind="error"), *self._current(user_id)])
        return with_tokens([note("paste_interrupted", kind="error", n=chars), *self._current(user_id)])

    def refuse_file(self, user_id: int, reason: str, **params: Any) -> list[Out]:
        """A file the channel could not fetch or will not fetch (too big): say why, show the current question."""
        return with_tokens([note(reason, kind="error", **params), *self._current(user_id)])

    def _current(self, user_id: int) -> list[Out]:
        try:
            draft = self.store.load(user_id).record.active_draft()
        except StorageError:
            return []
        return self._prompt_or_nothing(draft)

    def turn(self, user_id: int, action: Action) -> Turn:
        """Load the user's record once, act on it, and say what to show and what to save."""
        try:
            loaded = self.store.load(user_id)
        except StorageError:
            log.exception("could not load a user's record")
            return Turn([note("storage_down", kind="error")])
        if action.input_id and action.input_id in loaded.record.applied:  # redelivered after a crash: show, not redo
            return Turn(self._prompt_or_nothing(loaded.record.active_draft()))
        s = Session(user_id, loaded.record)
        self._upgrade(s)
        notes: list[Out | Deferred] = [note(f.value) for f in loaded.facts]
        outs = notes + self._dispatch(s, action)
        change = s.change()
        if change is None:
            return Turn(outs)
        change = replace(change, applied=action.input_id)
        before = loaded.record
        return Turn(outs, change.apply(before), change, lambda: [*notes, *self._save_failed(before)])

    def _upgrade(self, s: Session) -> None:
        """Drafts saved by an older version of their report type, brought up to date (saved with this turn)."""
        for draft in list(s.record.drafts.values()):
            rt = self.types.get(draft.report_type)
            upgraded = upgrade(draft, rt.version) if rt else None
            if upgraded is not None:
                s.put(upgraded, activate=False)

    def _save_failed(self, record: UserRecord) -> list[Out]:
        draft = record.active_draft()
        if draft is None or self.engine_for(draft) is None:
            return [Reply(say("save_failed").rstrip("：") + "。", kind="error", notice="save_failed")]
        return self._prompt(draft, Notice("save_failed", error=False))

    def close(self) -> None:
        """Flush the store (at shutdown)."""
        self.store.close()

    def _pair(self, draft: Draft) -> tuple[Engine, Screens] | None:
        """Engine and screens for the variant a draft's answers choose (outline × profile); None if the type is gone."""
        rt = self.types.get(draft.report_type)
        if rt is None:
            return None
        v = rt.variant_for(draft.answers)
        key = id(v)  # variants live as long as the report type (its cache), so their ids are stable
        pair = self._pairs.get(key)
        if pair is None:
            if len(self._pairs) > 4096:
                self._pairs.clear()
            engine = Engine(v)
            pair = self._pairs[key] = (engine, Screens(engine, polish=self.writer is not None))
        return pair

    def is_stale(self, user_id: int, action: Action) -> bool:
        """Whether a button would do nothing, being from a screen that is gone: the channel can say so as it answers the tap."""
        if action.name in ("import_yes", "import_no"):
            return self.imports.was_taken(user_id, action.arg)
        if action.name in ONCE_ACTIONS:
            return self.was_spent(user_id, action)
        try:
            draft = self.store.load(user_id).record.active_draft()
        except StorageError:
            return False  # the turn reports the storage problem
        if draft is None or (action.draft and action.draft != draft.id):
            return False  # another draft's button gets its own answer
        engine = self.engine_for(draft)
        return engine is not None and engine.is_stale(draft, action)

    def was_spent(self, user_id: int, action: Action) -> bool:
        """Whether this button's one-time token was used already (a second tap acts no more)."""
        return bool(action.expect) and (user_id, action.expect) in self._spent

    def _spend(self, user_id: int, action: Action) -> bool:
        """Use a button's one-time token: False if it was used before (typed commands carry none)."""
        if action.name not in ONCE_ACTIONS or not action.expect:
            return True
        if self.was_spent(user_id, action):
            return False
        self._spent[(user_id, action.expect)] = None
        while len(self._spent) > MAX_TAPS:
            self._spent.popitem(last=False)
        return True

    def _stale(self, draft: Draft | None) -> list[Out]:
        """A second tap on a one-time button: it did nothing (Telegram answers it with a toast only)."""
        return self._prompt(draft, info("stale_button")) if draft is not None else [note("stale_button")]

    def engine_for(self, draft: Draft) -> Engine | None:
        """The engine for a draft's report type as its outline and profile lay it out (None if the type is gone)."""
        pair = self._pair(draft)
        return pair[0] if pair else None

    def active(self, user_id: int) -> Draft | None:
        """The user's active draft as stored (for tools and tests)."""
        return self.store.load(user_id).record.active_draft()

    # -- dispatch ----------------------------------------------------------------
    def _dispatch(self, s: Session, action: Action) -> list[Out | Deferred]:
        if not self._spend(s.user_id, action):
            return list(self._stale(s.active()))
        if action.name == "text" and self.imports.takes_paste(s.user_id) and looks_pasted(action.arg):
            return [self.imports.offer(s.user_id, Source(tuple(action.arg.splitlines())))]
        handler = _SESSION_ACTIONS.get(action.name)
        if handler is not None:
            return handler(self, s, action)
        return self._on_draft(s, action)

    def _on_draft(self, s: Session, action: Action) -> list[Out | Deferred]:
        draft = s.active()
        if draft is None:
            if s.drafts():
                return [note("pick_draft"), self._drafts(s)]
            return self._start(s, action)
        if action.draft and action.draft != draft.id:
            return [note("other_draft"), *self._prompt(draft)]
        engine = self.engine_for(draft)
        if engine is None:
            return self._prompt(draft)  # says the report type is gone
        if action.name in ("preview", "report"):
            outs = self._output(draft, engine, action.name, action.arg)
            if action.name == "report" and any(isinstance(o, Deferred) for o in outs):
                done = draft.copy()  # generated: no more deadline reminders for this draft
                done.reported = now_iso()
                s.put(done)
            return outs
        step = engine.handle(draft, action)
        if step.changed:
            s.put(step.draft)
        screens = self._pair(step.draft)[1]  # the outline or profile may have just changed
        reply = screens.render(step)
        target = changed_paragraph(engine.rt, draft, step.draft) if self.writer and step.changed else None
        if target:  # ✨ for the paragraph just written, under the next question
            reply = replace(reply, buttons=((Button(label("polish_last"), Action("polish", target)),), *reply.buttons))
        return [stamp(reply, draft.id)]

    # -- screens -------------------------------------------------------------------
    def _prompt(self, draft: Draft, notice: Notice | None = None) -> list[Out]:
        pair = self._pair(draft)
        if pair is None:
            return [note("type_gone", kind="error")]
        return [stamp(pair[1].show(draft, notice), draft.id)]

    def _help(self, s: Session, action: Action) -> list[Out | Deferred]:
        where = getattr(self.writer, "where", "")
        extra = "\n\n" + say("help_polish", where=where) if self.writer else ""
        return [Reply(HELP + extra, kind="info", notice="help")]

    def _pause(self, s: Session, action: Action) -> list[Out | Deferred]:
        return [note("paused")]

    def _unknown(self, s: Session, action: Action) -> list[Out | Deferred]:
        current = self._prompt(d) if (d := s.active()) else []
        return [note("unknown_command", kind="error", command=shorten(action.arg, 20)), *current]

    def _start(self, s: Session, action: Action) -> list[Out | Deferred]:
        draft = s.active()
        if draft is not None:
            draft = self._leave_review(s, draft)
            out = self._prompt(draft, info("welcome_back_to", draft=draft_label(draft)))
            extra = (Button(label("new_report"), Action("new")), Button(label("drafts"), Action("drafts")))
            return [replace(o, buttons=(*o.buttons, extra)) if isinstance(o, Reply) else o for o in out]
        if s.drafts():
            return [note("welcome_back"), self._drafts(s)]
        return [note("intro"), *self._create(s, None)]

    def _leave_review(self, s: Session, draft: Draft) -> Draft:
        """Coming back (/start) opens the question the user is at, not yesterday's review screen."""
        engine = self.engine_for(draft)
        if engine is None or not draft.reviewing:
            return draft
        step = engine.handle(draft, Action("resume"))
        if step.changed:
            s.put(step.draft)
        return step.draft

    def _drafts_screen(self, s: Session, action: Action) -> list[Out | Deferred]:
        return [self._drafts(s)]

    def _drafts(self, s: Session) -> Reply:
        drafts = s.drafts()
        if not drafts:
            return note("no_drafts", ((Button(label("new"), Action("new", "blank")),),))
        active = s.active()
        lines = [say("drafts_title")]
        rows: list[tuple[Button, ...]] = []
        for i, d in enumerate(drafts, 1):
            engine = self.engine_for(d)
            pct = "?"
            if engine:
                done, total = engine.completion(d)
                pct = f"{100 if total == 0 else done * 100 // total}%"
            mark = say("current_mark") if active is not None and d.id == active.id else ""
            when = local_time(d.updated, self.zone)
            lines.append(say("draft_line", i=i, draft=draft_label(d), pct=pct, when=when, mark=mark))
            rows.append(
                (Button(label("open", i=i), Action("open", d.id)), Button(label("delete", i=i), Action("delete", d.id)))
            )
        rows.append((Button(label("new"), Action("new")),))
        return Reply("\n".join(lines), tuple(rows), "info", None, "drafts_title")

    def _new(self, s: Session, action: Action) -> list[Out | Deferred]:
        arg, drafts = action.arg, s.drafts()
        if len(drafts) >= self.max_drafts:
            return self._at_limit(s)
        if arg == "" and drafts:
            rows = [(Button(label("blank"), Action("new", "blank")),)]
            rows += [(Button(label("copy", draft=draft_label(d)), Action("new", f"copy:{d.id}")),) for d in drafts[:3]]
            return [note("new_how", tuple(rows))]
        source = None
        if arg.startswith("copy:"):
            source = s.get(arg[5:])
            if source is None:
                return [note("copy_missing", kind="error"), self._drafts(s)]
        elif arg not in ("", "blank"):
            return [note("new_bad_arg", kind="error"), *self._new(s, Action("new"))]
        return self._create(s, source)

    def _create(self, s: Session, source: Draft | None) -> list[Out | Deferred]:
        if len(s.drafts()) >= self.max_drafts:
            return self._at_limit(s)
        rt_id = source.report_type if source else next(iter(self.types))
        rt = self.types[rt_id]
        draft = Draft(id=new_draft_id(), user_id=s.user_id, report_type=rt_id, schema_version=rt.version)
        notice = info("created", name=rt.name)
        if source is not None:
            answers = {k: v for k, v in source.copy().answers.items() if k not in NOT_CARRIED_OVER}
            draft.last_year = last_years_figures(answers)  # offered on their questions, never carried
            draft.answers = {k: v for k, v in answers.items() if k not in draft.last_year and not k.startswith("fig_")}
            draft.skipped = list(source.skipped)
            draft.unconfirmed = [k for k in draft.answers if k not in NOT_TO_CHECK and not k.startswith("form_")]
            draft.carried = list(draft.unconfirmed)
            notice = info("created_copy", draft=draft_label(source))
        draft.created = draft.updated = now_iso()
        s.put(draft)
        return self._prompt(draft, notice)

    def _at_limit(self, s: Session) -> list[Out | Deferred]:
        """No room for another draft: say so, and show again what a typed answer would go to."""
        current = self._prompt(d) if (d := s.active()) else [self._drafts(s)]
        return [note("draft_limit", kind="error", limit=self.max_drafts), *current]

    def _open(self, s: Session, action: Action) -> list[Out | Deferred]:
        draft = s.get(action.arg)
        if draft is None:
            return [note("draft_missing", kind="error"), self._drafts(s)]
        s.activate(draft.id)
        return self._prompt(draft, info("continue_draft", draft=draft_label(draft)))

    def _delete(self, s: Session, action: Action) -> list[Out | Deferred]:
        draft = s.get(action.arg)
        if draft is None:
            return [note("draft_missing", kind="error"), self._drafts(s)]
        if action.name == "delete":
            rows = (
                (
                    Button(label("delete_yes"), Action("delete_yes", draft.id)),
                    Button(label("cancel"), Action("drafts")),
                ),
            )
            return [note("confirm_delete", rows, draft=draft_label(draft))]
        s.delete(draft.id)
        return [note("deleted_draft", kind="info", draft=draft_label(draft)), self._drafts(s)]

    # -- importing last year's report --------------------------------------------------
    def _import(self, s: Session, action: Action) -> list[Out | Deferred]:
        """/import: say how; the next long text message is taken as the pasted report."""
        self.imports.expect_paste(s.user_id)
        return [note("import_how")]

    def _import_answer(self, s: Session, action: Action) -> list[Out | Deferred]:
        """导入 or 取消 on a summary: a new draft (next year's, all 待核对), or nothing."""
        pending = self.imports.take(s.user_id, action.arg)
        if pending is None and self.imports.was_taken(s.user_id, action.arg) and (d := s.active()) is not None:
            return self._prompt(d, info("stale_button"))  # a double tap: it already acted (Telegram just toasts)
        if pending is None:
            return [note("import_expired", kind="error"), *self._prompt_or_nothing(s.active())]
        if action.name == "import_no":
            return [note("import_cancelled"), *self._prompt_or_nothing(s.active())]
        blank = s.active()
        if (
            blank is not None and not blank.answers
        ):  # /start made it and nothing was answered: the import takes its place
            s.delete(blank.id)
        if len(s.drafts()) >= self.max_drafts:
            return self._at_limit(s)
        rt = self.types.get(pending.report_type)
        if rt is None:
            return [note("type_gone", kind="error")]
        draft = new_draft(pending, s.user_id, rt.version)
        s.put(draft)
        return self._prompt(draft, info("imported", draft=draft_label(draft)))

    # -- deadline reminders ------------------------------------------------------------
    def _remind(self, s: Session, action: Action) -> list[Out | Deferred]:
        """/remind turns reminders on for the active draft; /remind off (or its button) turns them off."""
        draft = s.active()
        if draft is None:
            return [note("remind_no_draft", kind="error"), self._drafts(s)]
        on = action.arg != "off"
        if draft.remind != on:
            changed = draft.copy()
            changed.remind = on
            s.put(changed)
        if not on:
            return [note("remind_off", draft=draft_label(draft)), *self._prompt(draft)]
        when = next_date(dt.datetime.now(self.zone), self.schedule)
        stop = ((Button(label("remind_stop"), Action("remind", "off")),),)
        params = {"dates": self.schedule.labels(), "hour": self.schedule.hour, "next": f"{when.month}月{when.day}日"}
        return [note("remind_on", stop, draft=draft_label(draft), **params), *self._prompt(draft)]

    def reminder_candidates(self, now: dt.datetime) -> list[int]:
        """Users with a draft owed a reminder at `now` (read only; run off the event loop: it reads files)."""
        local = now.astimezone(self.zone)
        if not in_window(local, self.schedule):  # most of the year: nothing to read
            return []
        out = []
        for user_id in self.store.user_ids():
            try:
                record = self.store.load(user_id).record
            except StorageError:
                log.exception("could not read a user's record for reminders")
                continue
            if any(due(d, local, self.schedule) for d in record.drafts.values()):
                out.append(user_id)
        return out

    def _remind_due(self, s: Session, action: Action) -> list[Out | Deferred]:
        """The reminders owed at the local time in `action.arg`; the dates are marked so each goes once."""
        now = dt.datetime.fromisoformat(action.arg)
        outs: list[Out | Deferred] = []
        for draft in s.drafts():
            owed = due(draft, now, self.schedule)
            if not owed:
                continue
            marked = draft.copy()
            marked.reminded = [*marked.reminded, *owed]
            s.put(marked, activate=False)
            outs.append(self._reminder(draft))
        return outs

    def _reminder(self, draft: Draft) -> Reply:
        engine = self.engine_for(draft)
        left = 0
        if engine is not None:
            left = len(engine.missing(draft)) + len(engine.unconfirmed(draft))
        row = ((Button(label("resume"), Action("open", draft.id)),),)
        if left == 0:
            return note("reminder_ready", row, draft=draft_label(draft))
        return note("reminder", row, draft=draft_label(draft), n=left)

    # -- writing help (✨ 润色) ----------------------------------------------------------
    async def _polish(self, user_id: int, action: Action) -> list[Out]:
        """Ask the model for one paragraph; nothing is stored until 采用 (the suggestion waits in memory)."""
        if self.writer is None:
            return [note("polish_off", kind="error")]
        try:
            record = self.store.load(user_id).record
        except Exception:
            log.exception("could not load a user's record")
            return [note("storage_down", kind="error")]
        draft, target = record.active_draft(), action.arg
        if not self._spend(user_id, action):  # a second tap on ✨ or 再写一版: one model call is enough
            return list(self._stale(draft))
        if action.name == "again":
            old = self._suggestions.get((user_id, action.arg))
            if old is None:
                return [note("polish_expired", kind="error"), *self._prompt_or_nothing(draft)]
            target = old.target
        if draft is None or (action.draft and action.draft != draft.id):
            return [note("other_draft"), *self._prompt_or_nothing(draft)]
        engine = self.engine_for(draft)
        found = paragraph_at(engine.rt, draft, target) if engine else None
        if engine is None or found is None:
            return [note("polish_nothing", kind="error"), *self._prompt_or_nothing(draft)]
        if user_id in self._polishing:
            return [note("polish_busy", kind="error")]
        self._polishing.add(user_id)
        try:
            outcome = await polish(self.writer, self._request(engine, draft, target, *found))
        finally:
            self._polishing.discard(user_id)
        if outcome.problem:
            return [note(outcome.problem, kind="error", detail=outcome.detail), *self._prompt(draft)]
        return [self._offer(user_id, Suggestion(draft.id, target, found[1], outcome.text), found[0].label)]

    def _request(self, engine: Engine, draft: Draft, target: str, q: Any, text: str) -> Request:
        a = draft.answers
        section = engine.rt.section_of(target.partition(":")[0]).title
        return Request(text, str(a.get("unit_short") or a.get("unit_name") or ""), str(a.get("year") or ""),
                       section, q.prompt, q.example, q.max_length)  # fmt: skip

    def _offer(self, user_id: int, sug: Suggestion, question_label: str) -> Reply:
        sid = secrets.token_hex(4)
        self._suggestions[(user_id, sid)] = sug
        while len(self._suggestions) > MAX_SUGGESTIONS:
            self._suggestions.popitem(last=False)
        rows = (
            (
                Button(label("adopt"), Action("adopt", sid)),
                Button(label("keep_original"), Action("keep_original", sid)),
            ),
            (Button(label("again"), Action("again", sid)),),
        )
        text = say("polish_suggestion", label=question_label, text=sug.text)
        return Reply(text, rows, "info", None, "polish_suggestion")

    def _prompt_or_nothing(self, draft: Draft | None) -> list[Out]:
        return self._prompt(draft) if draft is not None else []

    def _adopt(self, s: Session, action: Action) -> list[Out | Deferred]:
        if (s.user_id, action.arg) in self._adopted:  # a second 采用: it is in, say so
            return [note("polish_already_adopted"), *self._prompt_or_nothing(s.active())]
        sug = self._suggestions.pop((s.user_id, action.arg), None)
        draft = s.get(sug.draft_id) if sug else None
        if sug is None or draft is None:
            return [note("polish_expired", kind="error"), *self._prompt_or_nothing(s.active())]
        engine = self.engine_for(draft)
        found = paragraph_at(engine.rt, draft, sug.target) if engine else None
        if found is None or found[1] != sug.original:
            return [note("polish_stale", kind="error"), *self._prompt_or_nothing(s.active())]
        new = with_paragraph(draft, sug.target, sug.text)
        new.originals[sug.target] = sug.original
        s.put(new, activate=False)
        _remember(self._adopted, (s.user_id, action.arg), None)
        restore = ((Button(label("restore"), Action("restore", sug.target)),),)
        return [note("polish_adopted", restore), *self._prompt_or_nothing(s.active())]

    def _keep_original(self, s: Session, action: Action) -> list[Out | Deferred]:
        self._suggestions.pop((s.user_id, action.arg), None)
        return [note("polish_kept"), *self._prompt_or_nothing(s.active())]

    def _restore(self, s: Session, action: Action) -> list[Out | Deferred]:
        draft = s.active()
        original = draft.originals.get(action.arg) if draft else None
        engine = self.engine_for(draft) if draft else None
        found = paragraph_at(engine.rt, draft, action.arg) if draft and engine else None
        if draft is not None and original is None and found is not None:
            if self._restored.get((s.user_id, draft.id, action.arg)) == found[1]:  # a second 恢复原文
                return [note("polish_already_restored"), *self._prompt(draft)]
        if draft is None or original is None or found is None:
            return [note("polish_nothing", kind="error"), *self._prompt_or_nothing(draft)]
        new = with_paragraph(draft, action.arg, original)
        new.originals.pop(action.arg, None)
        s.put(new)
        _remember(self._restored, (s.user_id, draft.id, action.arg), original)
        return [note("polish_restored"), *self._prompt(new)]

    # -- output ----------------------------------------------------------------------
    @staticmethod
    def _not_ready(engine: Engine, draft: Draft, missing: list, failures: list) -> Reply:
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

    @staticmethod
    def _gaps(engine: Engine, draft: Draft, gaps: list) -> Reply | None:
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
        return Reply("\n".join(lines), tuple(rows), "info", None, "gaps")

    def _output(self, draft: Draft, engine: Engine, name: str, action_arg: str = "") -> list[Out | Deferred]:
        if self.reporter is None:
            return [note("no_reporter", kind="error")]
        missing, failures = engine.missing(draft), engine.check_failures(draft)
        if name == "report" and (missing or failures or engine.unconfirmed(draft)):
            return [stamp(self._not_ready(engine, draft, missing, failures), draft.id)]
        look = self._gaps(engine, draft, engine.gaps(draft)) if name == "report" and action_arg != "anyway" else None
        if look is not None:
            return [stamp(look, draft.id)]
        rt, answers, reporter = engine.rt, engine.visible_answers(draft), self.reporter
        if name == "preview":
            wait = "preview_working" if reporter.can_paginate else ""
            run = Deferred(lambda: self._preview(reporter, rt, answers, partial=bool(missing)), wait)
            return [run, *self._prompt(draft)]  # the screen's buttons again under the pages

        def report() -> list[Out]:
            filename, data = reporter.docx(rt, answers)
            caption = say("report_caption", name=shorten(filename.removesuffix(".docx"), 200))
            return [Document(filename, data, caption)]

        return [Deferred(report)]

    @staticmethod
    def _preview(reporter: Reporter, rt: ReportType, answers: dict[str, Any], *, partial: bool) -> list[Out]:
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


_SESSION_ACTIONS: dict[str, Callable[[Assistant, Session, Action], list[Out | Deferred]]] = {
    "adopt": lambda a, s, action: a._adopt(s, action),
    "keep_original": lambda a, s, action: a._keep_original(s, action),
    "restore": lambda a, s, action: a._restore(s, action),
    "help": Assistant._help,
    "unknown": Assistant._unknown,
    "start": Assistant._start,
    "new": Assistant._new,
    "drafts": Assistant._drafts_screen,
    "open": Assistant._open,
    "delete": Assistant._delete,
    "delete_yes": Assistant._delete,
    "pause": Assistant._pause,
    "import": Assistant._import,
    "remind": Assistant._remind,
    "remind_due": Assistant._remind_due,  # sent by the channel's reminder job, never typed or on a button
    "import_yes": Assistant._import_answer,
    "import_no": Assistant._import_answer,
}

__all__ = [
    "Assistant",
    "Deferred",
    "Pages",
    "Session",
    "draft_label",
    "local_time",
    "split_text",
    "stamp",
    "with_notice",
]
