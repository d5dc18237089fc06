"""Import trial: how much of each report in a folder comes back in the report the draft makes.

`python -m bench.import_trial DIR` reads every *.txt in DIR (one paragraph per line, as a
bureau's report is published), imports it as the bot does, composes next year's report from
the imported answers unconfirmed, and compares the body (opening and parts) with the original:
characters of the original missing from the report, in order (difflib), per file and in all.
The year moving on in the opening and headings is expected and not counted. Our own corpus
is tests/corpus (tested exactly in tests/test_own_report.py); this is for texts found elsewhere.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

from dialogs.importer import parse, place, roll_years, tidy
from dialogs.outlines import load_report_types
from report import compose, to_text

_H1 = re.compile(r"^[一二三四五六七八九十]+[、.．]")


def _body(lines: list[str], title: str, recipient: str, year: int | None, sign: int) -> list[str]:
    """The original from the opening to the last part (title, recipient and signature off), years moved on
    where the report moves them."""
    lines = lines[: len(lines) - sign]
    skip = 0
    while title and skip < 3 and "".join(lines[: skip + 1]) != title and title.startswith("".join(lines[: skip + 1])):
        skip += 1
    lines = lines[skip + 1 :] if title else lines
    lines = lines[1:] if recipient else lines
    first = next((i for i, x in enumerate(lines) if _H1.match(x)), len(lines))
    return [roll_years(x, year) if i < first or _H1.match(x) else x for i, x in enumerate(lines)]


def trial(path: Path, rt) -> tuple[int, int, str]:
    """(characters lost, characters of the body, a one-line summary) for one text."""
    lines = tidy(path.read_text(encoding="utf-8").splitlines())
    imp = parse(lines)
    if not imp.parts:
        return 0, 0, f"{path.name}: no 「一、」 headings (offered as plain paragraphs)"
    placed = place(imp, rt)
    out = [x.strip("\u3000 ") for x in to_text(compose(rt.variant_for(placed.answers), placed.answers)).splitlines()]
    sign = bool(imp.sign_date) + bool(imp.sign_unit)
    body = "".join(_body(lines, imp.title, imp.recipient, imp.year, sign))
    kept = sum(b.size for b in difflib.SequenceMatcher(None, body, "".join(out), autojunk=False).get_matching_blocks())
    lost = len(body) - kept
    who = f"{placed.outline.name}/{placed.profile.name}"
    return lost, len(body), f"{path.name}: {who}, lost {lost}/{len(body)} ({lost / max(len(body), 1):.1%})"


def main(folder: str) -> int:
    rt = load_report_types()["fazhi_zhengfu"]
    lost = total = 0
    for path in sorted(Path(folder).glob("*.txt")):
        a, b, line = trial(path, rt)
        lost, total = lost + a, total + b
        print(line)
    print(f"all: lost {lost}/{total} ({lost / max(total, 1):.2%})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "tests/corpus"))
