"""The one action table: each action name, the handler that does it, and how the buttons that carry it behave."""

from __future__ import annotations

from ..actions import ALL_ACTIONS, ENGINE_ACTIONS
from . import answering, drafts, general, imports, output, polish, reminders
from .core import Route

ANSWER = Route(answering.answer, bound=True)  # the engine's actions on the active draft

ROUTES: dict[str, Route] = {
    **dict.fromkeys(ENGINE_ACTIONS, ANSWER),
    "text": Route(imports.text, bound=True),  # after /import a pasted report is offered for import
    # drafts
    "start": Route(drafts.start),
    "new": Route(drafts.new, once=True),
    "drafts": Route(drafts.drafts_screen),
    "open": Route(drafts.open_draft),
    "delete": Route(drafts.delete),
    "delete_yes": Route(drafts.delete_yes),
    # help, pause, commands that do not exist
    "help": Route(general.help_text),
    "pause": Route(general.pause),
    "unknown": Route(general.unknown),
    # output
    "preview": Route(output.preview, once=True, bound=True),
    "report": Route(output.report, once=True, bound=True),
    # importing last year's report
    "import": Route(imports.import_how),
    "import_yes": Route(imports.import_yes, stale=imports.was_answered),
    "import_no": Route(imports.import_no, stale=imports.was_answered),
    # writing help (✨ 润色): ✨ and 再写一版 wait on the model
    "polish": Route(polish.polish, once=True, bound=True, waits=True),
    "again": Route(polish.again, once=True, waits=True),
    "adopt": Route(polish.adopt),
    "keep_original": Route(polish.keep_original),
    "restore": Route(polish.restore),
    # deadline reminders
    "remind": Route(reminders.remind),
    "remind_due": Route(reminders.remind_due),  # sent by the channel's reminder job, never typed or on a button
}

_unrouted = ALL_ACTIONS - ROUTES.keys()
if _unrouted:  # a name channels accept (actions.py) with no handler here
    raise RuntimeError(f"actions without a handler: {sorted(_unrouted)}")


def route(name: str) -> Route:
    """How an action is handled (a name the table does not know is handed to the engine, on the active draft)."""
    return ROUTES.get(name, ANSWER)
