"""Run the real Application (PTB's own run_polling) in a background thread against the Bot API stand-in."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from telegram.ext import Application

from bot import build_assistant
from channels.telegram import build_application, install_redaction, poll
from settings import Settings
from tests.fake_bot_api import FakeBotAPI

TOKEN = "123456789:AAH-test-token-abcdefghijklmnopqrstuvwx"


class BotRunner:
    """`with BotRunner(api, data_dir) as bot:` starts polling; leaving stops it cleanly (and flushes the store)."""

    def __init__(
        self,
        api: FakeBotAPI,
        data_dir: Path,
        *,
        allowed: frozenset[int] | None = None,
        llm: str | None = None,
        clock=None,
        remind_every: float = 900.0,
    ) -> None:
        self.settings = Settings(
            token=TOKEN,
            api_base_url=api.root,
            data_dir=data_dir,
            allowed_user_ids=allowed,
            log_level="DEBUG",
            llm_base_url=llm,
            llm_api_key="sk-secret-key-123" if llm else "",
            llm_model="test-model",
            llm_timeout=20.0,
        )
        self.assistant = build_assistant(self.settings)
        self.app = build_application(
            self.settings, self.assistant, on_ready=self._on_ready, clock=clock, remind_every=remind_every
        )
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.result: int | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _on_ready(self, app: Application) -> None:
        self._loop = asyncio.get_running_loop()
        self._ready.set()

    def _main(self) -> None:
        self.result = poll(self.app, poll_timeout=1, handle_signals=False)

    def __enter__(self) -> BotRunner:
        install_redaction(TOKEN, self.settings.llm_api_key)
        self.thread.start()
        if not self._ready.wait(15):
            raise AssertionError("bot did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.app.stop_running)
        self.thread.join(15)
        self.assistant.close()

    def __exit__(self, *exc: object) -> None:
        self.stop()
