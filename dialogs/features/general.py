"""Help, pause, and commands the assistant does not know."""

from __future__ import annotations

from ..actions import Action, Reply
from ..messages import HELP, say
from ..screens import shorten
from ..session import Outs, Session, note
from .core import Core


def help_text(core: Core, s: Session, action: Action) -> Outs:
    """/help: the commands (and the writing help, where it is on)."""
    where = getattr(core.writer, "where", "")
    extra = "\n\n" + say("help_polish", where=where) if core.writer else ""
    return [Reply(HELP + extra, kind="info", notice="help")]


def pause(core: Core, s: Session, action: Action) -> Outs:
    """/pause: nothing changes; the draft waits."""
    return [note("paused")]


def unknown(core: Core, s: Session, action: Action) -> Outs:
    """A command that does not exist: say so, and show the current question again."""
    current = core.prompt(d) if (d := s.active()) else []
    return [note("unknown_command", kind="error", command=shorten(action.arg, 20)), *current]
