"""Text a test may match where only text is available (Telegram, WeCom, the console).

Every string here is computed from `dialogs.messages` or the report type's templates, never copied
by hand, so rewording a sentence breaks no test while a wrong screen or notice still does.
"""

from __future__ import annotations

import re
from functools import cache

from dialogs.messages import HELP, MESSAGES, say
from dialogs.schema import ReportType

KEJI = {"profile": "科技局", "outline": "五项式"}


def part(key: str) -> str:
    """The longest fixed piece of a message (the words between its {placeholders})."""
    return max((p.strip() for p in re.split(r"\{[^}]*\}", MESSAGES[key])), key=len)


def help_title() -> str:
    """The first line of /help."""
    return HELP.split("\n", 1)[0]


@cache
def _variant() -> ReportType:
    from dialogs.outlines import load_report_types

    return load_report_types()["fazhi_zhengfu"].variant_for(KEJI)


def ask(qid: str, field: str = "") -> str:
    """The first line of a question's (or a group field's) prompt, as its screen shows it (科技局, 五项式)."""
    q = _variant().question(qid)
    return (q.field(field).prompt if field else q.prompt).split("\n", 1)[0]


def title_of(qid: str) -> str:
    """A question's label, or a group field's as `qid.field` (what the review and the notices call it)."""
    qid, _, field = qid.partition(".")
    q = _variant().question(qid)
    return q.field(field).label if field else q.label


def pattern(key: str) -> str:
    """A regular expression any rendering of a message matches (each placeholder stands for some text)."""
    return ".+?".join(re.escape(p) for p in re.split(r"\{[^}]*\}", MESSAGES[key]))


def example_of(qid: str) -> str:
    """A question's example (科技局, 五项式)."""
    return str(_variant().question(qid).example)


def refusal(text: str, qid: str, field: str = "") -> str:
    """The sentence an answer is refused with (the parser's own ParseError), as the notice shows it."""
    from dialogs.parse import ParseError, parse_scalar

    q = _variant().question(qid)
    try:
        parse_scalar(text, q.field(field) if field else q)
    except ParseError as exc:
        return str(exc)
    raise AssertionError(f"{text[:20]}… is accepted for {qid}")


def item_label(qid: str) -> str:
    """What one item of a list is called (条举措, 个, …)."""
    return _variant().question(qid).item_label


def heading(qid: str, n: int, field: str) -> str:
    """The line over the n-th item's field while it is being added."""
    q = _variant().question(qid)
    return say("item_heading", n=n, item=q.item_label, field=q.field(field).label)


def editing(qid: str, n: int, field: str) -> str:
    """The line over the n-th item's field while it is being changed in place."""
    q = _variant().question(qid)
    return say("editing_heading", n=n, item=q.item_label, field=q.field(field).label)


def fields(key: str, text: str) -> dict[str, str]:
    """The values a message was filled with, read back from text that shows it ({} when it is not there)."""
    seen: set[str] = set()
    regex = ""
    for piece, name in re.findall(r"([^{]*)(?:\{(\w+)\})?", MESSAGES[key]):
        regex += re.escape(piece)
        if name:
            regex += f"(?P={name})" if name in seen else f"(?P<{name}>[^\\n]+?)"
            seen.add(name)
    found = re.search(regex, text)
    return found.groupdict() if found else {}
