"""Getting replies out to Telegram through a flaky network: retries, per-chat order and flood limits.

- `send_with_retries`: python-telegram-bot's `AIORateLimiter` retries only a 429; a 5xx, a timeout
  or a dropped connection makes `send_message` raise at once. This retries those too, a bounded
  number of times with growing pauses, so an accepted question still gets its answer once the
  fault clears. A timed-out send may in fact have arrived: retrying it can, rarely, show the
  answer twice, and that is chosen over losing it. Answers to button presses are retried the
  same way, but only for a few seconds (`RetryPolicy.for_callback_answer`).
- `ChatOrderProcessor`: updates are handled concurrently, but one at a time per chat and in the
  order they arrived, so answers in a chat come in the order of the questions.
- `QuietRequest`: an error page that is not JSON (a proxy's HTML 502) is a failed request like
  any other, not an ERROR log with a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseUpdateProcessor
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)

T = TypeVar("T")

CALLBACK_ANSWER_WINDOW = 10.0  # seconds: Telegram refuses a late answer to a press ("query is too old")


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and after what pauses, a send that failed on the network is tried again."""

    attempts: int = 6  # in all, the first one included
    first_delay: float = 1.0  # seconds; doubled after each failure
    max_delay: float = 30.0
    within: float = math.inf  # seconds from the first attempt: no retry starts later than this

    def delays(self) -> list[float]:
        return [min(self.first_delay * 2**i, self.max_delay) for i in range(max(0, self.attempts - 1))]

    def for_callback_answer(self) -> RetryPolicy:
        """Few, short retries: an answer to a button press only stops its spinner, and only for seconds."""
        return RetryPolicy(
            attempts=min(self.attempts, 3),
            first_delay=min(self.first_delay, 0.5),
            max_delay=2.0,
            within=CALLBACK_ANSWER_WINDOW,
        )


def transient(exc: BaseException) -> bool:
    """A failure that may go away by itself: a 5xx, a timeout, a dropped connection, a 429."""
    return isinstance(exc, RetryAfter) or (isinstance(exc, NetworkError) and not isinstance(exc, BadRequest))


async def send_with_retries(call: Callable[[], Awaitable[T]], policy: RetryPolicy, *, what: str) -> T:
    """Await `call()`, again after transient failures (each logged at WARNING); the last one is raised.

    A retry that would start later than `policy.within` after the first attempt is not made.
    """
    delays = policy.delays()
    loop = asyncio.get_running_loop()
    started = loop.time()
    for attempt in range(len(delays) + 1):
        try:
            return await call()
        except TelegramError as exc:
            if not transient(exc) or attempt == len(delays):
                raise
            pause = exc.retry_after if isinstance(exc, RetryAfter) else delays[attempt]
            seconds = pause.total_seconds() if hasattr(pause, "total_seconds") else float(pause)
            if loop.time() - started + seconds > policy.within:
                raise
            log.warning(
                "%s failed (%s), attempt %d of %d; again in %.1f s",
                what,
                type(exc).__name__,
                attempt + 1,
                len(delays) + 1,
                seconds,
            )
            await asyncio.sleep(seconds)
    raise AssertionError("unreachable")


def chat_of(update: object) -> int | None:
    """The chat an update belongs to (None for updates without one)."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class ChatOrderProcessor(BaseUpdateProcessor):
    """Concurrent across chats, one update at a time within a chat, in arrival order.

    python-telegram-bot starts one task per update, in arrival order, and each reaches
    `do_process_update` without waiting; `asyncio.Lock` serves waiters first come, first served.
    `max_concurrent_updates` bounds the updates in progress or waiting for their chat: it is set
    high so that a backlog in one chat does not hold up the others.
    """

    def __init__(self, max_concurrent_updates: int = 4096):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat_id = chat_of(update)
        if chat_id is None:
            await coroutine
            return
        async with self._turn(chat_id):
            await coroutine

    @asynccontextmanager
    async def _turn(self, chat_id: int) -> AsyncIterator[None]:
        lock, waiting = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._locks[chat_id]
            if waiting == 1:
                del self._locks[chat_id]  # forget idle chats
            else:
                self._locks[chat_id] = (lock, waiting - 1)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class QuietRequest(HTTPXRequest):
    """`HTTPXRequest` whose answer that is not JSON fails the request quietly.

    The stock `parse_json_payload` logs an ERROR with a traceback before raising, which for a
    proxy's HTML error page during an outage would flood the log on every retry; the request
    still fails (a 5xx becomes `NetworkError`), and is retried and logged at WARNING by its caller.
    """

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        try:
            decoded = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise TelegramError("Invalid server response") from None
        if not isinstance(decoded, dict):
            raise TelegramError("Invalid server response")
        return decoded
