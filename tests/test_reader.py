"""The file reader: Word numbering (typed, on the paragraph, on its style) read as Word shows it, ZIPs that lie
about their sizes refused within bounded memory, invisible characters removed, a long document read quickly."""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document

from dialogs.ports import UnreadableFile
from report.numbering import render
from report.reader import MAX_FILE, DocxFileReader
from tests import import_fixtures as fx
from tests.docx_builder import LEVEL, MODES, build_docx, classify

REPO = Path(__file__).resolve().parent.parent
CORPUS = sorted((REPO / "tests" / "corpus").glob("*.txt"))

# Written for these tests: 「1.」 items straight under 「一、」 and under 「（一）」, （1） under 1., run-in
# 「（一）标题。正文」, eleven second-level items (（十一）), and a list of items that starts again at 1.
LISTS = """××县应急管理局关于2025年法治政府建设情况的报告
县委、县政府：
2025年以来，县应急管理局坚持依法行政。现将有关情况报告如下：
一、主要举措和成效
1.健全制度
修订行政执法公示制度3项。
2.规范执法
（1）推行清单式检查
全年执法检查企业412家次。
（2）落实法制审核
重大执法决定法制审核率100%。
二、存在的不足
（一）执法力量不足。专职执法人员仅9人。
（二）培训不够系统。
（三）信息化水平不高。
（四）宣传形式单一。
（五）基层站所薄弱。
（六）案卷质量参差。
（七）装备配备不足。
（八）考核机制不完善。
（九）协同联动不够。
（十）社会参与不足。
（十一）督办落实不到位。
1.个别问题整改滞后
下列问题需要持续跟进：
1.安全生产执法
2.消防执法衔接
三、下一步工作安排
（一）加强队伍建设
1.开展全员轮训
××县应急管理局
2026年1月20日"""

TEXTS = {"three": fx.THREE, "enforce": fx.ENFORCE, "reference": fx.reference_text(), "lists": LISTS}
TEXTS |= {p.stem: p.read_text(encoding="utf-8") for p in CORPUS}  # the import corpus, where present


def lines(text: str) -> list[str]:
    """Non-empty lines with whitespace normalised."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def read(data: bytes, name: str = "r.docx") -> list[str]:
    return list(DocxFileReader().read(name, data).paragraphs)


# --- numbering: the three ways a bureau's file numbers its headings --------------------------


@pytest.mark.parametrize("items", ["short", "all"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(TEXTS))
def test_each_numbering_mode_reads_back_as_the_typed_text(name, mode, items):
    text = TEXTS[name]
    assert lines("\n".join(read(build_docx(text, mode, items=items)))) == lines(text)


@pytest.mark.parametrize("mode", ["para_numbering", "style_numbering"])
def test_the_built_files_carry_no_typed_numbers(mode):
    """The round trip above is only worth something if the numbers really are Word's, not text."""
    doc = Document(io.BytesIO(build_docx(LISTS, mode, items="all")))
    texts = [p.text for p in doc.paragraphs]
    assert not any(t.startswith(("一、", "二、", "（一）", "（十一）", "1.", "2.", "（1）")) for t in texts)
    assert "健全制度" in texts and "执法力量不足。专职执法人员仅9人。" in texts
    numbered = [p for p in doc.paragraphs if p._p.pPr is not None and p._p.pPr.numPr is not None]
    if mode == "style_numbering":  # only the paragraph where the list of items starts again carries numPr
        assert len(numbered) == 1 and {p.style.style_id for p in doc.paragraphs} >= {"Heading1", "ReportItem"}
    else:
        assert len(numbered) == sum(line.kind in LEVEL for line in classify(LISTS, items="all")) == 23


def test_a_list_that_starts_again_is_numbered_from_one():
    got = read(build_docx(LISTS, "para_numbering", items="all"))
    assert got[got.index("下列问题需要持续跟进：") + 1 :][:2] == ["1.安全生产执法", "2.消防执法衔接"]
    assert "1.个别问题整改滞后" in got and "（十一）督办落实不到位。" in got


