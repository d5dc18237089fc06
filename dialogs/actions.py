"""What a channel sends in (Action) and gets back (Reply, Document). No channel imports here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Actions the engine itself understands (on the active draft).
ENGINE_ACTIONS = frozenset(
    {
        "text",
        "choose",
        "back",
        "skip",
        "review",
        "edit",
        "done",
        "example",
        "use_example",
        "clear",
        "undo",
        "delitem",
        "resume",
        "item",
        "itemnext",
        "itemlist",
        "parts",
    }
)
# Actions the assistant handles around the engine (drafts, output, help).
SESSION_ACTIONS = frozenset(
    {"start", "new", "drafts", "open", "delete", "delete_yes", "pause", "help", "preview", "report"}
    | {"polish", "again", "adopt", "keep_original", "restore"}  # the optional writing help
    | {"import", "import_yes", "import_no"}  # last year's report as a new draft
    | {"remind"}  # deadline reminders on / off
)
ALL_ACTIONS = ENGINE_ACTIONS | SESSION_ACTIONS

_ARG = re.compile(r"^[A-Za-z0-9_:\-]{0,40}$")


@dataclass(frozen=True)
class Action:
    """One user input: typed text, or a command with an optional argument.

    `expect` is the question a button was shown for and `draft` the draft it
    belongs to; a button whose question or draft is no longer current is stale.
    `input_id` is the channel's id for the input (Telegram's update id), so an
    input delivered twice is applied once; it is not part of the action's identity.
    """

    name: str
    arg: str = ""
    expect: str = ""
    draft: str = ""
    input_id: str = field(default="", compare=False)

    def bound(self, draft_id: str) -> Action:
        """The same action, for this draft only (dataclasses.replace, without its field lookups: one per button)."""
        return Action(self.name, self.arg, self.expect, draft_id)

    def command(self) -> str:
        """The typed form, e.g. '/edit 3' (text actions are the text itself)."""
        if self.name == "text":
            return self.arg
        return f"/{self.name} {self.arg}".rstrip()


@dataclass(frozen=True)
class Button:
    """A choice shown under a message."""

    label: str
    action: Action


@dataclass(frozen=True)
class Reply:
    """One message to show: text plus rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    kind: str = "question"  # question | error | review | complete | info
    question: str | None = None
    notice: str = ""  # message key of the notice on top, if any (tests assert on it, not on wording)


@dataclass(frozen=True)
class Document:
    """A file to send: the finished report."""

    filename: str
    data: bytes
    caption: str = ""
    photo: bool = False  # an image shown inline (the preview's first page), not a file to download


Out = Reply | Document

# Typed words users reach for on a phone instead of slash commands.
_WORDS = {
    "上一题": "back",
    "返回": "back",
    "跳过": "skip",
    "完成本项": "done",
    "完成": "done",
    "检查": "review",
    "检查修改": "review",
    "结构": "parts",
    "调整结构": "parts",
    "暂停": "pause",
    "帮助": "help",
    "生成报告": "report",
    "预览": "preview",
    "我的草稿": "drafts",
    "新建": "new",
    "导入": "import",
    "提醒": "remind",
}
_ALIASES = {"cancel": "pause", "useexample": "use_example", "del": "delitem", "continue": "resume"}


def parse_input(text: str) -> Action:
    """Turn one typed message into an Action: '/edit 3' -> edit('3'), '跳过' -> skip, else text."""
    stripped = text.strip()
    if stripped in _WORDS:
        return Action(_WORDS[stripped])
    if stripped.startswith("/") and len(stripped) > 1:
        head, _, rest = stripped[1:].partition(" ")
        name = head.split("@", 1)[0].lower()  # '/back@MyBot' in Telegram
        name = _ALIASES.get(name, name)
        arg = rest.strip()
        if name in ALL_ACTIONS and name != "text" and _ARG.match(arg):
            return Action(name, arg)
        return Action("unknown", stripped[:40])
    return Action("text", text)
