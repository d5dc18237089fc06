"""Outlines and bureau profiles as data: how a report is laid out, and whose words and figures it uses.

An outline (templates/outlines/*.toml) places the report type's pool questions
under first-level headings (parts) and says which of them that outline needs.
A profile (templates/profiles/*.toml) brings one kind of bureau's examples,
suggested sub-section titles and usual figures. `compile_variant` combines a
report type, an outline and a profile into a plain ReportType, so the engine
and the screens need to know nothing about either.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .schema import (
    _ID,
    Check,
    Condition,
    Question,
    ReportType,
    SchemaError,
    Section,
    _err,
    _str,
    _strs,
    validate,
)

FIGURE_GATE = ("填写", "不填")


@dataclass(frozen=True)
class Part:
    """One first-level heading of an outline and the pool questions under it."""

    id: str
    label: str  # short name for progress and review, e.g. 主要举措与成效
    heading: str  # default heading text; {year} is the report year
    questions: tuple[str, ...]
    required: tuple[str, ...] = ()
    styles: tuple[tuple[str, str], ...] = ()  # (question id, style) overrides
    figures: bool = False  # the profile's figure questions are asked here; unplaced figure sentences go here
    match: tuple[str, ...] = ()  # words that mark this part's heading in an imported report

    def style_of(self, qid: str, default: str) -> str:
        return dict(self.styles).get(qid, default)


@dataclass(frozen=True)
class Outline:
    """A report layout: its parts in order."""

    id: str
    name: str
    description: str
    parts: tuple[Part, ...]
    order: int = 100


@dataclass(frozen=True)
class FigureSpec:
    """One figure a bureau usually reports, and the phrase it makes in a sentence ({v} is the figure as written)."""

    id: str
    label: str
    unit: str
    phrase: str
    prompt: str = ""
    hint: str = ""
    of: str = ""  # id of the figure this one is a part of (parts must add up to it)
    names: bool = False  # also ask for a few names to cite (西鲁公司、华兰公司等16家…)
    match: tuple[str, ...] = ()  # words that show a paragraph already states this figure


@dataclass(frozen=True)
class FigureGroup:
    """Figures asked and printed together, e.g. 复议应诉; the sentence goes under a sub-section matching `keywords`."""

    id: str
    prompt: str
    figures: tuple[FigureSpec, ...]
    keywords: tuple[str, ...] = ()
    lead: str = ""
    join: str = "，"
    tail: str = ""
    label: str = ""  # short name for the review (数字：欠薪); derived from the prompt if not given


@dataclass(frozen=True)
class Profile:
    """A kind of bureau: its name, examples, suggested titles, figures and recommended outline."""

    id: str
    name: str
    outline: str
    examples: tuple[tuple[str, str], ...] = ()  # ("question" or "question.field", example)
    suggestions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (group question id, titles)
    figures: tuple[FigureGroup, ...] = ()
    order: int = 100
    default: bool = False
    unit_words: tuple[str, ...] = ()  # words in a unit's name that mark this kind of bureau (for imports)

    def example(self, key: str, fallback: str) -> str:
        return dict(self.examples).get(key, fallback)

    def suggested(self, qid: str, fallback: tuple[str, ...]) -> tuple[str, ...]:
        return dict(self.suggestions).get(qid, fallback)

    def figure(self, fid: str) -> FigureSpec | None:
        return next((f for g in self.figures for f in g.figures if f.id == fid), None)


def pick(items: tuple[Any, ...], wanted: str) -> Any:
    """The item with id `wanted`, else the default one (flagged `default`, else the first)."""
    for it in items:
        if it.id == wanted:
            return it
    return next((it for it in items if getattr(it, "default", False)), items[0])


# ---------------------------------------------------------------- reading files
def _id(raw: dict[str, Any], where: str) -> str:
    value = _str(raw, "id", where)
    if not _ID.match(value):
        raise _err(where, f"id '{value}' must be lower-case ASCII letters, digits or '_' (at most 24)")
    return value


def _part(raw: Any, where: str) -> Part:
    if not isinstance(raw, dict):
        raise _err(where, "a part must be a table")
    styles = raw.get("styles", {})
    if not isinstance(styles, dict):
        raise _err(where, "'styles' must be a table of question id = style")
    figures = raw.get("figures", False)
    if not isinstance(figures, bool):
        raise _err(where, "'figures' must be true or false")
    return Part(
        id=_id(raw, where),
        label=_str(raw, "label", where),
        heading=_str(raw, "heading", where),
        questions=_strs(raw, "questions", where),
        required=_strs(raw, "required", where),
        styles=tuple((str(k), str(v)) for k, v in styles.items()),
        figures=figures,
        match=_strs(raw, "match", where),
    )


def parse_outline(data: dict[str, Any], source: str) -> Outline:
    """An outline file's data as an Outline (checked against the report type later)."""
    parts = data.get("parts")
    if not isinstance(parts, list) or not parts:
        raise _err(source, "an outline needs [[parts]]")
    out = tuple(_part(p, f"{source} part {i + 1}") for i, p in enumerate(parts))
    if sum(p.figures for p in out) != 1:
        raise _err(source, "exactly one part must have 'figures = true' (where figure questions are asked)")
    order = data.get("order", 100)
    return Outline(_id(data, source), _str(data, "name", source), _str(data, "description", source), out, order)


