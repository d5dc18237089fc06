"""Last year's report, as paragraphs, turned into next year's draft answers (reading files is outside the core).

Every paragraph of the file ends up somewhere, in order, as written:
- the front matter: title (one to three short lines ending in 报告, or none), the
  recipient line (「县委、县政府：」), the opening (every paragraph before the first
  「一、」), and the signature (unit and date, or only the date, or none);
- each first-level part 「一、…」 becomes a part of the draft's own arrangement
  (`layout`): the outline part that plays the same role (by its heading's words,
  else by its text's words), or a part of the user's own (x1, x2 …) with its heading;
- inside a part, paragraphs before the first sub-heading become its lead paragraph;
  sub-headings 「（一）」 (or 「1.」 where a part has no 「（一）」) become items in the
  form they were written (own line, or run-in 「（一）标题。正文」 with its separator);
  everything after a sub-heading stays in that item's text (「1.」 lines included).
Nothing is reworded; the year moves on in the title, the opening and the headings.
What could not be placed is listed, with how many characters were placed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .cleanup import clean_title
from .schema import Question, ReportType
from .screens import shorten
from .wording import FORMS, SELF_NAMES

_CN = "一二三四五六七八九十"
_H1 = re.compile(rf"^[{_CN}]{{1,3}}\s*[、．.]\s*(\S.*)$")
_H2 = re.compile(rf"^[（(]\s*[{_CN}]{{1,3}}\s*[)）]\s*(\S.*)$")
_H3 = re.compile(r"^\d{1,2}\s*(?:[.．、](?!\d))\s*(\S.*)$")
_TITLE = re.compile(r"^(?P<unit>.*?)\s*(?:关于)?\s*(?P<year>20\d{2})\s*年度?")
_DATE = re.compile(r"^(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_YEARS = re.compile(r"(?<![\d—–\-~至到])(20\d{2})(?=年)(?![年]?[—–\-~至到])")
_UNIT = re.compile(
    r"[\u4e00-\u9fff]{1,3}(?:县|市|区|旗)(?:[\u4e00-\u9fff]{1,3}(?:市|县|区))?[\u4e00-\u9fff]{2,14}?"
    r"(?:委员会|分局|局|办公室|中心)(?!会|长|办)"
)
_SHORT = re.compile(r"(?:县|市|区|旗)?[\u4e00-\u9fff]{1,8}?(?:分局|局|委|办|中心|院|所|站)")
_SUPERIOR = ("县委", "县政府", "市委", "市政府", "区委", "区政府", "县人大", "县政协", "县纪委", "党委", "党组")
_NOT_A_UNIT = ("县委", "市委", "区委", "政府", "依法治", "人大", "政协", "纪委", "党委", "领导")
MAX_HEADING = 100  # a longer 一、… line is body text that happens to start with a number
TITLE_MAX = 40  # a run-in title longer than this is not a title: the whole line is body
NOT_TO_CHECK = ("profile", "outline", "layout")  # the layout, not content: carried without 待核对
_FORM = {style: label for label, style, _ in FORMS}


@dataclass
class Item:
    """A sub-section as written: its title, the separator of a run-in title ('' on its own line), its text."""

    title: str
    sep: str = ""
    body: list[str] = field(default_factory=list)


@dataclass
class Part:
    """One first-level heading of the imported text: its lead paragraphs, then its sub-sections."""

    heading: str
    intro: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    level: int = 2  # 2: items are 「（一）」; 3: items are 「1.」 directly under 「一、」

    def text(self) -> str:
        return "\n".join([*self.intro, *(f"{it.title}{it.sep}{''.join(it.body)}" for it in self.items)])

    @property
    def run_in(self) -> bool:
        forms = Counter(bool(it.sep) for it in self.items)
        return forms[True] > forms[False]


@dataclass
class Imported:
    """What the text says, before it is fitted to an outline."""

    unit: str = ""
    year: int | None = None
    title: str = ""
    recipient: str = ""
    opening: str = ""
    parts: list[Part] = field(default_factory=list)
    sign_unit: str = ""
    sign_date: str = ""
    total: int = 0  # characters of the text (after spaces are collapsed)


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
    chars: tuple[int, int] = (0, 0)  # (characters placed, characters in the text)


# ---------------------------------------------------------------- reading the text
def tidy(paragraphs: list[str] | tuple[str, ...]) -> list[str]:
    """Non-empty paragraphs, each on one line with its spaces collapsed (a soft line break splits one)."""
    lines = [line for p in paragraphs for line in str(p).replace("\r", "\n").split("\n")]
    return [s for line in lines if (s := re.sub(r"[ \t\u3000\xa0]+", " ", line).strip())]


def _is_title_line(p: str) -> bool:
    return len(p) <= 60 and not re.search(r"[。；;！？：:]", p) and not _H1.match(p)


def _title_block(paras: list[str], out: Imported) -> int:
    """Read the title (one to three short lines, the last ending in 报告) and the recipient; where the body starts."""
    end = 0
    for i, p in enumerate(paras[:3]):
        if not _is_title_line(p):
            break
        if re.search(r"报告[）)]?$", p):
            end = i + 1
            break
    if end:
        out.title = "".join(paras[:end])
        m = _TITLE.match(out.title)
        if m:
            out.unit, out.year = m.group("unit").strip(), int(m.group("year"))
    if end < len(paras) and re.search(r"[：:]$", paras[end]) and len(paras[end]) <= 40 and "。" not in paras[end]:
        out.recipient = paras[end].rstrip("：:").strip()
        end += 1
    return end


def _signature(paras: list[str], out: Imported) -> list[str]:
    """Take the closing date and the unit line above it off the end (the new draft asks for a new date)."""
    if paras and _DATE.match(paras[-1].replace(" ", "")):
        out.sign_date = paras[-1]
        paras = paras[:-1]
        last = paras[-1] if paras else ""
        if last and len(last) <= 40 and not re.search(r"[。，；：:]", last) and not _H1.match(last):
            out.sign_unit = last
            paras = paras[:-1]
    return paras


def split_run_in(text: str) -> tuple[str, str, str]:
    """「强化依法履职。深入贯彻……」 -> (强化依法履职, 。, 深入贯彻……); a title on its own line -> (title, '', '')."""
    m = re.search(r"[。：:]", text)
    if m and text[m.end() :].strip() and len(text[: m.start()].strip()) <= TITLE_MAX:
        return text[: m.start()].strip(), m.group(), text[m.end() :].strip()
    return text.strip().rstrip("。"), "", ""


def _sub(line: str, level: int) -> re.Match[str] | None:
    return (_H2 if level == 2 else _H3).match(line)


def _part(heading: str, lines: list[str]) -> Part:
    """A part's lines as lead paragraphs and items: 「（一）」 where there are any, else 「1.」."""
    level = 2 if any(_H2.match(x) for x in lines) else 3 if any(_H3.match(x) for x in lines) else 0
    part = Part(heading, level=level or 2)
    for line in lines:
        m = _sub(line, level) if level else None
        if m:
            title, sep, body = split_run_in(m.group(1))
            part.items.append(Item(title, sep, [body] if body else []))
        elif part.items:
            part.items[-1].body.append(line)
        else:
            part.intro.append(line)
    return part


