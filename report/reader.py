"""Reading an uploaded report (.docx as Word or WPS saves it, or .txt) into paragraphs, refusing what is unsafe.

Checks come before parsing: size, the old binary Word format and password-protected
files (both OLE compound files), ZIP archives that inflate beyond a cap, and
archives that are not Word documents. Body paragraphs are read in order with their
typed numbering; Word's automatic list numbers are not text, so a numbered
paragraph gets 一、 or （一） by its list level. Tables are counted, not imported;
headers and footers (page numbers) are never part of the body.
"""

from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from dialogs.importer import Source, UnreadableFile

MAX_FILE = 10 * 1024 * 1024  # bytes as uploaded
MAX_INFLATED = 50 * 1024 * 1024  # bytes of all ZIP members together once inflated
MAX_RATIO = 200  # a member inflating more than this many times is a bomb, not a document
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_CN = "一二三四五六七八九十"


class DocxFileReader:
    """The FileReader the assistant uses."""

    def read(self, filename: str, data: bytes) -> Source:
        """The file's paragraphs; UnreadableFile (with a message key) for anything that is not a readable report."""
        if len(data) > MAX_FILE:
            raise UnreadableFile("import_too_big", mb=MAX_FILE // (1024 * 1024))
        if not data.strip():
            raise UnreadableFile("import_empty")
        if data.startswith(_OLE):
            raise UnreadableFile("import_encrypted" if _ENCRYPTED in data else "import_doc")
        if data.startswith(b"PK"):
            return read_docx(data)
        if filename.lower().endswith((".docx", ".doc", ".wps", ".pdf", ".xlsx")):
            raise UnreadableFile("import_not_docx")
        return Source(tuple(decode_text(data).splitlines()))


def decode_text(data: bytes) -> str:
    """Text in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (what Chinese Windows saves)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for enc in encodings:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text and sum(not c.isprintable() and c not in "\r\n\t" for c in text) <= len(text) // 100:
            return text
    raise UnreadableFile("import_not_text")


def _check_zip(zf: zipfile.ZipFile) -> None:
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if total > MAX_INFLATED or (
            info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(1, info.compress_size)
        ):
            raise UnreadableFile("import_bomb")
    if "word/document.xml" not in zf.namelist():
        raise UnreadableFile("import_not_docx")


def read_docx(data: bytes) -> Source:
    """Body paragraphs of a DOCX in order (numbered list paragraphs given their number's form)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("import_not_docx") from exc
    with zf:
        _check_zip(zf)
    try:
        doc = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a damaged package
        raise UnreadableFile("import_not_docx") from exc
    paragraphs: list[str] = []
    tables = 0
    counters = [0, 0]
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            tables += 1
            continue
        paragraphs.append(_numbered(block, counters))
    return Source(tuple(paragraphs), tables)


def _numbered(p: Paragraph, counters: list[int]) -> str:
    """The paragraph's text, with 一、/（一） in front if Word numbers it automatically (levels 0 and 1)."""
    text = p.text
    ppr = p._p.pPr
    num = ppr.find(qn("w:numPr")) if ppr is not None else None
    if num is None or not text.strip():
        return text
    ilvl = num.find(qn("w:ilvl"))
    level = int(ilvl.get(qn("w:val"), "0")) if ilvl is not None else 0
    if level > 1:
        return text
    counters[level] += 1
    if level == 0:
        counters[1] = 0
    n = _CN[counters[level] - 1] if counters[level] <= 10 else str(counters[level])
    return f"{n}、{text}" if level == 0 else f"（{n}）{text}"