def _figure(raw: Any, where: str) -> FigureSpec:
    if not isinstance(raw, dict):
        raise _err(where, "a figure must be a table")
    phrase = _str(raw, "phrase", where)
    if "{v}" not in phrase:
        raise _err(where, "'phrase' must contain {v} (the figure as written)")
    return FigureSpec(
        id=_id(raw, where),
        label=_str(raw, "label", where),
        unit=_str(raw, "unit", where, required=False),
        phrase=phrase,
        prompt=_str(raw, "prompt", where, required=False),
        hint=_str(raw, "hint", where, required=False),
        of=_str(raw, "of", where, required=False),
        names=bool(raw.get("names", False)),
        match=_strs(raw, "match", where),
    )


def _group(raw: Any, where: str) -> FigureGroup:
    if not isinstance(raw, dict):
        raise _err(where, "a figure group must be a table")
    items = raw.get("items")
    if not isinstance(items, list) or not items:
        raise _err(where, "a figure group needs [[figures.items]]")
    return FigureGroup(
        id=_id(raw, where),
        prompt=_str(raw, "prompt", where),
        figures=tuple(_figure(f, f"{where} figure {i + 1}") for i, f in enumerate(items)),
        keywords=_strs(raw, "keywords", where),
        lead=str(raw.get("lead", "")),
        join=str(raw.get("join", "，")),
        tail=str(raw.get("tail", "")),
        label=_str(raw, "label", where, required=False),
    )


def parse_profile(data: dict[str, Any], source: str) -> Profile:
    """A profile file's data as a Profile (checked against the report type later)."""
    examples = data.get("examples", {})
    suggestions = data.get("suggestions", {})
    if not isinstance(examples, dict) or not all(isinstance(v, str) for v in examples.values()):
        raise _err(source, "[examples] must map question ids to text")
    if not isinstance(suggestions, dict):
        raise _err(source, "[suggestions] must map group question ids to lists of titles")
    groups = data.get("figures", [])
    if not isinstance(groups, list):
        raise _err(source, "'figures' must be a list of [[figures]] groups")
    return Profile(
        id=_id(data, source),
        name=_str(data, "name", source),
        outline=_str(data, "outline", source),
        examples=tuple((str(k), v.strip()) for k, v in examples.items()),
        suggestions=tuple((str(k), _strs(suggestions, k, source)) for k in suggestions),
        figures=tuple(_group(g, f"{source} figure group {i + 1}") for i, g in enumerate(groups)),
        order=int(data.get("order", 100)),
        default=bool(data.get("default", False)),
        unit_words=_strs(data, "unit_words", source),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{path.name}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path.name}: cannot be read: {exc}") from exc


