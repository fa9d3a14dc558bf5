"""`python -m bot run`: one process, one core, every platform whose token is set.

Tokens come only from the environment: TELEGRAM_BOT_TOKEN starts the Telegram bot,
DISCORD_BOT_TOKEN the Discord bot; with both set, both run on the same Service, so a change to
the knowledge base is seen by both at once. The config file (see `bot.config`) says who the
moderators are and where data goes; the knowledge folder is watched and reloaded when it changes.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

from bot.config import ConfigError, load_config
from bot.knowledge import KnowledgeError
from bot.service import Service

log = logging.getLogger(__name__)

TOKEN_VARIABLES = ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN")


class StartupError(Exception):
    """A problem the bot cannot start with, told in one line (never with a token in it)."""


PlatformServe = Callable[[Service, Mapping[str, str], asyncio.Event], Coroutine[Any, Any, None]]


def platforms(env: Mapping[str, str]) -> dict[str, PlatformServe]:
    """The platforms to start, by which tokens are set."""
    chosen: dict[str, PlatformServe] = {}
    if env.get("TELEGRAM_BOT_TOKEN", "").strip():
        from adapters import telegram_bot

        chosen["telegram"] = telegram_bot.serve
    if env.get("DISCORD_BOT_TOKEN", "").strip():
        from adapters import discord_bot

        chosen["discord"] = discord_bot.serve
    return chosen


async def serve(service: Service, env: Mapping[str, str], stop: asyncio.Event) -> None:
    """Run every configured platform until `stop` is set or one of them fails."""
    chosen = platforms(env)
    if not chosen:
        raise StartupError(f"no bot token set: set {' and/or '.join(TOKEN_VARIABLES)} in the environment")
    tasks: set[asyncio.Task[None]] = {
        asyncio.create_task(run(service, env, stop), name=name) for name, run in chosen.items()
    }
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()  # a platform that failed to start stops the process with its message
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


def tune_interpreter() -> None:
    """Let threads take turns every millisecond instead of every 5: a moderator's change is
    applied in a background thread, and answers must not wait long behind it."""
    sys.setswitchinterval(0.001)


def settle(loaded: object) -> None:
    """Call once the knowledge base is loaded: its objects live as long as the process, so the
    cyclic garbage collector is told to leave them be (`gc.freeze`). Otherwise a full collection
    now and then walks millions of them and stops every answer for tens of milliseconds."""
    del loaded  # named only to say when to call this
    gc.collect()
    gc.freeze()


def main(knowledge: Path, env: Mapping[str, str] | None = None) -> int:
    """Entry point of `python -m bot run`; returns the exit code."""
    import os

    env = os.environ if env is None else env
    tune_interpreter()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The command line set WARNING already (basicConfig does nothing twice); a running bot says more.
    root = logging.getLogger()
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL, and URLs hold the token
    if not platforms(env):
        print(f"error: no bot token set: set {' and/or '.join(TOKEN_VARIABLES)} in the environment", file=sys.stderr)
        return 2
    try:
        config = load_config(env=env)
        service = Service.from_directory(knowledge, config)
    except (KnowledgeError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settle(service)
    service.start_watching()

    async def _main() -> None:
        stop = asyncio.Event()
        install_stop_signals(asyncio.get_running_loop(), stop)
        await serve(service, env, stop)

    try:
        asyncio.run(_main())  # returns once every platform finished its in-flight replies and worker threads
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        shut_down(service)
    return 0


def install_stop_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set `stop`: the platforms stop taking updates, finish their replies and return."""

    def on_signal(signum: int) -> None:
        if not stop.is_set():
            log.info("%s received: finishing in-flight replies, then stopping", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)


def shut_down(service: Service) -> None:
    """Last step of every run: stop the watcher, close the gaps database."""
    service.close()
    log.info("stopped cleanly")
