"""Test DOCX files of a report text, its headings numbered the three ways bureau files do it.

Modes: `typed` (numbers are text), `para_numbering` (numbers taken off the text, each heading
paragraph carries w:numPr pointing at a multilevel list 一、/（一）/1./（1） in numbering.xml) and
`style_numbering` (Word's 多级列表 linked to Heading 1–4: numPr on the styles, the third level
through a custom style based on Heading 3; paragraphs carry only their style). Where the typed
numbers do not simply continue the list (a list that starts again, a number skipped), the
paragraph gets a new w:num with a startOverride, as Word does for 「重新开始于」.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

MODES = ("typed", "para_numbering", "style_numbering")
KINDS = ("title", "recipient", "body", "h1", "h2", "h3", "h4", "signature", "date")
LEVEL = {"h1": 0, "h2": 1, "h3": 2, "h4": 3}
STYLE = {"h1": "Heading1", "h2": "Heading2", "h3": "ReportItem", "h4": "Heading4"}
ABSTRACT, NUM = 90, 90  # ids clear of the python-docx template's own lists
_CN = "一二三四五六七八九"
_PATTERNS = {
    "h1": re.compile(r"([一二三四五六七八九十]{1,3})(、)"),
    "h2": re.compile(r"（([一二三四五六七八九十]{1,3})(）)"),
    "h3": re.compile(r"(\d{1,2})([.．、])(?![\d.．])"),
    "h4": re.compile(r"（(\d{1,2})(）)"),
}
_FORMAT = {
    "h1": ("chineseCounting", "%1{}"),
    "h2": ("chineseCounting", "（%2{}"),
    "h3": ("decimal", "%3{}"),
    "h4": ("decimal", "（%4{}"),
}


@dataclass(frozen=True)
class Line:
    """One paragraph of the report: its kind, and for headings the typed number, separator and the words after."""

    kind: str
    text: str
    number: int | None = None
    sep: str = ""
    words: str = ""


def cn_value(s: str) -> int:
    """一 1, 十 10, 十二 12, 二十 20, 三十五 35."""
    if "十" not in s:
        return _CN.index(s) + 1
    tens, _, ones = s.partition("十")
    return (_CN.index(tens) + 1 if tens else 1) * 10 + (_CN.index(ones) + 1 if ones else 0)


def heading(text: str, *, items: str = "short", short: int = 40) -> Line | None:
    """The line as a numbered heading, if it opens with a typed number; 「1.」 lines count only when
    `items` is "all" or the line is short (no sentence end before its last character)."""
    for kind, pattern in _PATTERNS.items():
        m = pattern.match(text)
        if m is None or not text[m.end() :].strip():
            continue
        words = text[m.end() :]
        if kind == "h3" and items != "all" and (len(text) > short or "。" in words[:-1]):
            return None
        number = cn_value(m.group(1)) if kind in ("h1", "h2") else int(m.group(1))
        return Line(kind, text, number, m.group(2), words)
    return None


def classify(text: str, *, items: str = "short") -> list[Line]:
    """The text's non-empty lines as report paragraphs: title lines, recipient, body, headings, signature, date."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    out: list[Line] = []
    in_head = True
    for i, line in enumerate(lines):
        found = heading(line, items=items)
        if found is not None:
            in_head = False
            out.append(found)
        elif in_head and line.endswith("：") and len(line) < 30:
            out.append(Line("recipient", line))
            in_head = False
        elif in_head and i < 3 and len(line) < 40 and "。" not in line:
            out.append(Line("title", line))
        elif re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line):
            out.append(Line("date", line))
        elif i >= len(lines) - 2 and len(line) < 30 and "。" not in line:
            out.append(Line("signature", line))
        else:
            in_head = False
            out.append(Line("body", line))
    return out


def build_docx(text: str, mode: str, *, items: str = "short") -> bytes:
    """A .docx of the report text with its headings numbered the way `mode` says."""
    return build(classify(text, items=items), mode)