# A minimal package: document, styles and numbering parts written out by hand.
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def package(body: str, numbering: str = "", styles: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", f"<w:document {W_NS}><w:body>{body}</w:body></w:document>")
        if numbering:
            zf.writestr("word/numbering.xml", f"<w:numbering {W_NS}>{numbering}</w:numbering>")
        if styles:
            zf.writestr("word/styles.xml", f"<w:styles {W_NS}>{styles}</w:styles>")
    return buf.getvalue()


def para(text: str, style: str = "", num: tuple[int | None, int | None] | None = None) -> str:
    ppr = f'<w:pStyle w:val="{style}"/>' if style else ""
    if num is not None:
        ilvl = "" if num[1] is None else f'<w:ilvl w:val="{num[1]}"/>'
        num_id = "" if num[0] is None else f'<w:numId w:val="{num[0]}"/>'
        ppr += f"<w:numPr>{ilvl}{num_id}</w:numPr>"
    return f"<w:p><w:pPr>{ppr}</w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"


def level(ilvl: int, fmt: str, text: str, extra: str = "") -> str:
    return f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>{extra}</w:lvl>'


CN_LIST = level(0, "chineseCounting", "%1、") + level(1, "chineseCounting", "（%2）") + level(2, "decimal", "%3.")


def test_numbering_switched_off_on_the_paragraph_beats_the_style():
    styles = (
        '<w:style w:type="paragraph" w:styleId="H1"><w:pPr><w:numPr><w:numId w:val="5"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="MyH1"><w:basedOn w:val="H1"/></w:style>'
    )
    numbering = f'<w:abstractNum w:abstractNumId="3">{CN_LIST}</w:abstractNum><w:num w:numId="5"><w:abstractNumId w:val="3"/></w:num>'
    body = para("甲", "MyH1") + para("乙", "MyH1", (0, None)) + para("丙", "H1") + para("丁", "Normal")
    assert read(package(body, numbering, styles)) == ["一、甲", "乙", "二、丙", "丁"]


def test_level_restart_legal_numbers_bullets_and_an_undefined_list():
    lvls = (
        level(0, "chineseCounting", "%1、")
        + level(1, "decimal", "%1.%2", '<w:isLgl/><w:lvlRestart w:val="0"/>')
        + level(2, "bullet", "\uf0b7")
    )
    numbering = f'<w:abstractNum w:abstractNumId="0">{lvls}</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
    body = para("a", num=(1, 0)) + para("b", num=(1, 1)) + para("c", num=(1, 0)) + para("d", num=(1, 1))
    body += para("e", num=(1, 2)) + para("f", num=(7, 0)) + para("", num=(1, 1)) + para("g", num=(1, 1))
    # level 1 never restarts (lvlRestart 0) and is shown in legal (decimal) form; an empty numbered paragraph counts
    assert read(package(body, numbering)) == ["一、a", "1.1b", "二、c", "2.2d", "e", "f", "", "2.4g"]


def test_a_new_list_instance_with_start_override_restarts_and_one_without_continues():
    numbering = (
        f'<w:abstractNum w:abstractNumId="0">{CN_LIST}</w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="0"/></w:num>'
        '<w:num w:numId="3"><w:abstractNumId w:val="0"/>'
        '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        '<w:num w:numId="4"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="1">'
        '<w:lvl w:ilvl="1"><w:start w:val="3"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%2"/></w:lvl>'
        "</w:lvlOverride></w:num>"
    )
    body = para("a", num=(1, 0)) + para("b", num=(2, 0)) + para("c", num=(3, 0)) + para("d", num=(3, 1))
    body += para("e", num=(4, 1))
    assert read(package(body, numbering)) == ["一、a", "二、b", "一、c", "（一）d", "②e"]


def test_a_list_linked_through_a_list_style_and_a_style_without_ilvl_takes_the_linked_level():
    styles = (
        '<w:style w:type="numbering" w:styleId="ReportList"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="Heading2"><w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr></w:style>'
    )
    numbering = (
        f'<w:abstractNum w:abstractNumId="0"><w:styleLink w:val="ReportList"/>{CN_LIST.replace("</w:numFmt>", "")}'
        "</w:abstractNum>"
        '<w:abstractNum w:abstractNumId="1"><w:numStyleLink w:val="ReportList"/></w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'
    )
    numbering = numbering.replace(
        '<w:lvlText w:val="（%2）"/>', '<w:pStyle w:val="Heading2"/><w:lvlText w:val="（%2）"/>'
    )
    body = para("a", num=(1, 0)) + para("b", "Heading2") + para("c", "Heading2")
    assert read(package(body, numbering, styles)) == ["一、a", "（一）b", "（二）c"]


@pytest.mark.parametrize(
    ("fmt", "n", "shown"),
    [
        ("chineseCounting", 1, "一"),
        ("chineseCounting", 11, "十一"),
        ("chineseCountingThousand", 20, "二十"),
        ("chineseCountingThousand", 35, "三十五"),
        ("taiwaneseCounting", 10, "十"),
        ("chineseLegalSimplified", 12, "壹拾贰"),
        ("ideographDigital", 10, "一〇"),
        ("ideographTraditional", 3, "丙"),
        ("ideographZodiac", 1, "子"),
        ("decimalEnclosedCircle", 1, "①"),
        ("decimalEnclosedCircle", 21, "㉑"),
        ("decimalEnclosedCircleChinese", 50, "㊿"),
        ("decimalEnclosedParen", 2, "⑵"),
        ("decimalEnclosedFullstop", 3, "⒊"),
        ("ideographEnclosedCircle", 1, "㊀"),
        ("decimal", 12, "12"),
        ("decimalZero", 7, "07"),
        ("decimalFullWidth", 12, "１２"),
        ("upperLetter", 27, "AA"),
        ("lowerLetter", 2, "b"),
        ("upperRoman", 14, "XIV"),
        ("lowerRoman", 4, "iv"),
        ("none", 3, ""),
        ("ordinal", 3, "3"),  # not a Chinese report's form: shown as decimal
    ],
)
def test_number_formats(fmt, n, shown):
    assert render(fmt, n) == shown


def test_only_the_body_text_as_shown_is_read():
    """Tracked insertions count, deletions do not; table and text-box paragraphs are not body text."""
    body = (
        "<w:p><w:r><w:t>保留</w:t></w:r><w:ins><w:r><w:t>插入</w:t></w:r></w:ins>"
        "<w:del><w:r><w:delText>删除</w:delText><w:tab/></w:r></w:del><w:r><w:tab/><w:t>尾</w:t><w:br/></w:r>"
        '<w:hyperlink><w:r><w:t xml:space="preserve"> 链接 </w:t></w:r></w:hyperlink>'
        "<w:r><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>表格</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>控件</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    src = DocxFileReader().read("r.docx", package(body))
    assert src.paragraphs == ("保留插入\t尾\n 链接 ", "控件") and src.tables == 1


# --- ZIP members inflated with a hard cap, whatever the headers claim ------------------------


def lying_zip(mb: int, head: bytes = b"", fill: bytes = b" ") -> bytes:
    """A DOCX-named ZIP whose document part inflates to `mb` MB (`head`, then `fill` bytes) while its local
    and central headers both claim 4000 bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as f:
            f.write(head)
            chunk = fill * (1024 * 1024)
            for _ in range(mb):
                f.write(chunk)
    data = bytearray(buf.getvalue())
    name = b"word/document.xml"
    local = zipfile.ZipFile(buf).getinfo(name.decode()).header_offset
    struct.pack_into("<I", data, local + 22, 4000)  # uncompressed size in the local header
    central = next(m.start() for m in re.finditer(b"PK\x01\x02", data) if data[m.start() + 46 :].startswith(name))
    struct.pack_into("<I", data, central + 24, 4000)  # and in the central directory
    return bytes(data)


@pytest.fixture(scope="module")
def lying() -> dict[str, bytes]:
    return {"xml": lying_zip(120, f"<w:document {W_NS}><w:body>".encode()), "zeros": lying_zip(120, fill=b"\0")}


@pytest.mark.parametrize("kind", ["xml", "zeros"])
def test_a_zip_that_understates_its_sizes_is_refused_as_a_bomb(lying, kind):
    data = lying[kind]
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml")
    assert info.file_size == 4000 and len(data) < 200_000  # the headers pass the size check
    with pytest.raises(UnreadableFile) as err:
        DocxFileReader().read("r.docx", data)
    assert err.value.reason == "import_bomb"


PROBE = """
import json, sys, time, tracemalloc
from report.reader import DocxFileReader
from dialogs.ports import UnreadableFile

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":"))

