"""Answers -> the template's context: the outline's parts with their items, and each figure sentence in its place.

Pure functions. A figure group's sentence names the unit and goes under the
first sub-section whose title matches the group (e.g. the 复议应诉 sentence
under 行政复议和行政应诉情况); with no such sub-section it opens the outline's
figures part. A figure the user already wrote in that text is not repeated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dialogs.numbers import Figure
from dialogs.schema import Question, ReportType
from dialogs.wording import FORM_STYLE, RUN_IN, STYLE_LEVEL, fill_years

_CLAUSE = re.compile(r"[。；;，,、：:！？!?\n]")
FIGURE_ROLES = ("measures", "enforce_stats")  # the parts whose sub-sections figure sentences may go under


@dataclass
class Item:
    """One sub-section: its title, the user's text, and the figure sentences placed in it."""

    title: str
    body: str
    figs: list[str] = field(default_factory=list)
    sep: str = "。"  # between a run-in title and its text, as the user wrote it


def _figure(answers: dict[str, Any], fid: str) -> Figure | None:
    return Figure.from_json(answers.get(fid)) if fid in answers else None


def already_written(text: str, fig: Figure, others: tuple[str, ...] = ()) -> bool:
    """Whether `text` already states this figure: the number with its unit as written, in a clause that is not
    another figure's (「应诉案件2件」 is 应诉's 2件, not 复议's). The noun may differ: 宣传册3000份 states 3000份."""
    shown = re.escape(fig.printed())
    for clause in _CLAUSE.split(text):
        if re.search(rf"(?<![\d.]){shown}", clause) and not any(w in clause for w in others):
            return True
    return False


def _words(f: Any) -> tuple[str, ...]:
    return f.match or (f.label,)


def _phrases(group: Any, answers: dict[str, Any], seen_in: str) -> list[str]:
    """The group's figure phrases, parts of a total in （其中…） after it, skipping figures already written."""
    out = []
    totals = {f.of for f in group.figures if f.of}
    for f in group.figures:
        fig = _figure(answers, f.id)
        if fig is None or (f.of and _figure(answers, f.of) is not None):
            continue
        others = tuple(w for g in group.figures if g is not f for w in _words(g) if w not in _words(f))
        if already_written(seen_in, fig, others):
            continue
        names = answers.get(f"{f.id}_named") or []
        phrase = f.phrase.format(v=fig.printed(), names=("、".join(names) + "等") if names else "")
        if f.id in totals:
            parts = [(p, _figure(answers, p.id)) for p in group.figures if p.of == f.id]
            inner = [p.phrase.format(v=pf.printed(), names="") for p, pf in parts if pf is not None]
            if inner:
                phrase += "（其中" + "、".join(inner) + "）"
        out.append(phrase)
    return out


def figure_sentence(group: Any, answers: dict[str, Any], subject: str, seen_in: str = "") -> str:
    """'2024年，县人社局涉及行政复议案件3件、行政应诉案件11件。' or '' when nothing is left to say."""
    phrases = _phrases(group, answers, seen_in)
    if not phrases:
        return ""
    return f"{subject}{group.lead}{group.join.join(phrases)}{group.tail}。"


def other_figures_sentence(answers: dict[str, Any], subject: str) -> str:
    """The free 其他数字 list as one sentence, each figure exactly as written."""
    items = answers.get("other_figures") or []
    phrases = [f"{it.get('name', '')}{it.get('text', '')}{it.get('unit', '')}" for it in items if isinstance(it, dict)]
    return f"{subject}{'，'.join(phrases)}。" if phrases else ""


def _items(q: Question, value: Any) -> list[Item]:
    values = value if isinstance(value, list) else [value]
    return [
        Item(str(v.get("title", "")), str(v.get("body", "")), sep=str(v.get("sep") or "。"))
        for v in values
        if isinstance(v, dict)
    ]


def _entries(section: Any, answers: dict[str, Any], form: str) -> list[dict[str, Any]]:
    """A part's paragraphs and item lists in asking order (its lead paragraph first), laid out in its form."""
    entries: list[dict[str, Any]] = []
    for q in section.questions:
        if q.id not in answers or q.kind in ("figure", "choice", "figures") or q.id.endswith("_named"):
            continue
        if q.kind == "group":
            style = form or q.style or "sections"
            entries.append(
                {
                    "kind": "items",
                    "style": style,
                    "level": STYLE_LEVEL.get(style, 2),
                    "run_in": style in RUN_IN,
                    "items": _items(q, answers[q.id]),
                }
            )
        elif q.kind == "paragraph":
            prefix, already = (q.lead_in[0], q.lead_in[1:]) if q.lead_in else ("", ())
            entries.append({"kind": "paragraph", "text": answers[q.id], "prefix": prefix, "already": already})
    return entries


def _text(part: dict[str, Any] | None) -> str:
    """All the user's own text in a part: its paragraphs and its items' titles and bodies."""
    out = []
    for e in (part or {}).get("entries", []):
        out += [e.get("text", "")] + [f"{it.title}。{it.body}" for it in e.get("items", [])]
    return "\n".join(out)


def _place_figures(rt: ReportType, parts: list[dict[str, Any]], answers: dict[str, Any], subject: str) -> None:
    """Each figure group's sentence, once: under the first sub-section of a measures part whose title names the
    group, else at the top of the figures part; figures that sub-section (or part) already states are left out."""
    home = next((p for p in parts if p["figures"]), None)
    mine = [p for p in parts if p["role"] in FIGURE_ROLES or p is home]
    items = [it for p in mine for e in p["entries"] if e["kind"] == "items" for it in e["items"]]
    loose: list[str] = []
    for group in rt.profile.figures if rt.profile else ():
        target = next((it for it in items if any(k in it.title for k in group.keywords)), None)
        if target is not None:
            sentence = figure_sentence(group, answers, subject, f"{target.title}。{target.body}")
            if sentence:
                target.figs.append(sentence)
            continue
        sentence = figure_sentence(group, answers, subject, _text(home))
        if sentence:
            loose.append(sentence)
    other = other_figures_sentence(answers, subject)
    if other:
        loose.append(other)
    if home is not None and loose:
        at = 1 if home["entries"] and home["entries"][0]["kind"] == "paragraph" else 0  # after its lead paragraph
        home["entries"].insert(at, {"kind": "figures", "sentences": loose})


def parts_context(rt: ReportType, answers: dict[str, Any], year: str, who: str) -> list[dict[str, Any]]:
    """The outline's parts in order: heading (the user's, else the default), entries, figures placed."""
    if rt.outline is None:
        return []
    sections = {s.id: s for s in rt.sections}
    parts = []
    for part in rt.outline.parts:
        heading = fill_years(str(answers.get(f"head_{part.id}") or part.heading), year)
        form = FORM_STYLE.get(str(answers.get(f"form_{part.id}", "")), "")
        entries = _entries(sections[part.id], answers, form)
        parts.append(
            {"id": part.id, "role": part.role, "heading": heading, "entries": entries, "figures": part.figures}
        )
    _place_figures(rt, parts, answers, f"{year}年，{who}")
    return parts
