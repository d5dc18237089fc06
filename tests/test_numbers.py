"""Figure units any bureau writes: each is read and printed as written, the longest unit wins, each has a family."""

from __future__ import annotations

import pytest

from dialogs.facts import facts
from dialogs.numbers import UNIT_FAMILIES, UNITS, leading_unit, parse_figure, unit_family
from dialogs.parse import parse_named_figure
from dialogs.schema import Question

# The units the issue lists, and the others every bureau's reports use.
BUREAU_UNITS = (
    "场次 批次 起 宗 户次 人次 万人次 车次 个 项 条 元 万元 亿元 亩 平方米 公里"
    " 家次 件次 艘次 吨 公顷 万亩 千米 米 份 册 本 期 批 类 所 名 位 户 处 座 台 辆 套 万份 万册"
).split()


@pytest.mark.parametrize("unit", BUREAU_UNITS)
def test_every_bureau_unit_is_read_and_printed_as_written(unit):
    f = parse_figure(f"220余{unit}", "")
    assert (f.printed(), f.approximate) == (f"220余{unit}", True)
    assert f.unit == unit or f.text.endswith(unit[0]) and f.unit == unit[1:]  # 220余万 + 元
    assert unit_family(f.unit) == unit_family(unit)


@pytest.mark.parametrize(
    ("text", "default", "printed", "unit"),
    [
        ("220余场次", "场", "220余场次", "场次"),  # the user's unit wins over the question's
        ("2150批次", "批次", "2150批次", "批次"),
        ("1.2万人次", "人次", "1.2万人次", "人次"),
        ("1.2", "万人次", "1.2万人次", "万人次"),
        ("3.5万平方米", "平方米", "3.5万平方米", "平方米"),
        ("近千亩", "亩", "近千亩", "亩"),
        ("约86公里", "", "约86公里", "公里"),
        ("36起", "", "36起", "起"),
        ("1.5万车次", "车次", "1.5万车次", "车次"),
    ],
)
def test_figures_in_new_units(text, default, printed, unit):
    f = parse_figure(text, default)
    assert (f.printed(), f.unit) == (printed, unit)


def test_ten_thousand_person_times_compare_with_person_times():
    assert parse_figure("1.2万人次", "人次").base() == parse_figure("1.2", "万人次").base() == (12000, "人次")


def test_a_named_figure_line_with_a_bureau_unit_is_accepted():
    q = Question(id="o", label="其他数字", kind="figures", prompt="?")
    got = parse_named_figure("抽检农资产品2150批次", q)
    assert (got["name"], got["text"], got["unit"]) == ("抽检农资产品", "2150", "批次")


@pytest.mark.parametrize(
    ("text", "unit"),
    [("万人次的", "万人次"), ("人次", "人次"), ("人员", "人"), ("平方米", "平方米"), ("米", "米"), ("场次", "场次")],
)
def test_longest_unit_wins(text, unit):
    assert leading_unit(text) == unit


def test_the_fact_lock_reads_the_same_units_longest_first():
    found = facts("开展检查220余场次，抽检2150批次，服务1.2万人次，整治3.5万平方米，检查3家近20人。").numbers
    assert found == ("220余场次", "2150批次", "1.2万人次", "3.5万平方米", "3家", "近20人")


@pytest.mark.parametrize(
    ("unit", "family"),
    [
        ("人次", "person_times"),
        ("万人次", "person_times"),
        ("人", "person"),
        ("%", "percentage"),
        ("万元", "money"),
        ("亩", "area"),
        ("平方米", "area"),
        ("公里", "length"),
        ("吨", "weight"),
        ("批次", "count"),
        ("家次", "count"),
        ("小时", "duration"),
        ("", ""),
        ("企业", ""),
    ],
)
def test_unit_family(unit, family):
    assert unit_family(unit) == family


def test_every_unit_has_exactly_one_family():
    listed = [u for units in UNIT_FAMILIES.values() for u in units]
    assert len(listed) == len(set(listed)) == len(UNITS)
    assert all(unit_family(u) for u in UNITS)
