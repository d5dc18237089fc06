"""Telegram and 企业微信 in one process, on one event loop (one store, one assistant, one DATA_DIR lock).

python-telegram-bot is started by hand (initialize, start polling, start) as its docs describe
for running beside other asyncio code; its post_init and post_shutdown hooks run as in
run_polling. The process stops on SIGINT/SIGTERM, or when the 企业微信 connection ends
(displaced by another process, or the secret refused).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from dialogs.assistant import Assistant

from .runtime import WeComChannel, _install_stop, build_channel

log = logging.getLogger(__name__)


async def both(settings: Any, assistant: Assistant, channel: WeComChannel | None = None, **telegram: Any) -> int:
    """Serve Telegram and 企业微信 on the running loop until stopped (`channel.stop()` or a signal)."""
    from channels.telegram import build_application

    app = build_application(settings, assistant, **telegram)
    channel = channel or build_channel(settings, assistant)
    _install_stop(channel)
    try:
        async with app:
            if app.post_init:
                await app.post_init(app)
            assert app.updater is not None
            await app.updater.start_polling(timeout=10, bootstrap_retries=-1, drop_pending_updates=False)
            await app.start()
            try:
                return await channel.run()
            finally:
                await app.updater.stop()
                await app.stop()
    finally:
        if app.post_shutdown:
            await app.post_shutdown(app)


def run_with_telegram(settings: Any, assistant: Assistant, **telegram: Any) -> int:
    """Both channels until stopped; the store is flushed and closed whatever happens."""
    try:
        if settings.allowed_user_ids is None:
            log.warning("ALLOWED_USER_IDS is not set: the Telegram bot is open to everyone")
        return asyncio.run(both(settings, assistant, **telegram))
    finally:
        assistant.close()
