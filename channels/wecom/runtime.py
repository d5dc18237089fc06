"""The 企业微信 channel: inbound frames → the core's Actions, the core's outputs → frames; reminders; start and stop.

Each user's callbacks run one at a time in arrival order (a reminder waits its turn
too); different users are served concurrently. A callback seen twice (the server
pushing it again after a reconnect) is acted on once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from channels.reminders import EVERY, remind_once
from channels.reminders import run as run_reminders
from channels.telegram.ordering import PerUserOrder
from dialogs.actions import Action, Document, Out, Reply, parse_input
from dialogs.assistant import Assistant
from dialogs.messages import say
from dialogs.text import split_text
from report.reader import MAX_FILE

from . import frames, media
from .connection import DEFAULT_TIMING, Closed, CommandError, Connection, Timing
from .crypto import DecryptError, decrypt
from .ids import user_key, userid_of
from .render import Card, Markdown, Message, decode_key, render

log = logging.getLogger(__name__)

REMIND_EVERY = EVERY
SEEN = 2048  # callback ids remembered, to act once on a repeated push


class WeComChannel:
    """Callbacks from one robot's connection, answered through the assistant."""

    def __init__(
        self,
        assistant: Assistant,
        conn_args: tuple[str, str, str],
        allowed: frozenset[str] | None,
        *,
        timing: Timing = DEFAULT_TIMING,
        clock: Callable[[], dt.datetime] | None = None,
        remind_every: float = REMIND_EVERY,
    ) -> None:
        url, bot_id, secret = conn_args
        self.assistant = assistant
        self.allowed = allowed
        self.conn = Connection(url, bot_id, secret, self._on_callback, timing)
        self.order = PerUserOrder()
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.remind_every = remind_every
        self.reminded: list[Any] = [self]  # the channels its reminder schedule serves (Telegram too, in one process)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task] = set()
        self.handled = 0  # callbacks answered (tests and benchmarks wait on it)

    # -- running -------------------------------------------------------------------
    async def run(self) -> int:
        """Serve until the connection ends (stop, displacement, refusal); pending answers are finished first."""
        reminders = asyncio.create_task(
            run_reminders(self.assistant, self.reminded, every=self.remind_every, clock=self.clock)
        )
        try:
            return await self.conn.run()
        finally:
            reminders.cancel()
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=5)

    async def stop(self) -> None:
        """Close the connection; `run()` returns."""
        await self.conn.stop()

    def _on_callback(self, frame: dict[str, Any]) -> None:
        body = frame.get("body") or {}
        seen = str(body.get("msgid") or "")
        if seen:
            if seen in self._seen:
                return
            self._seen[seen] = None
            if len(self._seen) > SEEN:
                self._seen.popitem(last=False)
        task = asyncio.get_running_loop().create_task(self._handle(frame, body))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        self.handled += 1
        if not task.cancelled() and task.exception() is not None:
            log.error("error while answering a 企业微信 callback", exc_info=task.exception())

    # -- one callback ----------------------------------------------------------------
    async def _handle(self, frame: dict[str, Any], body: dict[str, Any]) -> None:
        req_id = frame.get("headers", {}).get("req_id", "")
        userid = str((body.get("from") or {}).get("userid") or "")
        if not userid:
            return
        event = body.get("event") or {}
        kind = event.get("eventtype") if frame.get("cmd") == frames.EVENT_CALLBACK else body.get("msgtype")
        if body.get("chattype", "single") != "single":
            if kind == "text":
                await self._respond(req_id, userid, [Markdown(say("private_only"))])
            return
        if self.allowed is not None and userid not in self.allowed:
            if kind in ("text", "file", "image", "voice", "mixed"):
                await self._respond(req_id, userid, [Markdown(say("refused", user_id=userid))])
            return
        uid = user_key(userid)
        try:
            async with self.order.hold(uid):
                await self._route(kind, req_id, userid, uid, body)
        except Closed:
            log.info("企业微信: stopped before an answer could be sent")

    async def _route(self, kind: str, req_id: str, userid: str, uid: int, body: dict[str, Any]) -> None:
        if kind == "text":
            text = str((body.get("text") or {}).get("content") or "")
            outs = await self.assistant.handle_async(uid, parse_input(text))
        elif kind == "file":
            outs = await self._import(uid, body.get("file") or {})
        elif kind == "enter_chat":
            outs = await self.assistant.handle_async(uid, Action("start"))
            await self._welcome(req_id, userid, render(outs))
            return
        elif kind == "template_card_event":
            await self._press(req_id, userid, uid, body.get("event") or {})
            return
        elif kind in ("image", "voice", "mixed", "video"):
            outs = [Reply(say("text_only")), *await self.assistant.handle_async(uid, Action("resume"))]
        else:
            return
        await self._respond(req_id, userid, render(outs))

    async def _import(self, uid: int, file: dict[str, Any]) -> list[Out]:
        """A user's file: size checked (announced size, then while downloading), decrypted, handed to the importer."""
        mb = MAX_FILE // (1024 * 1024)
        size = file.get("filesize") or file.get("file_size")
        if isinstance(size, int) and size > MAX_FILE:
            return self.assistant.refuse_file(uid, "import_too_big", mb=mb)
        try:
            name, data = await media.download(str(file.get("url") or ""), MAX_FILE + 64)
            plain = decrypt(data, str(file.get("aeskey") or ""))
        except media.TooBig:
            return self.assistant.refuse_file(uid, "import_too_big", mb=mb)
        except (OSError, media.httpx.HTTPError, DecryptError):
            log.warning("could not download or decrypt an uploaded file", exc_info=True)
            return self.assistant.refuse_file(uid, "import_download_failed")
        return await self.assistant.import_file_async(uid, str(file.get("filename") or name or "file"), plain)

    async def _press(self, req_id: str, userid: str, uid: int, event: dict[str, Any]) -> None:
        """A card press: the pressed card shows the next screen (updated in place); a stale press acts once."""
        press = event.get("template_card_event") or event
        task_id = str(press.get("task_id") or "")
        action = decode_key(press.get("event_key"))
        if action is None:
            outs = [Reply(say("bad_button")), *await self.assistant.handle_async(uid, Action("resume"))]
            await self._answer_press(req_id, userid, task_id, render(outs))
            return
        seen: list[bool] = []

        async def turned(stale: bool) -> None:  # the turn itself says whether the press was stale
            seen.append(stale)

        outs = await self.assistant.handle_async(uid, action, None, turned)
        if any(seen) or [getattr(o, "notice", "") for o in outs] == ["stale_button"]:
            await self._answer_press(req_id, userid, task_id, self._stale_card(render(outs)))
            return
        await self._answer_press(req_id, userid, task_id, render(outs))

    @staticmethod
    def _stale_card(messages: list[Message]) -> list[Message]:
        """A second press, or one on an old card: the card says so (as Telegram's toast) and keeps the live buttons."""
        cards = [m for m in messages if isinstance(m, Card)]
        buttons = cards[-1].buttons if cards else ()
        return [Card(say("stale_toast"), "", buttons)]

    # -- sending ---------------------------------------------------------------------
    async def _answer_press(self, req_id: str, userid: str, task_id: str, messages: list[Message]) -> None:
        """The last card replaces the pressed one first (it must come within 5 s); the other messages follow, pushed."""
        last = max((i for i, m in enumerate(messages) if isinstance(m, Card)), default=None)
        if last is None or not frames.TASK_ID.match(task_id):
            await self._push(userid, messages)
            return
        card = messages[last]
        assert isinstance(card, Card)
        try:
            await self.conn.request(frames.RESPOND_UPDATE, frames.update_body(card.card(task_id)), req_id, user=userid)
        except CommandError as exc:
            if exc.errcode not in (frames.EXPIRED_UPDATE, frames.INVALID_REQ_ID):
                raise
            await self._push(userid, [card])  # too late to update it: the screen comes as a new card
        await self._push(userid, messages[:last] + messages[last + 1 :])

    async def _welcome(self, req_id: str, userid: str, messages: list[Message]) -> None:
        """The welcome (within 5 s of entering the chat): text or a card as the welcome reply, the rest pushed."""
        if not messages:
            return
        first, rest = messages[0], messages[1:]
        if isinstance(first, Markdown):  # a welcome reply is text or a card: the text goes as text, in pieces
            head, *tail = split_text(first.content, frames.TEXT_BYTES // 4)
            first, rest = Markdown(head), [Markdown("\n".join(tail))] * bool(tail) + rest
            body = frames.text(head)
        else:
            body = await self._body(first, userid)
        try:
            await self.conn.request(frames.RESPOND_WELCOME, body, req_id, user=userid)
        except CommandError as exc:
            if exc.errcode != frames.INVALID_REQ_ID:
                raise
            await self._push(userid, [first])  # too late for the welcome: pushed (as markdown; text is refused there)
        await self._push(userid, rest)

    async def _respond(self, req_id: str, userid: str, messages: list[Message]) -> None:
        """Replies to a message, in order, each acknowledged; a reply the server no longer takes is pushed instead."""
        for m in messages:
            body = await self._body(m, userid)
            try:
                await self.conn.request(frames.RESPOND, body, req_id, user=userid)
            except CommandError as exc:
                if exc.errcode != frames.INVALID_REQ_ID:
                    raise
                await self.conn.request(frames.SEND, frames.push(userid, body), user=userid)

    async def _push(self, userid: str, messages: list[Message]) -> None:
        """Messages nobody asked for (reminders, the rest of a press's answer)."""
        for m in messages:
            await self.conn.request(frames.SEND, frames.push(userid, await self._body(m, userid)), user=userid)

    async def _body(self, message: Message, userid: str) -> dict[str, Any]:
        """A message body; a document is uploaded first (chunked) and sent as its media_id."""
        if isinstance(message, Card):
            return frames.card_body(message.card(frames.new_task_id()))
        if isinstance(message, Markdown):
            return message.body()
        assert isinstance(message, Document)
        kind = "image" if message.photo else "file"
        media_id = await media.upload(self.conn, message.filename, message.data, kind, user=userid)
        return frames.file_body(media_id, kind)

    # -- reminders (channels/reminders.py runs the schedule) ----------------------------
    def owns(self, user: object) -> bool:
        """A 企业微信 user on the allow-list."""
        userid = userid_of(user)
        return userid is not None and (self.allowed is None or userid in self.allowed)

    async def deliver(self, user: object, local: str) -> bool:
        """The user's reminder turn, in turn with their own messages, then pushed (each date goes once)."""
        userid = userid_of(user)
        assert userid is not None
        async with self.order.hold(user):
            outs = await self.assistant.handle_async(user, Action("remind_due", local))
            try:
                await self._push(userid, render(outs))
            except CommandError as exc:  # e.g. the user never wrote to the robot: the date stays marked
                log.warning("could not push a reminder: %s", exc)
                return False
        return bool(outs)

    async def remind(self) -> int:
        """One check now, for this channel alone (tests; the schedule runs through channels/reminders.py)."""
        return await remind_once(self.assistant, [self], self.clock())


def _install_stop(channel: WeComChannel) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(channel.stop()))
        except (NotImplementedError, RuntimeError):  # not the main thread
            return


def build_channel(settings: Any, assistant: Assistant, **kwargs: Any) -> WeComChannel:
    """The channel as configured (WECOM_* settings)."""
    if settings.wecom_allowed_users is None:
        log.warning("WECOM_ALLOWED_USERS is not set: the 企业微信 robot answers everyone in the enterprise")
    args = (settings.wecom_ws_url, settings.wecom_bot_id, settings.wecom_bot_secret)
    return WeComChannel(assistant, args, settings.wecom_allowed_users, **kwargs)


async def serve(settings: Any, assistant: Assistant) -> int:
    """Run the channel on the current loop until SIGINT/SIGTERM or the connection ends."""
    channel = build_channel(settings, assistant)
    _install_stop(channel)
    code = await channel.run()
    log.info("企业微信 channel stopped")
    return code


def run_wecom(settings: Any, assistant: Assistant) -> int:
    """Run the 企业微信 channel alone; the store is flushed and closed whatever happens."""
    try:
        return asyncio.run(serve(settings, assistant))
    finally:
        assistant.close()
