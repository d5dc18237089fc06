"""Report types as data: load a TOML file into frozen dataclasses and validate it.

A report type declares sections, each with questions. Every question id is also
the variable name the report template uses. Everything is checked when the file
is loaded, so a broken report type stops start-up with a clear message instead
of failing in the middle of somebody's conversation.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

KINDS = frozenset({"text", "paragraph", "integer", "figure", "date", "choice", "list", "figures", "group"})
FIELD_KINDS = frozenset({"text", "paragraph", "integer", "figure", "date", "choice"})
CLEANERS = frozenset({"", "title", "opening"})
STYLES = frozenset({"", "sections", "lead", "paragraph"})
CHECK_KINDS = frozenset({"sum"})
_ID = re.compile(r"^[a-z][a-z0-9_]{0,23}$")

# Default length caps (characters) per kind; a question may override with max_length.
DEFAULT_MAX_LENGTH = {"text": 100, "paragraph": 3000, "list": 300}


class SchemaError(ValueError):
    """A report type file is malformed; the message names the file and the spot."""


@dataclass(frozen=True)
class Condition:
    """Show a question only when another question's answer equals a value."""

    question: str
    equals: str


@dataclass(frozen=True)
class Question:
    """One question, or one field of a group question."""

    id: str
    label: str
    kind: str
    prompt: str
    required: bool = True
    hint: str = ""
    example: str = ""
    unit: str = ""
    minimum: int | None = None
    maximum: int | None = None
    options: tuple[str, ...] = ()
    max_length: int = 0
    min_items: int = 0
    max_items: int = 50
    repeat: bool = True
    item_label: str = "项"
    fields: tuple[Question, ...] = ()
    show_if: Condition | None = None
    section: str = ""
    ask: bool = True  # False: never asked in turn, only reached from the review (e.g. renaming a heading)
    suggestions: tuple[str, ...] = ()  # answers offered as buttons (typical sub-section titles)
    clean: str = ""  # how pasted text is tidied: "title" (leading numbering) or "opening"
    style: str = ""  # how a group's items are laid out: sections (heading + text) or lead (run-in heading)
    options_from: str = ""  # a choice whose options are the report type's "profiles" or "outlines"
    lead_in: tuple[str, ...] = ()  # for a paragraph: a lead-in added unless the answer starts with one of the rest

    @property
    def is_collection(self) -> bool:
        """Lists and groups collect several items until the user finishes them."""
        return self.kind in ("list", "figures") or (self.kind == "group" and self.repeat)

    def field(self, field_id: str) -> Question:
        """Return a group's field by id."""
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)


@dataclass(frozen=True)
class Check:
    """A rule across questions, e.g. parts that must add up to a total."""

    id: str
    kind: str
    total: str
    parts: tuple[str, ...]
    message: str = ""


@dataclass(frozen=True)
class Section:
    """A titled run of questions; its title is shown with the progress line.

    `place` says where an outline puts it: "start" and "end" sections are asked
    in every outline; a "pool" section only offers questions for outlines to place.
    """

    id: str
    title: str
    questions: tuple[Question, ...]
    place: str = "start"


@dataclass(frozen=True)
class Requirement:
    """Content the regulation requires, met by an answer to one of `questions` or by `keywords` in any answer."""

    id: str
    label: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    within: tuple[str, ...] = ()  # answers searched for the keywords
    fill: str = ""  # the question to offer when it is missing


