"""An OpenAI-compatible chat-completions stand-in on 127.0.0.1: it answers as the test tells it to."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD_PREFIX = "坚持依法履职，"


def good_rewrite(original: str) -> str:
    """A rewrite that keeps every fact: formal words around the user's own text."""
    return GOOD_PREFIX + original.rstrip("。") + "，工作成效明显。"


class FakeLLM:
    """`with FakeLLM() as llm:` serves /v1/chat/completions; `llm.modes` is what each next request gets."""

    def __init__(self) -> None:
        self.modes: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.delay = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append(body)
                mode = outer.modes.pop(0) if outer.modes else "good"
                original = re.search(r"原文：(.*)", body["messages"][1]["content"], re.S).group(1)
                outer.respond(self, mode, original)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def respond(self, h: BaseHTTPRequestHandler, mode: str, original: str) -> None:
        if mode == "timeout" or self.delay:
            time.sleep(self.delay or 3)
        texts = {
            "good": good_rewrite(original),
            "change_number": re.sub(r"\d+", lambda m: str(int(m.group(0)) + 1), good_rewrite(original), count=1),
            "add_number": good_rewrite(original) + "全年新增5场。",
            "drop_title": re.sub(r"《[^》]*》", "", good_rewrite(original)),
            "english": "We strengthened the rule of law this year and achieved great results in every respect.",
            "empty": "",
        }
        if mode in ("500", "429", "401"):
            payload = {"error": {"message": "busy", "type": "server_error"}}
            self._send(h, int(mode), payload, {"Retry-After": "1"} if mode == "429" else {})
        elif mode == "garbage":
            self._send(h, 200, None, raw=b"<html>not json</html>")
        else:
            self._send(h, 200, _completion(texts.get(mode, texts["good"])))

    @staticmethod
    def _send(h, status: int, payload: Any, headers: dict[str, str] | None = None, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