def build(lines: list[Line], mode: str) -> bytes:
    """A .docx of these paragraphs in a mode of MODES."""
    if mode not in MODES:
        raise ValueError(mode)
    doc = Document()
    seps = _separators(lines)
    if mode != "typed":
        _add_list(doc, seps, linked=mode == "style_numbering")
    counters: list[int | None] = [None] * 4
    next_num = NUM + 1
    for line in lines:
        p = doc.add_paragraph()
        body = line.text
        if line.kind in LEVEL and mode != "typed" and line.sep == seps[line.kind]:
            body = line.words
            level = LEVEL[line.kind]
            num_id = None if mode == "style_numbering" else NUM
            if _follows(counters, level) != line.number:
                num_id = _restart(doc, next_num, level, line.number or 1)
                next_num += 1
            _count(counters, level, line.number or 1)
            if mode == "style_numbering":
                p.style = doc.styles.get_by_id(STYLE[line.kind], WD_STYLE_TYPE.PARAGRAPH)
            if num_id is not None:
                _num_pr(p, num_id, level)
        if line.kind == "title":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for j in range(0, len(body), 7):  # several runs, as editing leaves a paragraph
            p.add_run(body[j : j + 7])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _separators(lines: list[Line]) -> dict[str, str]:
    """Each level's separator as first typed (「1.」 or 「1、」); lines typed otherwise keep their number as text."""
    seps = {"h1": "、", "h2": "）", "h3": ".", "h4": "）"}
    seen: set[str] = set()
    for line in lines:
        if line.kind in LEVEL and line.kind not in seen:
            seen.add(line.kind)
            seps[line.kind] = line.sep
    return seps


def _follows(counters: list[int | None], level: int) -> int:
    """The number Word would give the next paragraph at this level of the list as it stands."""
    current = counters[level]
    return 1 if current is None else current + 1


def _count(counters: list[int | None], level: int, number: int) -> None:
    counters[level] = number
    for deeper in range(level + 1, len(counters)):
        counters[deeper] = None


def _add_list(doc, seps: dict[str, str], *, linked: bool) -> None:
    """The multilevel list in numbering.xml; `linked`: its levels tied to the heading styles, which carry numPr."""
    numbering = doc.part.numbering_part.element
    levels = ""
    for kind, level in LEVEL.items():
        fmt, text = _FORMAT[kind]
        link = f'<w:pStyle w:val="Heading{level + 1}"/>' if linked else ""
        levels += (
            f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{link}'
            f'<w:lvlText w:val="{text.format(seps[kind])}"/><w:lvlJc w:val="left"/><w:suff w:val="nothing"/></w:lvl>'
        )
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{ABSTRACT}">'
        f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>'
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{NUM}"><w:abstractNumId w:val="{ABSTRACT}"/></w:num>'))
    if linked:
        _link_styles(doc)


def _link_styles(doc) -> None:
    """numPr on Heading 1–4 (Heading 1 without ilvl, as Word writes it); items use a style based on Heading 3."""
    for level in range(4):
        style = doc.styles.get_by_id(f"Heading{level + 1}", WD_STYLE_TYPE.PARAGRAPH)
        num_pr = style.element.get_or_add_pPr().get_or_add_numPr()
        if level:
            num_pr.get_or_add_ilvl().val = level
        num_pr.get_or_add_numId().val = NUM
    item = doc.styles.add_style("Report Item", WD_STYLE_TYPE.PARAGRAPH)  # style id ReportItem
    item.base_style = doc.styles.get_by_id("Heading3", WD_STYLE_TYPE.PARAGRAPH)


def _restart(doc, num_id: int, level: int, start: int) -> int:
    """A new w:num on the same list whose `level` starts at `start` (Word's 「重新开始于」)."""
    doc.part.numbering_part.element.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{ABSTRACT}"/>'
            f'<w:lvlOverride w:ilvl="{level}"><w:startOverride w:val="{start}"/></w:lvlOverride></w:num>'
        )
    )
    return num_id


def _num_pr(p, num_id: int, level: int) -> None:
    num_pr = p._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id
