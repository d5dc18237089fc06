"""Telegram channel (python-telegram-bot 22): updates in, assistant, messages and buttons out.

This layer holds no conversation state. It checks who may talk to the bot,
turns messages and button presses into Actions, and shows what the assistant
returns. Button data is `code|arg|question|draft` (at most 64 bytes), validated
on the way back in; the assistant only ever looks in the presser's own drafts.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import io
import logging
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType, MessageLimit
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from dialogs.actions import ALL_ACTIONS, Action, Document, Out, Reply, parse_input
from dialogs.assistant import Assistant, split_text
from settings import Settings

log = logging.getLogger(__name__)

COMMANDS = [
    ("start", "开始或继续填写"),
    ("new", "新建报告草稿"),
    ("drafts", "我的草稿"),
    ("back", "上一题"),
    ("skip", "跳过选填题"),
    ("review", "检查修改"),
    ("preview", "预览报告全文"),
    ("report", "生成 Word 报告"),
    ("cancel", "暂停"),
    ("help", "使用说明"),
]
_CODES = {
    "text": "t",
    "choose": "c",
    "back": "b",
    "skip": "s",
    "review": "r",
    "edit": "e",
    "done": "d",
    "example": "x",
    "use_example": "u",
    "clear": "cl",
    "delitem": "di",
    "resume": "re",
    "start": "st",
    "new": "n",
    "drafts": "ds",
    "open": "o",
    "delete": "dl",
    "delete_yes": "dy",
    "pause": "p",
    "help": "h",
    "preview": "pv",
    "report": "rp",
}
_NAMES = {v: k for k, v in _CODES.items()}
_FIELD = re.compile(r"^[A-Za-z0-9_:\-]{0,24}$")
CALLBACK_LIMIT = 64
_TOKEN_LIKE = re.compile(r"\d{5,20}:[A-Za-z0-9_-]{30,60}")


# ---------------------------------------------------------------- button data
def encode_action(action: Action) -> str:
    """Compact, validated button data; drops the question check rather than exceed 64 bytes."""
    code = _CODES[action.name]
    data = f"{code}|{action.arg}|{action.expect}|{action.draft}"
    if len(data.encode()) > CALLBACK_LIMIT:
        data = f"{code}|{action.arg}||{action.draft}"
    if len(data.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"button data too long for {action.name}")
    return data


def decode_action(data: str | None) -> Action | None:
    """Parse button data; None for anything malformed or forged."""
    if not data or len(data.encode()) > CALLBACK_LIMIT:
        return None
    parts = data.split("|")
    if len(parts) != 4:
        return None
    code, arg, expect, draft = parts
    name = _NAMES.get(code)
    if name is None or name not in ALL_ACTIONS or name == "text":
        return None
    if not all(_FIELD.match(x) for x in (arg, expect, draft)):
        return None
    return Action(name, arg, expect, draft)


# ---------------------------------------------------------------- ordering
class PerUserOrder(BaseUpdateProcessor):
    """Different users' updates run concurrently; one user's updates run one at a time, in arrival order.

    16 at a time: measured (bench/latency.py) as the best trade-off between a zero-latency local API,
    where more threads only contend for the GIL, and a 50 ms round trip, where waiting calls overlap.
    """

    def __init__(self, max_concurrent_updates: int = 16) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, tuple[asyncio.Lock, list[int]]] = {}

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        """Run the update's handlers under its user's lock (FIFO, so arrival order is kept)."""
        key = update.effective_user.id if isinstance(update, Update) and update.effective_user else None
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1  # holders and waiters: the entry may go only when nobody is left
        try:
            async with lock:
                await coroutine
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


# ---------------------------------------------------------------- logging
def install_redaction(token: str | None) -> None:
    """Make every log record, from any library, carry no bot token (message and traceback)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_redacting", False):
        previous = previous._previous  # type: ignore[attr-defined]

    def redact(text: str) -> str:
        if token:
            text = text.replace(token, "[TOKEN]")
        return _TOKEN_LIKE.sub("[TOKEN]", text)

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not break logging
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    factory._redacting = True  # type: ignore[attr-defined]
    factory._previous = previous  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