def _body_parts(body: list[str], out: Imported) -> None:
    before: list[str] = []
    heading, lines = "", []
    for p in body:
        h1 = _H1.match(p)
        if h1 and len(p) <= MAX_HEADING:
            if heading:
                out.parts.append(_part(heading, lines))
            heading, lines = h1.group(1).strip(), []
        elif heading:
            lines.append(p)
        else:
            before.append(p)
    if heading:
        out.parts.append(_part(heading, lines))
    out.opening = "\n".join(before)


def _guess_year(out: Imported, body: list[str]) -> int | None:
    """The report's year without a title: the signature's year before, else the year most written."""
    if out.sign_date:
        return int(out.sign_date[:4]) - 1
    years = Counter(int(y) for p in body for y in _YEARS.findall(p))
    return years.most_common(1)[0][0] if years else None


def _guess_unit(out: Imported, body: list[str]) -> str:
    """The unit's full name without a title: the signature, else the first unit named in the opening or text."""
    if out.sign_unit:
        return out.sign_unit
    for p in [out.opening, *body]:
        for start in range(len(p)):
            m = _UNIT.match(p, start)
            if m and not any(w in m.group() for w in _NOT_A_UNIT):
                return m.group()
    return ""


def parse(paragraphs: list[str] | tuple[str, ...]) -> Imported:
    """Recognise the title, recipient, opening, first-level parts with their items, and the signature."""
    paras = tidy(paragraphs)
    out = Imported(total=sum(len(p) for p in paras))
    body = _signature(paras[_title_block(paras, out) :], out)
    _body_parts(body, out)
    out.unit = out.unit or _guess_unit(out, body)
    out.year = out.year or _guess_year(out, body)
    return out


