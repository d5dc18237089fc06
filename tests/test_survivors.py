"""Promises of the README that a planted bug used to survive: each has a test of its own now."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogs.draft import Draft
from dialogs.engine import Engine
from dialogs.facts import check
from dialogs.importer import MAX_HEADING, parse
from dialogs.numbers import parse_figure
from dialogs.reminders import GRACE_DAYS, Schedule, due


def test_figures_in_different_units_are_never_added_up(types):
    v = types["fazhi_zhengfu"].variant_for({"profile": "科技局", "outline": "五项式"})
    d = Draft(id="s", user_id=1, report_type=v.id, schema_version=v.version)
    d.answers.update(profile="科技局", outline="五项式", fig_reserve="填写")
    d.answers.update(
        reserve_total=parse_figure("16", "家").to_json(),
        reserve_first=parse_figure("8", "家").to_json(),
        reserve_review=parse_figure("9", "人").to_json(),  # another unit: not comparable
    )
    assert Engine(v).check_failures(d) == []
    d.answers["reserve_review"] = parse_figure("9", "家").to_json()
    assert [f.total for f in Engine(v).check_failures(d)] == ["16家"]


@pytest.mark.parametrize("qualifier", ["近", "约", "超过"])
def test_the_fact_lock_keeps_a_figures_qualifier(qualifier):
    original = f"全年开展普法宣传{qualifier}30场。"
    assert check(original, "全年开展普法宣传30场。")  # the qualifier dropped: a changed fact
    assert not check(original, original)


def test_a_long_line_that_starts_like_a_heading_is_body_text():
    line = "一、" + "全面落实行政执法三项制度" * ((MAX_HEADING // 12) + 1)
    assert len(line) > MAX_HEADING
    imp = parse(["一、主要举措", line, "二、存在的问题"])
    assert [p.heading for p in imp.parts] == ["主要举措", "存在的问题"]
    assert imp.parts[0].intro == [line]
    short = parse(["一、主要举措", "二、" + "短" * (MAX_HEADING - 2)])
    assert len(short.parts) == 2


def test_a_missed_reminder_is_sent_within_the_grace_days_and_not_after():
    schedule = Schedule(dates=((2, 15),), hour=9)
    d = Draft(id="r", user_id=1, report_type="t", schema_version=1, remind=True)
    on_day = dt.datetime(2026, 2, 15, 10)
    assert due(d, on_day + dt.timedelta(days=GRACE_DAYS), schedule) == ["2026-02-15"]
    assert due(d, on_day + dt.timedelta(days=GRACE_DAYS + 1), schedule) == []
    assert GRACE_DAYS == 5  # the README promises five days
