"""A loopback stand-in for the 企业微信 robot long connection (and its file server), for tests. No network.

It speaks the documented frames on 127.0.0.1: subscribe (refusing a wrong secret), ping
acknowledgements (or silence), pushes of text, files, enter_chat and card presses,
acknowledgements with a delay and the error codes 846605 (unknown req_id) and 846608
(card update after its window), and displacement by a second subscribe. It checks every
frame the bot sends against the platform's limits, independently of the bot's own code:
a frame over a limit is refused and recorded in `refusals` (tests assert it stays empty).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import websockets

MARKDOWN_BYTES = 20_480
TEXT_BYTES = 2048  # the welcome reply's text
CARD_BUTTONS = 6
KEY_BYTES = 1024
TASK_ID = re.compile(r"^[0-9A-Za-z_\-@]{1,128}$")
CHUNK_BYTES = 512 * 1024
MAX_CHUNKS = 100
FILE_BYTES = 20 * 1024 * 1024
IN_FLIGHT = 3
REPLIES = {"aibot_respond_msg", "aibot_respond_welcome_msg", "aibot_respond_update_msg"}


@dataclass
class Sent:
    """One accepted message from the bot."""

    cmd: str
    userid: str
    body: dict[str, Any]
    req_id: str


@dataclass
class Upload:
    filename: str
    size: int
    chunks: int
    md5: str
    parts: dict[int, bytes] = field(default_factory=dict)


class FakeWeCom:
    """The server side of one robot: start(), push events, read `sent`, stop()."""

    def __init__(self, bot_id: str = "bot1", secret: str = "s3cret") -> None:
        self.bot_id, self.secret = bot_id, secret
        self.silent = False  # True: pings go unanswered
        self.ack_delay: dict[str, float] = {}  # cmd -> seconds before its acknowledgement
        self.update_window = 5.0  # a card update later than this after its press: 846608
        self.drop_on: str | None = None  # close the socket when this cmd arrives (it is not acknowledged)
        self.sent: list[Sent] = []
        self.refusals: list[str] = []
        self.pings = 0
        self.subscribes = 0
        self.media: dict[str, tuple[str, bytes]] = {}
        self.pushed: list[dict[str, Any]] = []  # callbacks sent to the bot (a test may send one again)
        self.files: dict[str, tuple[str, bytes]] = {}  # path -> (name, encrypted bytes) on the HTTP server
        self._live: Any = None  # the subscribed connection
        self._callbacks: dict[str, tuple[str, float, Any]] = {}  # req_id -> (userid, pushed at, connection)
        self._task_ids: set[str] = set()
        self._uploads: dict[str, Upload] = {}
        self._flying: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._server: Any = None
        self._http: Any = None

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        self._server = await websockets.serve(self._session, "127.0.0.1", 0)
        self._http = await asyncio.start_server(self._serve_file, "127.0.0.1", 0)

    async def stop(self) -> None:
        for srv in (self._server, self._http):
            srv.close()
            await srv.wait_closed()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self._http.sockets[0].getsockname()[1]}"

    @property
    def connected(self) -> bool:
        return self._live is not None

    async def drop(self) -> None:
        """Close the live socket from the server side (a network drop)."""
        if self._live is not None:
            await self._live.close()

    # -- the socket ------------------------------------------------------------------
    async def _session(self, ws: Any) -> None:
        try:
            async for raw in ws:
                await self._frame(ws, raw)
        except websockets.ConnectionClosed:
            pass
        finally:
            if self._live is ws:
                self._live = None

    async def _frame(self, ws: Any, raw: Any) -> None:
        frame = json.loads(raw)
        cmd, req_id = frame.get("cmd", ""), frame.get("headers", {}).get("req_id", "")
        body = frame.get("body") or {}
        if cmd == "aibot_subscribe":
            await self._subscribe(ws, req_id, body)
        elif ws is not self._live:
            await ws.close()
        elif cmd == "ping":
            self.pings += 1
            if not self.silent:
                await self._ack(ws, req_id)
        elif cmd == self.drop_on:
            self.drop_on = None
            await ws.close()
        else:
            asyncio.get_running_loop().create_task(self._command(ws, cmd, req_id, body))

    async def _subscribe(self, ws: Any, req_id: str, body: dict[str, Any]) -> None:
        if body.get("bot_id") != self.bot_id or body.get("secret") != self.secret:
            await self._ack(ws, req_id, 40014, "invalid secret")
            await ws.close()
            return
        old, self._live = self._live, ws
        self.subscribes += 1
        if old is not None:  # one connection per robot: the first is told, then closed
            await old.send(json.dumps(self._callback("aibot_event_callback", "", {"eventtype": "disconnected_event"})))
            await old.close()
        await self._ack(ws, req_id)

    async def _ack(self, ws: Any, req_id: str, errcode: int = 0, errmsg: str = "ok", body: Any = None) -> None:
        frame: dict[str, Any] = {"headers": {"req_id": req_id}, "errcode": errcode, "errmsg": errmsg}
        if body is not None:
            frame["body"] = body
        try:
            await ws.send(json.dumps(frame))
        except websockets.ConnectionClosed:
            pass

    async def _command(self, ws: Any, cmd: str, req_id: str, body: dict[str, Any]) -> None:
        user = self._user_of(cmd, req_id, body)
        self._flying[user] = self._flying.get(user, 0) + 1
        try:
            if self._flying[user] > IN_FLIGHT:
                return await self._refuse(ws, req_id, f"{cmd}: more than {IN_FLIGHT} messages in flight for {user}")
            await asyncio.sleep(self.ack_delay.get(cmd, 0))
            code, reply = self._check(cmd, req_id, body, ws)
            if code == -1:
                return await self._refuse(ws, req_id, reply)
            if code:
                return await self._ack(ws, req_id, code, reply)
            await self._ack(ws, req_id, body=reply if isinstance(reply, dict) else None)
        finally:
            self._flying[user] -= 1

    async def _refuse(self, ws: Any, req_id: str, why: str) -> None:
        self.refusals.append(why)
        await self._ack(ws, req_id, 40058, why)

    def _user_of(self, cmd: str, req_id: str, body: dict[str, Any]) -> str:
        """Whose message this is (uploads are not messages: each gets its own count)."""
        if cmd in REPLIES:
            return self._callbacks.get(req_id, ("?", 0, None))[0]
        return str(body.get("chatid") or f"upload {req_id}")

    # -- checks ----------------------------------------------------------------------
    def _check(self, cmd: str, req_id: str, body: dict[str, Any], ws: Any) -> tuple[int, Any]:
        """(0, ack body) accepted; (errcode, errmsg) an error; (-1, why) a limit broken (a refusal)."""
        if cmd.startswith("aibot_upload_media"):
            return self._upload(cmd, body)
        if cmd in REPLIES:
            known = self._callbacks.get(req_id)
            if known is None or known[2] is not ws:
                return 846605, "invalid req_id"
            if cmd == "aibot_respond_update_msg":
                if time.monotonic() - known[1] > self.update_window:
                    return 846608, "update expired"
                body = body.get("template_card") and {"msgtype": "template_card", **body} or body
        elif cmd != "aibot_send_msg":
            return -1, f"unknown command {cmd}"
        why = self._limits(cmd, body)
        if why:
            return -1, why
        self.sent.append(Sent(cmd, known[0] if cmd in REPLIES else str(body.get("chatid")), body, req_id))
        return 0, None

    def _limits(self, cmd: str, body: dict[str, Any]) -> str:
        msgtype = body.get("msgtype")
        if msgtype == "text" and cmd != "aibot_respond_welcome_msg":
            return "text is only accepted in the welcome reply (40008)"
        if cmd == "aibot_respond_welcome_msg" and msgtype not in ("text", "template_card"):
            return "a welcome reply is text or a template card"
        if msgtype == "text":
            size = len(body["text"]["content"].encode("utf-8"))
            return f"text of {size} bytes" if size > TEXT_BYTES else ""
        if msgtype == "markdown":
            size = len(body["markdown"]["content"].encode("utf-8"))
            return f"markdown of {size} bytes" if size > MARKDOWN_BYTES else ""
        if msgtype in ("file", "image"):
            return "" if body[msgtype].get("media_id") in self.media else "unknown media_id"
        if msgtype == "template_card":
            return self._card(cmd, body["template_card"])
        return f"unexpected msgtype {msgtype}"

    def _card(self, cmd: str, card: dict[str, Any]) -> str:
        if card.get("card_type") != "button_interaction":
            return "not a button_interaction card"
        buttons, task_id = card.get("button_list") or [], str(card.get("task_id", ""))
        if not 1 <= len(buttons) <= CARD_BUTTONS:
            return f"{len(buttons)} buttons on a card"
        if any(len(b.get("key", "").encode()) > KEY_BYTES or not b.get("key") for b in buttons):
            return "a button key over 1024 bytes"
        if not TASK_ID.match(task_id) or len(task_id.encode()) > 128:
            return f"bad task_id {task_id[:40]}"
        if cmd == "aibot_respond_update_msg":
            return "" if task_id in self._task_ids else "update of an unknown card"
        if task_id in self._task_ids:
            return "task_id used twice"
        self._task_ids.add(task_id)
        return ""

    def _upload(self, cmd: str, body: dict[str, Any]) -> tuple[int, Any]:
        if cmd == "aibot_upload_media_init":
            size, chunks = int(body.get("total_size", 0)), int(body.get("total_chunks", 0))
            if size > FILE_BYTES or not 1 <= chunks <= MAX_CHUNKS:
                return -1, f"upload of {size} bytes in {chunks} chunks"
            upload_id = f"up{next(self._ids)}"
            self._uploads[upload_id] = Upload(body.get("filename", ""), size, chunks, body.get("md5", ""))
            return 0, {"upload_id": upload_id}
        up = self._uploads.get(body.get("upload_id", ""))
        if up is None:
            return -1, "unknown upload_id"
        if cmd == "aibot_upload_media_chunk":
            raw = base64.b64decode(body.get("base64_data", ""))
            if len(raw) > CHUNK_BYTES:
                return -1, f"chunk of {len(raw)} bytes"
            up.parts[int(body["chunk_index"])] = raw
            return 0, None
        data = b"".join(up.parts[i] for i in sorted(up.parts))
        if len(up.parts) != up.chunks or len(data) != up.size or hashlib.md5(data).hexdigest() != up.md5:
            return -1, "upload incomplete or corrupt"
        media_id = f"media{next(self._ids)}"
        self.media[media_id] = (up.filename, data)
        return 0, {"media_id": media_id, "type": "file"}

    # -- pushes ----------------------------------------------------------------------
    def _callback(self, cmd: str, userid: str, payload: dict[str, Any], msgtype: str = "event") -> dict[str, Any]:
        n = next(self._ids)
        body: dict[str, Any] = {"msgid": f"m{n}", "aibotid": self.bot_id, "chattype": "single", "msgtype": msgtype}
        body["from"] = {"userid": userid}
        body["event" if msgtype == "event" else msgtype] = payload
        return {"cmd": cmd, "headers": {"req_id": f"cb{n}"}, "body": body}

    async def push(self, frame: dict[str, Any]) -> str:
        """Send a callback to the subscribed bot; its req_id."""
        req_id = frame["headers"]["req_id"]
        userid = frame["body"]["from"]["userid"]
        self._callbacks[req_id] = (userid, time.monotonic(), self._live)
        self.pushed.append(frame)
        await self._live.send(json.dumps(frame, ensure_ascii=False))
        return req_id

    async def text(self, userid: str, content: str) -> str:
        return await self.push(self._callback("aibot_msg_callback", userid, {"content": content}, "text"))

    async def file(self, userid: str, path: str, aeskey: str, **extra: Any) -> str:
        payload = {"url": f"{self.http}/{path}", "aeskey": aeskey, **extra}
        return await self.push(self._callback("aibot_msg_callback", userid, payload, "file"))

    async def enter_chat(self, userid: str) -> str:
        return await self.push(self._callback("aibot_event_callback", userid, {"eventtype": "enter_chat"}))

    async def press(self, userid: str, task_id: str, key: str) -> str:
        event = {
            "eventtype": "template_card_event",
            "template_card_event": {"card_type": "button_interaction", "event_key": key, "task_id": task_id},
        }
        return await self.push(self._callback("aibot_event_callback", userid, event))

    # -- the file server ---------------------------------------------------------------
    async def _serve_file(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = (await reader.readline()).decode()
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        path = line.split(" ")[1].lstrip("/") if " " in line else ""
        found = self.files.get(path)
        if found is None:
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        else:
            name, data = found
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Disposition: attachment; filename*=UTF-8''{quote(name)}\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + data)
        await writer.drain()
        writer.close()