# ---------------------------------------------------------------- the channel
class TelegramChannel:
    """Handlers that connect python-telegram-bot to the assistant."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.allowed = settings.allowed_user_ids

    def register(self, app: Application) -> None:
        """Add every handler to the application."""
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE, self.on_edited))
        app.add_handler(MessageHandler(private & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.on_other))
        app.add_error_handler(self.on_error)

    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Refuse users not on the allow-list, and group chats, before anything is stored."""
        user, chat = update.effective_user, update.effective_chat
        if user is None:
            raise ApplicationHandlerStop
        if self.allowed is not None and user.id not in self.allowed:
            text = f"抱歉，您还没有使用权限。\n您的用户 ID 是 {user.id}，请发给管理员开通。"
            if update.callback_query:
                await update.callback_query.answer("没有使用权限", show_alert=False)
            if chat is not None:
                await context.bot.send_message(chat.id, text)
            raise ApplicationHandlerStop
        if chat is not None and chat.type != ChatType.PRIVATE:
            if (
                update.effective_message
                and update.effective_message.text
                and update.effective_message.text.startswith("/")
            ):
                await context.bot.send_message(chat.id, "请在与我的私聊中使用，群里不处理报告内容。")
            raise ApplicationHandlerStop

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed answer or /command (parse_input tells them apart)."""
        assert update.effective_message and update.effective_user
        await self._run(update, context, parse_input(update.effective_message.text or ""))

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited earlier message: it may belong to another question, so it is not taken as an answer."""
        assert update.effective_chat
        await context.bot.send_message(
            update.effective_chat.id, "修改已发出的消息不会改变答案。要改哪一题，请发 /review 选择后重新回答。"
        )

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, photo, voice message or file where text is expected."""
        assert update.effective_chat
        await context.bot.send_message(update.effective_chat.id, "我只能读文字消息。请用文字回答当前的问题：")
        await self._run(update, context, Action("resume"))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button: validate its data, clear the old keyboard, act."""
        query = update.callback_query
        assert query is not None
        action = decode_action(query.data)
        if action is None:
            await query.answer("这个按钮无效或已过期。")
            await self._run(update, context, Action("resume"))
            return
        await query.answer()
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(reply_markup=None)
        await self._run(update, context, action)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure and tell the user; everyone else keeps being served."""
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(
                    update.effective_chat.id, "出错了，请重试。已保存的回答不会丢失；发 /start 回到当前问题。"
                )

    async def _run(self, update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> None:
        assert update.effective_user and update.effective_chat
        # Storage does blocking file I/O (fsync): keep it off the event loop so other users are served meanwhile.
        outs = await asyncio.to_thread(self.assistant.handle, update.effective_user.id, action)
        await send_outs(context.bot, update.effective_chat.id, outs)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Inline keyboard for a reply's buttons (None when there are none)."""
    rows = [
        [InlineKeyboardButton(b.label, callback_data=encode_action(b.action)) for b in row]
        for row in reply.buttons
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def split_message(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Pieces of at most `limit` characters, cut at line breaks where possible; never empty."""
    return [p for p in split_text(text, limit) if p.strip()] or ["…"]


async def send_outs(bot: Any, chat_id: int, outs: list[Out]) -> None:
    """Send replies (buttons on the last piece) and documents, in order."""
    for out in outs:
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


async def _post_init(app: Application) -> None:
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])


def build_application(settings: Settings, assistant: Assistant) -> Application:
    """The configured Application: rate limiter, optional self-hosted API root, handlers, commands."""
    if not settings.token:
        raise ValueError("a token is required")
    # 429s are retried after retry_after. No proactive global throttle: replies to people who are waiting
    # should not queue behind a 30 msg/s budget meant for broadcasts; Telegram answers 429 if we overdo it.
    limiter = AIORateLimiter(overall_max_rate=0, max_retries=3)
    builder = Application.builder().token(settings.token).rate_limiter(limiter).concurrent_updates(PerUserOrder())
    if settings.api_base_url:
        builder = builder.base_url(f"{settings.api_base_url}/bot").base_file_url(f"{settings.api_base_url}/file/bot")
    app = builder.post_init(_post_init).build()
    TelegramChannel(assistant, settings).register(app)
    return app


async def serve(
    app: Application, stop: asyncio.Event, *, poll_timeout: float = 10, ready: Callable[[], None] | None = None
) -> int:
    """Connect (retrying while the Bot API is unreachable), poll until `stop` is set, shut down cleanly."""
    delay = 1.0
    while not stop.is_set():
        try:
            await app.initialize()
            break
        except InvalidToken:
            log.error("Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN")
            return 2
        except (NetworkError, TimedOut) as exc:
            log.warning("Bot API not reachable (%s); retrying in %.0f s", type(exc).__name__, delay)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 30.0)
    if stop.is_set():
        return 0
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=poll_timeout, bootstrap_retries=-1, drop_pending_updates=False)
    log.info("bot started as @%s", app.bot.username)
    if ready:
        ready()
    await stop.wait()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    log.info("bot stopped")
    return 0


def acquire_lock(data_dir: Path) -> IO[str] | None:
    """An exclusive lock on DATA_DIR for this process, or None if another bot holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fh = open(data_dir / ".bot.lock", "w")  # noqa: SIM115 - held for the process lifetime
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        return None
    return fh


def run_telegram(settings: Settings, assistant: Assistant) -> int:
    """Start long polling until SIGTERM or Ctrl-C."""
    install_redaction(settings.token)
    lock = acquire_lock(settings.data_dir)
    if lock is None:
        print(f"另一个机器人进程正在使用 {settings.data_dir}，本进程退出。(DATA_DIR is locked by another bot.)")
        return 1
    if settings.allowed_user_ids is None:
        log.warning("ALLOWED_USER_IDS is not set: the bot is open to everyone")
    app = build_application(settings, assistant)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await serve(app, stop)

    try:
        return asyncio.run(main())
    finally:
        lock.close()