def _load(folder: Path, rt_id: str, parse: Any) -> tuple[Any, ...]:
    items = []
    for path in sorted(folder.glob("[!_]*.toml")):
        data = _read(path)
        if data.get("report_type") == rt_id:
            items.append(parse(data, path.name))
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        raise SchemaError(f"{folder.name}: two files use the same id for report type '{rt_id}'")
    return tuple(sorted(items, key=lambda it: (it.order, it.id)))


def _with_common(profiles: tuple[Profile, ...], folder: Path, rt_id: str) -> tuple[Profile, ...]:
    """Give every profile the shared figure groups of `_*.toml` first (a profile's own group of the same id wins)."""
    common: list[FigureGroup] = []
    for path in sorted(folder.glob("_*.toml")):
        data = _read(path)
        if data.get("report_type") == rt_id:
            common += [_group(g, f"{path.name} figure group {i + 1}") for i, g in enumerate(data.get("figures", []))]
    out = []
    for p in profiles:
        own = {g.id for g in p.figures}
        out.append(replace(p, figures=tuple(g for g in common if g.id not in own) + p.figures))
    return tuple(out)


def attach(rt: ReportType, directory: Path) -> ReportType:
    """The report type with its outlines and profiles; every combination built and checked once."""
    if not any(s.place == "pool" for s in rt.sections):
        return rt  # a report type without a pool has one fixed layout
    outlines = _load(directory / "outlines", rt.id, parse_outline)
    profiles = _with_common(_load(directory / "profiles", rt.id, parse_profile), directory / "profiles", rt.id)
    if not outlines or not profiles:
        raise SchemaError(
            f"{rt.id}: needs at least one outline and one profile (templates/outlines, templates/profiles)"
        )
    base = replace(rt, outlines=outlines, profiles=profiles)
    for o in outlines:
        for p in profiles:
            base.variant(o.id, p.id)
    return base


# ---------------------------------------------------------------- building a variant
def _adapt(q: Question, p: Profile, *, section: str, required: bool | None = None, style: str = "") -> Question:
    """A pool question as this outline needs it, with this profile's examples and suggestions."""
    fields = tuple(
        replace(
            f,
            example=p.example(f"{q.id}.{f.id}", f.example),
            suggestions=p.suggested(q.id, f.suggestions) if f.id == "title" else f.suggestions,
            section=section,
        )
        for f in q.fields
    )
    req = q.required if required is None else required
    min_items = (1 if req else 0) if q.kind in ("list", "group", "figures") else q.min_items
    return replace(
        q,
        required=req,
        min_items=min_items,
        example=p.example(q.id, q.example),
        fields=fields,
        section=section,
        style=style or q.style,
    )


def _fixed(q: Question, rt: ReportType, o: Outline, p: Profile, section: str) -> Question:
    """A start/end question; choices of profile or outline get their options from the files."""
    q = _adapt(q, p, section=section)
    if q.options_from == "profiles":
        return replace(q, options=tuple(x.name for x in rt.profiles))
    if q.options_from == "outlines":
        lines = "\n".join(f"· {x.name}：{x.description}" for x in rt.outlines)
        recommended = pick(rt.outlines, p.outline).name
        prompt = f"{q.prompt}\n{lines}\n不确定就选“{recommended}”，以后随时可以改。"
        return replace(q, options=tuple(x.name for x in rt.outlines), prompt=prompt, example=recommended)
    return q


def _gate_label(prompt: str) -> str:
    """要填写工伤认定的数字吗？ -> 数字：工伤认定 (short enough for a review button)."""
    core = prompt.rstrip("？?").removesuffix("吗").removeprefix("要填写").removesuffix("的数字")
    return f"数字：{re.sub(r'（[^）]*）', '', core)}"


