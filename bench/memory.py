"""6. Memory over many distinct users: the real bot, 50,000 users each starting a draft.

The bot runs in its own process against the Bot API stand-in. Users arrive in
batches; each sends /start, which creates and durably saves a draft. The bot's
resident memory is read from /proc after each checkpoint: it must not grow with
the number of users seen (every change is written through; an LRU of bounded
size holds recent records; the per-user ordering table keeps only users in flight).
"""

from __future__ import annotations

import tempfile
import time

from tests.botrunner import TOKEN
from tests.fake_bot_api import FakeBotAPI

from .latency import BotProcess

USERS = 50_000
BATCH = 500
CHECKPOINTS = (5_000, 10_000, 25_000, 50_000)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    with open(f"/proc/{pid}/status") as fh:
        kb = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    return kb / 1024


def run(users: int = USERS) -> list[tuple[str, str, str]]:
    """Rows for the table."""
    figures: dict[int, float] = {}
    t0 = time.monotonic()
    with FakeBotAPI(TOKEN) as api, tempfile.TemporaryDirectory() as tmp, BotProcess(api, "ours", tmp) as bot:
        for start in range(0, users, BATCH):
            batch = range(100_000 + start, 100_000 + min(start + BATCH, users))
            n = len(api.sent)
            for u in batch:
                api.message(u, "/start")
            want = len(batch) * 2  # the greeting and the first question
            api.wait_sent(lambda s, n=n, want=want: len(s) - n >= want, 120)
            with api.cond:
                api.sent.clear()  # the stand-in keeps no history: only the bot's memory is measured
            done = start + len(batch)
            if done in CHECKPOINTS or done == users:
                time.sleep(0.5)
                figures[done] = rss_mb(bot.proc.pid)
    took = time.monotonic() - t0
    first, last = figures[min(figures)], figures[max(figures)]
    ratio = last / first
    marks = ", ".join(f"{n:,}: {mb:.1f} MB" for n, mb in sorted(figures.items()))
    return [
        (f"bot RSS after n distinct users each created a draft ({took:.0f} s)", marks, ""),
        (
            f"memory ratio {max(figures):,} / {min(figures):,} users",
            f"{ratio:.2f}",
            "flat (≤ 1.1) " + ("met" if ratio <= 1.1 else "NOT met"),
        ),
    ]