@dataclass(frozen=True)
class ReportType:
    """A whole report type: its sections, questions, checks and template name."""

    id: str
    name: str
    version: int
    template: str
    sections: tuple[Section, ...]
    checks: tuple[Check, ...] = ()
    description: str = ""
    requirements: tuple[Requirement, ...] = ()
    outlines: tuple[Any, ...] = ()  # dialogs.outlines.Outline, in display order
    profiles: tuple[Any, ...] = ()  # dialogs.outlines.Profile, in display order
    outline: Any = None  # set on a variant: the Outline it was built for
    base: Any = field(default=None, compare=False, repr=False)  # set on a variant: the report type it came from
    # Builds a variant (outline id, profile id, layout) -> ReportType; set by dialogs.outlines.attach, so this
    # module never imports the outlines back.
    arranger: Any = field(default=None, compare=False, repr=False)
    profile: Any = None  # set on a variant: the Profile it was built for
    roles: tuple[Any, ...] = ()  # dialogs.outlines.Role: what parts are for (the regulation's items)

    def role(self, role_id: str) -> Any:
        """A Role by id (None if unknown)."""
        return next((r for r in self.roles if r.id == role_id), None)

    @cached_property
    def _variants(self) -> dict[tuple[str, str, tuple[str, ...]], ReportType]:
        return {}

    def variant(self, outline: str = "", profile: str = "", layout: tuple[str, ...] = ()) -> ReportType:
        """This report type laid out by an outline (as a draft arranges it), worded for a bureau profile (cached)."""
        if not self.outlines or self.arranger is None:
            return self
        key = (outline, profile, layout)
        if key not in self._variants:
            if len(self._variants) > 4096:  # layouts are the users' own: keep the cache bounded
                self._variants.clear()
            self._variants[key] = self.arranger(outline, profile, layout)
        return self._variants[key]

    def variant_for(self, answers: dict[str, Any]) -> ReportType:
        """The variant a draft's answers choose (its 部门 and 报告结构 answers, by name)."""
        if not self.outlines:
            return self
        outline, profile, layout = answers.get("outline"), answers.get("profile"), answers.get("layout")
        return self.variant(
            self._ids_by_name["outline"].get(outline, "") if isinstance(outline, str) else "",
            self._ids_by_name["profile"].get(profile, "") if isinstance(profile, str) else "",
            tuple(x for x in layout if isinstance(x, str))[:20] if isinstance(layout, list) else (),
        )

    @cached_property
    def _ids_by_name(self) -> dict[str, dict[str, str]]:
        """Outline and profile ids by display name (the first of a name wins, as a scan in order would)."""
        return {
            "outline": {o.name: o.id for o in reversed(self.outlines)},
            "profile": {p.name: p.id for p in reversed(self.profiles)},
        }

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """All questions in asking order."""
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def pool(self) -> dict[str, Question]:
        """The questions an outline places under its headings (the `pool` section), by id."""
        return {q.id: q for s in self.sections if s.place == "pool" for q in s.questions}

    @cached_property
    def _by_id(self) -> dict[str, tuple[Question, Section]]:
        return {q.id: (q, s) for s in self.sections for q in s.questions}

    def question(self, qid: str) -> Question:
        """Return a question by id (KeyError if unknown)."""
        return self._by_id[qid][0]

    def has_question(self, qid: str) -> bool:
        """Whether a question with this id exists."""
        return qid in self._by_id

    def section_of(self, qid: str) -> Section:
        """Return the section that holds a question."""
        return self._by_id[qid][1]


def _err(where: str, msg: str) -> SchemaError:
    return SchemaError(f"{where}: {msg}")


