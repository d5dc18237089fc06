"""Compose a report from answers: Jinja2 template -> a small structured result.

The template emits one line per block ("@h1 text", "@p text", ...). Answers
are only ever values in the template's context, never template source, and
their line breaks are escaped on the way out so an answer cannot start a block
of its own. Heading numbers are computed here, so skipped items leave no gaps
and a section with nothing under it is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from dialogs.parse import format_date
from dialogs.schema import TEMPLATES_DIR, ReportType
from dialogs.wording import DEFAULT_CLOSING, opening_lead_in, own_closing

from .assemble import parts_context

SEP = "\x1f"  # between a run-in heading and its text; user input can never hold it
_NL = "\u2028"  # an answer's line break while it passes through the template
CN_DIGITS = "零一二三四五六七八九"
_END = "。！？…"
_SOFT_END = "，、；：,;:"
KINDS = ("title", "to", "p", "h1", "h2", "h3", "h4", "lead", "lead3", "sign", "date")
RUN_IN_KINDS = ("lead", "lead3")


@dataclass(frozen=True)
class Block:
    """One piece of the report. `number` is the computed heading number (e.g. '（一）')."""

    kind: str
    text: str
    number: str = ""
    head: str = ""  # a run-in heading's own words, e.g. 强化依法履职 (kinds "lead", "lead3")
    sep: str = "。"  # what follows a run-in heading: 。 or ：, as the user wrote it


@dataclass(frozen=True)
class Composition:
    """The report as structure: what the preview and the DOCX writer both read."""

    title: str
    blocks: tuple[Block, ...]
    author: str

    def body(self) -> tuple[Block, ...]:
        """Blocks after the title."""
        return tuple(b for b in self.blocks if b.kind != "title")


def cn_number(n: int) -> str:
    """1..99 as Chinese numerals: 1 一, 10 十, 12 十二, 20 二十, 35 三十五."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + ("" if ones == 0 else CN_DIGITS[ones])


def tidy(text: str) -> str:
    """Remove doubled or clashing punctuation and empty brackets that joins can produce."""
    text = re.sub(r"[，、；：,;:]+。", "。", text)
    text = re.sub(r"。[，、；。]+", "。", text)
    text = re.sub(r"，{2,}", "，", text)
    text = re.sub(r"（\s*）|\(\s*\)|“\s*”|《\s*》", "", text)
    return text.strip()


def sentence(value: Any) -> str:
    """End a piece of text with a full stop unless it already ends a sentence."""
    s = str(value).strip()
    if not s:
        return ""
    if s[-1] in _END or (s[-1] in "”’」』" and len(s) > 1 and s[-2] in _END):
        return s
    if s[-1] in _SOFT_END:
        return s[:-1] + "。"
    return s + "。"


def bare(value: Any) -> str:
    """Text without trailing punctuation: for headings and names inside sentences."""
    return str(value).strip().rstrip("。，、；：！？,.;:!? ")


def lead_in(value: Any, prefix: str, already: tuple[str, ...] = ()) -> str:
    """Put a fixed lead-in before an answer unless the answer already starts with one."""
    s = str(value).strip()
    return s if s.startswith(already) else prefix + s


def opening(value: Any, year: str, who: str, unit: str) -> str:
    """The user's opening as written: 「{年}年，{简称}」 before it only when it has no lead-in of its own,
    and the default closing after it only when it has no closing of its own (never two)."""
    s = str(value).strip()
    lead = opening_lead_in(s, year, who, (unit,))
    return lead + (s if own_closing(s) else sentence(s) + DEFAULT_CLOSING)


def _finalize(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\n", _NL)
    return value


@lru_cache(maxsize=8)
def _environment(directory: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(sentence=sentence, bare=bare, lead_in=lead_in, opening=opening, cn_date=format_date)
    return env


def _blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    for line in lines:
        if not line.strip():
            continue
        if not line.startswith("@"):
            raise ValueError(f"template line without a block marker: {line[:40]!r}")
        kind, _, text = line[1:].partition(" ")
        if kind not in KINDS:
            raise ValueError(f"unknown block kind '@{kind}' in template output")
        if kind in RUN_IN_KINDS:
            head, sep, rest = (text.split(SEP, 2) + ["", ""])[:3]
            paras = [p.strip() for p in rest.split(_NL) if p.strip()]
            blocks.append(Block(kind, tidy(paras[0]) if paras else "", head=bare(head), sep=sep or "。"))
            blocks += [Block("p", tidy(p)) for p in paras[1:]]
            continue
        parts = [p.strip() for p in text.split(_NL) if p.strip()]
        if kind == "p":
            blocks += [Block("p", tidy(p)) for p in parts]
        elif parts:
            blocks.append(Block(kind, tidy(" ".join(parts)) if kind != "to" else " ".join(parts)))
    return blocks


_LEVEL = {"h1": 1, "h2": 2, "lead": 2, "h3": 3, "lead3": 3, "h4": 4}


def _drop_empty_sections(blocks: list[Block]) -> list[Block]:
    """Leave out a section heading with nothing under it (the next section or the signature follows)."""
    out: list[Block] = []
    for i, b in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if b.kind == "h1" and (nxt is None or nxt.kind in ("h1", "sign", "date")):
            continue
        out.append(b)
    return out


def _number(blocks: list[Block]) -> list[Block]:
    counters = [0, 0, 0, 0]
    out = []
    for b in blocks:
        level = _LEVEL.get(b.kind)
        if level is None:
            out.append(b)
            continue
        counters[level - 1] += 1
        for deeper in range(level, 4):
            counters[deeper] = 0
        n = counters[level - 1]
        number = {1: f"{cn_number(n)}、", 2: f"（{cn_number(n)}）", 3: f"{n}.", 4: f"（{n}）"}[level]
        out.append(Block(b.kind, b.text, number, b.head, b.sep))
    return out


def compose(rt: ReportType, answers: dict[str, Any], directory: Path = TEMPLATES_DIR) -> Composition:
    """Render the report type's template with the answers and number the headings."""
    env = _environment(str(directory))
    context = dict(answers)
    context["answers"] = dict(answers)
    context["SEP"] = SEP
    unit = str(answers.get("unit_name") or "××单位")
    year = str(answers.get("year") or "20××")
    who = str(answers.get("unit_short") or unit)
    context.update(unit=unit, year=year, who=who, parts=parts_context(rt, answers, year, who))
    text = env.get_template(rt.template).render(context)
    blocks = _number(_drop_empty_sections(_blocks(text.split("\n"))))
    title = next((b.text for b in blocks if b.kind == "title"), rt.name)
    author = next((b.text for b in blocks if b.kind == "sign"), str(answers.get("unit_name", "")))
    return Composition(title=title, blocks=tuple(blocks), author=author)


def to_text(comp: Composition) -> str:
    """Plain text for the chat preview: numbered headings, indented paragraphs, signature."""
    lines = []
    for b in comp.blocks:
        if b.kind == "title":
            lines += [b.text, ""]
        elif b.kind == "to":
            lines.append(b.text)
        elif b.kind in ("sign",):
            lines += ["", b.text]
        elif b.kind == "date":
            lines.append(b.text)
        elif b.kind in RUN_IN_KINDS:
            lines.append(f"　　{b.number}{b.head}{b.sep}{b.text}")
        elif b.kind == "p":
            lines.append(f"　　{b.text}")
        else:
            lines.append(f"{b.number}{b.text}")
    return "\n".join(lines)
