"""The 企业微信 path: a whole report typed over the loopback stand-in, the real channel and assistant vs an echo.

Both run the same channel code (`channels/wecom/runtime.py`) over the same stand-in
(`tests/fake_wecom.py`): the echo answers each input with its own text, ours drafts
the report (every answer saved before the reply) and ends with /report (DOCX render and
chunked upload). Per input: the time from the stand-in pushing the message to the
channel having answered it, and how many frames the user gets (the platform allows 30
messages a minute per conversation, so fewer is better).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from channels.wecom.runtime import WeComChannel
from dialogs.actions import Reply
from dialogs.outlines import load_report_types
from tests import reference
from tests.fake_wecom import FakeWeCom
from tests.test_wecom import ALICE, FAST, Harness, running

PAIRS = 3


class _Echo:
    """The floor: answers each input with its own text, stores nothing."""

    zone = None

    async def handle_async(self, uid: object, action: object, *rest: object) -> list[Reply]:
        return [Reply(getattr(action, "arg", "") or getattr(action, "name", ""))]

    def is_stale(self, *args: object) -> bool:
        return False

    def reminder_candidates(self, now: object) -> list[object]:
        return []


async def _until(cond) -> None:
    while not cond():
        await asyncio.sleep(0.0002)


async def _walk(h: Harness, msgs: list[str]) -> tuple[list[float], int]:
    lat, frames = [], 0
    for m in msgs:
        before, handled = len(h.fake.sent), h.channel.handled
        t = time.perf_counter()
        await h.fake.text(ALICE, m)
        await _until(lambda handled=handled: h.channel.handled > handled)
        lat.append((time.perf_counter() - t) * 1000)
        frames += len(h.fake.sent) - before
    return lat, frames


async def _ours(msgs: list[str]) -> tuple[list[float], int]:
    with tempfile.TemporaryDirectory() as d:
        async with running(Path(d), load_report_types()) as h:
            return await _walk(h, msgs)


async def _echo(msgs: list[str]) -> tuple[list[float], int]:
    fake = FakeWeCom()
    await fake.start()
    channel = WeComChannel(_Echo(), (fake.url, "bot1", "s3cret"), None, timing=FAST)  # type: ignore[arg-type]
    task = asyncio.create_task(channel.run())
    try:
        await _until(lambda: fake.connected)
        return await _walk(Harness(fake, channel, task), msgs)
    finally:
        await channel.stop()
        await task
        await fake.stop()


def _p(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * q))]


def run() -> list[tuple[str, str, str]]:
    msgs = ["/start", *reference.script(), "/report"]
    ours, echo, frames = [], [], 0
    for _ in range(PAIRS):
        lat, frames = asyncio.run(_ours(msgs))
        ours.append(lat)
        echo.append(asyncio.run(_echo(msgs))[0])
    p50 = statistics.median(statistics.median(x) for x in ours)
    e50 = statistics.median(statistics.median(x) for x in echo)
    p95 = statistics.median(_p(x, 0.95) for x in ours)
    e95 = statistics.median(_p(x, 0.95) for x in echo)
    n = len(msgs)
    return [
        (f"企业微信 path, {n} inputs of a whole report, p50", f"{p50:.2f} ms vs echo {e50:.2f} ms", "(reported)"),
        ("企业微信 path, p95", f"{p95:.2f} ms vs echo {e95:.2f} ms", "(reported)"),
        ("企业微信 frames per input", f"{frames / n:.2f} (30 messages a minute per conversation)", "(reported)"),
    ]


if __name__ == "__main__":
    for row in run():
        print(*row, sep="  ")
