"""Keeps the hand-written report corpus (tests/corpus/) honest against its manifest.

Each text was written for this project (no published report's text) to cover one layout:
title line or not, heading style, second-level form, opening, closing and signature.
These tests read the layout back from the text itself, so a manifest that claims a
layout the text does not have, a missing file or a figure not written verbatim fails.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"
MIN_FILES = 18
MIN_CHARS, MAX_CHARS = 900, 2500

H1 = re.compile(r"^[一二三四五六七八九十]+、")
H2 = re.compile(r"^（[一二三四五六七八九十]+）")
H3 = re.compile(r"^\d+\.(?=\D)")
DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")

ALLOWED = {
    "title_line": [True, False],
    "headings": ["regulation", "five", "thematic", "three", "enforce"],
    "h2_form": ["own_line", "run_in", "num_under_h1", "mixed"],
    "has_h3_under_h2": [True, False],
    "opening_kind": ["year_lead", "since_lead", "wei_lead", "unit_mid", "genju"],
    "signature": ["unit_date", "date_only", "none"],
    "closing_kind": ["none", "baogao", "huibao"],
}
PROFILES = [
    "keji",
    "renshe",
    "shichang",
    "sifa",
    "jiaoyu",
    "weijian",
    "zhujian",
    "nongye",
    "ziran",
    "shengtai",
    "jiaotong",
    "yingji",
    "qita",
]
REGULATION_H1 = (
    "一、2024年度推进法治政府建设的主要举措和成效",
    "二、2024年度推进法治政府建设存在的不足和原因",
    "三、2024年度党政主要负责人履行推进法治建设第一责任人职责",
    "四、2025年度推进法治政府建设的主要安排",
)


def load_manifest(path: Path = CORPUS / "manifest.toml") -> list[dict]:
    """The manifest's report tables, in file order."""
    with path.open("rb") as f:
        return tomllib.load(f)["report"]


def closing_kind(closing: str) -> str:
    """Which kind of closing sentence the manifest names: none, 报告如下 or 汇报如下."""
    if not closing:
        return "none"
    return "huibao" if "汇报如下" in closing else "baogao"


def read_lines(name: str) -> list[str]:
    """The file's paragraphs, one a line."""
    return (CORPUS / name).read_text(encoding="utf-8").split("\n")[:-1]


def title_line_count(lines: list[str]) -> int:
    """0, 1 or 2: how many lines the title takes (unit line + 关于… line counts as 2)."""
    if lines[0].endswith("报告"):
        return 1
    if lines[1].startswith("关于") and lines[1].endswith("报告"):
        return 2
    return 0


def split_report(lines: list[str]) -> dict:
    """Title, recipient, opening, body and signature lines of one report."""
    i = title_line_count(lines)
    recipient = lines[i] if lines[i].endswith("：") and len(lines[i]) < 20 else ""
    i += 1 if recipient else 0
    end = len(lines)
    signature = "none"
    if DATE.match(lines[-1]):
        end -= 1
        signature = "date_only"
        prev = lines[-2]
        if len(prev) <= 20 and "。" not in prev and not (H1.match(prev) or H2.match(prev) or H3.match(prev)):
            end -= 1
            signature = "unit_date"
    return {
        "title": lines[: title_line_count(lines)],
        "opening": lines[i],
        "body": lines[i + 1 : end],
        "sig": signature,
    }


def heading_style(h1s: list[str]) -> str:
    """The first-level heading style, read from the 「一、」 lines."""
    if len(h1s) >= 4 and all(h.startswith(r) for h, r in zip(h1s, REGULATION_H1, strict=False)):
        return "regulation"
    if "第一责任人" in h1s[0]:
        return "five"
    if "行政执法" in h1s[0]:
        return "enforce"
    if "，" in h1s[0]:
        return "thematic"
    return "three" if len(h1s) == 3 else "unknown"


def second_level(body: list[str]) -> tuple[str, bool]:
    """The second-level form and whether any 「1.」 item sits under a 「（一）」."""
    kinds: set[str] = set()
    under_h2 = False
    last = ""
    for line in body:
        if H1.match(line):
            last = "h1"
        elif H2.match(line):
            last = "h2"
            kinds.add("run_in" if re.search("[。：]", line) else "own_line")
        elif H3.match(line):
            kinds.add("num_under_h1" if last == "h1" else "h3_under_h2")
            under_h2 = under_h2 or last == "h2"
    forms = kinds - {"h3_under_h2"}
    form = forms.pop() if len(forms) == 1 else ("mixed" if forms else "none")
    return form, under_h2


def opening_kind(opening: str, bureau: str) -> str:
    """How the opening paragraph begins."""
    for prefix, kind in (
        ("2024年以来", "since_lead"),
        ("2024年，", "year_lead"),
        ("为", "wei_lead"),
        ("根据", "genju"),
    ):
        if opening.startswith(prefix):
            return kind
    return "unit_mid" if bureau in opening else "unknown"


MANIFEST = load_manifest()
IDS = [r["file"] for r in MANIFEST]


def test_every_file_is_listed_and_exists():
    files = sorted(p.name for p in CORPUS.glob("*.txt"))
    assert files == sorted(IDS)
    assert len(files) >= MIN_FILES


def test_every_layout_value_is_covered_twice():
    for field, values in ALLOWED.items():
        if field == "closing_kind":
            seen = Counter(closing_kind(r["closing"]) for r in MANIFEST)
        else:
            seen = Counter(r[field] for r in MANIFEST)
        assert set(seen) <= set(values), field
        assert all(seen[v] >= 2 for v in values), (field, seen)


def test_every_profile_is_covered():
    hints = Counter(r["profile_hint"] for r in MANIFEST)
    assert set(hints) == set(PROFILES)


@pytest.mark.parametrize("rep", MANIFEST, ids=IDS)
def test_text_is_typed_as_a_bureau_would(rep):
    text = (CORPUS / rep["file"]).read_text(encoding="utf-8")
    lines = read_lines(rep["file"])
    assert text.endswith("\n") and "\r" not in text
    assert all(line and line == line.strip() for line in lines), "one paragraph a line, no blank lines"
    assert MIN_CHARS <= len(text.replace("\n", "")) <= MAX_CHARS
    assert rep["year"] == 2024 and "2024年" in text


@pytest.mark.parametrize("rep", MANIFEST, ids=IDS)
def test_figures_occur_verbatim(rep):
    text = (CORPUS / rep["file"]).read_text(encoding="utf-8")
    assert rep["figures"], "every report lists its figures"
    missing = [f for f in rep["figures"] if f not in text]
    assert not missing


@pytest.mark.parametrize("rep", MANIFEST, ids=IDS)
def test_layout_matches_the_text(rep):
    lines = read_lines(rep["file"])
    parts = split_report(lines)
    h1s = [line for line in parts["body"] if H1.match(line)]
    form, h3_under_h2 = second_level(parts["body"])
    assert bool(parts["title"]) == rep["title_line"]
    assert heading_style(h1s) == rep["headings"]
    assert form == rep["h2_form"]
    assert h3_under_h2 == rep["has_h3_under_h2"]
    assert opening_kind(parts["opening"], rep["bureau"]) == rep["opening_kind"]
    assert parts["sig"] == rep["signature"]


@pytest.mark.parametrize("rep", MANIFEST, ids=IDS)
def test_closing_sentence_is_the_openings_end(rep):
    opening = split_report(read_lines(rep["file"]))["opening"]
    if rep["closing"]:
        assert opening.endswith(rep["closing"])
    else:
        assert not opening.endswith("：")
