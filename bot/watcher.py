"""Live reload: a thread that notices changed knowledge files and has the service reload them.

It polls the folder's `*.yaml` files (name, size, modification time, inode) every few seconds;
a change made by hand, by `kb` in another process or by a moderator is picked up without a
restart. A file that breaks is logged at ERROR once (file and line) and the bot keeps answering
from the last good knowledge base until the file is fixed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot import knowledge
from bot.knowledge import KnowledgeError, LoadTimeout

log = logging.getLogger(__name__)

Signature = tuple[tuple[str, int, int, int], ...]
MAX_RETRY_WAIT = 15 * 60.0  # a reload that keeps timing out is tried again at most this far apart


class Backoff:
    """When to try again a reload that timed out (the moment's fault, not the knowledge's): after
    `first` seconds, then twice as long each time the same state (`key`) times out again, at most
    `MAX_RETRY_WAIT` apart. A different state is tried at once. Used by the file watcher (the key:
    the files' signature) and by the database replica (one key: whatever changed since). `clock`: the
    seconds the waits are measured on (a test's, moved by hand)."""

    def __init__(self, first: float, *, clock: Callable[[], float] = time.monotonic):
        self.first = first
        self.clock = clock
        self._late: tuple[object, float, float] | None = None  # the state that timed out, retry after, wait

    def waiting(self, key: object = None) -> bool:
        """True while `key` timed out a moment ago and its wait has not passed."""
        return self._late is not None and self._late[0] == key and self.clock() < self._late[1]

    def failed(self, key: object = None) -> float:
        """Note that `key` timed out; returns how long to wait before trying it again."""
        late = self._late
        wait = min(MAX_RETRY_WAIT, 2 * late[2]) if late is not None and late[0] == key else self.first
        self._late = (key, self.clock() + wait, wait)
        return wait

    def succeeded(self) -> None:
        self._late = None


def signature(directory: Path) -> Signature:
    """What identifies the folder's YAML files as they are now (a hidden one, never read, is not one of them)."""
    found = []
    for path in sorted(Path(directory).glob("*.yaml")):
        if knowledge.hidden(path):
            continue
        try:
            st = path.stat()
        except OSError:  # gone between listing and stat: the next poll sees the folder as it is
            continue
        found.append((path.name, st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(found)


class KnowledgeWatcher:
    """Polls `directory`; calls `reload` when its files differ from what `loaded` says is live."""

    def __init__(
        self,
        directory: Path,
        *,
        reload: Callable[[], object],
        loaded: Callable[[], Signature | None],
        interval: float = 2.0,
    ):
        self.directory = Path(directory)
        self.interval = interval
        self._reload = reload
        self._loaded = loaded
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bad: Signature | None = None  # the broken state already reported
        self._backoff = Backoff(interval)  # a state that timed out is tried again later and later

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="knowledge-watcher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def poll(self) -> bool:
        """Check once; True when a new knowledge base went live."""
        current = signature(self.directory)
        if current == self._loaded() and self._bad is not None:  # mended back to what is live: no reload
            self._bad = None
            log.info("knowledge folder %s is as loaded again; the error reported before is gone", self.directory)
        if current == self._loaded() or current == self._bad:
            return False
        if self._backoff.waiting(current):
            return False  # timed out a moment ago: wait before trying the same files again
        try:
            self._reload()
        except LoadTimeout as exc:  # the moment's fault, not the files': tried again, later and later
            wait = self._backoff.failed(current)
            log.error("knowledge not reloaded, still answering from the last good version: %s (again in %.0f s)",
                      exc, wait)  # fmt: skip
            return False
        except KnowledgeError as exc:
            self._bad = current  # reported once: the next report is for a different state of the files
            log.error("knowledge not reloaded, still answering from the last good version: %s", exc)
            return False
        except Exception:
            self._bad = current
            log.exception("knowledge not reloaded, still answering from the last good version")
            return False
        self._bad = None
        self._backoff.succeeded()
        log.info("knowledge reloaded from %s", self.directory)
        for unread in knowledge.unread(self.directory):  # "moderators.yml": its passages just left the bot
            log.warning("%s", unread)
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except OSError as exc:  # the folder itself is unreadable for now: try again next time
                log.warning("cannot check the knowledge folder %s: %s", self.directory, exc)
