"""Telegram handlers: updates in, the assistant, messages and buttons out. No conversation state here.

The gate checks who may talk to the bot; messages and button presses become
Actions; the assistant's replies are sent with inline keyboards built as plain
Bot API dicts (the same JSON PTB's objects would produce, without building them).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from telegram import CallbackQuery, InputFile, Update
from telegram.constants import ChatAction, ChatType, MessageLimit
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from dialogs.actions import Action, Button, Document, Out, Reply, parse_input
from dialogs.assistant import Assistant
from dialogs.messages import say
from dialogs.text import split_text
from report.reader import MAX_FILE

from .callback_data import decode_action, encode_action
from .ordering import PerUserOrder

log = logging.getLogger(__name__)


MAX_BUTTONS = 100  # Telegram's limit for one inline keyboard
MAX_PER_ROW = 8  # Telegram allows a few more; on a phone eight is already tight


def fit_rows(rows: tuple[tuple[Button, ...], ...]) -> list[tuple[Button, ...]]:
    """Rows within Telegram's limits: long rows wrapped at 8, and at most 100 buttons (the last rows kept)."""
    wrapped = [row[i : i + MAX_PER_ROW] for row in rows if row for i in range(0, len(row), MAX_PER_ROW)]
    kept: list[tuple[Button, ...]] = []
    room = MAX_BUTTONS
    for row in reversed(wrapped):  # navigation is at the bottom: keep it, drop from the middle up
        if len(row) <= room:
            kept.insert(0, row)
            room -= len(row)
    return kept


def keyboard(reply: Reply) -> dict[str, Any] | None:
    """The reply's buttons as a Bot API InlineKeyboardMarkup dict (None when there are none)."""
    rows = [
        [{"text": b.label, "callback_data": encode_action(b.action)} for b in row] for row in fit_rows(reply.buttons)
    ]
    return {"inline_keyboard": rows} if rows else None


