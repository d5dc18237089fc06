"""The core's screens as 企业微信 messages: markdown, button cards (≤ 6 buttons), files; button keys.

A screen with buttons becomes one card when its text is short, else its text as markdown
followed by a card carrying the buttons. Buttons past the sixth are named in the text as
the commands that do the same (as the console shows every button). Consecutive notices
are folded into the next screen's message, so one action usually costs one message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dialogs.actions import ALL_ACTIONS, Action, Button, Document, Out, Reply
from dialogs.text import split_text

from . import frames

# Card text lengths the vendor recommends (main title 26 characters, sub-title 112): longer text goes as markdown.
CARD_TITLE_CHARS = 26
CARD_TEXT_CHARS = 112
# Markdown pieces are cut by characters; 4 bytes per character at most keeps every piece under the byte limit.
MARKDOWN_CHARS = frames.MARKDOWN_BYTES // 4
MORE = "更多操作（直接输入）："
_FIELD = re.compile(r"^[A-Za-z0-9_:\-]{0,200}$")


@dataclass(frozen=True)
class Markdown:
    """A markdown message."""

    content: str

    def body(self) -> dict[str, Any]:
        return frames.markdown(self.content)


@dataclass(frozen=True)
class Card:
    """A button_interaction card: a title, an optional short text, at most six buttons."""

    title: str
    text: str
    buttons: tuple[tuple[str, str], ...]  # (label, key)

    def card(self, task_id: str) -> dict[str, Any]:
        """The template_card dict under a task_id (a new one, or the pressed card's when updating it)."""
        card: dict[str, Any] = {
            "card_type": "button_interaction",
            "main_title": {"title": self.title},
            "task_id": task_id,
            "button_list": [{"text": label, "style": 1, "key": key} for label, key in self.buttons],
        }
        if self.text:
            card["sub_title_text"] = self.text
        return card


Message = Markdown | Card | Document


def encode_key(action: Action) -> str:
    """A button's key: `name|arg|question|draft` (the stale-press check travels with the button)."""
    key = f"{action.name}|{action.arg}|{action.expect}|{action.draft}"
    if frames.utf8_len(key) > frames.KEY_BYTES:
        raise ValueError(f"button key too long for {action.name}")
    return key


def decode_key(key: str | None) -> Action | None:
    """The action behind a key; None for anything malformed or forged."""
    if not key or frames.utf8_len(key) > frames.KEY_BYTES:
        return None
    parts = key.split("|")
    if len(parts) != 4:
        return None
    name, arg, expect, draft = parts
    if name not in ALL_ACTIONS or name == "text" or not all(_FIELD.match(x) for x in (arg, expect, draft)):
        return None
    return Action(name, arg, expect, draft)


def typed_form(button: Button) -> str:
    """What to type for a button (a choice is typed as its label), as the console shows it."""
    cmd = button.action.command()
    if cmd == button.label or button.action.name == "choose":
        return f"「{button.label}」"
    return f"{button.label}：{cmd}"


def _on_card(reply: Reply) -> tuple[list[Button], list[Button]]:
    """The first six buttons in the core's order (choices, then the way on) go on the card; the rest are typed."""
    flat = [b for row in reply.buttons for b in row]
    return flat[: frames.CARD_BUTTONS], flat[frames.CARD_BUTTONS :]


def _screen(notices: list[str], reply: Reply) -> list[Message]:
    """Notices and a reply with its buttons: one card when short, else markdown then a card titled by the reply."""
    shown, typed = _on_card(reply)
    text = "\n\n".join([*notices, reply.text])
    if typed:
        text += "\n\n" + MORE + "\n" + "\n".join(typed_form(b) for b in typed)
    buttons = tuple((b.label, encode_key(b.action)) for b in shown)
    first, _, rest = text.strip().partition("\n")
    if len(first) <= CARD_TITLE_CHARS and len(rest.strip()) <= CARD_TEXT_CHARS:
        return [Card(first, rest.strip(), buttons)]
    return [*_markdown(text), Card(_title(reply.text), "", buttons)]


def _title(text: str) -> str:
    """The card's title when the text went above it: the reply's first line, cut to fit."""
    first = text.strip().partition("\n")[0]
    if len(first) <= CARD_TITLE_CHARS:
        return first or "请选择："
    return first[: CARD_TITLE_CHARS - 1] + "…"


def _markdown(text: str) -> list[Message]:
    return [Markdown(p) for p in split_text(text, MARKDOWN_CHARS) if p.strip()] or [Markdown("…")]


def render(outs: list[Out]) -> list[Message]:
    """The messages for one action's outputs, in order; notices fold into the screen after them."""
    messages: list[Message] = []
    pending: list[str] = []
    for out in outs:
        if isinstance(out, Document):
            if pending:
                messages += _markdown("\n\n".join(pending))
                pending = []
            messages.append(out)
        elif out.buttons:
            messages += _screen(pending, out)
            pending = []
        else:
            pending.append(out.text)
    if pending:
        messages += _markdown("\n\n".join(pending))
    return messages
