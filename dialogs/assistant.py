"""The assistant: one user's input in, messages out, as one session over the user's record.

For each input: load the user's record once (the store keeps it in memory), run the
action's handler from the one action table (features/table.py) on it, hand the store
one change if anything changed, and reply only once that change is durable. Channels
(console, Telegram, 企业微信) turn their input into an Action and show the returned
Replies and Documents; they hold no state. What each action does lives in features/.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from .actions import Action, Out, Reply
from .draft import Draft
from .engine import Notice
from .features import answering, imports, reminders
from .features.core import Core
from .features.table import ROUTES, route
from .messages import say
from .migrate import upgrade
from .ports import Pages, StorageError
from .record import UserRecord
from .session import Deferred, Session, Turn, note
from .text import local_time, split_text

log = logging.getLogger(__name__)


class Assistant(Core):
    """Runs each input through the action table as one turn over the user's record; what channels call."""

    routes = ROUTES

    # -- entry points ------------------------------------------------------------
    def handle(self, user_id: Any, action: Action) -> list[Out]:
        """Replies (and maybe a document) for one input; any change is durable before this returns."""
        if route(action.name).waits:  # the console: wait for the model right here
            return asyncio.run(self.handle_async(user_id, action))
        turn = self.turn(user_id, action)
        if turn.change is not None:
            try:
                self.store.save(user_id, turn.record, turn.change)
            except StorageError:
                log.exception("could not save a change")
                return self.with_tokens(turn.failed())
        return self.with_tokens([o for out in turn.outs for o in (out.run() if isinstance(out, Deferred) else [out])])

    async def handle_async(
        self,
        user_id: Any,
        action: Action,
        waiting: Callable[[Reply], Awaitable[None]] | None = None,
        turned: Callable[[bool], Awaitable[None]] | None = None,
    ) -> list[Out]:
        """The same on an event loop: dialog work here, the write off the loop, renders in a thread.

        `waiting` is given what to show at once before slow work (「正在生成预览…」): the channel sends it
        ahead of the rest, which is returned as usual. `turned` is told, once the turn is known, whether
        the input was a stale tap (one turn per input: no second look at the record to answer a tap).
        """
        how = route(action.name)
        if how.waits:
            if turned is not None:  # told before the model is asked (a tap's answer must not wait seconds)
                await turned(how.once and self.was_spent(user_id, action))
            return self.with_tokens(await how.run(self, user_id, action))
        turn = self.turn(user_id, action)
        if turned is not None:  # as soon as the turn is known: the tap is answered while the change is written
            await turned(turn.stale)
        if turn.change is not None:
            try:
                await self.store.persist(user_id, turn.record, turn.change)
            except StorageError:
                log.exception("could not save a change")
                return self.with_tokens(turn.failed())
        outs: list[Out] = []
        for out in turn.outs:
            if isinstance(out, Deferred) and out.wait and waiting is not None:
                await waiting(note(out.wait))
            outs += await asyncio.to_thread(out.run) if isinstance(out, Deferred) else [out]
        return self.with_tokens(outs)

    def import_file(self, user_id: Any, filename: str, data: bytes) -> list[Out]:
        """An uploaded report: its summary with 导入 / 取消, or why it cannot be imported (nothing is stored)."""
        return self.with_tokens(imports.import_file(self, user_id, filename, data))

    async def import_file_async(self, user_id: Any, filename: str, data: bytes) -> list[Out]:
        """The same off the event loop (reading a DOCX takes tens of milliseconds)."""
        return await asyncio.to_thread(self.import_file, user_id, filename, data)

    def paste_interrupted(self, user_id: Any, chars: int) -> list[Out]:
        """A long paste's parts with another message between them: nothing saved; ask what the long text was."""
        if self.imports.takes_paste(user_id):  # after /import: never import part of the report
            return self.with_tokens([note("import_paste_interrupted", kind="error"), *self.current(user_id)])
        return self.with_tokens([note("paste_interrupted", kind="error", n=chars), *self.current(user_id)])

    def refuse_file(self, user_id: Any, reason: str, **params: Any) -> list[Out]:
        """A file the channel could not fetch or will not fetch (too big): say why, show the current question."""
        return self.with_tokens([note(reason, kind="error", **params), *self.current(user_id)])

    def is_stale(self, user_id: Any, action: Action) -> bool:
        """Whether a button would do nothing, being from a screen that is gone: the channel can say so as it answers the tap."""
        how = route(action.name)
        if how.once:
            return self.was_spent(user_id, action)
        return (how.stale or answering.is_stale)(self, user_id, action)

    def reminder_candidates(self, now: dt.datetime) -> list[Any]:
        """Users with a draft owed a reminder at `now` (read only; run off the event loop: it reads files)."""
        return reminders.candidates(self, now)

    def active(self, user_id: Any) -> Draft | None:
        """The user's active draft as stored (for tools and tests)."""
        return self.store.load(user_id).record.active_draft()

    def close(self) -> None:
        """Flush the store (at shutdown)."""
        self.store.close()

    # -- one turn ----------------------------------------------------------------
    def turn(self, user_id: Any, action: Action) -> Turn:
        """Load the user's record once, act on it, and say what to show and what to save."""
        try:
            loaded = self.store.load(user_id)
        except StorageError:
            log.exception("could not load a user's record")
            return Turn([note("storage_down", kind="error")])
        if action.input_id and action.input_id in loaded.record.applied:  # redelivered after a crash: show, not redo
            return Turn(self.prompt_or_nothing(loaded.record.active_draft()))
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

    def _dispatch(self, s: Session, action: Action) -> list[Out | Deferred]:
        """The action's handler from the table (a one-time button tapped twice does nothing)."""
        if not self.spend(s.user_id, action):
            return list(self.stale(s.active()))
        return route(action.name).run(self, s, action)

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
        return self.prompt(draft, Notice("save_failed", error=False))


# Older import paths: channels and tests import these from here.
__all__ = ["Assistant", "Deferred", "Pages", "Session", "local_time", "split_text"]
