"""What every feature's handlers may use: the ports, each draft's engine and screens, one-time taps, polish memory."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from ..actions import Action, Button, Out, Reply
from ..draft import Draft
from ..engine import Engine, Notice, info
from ..import_flow import Imports
from ..ports import FileReader, RecordStore, Reporter, StorageError, Writer
from ..reminders import Schedule
from ..schema import ReportType
from ..screens import Screens
from ..session import Outs, Session, note

MAX_DRAFTS = 20
MAX_SUGGESTIONS = 1000  # suggestions kept in memory (a restart forgets them; the answers are untouched)
MAX_TAPS = 10_000  # one-time tokens remembered as spent (a restart forgets them)
MAX_VARIANTS = 4096  # engines and screens kept, one pair per variant (outline × profile) in use

Handler = Callable[["Core", Session, Action], Outs]  # acts on the user's record; the runner saves the change
Waiting = Callable[["Core", Any, Action], Awaitable[list[Out]]]  # waits on the writing model; saves nothing
StaleCheck = Callable[["Core", Any, Action], bool]


@dataclass(frozen=True)
class Route:
    """How one action is handled: its handler, and how the buttons that carry it behave."""

    run: Handler | Waiting
    once: bool = False  # its buttons carry a one-time token: a second tap is stale
    bound: bool = False  # its buttons act on the draft they were shown for, and no other
    waits: bool = False  # `run` is a Waiting: it waits on the writing model, outside the record's turn
    stale: StaleCheck | None = None  # whether a tap is from a screen that is gone (None: ask the engine)


@dataclass(frozen=True)
class Suggestion:
    """A checked rewrite waiting for 采用: which paragraph of which draft, and its text before and after."""

    draft_id: str
    target: str
    original: str
    text: str


@dataclass
class WritingMemory:
    """The writing help's state, in memory only (a restart forgets it; the answers are untouched)."""

    suggestions: OrderedDict[tuple[Any, str], Suggestion] = field(default_factory=OrderedDict)
    busy: set[Any] = field(default_factory=set)  # users waiting on the model: one request each
    adopted: OrderedDict[tuple[Any, str], None] = field(default_factory=OrderedDict)  # a 2nd 采用 is told so
    restored: OrderedDict[tuple[Any, str, str], str] = field(default_factory=OrderedDict)  # (draft, target) -> text


def remember(table: OrderedDict, key: Any, value: Any, limit: int = MAX_SUGGESTIONS) -> None:
    """Keep a key in a bounded table (the oldest goes first)."""
    table[key] = value
    while len(table) > limit:
        table.popitem(last=False)


class Core:
    """The services and in-memory tables handlers share; a subclass names its `routes` (the action table)."""

    routes: Mapping[str, Route] = {}

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
        self.reporter = reporter
        self.max_drafts = max_drafts
        self.zone = ZoneInfo(timezone)  # times are shown in the bureau's zone, stored in UTC
        self.writer = writer  # optional writing help (✨ 润色); None: no button anywhere
        self.writing = WritingMemory()
        self.imports = Imports(next(iter(types.values())), reader)  # last year's report as a new draft
        self.schedule = schedule or Schedule()  # deadline reminders (/remind)
        self._pairs: dict[int, tuple[Engine, Screens]] = {}
        self._spent: OrderedDict[tuple[Any, str], None] = OrderedDict()  # one-time tokens already used
        self._once = frozenset(name for name, r in self.routes.items() if r.once)
        self._bound = frozenset(name for name, r in self.routes.items() if r.bound)

    # -- engines and screens ---------------------------------------------------------
    def pair(self, draft: Draft) -> tuple[Engine, Screens] | None:
        """Engine and screens for the variant a draft's answers choose (outline × profile); None if the type is gone."""
        rt = self.types.get(draft.report_type)
        if rt is None:
            return None
        v = rt.variant_for(draft.answers)
        key = id(v)  # variants live as long as the report type (its cache), so their ids are stable
        pair = self._pairs.get(key)
        if pair is None:
            if len(self._pairs) > MAX_VARIANTS:
                self._pairs.clear()
            engine = Engine(v)
            pair = self._pairs[key] = (engine, Screens(engine, polish=self.writer is not None))
        return pair

    def engine_for(self, draft: Draft) -> Engine | None:
        """The engine for a draft's report type as its outline and profile lay it out (None if the type is gone)."""
        pair = self.pair(draft)
        return pair[0] if pair else None

    def prompt(self, draft: Draft, notice: Notice | None = None) -> list[Out]:
        """The draft's current screen (its question, or review), with a notice on top."""
        pair = self.pair(draft)
        if pair is None:
            return [note("type_gone", kind="error")]
        return [self.stamp(pair[1].show(draft, notice), draft.id)]

    def prompt_or_nothing(self, draft: Draft | None) -> list[Out]:
        """The current screen of a draft, if there is one."""
        return self.prompt(draft) if draft is not None else []

    def current(self, user_id: Any) -> list[Out]:
        """The user's current screen as stored (nothing if it cannot be read)."""
        try:
            draft = self.store.load(user_id).record.active_draft()
        except StorageError:
            return []
        return self.prompt_or_nothing(draft)

    def stamp(self, out: Out, draft_id: str | None) -> Out:
        """Mark draft-bound buttons with the draft they act on, so a press on an old message is checked."""
        if not isinstance(out, Reply) or not draft_id or not out.buttons:
            return out
        rows = tuple(
            tuple(Button(b.label, b.action.bound(draft_id)) if b.action.name in self._bound else b for b in row)
            for row in out.buttons
        )
        return replace(out, buttons=rows)

    # -- one-time buttons --------------------------------------------------------------
    def with_tokens(self, outs: list[Out]) -> list[Out]:
        """Give each one-time button a fresh token, so it acts on its first tap only."""
        return [self._tokened(o) if isinstance(o, Reply) and o.buttons else o for o in outs]

    def _tokened(self, reply: Reply) -> Reply:
        rows = tuple(
            tuple(
                Button(b.label, replace(b.action, expect=secrets.token_hex(4)))
                if b.action.name in self._once and not b.action.expect
                else b
                for b in row
            )
            for row in reply.buttons
        )
        return replace(reply, buttons=rows)

    def was_spent(self, user_id: Any, action: Action) -> bool:
        """Whether this button's one-time token was used already (a second tap acts no more)."""
        return bool(action.expect) and (user_id, action.expect) in self._spent

    def spend(self, user_id: Any, action: Action) -> bool:
        """Use a button's one-time token: False if it was used before (typed commands carry none)."""
        if action.name not in self._once or not action.expect:
            return True
        if self.was_spent(user_id, action):
            return False
        remember(self._spent, (user_id, action.expect), None, MAX_TAPS)
        return True

    def stale(self, draft: Draft | None) -> list[Out]:
        """A second tap on a one-time button: it did nothing (Telegram answers it with a toast only)."""
        return self.prompt(draft, info("stale_button")) if draft is not None else [note("stale_button")]
