"""A draft's own arrangement of first-level parts: reorder, leave out, fold one into another, add one's own.

The arrangement is the draft's `layout` answer, a list of entries read by
dialogs/outlines.py `arrange`: a part id ('measures'), a part with others folded
into it ('measures<duty': duty's sub-sections come first), or a part of the
user's own ('x1:measures', with the role it plays). Every change keeps every
answer: a part left out or folded keeps its answers and comes back as it was.
"""

from __future__ import annotations

from typing import Any

from .outlines import EXTRA_PART, MAX_EXTRA

OPS = ("up", "drop", "restore", "fold", "unfold", "add")


def entries(rt: Any, answers: dict[str, Any]) -> list[str]:
    """The layout in force: the draft's own, else the outline's parts in order."""
    own = answers.get("layout")
    if isinstance(own, list) and own:
        return [str(x) for x in own]
    return [p.id for p in rt.outline.parts] if rt.outline else []


def base_parts(rt: Any) -> list[str]:
    """The chosen outline's own parts, whatever the draft did to them."""
    base = next((o for o in rt.outlines if rt.outline and o.id == rt.outline.id), None)
    return [p.id for p in base.parts] if base else []


def ids(entry: str) -> list[str]:
    """The part ids an entry holds: 'measures<duty' -> [measures, duty]; 'x1:measures' -> [x1]."""
    return [x.split(":")[0] for x in entry.split("<")]


def left_out(rt: Any, layout: list[str], answers: dict[str, Any]) -> list[str]:
    """The parts this layout does not show, the outline's and the user's own (their answers are kept)."""
    shown = {i for e in layout for i in ids(e)}
    own = [f"x{n}" for n in range(1, MAX_EXTRA + 1) if f"head_x{n}" in answers]
    return [p for p in [*base_parts(rt), *own] if p not in shown]


def _find(layout: list[str], pid: str) -> int:
    return next((i for i, e in enumerate(layout) if ids(e)[0] == pid), -1)


def change(rt: Any, answers: dict[str, Any], op: str, pid: str) -> tuple[list[str], str] | None:
    """The layout after one change, and the id of a part it added ('' otherwise); None when it does nothing.

    `pid` is a part id or its position (1 = the first part), as typed: /parts up:2."""
    layout = entries(rt, answers)
    if pid.isdigit() and 1 <= int(pid) <= len(layout):
        pid = ids(layout[int(pid) - 1])[0]
    i = _find(layout, pid)
    if op == "up" and i > 0:
        layout[i - 1], layout[i] = layout[i], layout[i - 1]
    elif op == "drop" and i >= 0 and len(layout) > 1:
        layout.pop(i)
    elif op == "restore" and pid in left_out(rt, layout, answers):
        layout.append(f"{pid}:measures" if EXTRA_PART.match(pid) else pid)
    elif op == "fold" and i > 0 and "<" not in layout[i] and not EXTRA_PART.match(layout[i]):
        layout[i - 1] = f"{layout[i - 1]}<{layout.pop(i)}"
    elif op == "unfold" and i >= 0 and "<" in layout[i]:
        host, *guests = layout[i].split("<")
        layout[i : i + 1] = [host, *guests]
    elif op == "add":
        used = {e.split(":")[0] for e in layout}
        free = next((f"x{n}" for n in range(1, MAX_EXTRA + 1) if f"x{n}" not in used), None)
        if free is None:
            return None
        layout.append(f"{free}:measures")
        return layout, free
    else:
        return None
    return layout, ""


def after_outline_switch(rt: Any, outline_name: str, layout: Any) -> list[str] | None:
    """A layout for a newly chosen outline: its parts, then the user's own parts kept; None when there are none."""
    new = next((o for o in rt.outlines if o.name == outline_name), None)
    own = [e for e in layout if isinstance(e, str) and EXTRA_PART.match(e)] if isinstance(layout, list) else []
    if new is None or not own:
        return None
    return [p.id for p in new.parts] + own
