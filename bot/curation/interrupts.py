"""Ctrl-C and SIGTERM during a command's change: held back while the change is made (as
`bot.curation.changes_finish_first` does), then kept until the command has printed its reply, so that
the moderator learns what was made (a new passage's id) before the command stops. A signal that
arrives outside a change (waiting for the lock, loading the knowledge) stops the command at once.
The changes are counted (`changes_made`), so that a stop names `kb history` only after one: a change is
counted when its guard is left without an error, once it is written (a push: committed), never when it
was refused (by the plan, or by the database) in the guard."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from bot.curation.shutdown import HELD

_made = [0]  # the changes this process's commands made, each counted as `Held.change` is left without an error


def changes_made() -> int:
    """How many changes this process's commands have made so far (compared before and after one)."""
    return _made[0]


class Held:
    """The signals that arrived during this command's changes, for `deliver` once the reply is out."""

    def __init__(self) -> None:
        self.arrived: list[int] = []

    def _keep(self, signum: int, frame: FrameType | None) -> None:
        self.arrived.append(signum)

    @contextlib.contextmanager
    def change(self) -> Iterator[None]:
        """The guard entered around each change (see `Moderation`): signals are kept, not delivered."""
        if threading.current_thread() is not threading.main_thread():  # handlers run in the main thread only
            yield
            _made[0] += 1
            return
        previous = {sig: signal.getsignal(sig) for sig in HELD}
        held = [sig for sig, handler in previous.items() if handler is not None]  # None: set outside Python
        for sig in held:
            signal.signal(sig, self._keep)
        try:
            yield
        finally:
            for sig in held:
                signal.signal(sig, previous[sig])
        # Reached only when the change did not raise: a stop or a full disk names `kb history` only after one
        # (counted as it began, a `kb add` the database then refused had named it).
        _made[0] += 1

    def deliver(self) -> None:
        """Deliver what arrived during the changes, to the command's own handlers (Ctrl-C: exit 130)."""
        arrived, self.arrived = self.arrived, []
        for signum in dict.fromkeys(arrived):
            signal.raise_signal(signum)
