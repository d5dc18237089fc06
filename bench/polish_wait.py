"""7. Other users' reply latency while one user waits on the writing model (✨ 润色).

Our bot runs with the writing help pointed at a model stand-in that answers after
16 s (longer than the run, so the wait covers all of it). The open-loop load of the latency benchmark (100 users, 30 msg/s, API 0 ms)
runs twice on fresh processes: once alone, once while another user's 润色 request
is waiting. The second must stay within the first (the model call is async).
"""

from __future__ import annotations

import os
import tempfile
import time

from tests import reference
from tests.botrunner import TOKEN
from tests.fake_bot_api import FakeBotAPI
from tests.fake_llm import FakeLLM

from .common import summary
from .latency import USERS, BotProcess, open_loop, warm_up

WAITER = 9001
MODEL_DELAY = 16.0  # longer than the 15 s open-loop run, so the wait covers all of it


def _start_waiting(api: FakeBotAPI) -> None:
    """One user answers up to 原因, then taps 「✨ 润色刚才这段」: the model takes 10 s."""
    msgs = reference.script()
    api.message(WAITER, "/start")
    for m in msgs[: msgs.index(reference.CAUSES) + 1]:
        api.message(WAITER, m)
    sent = api.wait_sent(lambda s: any("✨ 润色刚才这段" in dict(x.buttons()) for x in s if x.chat_id == WAITER), 60)
    ask = next(x for x in reversed(sent) if x.chat_id == WAITER and "✨ 润色刚才这段" in dict(x.buttons()))
    api.press(WAITER, dict(ask.buttons())["✨ 润色刚才这段"], ask.message_id)


def _others(waiting: bool, llm: FakeLLM) -> tuple[dict[str, float], bool]:
    users = list(range(2001, 2001 + USERS))
    with FakeBotAPI(TOKEN) as api, tempfile.TemporaryDirectory() as tmp, BotProcess(api, "ours", tmp):
        warm_up(api, users, "typed")
        if waiting:
            _start_waiting(api)
            time.sleep(0.5)  # the request is at the model now
        asked = len(llm.requests)
        drv = open_loop(api, users, "typed", seed=1)
        still_waiting = waiting and not any("润色建议" in x.text for x in api.to(WAITER))
        return summary(drv.complete), still_waiting and len(llm.requests) == asked


def run() -> list[tuple[str, str, str]]:
    """Rows for the table."""
    with FakeLLM() as llm:
        llm.delay = MODEL_DELAY
        os.environ["BENCH_LLM_URL"] = llm.base_url
        try:
            alone, _ = _others(False, llm)
            beside, overlapped = _others(True, llm)
        finally:
            os.environ.pop("BENCH_LLM_URL", None)
    ratio = beside["median"] / alone["median"]
    return [
        (
            "100 users, 30 msg/s, API 0 ms: p50 / p99 alone",
            f"{alone['median'] * 1e3:.1f} / {alone['p99'] * 1e3:.1f} ms",
            "",
        ),
        (
            f"same, while one user waits {MODEL_DELAY:.0f} s on the model",
            f"{beside['median'] * 1e3:.1f} / {beside['p99'] * 1e3:.1f} ms"
            + ("" if overlapped else " (the wait did not cover the whole run)"),
            "",
        ),
        ("ratio p50 (waiting / alone)", f"{ratio:.2f}", "≤ 1.3 " + ("met" if ratio <= 1.3 else "NOT met")),
    ]
