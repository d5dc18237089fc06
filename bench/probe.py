"""Where a bot's time goes between an update's dispatch and its sendMessage request (python -m bench.timeline).

Installed in a benchmark bot process: class methods are wrapped to stamp each
update's moments; `report()` writes the median gaps between consecutive moments.
Moments: a = update dispatched, t0/t9 = our dialog turn, p9 = the change is durable
(log written and fsynced), s0 = send_message called, h0 = the HTTP request starts.
"""

from __future__ import annotations

import contextvars
import json
import statistics
import time
from pathlib import Path
from typing import Any

ORDER = ("a", "t0", "t9", "p9", "s0", "h0")
_current: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar("probe", default=None)
_updates: list[dict[str, float]] = []


def _mark(moment: str) -> None:
    stamps = _current.get()
    if stamps is not None and moment not in stamps:
        stamps[moment] = time.perf_counter()


def _wrap_async(cls: Any, name: str, before: str | None, after: str | None, url_ends: str = "") -> None:
    inner = getattr(cls, name)

    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        url = str(kwargs.get("url", args[0] if args else ""))
        if before and (not url_ends or url.endswith(url_ends)):
            _mark(before)
        result = await inner(self, *args, **kwargs)
        if after:
            _mark(after)
        return result

    setattr(cls, name, wrapper)


def install() -> None:
    """Wrap python-telegram-bot's dispatch and sending, and (if loaded) our turn and persist."""
    from telegram.ext import Application, ExtBot
    from telegram.request import HTTPXRequest

    dispatch = Application.process_update

    async def process_update(self: Any, update: object) -> None:
        stamps = {"a": time.perf_counter()}
        _current.set(stamps)
        _updates.append(stamps)
        await dispatch(self, update)

    Application.process_update = process_update  # type: ignore[method-assign]
    _wrap_async(ExtBot, "send_message", "s0", None)
    _wrap_async(HTTPXRequest, "do_request", "h0", None, url_ends="sendMessage")
    try:
        from dialogs.assistant import Assistant
        from storage.tinydb_store import TinyDBRecordStore
    except ImportError:
        return
    turn = Assistant.turn

    def timed_turn(self: Any, *args: Any, **kwargs: Any) -> Any:
        _mark("t0")
        try:
            return turn(self, *args, **kwargs)
        finally:
            _mark("t9")

    Assistant.turn = timed_turn  # type: ignore[method-assign]
    _wrap_async(TinyDBRecordStore, "persist", None, "p9")


def report(path: str, last: int = 400) -> None:
    """Median milliseconds between consecutive moments, over the last `last` updates that sent a message."""
    rows = [u for u in _updates[-last:] if "h0" in u]
    full = [u for u in rows if all(m in u for m in ORDER)]  # ours, for answers that changed the draft
    rows, present = (full, ORDER) if full else (rows, ("a", "s0", "h0"))
    gaps: dict[str, float] = {}
    for a, b in zip(present, present[1:], strict=False):
        gaps[f"{a}->{b}"] = round(statistics.median(u[b] - u[a] for u in rows) * 1e3, 3)
    if rows:
        gaps["a->h0"] = round(statistics.median(u["h0"] - u["a"] for u in rows) * 1e3, 3)
    gaps["updates"] = len(rows)
    Path(path).write_text(json.dumps(gaps), encoding="utf-8")
