"""The fact lock: what a rewrite must keep (numbers as written, 《titles》, dates, names) and may not add.

Facts are compared as written, after full-width characters are made half-width:
「1.5万元」 and 「15000元」 are different facts, and so are 「30余场」 and 「30场」. The
check is mechanical on purpose: a suggestion that fails it is never shown as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .numbers import UNITS

_HALF = str.maketrans("０１２３４５６７８９．％，：", "0123456789.%,:")
_DATE = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}[日号])?|\d{1,2}月\d{1,2}[日号]|\d{4}年(?:度|以来|底|初)?")
_QUAL = r"(?:将近|接近|近|大约|约|超过|超|逾)?"  # words that change a figure's meaning (共/达 do not)
_PERCENT_CN = re.compile(r"百分之[零〇一二三四五六七八九十百点]+")
_TITLE = re.compile(r"《[^》]{1,60}》")
_QUOTED = re.compile(r"“[^”]{2,30}”")
_ORG = re.compile(
    r"[\u4e00-\u9fff（）()]{2,30}?(?:有限责任公司|有限公司|股份公司|集团|公司|医院|学校|大学|中心|协会|委员会|研究院|研究所)"
)
# Unit words a number may carry (the figure units of dialogs/numbers.py, longest first, and a few
# more words a count can take in running text): anything else after the digits is the next word.
_UNIT_WORDS = tuple(sorted((UNITS - {"%"}) | {"年", "月", "倍", "岁"}, key=lambda u: (-len(u), u)))
_NUMBER = re.compile(
    _QUAL + r"\d+(?:,\d{3})*(?:\.\d+)?(?:余|多)?(?:万|亿)?(?:%|" + "|".join(map(re.escape, _UNIT_WORDS)) + ")?"
)


@dataclass(frozen=True)
class Facts:
    """The facts of one text, each as written (half-width)."""

    numbers: tuple[str, ...]
    titles: tuple[str, ...]
    dates: tuple[str, ...]
    names: tuple[str, ...]

    def all(self) -> tuple[str, ...]:
        return (*self.dates, *self.numbers, *self.titles, *self.names)


def _number_with_unit(match: str) -> str:
    """'3次' stays; '3家企业' becomes '3家'; '11件，' never reaches here; '100%' stays."""
    m = re.match(_QUAL + r"\d+(?:,\d{3})*(?:\.\d+)?(?:余|多)?(?:万|亿)?%?", match)
    head = m.group(0) if m else match
    rest = match[len(head) :]
    unit = next((u for u in _UNIT_WORDS if rest.startswith(u)), "")
    return (head + unit).replace(",", "")


def facts(text: str) -> Facts:
    """Numbers with their qualifier and unit, 《titles》, dates and names in a text."""
    s = text.translate(_HALF)
    dates = tuple(m.group(0) for m in _DATE.finditer(s))
    rest = _DATE.sub(" ", s)
    numbers = [_number_with_unit(m.group(0)) for m in _NUMBER.finditer(rest)]
    numbers += [m.group(0) for m in _PERCENT_CN.finditer(rest)]
    names = [m.group(0) for m in _QUOTED.finditer(s)] + [m.group(0) for m in _ORG.finditer(s)]
    return Facts(tuple(numbers), tuple(m.group(0) for m in _TITLE.finditer(s)), dates, tuple(names))


def _core_name(name: str) -> str:
    """A name's own words: its suffix and the four characters before it (a verb in front is not part of it)."""
    if name.startswith("“"):
        return name
    suffix = next((x for x in _ORG_SUFFIXES if name.endswith(x)), "")
    return name[-(len(suffix) + 4) :]


_ORG_SUFFIXES = sorted(
    "有限责任公司 有限公司 股份公司 集团 公司 医院 学校 大学 中心 协会 委员会 研究院 研究所".split(),
    key=len,
    reverse=True,
)


def violations(original: str, rewrite: str) -> list[str]:
    """What the rewrite dropped or added, in words for the user and for the model's second try."""
    before, after = facts(original), facts(rewrite)
    kept = rewrite.translate(_HALF)
    out = [
        f"少了“{x}”" for x in dict.fromkeys((*before.dates, *before.numbers, *before.titles)) if x not in after.all()
    ]
    out += [f"少了“{_core_name(x)}”" for x in dict.fromkeys(before.names) if _core_name(x) not in kept]
    added = (*after.numbers, *after.titles, *after.dates)
    out += [f"多了“{x}”" for x in dict.fromkeys(added) if x not in before.all()]
    return out
