"""5. Kill -9 soak: many more of the fault test's kill trials (tests/kill_trials.py).

Each trial: a child answers as fast as it can and prints every acknowledged item;
it is killed at a random moment. In half the trials its log is compacted every
few answers (kills land during compaction); in the other half nothing is
compacted, so the next start has a long log to replay, and that replaying
process is itself killed at a random moment. Then the folder is opened once
more and checked: every file parses and the last acknowledged item is there.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from tests.kill_trials import trial


def run(trials: int = 200) -> list[tuple[str, str, str]]:
    """Rows for the table."""
    rng = random.Random()
    lost = unreadable = interrupted = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(trials):
            a, b, c = trial(Path(tmp), 100 + n, rng, compacting=n % 2 == 0)
            lost, unreadable, interrupted = lost + a, unreadable + b, interrupted + c
    verdict = "met" if lost == 0 and unreadable == 0 else "NOT met"
    half = trials // 2
    return [
        (
            f"kill -9 soak, {trials} writer kills ({half} with compaction every ~2 KB of log), {trials - half} replay kills",
            f"{lost} acknowledged answers lost, {unreadable} files unreadable; {interrupted} replays cut short",
            "0 / 0 " + verdict,
        )
    ]
