"""Word's automatic numbering as Word displays it: numbering.xml levels, styles' numPr, counters, restarts.

A paragraph is numbered by its own `w:numPr` or by its style's (through `basedOn`), `numId 0`
switching it off. Each `w:num` points at an abstract list (its levels: numFmt, lvlText, start,
lvlRestart), possibly with level overrides and startOverride. Counters are kept per abstract
list, as Word continues a list across `w:num` instances that share one; a `w:num` with a
startOverride restarts those levels where it is first used. Using a level resets the deeper
levels (unless their lvlRestart says otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS = {"w": W, "mc": MC}
LEVELS = 9


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _val(el: etree._Element | None, child: str | None = None) -> str | None:
    """The w:val of `el` (or of its child `child`), None when absent."""
    if el is not None and child is not None:
        el = el.find(_w(child))
    return None if el is None else el.get(_w("val"))


def _int(text: str | None, default: int | None = None) -> int | None:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


# --- number formats -------------------------------------------------------------------------

CN_DIGITS = "〇一二三四五六七八九"
CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
TW_LEGAL = "零壹貳參肆伍陸柒捌玖"
STEMS = "甲乙丙丁戊己庚辛壬癸"
BRANCHES = "子丑寅卯辰巳午未申酉戌亥"


def counting(n: int, digits: str = CN_DIGITS, units: str = "十百千") -> str:
    """1..9999 in a Chinese counting system: 1 一, 10 十, 12 十二, 20 二十, 101 一百零一 (decimal beyond)."""
    if not 0 < n < 10000:
        return str(n)
    parts: list[str] = []
    gap = False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        digit = n // power % 10
        if digit == 0:
            gap = gap or bool(parts)
            continue
        parts.append(("零" if gap else "") + digits[digit] + unit)
        gap = False
    text = "".join(parts)
    return text[1:] if 10 <= n < 20 and units[0] == "十" else text  # 十二, not 一十二


def _enclosed(n: int, ranges: tuple[tuple[int, int, int], ...]) -> str:
    """n as the character of the first (first, last, codepoint of first) range holding it; decimal otherwise."""
    for lo, hi, cp in ranges:
        if lo <= n <= hi:
            return chr(cp + n - lo)
    return str(n)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, sym in zip(
        (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1),
        ("M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"),
        strict=True,
    ):
        count, n = divmod(n, value)
        out += sym * count
    return out


def _letter(n: int) -> str:
    """Word's letters: A..Z, then AA, BB, ... (the letter repeated)."""
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


def _cycle(n: int, chars: str) -> str:
    return chars[n - 1] if 0 < n <= len(chars) else str(n)


_CIRCLED = ((1, 20, 0x2460), (21, 35, 0x3251), (36, 50, 0x32B1))
FORMATS = {
    "decimal": str,
    "decimalHalfWidth": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}),
    "decimalFullWidth2": lambda n: str(n).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}),
    "decimalEnclosedCircle": lambda n: _enclosed(n, _CIRCLED),
    "decimalEnclosedCircleChinese": lambda n: _enclosed(n, _CIRCLED),
    "decimalEnclosedParen": lambda n: _enclosed(n, ((1, 20, 0x2474),)),
    "decimalEnclosedFullstop": lambda n: _enclosed(n, ((1, 20, 0x2488),)),
    "chineseCounting": counting,
    "chineseCountingThousand": counting,
    "taiwaneseCounting": counting,
    "taiwaneseCountingThousand": counting,
    "japaneseCounting": counting,
    "chineseLegalSimplified": lambda n: counting(n, CN_LEGAL, "拾佰仟"),
    "ideographLegalTraditional": lambda n: counting(n, TW_LEGAL, "拾佰仟"),
    "ideographDigital": lambda n: "".join(CN_DIGITS[int(d)] for d in str(n)),
    "taiwaneseDigital": lambda n: "".join(CN_DIGITS[int(d)] for d in str(n)),
    "ideographTraditional": lambda n: _cycle(n, STEMS),
    "ideographZodiac": lambda n: _cycle(n, BRANCHES),
    "ideographEnclosedCircle": lambda n: _enclosed(n, ((1, 10, 0x3280),)),
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "upperLetter": _letter,
    "lowerLetter": lambda n: _letter(n).lower(),
    "none": lambda n: "",
}


