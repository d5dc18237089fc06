"""Bring drafts saved by an older version of a report type up to date, so no answer is lost on upgrade.

Version 1 of 法治政府建设年度报告 had one outline, 科技局 wording and bare integers:
three fixed 第一责任人 sub-sections, `has_tech`/`has_law` switches and integer
figures. Version 2 keeps every one of those answers under its new name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .draft import Draft

_DUTY_V1 = (
    ("duty_study", "深入学习习近平法治思想"),
    ("duty_lead", "认真履行第一责任人职责"),
    ("duty_publicity", "扎实开展普法宣传"),
)
_FIGURES_V1 = {  # old id -> (new id, unit, gate)
    "hitech": ("hitech", "家", "fig_tech"),
    "tech_sme": ("tech_sme", "家", "fig_tech"),
    "gazelle": ("gazelle", "家", "fig_tech"),
    "reserve_total": ("reserve_total", "家", "fig_reserve"),
    "reserve_first": ("reserve_first", "家", "fig_reserve"),
    "reserve_review": ("reserve_review", "家", "fig_reserve"),
    "enforcers": ("enforcers", "人", "fig_cert"),
    "review_cases": ("review_cases", "件", "fig_lawsuit"),
    "lawsuits": ("lawsuits", "件", "fig_lawsuit"),
    "pufa_events": ("pufa_events", "场", "fig_pufa"),
}
_RENAMED_V1 = {"reserve_named": "reserve_total_named"}
_GONE_V1 = ("has_tech", "has_law", "inspections", *(k for k, _ in _DUTY_V1))


def _figure(n: int, unit: str) -> dict[str, Any]:
    return {"text": str(n), "unit": unit, "value": str(n), "approx": False}


def _v1_to_v2(d: Draft) -> None:
    old = d.answers
    new: dict[str, Any] = {"profile": "科技局", "outline": "五项式"}  # the only wording and layout v1 had
    duty = [
        {"title": str(old[k].get("title") or default), "body": str(old[k].get("body", ""))}
        for k, default in _DUTY_V1
        if isinstance(old.get(k), dict)
    ]
    if duty:
        new["duty"] = duty
    for k, (nk, unit, gate) in _FIGURES_V1.items():
        if isinstance(old.get(k), int):
            new[nk] = _figure(old[k], unit)
            new[gate] = "填写"
    if isinstance(old.get("inspections"), int):
        new["other_figures"] = [{"name": "开展行政执法检查", **_figure(old["inspections"], "次")}]
    for k, v in old.items():
        if k not in _FIGURES_V1 and k not in _GONE_V1:
            new[_RENAMED_V1.get(k, k)] = v
    d.answers = new
    d.skipped = [_RENAMED_V1.get(k, k) for k in d.skipped if k not in _GONE_V1 and k not in _FIGURES_V1]
    d.open = [_RENAMED_V1.get(k, k) for k in d.open]
    d.partial = {}
    d.cursor = None


# (report type, version it upgrades from) -> the step that upgrades it by one version
STEPS: dict[tuple[str, int], Callable[[Draft], None]] = {("fazhi_zhengfu", 1): _v1_to_v2}


def upgrade(draft: Draft, version: int) -> Draft | None:
    """An upgraded copy of a draft saved under an older version (None if it is current or cannot be)."""
    if draft.schema_version >= version or (draft.report_type, draft.schema_version) not in STEPS:
        return None
    d = draft.copy()
    while d.schema_version < version and (step := STEPS.get((d.report_type, d.schema_version))):
        step(d)
        d.schema_version += 1
    return d
