"""Last year's report, as paragraphs, turned into next year's draft answers (reading files is outside the core).

Headings are recognised by their typed numbering (一、 （一）), since bureaus' Word
files rarely use heading styles; 1. and （1） stay inside the text they belong to.
The outline is the one whose parts' `match` words fit the first-level headings
best; the bureau profile comes from the unit's name (`unit_words`). Sub-sections
become items (title and body; run-in 「（一）标题。正文」 and 「一是……二是……」
too), and paragraphs that open with a question's lead-in (从根源上剖析… 问题整改
情况…) go to that question. Nothing is reworded: what cannot be placed is listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from .cleanup import clean_opening, clean_title
from .schema import Question, ReportType
from .screens import shorten

_CN = "一二三四五六七八九十"
_H1 = re.compile(rf"^[{_CN}]{{1,3}}\s*[、．.]\s*(\S.*)$")
_H2 = re.compile(rf"^[（(]\s*[{_CN}]{{1,3}}\s*[)）]\s*(\S.*)$")
_TITLE = re.compile(r"^(?P<unit>.*?)\s*(?:关于)?\s*(?P<year>20\d{2})\s*年度?")
_DATE = re.compile(r"^(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_SHORT = re.compile(r"^(?:20\d{2}年度?(?:以来)?[，,]\s*)?([\u4e00-\u9fff]{1,8}?(?:局|委|办|中心|院|所|站))")
_ENUM = re.compile(rf"(?:^|(?<=[。；;]))\s*[{_CN}]{{1,2}}是[，,：:]?")
_AS_FOLLOWS = re.compile(r"[，,。；;]?\s*(现(?:将|就|把)[^。：:]{0,40}?(?:报告|汇报)如下[：:])\s*$")
MAX_HEADING = 100  # a longer 一、… line is body text that happens to start with a number
TITLE_MAX = 40  # a run-in title longer than this is not a title: the whole line is body


class UnreadableFile(Exception):
    """A file that cannot be imported; `reason` is a message key, nothing has been stored."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Source:
    """A file's text as paragraphs (tables are not imported, only counted)."""

    paragraphs: tuple[str, ...]
    tables: int = 0


class FileReader(Protocol):
    """Reads an uploaded report; raises UnreadableFile. Implemented in report/reader.py."""

    def read(self, filename: str, data: bytes) -> Source: ...


@dataclass
class Part:
    """One first-level heading of the imported text and the lines under it: ("h2", text) or ("p", text)."""

    heading: str
    lines: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Imported:
    """What the text says, before it is fitted to an outline."""

    unit: str = ""
    year: int | None = None
    recipient: str = ""
    opening: str = ""
    parts: list[Part] = field(default_factory=list)
    sign_unit: str = ""
    loose: list[str] = field(default_factory=list)  # paragraphs before the first heading other than the opening


@dataclass(frozen=True)
class Placed:
    """A new draft's answers from an import, with what could not be placed and what was found."""

    answers: dict[str, Any]
    unplaced: tuple[str, ...]
    outline: Any  # dialogs.outlines.Outline
    profile: Any  # dialogs.outlines.Profile
    parts: int  # first-level headings placed
    tables: int = 0
    figures: dict[str, str] = field(default_factory=dict)  # last year's figures found in the text (offered)


# ---------------------------------------------------------------- reading the text
def _title_block(paras: list[str], out: Imported) -> int:
    """Read the title (one to three lines ending in 报告) and the recipient line; return where the body starts."""
    title, end = "", 0
    for i, p in enumerate(paras[:3]):
        title += p
        if "报告" in p:
            end = i + 1
            break
    if not end:
        return 0
    m = _TITLE.match(title)
    if m:
        out.unit, out.year = m.group("unit").strip(), int(m.group("year"))
    if end < len(paras) and paras[end].endswith(("：", ":")) and len(paras[end]) <= 40:
        out.recipient = paras[end].rstrip("：:").strip()
        end += 1
    return end


def _signature(paras: list[str], out: Imported) -> list[str]:
    """Take the closing date and the unit line above it off the end (the new draft asks for a new date)."""
    if paras and _DATE.match(paras[-1].replace(" ", "")):
        paras = paras[:-1]
        if paras and len(paras[-1]) <= 40 and not re.search(r"[。，；]", paras[-1]):
            out.sign_unit = paras[-1]
            paras = paras[:-1]
    return paras


def tidy(paragraphs: list[str] | tuple[str, ...]) -> list[str]:
    """Non-empty paragraphs, each on one line with its spaces collapsed (a soft line break splits one)."""
    lines = [line for p in paragraphs for line in str(p).replace("\r", "\n").split("\n")]
    return [s for line in lines if (s := re.sub(r"[ \t\u3000\xa0]+", " ", line).strip())]


