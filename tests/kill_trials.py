"""Kill -9 trials shared by the fault test and the soak benchmark.

A child answers as fast as it can and prints every acknowledged item; it is
killed at a random moment. With `compacting`, its log is compacted every few
answers, so kills land during compaction; without, nothing is compacted and the
next start has a long log to replay, and that replaying process is killed at a
random moment too. Then the folder is opened once more and checked.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from storage import TinyDBRecordStore

REPO = Path(__file__).resolve().parent.parent

WRITER = r"""
import asyncio
import sys
sys.path.insert(0, sys.argv[2])
from dialogs.actions import Action
from dialogs.assistant import Assistant
from dialogs.outlines import load_report_types
from storage import TinyDBRecordStore
from tests.reference import upto_named
store = TinyDBRecordStore(
    sys.argv[1], segment_bytes=int(sys.argv[4]), idle_seconds=float(sys.argv[5]), spare_segments=True
)
a = Assistant(store, load_report_types())
uid = int(sys.argv[3])


async def main():  # the bot's path: dialog work and the log's group commit on the event loop
    await a.handle_async(uid, Action("start"))
    for m in upto_named():  # up to the 科技 figures, so the named-enterprise list is reachable
        await a.handle_async(uid, Action("text", m) if not m.startswith("/") else Action(m[1:]))
    await a.handle_async(uid, Action("edit", "reserve_total_named"))
    i = 0
    while True:
        i += 1
        if i > 5:  # the list holds at most 5: drop the oldest first, so the newest always stays
            await a.handle_async(uid, Action("delitem", "1"))
        out = await a.handle_async(uid, Action("text", f"企业{i}"))
        if out[-1].kind != "error":  # acknowledged: the user was shown the next step
            print(i, flush=True)
        elif i == 20 and not a.active(uid).answers.get("reserve_total_named"):
            sys.exit("writer: the list refuses every answer: " + out[-1].text[:80])  # fail, never hang


asyncio.run(main())
"""

REPLAYER = r"""
import sys
sys.path.insert(0, sys.argv[2])
from storage import TinyDBRecordStore
print("opening", flush=True)  # imports done: the replay starts now
TinyDBRecordStore(sys.argv[1], spare_segments=True).close()
print("replayed", flush=True)
"""


def trial(data: Path, uid: int, rng: random.Random, compacting: bool) -> tuple[bool, bool, bool]:
    """(answer lost, file unreadable, replay interrupted) for one kill (and one replay kill)."""
    size, idle = ("2048", "0.01") if compacting else ("1000000000", "3600")
    args = [sys.executable, "-c", WRITER, str(data), str(REPO), str(uid), size, idle]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    time.sleep(rng.uniform(0.0, 0.15))
    proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate()
    acked = [int(first)] + [int(x) for x in rest.split()]
    interrupted = False
    if not compacting:
        replayer = subprocess.Popen(
            [sys.executable, "-c", REPLAYER, str(data), str(REPO)], stdout=subprocess.PIPE, text=True
        )
        assert replayer.stdout is not None
        replayer.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.03))  # the replay itself takes a few tens of ms
        replayer.send_signal(signal.SIGKILL)
        replayer.communicate()
        interrupted = any((data / "wal").glob("*.log"))
    store = TinyDBRecordStore(data)
    try:
        for path in store.root.glob("u*.json"):
            json.loads(path.read_text(encoding="utf-8"))
        d = store.load(uid).record.active_draft()
    except ValueError:
        return False, True, interrupted
    finally:
        store.close()
    items = d.answers.get("reserve_total_named", []) if d else []
    lost = f"企业{acked[-1]}" not in items and not any(int(x[2:]) > acked[-1] for x in items)
    return lost, False, interrupted
