"""Telegram and 企业微信 in one process, on one event loop (one store, one assistant, one DATA_DIR lock).

The 企业微信 connection decides the process's life: it runs until SIGINT/SIGTERM, displacement
or a refused secret. python-telegram-bot is started beside it by hand (initialize, post_init,
polling, start), as its docs describe for running with other asyncio code, so a Telegram that
cannot be reached (as from a bureau's network in China) never holds 企业微信 up; it is stopped
and shut down (post_shutdown flushes the store) when the connection ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from dialogs.assistant import Assistant

from .runtime import WeComChannel, _install_stop, build_channel

log = logging.getLogger(__name__)


async def _telegram(app: Any) -> None:
    """Start Telegram and keep it running until cancelled; a failure is logged, 企业微信 goes on."""
    try:
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(timeout=10, bootstrap_retries=-1, drop_pending_updates=False)
        await app.start()
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("Telegram could not be started; 企业微信 is served alone")


async def _stop_telegram(app: Any, task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


async def both(settings: Any, assistant: Assistant, channel: WeComChannel | None = None, **telegram: Any) -> int:
    """Serve Telegram and 企业微信 on the running loop until the 企业微信 connection ends."""
    from channels.telegram import build_application

    app = build_application(settings, assistant, reminders=False, **telegram)
    channel = channel or build_channel(settings, assistant)
    channel.reminded = [channel, app.channel]  # one schedule serves both channels' users
    _install_stop(channel)
    tg = asyncio.create_task(_telegram(app))
    try:
        return await channel.run()
    finally:
        await _stop_telegram(app, tg)


def run_with_telegram(settings: Any, assistant: Assistant, **telegram: Any) -> int:
    """Both channels until stopped; the store is flushed and closed whatever happens."""
    try:
        if settings.allowed_user_ids is None:
            log.warning("ALLOWED_USER_IDS is not set: the Telegram bot is open to everyone")
        return asyncio.run(both(settings, assistant, **telegram))
    finally:
        assistant.close()
