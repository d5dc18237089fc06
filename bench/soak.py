"""Kill -9 soak: the fault test's child, killed at random moments many more times."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storage import TinyDBRecordStore
from tests.test_faults import CHILD

REPO = Path(__file__).resolve().parent.parent


def run(trials: int = 200) -> list[tuple[str, str, str]]:
    """Rows for the table."""
    rng = random.Random()
    lost = unreadable = 0
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        for trial in range(trials):
            uid = 100 + trial
            proc = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(data), str(REPO), str(uid)], stdout=subprocess.PIPE, text=True
            )
            assert proc.stdout is not None
            first = proc.stdout.readline()
            time.sleep(rng.uniform(0.0, 0.1))
            proc.send_signal(signal.SIGKILL)
            rest, _ = proc.communicate()
            acked = [int(first)] + [int(x) for x in rest.split()]
            store = TinyDBRecordStore(data)
            try:
                json.loads(store.path_for(uid).read_text(encoding="utf-8"))
                d = store.get(uid, store.get_active(uid) or "")
            except ValueError:
                unreadable += 1
                continue
            items = d.answers.get("reserve_named", []) if d else []
            if f"企业{acked[-1]}" not in items and not any(int(x[2:]) > acked[-1] for x in items):
                lost += 1
    verdict = "met" if lost == 0 and unreadable == 0 else "NOT met"
    return [
        (
            f"kill -9 soak, {trials} random kills",
            f"{lost} acknowledged answers lost, {unreadable} files unreadable",
            "0 / 0 " + verdict,
        )
    ]
