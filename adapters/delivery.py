"""Getting replies out, for every platform: in order per chat, and through passing network faults.

- `KeyedOrder`: the platforms' libraries handle each update in its own task, so two questions in
  one chat could be answered in the wrong order; `turn(chat)` lets one chat's handlers run one
  after another, in arrival order (asyncio.Lock is first come, first served), while chats run
  concurrently. Idle chats are forgotten.
- `with_retries`: the libraries wait out a 429 themselves but give up at once on some 5xx, a
  timeout or a dropped connection. This tries again a bounded number of times with growing,
  slightly randomized pauses (jitter: many senders that failed together do not retry in step).
  A timed-out send may in fact have arrived: retrying it can, rarely, show a reply twice, and
  that is chosen over losing it. Each platform says which failures are passing (`transient`).
- `underway(platform)`: the replies a platform's chats have under way (in their turn, or waiting
  for it), so that a stop cut short by the runner's `shutdown_timeout` says how many it dropped.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and after what pauses, a call that failed on the network is tried again."""

    attempts: int = 6  # in all, the first one included
    first_delay: float = 1.0  # seconds; doubled after each failure
    max_delay: float = 30.0
    within: float = math.inf  # seconds from the first attempt: no retry starts later than this
    jitter: float = 0.1  # each pause is longer by up to this share, at random

    def delays(self) -> list[float]:
        return [min(self.first_delay * 2**i, self.max_delay) for i in range(max(0, self.attempts - 1))]


# Whether a failure may pass by itself: None if not, else the pause the server asked for
# (0.0 when it named none, and the policy's pause is taken).
Transient = Callable[[BaseException], float | None]


async def with_retries(call: Callable[[], Awaitable[T]], policy: RetryPolicy, transient: Transient, *, what: str) -> T:
    """Await `call()`, again after transient failures (each logged at WARNING); the last one is raised.

    A retry that would start later than `policy.within` after the first attempt is not made.
    """
    delays = policy.delays()
    loop = asyncio.get_running_loop()
    started = loop.time()
    for attempt in range(len(delays) + 1):
        try:
            return await call()
        except Exception as exc:
            asked = transient(exc)
            if asked is None or attempt == len(delays):
                raise
            pause = asked or delays[attempt] * (1 + policy.jitter * random.random())
            if loop.time() - started + pause > policy.within:
                raise
            log.warning(
                "%s failed (%s), attempt %d of %d; again in %.1f s",
                what,
                reason(exc),
                attempt + 1,
                len(delays) + 1,
                pause,
            )
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")


def reason(exc: BaseException) -> str:
    """A failure as a log line may show it: an HTTP status if it has one, else its class name (messages
    can hold a token)."""
    status = getattr(exc, "status", None)
    return f"HTTP {status}" if isinstance(status, int) else type(exc).__name__


@dataclass(frozen=True)
class Underway:
    """Replies being worked on, in their chat's turn or waiting for it, and the chats they are in."""

    replies: int = 0
    chats: int = 0

    def __add__(self, other: Underway) -> Underway:
        return Underway(self.replies + other.replies, self.chats + other.chats)

    def __str__(self) -> str:
        replies = f"{self.replies} repl{'y' if self.replies == 1 else 'ies'}"
        return f"{replies} in {self.chats} chat{'' if self.chats == 1 else 's'}"


# Each platform's orders (`KeyedOrder(platform=...)`), for `underway`; forgotten with their adapter.
_ORDERS: dict[str, weakref.WeakSet[KeyedOrder]] = {}


def underway(platform: str) -> Underway:
    """What the chats of `platform` have under way now, over every order made for it in this process."""
    return sum((order.underway() for order in _ORDERS.get(platform, ())), Underway())


class KeyedOrder:
    """One FIFO lock per key (a chat, a channel): work for one key runs in arrival order.

    At most `bound` pieces of work wait per key: `admit` refuses more, so one flooding chat
    cannot take the whole process's capacity (or its shutdown time). A key's refusals are
    logged once, until its queue has drained. The work of a `platform`'s order counts in
    `underway(platform)`.
    """

    def __init__(self, bound: int = 256, *, platform: str | None = None) -> None:
        self.bound = bound
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}
        self._dropping: dict[Hashable, int] = {}  # key -> work refused since its queue was last empty
        if platform is not None:
            _ORDERS.setdefault(platform, weakref.WeakSet()).add(self)

    def underway(self) -> Underway:
        """The work in a key's turn or waiting for it, and the keys it is for."""
        return Underway(sum(waiting for _, waiting in self._locks.values()), len(self._locks))

    def admit(self, key: Hashable) -> bool:
        """Whether work for `key` may queue; False (the caller drops it) when `bound` already wait."""
        if self._locks.get(key, (None, 0))[1] < self.bound:
            return True
        if key not in self._dropping:
            log.warning("chat %s is flooding: dropping what comes beyond %d waiting updates", key, self.bound)
        self._dropping[key] = self._dropping.get(key, 0) + 1
        return False

    @asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        """Wait for the key's earlier work to finish."""
        lock, waiting = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._locks[key]
            if waiting == 1:
                del self._locks[key]  # forget idle keys rather than grow without end
                if (dropped := self._dropping.pop(key, 0)) > 1:
                    log.debug("chat %s: %d updates dropped in its flood", key, dropped)
            else:
                self._locks[key] = (lock, waiting - 1)
