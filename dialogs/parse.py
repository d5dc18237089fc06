"""Clean and parse what users type. Every failure is a ParseError with a Chinese message."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .numbers import HALF_WIDTH_DIGITS, PREFIXES, NumberError, alternation, parse_count, parse_figure, unit_family
from .schema import Question

# Characters XML 1.0 cannot hold (and so a DOCX cannot), plus zero-width noise.
# Characters XML 1.0 cannot hold (and so a DOCX cannot), zero-width noise, and direction controls
# (U+202E and friends would reverse text in the DOCX and in file names).
_XML_BAD = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff\u200b\u200c\u200d\u2060\ufeff"
    "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]"
)
_MEASURE_WORDS = "家个项次件人场篇名所条期批"


class ParseError(ValueError):
    """The input cannot be accepted; str(error) is a Chinese message for the user, `key` says why."""

    def __init__(self, message: str, key: str = "invalid") -> None:
        super().__init__(message)
        self.key = key


def clean(text: str, *, multiline: bool) -> str:
    """Trim, drop characters a DOCX cannot store, normalise line breaks and spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _XML_BAD.sub("", text)
    text = text.replace("\t", " ").replace("\u3000", " ")
    if not multiline:
        return re.sub(r"\s+", " ", text).strip()
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    # Keep paragraph breaks, but never more than one blank between paragraphs.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def parse_integer(text: str, q: Question) -> int:
    """Accept 16, 16家, １６, 十六, 一百五, 1,200; reject anything else with a hint."""
    unit = q.unit or "个"
    s = clean(text, multiline=False).translate(HALF_WIDTH_DIGITS).replace(" ", "")
    if q.unit == "年" and s.endswith("年度"):  # 2024年度
        s = s[:-2]
    elif q.unit and s.endswith(q.unit):
        s = s[: -len(q.unit)]
    elif s and s[-1] in _MEASURE_WORDS:
        s = s[:-1]
    try:
        value = parse_count(s)
    except NumberError as exc:
        if exc.key == "negative":
            raise ParseError("数量不能是负数，请输入 0 或正整数。", "negative") from None
        if exc.key == "decimal":
            raise ParseError("请输入整数，不要带小数。", "decimal") from None
        sample = q.example if q.example.isdigit() else "16"
        skip = "" if q.required else "没有可以点“跳过”。"
        raise ParseError(f"请只输入一个数字，例如“{sample}”或“{sample}{unit}”。{skip}", "not_a_number") from None
    if q.minimum is not None and value < q.minimum:
        raise ParseError(f"数字太小了：最小是 {q.minimum}。", "too_small")
    if q.maximum is not None and value > q.maximum:
        raise ParseError(f"数字太大了：最大是 {q.maximum}。", "too_big")
    return value


_FIGURE_ERRORS = {
    "negative": "数字不能是负数。",
    "ambiguous": "“{text}”有歧义，请用阿拉伯数字写，例如“23”或“2至3”写成“3”。",
    "unit": "请只写数字和单位，例如“30余场”“1.5万元”“95%”，说明文字请写在段落里。",
    "not_a_number": "请写一个数字，可带“余/多/近/约”和单位，例如“30余场”“512多万元”“近百人”“95%”。",
}


def figure_error(exc: NumberError, text: str, q: Question) -> ParseError:
    """A figure that cannot be read, as a Chinese message keyed by why (negative, ambiguous, unit, not_a_number)."""
    skip = "" if q.required else "没有可以点“跳过”。"
    return ParseError(_FIGURE_ERRORS[exc.key].format(text=text[:10]) + skip, exc.key)


def parse_figure_answer(text: str, q: Question) -> dict[str, Any]:
    """A figure as written (30余场, 512多万元, 近百人, 100%), kept for printing and checks."""
    s = clean(text, multiline=False)
    if len(s) > 30:
        raise ParseError("这里只写数字和单位，例如“30余场”。说明文字请写在段落里。", "too_long")
    try:
        fig = parse_figure(s, q.unit)
    except NumberError as exc:
        raise figure_error(exc, s, q) from None
    if q.unit and unit_family(fig.unit) != unit_family(q.unit):  # 0.5% for a 人次 question, 万余元 for 场
        family = FAMILY_WORDS.get(unit_family(q.unit), "数量")
        raise ParseError(
            f"这一题要填{family}（单位“{q.unit}”），“{s[:10]}”对不上。请重新输入，例如“30{q.unit}”。", "figure_kind"
        )
    return fig.to_json()


