"""Write a composed report as a DOCX laid out to GB/T 9704-2012 (党政机关公文格式).

Numbers (see shared/reference/report-requirements.md): A4; margins top 37,
bottom 35, left 28, right 26 mm; body 仿宋_GB2312 三号 (16 pt), exact line
spacing 28.95 pt (22 lines a page), −0.25 pt character spacing (28 characters a
line), first line indented two characters; title 方正小标宋简体 二号 (22 pt)
centred; headings 黑体 / 楷体_GB2312 / 仿宋_GB2312; page numbers 「— N —」 in
宋体 四号, odd pages right and even pages left, one character in.
"""

from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from dialogs.numbers import UNITS_LONGEST_FIRST

from .compose import Block, Composition

LATIN = "Times New Roman"
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
TITLE_FONT = "方正小标宋简体"
SONGTI = "宋体"
BODY_PT = 16
TITLE_PT = 22
PAGE_NUM_PT = 14
LINE_TWIPS = 579  # 28.95 pt exact: 22 lines in the 225 mm text block
CHAR_TWIPS = BODY_PT * 20  # one body character, for indents
CHAR_SPACING = -5  # twentieths of a point: −0.25 pt gives 28 characters a line
LINE_CHARS = 28
HEADING_FONTS = {"h1": HEITI, "h2": KAITI, "h3": FANGSONG, "h4": FANGSONG, "lead": KAITI, "lead3": FANGSONG}
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(title: str, limit: int = 120) -> str:
    """A file name that works on Windows, macOS and Linux: no separators or reserved characters."""
    name = _UNSAFE.sub("", title).strip().strip(".")
    return name[:limit] or "报告"