def _str(raw: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise _err(where, f"'{key}' must be a string")
    if required and not value.strip():
        raise _err(where, f"'{key}' is missing")
    return value.strip()


def _strs(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A list of non-empty strings (empty if the key is absent)."""
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _err(where, f"'{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _int(raw: dict[str, Any], key: str, where: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _err(where, f"'{key}' must be an integer")
    return value


_QUESTION_KEYS = {
    "id",
    "label",
    "kind",
    "prompt",
    "required",
    "hint",
    "example",
    "unit",
    "min",
    "max",
    "options",
    "max_length",
    "min_items",
    "max_items",
    "repeat",
    "item_label",
    "fields",
    "show_if",
    "ask",
    "suggestions",
    "clean",
    "style",
    "options_from",
    "lead_in",
}


def _question(raw: Any, where: str, *, section: str, is_field: bool = False) -> Question:
    if not isinstance(raw, dict):
        raise _err(where, "a question must be a table")
    unknown = set(raw) - _QUESTION_KEYS
    if unknown:
        raise _err(where, f"unknown key(s) {sorted(unknown)}")
    qid = _str(raw, "id", where)
    where = f"{where} (id '{qid}')"
    if not _ID.match(qid):
        raise _err(where, "id must be lower-case ASCII letters, digits or '_' (at most 24), starting with a letter")
    kind = _str(raw, "kind", where)
    allowed = FIELD_KINDS if is_field else KINDS
    if kind not in allowed:
        raise _err(where, f"unknown kind '{kind}' (allowed: {', '.join(sorted(allowed))})")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise _err(where, "'required' must be true or false")
    options = raw.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
        raise _err(where, "'options' must be a list of non-empty strings")
    options_from = _str(raw, "options_from", where, required=False)
    if options_from not in ("", "profiles", "outlines"):
        raise _err(where, "'options_from' must be 'profiles' or 'outlines'")
    if kind == "choice" and len(options) < 2 and not options_from:
        raise _err(where, "a choice question needs at least two options")
    if kind != "choice" and options:
        raise _err(where, "'options' only applies to choice questions")
    minimum, maximum = _int(raw, "min", where), _int(raw, "max", where)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise _err(where, "'min' is larger than 'max'")
    max_length = _int(raw, "max_length", where) or DEFAULT_MAX_LENGTH.get(kind, 0)
    min_items = _int(raw, "min_items", where)
    max_items = _int(raw, "max_items", where)
    if min_items is None:
        min_items = 1 if required and kind in ("list", "group") else 0
    if max_items is None:
        max_items = 50
    if min_items > max_items:
        raise _err(where, "'min_items' is larger than 'max_items'")
    repeat = raw.get("repeat", True)
    if not isinstance(repeat, bool):
        raise _err(where, "'repeat' must be true or false")
    fields: tuple[Question, ...] = ()
    if kind == "group":
        raw_fields = raw.get("fields")
        if not isinstance(raw_fields, list) or not raw_fields:
            raise _err(where, "a group question needs a non-empty 'fields' list")
        fields = tuple(
            _question(f, f"{where} field {i + 1}", section=section, is_field=True) for i, f in enumerate(raw_fields)
        )
        ids = [f.id for f in fields]
        if len(set(ids)) != len(ids):
            raise _err(where, "duplicate field ids")
        if not any(f.required for f in fields):
            raise _err(where, "a group needs at least one required field")
    elif "fields" in raw:
        raise _err(where, "'fields' only applies to group questions")
    extras = _extras(raw, where, kind)
    show_if = None
    if "show_if" in raw:
        cond = raw["show_if"]
        if is_field:
            raise _err(where, "'show_if' is not supported on group fields")
        if not isinstance(cond, dict) or set(cond) != {"question", "equals"}:
            raise _err(where, "'show_if' must have exactly 'question' and 'equals'")
        show_if = Condition(question=str(cond["question"]), equals=str(cond["equals"]))
    return Question(
        id=qid,
        label=_str(raw, "label", where),
        kind=kind,
        prompt=_str(raw, "prompt", where),
        required=required,
        hint=_str(raw, "hint", where, required=False),
        example=_str(raw, "example", where, required=False),
        unit=_str(raw, "unit", where, required=False),
        minimum=minimum,
        maximum=maximum,
        options=tuple(o.strip() for o in options),
        max_length=max_length,
        min_items=min_items,
        max_items=max_items,
        repeat=repeat,
        item_label=_str(raw, "item_label", where, required=False) or "项",
        fields=fields,
        show_if=show_if,
        section=section,
        options_from=options_from,
        **extras,
    )


def _extras(raw: dict[str, Any], where: str, kind: str) -> dict[str, Any]:
    """The presentation keys: ask, suggestions, clean, style, lead_in."""
    ask = raw.get("ask", True)
    if not isinstance(ask, bool):
        raise _err(where, "'ask' must be true or false")
    if not ask and raw.get("required", True):
        raise _err(where, "a question that is not asked ('ask = false') must be optional")
    out: dict[str, Any] = {"ask": ask, "suggestions": _strs(raw, "suggestions", where)}
    out["lead_in"] = _strs(raw, "lead_in", where)
    if out["suggestions"] and kind != "text":
        raise _err(where, "'suggestions' only applies to text questions")
    out["clean"] = _str(raw, "clean", where, required=False)
    if out["clean"] not in CLEANERS:
        raise _err(where, f"unknown 'clean' value '{out['clean']}'")
    out["style"] = _str(raw, "style", where, required=False)
    if out["style"] not in STYLES:
        raise _err(where, f"unknown 'style' value '{out['style']}'")
    return out


def parse_report_type(data: dict[str, Any], source: str = "<report type>") -> ReportType:
    """Build and validate a ReportType from already-parsed TOML data."""
    for key in ("id", "name", "template"):
        _str(data, key, source)
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _err(source, "'version' must be a positive integer")
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise _err(source, "no [[sections]]")
    sections: list[Section] = []
    seen: dict[str, str] = {}
    for si, raw_s in enumerate(raw_sections):
        where = f"{source} section {si + 1}"
        if not isinstance(raw_s, dict):
            raise _err(where, "a section must be a table")
        sid = _str(raw_s, "id", where)
        title = _str(raw_s, "title", where)
        place = _str(raw_s, "place", where, required=False) or "start"
        if place not in ("start", "pool", "end"):
            raise _err(where, "'place' must be start, pool or end")
        raw_qs = raw_s.get("questions")
        if not isinstance(raw_qs, list) or not raw_qs:
            raise _err(f"{where} ('{sid}')", "a section needs at least one question")
        qs = []
        for qi, raw_q in enumerate(raw_qs):
            q = _question(raw_q, f"{where} ('{sid}') question {qi + 1}", section=sid)
            if q.id in seen:
                raise _err(source, f"duplicate question id '{q.id}' (also in section '{seen[q.id]}')")
            seen[q.id] = sid
            qs.append(q)
        sections.append(Section(id=sid, title=title, questions=tuple(qs), place=place))
    if len({s.id for s in sections}) != len(sections):
        raise _err(source, "duplicate section ids")
    rt = ReportType(
        id=data["id"].strip(),
        name=data["name"].strip(),
        version=version,
        template=data["template"].strip(),
        sections=tuple(sections),
        checks=_checks(data.get("checks", []), source, seen),
        description=_str(data, "description", source, required=False),
        requirements=_requirements(data.get("requirements", []), source, seen),
    )
    validate(rt, source)
    return rt


def validate(rt: ReportType, source: str) -> None:
    """Cross-question rules: conditions name earlier questions, checks name numeric ones."""
    _validate_conditions(rt, source)
    _validate_checks(rt, source)


def _requirements(raw: Any, source: str, known: dict[str, str]) -> tuple[Requirement, ...]:
    if not isinstance(raw, list):
        raise _err(source, "'requirements' must be a list")
    out = []
    for i, r in enumerate(raw):
        where = f"{source} requirement {i + 1}"
        if not isinstance(r, dict):
            raise _err(where, "a requirement must be a table")
        lists = {key: _strs(r, key, where) for key in ("questions", "keywords", "within")}
        if not lists["questions"] or any(q not in known for q in lists["questions"] + lists["within"]):
            raise _err(where, "'questions' and 'within' must list existing question ids")
        fill = _str(r, "fill", where, required=False) or lists["questions"][0]
        if fill not in known:
            raise _err(where, f"'fill' names missing question '{fill}'")
        out.append(Requirement(_str(r, "id", where), _str(r, "label", where), fill=fill, **lists))
    return tuple(out)


def _checks(raw: Any, source: str, known: dict[str, str]) -> tuple[Check, ...]:
    if not isinstance(raw, list):
        raise _err(source, "'checks' must be a list")
    out = []
    for i, c in enumerate(raw):
        where = f"{source} check {i + 1}"
        if not isinstance(c, dict):
            raise _err(where, "a check must be a table")
        kind = _str(c, "kind", where)
        if kind not in CHECK_KINDS:
            raise _err(where, f"unknown check kind '{kind}'")
        parts = c.get("parts")
        if not isinstance(parts, list) or len(parts) < 2 or not all(isinstance(p, str) for p in parts):
            raise _err(where, "'parts' must list at least two question ids")
        out.append(
            Check(
                id=_str(c, "id", where),
                kind=kind,
                total=_str(c, "total", where),
                parts=tuple(parts),
                message=_str(c, "message", where, required=False),
            )
        )
    return tuple(out)


def _validate_conditions(rt: ReportType, source: str) -> None:
    order = [q.id for q in rt.questions]
    for q in rt.questions:
        if q.show_if is None:
            continue
        target = q.show_if.question
        if target not in order:
            raise _err(source, f"question '{q.id}': show_if names missing question '{target}'")
        if order.index(target) >= order.index(q.id):
            raise _err(source, f"question '{q.id}': show_if must name an earlier question, not '{target}'")
        t = rt.question(target)
        if t.kind == "choice" and q.show_if.equals not in t.options:
            raise _err(source, f"question '{q.id}': show_if value '{q.show_if.equals}' is not an option of '{target}'")


def _validate_checks(rt: ReportType, source: str) -> None:
    for c in rt.checks:
        for qid in (c.total, *c.parts):
            if not rt.has_question(qid):
                raise _err(source, f"check '{c.id}' names missing question '{qid}'")
            if rt.question(qid).kind not in ("integer", "figure"):
                raise _err(source, f"check '{c.id}': question '{qid}' is not a number question")


def load_report_type(path: Path) -> ReportType:
    """Read one report type file; raise SchemaError with the file name on any problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{path.name}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path.name}: cannot be read: {exc}") from exc
    rt = parse_report_type(data, path.name)
    template = path.parent / rt.template
    if not template.is_file():
        raise SchemaError(f"{path.name}: template file '{rt.template}' not found next to it")
    return rt


TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
