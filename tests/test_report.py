"""Composition (Jinja2) and the GB/T 9704-2012 DOCX, read back with python-docx."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from dialogs.actions import Document as OutDocument
from dialogs.actions import Reply
from dialogs.messages import say as words
from report import DocxReporter
from report.compose import compose, sentence, tidy, to_text
from report.docx_writer import safe_filename, write_docx
from tests import reference
from tests.conftest import run_script, say
from tests.wording import title_of


@pytest.fixture(scope="module")
def answers(types):
    import tempfile

    from dialogs.assistant import Assistant
    from report import DocxReporter
    from storage import TinyDBRecordStore

    a = Assistant(TinyDBRecordStore(tempfile.mkdtemp()), types, DocxReporter())
    run_script(a, 1, reference.script())
    d = a.active(1)
    return a.engine_for(d).visible_answers(d)


@pytest.fixture(scope="module")
def comp(rt, answers):
    return compose(rt, answers)


@pytest.fixture(scope="module")
def doc(comp):
    return Document(io.BytesIO(write_docx(comp)))


def heads(comp, kind):
    return [(b.number, b.head or b.text) for b in comp.blocks if b.kind == kind]


def test_reference_report_has_same_parts_figures_and_names(comp):
    text = to_text(comp)
    assert comp.title == "鲁山县科学技术局关于2024年法治政府建设情况的报告"
    assert [n for n, _ in heads(comp, "h1")] == ["一、", "二、", "三、", "四、"]
    h1 = [t for _, t in heads(comp, "h1")]
    assert h1[0].startswith("2024年度党政主要负责人履行推进法治建设第一责任人职责")
    assert "主要举措与成效" in h1[1] and "不足、原因和问题整改情况" in h1[2] and "下一年度" in h1[3]
    # the figure sentence names the unit (the example report's own sentence had no subject)
    assert "2024年，县科技局共计培育高新技术企业40家，科技型中小企业90家，“瞪羚”企业3家" in text
    assert (
        "共培育西鲁技术有限公司、华兰生物（鲁山）单采血浆有限公司等16家高新技术后备企业（其中首次申报企业8家、复审企业8家）"
        in text
    )
    for item in reference.FIGURES + reference.NAMED:
        assert item in text
    assert [t for _, t in heads(comp, "lead")] == [t for t, _ in reference.MEASURES]
    assert [n for n, _ in heads(comp, "lead")] == ["（一）", "（二）", "（三）", "（四）"]
    assert text.startswith("鲁山县科学技术局关于2024年")
    assert "2024年，县科技局坚持以习近平新时代中国特色社会主义思想为指导" in text
    assert text.rstrip().endswith("鲁山县科学技术局\n2025年1月20日")


def test_no_none_no_empty_brackets_no_doubled_punctuation(comp):
    text = to_text(comp)
    assert "None" not in text and "（）" not in text
    assert not re.search(r"[。，；、：][。，；]", text)


def test_skipped_item_renumbers_and_empty_section_is_left_out(rt, answers):
    a = dict(answers)
    a["duty"] = [answers["duty"][0], answers["duty"][2]]  # the second of three items in part one removed
    a["other"] = "无"
    comp = compose(rt, a)
    assert [n for n, _ in heads(comp, "h1")] == ["一、", "二、", "三、", "四、", "五、"]
    part1 = []
    for b in comp.blocks:
        if b.kind == "h1" and part1:
            break
        if b.kind == "h2":
            part1.append(b.number)
        if b.kind == "h1":
            part1.append("start")
    assert part1 == ["start", "（一）", "（二）"]
    b = dict(answers)
    b.pop("duty")
    comp = compose(rt, b)
    assert [n for n, _ in heads(comp, "h1")] == ["一、", "二、", "三、"]
    assert "主要举措与成效" in heads(comp, "h1")[0][1]


def test_a_bureau_without_figures_gets_a_sound_report(rt, answers):
    a = {
        k: v
        for k, v in answers.items()
        if k
        not in (
            "hitech",
            "tech_sme",
            "gazelle",
            "reserve_total",
            "reserve_first",
            "reserve_review",
            "reserve_total_named",
        )
    }
    text = to_text(compose(rt, a))
    assert "家" not in text.split("（一）强化依法履职")[0].split("主要举措与成效")[1]
    assert "None" not in text and "（其中" not in text


def test_partial_figures(rt, answers):
    a = dict(answers)
    del a["gazelle"], a["reserve_total_named"], a["reserve_first"]
    text = to_text(compose(rt, a))
    assert "高新技术企业40家，科技型中小企业90家，科技企业队伍" in text
    assert "共培育16家高新技术后备企业（其中复审企业8家）。" in text
    del a["reserve_total"]  # parts without their total are stated on their own
    assert "2024年，县科技局共培育复审企业8家。" in to_text(compose(rt, a))


def test_answers_are_data_not_template_code(rt, answers):
    a = dict(answers)
    a["causes"] = "{{ unit_name }}{% for x in [1] %}坏{% endfor %}\n@h1 伪造标题"
    comp = compose(rt, a)
    text = to_text(comp)
    assert "{{ unit_name }}{% for x in [1] %}坏{% endfor %}" in text
    assert "@h1 伪造标题" in text and "伪造标题" not in [t for _, t in heads(comp, "h1")]


def test_punctuation_helpers():
    assert sentence("做了工作") == "做了工作。" and sentence("做了工作。") == "做了工作。"
    assert sentence("做了工作，") == "做了工作。" and sentence("“好”。") == "“好”。"
    assert tidy("工作，。下一步。。（）") == "工作。下一步。"


def fig(text: str, unit: str) -> dict:
    from dialogs.numbers import parse_figure

    return parse_figure(text, unit).to_json()


def test_figure_sentences_name_the_unit_and_use_neutral_verbs(rt, answers):
    a = dict(answers, fig_lawsuit="填写", review_cases=fig("3", "件"), lawsuits=fig("11", "件"))
    a["fig_cert"] = "填写"
    a["cert_renewed"] = fig("5", "人")
    text = to_text(compose(rt, a))
    assert "2024年，县科技局涉及行政复议案件3件、行政应诉案件11件。" in text
    assert "2024年，县科技局通过执法证件年审5人。" in text
    assert "持证上岗" not in text and "办理行政应诉" not in text


def test_a_figure_the_user_already_wrote_is_not_repeated(rt, answers):
    a = dict(answers, fig_lawsuit="填写", review_cases=fig("3", "件"), lawsuits=fig("11", "件"))
    a["measures"] = [*answers["measures"], {"title": "依法应对复议应诉", "body": "全年涉及行政复议案件3件，均维持。"}]
    comp = compose(rt, a)
    text = to_text(comp)
    lead = next(b for b in comp.blocks if b.kind == "lead" and b.head == "依法应对复议应诉")
    # the sentence sits under the matching sub-section, with only the figure not written there yet
    assert lead.text.startswith("2024年，县科技局涉及行政应诉案件11件。全年涉及行政复议案件3件")
    assert text.count("行政复议案件3件") == 1


# ---------------------------------------------------------------- DOCX


def east(run_or_style_el):
    fonts = run_or_style_el.find(qn("w:rPr")).find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia")), fonts.get(qn("w:ascii")), fonts.get(qn("w:eastAsiaTheme"))


def test_page_size_and_margins(doc):
    s = doc.sections[0]
    assert [round(x.mm, 1) for x in (s.page_width, s.page_height)] == [210, 297]
    margins = (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)
    assert [round(x.mm, 1) for x in margins] == [37, 35, 28, 26]
    assert round(s.footer_distance.mm, 1) == 25
    assert s._sectPr.find(qn("w:docGrid")) is None
    assert doc.settings.odd_and_even_pages_header_footer


def _paras(doc):
    return [p for p in doc.paragraphs if p.text.strip()]


def test_title_font_size_and_centring(doc):
    title = _paras(doc)[0]
    assert title.text == "鲁山县科学技术局\n关于2024年法治政府建设情况的报告"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    for r in title.runs:
        assert r.font.size == Pt(22)
        assert east(r._r)[:2] == ("方正小标宋简体", "Times New Roman")
    assert doc.paragraphs[1].text == ""  # one blank line under the title


def _by_prefix(doc, prefix):
    return next(p for p in doc.paragraphs if p.text.startswith(prefix))


def test_body_paragraph_format(doc):
    p = _by_prefix(doc, "坚持专题学习")
    assert p.paragraph_format.line_spacing == Pt(28.95)
    ppr = p._p.find(qn("w:pPr"))
    assert ppr.find(qn("w:spacing")).get(qn("w:lineRule")) == "exact"
    ind = ppr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200" and ind.get(qn("w:firstLine")) == "640"
    assert p.paragraph_format.space_before == 0 and p.paragraph_format.space_after == 0
    r = p.runs[0]
    assert r.font.size == Pt(16) and east(r._r) == ("仿宋_GB2312", "Times New Roman", None)
    assert r._r.find(qn("w:rPr")).find(qn("w:spacing")).get(qn("w:val")) == "-5"


@pytest.mark.parametrize(
    ("prefix", "font"),
    [
        ("一、2024年度", "黑体"),
        ("（一）坚持学习", "楷体_GB2312"),
        ("四、下一年度", "黑体"),
        ("（四）落实制度", "楷体_GB2312"),
    ],
)
def test_heading_fonts(doc, prefix, font):
    p = _by_prefix(doc, prefix)
    assert all(east(r._r)[0] == font and r.font.size == Pt(16) for r in p.runs)
    assert p.paragraph_format.keep_with_next


def test_run_in_heading_has_its_own_font(doc):
    p = _by_prefix(doc, "（一）强化依法履职。")
    assert east(p.runs[0]._r)[0] == "楷体_GB2312" and p.runs[0].text == "（一）强化依法履职。"
    assert east(p.runs[1]._r)[0] == "仿宋_GB2312"


def test_heading_order_and_numbering(doc):
    h1 = [p.text for p in doc.paragraphs if re.match(r"^[一二三四五六七八九十]、", p.text)]
    assert [t[:2] for t in h1] == ["一、", "二、", "三、", "四、"]
    h2 = [p.text[:3] for p in doc.paragraphs if p.text.startswith("（")]
    assert h2 == ["（一）", "（二）", "（三）"] + ["（一）", "（二）", "（三）", "（四）"] + [
        "（一）",
        "（二）",
        "（三）",
    ] + ["（一）", "（二）", "（三）", "（四）"]


def test_signature_and_date(doc):
    paras = [p for p in doc.paragraphs]
    unit, date = paras[-2], paras[-1]
    assert unit.text == "鲁山县科学技术局" and date.text == "2025年1月20日"
    assert paras[-3].text == ""  # one blank line above
    assert unit.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert unit.paragraph_format.right_indent == Pt(32)  # two characters
    # the date starts two characters right of the unit name's first character: 28 - 2 - 8 + 2 = 20,
    # set from the right (so it never wraps): 28 - 20 - 6.5 = 1.5 characters in
    assert date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date.paragraph_format.right_indent == Pt(16 * 1.5)


def test_signature_when_date_is_longer_than_unit(rt, answers):
    comp = compose(rt, dict(answers, sign_unit="县科技局"))  # 4 characters; the date is 6.5 wide (digits are half)
    d = Document(io.BytesIO(write_docx(comp)))
    unit, date = d.paragraphs[-2], d.paragraphs[-1]
    # date two characters in from the right: starts at 28 - 2 - 6.5 = 19.5; the unit starts two characters before it
    assert date.paragraph_format.right_indent == Pt(16 * 2)
    assert unit.paragraph_format.right_indent == Pt(16 * (28 - 17.5 - 4))


def test_page_number_fields_odd_right_even_left(doc):
    s = doc.sections[0]
    for footer, align, side in (
        (s.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        p = footer.paragraphs[0]
        assert p.alignment == align
        xml = p._p.xml
        assert "PAGE" in "".join(t.text or "" for t in p._p.iter(qn("w:instrText")))
        assert xml.count('w:fldCharType="begin"') == 1 and xml.count('w:fldCharType="end"') == 1
        assert p.text.startswith("— ") and p.text.endswith(" —")
        indent = p.paragraph_format.right_indent if side == "right" else p.paragraph_format.left_indent
        assert indent == Pt(14)
        assert all(r.font.size == Pt(14) and east(r._r)[0] == "宋体" for r in p.runs)
        assert p.paragraph_format.line_spacing == 1.0


def test_language_and_core_properties(doc):
    assert doc.core_properties.title == "鲁山县科学技术局关于2024年法治政府建设情况的报告"
    assert doc.core_properties.author == "鲁山县科学技术局"
    lang = doc.styles["Normal"].element.find(qn("w:rPr")).find(qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    assert not any(f.get(qn("w:eastAsiaTheme")) for f in defaults.iter(qn("w:rFonts")))


def test_figures_in_docx(doc):
    text = "\n".join(p.text for p in doc.paragraphs)
    for item in reference.FIGURES + reference.NAMED:
        assert item in text


def test_safe_filename():
    assert safe_filename('a/b\\c:d*e?f"g<h>i|j') == "abcdefghij"
    assert safe_filename("...") == "报告"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_and_converts(tmp_path, comp):
    src = tmp_path / (safe_filename(comp.title) + ".docx")
    src.write_bytes(write_docx(comp))
    proc = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = src.with_suffix(".pdf")
    assert pdf.exists(), proc.stderr
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        flat = re.sub(r"\s+", "", text)
        assert "高新技术企业40家" in flat and "—1—" in flat and "—2—" in flat
        # the date is one line: 「日」 never wraps onto a line of its own (trap 14)
        assert any(re.sub(r"\s+", "", line) == "2025年1月20日" for line in text.splitlines())
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "A4" in info


# ---------------------------------------------------------------- delivery


def test_report_refused_until_complete_then_document(assistant):
    say(assistant, 31, "/start")
    outs = say(assistant, 31, "/report")
    assert isinstance(outs[-1], Reply) and words("not_ready") in outs[-1].text
    assert f"✗ {title_of('unit_name')}" in outs[-1].text
    labels = [b.action.arg for row in outs[-1].buttons for b in row]
    assert "unit_name" in labels
    run_script(assistant, 32, reference.script())
    outs = say(assistant, 32, "/report")
    doc = outs[-1]
    assert isinstance(doc, OutDocument)
    assert doc.filename == "鲁山县科学技术局关于2024年法治政府建设情况的报告.docx"
    assert doc.data[:2] == b"PK" and len(doc.caption) <= 1024


class TextOnly(DocxReporter):
    """A server without LibreOffice."""

    @property
    def can_paginate(self) -> bool:
        return False


def test_preview_without_libreoffice_is_text_and_says_why(store, types):
    from dialogs.assistant import Assistant

    assistant = Assistant(store, types, TextOnly())
    run_script(assistant, 33, reference.script())
    outs = say(assistant, 33, "/preview")
    texts = [o.text for o in outs]
    assert all(isinstance(o, Reply) and len(o.text) <= 4096 for o in outs)
    assert words("preview_no_pages") in texts[0]  # one line says why there are no pages
    joined = "\n".join(texts[1:-1])  # the last is the screen again, with its buttons
    assert "高新技术企业40家" in joined and joined.rstrip().endswith("2025年1月20日")
    assert outs[-1].kind == "complete"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_preview_is_pages_whose_count_matches_the_docx_in_libreoffice(assistant, tmp_path):
    run_script(assistant, 34, reference.script())
    image, pdf, screen = say(assistant, 34, "/preview")  # the screen's buttons again after the pages
    assert isinstance(screen, Reply) and screen.kind == "complete"
    assert isinstance(image, OutDocument) and image.photo and image.data[:4] == b"\x89PNG"
    assert isinstance(pdf, OutDocument) and pdf.filename.endswith(".pdf") and pdf.data[:4] == b"%PDF"
    docx = say(assistant, 34, "/report")[-1]
    src = tmp_path / "r.docx"
    src.write_bytes(docx.data)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf"]
        + ["--outdir", str(tmp_path), str(src)],
        capture_output=True,
        timeout=180,
    )
    (tmp_path / "p.pdf").write_bytes(pdf.data)
    pages = [
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(p)], capture_output=True, text=True).stdout)
        for p in (tmp_path / "r.pdf", tmp_path / "p.pdf")
    ]
    assert pages[0] and pages[1] and pages[0].group(1) == pages[1].group(1)
    assert words("preview_pdf_caption", n=pages[1].group(1)) in pdf.caption


def test_a_failed_conversion_falls_back_to_text(store, types, monkeypatch):
    from dialogs.assistant import Assistant
    from report import pdf as pdf_module

    def broken(*a, **k):
        raise pdf_module.PdfError("LibreOffice did not finish")

    monkeypatch.setattr("report.to_pdf", broken)
    monkeypatch.setattr(DocxReporter, "can_paginate", property(lambda self: True))
    assistant = Assistant(store, types, DocxReporter())
    run_script(assistant, 35, reference.script())
    outs = say(assistant, 35, "/preview")
    assert words("preview_pages_failed") in outs[0].text and all(isinstance(o, Reply) for o in outs)