def set_fonts(rpr_owner, east_asian: str, latin: str = LATIN) -> None:
    """Set the East Asian and Latin fonts in w:rFonts, removing theme fonts that would override them."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in _THEME_ATTRS:
        key = qn(attr)
        if key in fonts.attrib:
            del fonts.attrib[key]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), latin)


def _char_spacing(run: Run, twentieths: int) -> None:
    rpr = run._r.get_or_add_rPr()
    sp = rpr.find(qn("w:spacing"))
    if sp is None:
        sp = OxmlElement("w:spacing")
        rpr.append(sp)
    sp.set(qn("w:val"), str(twentieths))


# A figure with what qualifies it: 5.12多万元, 98.6%, 12.5个百分点, 238件. LibreOffice breaks a line anywhere in
# Chinese text, digits included (「罚没款5 / 12多万元」): such a run is kept on one line (see _figure_run).
_FIGURE = re.compile(
    rf"\d+(?:[.,]\d+)*(?:余|多)?(?:[万亿])?(?:余|多)?(?:个百分点|%|％|{'|'.join(UNITS_LONGEST_FIRST)}|年度|年|月|日)?"
)


def add_text(p: Paragraph, text: str, font: str, size: int) -> None:
    """Body text as runs, each figure with its unit in a run of its own that no line break can split."""
    pos = 0
    for m in _FIGURE.finditer(text):
        if m.start() > pos:
            add_run(p, text[pos : m.start()], font, size)
        _figure_run(add_run(p, "", font, size), m.group())
        pos = m.end()
    if pos < len(text) or not text:
        add_run(p, text[pos:], font, size)


def _figure_run(run: Run, figure: str) -> None:
    """The figure's characters joined by U+2060 WORD JOINER (as w:sym, so the text itself stays plain), in a
    run marked English: LibreOffice then breaks neither inside the digits nor between them and the unit."""
    rpr = run._r.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "en-US")
    rpr.append(lang)
    for i, ch in enumerate(figure):
        if i:
            joiner = OxmlElement("w:sym")
            joiner.set(qn("w:font"), FANGSONG)
            joiner.set(qn("w:char"), "2060")
            run._r.append(joiner)
        t = OxmlElement("w:t")
        t.text = ch
        run._r.append(t)


def add_run(
    p: Paragraph, text: str, font: str, size: int, *, bold: bool = False, spacing: bool = True, latin: str = LATIN
) -> Run:
    """A run with explicit fonts and size (explicit so Word, WPS and LibreOffice agree)."""
    run = p.add_run(text)
    set_fonts(run._r, font, latin)
    run.font.size = Pt(size)
    run.font.bold = bold
    if spacing:
        _char_spacing(run, CHAR_SPACING)
    return run


def _first_line_indent(p: Paragraph, chars: int = 2) -> None:
    ppr = p._p.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(chars * CHAR_TWIPS))


def _paragraph(doc, *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True, keep_next: bool = False) -> Paragraph:
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = Twips(LINE_TWIPS)  # a Length: python-docx writes lineRule="exact"
    if keep_next:
        fmt.keep_with_next = True
    if indent:
        _first_line_indent(p)
    return p


def text_width(text: str) -> float:
    """Width in body characters: CJK and full-width count 1, ASCII (digits) 0.5."""
    return sum(0.5 if ord(c) < 0x2E80 else 1 for c in text)


def _setup_page(doc) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.header_distance, sec.footer_distance = Mm(15), Mm(25)
    grid = sec._sectPr.find(qn("w:docGrid"))
    if grid is not None:
        sec._sectPr.remove(grid)
    doc.settings.odd_and_even_pages_header_footer = True


def _setup_styles(doc) -> None:
    normal = doc.styles["Normal"]
    set_fonts(normal.element, FANGSONG)
    normal.font.size = Pt(BODY_PT)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after = Pt(0), Pt(0)
    pf.line_spacing = Twips(LINE_TWIPS)
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    # The default template's document defaults carry theme fonts and 'space after'.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        for fonts in defaults.iter(qn("w:rFonts")):
            for attr in _THEME_ATTRS:
                if qn(attr) in fonts.attrib:
                    del fonts.attrib[qn(attr)]
            fonts.set(qn("w:ascii"), LATIN)
            fonts.set(qn("w:hAnsi"), LATIN)
            fonts.set(qn("w:eastAsia"), FANGSONG)
        for sp in defaults.iter(qn("w:spacing")):
            for attr in ("w:after", "w:line", "w:lineRule"):
                if qn(attr) in sp.attrib:
                    del sp.attrib[qn(attr)]
        for lg in defaults.iter(qn("w:lang")):
            lg.set(qn("w:val"), "zh-CN")
            lg.set(qn("w:eastAsia"), "zh-CN")


def _page_number_footer(footer, *, odd: bool) -> None:
    """「— N —」 with a PAGE field, 宋体 14 pt, single spacing; odd right, even left, one character in."""
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    for r in list(p.runs):
        r._r.getparent().remove(r._r)
    fmt = p.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    fmt.line_spacing = 1.0
    fmt.space_before = fmt.space_after = Pt(0)
    one_char = Twips(PAGE_NUM_PT * 20)
    if odd:
        fmt.right_indent = one_char
    else:
        fmt.left_indent = one_char

    def run(text: str = ""):
        return add_run(p, text, SONGTI, PAGE_NUM_PT, spacing=False, latin=SONGTI)

    def field_char(kind: str) -> None:
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        run()._r.append(fld)

    run("— ")
    field_char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run()._r.append(instr)
    field_char("separate")
    run("1")
    field_char("end")
    run(" —")


def _title(doc, text: str) -> None:
    p = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, keep_next=True)
    # Break a long title before 关于 (the usual split: the unit on line one).
    limit = 20
    if text_width(text) > limit and "关于" in text[1:]:
        i = text.index("关于", 1)
        first = add_run(p, text[:i], TITLE_FONT, TITLE_PT, spacing=False)
        first.add_break(WD_BREAK.LINE)
        add_run(p, text[i:], TITLE_FONT, TITLE_PT, spacing=False)
    else:
        add_run(p, text, TITLE_FONT, TITLE_PT, spacing=False)
    _paragraph(doc, indent=False)  # one blank line under the title


def _signature(doc, unit: str, date: str | None) -> None:
    """Unit right, two characters in; the date starts two characters right of the unit's first character."""
    _paragraph(doc, indent=False)  # one blank line under the text
    unit_w, date_w = text_width(unit), text_width(date or "")
    right = 2.0
    date_start = LINE_CHARS - right - unit_w + 2
    if date and date_w > unit_w:  # date longer than the unit name: date right 2, the unit moves left
        date_start = LINE_CHARS - 2 - date_w
        right = LINE_CHARS - (date_start - 2) - unit_w
    p = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    p.paragraph_format.right_indent = Twips(round(right * CHAR_TWIPS))
    add_run(p, unit, FANGSONG, BODY_PT)
    if date:
        # Set from the right: where the font's digits are wider than half a character (LibreOffice's
        # substitutes), the date starts a little to the left instead of wrapping 「日」 onto a line of its own.
        p = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        p.paragraph_format.right_indent = Twips(round(max(LINE_CHARS - date_start - date_w, 0) * CHAR_TWIPS))
        add_run(p, date, FANGSONG, BODY_PT)


def _block(doc, b: Block) -> None:
    if b.kind == "to":
        p = _paragraph(doc, indent=False)
        add_run(p, b.text, FANGSONG, BODY_PT)
    elif b.kind == "p":
        add_text(_paragraph(doc), b.text, FANGSONG, BODY_PT)
    elif b.kind in ("lead", "lead3"):
        p = _paragraph(doc)
        add_run(p, f"{b.number}{b.head}{b.sep}", HEADING_FONTS[b.kind], BODY_PT)
        add_text(p, b.text, FANGSONG, BODY_PT)
    elif b.kind in ("h1", "h2", "h3", "h4"):
        p = _paragraph(doc, keep_next=True)
        add_run(p, b.number + b.text, HEADING_FONTS[b.kind], BODY_PT)


def write_docx(comp: Composition) -> bytes:
    """The whole document as DOCX bytes."""
    doc = Document()
    _setup_page(doc)
    _setup_styles(doc)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    _title(doc, comp.title)
    sign = next((b.text for b in comp.blocks if b.kind == "sign"), "")
    date = next((b.text for b in comp.blocks if b.kind == "date"), None)
    for b in comp.body():
        if b.kind not in ("sign", "date"):
            _block(doc, b)
    if sign:
        _signature(doc, sign, date)
    sec = doc.sections[0]
    _page_number_footer(sec.footer, odd=True)
    _page_number_footer(sec.even_page_footer, odd=False)
    props = doc.core_properties
    props.title = comp.title
    props.author = comp.author
    props.last_modified_by = comp.author
    props.language = "zh-CN"
    props.comments = ""
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
