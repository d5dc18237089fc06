"""Shared helpers: percentiles, a realistic draft, writing user files quickly."""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from dialogs.actions import Action
from dialogs.assistant import Assistant
from dialogs.outlines import load_report_types
from storage import TinyDBRecordStore
from tests import reference


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]


def summary(values: list[float]) -> dict[str, float]:
    """min, median, p99, max."""
    return {"min": min(values), "median": statistics.median(values), "p99": pct(values, 99), "max": max(values)}


def reference_draft() -> dict[str, Any]:
    """A complete draft of the reference report, as stored (about 5-7 KB of Chinese text)."""
    with tempfile.TemporaryDirectory() as tmp:
        types = load_report_types()
        a = Assistant(TinyDBRecordStore(tmp), types)
        a.handle(1, Action("start"))
        for m in reference.script():
            a.handle(1, Action("text", m) if not m.startswith("/") else Action(m[1:]))
        d = a.active(1)
        a.close()
        assert d is not None
        return d.to_dict()


def populate(data_dir: Path, n: int, template: dict[str, Any]) -> None:
    """Write n users' files directly (no fsync: this is set-up, not the thing measured)."""
    users = data_dir / "users"
    users.mkdir(parents=True, exist_ok=True)
    for uid in range(1, n + 1):
        d = dict(template, user_id=uid, id=f"{uid:08x}")
        doc = {"drafts": {"1": d}, "meta": {"1": {"active": d["id"]}}}
        (users / f"u{uid}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def draft_size(template: dict[str, Any]) -> int:
    """Bytes of one stored draft."""
    return len(json.dumps(template, ensure_ascii=False).encode())


__all__ = ["pct", "populate", "reference_draft", "summary", "draft_size"]
