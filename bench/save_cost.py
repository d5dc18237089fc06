"""1. Cost of accepting and durably saving one answer, against how many users' drafts exist."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from dialogs.actions import Action
from dialogs.assistant import Assistant
from dialogs.schema import load_report_types
from storage import TinyDBDraftStore

from .common import draft_size, populate, reference_draft, summary


def measure(population: int, samples: int = 200) -> dict[str, float]:
    """Median/p99 seconds for one answered question (parse, check, fsync'd atomic save)."""
    template = reference_draft()
    with tempfile.TemporaryDirectory() as tmp:
        populate(Path(tmp), population, template)
        a = Assistant(TinyDBDraftStore(tmp), load_report_types())
        uid = population // 2 + 1
        times = []
        for i in range(samples):
            a.handle(uid, Action("edit", "opening"))
            t0 = time.perf_counter()
            out = a.handle(uid, Action("text", f"坚持以习近平新时代中国特色社会主义思想为指导，第{i}次修改"))
            times.append(time.perf_counter() - t0)
            assert out[-1].kind != "error"
        return summary(times)


def run() -> list[tuple[str, str, str]]:
    """Rows for the table: (what, figure, target)."""
    size = draft_size(reference_draft())
    res = {n: measure(n) for n in (10, 1000, 10000)}
    rows = [(f"save one answer, {n:>5} users on disk ({size / 1024:.1f} KB each)",
             f"median {r['median'] * 1e3:.2f} ms, p99 {r['p99'] * 1e3:.2f} ms", "") for n, r in res.items()]
    ratio = res[10000]["median"] / res[10]["median"]
    rows.append(("save cost ratio 10,000 / 10 users (medians)", f"{ratio:.2f}", "≤ 1.5 " + ("met" if ratio <= 1.5 else "NOT met")))
    return rows
