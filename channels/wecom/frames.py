"""企业微信 long-connection frames: command names, req_id, the platform's limits, and frame builders."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

SUBSCRIBE = "aibot_subscribe"
PING = "ping"
MSG_CALLBACK = "aibot_msg_callback"
EVENT_CALLBACK = "aibot_event_callback"
RESPOND = "aibot_respond_msg"
RESPOND_WELCOME = "aibot_respond_welcome_msg"
RESPOND_UPDATE = "aibot_respond_update_msg"
SEND = "aibot_send_msg"
UPLOAD_INIT = "aibot_upload_media_init"
UPLOAD_CHUNK = "aibot_upload_media_chunk"
UPLOAD_FINISH = "aibot_upload_media_finish"

# Limits (vendor documentation and SDK sources; see the README section 企业微信).
MARKDOWN_BYTES = 20_480  # markdown content, UTF-8 bytes
TEXT_BYTES = 2048  # a text message (accepted only as the welcome reply)
CARD_BUTTONS = 6  # buttons on one button_interaction card
TASK_ID_BYTES = 128
TASK_ID = re.compile(r"^[0-9A-Za-z_\-@]{1,128}$")
KEY_BYTES = 1024  # a button's key
CHUNK_BYTES = 512 * 1024  # raw bytes per upload chunk (sent base64)
MAX_CHUNKS = 100
IN_FLIGHT = 3  # messages per user awaiting their acknowledgement

# Error codes the channel reacts to.
INVALID_REQ_ID = 846605  # the req_id is unknown (or no longer answerable)
EXPIRED_UPDATE = 846608  # a card update came more than 5 s after its press


def new_req_id(cmd: str) -> str:
    """A fresh request id for a command the client starts: `<cmd>_<ms>_<random>`."""
    return f"{cmd}_{int(time.time() * 1000)}_{secrets.token_hex(4)}"


def new_task_id() -> str:
    """A card's task_id: unique per robot, of the allowed characters, far under 128 bytes."""
    return f"t{int(time.time() * 1000)}_{secrets.token_hex(6)}"


def command(cmd: str, body: dict[str, Any] | None, req_id: str) -> dict[str, Any]:
    """A frame the client sends."""
    out: dict[str, Any] = {"cmd": cmd, "headers": {"req_id": req_id}}
    if body is not None:
        out["body"] = body
    return out


def markdown(content: str) -> dict[str, Any]:
    """A markdown message body."""
    return {"msgtype": "markdown", "markdown": {"content": content}}


def text(content: str) -> dict[str, Any]:
    """A text message body (the welcome reply only: elsewhere the platform refuses text)."""
    return {"msgtype": "text", "text": {"content": content}}


def card_body(card: dict[str, Any]) -> dict[str, Any]:
    """A template card message body."""
    return {"msgtype": "template_card", "template_card": card}


def update_body(card: dict[str, Any]) -> dict[str, Any]:
    """The body of aibot_respond_update_msg: the pressed card replaced (same task_id)."""
    return {"response_type": "update_template_card", "template_card": card}


def file_body(media_id: str, media_type: str = "file") -> dict[str, Any]:
    """A file (or image) message body from an uploaded media_id."""
    return {"msgtype": media_type, media_type: {"media_id": media_id}}


def push(userid: str, body: dict[str, Any]) -> dict[str, Any]:
    """aibot_send_msg's body: a message to a user nobody asked for (a single chat's chatid is the userid)."""
    return {"chatid": userid, "chat_type": 1, **body}


def utf8_len(text: str) -> int:
    """Length in UTF-8 bytes, the unit of the platform's limits."""
    return len(text.encode("utf-8"))
