"""Running the bot: the application, log redaction, one process per DATA_DIR, start and stop.

Start-up retries and signal handling are python-telegram-bot's own (`run_polling`
with `bootstrap_retries=-1` and its default stop signals); the store is flushed
in `post_shutdown`, and the lock is released in a `finally`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

from telegram import BotCommand
from telegram.error import InvalidToken
from telegram.ext import AIORateLimiter, Application

from channels.reminders import EVERY
from channels.reminders import run as run_reminders
from dialogs.assistant import Assistant
from settings import Settings

from .handlers import TelegramChannel
from .ordering import PerUserOrder

log = logging.getLogger(__name__)

COMMANDS = [
    ("start", "开始或继续填写"),
    ("new", "新建报告草稿"),
    ("drafts", "我的草稿"),
    ("back", "上一题"),
    ("skip", "跳过选填题"),
    ("review", "检查修改"),
    ("parts", "调整报告结构"),
    ("preview", "预览报告全文"),
    ("report", "生成 Word 报告"),
    ("import", "导入去年的报告"),
    ("remind", "截止日期前提醒我"),
    ("cancel", "暂停"),
    ("help", "使用说明"),
]
REMIND_EVERY = EVERY
_TOKEN_LIKE = re.compile(r"\d{5,20}:[A-Za-z0-9_-]{30,60}")


def install_redaction(token: str | None, *secrets: str) -> None:
    """Make every log record, from any library, carry no bot token or other secret (message and traceback)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_redacting", False):
        previous = previous._previous  # type: ignore[attr-defined]

    def redact(text: str) -> str:
        if token:
            text = text.replace(token, "[TOKEN]")
        for secret in secrets:
            if secret:
                text = text.replace(secret, "[SECRET]")
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


class BotApplication(Application):
    """PTB's Application, minus one unbounded set per distinct user and chat.

    python-telegram-bot 22 records every update's user and chat id for the next persistence
    run, but with no persistence configured that run never happens, so the sets grow with every
    user ever seen (measured with bench/memory.py: RSS 56.5 -> 63.5 MB over 45,000 new users, flat without them). We keep drafts in our own
    store and configure no PTB persistence: there is nothing to mark.
    """

    channel: Any = None  # the TelegramChannel serving it (a reminder scheduler for several channels needs it)
    reminders: asyncio.Task | None = None  # the reminder scheduler, when this application runs it

    def _mark_for_persistence_update(self, *, update: object | None = None, job: Any = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)


def build_application(
    settings: Settings,
    assistant: Assistant,
    *,
    on_ready: Callable[[Application], None] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    remind_every: float = REMIND_EVERY,
    reminders: bool = True,
) -> Application:
    """The configured Application: rate limiter, optional self-hosted API root, handlers, commands.

    `on_ready` is called once the bot is initialised (tests and benchmarks wait for it);
    the assistant's store is flushed when the application shuts down.
    """
    if not settings.token:
        raise ValueError("a token is required")

    async def post_init(app: Application) -> None:
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        log.info("bot started as @%s", app.bot.username)
        if reminders:  # the one scheduler (channels/reminders.py); with 企业微信 too, that channel starts it
            app.reminders = asyncio.get_running_loop().create_task(
                run_reminders(assistant, [channel], every=remind_every, clock=clock)
            )
        if on_ready:
            on_ready(app)

    async def post_stop(app: Application) -> None:
        if app.reminders is not None:
            app.reminders.cancel()

    async def post_shutdown(app: Application) -> None:
        assistant.close()
        log.info("bot stopped")

    # 429s are retried after retry_after. No proactive global throttle: replies to people who are waiting
    # should not queue behind a 30 msg/s budget meant for broadcasts; Telegram answers 429 if we overdo it.
    order = PerUserOrder()
    builder = (
        Application.builder()
        .application_class(BotApplication)
        .token(settings.token)
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .concurrent_updates(order)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if settings.api_base_url:
        builder = builder.base_url(f"{settings.api_base_url}/bot").base_file_url(f"{settings.api_base_url}/file/bot")
    app = builder.build()
    app.channel = channel = TelegramChannel(assistant, settings.allowed_user_ids, order=order)
    channel.register(app)
    return app


def poll(app: Application, *, poll_timeout: float = 10, handle_signals: bool = True) -> int:
    """Long-poll until stopped (SIGINT/SIGTERM, or `app.stop_running()`); 2 if Telegram rejects the token.

    `handle_signals=False` when running off the main thread (tests), where signal handlers cannot be set.
    """
    kwargs: dict[str, Any] = {} if handle_signals else {"stop_signals": None}
    try:
        app.run_polling(timeout=int(poll_timeout), bootstrap_retries=-1, drop_pending_updates=False, **kwargs)
    except InvalidToken:
        log.error("Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN")
        return 2
    return 0


def run_telegram(settings: Settings, assistant: Assistant) -> int:
    """Start long polling until SIGTERM or Ctrl-C; the store is flushed and closed whatever happens."""
    try:
        if settings.allowed_user_ids is None:
            log.warning("ALLOWED_USER_IDS is not set: the bot is open to everyone")
        return poll(build_application(settings, assistant))
    finally:
        assistant.close()  # already done in post_shutdown unless start-up failed; closing twice is harmless