def render(fmt: str, n: int) -> str:
    """n in a Word numFmt; formats not listed (ordinal, cardinalText, ...) are shown as decimal."""
    return FORMATS.get(fmt, str)(n)


# --- definitions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """One level of a list: w:numFmt, w:lvlText, w:start, w:lvlRestart (None: after any higher level), w:isLgl."""

    fmt: str = "decimal"
    text: str = ""
    start: int = 1
    restart: int | None = None
    legal: bool = False


def _level(lvl: etree._Element, base: Level = Level()) -> Level:
    """A w:lvl element read over `base` (an override only states what it changes)."""
    fmt = lvl.find(_w("numFmt"))
    if fmt is None:  # Word 2010+ puts custom formats in mc:AlternateContent with a plain fallback
        fmt = lvl.find(f"{{{MC}}}AlternateContent/{{{MC}}}Fallback/{_w('numFmt')}")
    legal = lvl.find(_w("isLgl"))
    return Level(
        fmt=_val(fmt) or base.fmt,
        text=_val(lvl, "lvlText") if lvl.find(_w("lvlText")) is not None else base.text,
        start=_int(_val(lvl, "start"), base.start),
        restart=_int(_val(lvl, "lvlRestart"), base.restart),
        legal=base.legal if legal is None else _val(legal) not in ("0", "false", "off"),
    )


@dataclass
class Num:
    """A w:num: its abstract list, level overrides and startOverride values."""

    abstract: str
    levels: dict[int, Level] = field(default_factory=dict)
    starts: dict[int, int] = field(default_factory=dict)


@dataclass
class Style:
    """What numbering needs of a paragraph style."""

    based_on: str | None = None
    num_id: str | None = None
    ilvl: int | None = None


def _num_pr(ppr: etree._Element | None) -> tuple[str | None, int | None]:
    num = ppr.find(_w("numPr")) if ppr is not None else None
    if num is None:
        return None, None
    return _val(num, "numId"), _int(_val(num, "ilvl"))


def read_styles(root: etree._Element | None) -> tuple[dict[str, Style], str | None]:
    """Paragraph styles by id, and the default paragraph style's id."""
    styles: dict[str, Style] = {}
    default = None
    for st in root.iterfind(_w("style")) if root is not None else ():
        sid = st.get(_w("styleId"))
        if sid is None or st.get(_w("type"), "paragraph") not in ("paragraph", "numbering"):
            continue
        num_id, ilvl = _num_pr(st.find(_w("pPr")))
        styles[sid] = Style(_val(st, "basedOn"), num_id, ilvl)
        if st.get(_w("default")) in ("1", "true", "on") and st.get(_w("type"), "paragraph") == "paragraph":
            default = sid
    return styles, default


