"""Stopping cleanly: a SIGTERM or SIGINT that arrives during a change waits for the change to end.

`changes_finish_first()` wraps the few milliseconds in which a moderator's change is written
(knowledge files, then the history line). In the main thread it holds SIGTERM and SIGINT back
for that long and delivers them afterwards, to whatever handler was there before (the default
one ends the process, the command line's turns SIGTERM into a clean exit, asyncio's sets the
bot's stop event). So a signal ends a process between changes, never in the middle of one.
Elsewhere (a worker thread of the running bot) there is nothing to do: Python runs signal
handlers in the main thread only, and the bot's handler just asks the platforms to stop.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

HELD = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def changes_finish_first() -> Iterator[None]:
    """Hold SIGTERM and SIGINT back until the block ends, then deliver them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        arrived.append(signum)

    previous = {sig: signal.getsignal(sig) for sig in HELD}
    held = [sig for sig, handler in previous.items() if handler is not None]  # None: set outside Python
    for sig in held:
        signal.signal(sig, hold)
    try:
        yield
    finally:
        for sig in held:
            signal.signal(sig, previous[sig])
        for signum in dict.fromkeys(arrived):
            signal.raise_signal(signum)
