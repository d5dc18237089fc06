"""The import conversation: last year's file or pasted text -> a summary -> a new draft only when the user says so.

What was recognised waits in memory under a token on the summary's buttons (a
restart forgets it; the user sends the file again). The new draft is for the
following year and every imported answer is 待核对 until confirmed or changed.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from .actions import Action, Button, Reply
from .draft import Draft, new_draft_id, now_iso
from .importer import Placed, parse, place, place_plain, to_check
from .messages import label, say
from .ports import FileReader, Source, UnreadableFile
from .schema import ReportType
from .screens import shorten
from .wording import fill_years

MAX_PENDING = 1000  # imports waiting for 导入 / 取消 across all users
PASTE_WINDOW = 600.0  # seconds after /import in which the next text message is taken as the report


@dataclass(frozen=True)
class Pending:
    """A recognised import waiting for the user's yes: what it would fill, for which report type."""

    placed: Placed
    report_type: str
    plain: bool = False  # no headings were found: the offer is to import paragraphs as items


class Imports:
    """Pending imports and users about to paste a report, per user (nothing here is stored on disk)."""

    def __init__(self, rt: ReportType, reader: FileReader | None) -> None:
        self.rt = rt
        self.reader = reader
        self._pending: OrderedDict[tuple[int, str], Pending] = OrderedDict()
        self._pasting: dict[int, float] = {}
        self._taken: OrderedDict[tuple[int, str], None] = OrderedDict()  # answered summaries: a second tap is stale

    # -- input -------------------------------------------------------------------
    def expect_paste(self, user_id: int) -> None:
        """/import: the user's next text message is a pasted report."""
        self._pasting[user_id] = time.monotonic() + PASTE_WINDOW
        if len(self._pasting) > MAX_PENDING:
            self._pasting.pop(next(iter(self._pasting)))

    def takes_paste(self, user_id: int) -> bool:
        """Whether this user's text message is the report they said they would paste (asked once)."""
        deadline = self._pasting.pop(user_id, 0.0)
        return deadline > time.monotonic()

    def read(self, filename: str, data: bytes) -> Source:
        """The file's paragraphs (UnreadableFile when it cannot be imported)."""
        if self.reader is None:
            raise UnreadableFile("import_off")
        return self.reader.read(filename, data)

    # -- the offer -----------------------------------------------------------------
    def offer(self, user_id: int, source: Source) -> Reply:
        """The summary of what was recognised with 导入 / 取消, or the plain-paragraphs offer, or why not."""
        imp = parse(source.paragraphs)
        if not imp.parts:
            if not imp.opening and not imp.loose:
                return Reply(say("import_empty"), kind="error", notice="import_empty")
            placed = place_plain(imp, self.rt, source.tables)
            token = self._keep(user_id, Pending(placed, self.rt.id, plain=True))
            rows = (
                (
                    Button(label("import_plain"), Action("import_yes", token)),
                    Button(label("cancel"), Action("import_no", token)),
                ),
            )
            n = len(next((v for v in placed.answers.values() if isinstance(v, list)), []))
            return Reply(say("import_no_headings", n=n), rows, "info", None, "import_no_headings")
        placed = place(imp, self.rt, source.tables)
        token = self._keep(user_id, Pending(placed, self.rt.id))
        left = missing(placed)
        yes = label("import_yes_missing", n=len(left)) if left else label("import_yes")
        rows = (
            (
                Button(yes, Action("import_yes", token)),
                Button(label("cancel"), Action("import_no", token)),
            ),
        )
        return Reply(summary(placed, self.rt), rows, "info", None, "import_summary")

    def _keep(self, user_id: int, pending: Pending) -> str:
        token = secrets.token_hex(4)
        self._pending[(user_id, token)] = pending
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
        return token

    def take(self, user_id: int, token: str) -> Pending | None:
        """The pending import behind a button (once: a second tap finds nothing)."""
        pending = self._pending.pop((user_id, token), None)
        if pending is not None:
            self._taken[(user_id, token)] = None
            while len(self._taken) > MAX_PENDING:
                self._taken.popitem(last=False)
        return pending

    def was_taken(self, user_id: int, token: str) -> bool:
        """Whether this summary's button was already answered (a double tap), not lost to a restart."""
        return (user_id, token) in self._taken


def _part_lines(placed: Placed, rt: ReportType) -> list[str]:
    """One line per part in the draft's order: its heading and how many sub-sections it holds."""
    a = placed.answers
    v = rt.variant(placed.outline.id, placed.profile.id, tuple(a.get("layout", ())))
    year = a.get("year")
    lines = []
    for n, part in enumerate(v.outline.parts if v.outline else (), 1):
        heading = fill_years(str(a.get(f"head_{part.id}") or part.heading), year)
        section = next(s for s in v.sections if s.id == part.id)
        items = sum(len(a[q.id]) for q in section.questions if q.kind == "group" and isinstance(a.get(q.id), list))
        lines.append(f"{n}. {shorten(heading, 24)}" + (say("import_part_items", n=items) if items else ""))
    return lines


def summary(placed: Placed, rt: ReportType) -> str:
    """「识别到 4 个部分：…」 with the unit, year, outline, bureau, how much was placed and what could not be."""
    a = placed.answers
    lines = [say("import_found", parts=placed.parts, counts="\n".join(_part_lines(placed, rt)) or "—")]
    year = a.get("year")
    lines.append(
        say(
            "import_basics",
            unit=a.get("unit_name") or say("import_unknown"),
            year=say("import_year", last=year - 1, year=year) if isinstance(year, int) else say("import_unknown"),
            outline=placed.outline.name,
            profile=placed.profile.name,
        )
    )
    done, total = placed.chars
    if total:
        lines.append(say("import_chars", placed=done, total=total, percent=f"{done / total:.0%}"))
    gates = [v for k, v in placed.figures.items() if k.startswith("fig_")]
    if gates:
        lines.append(say("import_figures", figures="；".join(gates)))
    left = missing(placed)
    if left:
        lines.append(say("import_unplaced", n=len(left)) + "\n" + "\n".join(f"· {shorten(x, 40)}" for x in left[:8]))
    lines.append(say("import_then"))
    return "\n".join(lines)


def missing(placed: Placed) -> list[str]:
    """What the draft will not have: paragraphs that found no place, and tables."""
    return [*placed.unplaced, *([say("import_tables", n=placed.tables)] if placed.tables else [])]


def new_draft(pending: Pending, user_id: int, version: int) -> Draft:
    """The draft an accepted import becomes: next year's, every imported answer 待核对."""
    answers = dict(pending.placed.answers)
    draft = Draft(id=new_draft_id(), user_id=user_id, report_type=pending.report_type, schema_version=version)
    draft.answers = answers
    draft.unconfirmed = to_check(answers)
    draft.carried = list(draft.unconfirmed)
    draft.last_year = dict(pending.placed.figures)
    draft.created = draft.updated = now_iso()
    return draft