def parse(paragraphs: list[str] | tuple[str, ...]) -> Imported:
    """Recognise the title, opening, first-level headings with their lines, and the signature."""
    paras = tidy(paragraphs)
    out = Imported()
    body = _signature(paras[_title_block(paras, out) :], out)
    before: list[str] = []
    for p in body:
        h1 = _H1.match(p)
        if h1 and len(p) <= MAX_HEADING:
            out.parts.append(Part(h1.group(1).strip()))
        elif out.parts:
            out.parts[-1].lines.append(("h2", _H2.match(p).group(1).strip()) if _H2.match(p) else ("p", p))
        else:
            before.append(p)
    if before:
        out.opening, out.loose = before[0], before[1:]
    if not out.unit and out.sign_unit:
        out.unit = out.sign_unit
    return out


def split_run_in(text: str) -> tuple[str, str]:
    """「强化依法履职。深入贯彻……」 -> (强化依法履职, 深入贯彻……); a bare title -> (title, '')."""
    for mark in "。：:":
        head, sep, rest = text.partition(mark)
        if sep and rest.strip() and len(head.strip()) <= TITLE_MAX:
            return head.strip(), rest.strip()
    return text.strip().rstrip("。"), ""


def enumerated(text: str) -> list[str]:
    """「一是学习不深。二是……」 -> its pieces without 一是/二是 (one piece if it has none)."""
    marks = list(_ENUM.finditer(text))
    if len(marks) < 2:
        return [text]
    pieces = [text[a.end() : b.start()] for a, b in zip(marks, [*marks[1:], None], strict=False) if b]
    pieces.append(text[marks[-1].end() :])
    return [p.strip() for p in pieces if p.strip()]


# ---------------------------------------------------------------- fitting it to an outline
def _fit(parts: list[Part], outline: Any) -> list[Any]:
    """For each imported part, the outline part it matches (in order, each used once), or None."""
    fitted: list[Any] = []
    pos = 0
    for p in parts:
        found = next(
            (i for i in range(pos, len(outline.parts)) if any(w in p.heading for w in outline.parts[i].match)), None
        )
        fitted.append(outline.parts[found] if found is not None else None)
        if found is not None:
            pos = found + 1
    return fitted


def choose_outline(rt: ReportType, parts: list[Part]) -> tuple[Any, list[Any]]:
    """The outline whose parts match most headings (ties: fewer parts left over, then display order)."""

    def score(o: Any) -> tuple[int, int]:
        matched = sum(x is not None for x in _fit(parts, o))
        return matched, -abs(len(o.parts) - len(parts))

    best = max(rt.outlines, key=score)  # max keeps the first of equals: display order
    return best, _fit(parts, best)


def choose_profile(rt: ReportType, unit: str) -> Any:
    """The bureau whose unit words occur in the unit's name, else the default profile."""
    found = next((p for p in rt.profiles if any(w in unit for w in p.unit_words)), None)
    return found or next((p for p in rt.profiles if p.default), rt.profiles[-1])


@dataclass
class _Router:
    """Sends one part's lines to its questions: items to groups, lead-in paragraphs to their question."""

    groups: list[Question]
    paragraphs: list[Question]
    duty_words: tuple[str, ...]
    answers: dict[str, Any]
    unplaced: list[str]
    heading: str
    current: Any = None  # the item or paragraph question the next plain line continues

    def group_for(self, title: str) -> Question | None:
        """In a part with two groups (组织领导 then 举措), leading duty-like titles go to the first."""
        if not self.groups:
            return None
        first, last = self.groups[0], self.groups[-1]
        if first is not last and not self.answers.get(last.id) and any(w in title for w in self.duty_words):
            return first
        return last

    def item(self, title: str, body: str) -> None:
        q = self.group_for(title)
        if q is None:
            self.plain(f"{title}。{body}" if body else title)
            return
        item = {"title": clean_title(title)[0], "body": body} if body else {"title": clean_title(title)[0]}
        self.answers.setdefault(q.id, []).append(item)
        self.current = item

    def lead_in(self, text: str) -> bool:
        q = next((q for q in self.paragraphs if q.lead_in and text.startswith(q.lead_in)), None)
        if q is None:
            return False
        self.answers[q.id] = text
        self.current = q.id
        return True

    def plain(self, text: str) -> None:
        free = next((q for q in self.paragraphs if not q.lead_in), None)
        if isinstance(self.current, dict):
            self.current["body"] = f"{self.current.get('body', '')}\n{text}".strip()
        elif isinstance(self.current, str):
            self.answers[self.current] = f"{self.answers[self.current]}\n{text}"
        elif free is not None:
            self.answers[free.id] = text
            self.current = free.id
        elif self.groups and len(pieces := enumerated(text)) > 1:
            for piece in pieces:
                self.item(*split_run_in(piece))
        else:
            self.unplaced.append(f"“{shorten(self.heading, 12)}”下的一段：{shorten(text, 16)}")

    def route(self, lines: list[tuple[str, str]]) -> None:
        for kind, text in lines:
            if kind == "h2":
                self.item(*split_run_in(text))
            elif not self.lead_in(text):
                self.plain(text)


def _duty_words(rt: ReportType, qid: str) -> tuple[str, ...]:
    return tuple(w for r in rt.requirements if qid in r.questions for w in r.keywords)