def is_short_of(short: str, unit: str) -> bool:
    """Whether `short` is a real short name of `unit`: 县科技局 of 鲁山县科学技术局; never 在县委, 县委, or
    市生态环境局 of 安州市生态环境局梧川分局 (a branch's short name keeps 分局)."""
    place = short[0] in "县市区旗"
    core = short[1:] if place else short
    if len(short) < 3 or short == unit or short.endswith(_SUPERIOR) or short in _SUPERIOR:
        return False
    if (place and short[0] not in unit) or (unit.endswith("分局") and not short.endswith("分局")):
        return False
    pos = 0
    for ch in core:
        pos = unit.find(ch, pos) + 1
        if pos == 0:
            return False
    return True


def short_name(text: str, unit: str) -> str:
    """The first short name of the unit used in the text ('' if none): it starts a phrase or with 县/市/区,
    and is never a piece of the full name where that is written out."""
    if not unit:
        return ""
    text = text[:300].replace(unit, "※")
    for start in range(len(text)):
        m = _SHORT.match(text, start)
        boundary = start == 0 or not "\u4e00" <= text[start - 1] <= "\u9fff" or m and m.group()[0] in "县市区旗"
        if m and boundary and is_short_of(m.group(), unit) and m.group() not in SELF_NAMES:
            return m.group()
    return ""


def enumerated(text: str) -> list[str]:
    """「一是学习不深。二是……」 -> its pieces without 一是/二是 (one piece if it has none)."""
    marks = list(re.finditer(rf"(?:^|(?<=[。；;]))\s*[{_CN}]{{1,2}}是[，,：:]?", text))
    if len(marks) < 2:
        return [text]
    pieces = [text[a.end() : b.start()] for a, b in zip(marks, marks[1:], strict=False)]
    pieces.append(text[marks[-1].end() :])
    return [p.strip() for p in pieces if p.strip()]


def roll_years(text: str, year: int | None) -> str:
    """Next year's wording: 2024年 -> 2025年 and 2025年 -> 2026年 (「2023年以来」 and other years stay)."""
    if not year:
        return text
    moved = {str(year): str(year + 1), str(year + 1): str(year + 2)}
    return re.sub(rf"({year}|{year + 1})(?=年度?(?!以来))", lambda m: moved[m.group(1)], text)


# ---------------------------------------------------------------- which part is which
def role_of(part: Part, roles: tuple[Any, ...]) -> str:
    """The role a part plays: by its heading's words, else by the words of its text, else measures."""
    for r in roles:
        if any(w in part.heading for w in r.match) and r.id != "measures":
            return r.id
    if any(w in part.heading for r in roles if r.id == "measures" for w in r.match):
        return "measures"
    text = part.text()
    scores = {r.id: sum(text.count(w) for w in r.words) for r in roles if r.words and r.id != "measures"}
    best = max(scores, key=lambda k: scores[k], default="")
    return best if best and scores[best] >= 3 and scores[best] * 40 >= len(text) else "measures"


