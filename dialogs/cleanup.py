"""Tidy text pasted from last year's Word file: numbering before titles (the report numbers headings itself).

Each cleaner returns the text and what it removed, so the user can be told.
An opening is kept as written: see dialogs/wording.py for what the report adds.
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


def clean_title(text: str) -> tuple[str, list[str]]:
    """Strip leading numbering (一、（一）1.（1）一是 第一，) however often it repeats: '（一）（二）强化学习'."""
    removed: list[str] = []
    while (m := _NUMBERING.match(text)) and m.end() < len(text):
        removed.append(m.group().strip())
        text = text[m.end() :]
    return text.strip(), removed


def keep(text: str, names: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """An opening is printed as written (the report adds a lead-in or a closing only where it has none)."""
    return text, []


CLEANERS = {"title": lambda text, names: clean_title(text), "opening": keep}