data = open(sys.argv[1], "rb").read()
DocxFileReader().read("warm.txt", "一、热身".encode())
before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) starts again from the present RSS
tracemalloc.start()
start = time.perf_counter()
try:
    result = len(DocxFileReader().read("r.docx", data).paragraphs)
except UnreadableFile as exc:
    result = exc.reason
seconds = time.perf_counter() - start
traced = tracemalloc.get_traced_memory()[1]
print(json.dumps({"result": result, "peak_mb": round((status("VmHWM") - before) / 1024, 1),
                  "python_peak_mb": round(traced / 2**20, 1), "seconds": round(seconds, 2)}))
"""


def probe(tmp_path: Path, data: bytes) -> dict:
    """Read `data` in a fresh interpreter: the result, how far its peak RSS rose while reading and the peak of
    Python allocations (MB), and the seconds it took (tracing slows it a little)."""
    path = tmp_path / "upload.docx"
    path.write_bytes(data)
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], cwd=REPO, capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(run.stdout)


def test_the_lying_zip_is_refused_within_three_times_the_file_limit(tmp_path):
    data = lying_zip(400, f"<w:document {W_NS}><w:body>".encode())  # the 400 MB case
    got = probe(tmp_path, data)
    print(f"lying zip of {len(data) // 1024} KB inflating to 400 MB: {got}")
    assert got["result"] == "import_bomb" and got["peak_mb"] < 3 * MAX_FILE / 2**20


# --- small ones ------------------------------------------------------------------------------


def test_invisible_characters_are_removed_from_docx_and_text():
    text = "一、依法\u00ad行政\u200b情况\n（一）加强\ufeff组织领导"
    assert read(build_docx(text, "typed")) == ["一、依法行政情况", "（一）加强组织领导"]
    assert read(("\ufeff" + text).encode("utf-8"), "r.txt") == ["一、依法行政情况", "（一）加强组织领导"]


def long_report(paragraphs: int) -> bytes:
    """A document of this many paragraphs, every tenth a style-numbered second-level heading."""
    styles = '<w:style w:type="paragraph" w:styleId="Heading2"><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
    numbering = f'<w:abstractNum w:abstractNumId="0">{CN_LIST}</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
    body = "".join(
        para(f"第{i}项工作", "Heading2") if i % 10 == 0 else para(f"全年开展专项执法检查{i}次，发现问题已整改到位。")
        for i in range(paragraphs)
    )
    return package(body, numbering, styles)


def test_a_ten_thousand_paragraph_document_reads_quickly(tmp_path):
    data = long_report(10_000)
    got = probe(tmp_path, data)
    print(f"10,000 paragraphs, {len(data) // 1024} KB: {got}")
    assert got["result"] == 10_000 and got["seconds"] < 3 and got["peak_mb"] < 3 * MAX_FILE / 2**20
    paragraphs = read(data)
    assert paragraphs[10] == "（二）第10项工作" and paragraphs[9990] == "（一千）第9990项工作"
