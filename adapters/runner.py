"""`python -m adapters run`: one process, one core, every platform whose token is set.

Tokens come only from the environment: TELEGRAM_BOT_TOKEN starts the Telegram bot,
DISCORD_BOT_TOKEN the Discord bot; with both set, both run on the same Service, so a change to
the knowledge base is seen by both at once. The config file (see `bot.config`) says who the
moderators are and where data goes; the knowledge folder is watched and reloaded when it changes.

Stopping: the first SIGTERM or SIGINT asks every platform to stop (no new updates, the replies
under way finish); the core is closed once they have. A platform that has not stopped
`shutdown_timeout` seconds (config file) later is named in a WARNING, with the replies it still
had under way and how many chats they were for (`adapters.delivery.underway`), and not waited for; a second
signal ends the process at once. Either way the core is closed first, as far as it can be in
`CLOSE_TIMEOUT` seconds: a moderator's change being written finishes, the gaps database is closed.

Exit codes: 0 stopped cleanly; 2 could not start (no token, a bad config or knowledge file, a
platform refused the login, a webhook port taken or setWebhook refused: one `error:` line); 3
stopped, but a platform did not stop in time; 4 a platform stopped accepting its token while
running (revoked or reset: one ERROR line says which; the other platforms are stopped too, so
that a supervisor restarts or alerts); 128 + the signal's number (143 for SIGTERM, 130 for
SIGINT) after a second signal.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from adapters.delivery import underway
from adapters.platform import Platform, StartupError, TokenRevoked
from bot import DEFAULT_SHUTDOWN_TIMEOUT, ConfigError, KnowledgeError, Service, load_config, start_errors

log = logging.getLogger(__name__)

TOKEN_VARIABLES = ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

EXIT_OK = 0
EXIT_UNUSABLE = 2  # could not start
EXIT_STOP_TIMEOUT = 3  # a platform did not stop within shutdown_timeout
EXIT_TOKEN_REVOKED = 4  # a platform stopped accepting its token while running
CLOSE_TIMEOUT = 1.0  # seconds to close the core when not every platform stopped


class ShutdownTimeout(Exception):
    """Platforms that had not stopped when the time to stop was up (their names, in `args`)."""


def platforms(env: Mapping[str, str]) -> dict[str, Platform]:
    """The platforms to start, by which tokens are set; a platform's library is loaded only then."""
    chosen: dict[str, Platform] = {}
    if env.get("TELEGRAM_BOT_TOKEN", "").strip():
        from adapters import tg

        chosen[tg.NAME] = tg
    if env.get("DISCORD_BOT_TOKEN", "").strip():
        from adapters import dc

        chosen[dc.NAME] = dc
    return chosen


async def serve(
    service: Service, env: Mapping[str, str], stop: asyncio.Event, *, shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT
) -> None:
    """Run every configured platform until `stop` is set or one of them fails.

    Then every platform gets `shutdown_timeout` seconds to finish; ShutdownTimeout names those
    that did not (they are left running: the caller ends the process).
    """
    chosen = platforms(env)
    if not chosen:
        raise StartupError(f"no bot token set: set {' and/or '.join(TOKEN_VARIABLES)} in the environment")
    tasks = {asyncio.create_task(p.serve(service, env, stop), name=name) for name, p in chosen.items()}
    try:
        await _until_stopped_or_failed(tasks, stop)
    finally:
        stop.set()
        late = await _stopped_within(tasks, shutdown_timeout)
    if late:
        raise ShutdownTimeout(*late)
    for task in tasks:
        task.result()  # a platform that failed while stopping (e.g. Discord refusing an intent) says so


async def _until_stopped_or_failed(tasks: set[asyncio.Task[None]], stop: asyncio.Event) -> None:
    """Return once `stop` is set or every platform has returned; raise the first platform's failure."""
    stopping = asyncio.create_task(stop.wait(), name="stop-requested")
    pending: set[asyncio.Task[Any]] = set(tasks)
    try:
        while pending and not stop.is_set():
            done, pending = await asyncio.wait(pending | {stopping}, return_when=asyncio.FIRST_COMPLETED)
            pending.discard(stopping)
            for task in done - {stopping}:
                task.result()  # a platform that failed to start stops the process with its message
    finally:
        stopping.cancel()


