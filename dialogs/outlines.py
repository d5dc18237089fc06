"""Outlines and bureau profiles as data: how a report is laid out, and whose words and figures it uses.

An outline (templates/outlines/*.toml) places the report type's pool questions
under first-level headings (parts) and says which of them that outline needs.
A profile (templates/profiles/*.toml) brings one kind of bureau's examples,
suggested sub-section titles and usual figures. `compile_variant` combines a
report type, an outline and a profile into a plain ReportType, so the engine
and the screens need to know nothing about either.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .schema import (
    _ID,
    TEMPLATES_DIR,
    Check,
    Condition,
    Question,
    ReportType,
    SchemaError,
    Section,
    _err,
    _str,
    _strs,
    load_report_type,
    validate,
)
from .wording import FORMS

FIGURE_GATE = ("填写", "不填")


@dataclass(frozen=True)
class Role:
    """What a part is for in the regulation's terms (templates/outlines/_roles.toml): its wording and words."""

    id: str
    label: str
    heading: str  # the regulation's wording, {year}/{next} placeholders
    match: tuple[str, ...] = ()  # words that recognise such a heading
    words: tuple[str, ...] = ()  # words that recognise such a part by its text
    counts_as: str = ""  # the requirement it meets, if not its own id (enforcement statistics: measures)

    @property
    def requirement(self) -> str:
        return self.counts_as or self.id


@dataclass(frozen=True)
class Part:
    """One first-level heading of an outline and the pool questions under it."""

    id: str
    label: str  # short name for progress and review, e.g. 主要举措与成效
    heading: str  # default heading text; {year} is the report year, {next} the year after
    questions: tuple[str, ...]
    required: tuple[str, ...] = ()  # what the regulation asks of this part (checked before /report, never forced)
    styles: tuple[tuple[str, str], ...] = ()  # (question id, style) overrides
    figures: bool = False  # the profile's figure questions are asked here; unplaced figure sentences go here
    match: tuple[str, ...] = ()  # words that mark this part's heading in an imported report
    role: str = ""  # a Role id; the part's own id when not given
    extra: bool = False  # a part of the user's own (x1, x2 …): its heading, a lead paragraph and items

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
    body_words: tuple[str, ...] = ()  # words in a report's text that mark this kind of bureau (for imports)
    headings: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (part id or role, typical thematic headings)

    def headings_for(self, part: Part) -> tuple[str, ...]:
        """Typical headings for a part: by its id, else by its role."""
        found = dict(self.headings)
        return found.get(part.id) or found.get(part.role) or ()

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
        role=_str(raw, "role", where, required=False) or _id(raw, where),
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
        body_words=_strs(data, "body_words", source),
        headings=_headings(data.get("headings", {}), source),
    )


