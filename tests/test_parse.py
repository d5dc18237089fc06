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
    assert parse_integer("2024年", year) == 2024
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
