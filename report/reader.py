"""Reading an uploaded report (.docx as Word or WPS saves it, or .txt) into paragraphs, refusing what is unsafe.

Checks come before parsing: size, the old binary Word format and password-protected
files (both OLE compound files), ZIP archives whose headers claim more than the caps,
and archives that are not Word documents. The few parts needed (document, styles,
numbering) are then inflated in chunks with a running count, whatever their headers
claim, and refused past 50 MB in all or 200× a member's packed size; the body is parsed
as it streams in, one paragraph at a time. Body paragraphs are read in order with their
typed numbering; Word's automatic numbers (on the paragraph or its style) are put in
front as Word shows them (report/numbering.py). Tables are counted, not imported;
headers, footers and text boxes are never part of the body. Invisible characters (soft
hyphens, zero-width spaces, stray BOMs) are removed.
"""

from __future__ import annotations

import copy
import posixpath
import re
import zipfile
import zlib
from io import BytesIO

from lxml import etree

from dialogs.ports import Source, UnreadableFile
from report.numbering import NS, Numbering, W

MAX_FILE = 10 * 1024 * 1024  # bytes as uploaded
MAX_INFLATED = 50 * 1024 * 1024  # bytes of the members read, together, once inflated
MAX_RATIO = 200  # a member inflating more than this many times (past 1 MB) is a bomb, not a document
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 64 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u2060\ufeff]")
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, etree.LxmlError, ValueError, KeyError, NotImplementedError)
_PARSE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_P, _TBL, _TXBX = f"{{{W}}}p", f"{{{W}}}tbl", f"{{{W}}}txbxContent"
_PPR = f"{{{W}}}pPr"
_TEXT = etree.XPath(
    ".//w:r[not(ancestor::w:del or ancestor::w:moveFrom or ancestor::w:txbxContent or ancestor::mc:Fallback)]"
    "/*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen or self::w:sym]",
    namespaces=NS,
)


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


def clean(text: str) -> str:
    """Text without the invisible characters editors leave in it (soft hyphen, zero-width space, BOM ...)."""
    return _INVISIBLE.sub("", text)


def decode_text(data: bytes) -> str:
    """Text in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (what Chinese Windows saves)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for enc in encodings:
        try:
            text = clean(data.decode(enc))
        except UnicodeDecodeError:
            continue
        if "\x00" not in text and sum(not c.isprintable() and c not in "\r\n\t" for c in text) <= len(text) // 100:
            return text
    raise UnreadableFile("import_not_text")


def _check_zip(zf: zipfile.ZipFile) -> None:
    """Refuse at once what the headers already admit is too big (they may lie: members are capped as read too)."""
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if total > MAX_INFLATED or (
            info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size)
        ):
            raise UnreadableFile("import_bomb")


class _Member:
    """A ZIP member inflated chunk by chunk, counted against the caps whatever its headers claim."""

    def __init__(self, zf: zipfile.ZipFile, name: str, spent: list[int]) -> None:
        info = copy.copy(zf.getinfo(name))
        self.packed = info.compress_size
        info.file_size = 1 << 62  # zipfile would stop (and fail the CRC) at the claimed size; the caps decide
        self.stream = zf.open(info)
        self.spent = spent
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(_CHUNK if n is None or n < 0 else min(n, _CHUNK))
        self.count += len(data)
        self.spent[0] += len(data)
        if self.spent[0] > MAX_INFLATED or (self.count > _RATIO_FLOOR and self.count > MAX_RATIO * max(1, self.packed)):
            raise UnreadableFile("import_bomb")
        return data

    def drain(self) -> None:
        """Read to the end, so a member that is not XML but inflates past the caps is still called a bomb."""
        while self.read(_CHUNK):
            pass

    def close(self) -> None:
        self.stream.close()


def read_docx(data: bytes) -> Source:
    """Body paragraphs of a DOCX in order (automatically numbered paragraphs given their number)."""
    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("import_not_docx") from exc
    with zf:
        _check_zip(zf)
        try:
            return _read_parts(zf)
        except _DAMAGED as exc:  # a damaged package fails in many ways, all of them "not a Word file"
            raise UnreadableFile("import_not_docx") from exc


def _read_parts(zf: zipfile.ZipFile) -> Source:
    spent = [0]
    names = set(zf.namelist())
    document = _target(zf, spent, "", "officeDocument") or "word/document.xml"
    if document not in names:
        raise UnreadableFile("import_not_docx")
    styles = _target(zf, spent, document, "styles") or "word/styles.xml"
    numbering = _target(zf, spent, document, "numbering") or "word/numbering.xml"
    resolver = Numbering(_parse(zf, spent, numbering), _parse(zf, spent, styles))
    member = _Member(zf, document, spent)
    try:
        return _body(member, resolver)
    except etree.XMLSyntaxError:
        member.drain()
        raise
    finally:
        member.close()


def _parse(zf: zipfile.ZipFile, spent: list[int], name: str) -> etree._Element | None:
    """A small part (styles, numbering, relationships) parsed whole; None when the package has none."""
    if name not in zf.namelist():
        return None
    member = _Member(zf, name, spent)
    try:
        return etree.parse(member, etree.XMLParser(**_PARSE)).getroot()
    except etree.XMLSyntaxError:
        member.drain()
        raise
    finally:
        member.close()


def _target(zf: zipfile.ZipFile, spent: list[int], source: str, kind: str) -> str | None:
    """The part a relationship of `kind` from part `source` ("" for the package) points at, if stated."""
    folder, base = posixpath.split(source)
    rels = _parse(zf, spent, posixpath.join(folder, "_rels", base + ".rels"))
    for rel in rels if rels is not None else ():
        if rel.get("Type", "").rsplit("/", 1)[-1] == kind and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            return posixpath.normpath(path)
    return None


def _body(member: _Member, numbering: Numbering) -> Source:
    """Body paragraphs and the number of body tables, parsed as the document part streams in."""
    paragraphs: list[str] = []
    tables = 0
    for _, el in etree.iterparse(member, events=("end",), tag=(_P, _TBL), **_PARSE):
        if next(el.iterancestors(_TBL, _TXBX), None) is not None:
            continue  # inside a table or a text box: its own end comes later
        if el.tag == _TBL:
            tables += 1
        else:
            paragraphs.append(_paragraph(el, numbering))
        _free(el)
    return Source(tuple(paragraphs), tables)


def _free(el: etree._Element) -> None:
    """Drop a handled body element and everything before it, so the tree never holds the whole document."""
    el.clear(keep_tail=True)
    parent = el.getparent()
    while parent is not None and el.getprevious() is not None:
        del parent[0]


def _paragraph(p: etree._Element, numbering: Numbering) -> str:
    """A paragraph's text as Word shows it, with its automatic number (if any) in front."""
    text = "".join(map(_run_text, _TEXT(p)))
    label = numbering.label(p.find(_PPR))
    return clean(label + text if text.strip() else text)


def _run_text(el: etree._Element) -> str:
    tag = etree.QName(el).localname
    if tag == "t":
        return el.text or ""
    if tag == "tab":
        return "\t"
    if tag == "br":
        return "\n" if el.get(f"{{{W}}}type", "textWrapping") == "textWrapping" else ""
    if tag == "cr":
        return "\n"
    if tag == "noBreakHyphen":
        return "-"
    try:  # w:sym: symbol-font characters (private use) are dropped
        code = int(el.get(f"{{{W}}}char", "0"), 16)
    except ValueError:
        return ""
    return "" if code < 32 or 0xE000 <= code <= 0xF8FF else chr(code)