def _figure_questions(p: Profile, section: str) -> list[Question]:
    out: list[Question] = []
    for g in p.figures:
        gate = f"fig_{g.id}"
        out.append(
            Question(
                id=gate,
                label=f"数字：{g.label}" if g.label else _gate_label(g.prompt),
                kind="choice",
                prompt=g.prompt,
                required=False,
                options=FIGURE_GATE,
                section=section,
                hint="都是选填，没有的数字点“跳过”。",
            )
        )
        when = Condition(gate, FIGURE_GATE[0])
        for f in g.figures:
            hint = f.hint or f"可写“30”“30余”“1.5万”“近百”“95%”等，照原样写进报告。单位默认“{f.unit}”。"
            out.append(
                Question(
                    id=f.id,
                    label=f.label,
                    kind="figure",
                    prompt=f.prompt or f"{f.label}是多少？",
                    required=False,
                    unit=f.unit,
                    hint=hint,
                    show_if=when,
                    section=section,
                )
            )
            if f.names:
                out.append(
                    Question(
                        id=f"{f.id}_named",
                        label=f"{f.label}（点名）",
                        kind="list",
                        prompt=f"点名几个有代表性的{f.label}（可跳过）。",
                        required=False,
                        hint="每行一个，写全称。",
                        max_length=60,
                        max_items=5,
                        item_label="个",
                        show_if=when,
                        section=section,
                    )
                )
    return out


def _figure_checks(p: Profile) -> tuple[Check, ...]:
    totals: dict[str, list[str]] = {}
    for g in p.figures:
        for f in g.figures:
            if f.of:
                totals.setdefault(f.of, []).append(f.id)
    return tuple(Check(f"sum_{t}", "sum", t, tuple(parts)) for t, parts in totals.items())


def _heading_questions(o: Outline) -> tuple[Question, ...]:
    return tuple(
        Question(
            id=f"head_{part.id}",
            label=f"标题：{part.label}",
            kind="text",
            prompt=(
                f"“{part.label}”部分的一级标题，默认是：\n{part.heading.replace('{year}', '20××')}\n"
                "发送新标题即可修改（不用写“一、”，编号自动加）。"
            ),
            required=False,
            max_length=80,
            ask=False,
            clean="title",
            section="headings",
        )
        for part in o.parts
    )


def compile_variant(rt: ReportType, o: Outline, p: Profile) -> ReportType:
    """The report type as one outline lays it out and one profile words it: a plain ReportType."""
    where = f"{rt.id} outline '{o.id}' × profile '{p.id}'"
    pool = rt.pool
    sections: list[Section] = []
    for s in (x for x in rt.sections if x.place == "start"):
        sections.append(replace(s, questions=tuple(_fixed(q, rt, o, p, s.id) for q in s.questions)))
    for part in o.parts:
        unknown = [q for q in (*part.questions, *part.required) if q not in pool]
        if unknown:
            raise SchemaError(f"{where}: part '{part.id}' names unknown question(s) {unknown}")
        qs = [
            _adapt(pool[q], p, section=part.id, required=q in part.required, style=part.style_of(q, ""))
            for q in part.questions
        ]
        if part.figures:
            qs += _figure_questions(p, part.id)
            if "other_figures" in pool and "other_figures" not in part.questions:
                qs.append(_adapt(pool["other_figures"], p, section=part.id, required=False))
        sections.append(Section(part.id, part.label, tuple(qs), "part"))
    for s in (x for x in rt.sections if x.place == "end"):
        sections.append(replace(s, questions=tuple(_fixed(q, rt, o, p, s.id) for q in s.questions)))
    sections.append(Section("headings", "各级标题（可改）", _heading_questions(o), "end"))
    ids = [q.id for s in sections for q in s.questions]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SchemaError(f"{where}: question id(s) used twice: {dup}")
    known = set(ids)
    for key, _ in p.examples:
        if key.split(".")[0] not in known and key.split(".")[0] not in pool:
            raise SchemaError(f"{where}: example for unknown question '{key}'")
    variant = replace(rt, sections=tuple(sections), checks=rt.checks + _figure_checks(p), outline=o, profile=p)
    validate(variant, where)
    return variant
