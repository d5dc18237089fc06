"""3. End-to-end reply latency: 100 users at once through the real Application, against an echo bot."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests import reference
from tests.botrunner import TOKEN
from tests.fake_bot_api import FakeBotAPI

from .common import summary

REPO = Path(__file__).resolve().parent.parent
USERS = 100
ROUNDS = 10


def drive(api: FakeBotAPI, users: list[int], texts: list[str]) -> tuple[list[float], float]:
    """Closed loop: each user sends, waits for the first reply message, sends the next.

    Latency is from the moment the update is queued at the stand-in to the moment the
    stand-in receives the bot's first sendMessage for that user.
    """
    latencies: list[float] = []
    pushed_at: dict[int, float] = {}
    step = dict.fromkeys(users, 0)
    deadline = time.monotonic() + 300
    with api.cond:  # re-entrant: api.message() may be called while holding it
        index = len(api.sent)
        t_start = time.monotonic()
        for u in users:
            pushed_at[u] = time.monotonic()
            api.message(u, texts[0])
        pending = set(users)
        while pending:
            if time.monotonic() > deadline:
                raise RuntimeError("latency run timed out")
            api.cond.wait(0.01)
            new, index = api.sent[index:], len(api.sent)
            answered: dict[int, float] = {}
            for s in new:
                u = s.chat_id
                if s.method == "sendMessage" and u in pending and u not in answered and s.at >= pushed_at[u]:
                    answered[u] = s.at
            for u, at in answered.items():
                latencies.append(at - pushed_at[u])
                step[u] += 1
                if step[u] >= len(texts):
                    pending.discard(u)
                    continue
                pushed_at[u] = time.monotonic()
                api.message(u, texts[step[u]])
        elapsed = time.monotonic() - t_start
    return latencies, elapsed


# The bot under test runs in its own process, as in production: the stand-in and the load
# driver (threads in this process) must not compete with it for the GIL.
BOT_CHILD = r"""
import asyncio, sys, tempfile
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from channels.telegram import serve
kind, root = sys.argv[1], sys.argv[2]
token = "123456789:AAH-test-token-abcdefghijklmnopqrstuvwx"
if kind in ("ours", "channel-only"):
    from bot import build_assistant
    from settings import Settings
    from channels.telegram import build_application
    settings = Settings(token=token, api_base_url=root, data_dir=Path(sys.argv[4]), allowed_user_ids=None,
                        log_level="WARNING")
    assistant = build_assistant(settings)
    if kind == "channel-only":  # ablation: our Telegram layer with an assistant that does nothing
        from dialogs.actions import Action, Button, Reply
        reply = Reply("【基本信息】第 1/18 题\n请输入单位全称", ((Button("⬅ 上一题", Action("back")),),))
        assistant.handle = lambda user_id, action: [reply]
    app = build_application(settings, assistant)
else:  # the minimal python-telegram-bot echo bot
    from telegram.ext import Application, MessageHandler, filters
    async def echo(update, context):
        await update.effective_message.reply_text(update.effective_message.text)
    app = Application.builder().token(token).base_url(root + "/bot").build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
async def main():
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await serve(app, stop, poll_timeout=1, ready=lambda: print("ready", flush=True))
import os
if os.environ.get("BENCH_PROFILE") and kind == "ours":
    import cProfile
    cProfile.run("asyncio.run(main())", os.environ["BENCH_PROFILE"])
else:
    asyncio.run(main())
"""


class BotProcess:
    """`with BotProcess(api, "ours"|"echo", data_dir):` runs a bot in a child process until the block ends."""

    def __init__(self, api: FakeBotAPI, kind: str, data_dir: str) -> None:
        self.args = [sys.executable, "-c", BOT_CHILD, kind, api.root, str(REPO), data_dir]

    def __enter__(self) -> BotProcess:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("bot did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def run(latency: float = 0.0) -> list[tuple[str, str, str]]:
    """Rows for the table; `latency` is the stand-in's simulated network round trip per call, in seconds."""
    users = list(range(2001, 2001 + USERS))
    texts = reference.script()[:ROUNDS]
    with FakeBotAPI(TOKEN, latency=latency) as api, tempfile.TemporaryDirectory() as tmp:
        with BotProcess(api, "ours", tmp):
            for u in users:  # warm-up: create every user's draft (two messages each)
                api.message(u, "/start")
            api.wait_sent(lambda s: len({x.chat_id for x in s if "请输入单位全称" in x.text}) >= USERS, 60)
            ours, t_ours = drive(api, users, texts)
    with FakeBotAPI(TOKEN, latency=latency) as api, tempfile.TemporaryDirectory() as tmp:
        with BotProcess(api, "echo", tmp):
            echo, t_echo = drive(api, users, texts)
    rows_extra = []
    if latency == 0:
        with FakeBotAPI(TOKEN, latency=latency) as api, tempfile.TemporaryDirectory() as tmp:
            with BotProcess(api, "channel-only", tmp):
                bare, t_bare = drive(api, users, texts)
        c = summary(bare)
        rows_extra = [
            (
                "ablation: our Telegram layer, assistant doing nothing (0 ms)",
                f"p50 {c['median'] * 1e3:.1f} ms, p99 {c['p99'] * 1e3:.1f} ms, {len(bare) / t_bare:.0f} msg/s",
                f"p50 ratio to echo {c['median'] / summary(echo)['median']:.2f}",
            ),
        ]
    a, b = summary(ours), summary(echo)
    r50, r99 = a["median"] / b["median"], a["p99"] / b["p99"]
    net = f"API round trip {latency * 1e3:.0f} ms"
    return [
        (
            f"reply latency, ours ({USERS} users × {ROUNDS} answers, {net})",
            f"p50 {a['median'] * 1e3:.1f} ms, p99 {a['p99'] * 1e3:.1f} ms, {len(ours) / t_ours:.0f} msg/s",
            "",
        ),
        (
            f"reply latency, echo bot (same stand-in, same load, {net})",
            f"p50 {b['median'] * 1e3:.1f} ms, p99 {b['p99'] * 1e3:.1f} ms, {len(echo) / t_echo:.0f} msg/s",
            "",
        ),
        (f"latency ratio p50 ({net})", f"{r50:.2f}", "≤ 1.3 " + ("met" if r50 <= 1.3 else "NOT met")),
        (f"latency ratio p99 ({net})", f"{r99:.2f}", "≤ 2 " + ("met" if r99 <= 2 else "NOT met")),
        *rows_extra,
    ]


def run_both() -> list[tuple[str, str, str]]:
    """The stand-in answering at once, and with a 50 ms round trip like a real network."""
    return run(0.0) + run(0.05)