async def _stopped_within(tasks: set[asyncio.Task[None]], timeout: float) -> list[str]:
    """Wait at most `timeout` s for every platform to return; the names of those that did not, logged."""
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    late = sorted(task.get_name() for task in pending)
    for name in late:  # what each leaves unsent: its replies still being worked on, or retried
        dropped = underway(name)
        lost = f"{dropped} under way, dropped" if dropped.replies else "no reply was under way"
        log.warning("%s did not stop within %g s; not waiting any longer: %s", name, timeout, lost)
    return late


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
    """Entry point of `python -m adapters run`; returns the exit code (or ends the process, see `end_now`)."""
    env = os.environ if env is None else env
    tune_interpreter()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The command line set WARNING already (basicConfig does nothing twice); a running bot says more.
    root = logging.getLogger()
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL, and URLs hold the token
    if not platforms(env):
        print(f"error: no bot token set: set {' and/or '.join(TOKEN_VARIABLES)} in the environment", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        config = load_config(env=env)
        if refused := start_errors(env):  # at once, before the knowledge loads or a platform is asked
            print("\n".join(f"error: {reason}" for reason in refused), file=sys.stderr)
            return EXIT_UNUSABLE
        service = Service.from_directory(knowledge, config)
    except (KnowledgeError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    settle(service)
    service.start_watching()
    try:
        run_until_stopped(service, env, config.shutdown_timeout)
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except TokenRevoked as exc:
        log.error("%s; exiting with code %d", exc, EXIT_TOKEN_REVOKED)
        return EXIT_TOKEN_REVOKED
    return EXIT_OK


def run_until_stopped(service: Service, env: Mapping[str, str], limit: float) -> None:
    """Serve until a signal (or a failure) stops the platforms, then close the core.

    The signal handlers stay in place until the very end, so that a second signal works at every
    step. After the platforms, the worker threads still running and the closing get `limit`
    seconds too (asyncio waits for worker threads without any limit).
    """
    aio = asyncio.Runner()
    stop = asyncio.Event()
    restore = install_stop_signals(aio.get_loop(), stop, limit=limit, end=functools.partial(end_now, service))
    backstop = threading.Timer(limit, _threads_too_slow, args=(service, limit))
    backstop.daemon = True
    served = False
    try:
        try:
            aio.run(_serve_or_end(service, env, stop, limit))
            served = True
        finally:
            backstop.start()
            aio.close()  # waits for the worker threads: in-flight replies and changes are done
    finally:
        shut_down(service, cleanly=served)
        backstop.cancel()
        restore()


async def _serve_or_end(service: Service, env: Mapping[str, str], stop: asyncio.Event, limit: float) -> None:
    """`serve`, or `end_now` when a platform did not stop in time: leaving the loop would wait for that platform."""
    try:
        await serve(service, env, stop, shutdown_timeout=limit)
    except ShutdownTimeout:
        end_now(service, EXIT_STOP_TIMEOUT)


def _threads_too_slow(service: Service, limit: float) -> None:
    log.warning("worker threads did not finish within %g s after the platforms stopped; not waiting longer", limit)
    end_now(service, EXIT_STOP_TIMEOUT)


def install_stop_signals(
    loop: asyncio.AbstractEventLoop, stop: asyncio.Event, *, limit: float, end: Callable[[int], object]
) -> Callable[[], None]:
    """SIGTERM and SIGINT: the first sets `stop` (the platforms stop taking updates, finish their replies
    and return); a second calls `end` with 128 + its number. Returns what puts the previous handlers back.

    Plain signal handlers rather than the loop's: a second Ctrl-C must work even while the loop is stuck.
    """
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        received.append(signum)
        if len(received) > 1:
            log.warning("%s received again: stopping at once, without waiting for the platforms", name)
            end(128 + signum)
            return
        log.info(
            "%s received: finishing in-flight replies, then stopping (at most %g s; again to stop at once)", name, limit
        )
        if not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def end_now(service: Service, code: int) -> NoReturn:
    """End the process without waiting for the platforms or worker threads, after closing the core.

    At most CLOSE_TIMEOUT seconds: a moderator's change being written finishes (and no other starts),
    the gaps database is closed, the log is flushed; then `os._exit`, since a normal exit would wait
    for the very tasks and threads that are stuck.
    """
    closing = threading.Thread(target=_close_for_exit, args=(service,), name="closing", daemon=True)
    closing.start()
    closing.join(CLOSE_TIMEOUT)
    if closing.is_alive():
        log.warning("the core did not close within %g s (a change still being written?)", CLOSE_TIMEOUT)
    log.info("exiting with code %d", code)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _close_for_exit(service: Service) -> None:
    if service.hold_changes(CLOSE_TIMEOUT):
        service.close()
        log.info("closed the gaps database and the knowledge watcher")


def shut_down(service: Service, *, cleanly: bool = True) -> None:
    """Last step of every run: stop the watcher, close the gaps database (after a failed start, without
    claiming a clean stop: the error is what the operator should read last)."""
    service.close()
    if cleanly:
        log.info("stopped cleanly")
