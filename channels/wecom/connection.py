"""The long connection: subscribe, heartbeat, reconnect with backoff, acknowledged commands, clean stop.

One `Connection` per robot. `run()` keeps a socket open until `stop()`, a refused
subscribe, or displacement by another process subscribing with the same bot id.
`request()` sends one command and returns its acknowledgement; a command whose
socket dropped before it was acknowledged is sent again once reconnected, so no
answer is lost to a dropped connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import websockets
from websockets.exceptions import ConnectionClosed, WebSocketException

from . import frames

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timing:
    """Intervals in seconds (tests shrink them)."""

    ping_every: float = 30.0
    backoff_first: float = 1.0
    backoff_max: float = 30.0
    subscribe_timeout: float = 10.0
    close_timeout: float = 2.0


DEFAULT_TIMING = Timing()


class Refused(Exception):
    """The server refused the subscribe (wrong bot id or secret)."""


class Closed(Exception):
    """The connection was stopped (or displaced) before the command could be acknowledged."""


class CommandError(Exception):
    """A command was acknowledged with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode={errcode} {errmsg}")
        self.errcode = errcode


class _Lost(Exception):
    """The socket went away before the acknowledgement came."""


class Connection:
    """A robot's connection; callbacks are handed to `on_callback` as they arrive (it must not block)."""

    def __init__(
        self,
        url: str,
        bot_id: str,
        secret: str,
        on_callback: Callable[[dict[str, Any]], None],
        timing: Timing = DEFAULT_TIMING,
    ) -> None:
        self.url, self.bot_id, self._secret = url, bot_id, secret
        self.on_callback = on_callback
        self.timing = timing
        self.displaced = False
        self.connects = 0  # sessions opened (tests watch reconnection)
        self._ws: Any = None
        self._up = asyncio.Event()
        self._stopping = False
        self._stopped = asyncio.Event()
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._slots: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}
        self._misses = 0

    # -- running -----------------------------------------------------------------
    async def run(self) -> int:
        """Stay connected until stopped (0), displaced (1) or refused (2)."""
        delay = self.timing.backoff_first
        while not self._stopping:
            try:
                async with websockets.connect(
                    self.url, ping_interval=None, close_timeout=self.timing.close_timeout, max_size=None
                ) as ws:
                    await self._subscribe(ws)
                    delay = self.timing.backoff_first
                    await self._session(ws)
            except Refused as exc:
                log.error("企业微信 refused the subscribe (%s): check WECOM_BOT_ID and WECOM_BOT_SECRET", exc)
                return 2
            except (OSError, WebSocketException, TimeoutError, ValueError) as exc:  # ValueError: a non-JSON answer
                log.warning("企业微信 connection failed: %s", exc.__class__.__name__)
            finally:
                self._down()
            if self.displaced:
                log.error(
                    "企业微信: another process subscribed with this bot id; this one stops (one process per robot)"
                )
                return 1
            if not self._stopping:
                log.info("企业微信: reconnecting in %.0f s", delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), delay)
                delay = min(delay * 2, self.timing.backoff_max)
        return 0

    async def stop(self) -> None:
        """Close the socket and end `run()`; commands still waiting fail with Closed."""
        self._stopping = True
        self._stopped.set()
        self._up.set()  # wake waiters so they see the stop
        if self._ws is not None:
            await self._ws.close()

    async def _subscribe(self, ws: Any) -> None:
        req_id = frames.new_req_id(frames.SUBSCRIBE)
        body = {"bot_id": self.bot_id, "secret": self._secret}
        await ws.send(json.dumps(frames.command(frames.SUBSCRIBE, body, req_id)))
        async with asyncio.timeout(self.timing.subscribe_timeout):
            while True:
                reply = json.loads(await ws.recv())
                if reply.get("headers", {}).get("req_id") == req_id:
                    break
        if reply.get("errcode", 0) != 0:
            raise Refused(f"errcode={reply.get('errcode')} {reply.get('errmsg', '')}")
        self.connects += 1
        log.info("企业微信 connected as bot %s (%s)", self.bot_id, self.url)

    async def _session(self, ws: Any) -> None:
        self._ws, self._misses = ws, 0
        if self._stopping:  # stop() came while subscribing, before there was a socket to close
            return
        self._up.set()
        beat = asyncio.create_task(self._heartbeat(ws))
        try:
            async for raw in ws:
                self._dispatch(raw)
        except ConnectionClosed:
            pass
        finally:
            beat.cancel()

    def _down(self) -> None:
        self._ws = None
        if not self._stopping:
            self._up.clear()
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(_Lost())
        self._pending.clear()

    async def _heartbeat(self, ws: Any) -> None:
        """A ping every interval; the third finding two unanswered closes the socket (run() reconnects)."""
        while True:
            await asyncio.sleep(self.timing.ping_every)
            if self._misses >= 2:
                log.warning("企业微信: two pings unanswered, reconnecting")
                await ws.close()
                return
            self._misses += 1
            with contextlib.suppress(ConnectionClosed):
                await ws.send(json.dumps(frames.command(frames.PING, None, frames.new_req_id(frames.PING))))

    def _dispatch(self, raw: str | bytes) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            log.warning("企业微信: a frame that is not JSON was ignored")
            return
        if not isinstance(frame, dict):
            return
        cmd = frame.get("cmd")
        if not cmd:  # an acknowledgement: any answer shows the socket is alive
            self._misses = 0
            fut = self._pending.pop(frame.get("headers", {}).get("req_id", ""), None)
            if fut is not None and not fut.done():
                fut.set_result(frame)
            return
        event = (frame.get("body") or {}).get("event") or {}
        if cmd == frames.EVENT_CALLBACK and event.get("eventtype") == "disconnected_event":
            self.displaced = True
            self._stopping = True
            self._stopped.set()
            return
        if cmd in (frames.MSG_CALLBACK, frames.EVENT_CALLBACK):
            self.on_callback(frame)

    # -- commands ------------------------------------------------------------------
    async def request(self, cmd: str, body: dict[str, Any], req_id: str | None = None, *, user: str = "") -> dict:
        """Send a command and return its acknowledgement (CommandError on a non-zero errcode).

        At most `IN_FLIGHT` commands per user wait for their acknowledgement at once; a command
        whose socket dropped is sent again, with the same req_id, once the connection is back.
        """
        req_id = req_id or frames.new_req_id(cmd)
        text = json.dumps(frames.command(cmd, body, req_id), ensure_ascii=False)
        async with self._slot(user):
            while True:
                ack = await self._send_once(req_id, text)
                if ack is not None:
                    break
        if ack.get("errcode", 0) != 0:
            raise CommandError(int(ack["errcode"]), str(ack.get("errmsg", "")))
        return ack

    async def _send_once(self, req_id: str, text: str) -> dict[str, Any] | None:
        """One attempt on the current socket; None if the socket went away first."""
        await self._up.wait()
        if self._stopping or self._ws is None:
            raise Closed()
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = fut
        try:
            await self._ws.send(text)
            return await fut
        except (_Lost, ConnectionClosed):
            return None
        finally:
            if self._pending.get(req_id) is fut:
                del self._pending[req_id]

    @contextlib.asynccontextmanager
    async def _slot(self, user: str) -> AsyncIterator[None]:
        """One of the user's IN_FLIGHT places (the table keeps only users with a command going)."""
        sem, users = self._slots.setdefault(user, (asyncio.Semaphore(frames.IN_FLIGHT), [0]))
        users[0] += 1
        try:
            async with sem:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._slots[user]
