"""A Bot API server stand-in on 127.0.0.1 for tests and benchmarks: real HTTP, no network.

It answers the methods the bot uses, keeps a queue of incoming updates for
getUpdates (with long polling), and records everything the bot sends so tests
can assert on it. `fail_next(method, n)` makes the next n calls answer 429.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

BOT_USER = {
    "id": 4242,
    "is_bot": True,
    "first_name": "报告助手",
    "username": "report_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Sent:
    """One call the bot made (sendMessage, sendDocument, …) with its decoded parameters."""

    method: str
    params: dict[str, Any]
    message_id: int = 0
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    at: float = 0.0  # time.monotonic() when the stand-in received it

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def chat_id(self) -> int:
        return int(self.params.get("chat_id", 0))

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of an inline keyboard, row by row."""
        markup = self.params.get("reply_markup")
        if not markup:
            return []
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


class _QuietServer(ThreadingHTTPServer):
    request_queue_size = 1024  # the default listen backlog of 5 drops bursts of concurrent connections

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up at shutdown are normal here


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeBotAPI:
    """Start with `with FakeBotAPI(token) as api:`; the bot's base URL is `api.base_url`."""

    def __init__(self, token: str, *, latency: float = 0.0) -> None:
        self.token = token
        self.latency = latency
        self.updates: list[dict[str, Any]] = []
        self.sent: list[Sent] = []
        self.calls: list[str] = []
        self.update_seq = itertools.count(1)
        self.msg_seq = itertools.count(1000)
        self.cond = threading.Condition()
        self.failures: dict[str, int] = {}
        self.failure_status: dict[str, int] = {}
        self.files: dict[str, bytes] = {}  # file_id -> content, served by getFile and /file/bot<token>/...
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------
    @property
    def root(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/bot"

    def __enter__(self) -> FakeBotAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self.cond:
            self.cond.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # -- driving -------------------------------------------------------------
    def fail_next(self, method: str, n: int = 1, status: int = 429) -> None:
        """The next n calls of method fail: 429 (retry after 1 s) or e.g. 502 (server unreachable)."""
        self.failures[method] = n
        self.failure_status[method] = status

    def _push(self, update: dict[str, Any]) -> int:
        with self.cond:
            uid = next(self.update_seq)
            update["update_id"] = uid
            self.updates.append(update)
            self.cond.notify_all()
            return uid

    @staticmethod
    def user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}", "language_code": "zh-hans"}

    def message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_type: str = "private",
        extra: dict[str, Any] | None = None,
        edited: bool = False,
    ) -> int:
        """A user sends a message (text, or extra fields such as a sticker)."""
        chat = {"id": user_id if chat_type == "private" else -100 - user_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "工作群"
        msg: dict[str, Any] = {
            "message_id": next(self.msg_seq),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id),
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                cmd = text.split()[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
        msg.update(extra or {})
        if edited:
            msg["edit_date"] = int(time.time())
            return self._push({"edited_message": msg})
        return self._push({"message": msg})

    def upload(self, user_id: int, filename: str, data: bytes, *, size: int | None = None) -> int:
        """A user sends a file (as a document); getFile and the file download serve its bytes."""
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = data
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": filename}
        document["file_size"] = len(data) if size is None else size
        return self.message(user_id, extra={"document": document})

    def press(self, user_id: int, data: str, message_id: int = 1) -> str:
        """A user taps an inline button; returns the callback query id (answerCallbackQuery names it)."""
        msg = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": BOT_USER,
            "text": "…",
        }
        cq_id = str(next(self.msg_seq))
        cq = {
            "id": cq_id,
            "from": self.user(user_id),
            "chat_instance": "ci",
            "data": data,
            "message": msg,
        }
        self._push({"callback_query": cq})
        return cq_id

    def wait_sent(self, predicate, timeout: float = 10.0) -> list[Sent]:
        """Wait until predicate(sent) is true; return the records (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self.sent):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; last sent: {[s.text[:60] for s in self.sent[-5:]]}")
                self.cond.wait(min(left, 0.05))
            return list(self.sent)

    def to(self, chat_id: int, method: str | None = None) -> list[Sent]:
        with self.cond:
            return [s for s in self.sent if s.chat_id == chat_id and (method is None or s.method == method)]

    def count_to(self, chat_id: int) -> int:
        return len(self.to(chat_id))

    # -- HTTP ------------------------------------------------------------------
    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: avoid the 40 ms delayed-ACK stall

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                params, files = api._parse(self.headers.get("Content-Type", ""), body)
                if unquote(self.path).startswith(f"/file/bot{api.token}/"):  # a file download (PTB quotes the ':')
                    return self._file(self.path.rsplit("/", 1)[-1])
                prefix = f"/bot{api.token}/"
                if not self.path.startswith(prefix):
                    return self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                method = self.path[len(prefix) :]
                status, payload = api._dispatch(method, params, files)
                self._reply(status, payload)

            do_GET = do_POST  # noqa: N815

            def _file(self, file_id: str) -> None:
                data = api.files.get(file_id)
                api.calls.append("download")
                if data is None:
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()  # ASCII escapes: forged data (a lone surrogate) arrives as sent
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (e.g. a long poll cancelled at shutdown)

        return Handler

    @staticmethod
    def _parse(ctype: str, body: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        files: dict[str, tuple[str, bytes]] = {}
        if ctype.startswith("application/json"):
            return (json.loads(body) if body else {}), files
        if ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body
            )
            params: dict[str, Any] = {}
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                filename = part.get_filename()
                payload = part.get_payload(decode=True) or b""
                if filename:
                    files[name] = (filename, payload)
                else:
                    params[name] = _decode(payload.decode())
            return params, files
        return {k: _decode(v) for k, v in parse_qsl(body.decode())}, files

    def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]):
        self.calls.append(method)
        left = self.failures.get(method, 0)
        if left:
            self.failures[method] = left - 1
            if self.failure_status.get(method, 429) != 429:
                return self.failure_status[method], {
                    "ok": False,
                    "error_code": self.failure_status[method],
                    "description": "Bad Gateway",
                }
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method in ("deleteWebhook", "setMyCommands", "setMyDescription", "setChatMenuButton"):
            return 200, {"ok": True, "result": True}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if method == "getFile":
            fid = str(params.get("file_id", ""))
            if fid not in self.files:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
            result = {"file_id": fid, "file_unique_id": f"u{fid}", "file_size": len(self.files[fid])}
            return 200, {"ok": True, "result": {**result, "file_path": f"documents/{fid}"}}
        if method in ("answerCallbackQuery", "sendChatAction"):
            self._record(Sent(method, params))
            return 200, {"ok": True, "result": True}
        if method in ("sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"):
            if self.latency:
                time.sleep(self.latency)
            mid = next(self.msg_seq)
            filename = ""
            if method == "sendDocument":
                doc = files.get("document")
                filename = doc[0] if doc else ""
            self._record(Sent(method, params, mid, files))
            chat_id = int(params.get("chat_id", 0) or 0)
            result = {
                "message_id": mid,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if method == "sendPhoto":
                result.pop("text")
                result["photo"] = [{"file_id": f"p{mid}", "file_unique_id": f"q{mid}", "width": 500, "height": 700}]
            if method == "sendDocument":
                result.pop("text")
                result["document"] = {"file_id": f"f{mid}", "file_unique_id": f"u{mid}", "file_name": filename}
                if params.get("caption"):
                    result["caption"] = params["caption"]
            if method == "editMessageReplyMarkup" and "chat_id" not in params:
                return 200, {"ok": True, "result": True}
            return 200, {"ok": True, "result": result}
        return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: method {method} not in stand-in"}

    def _record(self, s: Sent) -> None:
        with self.cond:
            s.at = time.monotonic()
            self.sent.append(s)
            self.cond.notify_all()

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return list(self.updates[:100])
                self.cond.wait(max(0.0, min(0.05, deadline - time.monotonic())))
