"""Numbers the way reports write them: 16, 十六, 一百五, 1.5万, 30余场, 512多万元, 近百人, 100%.

Chinese numerals are read with cn2an (a maintained converter); the guards here
refuse what cn2an would guess at (二三 could be 23 or "two or three"; 十几 is
not a number). A figure keeps the user's own text for printing ("30余") and a
value for checks (30, marked approximate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

# Full-width forms a phone keyboard or a Word file gives, as the half-width ones figures are read in.
HALF_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
HALF_WIDTH = str.maketrans("０１２３４５６７８９．％，：", "0123456789.%,:")
_CN_DIGITS = "零〇○一二三四五六七八九两"
_CN_CHARS = _CN_DIGITS + "十百千万亿点"
_DIGIT_BY_DIGIT = dict(zip("零〇○一二三四五六七八九", "000123456789", strict=True))
# Qualifiers reports use around a count: before it (近百人) or after it (30余场). The one home of this
# vocabulary: parse.py, facts.py and the figure finder below build their patterns from it.
QUALIFIERS = ("将近", "接近", "超过", "大约", "约", "近", "超", "逾")  # they change what a figure says
PREFIXES = (*QUALIFIERS, "共", "达")  # 共/达 do not
SUFFIXES = ("余", "多", "左右", "以上", "上下")
APPROXIMATE = frozenset({*QUALIFIERS, *SUFFIXES})


def alternation(words: tuple[str, ...] | frozenset[str]) -> str:
    """A regex alternation of words, longest first (将近 before 近)."""
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


# Units reports use (words, not symbols, except %), by family. This is the one home of
# the unit vocabulary: a figure's unit must be one of these, and the fact lock
# (dialogs/facts.py) reads the same list. The family says what a unit measures
# (a 人次 question is not answered with a percentage).
UNIT_FAMILIES: dict[str, tuple[str, ...]] = {
    "count": tuple(
        "家 个 项 件 起 宗 例 次 场 份 批 类 所 户 处 座 台 辆 套 艘 册 本 张 篇 条 期 单 笔 部 门 支 届 轮 堂"
        " 场次 批次 家次 户次 件次 车次 艘次 所次 架次 万户 万份 万册 万件".split()
    ),
    "person": ("人", "名", "位", "万人"),
    "person_times": ("人次", "万人次"),
    "money": ("元", "万元", "亿元"),
    "percentage": ("%",),
    "area": ("亩", "万亩", "公顷", "平方米", "万平方米", "平方公里"),
    "length": ("公里", "千米", "米"),
    "weight": ("吨", "万吨", "千克", "公斤"),
    "duration": ("天", "日", "小时", "课时", "学时"),
}
_FAMILY_OF = {u: family for family, units in UNIT_FAMILIES.items() for u in units}
UNITS = frozenset(_FAMILY_OF)
# Longest first, so a text is cut at 万人次 before 人次 before 人, 平方米 before 米, 场次 before 场.
UNITS_LONGEST_FIRST = tuple(sorted(UNITS, key=lambda u: (-len(u), u)))


def unit_family(unit: str) -> str:
    """What a unit measures: 'count', 'person', 'person_times', 'money', 'percentage', 'area', …; '' if unknown."""
    return _FAMILY_OF.get(unit, "")


def leading_unit(text: str) -> str:
    """The longest unit `text` starts with ('人次的' -> '人次', '平方米' -> '平方米'); '' if none."""
    return next((u for u in UNITS_LONGEST_FIRST if text.startswith(u)), "")


_NUMBER = re.compile(rf"^(?:\d+(?:\.\d+)?(?:[万亿]\d*)?|[{_CN_CHARS}\d.]+)")


class NumberError(ValueError):
    """Not a number we can read without guessing; `key` says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def normalise(text: str) -> str:
    """Full-width digits and signs to ASCII; spaces and thousands separators out."""
    s = text.translate(HALF_WIDTH).strip()
    s = re.sub(r"(?<=\d),(?=\d{3})", "", s)
    return s.replace(" ", "")


