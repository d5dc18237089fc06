"""1. Cost of accepting and durably saving one answer, against how many users' drafts exist."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from dialogs.actions import Action
from dialogs.assistant import Assistant
from dialogs.outlines import load_report_types
from storage import TinyDBRecordStore

from .common import draft_size, populate, reference_draft, summary

POPULATIONS = (10, 1000, 10000)


def run(samples: int = 300) -> list[tuple[str, str, str]]:
    """Rows for the table. The populations are measured in turns, so disk noise hits all alike."""
    template = reference_draft()
    types = load_report_types()
    with tempfile.TemporaryDirectory() as tmp:
        assistants = {}
        for n in POPULATIONS:
            folder = Path(tmp) / str(n)
            populate(folder, n, template)
            assistants[n] = Assistant(TinyDBRecordStore(folder), types)
        os.sync()  # let the set-up's writeback finish before measuring
        times: dict[int, list[float]] = {n: [] for n in POPULATIONS}
        for i in range(samples):
            for n, a in assistants.items():
                uid = n // 2 + 1
                a.handle(uid, Action("edit", "opening"))
                t0 = time.perf_counter()
                out = a.handle(uid, Action("text", f"坚持以习近平新时代中国特色社会主义思想为指导，第{i}次修改"))
                times[n].append(time.perf_counter() - t0)
                assert out[-1].kind != "error"
        for a in assistants.values():
            a.close()
    res = {n: summary(t) for n, t in times.items()}
    size = draft_size(template)
    rows = [
        (
            f"save one answer, {n:>5} users on disk ({size / 1024:.1f} KB each)",
            f"median {r['median'] * 1e3:.2f} ms, p99 {r['p99'] * 1e3:.2f} ms",
            "",
        )
        for n, r in res.items()
    ]
    ratio = res[10000]["median"] / res[10]["median"]
    rows.append(
        (
            "save cost ratio 10,000 / 10 users (medians)",
            f"{ratio:.2f}",
            "≤ 1.5 " + ("met" if ratio <= 1.5 else "NOT met"),
        )
    )
    return rows
