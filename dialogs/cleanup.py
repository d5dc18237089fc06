"""Tidy text pasted from last year's Word file: numbering before titles, year and unit before the opening.

Each cleaner returns the text and what it removed, so the user can be told.
The report adds its own numbering, year and unit; pasted ones would double them.
"""

from __future__ import annotations

import re

_CN = "一二三四五六七八九十"
# Leading numbering: 一、 （一） (1) 1. 1、 ① 第一， 一是 首先，
_NUMBERING = re.compile(
    rf"^\s*(?:[{_CN}]{{1,3}}\s*[、.．]"
    rf"|[（(]\s*[{_CN}\d]{{1,3}}\s*[)）]"
    r"|\d{1,2}\s*(?:[、．)）]|\.(?!\d))"
    r"|[①-⑳]"
    rf"|第[{_CN}]{{1,3}}[，,、：:]"
    rf"|[{_CN}]{{1,2}}是[，,：:]?"
    r"|(?:首先|其次|再次|最后)[，,：:])\s*"
)
_YEAR = r"(?:20\d{2}|二〇[一二三四五六七八九〇]{2})年(?:度|以来|来)?"
_SELF = ("我局", "我单位", "本局", "本单位", "我委", "本委", "我办", "我中心", "我院")
_REPORT_AS_FOLLOWS = re.compile(r"[，,。；;]?\s*现(?:将|就|把)[^。：:]{0,40}?(?:报告|汇报)如下[。：:]?\s*$")


def clean_title(text: str) -> tuple[str, list[str]]:
    """Strip leading numbering (一、（一）1.（1）一是 第一，) however often it repeats: '（一）（二）强化学习'."""
    removed: list[str] = []
    while (m := _NUMBERING.match(text)) and m.end() < len(text):
        removed.append(m.group().strip())
        text = text[m.end() :]
    return text.strip(), removed


def clean_opening(text: str, names: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """Strip a leading '2024年，我局' (also pasted twice) and a trailing '现将……报告如下' (the report adds both)."""
    subjects = "|".join(re.escape(n) for n in sorted({*_SELF, *(n for n in names if n)}, key=len, reverse=True))
    lead = re.compile(rf"^\s*(?:{_YEAR}[，,、]?\s*)?(?:(?:{subjects})[，,]?\s*)?")
    removed: list[str] = []
    while True:
        m = lead.match(text)
        if not m or not m.group().strip() or m.end() >= len(text):
            break
        removed.append(m.group().strip())
        text = text[m.end() :]
    while (m := _REPORT_AS_FOLLOWS.search(text)) and m.start() > 0:
        removed.append(m.group().strip(" ，,。；;"))
        text = text[: m.start()]
    return text.strip(), removed


CLEANERS = {"title": lambda text, names: clean_title(text), "opening": clean_opening}
