"""How the Discord adapter gets its replies out: in order per channel, through Discord's hiccups,
and without letting a flood in one channel (or from one user) drown everyone else.

discord.py runs every gateway event in its own task, so two questions in one channel could be
answered in the wrong order; `ChannelOrder` makes the answers of one channel go out one after
another, in the order the questions arrived, while channels run concurrently. discord.py
itself waits out a 429 and retries a 500/502/504, but gives up at once on a 503 or a dropped
connection: `send_retrying` tries those again a few times.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import aiohttp
import discord

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_DELAYS = (1.0, 2.0, 4.0)  # after discord.py's own retries: a 503, a reset connection


class ChannelOrder:
    """One FIFO lock per channel: answers in a channel go out in the order the questions came."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    @asynccontextmanager
    async def turn(self, channel_id: int) -> AsyncIterator[None]:
        """Wait for the channel's earlier questions to be answered (asyncio.Lock is first come, first served)."""
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        self._users[channel_id] = self._users.get(channel_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[channel_id] -= 1
            if not self._users[channel_id]:  # forget idle channels rather than grow without end
                del self._users[channel_id], self._locks[channel_id]


async def send_retrying(send: Callable[[], Awaitable[T]], what: str, delays: tuple[float, ...] = RETRY_DELAYS) -> T:
    """Run `send`; on a Discord 5xx or a network failure wait and try again (`delays` give the waits)."""
    for delay in delays:
        try:
            return await send()
        except (discord.DiscordServerError, aiohttp.ClientConnectionError, OSError) as exc:
            log.warning("Discord: %s failed (%s); trying again in %.0f s", what, _reason(exc), delay)
            await asyncio.sleep(delay)
    return await send()


def _reason(exc: Exception) -> str:
    if isinstance(exc, discord.HTTPException):
        return f"HTTP {exc.status}"
    return type(exc).__name__
