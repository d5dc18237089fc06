"""Update processing: users served concurrently, each user's updates strictly one at a time, in order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserOrder(BaseUpdateProcessor):
    """Different users' updates run concurrently; one user's updates run one at a time, in arrival order.

    The lock table holds only users with an update running or waiting: an entry is dropped
    as soon as its last update is done, so memory does not grow with the number of users seen.
    """

    def __init__(self, max_concurrent_updates: int = 16) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, tuple[asyncio.Lock, list[int]]] = {}

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        """Run the update's handlers under its user's lock (FIFO, so arrival order is kept)."""
        key = update.effective_user.id if isinstance(update, Update) and update.effective_user else None
        async with self.hold(key):
            await coroutine

    @contextlib.asynccontextmanager
    async def hold(self, key: int | None) -> AsyncIterator[None]:
        """One user's turn: updates and jobs for the same user (a reminder) never run at the same time."""
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1  # holders and waiters: the entry may go only when nobody is left
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]

    @property
    def users_in_flight(self) -> int:
        """Users with an update running or waiting (for tests and benchmarks)."""
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
