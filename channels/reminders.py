"""Deadline reminders for every channel: one scheduler finds who is owed one; each user's own channel delivers it.

The assistant knows who is owed a reminder (dialogs/reminders.py, the dates stored in each
draft); a channel knows its users (`owns`: its key namespace and allow-list) and how to
reach them (`deliver`: in turn with the user's own messages, then sent or pushed). One loop
serves Telegram and 企业微信 alike, so a third channel only implements those two methods.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from dialogs.assistant import Assistant

log = logging.getLogger(__name__)
EVERY = 900.0  # seconds between checks for reminders owed (each date is sent once)


class Deliverer(Protocol):
    """What a channel offers the scheduler."""

    def owns(self, user: object) -> bool:
        """Whether this stored user key is one of the channel's users (and allowed)."""

    async def deliver(self, user: object, local: str) -> bool:
        """Run the reminder turn for this user at local time `local` and send what it says; whether anything went."""


async def remind_once(assistant: Assistant, channels: Sequence[Deliverer], now: dt.datetime) -> int:
    """Every reminder owed at `now`, each through its user's channel; how many were delivered."""
    users = await asyncio.to_thread(assistant.reminder_candidates, now)
    local = now.astimezone(assistant.zone).replace(tzinfo=None).isoformat(timespec="minutes")
    sent = 0
    for user in users:
        channel = next((c for c in channels if c.owns(user)), None)
        if channel is None:
            continue
        try:
            sent += await channel.deliver(user, local)
        except Exception:  # one user's failure never stops the others' reminders
            log.exception("could not deliver a reminder")
    return sent


async def run(
    assistant: Assistant,
    channels: Sequence[Deliverer],
    *,
    every: float = EVERY,
    clock: Callable[[], dt.datetime] | None = None,
) -> None:
    """Check every `every` seconds (the first check soon after start) until cancelled."""
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    await asyncio.sleep(min(10.0, every))
    while True:
        try:
            await remind_once(assistant, channels, now())
        except Exception:
            log.exception("error while sending reminders")
        await asyncio.sleep(every)