def chinese_to_number(s: str) -> Decimal:
    """A Chinese or mixed numeral (一百五, 两万五, 1.5万, 二〇二四) as a number; NumberError if ambiguous."""
    if not s:
        raise NumberError("not_a_number")
    if len(s) >= 3 and all(c in _DIGIT_BY_DIGIT for c in s):  # 二〇二四, read digit by digit
        return Decimal("".join(_DIGIT_BY_DIGIT[c] for c in s))
    if len(s) == 2 and all(c in _CN_DIGITS for c in s) and "零" not in s and "〇" not in s:
        raise NumberError("ambiguous")  # 二三: 23, or "two or three"?
    if s[0] in "百千万亿":
        s = "一" + s  # 百 -> 一百 (as in 近百人)
    if s.endswith("点"):
        raise NumberError("not_a_number")
    try:
        value = cn2an.cn2an(s, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        raise NumberError("not_a_number") from None
    return Decimal(str(value))


def read_number(s: str) -> Decimal:
    """Arabic (16, 1.5, 1.5万, 2万5) or Chinese numerals as a number; NumberError otherwise."""
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return Decimal(s)
    if re.fullmatch(r"\d+(?:\.\d+)?[万亿]", s):
        return Decimal(s[:-1]) * (10000 if s[-1] == "万" else 100000000)
    return chinese_to_number(s)


@dataclass(frozen=True)
class Figure:
    """A figure as written: `text` is the number with its qualifiers (30余, 近百, 1.5万), `unit` its unit."""

    text: str
    unit: str
    value: Decimal
    approximate: bool

    def base(self) -> tuple[Decimal, str]:
        """Value and unit with 万/亿 folded into the value (5120000, 元): what sums compare."""
        if self.unit[:1] in ("万", "亿") and len(self.unit) > 1:
            return self.value * (10000 if self.unit[0] == "万" else 100000000), self.unit[1:]
        return self.value, self.unit

    def printed(self) -> str:
        """Exactly what the report prints: 30余场, 512多万元, 近百人, 100%."""
        return self.text + self.unit

    def to_json(self) -> dict[str, str | bool]:
        return {"text": self.text, "unit": self.unit, "value": str(self.value), "approx": self.approximate}

    @classmethod
    def from_json(cls, data: object) -> Figure | None:
        """A stored figure (also accepts a bare int from older drafts); None if it is not one."""
        if isinstance(data, bool):
            return None
        if isinstance(data, int):
            return cls(str(data), "", Decimal(data), False)
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            try:
                value = Decimal(str(data.get("value", "0")))
            except InvalidOperation:
                return None
            return cls(data["text"], str(data.get("unit", "")), value, bool(data.get("approx")))
        return None


def _strip_prefix(s: str) -> tuple[str, str]:
    for p in PREFIXES:
        if s.startswith(p) and len(s) > len(p):
            return p, s[len(p) :]
    return "", s


def plain(n: Decimal) -> str:
    """16, 1.5: a number in Arabic digits, no exponent, no trailing zeros."""
    text = format(n.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_figure(text: str, default_unit: str = "") -> Figure:
    """Read '30余场', '512多万元', '近百人', '100%', '1.5万', '十六家', '百分之九十五'; NumberError if not a figure.

    The unit the user wrote is kept (so '5120000元' stays as written); with none,
    the question's unit is used.
    """
    s = normalise(text)
    if s.startswith("百分之"):
        return Figure(s, "", read_number(s[3:]), False)  # printed as written
    if s.startswith("-"):
        raise NumberError("negative")
    prefix, rest = _strip_prefix(s)
    m = _NUMBER.match(rest)
    if not m:
        raise NumberError("not_a_number")
    number, tail = m.group(0), rest[m.end() :]
    # 512多万元: the qualifier may sit between the number and 万.
    suffix = next((x for x in SUFFIXES if tail.startswith(x)), "")
    tail = tail[len(suffix) :]
    scale = ""
    if tail[:1] in ("万", "亿") and not number.endswith(("万", "亿")):
        scale, tail = tail[0], tail[1:]
    if number.endswith("点"):
        raise NumberError("not_a_number")
    value = read_number(number)
    if scale:
        value *= 10000 if scale == "万" else 100000000
    written_scale = scale or (number[-1] if number.endswith(("万", "亿")) else "")
    if written_scale and not tail and default_unit.startswith(written_scale) and len(default_unit) > 1:
        tail = default_unit[1:]  # '1.5万' for a 万元 question: 1.5万元
    unit = tail or default_unit
    if unit and unit not in UNITS:
        raise NumberError("unit")  # '16家企业' is a sentence, not a figure
    if not re.search(r"\d", number) and number not in ("百", "千", "万", "亿"):
        number = plain(value if not scale else read_number(number))  # 公文 counts in Arabic digits: 十六 -> 16
    shown = prefix + number + suffix + scale
    return Figure(shown, unit, value, bool(prefix or suffix) and (prefix or suffix) in APPROXIMATE)


def parse_count(text: str) -> int:
    """A whole number for integer questions (years, counts): Arabic or Chinese; NumberError otherwise."""
    s = normalise(text)
    if re.fullmatch(r"-\d+", s):
        raise NumberError("negative")
    if re.fullmatch(r"\d+\.\d+", s):
        raise NumberError("decimal")
    if re.fullmatch(r"\d{1,9}", s):
        return int(s)
    if not s or any(c not in _CN_CHARS for c in s) or "点" in s:
        raise NumberError("not_a_number")
    value = chinese_to_number(s)
    if value != value.to_integral_value():
        raise NumberError("decimal")
    return int(value)


_IN_TEXT = re.compile(
    rf"(?:{alternation(QUALIFIERS)})?(?<![\d.])\d+(?:\.\d+)?(?:余|多)?(?:万|亿)?(?:余|多)?"
    rf"(?:{'|'.join(re.escape(u) for u in UNITS_LONGEST_FIRST)})"
)


def figures_in(text: str) -> list[str]:
    """The figures a text states, each as written with its unit: 「近30场」「1.2万余份」「38.6万元」「100%」."""
    return [m.group() for m in _IN_TEXT.finditer(text)]
