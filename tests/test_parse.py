"""Typed input: integers, dates, choices, lists, cleaning."""

from __future__ import annotations

import pytest

from dialogs.parse import ParseError, clean, parse_date, parse_integer, split_items
from dialogs.schema import Question

Q = Question(id="n", label="后备企业", kind="integer", prompt="?", unit="家", minimum=0, example="16")


@pytest.mark.parametrize("text", ["16", "16家", "１６", "十六", "十六家", " 16 家 ", "１６家"])
def test_sixteen_in_every_form(text):
    assert parse_integer(text, Q) == 16


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("十", 10),
        ("一百二十", 120),
        ("三千零五", 3005),
        ("两万", 20000),
        ("1,200", 1200),
        ("二〇二四", 2024),
        ("90个", 90),
    ],
)
def test_other_numbers(text, value):
    assert parse_integer(text, Q) == value


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("很多", "请只输入一个数字"),
        ("-3", "负数"),
        ("3.5", "整数"),
        ("", "请只输入一个数字"),
        ("16家企业", "请只输入一个数字"),
        ("二三", "请只输入一个数字"),
    ],
)
def test_bad_numbers_explain_what_is_expected(text, fragment):
    with pytest.raises(ParseError) as info:
        parse_integer(text, Q)
    assert fragment in str(info.value)


def test_bounds():
    year = Question(id="y", label="年", kind="integer", prompt="?", unit="年", minimum=2019, maximum=2100)
    assert parse_integer("2024年", year) == 2024 == parse_integer("2024年度", year)
    with pytest.raises(ParseError, match="最小是 2019"):
        parse_integer("1999", year)


@pytest.mark.parametrize(
    "text",
    ["2025年1月20日", "2025-01-20", "2025.1.20", "2025/1/20", "２０２５年１月２０日", "20250120", "2025年01月20号"],
)
def test_dates(text):
    assert parse_date(text) == "2025-01-20"


@pytest.mark.parametrize(
    ("text", "fragment"), [("2025年2月30日", "不是有效日期"), ("明天", "格式"), ("2025-13-01", "不是有效日期")]
)
def test_bad_dates(text, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse_date(text)


def test_clean_strips_what_xml_cannot_hold():
    assert clean("  单位\x00名\x07称\ufffe ", multiline=False) == "单位名称"
    assert clean("第一段\r\n\r\n\r\n\r\n第二段\u2028第三段", multiline=True) == "第一段\n\n第二段\n第三段"
    assert clean("a\nb", multiline=False) == "a b"


def test_split_items_drops_numbering():
    assert split_items("1. 甲公司\n（二）乙公司；\n\n- 丙公司") == ["甲公司", "乙公司", "丙公司"]


# ---------------------------------------------------------------- figures as reports write them
FIG = Question(id="f", label="普法活动", kind="figure", prompt="?", unit="场", required=False)


@pytest.mark.parametrize(
    ("text", "unit", "printed", "approximate"),
    [
        ("30余场", "场", "30余场", True),
        ("30余", "场", "30余场", True),
        ("512多万元", "万元", "512多万元", True),
        ("近百人", "人", "近百人", True),
        ("100%", "%", "100%", False),
        ("１００％", "%", "100%", False),
        ("1.5万", "万元", "1.5万元", False),
        ("1.5万份", "份", "1.5万份", False),
        ("2800余份", "份", "2800余份", True),
        ("260余人次", "人次", "260余人次", True),
        ("约30次", "次", "约30次", True),
        ("十六家", "家", "16家", False),  # 公文 counts are printed in Arabic digits
        ("5120000元", "万元", "5120000元", False),  # the unit the user wrote is kept
    ],
)
def test_figures_keep_qualifier_and_unit_as_written(text, unit, printed, approximate):
    from dialogs.numbers import parse_figure

    f = parse_figure(text, unit)
    assert f.printed() == printed and f.approximate == approximate


@pytest.mark.parametrize(
    ("text", "value"), [("一百五", 150), ("两万五", 25000), ("二〇二四", 2024), ("三千零五", 3005)]
)
def test_chinese_numerals(text, value):
    q = Question(id="n", label="n", kind="integer", prompt="?")
    assert parse_integer(text, q) == value


@pytest.mark.parametrize(
    ("text", "why"),
    [("二三", "ambiguous"), ("十几", "unit"), ("很多", "not_a_number"), ("16家企业", "unit"), ("-3", "negative")]
    + [("一二十", "not_a_number")],
)
def test_ambiguous_or_wordy_figures_are_refused_with_a_hint(text, why):
    from dialogs.parse import _FIGURE_ERRORS, parse_figure_answer

    with pytest.raises(ParseError) as info:
        parse_figure_answer(text, FIG)
    assert info.value.key == why and str(info.value).startswith(_FIGURE_ERRORS[why].format(text=text))


def test_sums_compare_values_in_one_base_unit():
    from dialogs.numbers import parse_figure

    assert parse_figure("512万元", "万元").base() == parse_figure("5120000元", "元").base()


def test_named_figure_lines():
    from dialogs.parse import parse_named_figure

    q = Question(id="o", label="其他数字", kind="figures", prompt="?")
    assert parse_named_figure("发放宣传资料2800余份", q)["name"] == "发放宣传资料"
    assert parse_named_figure("开展法律咨询近百人次", q)["text"] == "近百"
    with pytest.raises(ParseError):
        parse_named_figure("没有数字", q)


# ---------------------------------------------------------------- pasted text
@pytest.mark.parametrize(
    ("text", "title", "removed"),
    [
        ("（一）（二）强化学习教育", "强化学习教育", ["（一）", "（二）"]),
        ("（一）一是普法宣传形式还比较单一", "普法宣传形式还比较单一", ["（一）", "一是"]),
        ("一、加强组织领导", "加强组织领导", ["一、"]),
        ("1.强化依法履职", "强化依法履职", ["1."]),
        ("第一，加强学习", "加强学习", ["第一，"]),
        ("第一责任人职责落实到位", "第一责任人职责落实到位", []),  # 第一 is a word here, not numbering
        ("1.5万元资金到位", "1.5万元资金到位", []),
    ],
)
def test_pasted_numbering_is_taken_off_titles(text, title, removed):
    from dialogs.cleanup import clean_title

    assert clean_title(text) == (title, removed)


@pytest.mark.parametrize(
    ("text", "unit", "ok"),
    [
        ("0.5%", "人次", False),  # a percentage for a person-times question
        ("1.5万余元", "场", False),  # money for a count of events
        ("260余人次", "人次", True),
        ("1.2万人次", "人次", True),
        ("30余场次", "场", True),  # 场次 is a count too
        ("98.6%", "%", True),
        ("86", "人", True),  # no unit written: the question's
    ],
)
def test_a_figure_of_the_wrong_kind_is_asked_again(text, unit, ok):
    from dialogs.parse import ParseError, parse_figure_answer
    from dialogs.schema import Question

    q = Question(id="f", label="受众", kind="figure", prompt="?", required=False, unit=unit)
    if ok:
        assert parse_figure_answer(text, q)["unit"] in (unit, "场次", "万人次")
    else:
        with pytest.raises(ParseError) as exc:
            parse_figure_answer(text, q)
        assert exc.value.key == "figure_kind"