# What each unit family is called in a message: 这一题要填人次.
FAMILY_WORDS = {
    "count": "个数",
    "person": "人数",
    "person_times": "人次",
    "money": "金额",
    "percentage": "百分比",
    "area": "面积",
    "length": "长度",
    "weight": "重量",
    "duration": "时长",
}


_NAMED = re.compile(
    rf"^(?P<name>.*?[^\d\s.,，、：:])[\s：:]*(?P<fig>(?:{alternation(PREFIXES)})?[\d０-９一二三四五六七八九十百千万两〇零].*)$"
)


def parse_named_figure(line: str, q: Question) -> dict[str, Any]:
    """One line of 其他数字: what was done and the figure, e.g. 发放宣传资料2800余份."""
    m = _NAMED.match(line.strip())
    if not m:
        raise ParseError(
            f"“{line[:20]}”里没找到数字。每行写：做了什么 + 数字 + 单位，例如“发放宣传资料2800余份”。", "not_a_number"
        )
    try:
        fig = parse_figure(m.group("fig"), "")
    except NumberError as exc:
        raise figure_error(exc, m.group("fig"), q) from None
    return {"name": m.group("name").strip(" ：:"), **fig.to_json()}


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(text: str) -> str:
    """Accept 2025年1月20日, 2025-01-20, 2025.1.20, 2025/1/20, 20250120; return ISO text."""
    s = clean(text, multiline=False).translate(HALF_WIDTH_DIGITS).replace(" ", "").replace("．", ".")
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return dt.date(y, mo, d).isoformat()
            except ValueError:
                raise ParseError(f"{y}年{mo}月{d}日 不是有效日期，请检查月份和日子。", "bad_date") from None
    raise ParseError("请按“2025年1月20日”或“2025-01-20”的格式输入日期。", "not_a_date")


def format_date(iso: str) -> str:
    """2025-01-20 -> 2025年1月20日 (GB/T 9704: Arabic digits, no padding zeros)."""
    d = dt.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def check_length(text: str, q: Question) -> str:
    """Refuse an answer longer than the question allows (the user keeps their text in chat)."""
    if q.max_length and len(text) > q.max_length:
        raise ParseError(f"内容太长（{len(text)}字），请精简到{q.max_length}字以内后重新发送。", "too_long")
    return text


def parse_choice(text: str, q: Question) -> str:
    """Match an option by its text or its number in the list (1, 2, …)."""
    s = clean(text, multiline=False)
    for opt in q.options:
        if s == opt:
            return opt
    digits = s.translate(HALF_WIDTH_DIGITS)
    if digits.isdigit() and 1 <= int(digits) <= len(q.options):
        return q.options[int(digits) - 1]
    listed = "、".join(f"“{o}”" for o in q.options)
    raise ParseError(f"请点下面的按钮，或回复 {listed} 之一。", "not_an_option")


def split_items(text: str) -> list[str]:
    """A list answer: one item per line; leading numbering like '1.' or '（一）' is dropped."""
    items = []
    for line in clean(text, multiline=True).split("\n"):
        line = re.sub(r"^\s*(?:\d{1,3}[.、．)）]|[（(][一二三四五六七八九十\d]{1,3}[)）]|[-•·*])\s*", "", line)
        line = line.strip().rstrip("；;")
        if line:
            items.append(line)
    return items


def parse_scalar(text: str, q: Question) -> str | int | dict[str, Any]:
    """Parse one answer for any single-value kind; raise ParseError with a message."""
    if q.kind == "integer":
        return parse_integer(text, q)
    if q.kind == "figure":
        return parse_figure_answer(text, q)
    if q.kind == "date":
        return parse_date(text)
    if q.kind == "choice":
        return parse_choice(text, q)
    value = clean(text, multiline=q.kind == "paragraph")
    if not value:
        raise ParseError("内容是空的，请重新输入。", "empty")
    return check_length(value, q)
