"""What every platform adapter shares with the runner: the Platform protocol, StartupError, and
the one rule for what runs off the event loop.

The rule: every call on the core's `Service` that may block (`ask`, `choose`, `vote`, `moderate`,
`refusal`, `is_moderator`: a lock, SQLite, file writes, an index rebuild) is awaited through
`in_thread`, on both platforms; only the in-memory reads (`help_text`, `sources_text`,
`passage`, `passages`) are called on the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import ParamSpec, Protocol, TypeVar

from bot import Service

P = ParamSpec("P")
T = TypeVar("T")


class StartupError(Exception):
    """A problem the bot cannot start with, told in one line (never with a token in it)."""


class TokenRevoked(Exception):
    """The platform stopped accepting the token while the bot ran (Telegram 401, Discord close 4004):
    retrying cannot help, so the process ends with its own exit code for a supervisor to act on."""


class Platform(Protocol):
    """A platform adapter as the runner sees it: each platform package (`adapters.tg`,
    `adapters.dc`) is one, with its name, the variable holding its token, and `serve`."""

    NAME: str
    TOKEN_VARIABLE: str

    async def serve(self, service: Service, env: Mapping[str, str], stop: asyncio.Event) -> None:
        """Run until `stop` is set, then stop cleanly; start-up problems raise StartupError."""


async def in_thread(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking core call in a worker thread, so that the event loop keeps serving."""
    return await asyncio.to_thread(call, *args, **kwargs)
