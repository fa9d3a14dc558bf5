"""Long polling, stopped without leaving a failed poll unread.

python-telegram-bot makes each getUpdates in a task of its own, and when its Updater is stopped it stops
waiting for that task without reading it if the stop came in the same moment as the poll's end: a poll
that timed out then (a read timeout that passed while the event loop was held up, say, by a busy
machine) keeps its `TimedOut` unread, and asyncio logs "Task exception was never retrieved" at ERROR
when the task is collected. `PollRequest` (the Application's request for getUpdates) knows the task of
the poll under way; `stop_polling` stops the Updater, then reads how that poll ended. Nothing is lost
with a poll that failed at stop: the updates of a poll never confirmed come again at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram.error import InvalidToken
from telegram.ext import Updater
from telegram.request import BaseRequest, RequestData

from adapters.tg.deliver import QuietRequest

log = logging.getLogger(__name__)

POLLS = "getUpdates request"  # in bot_data: the Application's PollRequest


class PollRequest(QuietRequest):
    """The request getUpdates goes through, which keeps the task of the poll under way (or of the last one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.poll: asyncio.Task[Any] | None = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        self.poll = asyncio.current_task()
        return await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )


async def stop_polling(updater: Updater, request: PollRequest) -> None:
    """Stop the Updater (long polling, or the webhook it was given); how the poll under way ends is read."""
    poll = request.poll  # before stopping: the Updater's last getUpdates, confirming the offset, is made here
    with contextlib.suppress(InvalidToken):  # a 401: the caller says it (TokenRevoked)
        await updater.stop()
    if poll is not None:  # done, or cancelled by the Updater but not yet ended
        poll.add_done_callback(_read)


def _read(poll: asyncio.Task[Any]) -> None:
    if poll.cancelled() or (failed := poll.exception()) is None:
        return
    log.info(
        "the long poll under way at stop ended with %s; what it would have brought comes at the next start",
        type(failed).__name__,
    )