def split_message(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Pieces of at most `limit` characters, cut at line breaks where possible; never empty."""
    return [p for p in split_text(text, limit) if p.strip()] or ["…"]


async def send_outs(bot: Any, chat_id: int, outs: list[Out]) -> None:
    """Send replies (buttons on the last piece) and documents, in order."""
    for out in outs:
        if isinstance(out, Document) and out.photo:
            await bot.send_photo(
                chat_id,
                photo=InputFile(io.BytesIO(out.data), filename=out.filename),
                caption=out.caption[: MessageLimit.CAPTION_LENGTH],
            )
            continue
        if isinstance(out, Document):
            await bot.send_document(
                chat_id,
                document=InputFile(io.BytesIO(out.data), filename=out.filename),
                caption=out.caption[: MessageLimit.CAPTION_LENGTH],
            )
            continue
        pieces = split_message(out.text)
        for i, piece in enumerate(pieces):
            markup = keyboard(out) if i == len(pieces) - 1 else None
            await bot.send_message(chat_id, piece, reply_markup=markup)


async def _acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Answer the callback (stops the spinner); an expired query is no reason to fail the update."""
    with contextlib.suppress(BadRequest):
        await query.answer(text)


async def _clear_keyboard(query: CallbackQuery) -> None:
    """Remove the pressed message's buttons so they cannot be pressed twice."""
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


# Telegram cuts a long paste into messages of 4,096 characters. A message this long may be
# the first part of one: wait briefly for the rest and join them, so a tail is never taken alone.
# The parts must come back to back (long, long, …, last); anything else in between and the user is asked.
PASTE_PART = 4000
PASTE_WAIT = 1.5  # seconds; the parts arrive together
POLISHING = ("polish", "again")  # taps whose answer says the model is at work (it takes seconds)
PREFIX = "tg:"  # a Telegram user in the core: tg:<user id> (other channels have their own namespace)


def key(user_id: int) -> str:
    """The core's key for a Telegram user."""
    return f"{PREFIX}{user_id}"


def telegram_user(user_key: object) -> int | None:
    """The Telegram user id behind a stored key (an int: a file from before namespaces), or None if not ours."""
    if isinstance(user_key, int) and not isinstance(user_key, bool):
        return user_key
    native = str(user_key).removeprefix(PREFIX)
    return int(native) if str(user_key).startswith(PREFIX) and native.isdigit() else None


REFUSE_EVERY = 60.0  # seconds: an outsider is told once a minute, not for every message
MAX_REFUSED = 10_000  # outsiders remembered for that (the oldest forgotten first)


def back_to_back(parts: list[str]) -> bool:
    """Whether messages are one paste's parts: every one but the last a full part, and no command among them."""
    return all(len(p) >= PASTE_PART for p in parts[:-1]) and not parts[-1].lstrip().startswith("/")


def _addressed_to(command: str, username: str | None) -> bool:
    """'/start' or '/start@ThisBot' is ours; '/start@OtherBot' is not."""
    head = command.split(maxsplit=1)[0]
    _, at, name = head.partition("@")
    return not at or (username is not None and name.lower() == username.lower())


def _waiting(bot: Any, chat: int) -> Callable[[Reply], Awaitable[None]]:
    """What to do before slow work (the preview's LibreOffice run): the upload action and a message, at once."""

    async def waiting(reply: Reply) -> None:
        with contextlib.suppress(TelegramError):
            await bot.send_chat_action(chat, ChatAction.UPLOAD_DOCUMENT)
        await send_outs(bot, chat, [reply])

    return waiting


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("error while answering a long paste", exc_info=task.exception())


def _with_id(action: Action, update: Update) -> Action:
    """The action tagged with its update's id: an update redelivered after a crash is not applied twice."""
    return replace(action, input_id=f"tg{update.update_id}")


class TelegramChannel:
    """Handlers that connect python-telegram-bot to the assistant."""

    def __init__(
        self,
        assistant: Assistant,
        allowed: frozenset[int] | None,
        paste_wait: float = PASTE_WAIT,
        *,
        order: PerUserOrder | None = None,
    ) -> None:
        self.assistant = assistant
        self.allowed = allowed
        self.paste_wait = paste_wait
        self.order = order or PerUserOrder()  # the application's own: a reminder waits for the user's update
        self.bot: Any = None  # set by register(): reminders reach users no update brings
        self._parts: dict[int, tuple[list[str], asyncio.TimerHandle]] = {}  # users whose paste may go on
        self._refused: OrderedDict[int, float] = OrderedDict()  # outsider -> when last told (monotonic)

    def register(self, app: Application) -> None:
        """Add every handler to the application."""
        self.bot = app.bot  # for reminders, which no update brings
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE, self.on_edited))
        app.add_handler(MessageHandler(private & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(private & filters.Document.ALL, self.on_document))
        app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.on_other))
        app.add_error_handler(self.on_error)

    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Refuse users not on the allow-list, and group chats, before anything is stored."""
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None:
            raise ApplicationHandlerStop
        text = message.text or "" if message else ""
        if text.startswith("/") and not _addressed_to(text, context.bot.username):
            raise ApplicationHandlerStop  # /start@other_bot: not ours to answer
        if chat is not None and chat.type != ChatType.PRIVATE:
            if text.startswith("/"):  # a command for us in a group: point to the private chat, say nothing else
                await context.bot.send_message(chat.id, say("private_only"))
            raise ApplicationHandlerStop
        if self.allowed is not None and user.id not in self.allowed:
            if update.callback_query:
                await _acknowledge(update.callback_query, say("refused_short"))
            if chat is not None and self._may_refuse(user.id):
                await context.bot.send_message(chat.id, say("refused", user_id=user.id))
            raise ApplicationHandlerStop

    def _may_refuse(self, user_id: int) -> bool:
        """At most one refusal a minute per outsider: a flood of messages gets a handful of replies."""
        now = time.monotonic()
        last = self._refused.get(user_id)
        if last is not None and now - last < REFUSE_EVERY:
            return False
        self._refused.pop(user_id, None)
        self._refused[user_id] = now
        while len(self._refused) > MAX_REFUSED:
            self._refused.popitem(last=False)
        return True

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed answer or /command (parse_input tells them apart); the parts of a long paste are joined."""
        assert update.effective_message and update.effective_user and update.effective_chat
        text = update.effective_message.text or ""
        uid, chat = update.effective_user.id, update.effective_chat.id
        earlier = self._parts.pop(uid, None)
        if earlier is None and len(text) < PASTE_PART:
            await self._answer(uid, chat, context.bot, _with_id(parse_input(text), update))
            return
        parts = earlier[0] if earlier else []  # a long message opens a paste; what follows soon is collected
        if earlier is not None:
            earlier[1].cancel()
        parts.append(text)
        timer = asyncio.get_running_loop().call_later(self.paste_wait, self._paste_ended, uid, chat, context.bot)
        self._parts[uid] = (parts, timer)

    def _paste_ended(self, uid: int, chat: int, bot: Any) -> None:
        """Nothing more came: the parts are one message if they came back to back; otherwise ask."""
        pending = self._parts.pop(uid, None)
        if pending is not None:
            task = asyncio.get_running_loop().create_task(self._pasted(uid, chat, bot, pending[0]))
            task.add_done_callback(_log_failure)

    async def _pasted(self, uid: int, chat: int, bot: Any, parts: list[str]) -> None:
        async with self.order.hold(uid):  # in turn with the user's other updates
            if back_to_back(parts):
                await self._answer(uid, chat, bot, parse_input("".join(parts)))
                return
            chars = sum(len(p) for p in parts if len(p) >= PASTE_PART)
            await send_outs(bot, chat, self.assistant.paste_interrupted(key(uid), chars))

    async def _answer(self, uid: int, chat: int, bot: Any, action: Action) -> None:
        await send_outs(bot, chat, await self.assistant.handle_async(key(uid), action, _waiting(bot, chat)))

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited earlier message: it may belong to another question, so it is not taken as an answer."""
        assert update.effective_chat
        await context.bot.send_message(update.effective_chat.id, say("edited"))

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, photo, voice message or file where text is expected."""
        assert update.effective_chat
        await context.bot.send_message(update.effective_chat.id, say("text_only"))
        await self._run(update, context, Action("resume"))

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A file: last year's report to import. Fetched with getFile (the configured base URL), size checked first."""
        message, user, chat = update.effective_message, update.effective_user, update.effective_chat
        assert message and message.document and user and chat
        doc = message.document
        if doc.file_size is not None and doc.file_size > MAX_FILE:
            outs = self.assistant.refuse_file(key(user.id), "import_too_big", mb=MAX_FILE // (1024 * 1024))
        else:
            try:
                tg_file = await context.bot.get_file(doc.file_id)
                data = bytes(await tg_file.download_as_bytearray())
            except TelegramError:
                log.warning("could not download an uploaded file", exc_info=True)
                outs = self.assistant.refuse_file(key(user.id), "import_download_failed")
            else:
                outs = await self.assistant.import_file_async(key(user.id), doc.file_name or "", data)
        await send_outs(context.bot, chat.id, outs)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button: validate its data; acknowledge and clear the old keyboard while acting on it."""
        query = update.callback_query
        assert query is not None
        action = decode_action(query.data)
        if action is None:
            await _acknowledge(query, say("bad_button"))
            await self._run(update, context, Action("resume"))
            return
        # The tap is answered and its keyboard cleared as soon as the turn says what the tap did, while the
        # change is written and the next question sent: the three calls go out together.
        side: list[asyncio.Future] = []

        async def turned(stale: bool) -> None:
            toast = say("stale_toast") if stale else say("polish_working") if action.name in POLISHING else None
            side.append(asyncio.gather(_acknowledge(query, toast), _clear_keyboard(query)))

        try:
            await self._run(update, context, action, quiet_if_stale=True, turned=turned)
        finally:
            await (side[0] if side else asyncio.gather(_acknowledge(query, None), _clear_keyboard(query)))

    # -- reminders (channels/reminders.py runs the schedule) ------------------------------
    def owns(self, user: object) -> bool:
        """A Telegram user on the allow-list."""
        uid = telegram_user(user)
        return uid is not None and (self.allowed is None or uid in self.allowed)

    async def deliver(self, user: object, local: str) -> bool:
        """The user's reminder turn, in turn with their own updates, then sent to their chat."""
        uid = telegram_user(user)
        assert uid is not None and self.bot is not None
        async with self.order.hold(uid):
            outs = await self.assistant.handle_async(key(uid), Action("remind_due", local))
        try:
            await send_outs(self.bot, uid, outs)
        except TelegramError:  # blocked the bot, deleted the chat: the date stays marked, no retry storm
            log.warning("could not send a reminder", exc_info=True)
            return False
        return bool(outs)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure and tell the user; everyone else keeps being served."""
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(update.effective_chat.id, say("failed"))

    async def _run(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        action: Action,
        *,
        quiet_if_stale: bool = False,
        turned: Callable[[bool], Awaitable[None]] | None = None,
    ) -> None:
        assert update.effective_user and update.effective_chat
        chat = update.effective_chat.id
        outs = await self.assistant.handle_async(
            key(update.effective_user.id), _with_id(action, update), _waiting(context.bot, chat), turned
        )
        if quiet_if_stale and [getattr(o, "notice", "") for o in outs] == ["stale_button"]:
            return  # a second tap, or a tap on an old message: it did nothing, the toast says so, the keyboard goes
        await send_outs(context.bot, chat, outs)