def _lcs(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


def choose_outline(rt: ReportType, roles: list[str], profile: Any) -> Any:
    """The outline whose parts' roles follow the text's order best (ties: the bureau's usual one, then order)."""

    def score(o: Any) -> tuple[int, int, bool, int]:
        common = _lcs(roles, [p.role for p in o.parts])
        return common, common - len(o.parts), o.id == profile.outline, -o.order

    return max(rt.outlines, key=score)


def choose_profile(rt: ReportType, unit: str, text: str = "") -> Any:
    """The bureau named by the unit (title, signature), else the one whose words the text uses most."""
    found = next((p for p in rt.profiles if any(w in unit for w in p.unit_words)), None)
    if found is not None:
        return found
    scores = {p.id: sum(min(text.count(w), 5) for w in (*p.unit_words, *p.body_words)) for p in rt.profiles}
    best = max(rt.profiles, key=lambda p: scores[p.id])
    return best if scores[best.id] >= 3 else next((p for p in rt.profiles if p.default), rt.profiles[-1])


def arrangement(imp: Imported, outline: Any, roles: list[str]) -> list[tuple[Part, Any]]:
    """Each imported part with the outline part it becomes (by role, each used once), else a part of its own."""
    free = list(outline.parts)
    out: list[tuple[Part, Any]] = []
    extra = 0
    for part, role in zip(imp.parts, roles, strict=True):
        target = next((o for o in free if o.role == role), None)
        if target is not None and not (target.role == "other" and part.items):
            free.remove(target)
            out.append((part, target))
        else:
            extra += 1
            out.append((part, f"x{extra}:{role}"))
    return out


# ---------------------------------------------------------------- into answers
@dataclass
class _Fill:
    """Sends one part's lead paragraphs and items to the questions of the part it became."""

    answers: dict[str, Any]
    duty_words: tuple[str, ...]
    unplaced: list[str]

    def part(self, part: Part, pid: str, questions: list[Question]) -> None:
        groups = [q for q in questions if q.kind == "group"]
        paragraphs = [q for q in questions if q.kind == "paragraph"]
        if not groups:
            self._paragraphs(part, [*part.intro, *(self._line(it) for it in part.items)], paragraphs, None)
            return
        if part.intro:
            self.answers[f"intro_{pid}"] = "\n".join(part.intro)
        style = ("num_" if part.level == 3 else "") + ("lead" if part.run_in else "sections")
        self.answers[f"form_{pid}"] = _FORM[style]
        current: str | dict[str, Any] | None = None
        for it in part.items:
            q = self._group_for(groups, it.title)
            if len(self.answers.get(q.id, [])) >= q.max_items and isinstance(current, dict):
                current["body"] = "\n".join(filter(None, [current.get("body", ""), self._line(it)]))
                continue
            item: dict[str, Any] = {"title": it.title}
            if it.sep:
                item["sep"] = it.sep
            current = item
            self.answers.setdefault(q.id, []).append(item)
            for line in it.body:
                current = self._line_into(line, current, paragraphs)

    @staticmethod
    def _line(it: Item) -> str:
        """An item as plain text where it cannot be an item: its title line, then its paragraphs."""
        first = f"{it.title}{it.sep}{it.body[0]}" if it.sep and it.body else it.title
        rest = it.body[1:] if it.sep else it.body
        return "\n".join([first, *rest])

    def _line_into(self, line: str, current: Any, paragraphs: list[Question]) -> Any:
        """A paragraph after an item: a lead-in paragraph starts its question (从根源上剖析…), else it continues."""
        q = next((q for q in paragraphs if q.lead_in and line.startswith(q.lead_in)), None)
        if q is not None:
            self.answers[q.id] = line
            return q.id
        if isinstance(current, dict):
            current["body"] = "\n".join(filter(None, [current.get("body", ""), line]))
        else:
            self.answers[current] = f"{self.answers[current]}\n{line}"
        return current

    def _paragraphs(self, part: Part, lines: list[str], paragraphs: list[Question], current: Any) -> None:
        free = next((q for q in paragraphs if not q.lead_in), None)
        for line in lines:
            lead = next((q for q in paragraphs if q.lead_in and line.startswith(q.lead_in)), None)
            if lead is not None:
                self.answers[lead.id], current = line, lead.id
            elif current is not None:
                self.answers[current] = f"{self.answers[current]}\n{line}"
            elif free is not None:
                self.answers[free.id], current = line, free.id
            else:
                self.unplaced.append(f"“{shorten(part.heading, 12)}”下的一段：{shorten(line, 16)}")

    def _group_for(self, groups: list[Question], title: str) -> Question:
        """In a part with two groups (组织领导 then 举措), leading duty-like titles go to the first."""
        first, last = groups[0], groups[-1]
        if first is not last and not self.answers.get(last.id) and any(w in title for w in self.duty_words):
            return first
        return last


def _duty_words(rt: ReportType) -> tuple[str, ...]:
    return tuple(w for r in rt.requirements if "duty" in r.questions for w in r.keywords)


def _basics(imp: Imported) -> dict[str, Any]:
    a: dict[str, Any] = {}
    short = short_name(imp.opening, imp.unit) or short_name(" ".join(p.text()[:300] for p in imp.parts), imp.unit)
    default_title = f"{imp.unit}关于{imp.year}年法治政府建设情况的报告"
    values = {
        "unit_name": imp.unit,
        "unit_short": short,
        "recipient": imp.recipient,
        "opening": roll_years(imp.opening, imp.year),
        "title": roll_years(imp.title, imp.year) if imp.title and imp.title != default_title else "",
        "sign_unit": imp.sign_unit if imp.sign_unit != imp.unit else "",
    }
    a.update({k: v for k, v in values.items() if v})
    if imp.year:
        a["year"] = imp.year + 1
    return a


def _heading(target: Any, imported: str, year: int | None) -> str | None:
    """The imported heading as a rename, or None when it is the outline's own (its year follows the draft)."""
    text = clean_title(imported)[0]
    if not isinstance(target, str) and year:
        default = target.heading.replace("{year}", str(year)).replace("{next}", str(year + 1))
        if text == default:
            return None
    return roll_years(text, year)


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
    return "\n".join([imp.opening, *(p.text() for p in imp.parts)])


def _placed_chars(imp: Imported, lost: int) -> tuple[int, int]:
    """(characters placed, characters of the text): everything but the date (asked anew) and what was lost."""
    total = imp.total - len(imp.sign_date)
    return total - lost, total


def place(imp: Imported, rt: ReportType, tables: int = 0) -> Placed:
    """Next year's answers from an imported report (the year moves on; everything else is as written)."""
    profile = choose_profile(rt, f"{imp.title}{imp.unit}{imp.sign_unit}", _all_text(imp))
    roles = [role_of(p, rt.roles) for p in imp.parts]
    outline = choose_outline(rt, roles, profile)
    pairs = arrangement(imp, outline, roles)
    layout = [t if isinstance(t, str) else t.id for _, t in pairs]
    a: dict[str, Any] = {"profile": profile.name, "outline": outline.name, "layout": layout, **_basics(imp)}
    variant = rt.variant(outline.id, profile.id, tuple(layout))
    sections = {s.id: s for s in variant.sections}
    unplaced: list[str] = []
    fill = _Fill(a, _duty_words(rt), unplaced)
    for part, target in pairs:
        pid = target.split(":")[0] if isinstance(target, str) else target.id
        head = _heading(target, part.heading, imp.year)
        if head:
            a[f"head_{pid}"] = head
        questions = [q for q in sections[pid].questions if not q.id.startswith(("head_", "form_", "intro_"))]
        fill.part(part, pid, questions)
    lost = sum(len(x) for x in unplaced)
    return Placed(
        a,
        tuple(unplaced),
        outline,
        profile,
        len(pairs),
        tables,
        found_figures(_all_text(imp), profile),
        _placed_chars(imp, lost),
    )


def place_plain(imp: Imported, rt: ReportType, tables: int = 0) -> Placed:
    """A text with no 「一、」 headings: one part of the bureau's usual outline, every paragraph after the opening
    an item (「一是……」 pieces too), the first paragraph the opening when it reads like one."""
    profile = choose_profile(rt, f"{imp.title}{imp.unit}{imp.sign_unit}", imp.opening)
    outline = next((o for o in rt.outlines if o.id == profile.outline), rt.outlines[0])
    paras = imp.opening.split("\n") if imp.opening else []
    opening = paras.pop(0) if paras and re.search(r"如下[：:。]?$|^20\d{2}年", paras[0]) else ""
    imp = Imported(imp.unit, imp.year, imp.title, imp.recipient, opening, [], imp.sign_unit, imp.sign_date, imp.total)
    home = next(p for p in outline.parts if p.figures)
    a = {"profile": profile.name, "outline": outline.name, "layout": [home.id], **_basics(imp)}
    pool = rt.pool
    group = [pool[q] for q in home.questions if q in pool and pool[q].kind == "group"][-1]
    items = []
    for p in paras:
        for piece in enumerated(p):
            title, sep, body = split_run_in(piece)
            items.append({"title": title, "body": body, "sep": sep} if body else {"title": title})
    if items:
        a[group.id] = items
    return Placed(a, (), outline, profile, 1 if items else 0, tables, chars=(imp.total, imp.total))


def to_check(answers: dict[str, Any]) -> list[str]:
    """Imported answers the user must confirm (待核对): all but the layout choices."""
    return [k for k in answers if k not in NOT_TO_CHECK and not k.startswith("form_")]
