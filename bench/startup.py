"""4. Start-up time and resident memory with 10 vs 10,000 users' drafts on disk."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.botrunner import TOKEN
from tests.fake_bot_api import FakeBotAPI

from .common import populate, reference_draft

REPO = Path(__file__).resolve().parent.parent

# The child builds everything `make run` builds, connects to the stand-in, starts polling,
# then reports its resident memory and exits.
CHILD = r"""
import os, sys
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from bot import build_assistant
from settings import Settings
from channels.telegram import build_application
settings = Settings(token=sys.argv[1], api_base_url=sys.argv[2], data_dir=Path(sys.argv[4]),
                    allowed_user_ids=None, log_level="WARNING")
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
def ready(app):
    print("ready", rss_kb(), flush=True)
    os._exit(0)
from channels.telegram import poll
poll(build_application(settings, build_assistant(settings), on_ready=ready), poll_timeout=0)
"""


def measure(population: int, runs: int = 5) -> tuple[float, float]:
    """Median seconds from process start to polling, and median RSS in MB at that point."""
    template = reference_draft()
    times, rss = [], []
    with tempfile.TemporaryDirectory() as tmp, FakeBotAPI(TOKEN) as api:
        populate(Path(tmp), population, template)
        for _ in range(runs):
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-c", CHILD, TOKEN, api.root, str(REPO), tmp], stdout=subprocess.PIPE, text=True
            )
            assert proc.stdout is not None
            line = proc.stdout.readline().split()
            times.append(time.perf_counter() - t0)
            proc.wait(30)
            assert line and line[0] == "ready", line
            rss.append(int(line[1]) / 1024)
    return statistics.median(times), statistics.median(rss)


def run() -> list[tuple[str, str, str]]:
    """Rows for the table."""
    t10, m10 = measure(10)
    t10k, m10k = measure(10000)
    rt, rm = t10k / t10, m10k / m10
    return [
        ("start-up to polling / RSS, 10 users on disk", f"{t10 * 1e3:.0f} ms / {m10:.1f} MB", ""),
        ("start-up to polling / RSS, 10,000 users on disk", f"{t10k * 1e3:.0f} ms / {m10k:.1f} MB", ""),
        ("start-up ratio 10,000 / 10", f"{rt:.2f}", "≤ 1.5 " + ("met" if rt <= 1.5 else "NOT met")),
        ("memory ratio 10,000 / 10", f"{rm:.2f}", "≤ 1.5 " + ("met" if rm <= 1.5 else "NOT met")),
    ]
