"""Button data: `code|arg|question|draft`, at most 64 bytes, validated on the way back in."""

from __future__ import annotations

import re

from dialogs.actions import ALL_ACTIONS, Action

CALLBACK_LIMIT = 64
_CODES = {
    "text": "t", "choose": "c", "back": "b", "skip": "s", "review": "r", "edit": "e", "done": "d", "example": "x",
    "use_example": "u", "clear": "cl", "undo": "ud", "delitem": "di", "item": "it", "itemnext": "in", "itemlist": "il", "resume": "re", "start": "st", "new": "n", "drafts": "ds",
    "open": "o", "delete": "dl", "delete_yes": "dy", "pause": "p", "help": "h", "preview": "pv", "report": "rp",
    "polish": "pl", "again": "pa", "adopt": "ad", "keep_original": "ko", "restore": "rs",
    "import": "im", "parts": "pt", "import_yes": "iy", "import_no": "ix", "remind": "rm",
}  # fmt: skip
_NAMES = {v: k for k, v in _CODES.items()}
_FIELD = re.compile(r"^[A-Za-z0-9_:\-]{0,36}$")


def encode_action(action: Action) -> str:
    """Compact, validated button data; drops the question check rather than exceed 64 bytes."""
    code = _CODES[action.name]
    data = f"{code}|{action.arg}|{action.expect}|{action.draft}"
    if len(data.encode()) > CALLBACK_LIMIT:
        data = f"{code}|{action.arg}||{action.draft}"
    if len(data.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"button data too long for {action.name}")
    return data


def decode_action(data: str | None) -> Action | None:
    """Parse button data; None for anything malformed or forged."""
    try:
        size = len(data.encode()) if data else 0
    except UnicodeEncodeError:  # a lone surrogate: forged, not ours
        return None
    if not data or size > CALLBACK_LIMIT:
        return None
    parts = data.split("|")
    if len(parts) != 4:
        return None
    code, arg, expect, draft = parts
    name = _NAMES.get(code)
    if name is None or name not in ALL_ACTIONS or name == "text":
        return None
    if not all(_FIELD.match(x) for x in (arg, expect, draft)):
        return None
    return Action(name, arg, expect, draft)
