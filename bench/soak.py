"""5. Kill -9 soak: many more of the fault test's kill trials (tests/kill_trials.py).

Each trial: a child answers through the bot's own path as fast as it can and prints
every acknowledged item; it is killed at a random moment. Then the folder is opened
again and checked: every file parses and the last acknowledged item is there.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.kill_trials import soak


def run(kills: int = 200) -> list[tuple[str, str, str]]:
    """Rows for the table."""
    with tempfile.TemporaryDirectory() as tmp:
        lost, unreadable = soak(Path(tmp), kills)
    verdict = "met" if lost == 0 and unreadable == 0 else "NOT met"
    return [
        (
            f"kill -9 soak, {kills} kills of a writer answering through the store",
            f"{lost} acknowledged answers lost, {unreadable} files unreadable",
            "0 / 0 " + verdict,
        )
    ]