def _heading(part: Any, imported: str, year: int | None) -> str | None:
    """The imported heading as a rename, or None when it is the outline's own (its year follows the draft)."""
    text = clean_title(imported)[0]
    default = part.heading.replace("{year}", str(year)) if year else part.heading
    return None if text == default else text


def _basics(imp: Imported) -> dict[str, Any]:
    a: dict[str, Any] = {}
    short = _SHORT.match(imp.opening).group(1) if imp.opening and _SHORT.match(imp.opening) else ""
    if short and short != imp.unit:
        a["unit_short"] = short
    opening = clean_opening(imp.opening, (imp.unit, short))[0] if imp.opening else ""
    tail = _AS_FOLLOWS.search(imp.opening)
    if opening and tail:  # their own 现将……如下： stays (the report adds one only when there is none)
        opening = f"{opening.rstrip('，,。；;')}。{tail.group(1)}"
    for key, value in (("unit_name", imp.unit), ("recipient", imp.recipient), ("opening", opening)):
        if value:
            a[key] = value
    if imp.year:
        a["year"] = imp.year + 1
    if imp.sign_unit and imp.sign_unit != imp.unit:
        a["sign_unit"] = imp.sign_unit
    return a


def next_year(heading: str, year: int | None) -> str:
    """A heading's 「2024年」 as the report year moves on (「2023年以来」 and other years stay for checking)."""
    return re.sub(rf"{year}(?=年度?(?!以来))", str(year + 1), heading) if year else heading


_NUM = r"(\d[\d.,]*(?:余|多)?万?)"


def found_figures(text: str, profile: Any) -> dict[str, str]:
    """Last year's figures the profile asks for, as written (「40家」), keyed by figure id and by group gate.

    A figure is found where its label and a number with its unit stand together:
    「高新技术企业40家」 or 「16家高新技术后备企业」. They are offered, never filled in.
    """
    out: dict[str, str] = {}
    for g in profile.figures:
        seen = []
        for f in g.figures:
            if not f.unit:
                continue
            label, unit = re.escape(f.label), re.escape(f.unit)
            m = re.search(rf"{label}(?:共|达|为|约)?{_NUM}{unit}", text) or re.search(rf"{_NUM}{unit}的?{label}", text)
            if m:
                out[f.id] = f"{m.group(1)}{f.unit}"
                seen.append(f"{f.label}{out[f.id]}")
        if seen:
            out[f"fig_{g.id}"] = "、".join(seen)
    return out


def _all_text(imp: Imported) -> str:
    return "\n".join([imp.opening, *imp.loose, *(t for p in imp.parts for _, t in p.lines)])


def place(imp: Imported, rt: ReportType, tables: int = 0) -> Placed:
    """Next year's answers from an imported report (the year moves on; everything else is as written)."""
    outline, fitted = choose_outline(rt, imp.parts)
    profile = choose_profile(rt, imp.unit)
    a = {"profile": profile.name, "outline": outline.name, **_basics(imp)}
    unplaced = [f"开头之后的一段：{shorten(p, 16)}" for p in imp.loose]
    pool = rt.pool
    for part, target in zip(imp.parts, fitted, strict=True):
        if target is None:
            unplaced.append(f"“{shorten(part.heading, 20)}”部分")
            continue
        head = _heading(target, part.heading, imp.year)
        if head:
            a[f"head_{target.id}"] = next_year(head, imp.year)
        qs = [pool[q] for q in target.questions if q in pool]
        groups = [q for q in qs if q.kind == "group"]
        router = _Router(
            groups,
            [q for q in qs if q.kind == "paragraph"],
            _duty_words(rt, groups[0].id) if groups else (),
            a,
            unplaced,
            part.heading,
        )
        router.route(part.lines)
    placed = sum(t is not None for t in fitted)
    return Placed(a, tuple(unplaced), outline, profile, placed, tables, found_figures(_all_text(imp), profile))


def place_plain(imp: Imported, rt: ReportType, tables: int = 0) -> Placed:
    """A text with no recognisable headings: every paragraph after the opening becomes an item of the main group."""
    profile = choose_profile(rt, imp.unit)
    outline = next((o for o in rt.outlines if o.id == profile.outline), rt.outlines[0])
    paras = list(imp.loose)
    if imp.opening and not re.search(r"如下|^20\d{2}年", imp.opening):  # not an opening: one more paragraph
        paras.insert(0, imp.opening)
        imp = Imported(imp.unit, imp.year, imp.recipient, "", [], imp.sign_unit, paras)
    a = {"profile": profile.name, "outline": outline.name, **_basics(imp)}
    home = next(p for p in outline.parts if p.figures)
    pool = rt.pool
    groups = [pool[q] for q in home.questions if q in pool and pool[q].kind == "group"]
    router = _Router(groups[-1:], [], (), a, [], home.label)
    for p in paras:
        for piece in enumerated(p):
            router.item(*split_run_in(piece))
    return Placed(a, (), outline, profile, 1 if groups and a.get(groups[-1].id) else 0, tables)


def to_check(answers: dict[str, Any]) -> list[str]:
    """Imported answers the user must confirm (待核对): all but the layout choices."""
    return [k for k in answers if k not in ("profile", "outline")]
