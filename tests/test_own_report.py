"""The bureau's own report comes back as theirs: import → confirm everything → /report on our corpus.

tests/corpus/ holds report texts written for these tests in every layout bureaus use
(with and without a title line; regulation-worded, five-item, thematic, three-part and
enforcement-first headings; own-line and run-in 「（一）」; 「1.」 under 「一、」 and under
「（一）」), and tests/docx_builder.py lays each out as Word does (typed numbers,
per-paragraph list numbering, a multilevel list linked to the heading styles).
The DOCX must hold every body paragraph of the original, in order, character for
character, but for the year moving on in the opening and the headings, the new
date, and the default closing where the original had none.
"""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import pytest
from docx import Document

from dialogs.actions import Action
from dialogs.actions import Document as OutDocument
from dialogs.importer import roll_years, tidy
from dialogs.wording import DEFAULT_CLOSING, own_closing
from tests.conftest import say
from tests.docx_builder import build_docx
from tests.test_import import accept_all, replies
from tests.wording import fields

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
FILES = sorted(p.name for p in CORPUS.glob("*.txt"))
DATE = "2026年2月10日"
_H1 = re.compile(r"^[一二三四五六七八九十]+、")


ENTRIES = {e["file"]: e for e in MANIFEST["report"]}


def expected_body(text: str, year: int) -> tuple[list[str], list[str]]:
    """(opening paragraphs, the rest of the body) as next year's report prints them."""
    lines = tidy(text.splitlines())
    while lines and (len(lines[0]) <= 60 and not re.search(r"[。；：:]", lines[0]) and not _H1.match(lines[0])):
        lines = lines[1:]  # the title lines
    if lines and lines[0].endswith(("：", ":")) and len(lines[0]) <= 40:
        lines = lines[1:]  # the recipient
    if lines and re.match(r"^20\d{2}年\d{1,2}月\d{1,2}日$", lines[-1]):
        lines = lines[:-1]
        if lines and len(lines[-1]) <= 40 and not re.search(r"[。，；：]", lines[-1]):
            lines = lines[:-1]
    first = next(i for i, line in enumerate(lines) if _H1.match(line))
    opening = [roll_years(x, year) for x in lines[:first]]
    if opening and not own_closing(opening[-1]):
        opening[-1] = opening[-1] + DEFAULT_CLOSING
    body = [roll_years(x, year) if _H1.match(x) else x for x in lines[first:]]
    return opening, body


def report_paragraphs(assistant, user: int) -> list[str]:
    out = assistant.handle(user, Action("report", "anyway"))[-1]
    assert isinstance(out, OutDocument), getattr(out, "text", out)
    return [p.text for p in Document(io.BytesIO(out.data)).paragraphs if p.text.strip()]


def import_confirm_report(assistant, user: int, name: str, data: bytes) -> list[str]:
    outs = assistant.import_file(user, name, data)
    summary = replies(outs)[-1]
    assert summary.notice == "import_summary", summary.text
    assert fields("import_chars", summary.text)["percent"] == "100%", summary.text
    yes = next(b for row in summary.buttons for b in row if b.action.name == "import_yes")
    outs = assistant.handle(user, yes.action)
    if assistant.active(user).answers.get("unit_name") is None:  # no title and no signature: asked
        outs = say(assistant, user, "/edit unit_name")
        outs = say(assistant, user, "南岭县教育局")
    accept_all(assistant, user, outs, DATE)
    return report_paragraphs(assistant, user)


def check_round_trip(paras: list[str], text: str, entry: dict) -> None:
    opening, body = expected_body(text, int(entry["year"]))
    first = next(i for i, p in enumerate(paras) if _H1.match(p))
    assert paras[first - len(opening) : first] == opening
    assert paras[first : first + len(body)] == body
    assert paras[-1] == DATE  # the new date, the unit above it
    assert not any(own_closing(p) for p in paras[first:])  # never a second closing


@pytest.mark.parametrize("name", FILES)
def test_each_corpus_report_comes_back_as_written(assistant, name):
    text = (CORPUS / name).read_text(encoding="utf-8")
    paras = import_confirm_report(assistant, 61, name, text.encode("utf-8"))
    check_round_trip(paras, text, ENTRIES[name])


@pytest.mark.parametrize("mode", ["typed", "para_numbering", "style_numbering"])
@pytest.mark.parametrize("name", FILES[::3])
def test_word_list_numbering_comes_back_as_written(assistant, name, mode):
    text = (CORPUS / name).read_text(encoding="utf-8")
    paras = import_confirm_report(assistant, 62, "report.docx", build_docx(text, mode))
    check_round_trip(paras, text, ENTRIES[name])
