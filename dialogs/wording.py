"""Report vocabulary with one home: the closing 「现将……报告如下：」, openings' own lead-ins, year placeholders, forms.

The opening a user writes is printed as written. The report adds 「{年}年，{简称}」
in front only when the text has no lead-in of its own, and the default closing
only when the text has no closing of its own — never a second one.
"""

from __future__ import annotations

import re

# 「现将……报告如下：」「下面就……汇报如下：」「特将……报告如下」: a report's sentence that leads into the body.
AS_FOLLOWS = re.compile(
    r"(?:现(?:将|就|把|对)|下面(?:就|将|把|对)?|以下(?:就|将|把)?|特(?:将|此将)|今(?:将|就))"
    r"[^。：:！？]{0,60}?(?:报告|汇报|说明|总结)如下[。：:]?\s*$"
)
DEFAULT_CLOSING = "现将有关情况报告如下："
SELF_NAMES = (
    "我局",
    "我单位",
    "本局",
    "本单位",
    "我委",
    "本委",
    "我办",
    "本办",
    "我中心",
    "本中心",
    "我院",
    "本院",
    "我站",
)
YEAR = r"(?:20\d{2}|二〇[一二三四五六七八九〇]{2})年(?:度|以来|来)?"
# An opening that starts like this already has its own lead-in (time, purpose or circumstance).
_OWN_LEAD = re.compile(
    rf"^\s*(?:{YEAR}|今年以来|近年来|一年来|过去一年|本年度|年初以来|为(?!期)|在|按照|根据|围绕|自|紧紧围绕|以习近平)"
)


def own_closing(text: str) -> str:
    """The closing sentence the text ends with (「现将有关情况报告如下：」), or ''."""
    m = AS_FOLLOWS.search(text.strip())
    return m.group().strip() if m else ""


def strip_closing(text: str) -> str:
    """The text without its own closing sentence."""
    s = text.strip()
    m = AS_FOLLOWS.search(s)
    return s[: m.start()].rstrip() if m else s


def has_own_lead_in(text: str, names: tuple[str, ...] = ()) -> bool:
    """Whether an opening already says when or who: a year or time phrase first, or the unit named early on."""
    s = text.strip()
    if _OWN_LEAD.match(s):
        return True
    head = s[:40]
    return any(n and n in head for n in (*SELF_NAMES, *names))


def opening_lead_in(text: str, year: str, who: str, names: tuple[str, ...] = ()) -> str:
    """What the report puts before the opening: 「2024年，县科技局」, or '' when the text has its own."""
    return "" if has_own_lead_in(text, (who, *names)) else f"{year}年，{who}"


def fill_years(text: str, year: object) -> str:
    """A heading's {year} and {next} placeholders for the report year (20×× while it is unknown)."""
    if "{" not in text:
        return text
    if isinstance(year, int) or (isinstance(year, str) and year.isdigit()):
        return text.replace("{year}", str(year)).replace("{next}", str(int(year) + 1))
    return text.replace("{year}", "20××").replace("{next}", "20××")


# How a part's second-level items are laid out: (label shown to the user, style, heading level).
FORMS = (
    ("（一）标题单独一行", "sections", 2),
    ("（一）标题。正文接在后面", "lead", 2),
    ("1.标题单独一行", "num_sections", 3),
    ("1.标题。正文接在后面", "num_lead", 3),
)
FORM_STYLE = {label: style for label, style, _ in FORMS}
STYLE_LEVEL = {style: level for _, style, level in FORMS}
RUN_IN = frozenset({"lead", "num_lead"})