class Numbering:
    """Numbers of a document's paragraphs in order; call `label` once per body paragraph."""

    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None) -> None:
        self.styles, self.default_style = read_styles(styles)
        self.abstracts: dict[str, dict[int, Level]] = {}
        self.links: dict[str, str] = {}  # abstractNum with numStyleLink -> the numbering style
        self.style_levels: dict[tuple[str, str], int] = {}  # (abstract id, paragraph style) -> ilvl
        self.nums: dict[str, Num] = {}
        if numbering is not None:
            self._read(numbering)
        self.counters: dict[str, list[int | None]] = {}
        self.pending: dict[str, dict[int, int]] = {}  # start values a first-used w:num set
        self.seen: set[str] = set()

    def _read(self, root: etree._Element) -> None:
        for ab in root.iterfind(_w("abstractNum")):
            aid = ab.get(_w("abstractNumId"), "")
            levels = {}
            for lvl in ab.iterfind(_w("lvl")):
                ilvl = _int(lvl.get(_w("ilvl")), 0)
                levels[ilvl] = _level(lvl)
                if (pstyle := _val(lvl, "pStyle")) is not None:
                    self.style_levels[(aid, pstyle)] = ilvl
            self.abstracts[aid] = levels
            if (link := _val(ab, "numStyleLink")) is not None:
                self.links[aid] = link
        for num in root.iterfind(_w("num")):
            entry = Num(_val(num, "abstractNumId") or "")
            for ov in num.iterfind(_w("lvlOverride")):
                ilvl = _int(ov.get(_w("ilvl")), 0)
                if (start := _int(_val(ov, "startOverride"))) is not None:
                    entry.starts[ilvl] = start
                if (lvl := ov.find(_w("lvl"))) is not None:
                    entry.levels[ilvl] = _level(lvl, self.abstracts.get(entry.abstract, {}).get(ilvl, Level()))
            self.nums[num.get(_w("numId"), "")] = entry

    def _style_num(self, style: str | None) -> tuple[str | None, int | None]:
        """numId and ilvl a style gives (its own or inherited through basedOn), each None when none does."""
        num_id = ilvl = None
        for _ in range(20):  # a basedOn cycle must not hang the reader
            st = self.styles.get(style or "")
            if st is None:
                break
            num_id = num_id if num_id is not None else st.num_id
            ilvl = ilvl if ilvl is not None else st.ilvl
            style = st.based_on
        return num_id, ilvl

    def _abstract(self, num: Num) -> str:
        """The abstract list a w:num uses, following a numStyleLink to the list style's own list once."""
        link = self.links.get(num.abstract)
        if link is not None:
            target = self.nums.get(self._style_num(link)[0] or "")
            if target is not None and target.abstract in self.abstracts:
                return target.abstract
        return num.abstract

    def label(self, ppr: etree._Element | None) -> str:
        """The number Word shows in front of a paragraph with these properties ("" when none), counting it."""
        style = _val(ppr, "pStyle") if ppr is not None else None
        style = style if style is not None else self.default_style
        num_id, ilvl = _num_pr(ppr)
        style_num, style_ilvl = self._style_num(style)
        num_id = num_id if num_id is not None else style_num
        num = self.nums.get(num_id or "")
        if num is None or num_id == "0":
            return ""
        aid = self._abstract(num)
        if ilvl is None:
            ilvl = style_ilvl if style_ilvl is not None else self.style_levels.get((aid, style or ""), 0)
        ilvl = min(max(ilvl, 0), LEVELS - 1)
        levels = [num.levels.get(i) or self.abstracts.get(aid, {}).get(i) or Level() for i in range(LEVELS)]
        counters = self._count(aid, num_id or "", num, ilvl, levels)
        return self._text(levels, ilvl, counters)

    def _count(self, aid: str, num_id: str, num: Num, ilvl: int, levels: list[Level]) -> list[int | None]:
        counters = self.counters.setdefault(aid, [None] * LEVELS)
        pending = self.pending.setdefault(aid, {})
        if num_id not in self.seen:  # a w:num's startOverride restarts its levels where it is first used
            self.seen.add(num_id)
            for i, start in num.starts.items():
                if 0 <= i < LEVELS:
                    counters[i] = None
                    pending[i] = start
        current = counters[ilvl]
        counters[ilvl] = pending.pop(ilvl, levels[ilvl].start) if current is None else current + 1
        for deeper in range(ilvl + 1, LEVELS):
            restart = levels[deeper].restart
            if restart is None or (restart != 0 and ilvl < restart):
                counters[deeper] = None
        return counters

    def _text(self, levels: list[Level], ilvl: int, counters: list[int | None]) -> str:
        """The level's lvlText with each %N replaced by level N's counter in its own format."""
        if levels[ilvl].fmt == "bullet":
            return ""  # a bullet is a mark, not a number the importer could read

        def one(m: re.Match[str]) -> str:
            i = int(m.group(1)) - 1
            value = counters[i] if counters[i] is not None else levels[i].start
            fmt = "decimal" if levels[ilvl].legal and levels[i].fmt != "none" else levels[i].fmt
            return render(fmt, value or 0)

        return re.sub(r"%([1-9])", one, levels[ilvl].text)
