"""Kill -9 trials shared by the fault test and the soak benchmark.

A child answers through the bot's own path (Assistant.handle_async: the turn on
the event loop, the atomic file write on the store's threads) as fast as it can
and prints every acknowledged item; it is killed at a random moment. Then the
folder is opened again and checked: every user file parses, and the last
acknowledged item is there.
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
a = Assistant(TinyDBRecordStore(sys.argv[1]), load_report_types())
uid = int(sys.argv[3])


async def main():
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


def trial(data: Path, uid: int, rng: random.Random) -> tuple[bool, bool]:
    """(last acknowledged answer lost, a file unreadable) after one kill -9 at a random moment."""
    args = [sys.executable, "-c", WRITER, str(data), str(REPO), str(uid)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.strip().isdigit(), "the writer died before its first answer"
    time.sleep(rng.uniform(0.0, 0.1))
    proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate()
    acked = [int(first)] + [int(x) for x in rest.split()]
    store = TinyDBRecordStore(data)
    try:
        for path in store.root.glob("u*.json"):
            json.loads(path.read_text(encoding="utf-8"))
        loaded = store.load(uid)
    except ValueError:
        return False, True
    finally:
        store.close()
    d = loaded.record.active_draft()
    items = d.answers.get("reserve_total_named", []) if d else []
    lost = f"企业{acked[-1]}" not in items and not any(int(x[2:]) > acked[-1] for x in items)
    return lost, bool(loaded.facts)  # a fact means the file had to be set aside or recovered


def soak(data: Path, kills: int, seed: int | None = None) -> tuple[int, int]:
    """(answers lost, files unreadable) over `kills` trials in one folder, users taking turns."""
    rng = random.Random(seed)
    results = [trial(data, 100 + n % 10, rng) for n in range(kills)]
    return sum(r[0] for r in results), sum(r[1] for r in results)
