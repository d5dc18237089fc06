"""Last year's reports to import: one per outline, as text and as DOCX files made the way Word saves them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

# A copy of ../shared/reference/example-report-2024-lushan-kejiju.txt, so a clean clone has it.
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference-report-2024.txt"


def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


# Three parts (教育局): 组织领导 first inside part one; written for these tests.
THREE = """××县教育局
关于2025年法治政府建设情况的报告
县委、县政府：
2025年，县教育局坚持依法治教，扎实推进教育系统法治建设。现将有关情况报告如下：
一、2025年法治政府建设主要做法与成效
（一）加强组织领导，落实第一责任人职责
局党组书记、局长履行推进法治建设第一责任人职责，党组会专题研究法治工作4次，年终述法1次。
（二）深化校园法治教育
全县中小学法治副校长配备率100%，开展“法治进校园”活动52场，覆盖学生3.1万余人次。
组织“宪法晨读”活动，参与师生近万人。
（三）规范校外培训监管
联合开展校外培训专项检查6次，检查机构38家次，责令整改9家。
二、存在的问题与不足
（一）法治教育形式较单一
部分学校法治课以讲授为主，互动体验不足。
（二）执法队伍力量薄弱
校外培训执法人员仅4人，持证比例不高。
三、下一步工作打算
（一）创新法治教育方式
推广模拟法庭、法治情景剧等体验式教学。
（二）充实执法力量
新增执法证申领人员，全员参加执法资格培训。
××县教育局
2026年1月15日"""

# Enforcement first (人社局); written for these tests.
ENFORCE = """××县人力资源和社会保障局
关于2025年法治政府建设情况的报告
2025年，县人社局坚持严格规范公正文明执法，各项工作依法推进。现将工作情况汇报如下：
一、2025年行政执法基本情况
（一）劳动保障监察执法情况
全年受理欠薪投诉案件126件，为215名劳动者追回工资1280余万元，结案率100%。
（二）行政复议和行政应诉情况
坚持依法应诉，行政机关负责人出庭应诉率100%，未发生败诉案件。
二、2025年法治政府建设情况
（一）加强组织领导
主要负责人带头学法，党组会前学法6次。
（二）推进“谁执法谁普法”
开展根治欠薪法治宣传进工地活动20余场，发放宣传资料3000余份。
三、存在的问题
（一）基层执法力量不足
乡镇劳动保障监察协管员流动性大，专业能力有待提升。
四、下一步工作打算
（一）持续抓好根治欠薪
落实工资支付保障制度，完善欠薪线索快速处置机制。
××县人力资源和社会保障局
2026年1月20日"""


def word_docx(text: str, *, table_after: int | None = 6, footer: bool = True, auto_numbers: bool = False) -> bytes:
    """A DOCX as Word saves a bureau's report: Normal-style paragraphs with typed numbering, text split
    over several runs (mixed fonts and bold, as editing leaves it), a table, and a page-number footer.
    With `auto_numbers`, first- and second-level headings use Word's list numbering instead of typed 一、（一）."""
    doc = Document()
    lines = text.split("\n")
    for i, line in enumerate(lines):
        p = doc.add_paragraph()
        body = line
        if auto_numbers and (level := _level(line)) is not None:
            body = line.split("、", 1)[1] if level == 0 else line.split("）", 1)[1]
            _number(p, level)
        for j in range(0, len(body), 7):  # runs of 7 characters, alternating formatting
            run = p.add_run(body[j : j + 7])
            run.bold = i < 2 or None
            run.font.name = "仿宋_GB2312" if (j // 7) % 2 else "宋体"
        if table_after is not None and i == table_after:
            table = doc.add_table(rows=2, cols=2)
            table.cell(0, 0).text, table.cell(0, 1).text = "项目", "数量"
            table.cell(1, 0).text, table.cell(1, 1).text = "一、表格里的文字", "3"
    if footer:
        fp = doc.sections[0].footer.paragraphs[0]
        fp.add_run("— ")
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        r = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = "1"
        r.append(t)
        field.append(r)
        fp._p.append(field)
        fp.add_run(" —")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _level(line: str) -> int | None:
    if line[:1] in "一二三四五六七八九十" and line[1:2] == "、":
        return 0
    if line.startswith("（") and line[1:2] in "一二三四五六七八九十" and line[2:3] == "）":
        return 1
    return None


def _number(p, level: int) -> None:
    ppr = p._p.get_or_add_pPr()
    num = OxmlElement("w:numPr")
    ilvl = OxmlElement("w:ilvl")
    ilvl.set(qn("w:val"), str(level))
    num_id = OxmlElement("w:numId")
    num_id.set(qn("w:val"), "1")
    num.append(ilvl)
    num.append(num_id)
    ppr.append(num)


def zip_bomb() -> bytes:
    """A ZIP named like a DOCX whose document part inflates to 60 MB of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as f:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(60):
                f.write(chunk)
    return buf.getvalue()


def ole(encrypted: bool) -> bytes:
    """The start of an OLE compound file: a password-protected DOCX (EncryptionInfo stream) or an old .doc."""
    name = "EncryptionInfo" if encrypted else "WordDocument"
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + name.encode("utf-16-le") + b"\0" * 2000