def _headings(raw: Any, source: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(raw, dict):
        raise _err(source, "[headings] must map part ids to lists of headings")
    return tuple((str(k), _strs(raw, k, source)) for k in raw)


def parse_roles(data: dict[str, Any], source: str) -> tuple[Role, ...]:
    """The roles file's data as Roles."""
    raw = data.get("roles")
    if not isinstance(raw, dict) or not raw:
        raise _err(source, "a roles file needs [roles.<id>] tables")
    out = []
    for rid, r in raw.items():
        where = f"{source} role '{rid}'"
        if not isinstance(r, dict):
            raise _err(where, "a role must be a table")
        out.append(
            Role(
                id=str(rid),
                label=_str(r, "label", where),
                heading=_str(r, "heading", where),
                match=_strs(r, "match", where),
                words=_strs(r, "words", where),
                counts_as=_str(r, "counts_as", where, required=False),
            )
        )
    return tuple(out)


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


def _roles(folder: Path, rt_id: str) -> tuple[Role, ...]:
    path = folder / "_roles.toml"
    if not path.exists():
        return ()
    data = _read(path)
    return parse_roles(data, path.name) if data.get("report_type") == rt_id else ()


def attach(rt: ReportType, directory: Path) -> ReportType:
    """The report type with its outlines, roles and profiles; every combination built and checked once."""
    if not any(s.place == "pool" for s in rt.sections):
        return rt  # a report type without a pool has one fixed layout
    outlines = _load(directory / "outlines", rt.id, parse_outline)
    profiles = _with_common(_load(directory / "profiles", rt.id, parse_profile), directory / "profiles", rt.id)
    if not outlines or not profiles:
        raise SchemaError(
            f"{rt.id}: needs at least one outline and one profile (templates/outlines, templates/profiles)"
        )
    roles = _roles(directory / "outlines", rt.id)
    known = {r.id for r in roles}
    for o in outlines:
        bad = [part.role for part in o.parts if roles and part.role not in known]
        if bad:
            raise SchemaError(f"{o.id}: unknown role(s) {bad} (see outlines/_roles.toml)")
    base = replace(rt, outlines=outlines, profiles=profiles, roles=roles)
    base = replace(base, arranger=functools.partial(_arranged, base))
    for o in outlines:
        for p in profiles:
            base.variant(o.id, p.id)
    return base


def _arranged(rt: ReportType, outline: str, profile: str, layout: tuple[str, ...]) -> ReportType:
    """The variant a draft chooses: its bureau, its outline (until chosen, the bureau's usual one) as it arranges it."""
    p = pick(rt.profiles, profile)
    o = pick(rt.outlines, outline or p.outline)
    return compile_variant(rt, arrange(o, layout), p)


def load_report_types(directory: Path = TEMPLATES_DIR) -> dict[str, ReportType]:
    """Load every `*.toml` report type in a folder, with the outlines and profiles in its subfolders.

    Every outline × profile combination is built once here, so a broken file stops
    start-up instead of somebody's conversation.
    """
    types: dict[str, ReportType] = {}
    for path in sorted(directory.glob("*.toml")):
        rt = attach(load_report_type(path), directory)
        if rt.id in types:
            raise SchemaError(f"{path.name}: report type id '{rt.id}' is already used by another file")
        types[rt.id] = rt
    if not types:
        raise SchemaError(f"no report types (*.toml) in {directory}")
    return types


# ---------------------------------------------------------------- a draft's own arrangement
EXTRA_PART = re.compile(r"^x([1-9])(?::([a-z_]{1,20}))?$")
MAX_EXTRA = 9


def extra_part(entry: str) -> Part | None:
    """A part of the user's own from a layout entry 'x2:measures' (id x2, role measures), else None."""
    m = EXTRA_PART.match(entry)
    if m is None:
        return None
    return Part(id=f"x{m[1]}", label=f"第{m[1]}个自拟部分", heading="", questions=(), role=m[2] or "other", extra=True)


def arrange(o: Outline, layout: tuple[str, ...]) -> Outline:
    """The outline as a draft arranges it: parts in the layout's order, 'host<guest' folds a part into another
    (its questions first), 'x1:role' adds a part of the user's own; parts not named are left out (answers kept)."""
    if not layout:
        return o
    by_id = {p.id: p for p in o.parts}
    parts: list[Part] = []
    used: set[str] = set()
    for entry in layout:
        host, *guests = entry.split("<")
        part = extra_part(host) or by_id.get(host)
        if part is None or part.id in used:
            continue
        used.add(part.id)
        folded = [by_id[g] for g in guests if g in by_id and g not in used]
        used.update(g.id for g in folded)
        if folded:
            qs = tuple(q for g in folded for q in g.questions) + part.questions
            part = replace(part, questions=qs, figures=part.figures or any(g.figures for g in folded))
        parts.append(part)
    if not parts:
        return o
    return replace(o, parts=_one_figures_part(parts))


def _one_figures_part(parts: list[Part]) -> tuple[Part, ...]:
    """Exactly one part asks the figures: the first that did, else the first measures part, else the first."""
    home = next((p for p in parts if p.figures), None)
    home = home or next((p for p in parts if p.role in ("measures", "enforce_stats")), parts[0])
    return tuple(replace(p, figures=p is home) for p in parts)


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


def heading_choices(rt: ReportType, part: Part, p: Profile) -> tuple[str, ...]:
    """What a part's heading can be at a tap: the outline's, the regulation's wording, the bureau's typical ones."""
    role = rt.role(part.role)
    offered = (part.heading, role.heading if role else "", *p.headings_for(part))
    return tuple(dict.fromkeys(h for h in offered if h))[:6]


def _head_question(rt: ReportType, part: Part, p: Profile, label: str) -> Question:
    return Question(
        id=f"head_{part.id}",
        label=f"标题：{label}",
        kind="text",
        prompt=f"【{label}】这一部分的一级标题用哪个？点下面的按钮，或直接发送自己的标题。",
        hint="不用写“一、”，编号自动加。点“跳过”用第一个。" if part.heading else "不用写“一、”，编号自动加。",
        required=not part.heading,
        max_length=80,
        clean="title",
        suggestions=heading_choices(rt, part, p),
        example=(heading_choices(rt, part, p) or ("扛牢主体责任，高位推动法治建设",))[-1],
        section=part.id,
    )


def _form_question(part: Part, label: str, default: str) -> Question:
    options = tuple(f for f, _, _ in FORMS)
    first = next((f for f, style, _ in FORMS if style == default), options[0])
    return Question(
        id=f"form_{part.id}",
        label=f"格式：{label}",
        kind="choice",
        prompt="这一部分的小标题怎么排？",
        hint=f"跳过则用“{first}”。",
        required=False,
        options=options,
        section=part.id,
    )


def _intro_question(part: Part, p: Profile, label: str) -> Question:
    return Question(
        id=f"intro_{part.id}",
        label=f"总述：{label}",
        kind="paragraph",
        prompt="标题下面、第一个小标题之前，有没有一段总述？有就发送，没有点“跳过”。",
        example=p.example(f"intro_{part.id}", "全年围绕法治政府建设目标任务，重点抓好以下几个方面的工作："),
        required=False,
        max_length=3000,
        section=part.id,
    )


def _extra_items(rt: ReportType, part: Part) -> Question:
    """A part of the user's own takes sub-sections like the main measures do."""
    base = rt.pool["measures"]
    return replace(
        base,
        id=f"items_{part.id}",
        label="小标题和内容",
        prompt="这一部分的小标题和内容，一条一条来（没有小标题就点“跳过”）。",
        required=False,
        min_items=0,
        item_label="个小标题",
        section=part.id,
    )


def _part_section(rt: ReportType, part: Part, p: Profile, where: str) -> Section:
    """A part's questions: its heading, item form and lead paragraph, then what it holds (all optional)."""
    pool = rt.pool
    unknown = [q for q in (*part.questions, *part.required) if q not in pool]
    if unknown:
        raise SchemaError(f"{where}: part '{part.id}' names unknown question(s) {unknown}")
    label = part.label
    body = [_adapt(pool[q], p, section=part.id, required=False, style=part.style_of(q, "")) for q in part.questions]
    if part.extra:
        body.append(_extra_items(rt, part))
    groups = [q for q in body if q.kind == "group"]
    head = [_head_question(rt, part, p, label)]
    if groups:  # a part that is one paragraph has no sub-sections to lay out, nor a lead paragraph before them
        head += [_form_question(part, label, groups[-1].style or "sections"), _intro_question(part, p, label)]
    if part.figures:
        body += _figure_questions(p, part.id)
        if "other_figures" in pool and "other_figures" not in part.questions:
            body.append(_adapt(pool["other_figures"], p, section=part.id, required=False))
    return Section(part.id, label, tuple(head + body), "part")


def compile_variant(rt: ReportType, o: Outline, p: Profile) -> ReportType:
    """The report type as one outline lays it out and one profile words it: a plain ReportType."""
    where = f"{rt.id} outline '{o.id}' × profile '{p.id}'"
    pool = rt.pool
    sections: list[Section] = []
    for s in (x for x in rt.sections if x.place == "start"):
        sections.append(replace(s, questions=tuple(_fixed(q, rt, o, p, s.id) for q in s.questions)))
    for part in o.parts:
        sections.append(_part_section(rt, part, p, where))
    for s in (x for x in rt.sections if x.place == "end"):
        sections.append(replace(s, questions=tuple(_fixed(q, rt, o, p, s.id) for q in s.questions)))
    ids = [q.id for s in sections for q in s.questions]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SchemaError(f"{where}: question id(s) used twice: {dup}")
    known = set(ids)
    for key, _ in p.examples:
        if key.split(".")[0] not in known and key.split(".")[0] not in pool:
            raise SchemaError(f"{where}: example for unknown question '{key}'")
    variant = replace(rt, sections=tuple(sections), checks=rt.checks + _figure_checks(p), outline=o, profile=p, base=rt)
    validate(variant, where)
    return variant
