"""This instance's copy of the knowledge in PostgreSQL, and the thread that keeps it current.

The index answers from memory and never waits on the database. `Replica.load` reads a snapshot
into this process's scratch folder (`bot.storage.scratch`) and builds the index from it, as from
any knowledge folder; `Replica.catch_up` applies the changes after the last one it applied:
additions at the end of the last file (each at the position after the one before) extend the
live index (`Answerer.with_added`), anything else reloads.

`Follower` is a thread with its own connection that LISTENs on the change channel and calls
back on every notification of its own schema's changes (another schema's, on the same channel, is
passed over), and also after every (re)connection, so that a notification missed
while the connection was down loses nothing. When the server is gone it retries every
`retry` seconds, logging the outage once; it says the database is back only once it has caught
up, and a catch-up that failed is tried again every `retry` seconds until one succeeds.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bot import knowledge
from bot.answering import Answerer
from bot.curation.store import dump
from bot.knowledge import Passage
from bot.storage.database import CONNECT_TIMEOUT, LINE_CHECKS
from bot.storage.notices import CHANNEL, notice_schema
from bot.storage.postgres import PostgresStore
from bot.storage.snapshots import Snapshot
from bot.watcher import Backoff

log = logging.getLogger(__name__)


class Unseeded(knowledge.KnowledgeError):
    """The database holds no passages (never seeded): nothing to load, and nothing wrong with a passage."""


class Replica:
    """The last change applied (`seq`) and the sources the live index was built with.

    A reload while answering (`catch_up`) gives up after `time_limit` seconds (`reload_timeout`),
    keeping the index it had, and is tried again later and later: after `CATCH_UP_EVERY` seconds,
    then twice as long each time, at most 15 minutes apart (`bot.watcher.Backoff`, as the file
    watcher does). The load
    at start-up has no limit: there is nothing to answer from until it is done; nor has the reload
    after this instance's own change, whose moderator is told it is live.
    """

    def __init__(self, store: PostgresStore, *, workers: int | None = None, time_limit: float | None = None):
        self.store = store
        self.seq = 0
        self.refused: int | None = None  # the last change when the knowledge last failed to load
        self.workers = workers
        self.time_limit = time_limit
        self._sources: dict[str, dict[str, Any]] = {}
        self._lengths: dict[str, int] = {}  # how many passages each file has in the live index
        self._backoff = Backoff(CATCH_UP_EVERY)

    def load(self, time_limit: float | None = None) -> Answerer:
        """The whole knowledge from the database, as a new index; raises psycopg.Error, KnowledgeError
        (LoadTimeout past `time_limit` seconds, Unseeded when it holds no passage) or OSError (the
        scratch folder cannot be written)."""
        snapshot = self.store.snapshot()
        try:
            answerer = self._index(snapshot, time_limit)
        except knowledge.LoadTimeout:  # the moment's fault: tried again (see `_reload`)
            raise
        except knowledge.KnowledgeError:
            self.refused = snapshot.seq  # the knowledge as of this change does not load: not tried again
            raise
        self.seq, self.refused = snapshot.seq, None
        self.store.caught_up(snapshot.versions)
        self._sources = {name: dict(data.get("source") or {}) for name, data in snapshot.files.items()}
        self._lengths = {name: len(data.get("passages") or []) for name, data in snapshot.files.items()}
        return answerer

    def unread(self) -> list[str]:
        """The sources loaded last whose names the loader does not read: a hidden one (`.faq.yaml`), pushed
        before hidden files were skipped."""
        return [name for name in self._sources if knowledge.hidden(Path(name))]

    def _index(self, snapshot: Snapshot, time_limit: float | None) -> Answerer:
        if snapshot.empty:
            raise Unseeded(self.store.path, "the database holds no passages")
        folder = self.store.directory
        shutil.rmtree(folder, ignore_errors=True)
        try:
            snapshot.write(folder)
        except OSError:  # a full disk: a part-written copy would only take the room that is missing
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return Answerer.from_directory(folder, workers=self.workers, time_limit=time_limit)

    def catch_up(self, answerer: Answerer, *, boxed: bool = True) -> Answerer | None:
        """`answerer` with the changes made since the last one applied, or None when there are none
        (or when a reload timed out a moment ago, or times out now). `boxed=False`: the instance's own
        change, which its moderator is told is live: a reload has no time limit and waits out no backoff.
        Knowledge that did not load (KnowledgeError, raised once) is not loaded again until a later change."""
        changes, versions = self.store.changes_since(self.seq)
        if not changes or changes[-1][0] == self.refused:
            return None
        # Only additions at the end of the last file, each after the one before: the index extended with
        # them is the one a load gives. One pushed between two passages would be read on from the wrong one.
        last = max(self._sources) if self._sources else None
        length = self._lengths.get(last, 0) if last is not None else 0
        added = [r.after for n, (_, r) in enumerate(changes)
                 if r.kind == "add" and r.file == last and r.after and r.index == length + n]  # fmt: skip
        if len(added) == len(changes) and last is not None:
            try:
                passages = _passages(last, self._sources[last], added)
                extended = answerer.with_added(*passages)
            except (ValueError, knowledge.KnowledgeError):
                log.warning("could not extend the index with %d added passages; reloading", len(added))
            else:
                self.seq = changes[-1][0]
                self._lengths[last] = length + len(added)
                self.store.caught_up(versions)
                log.debug("applied changes up to %d by extending the index", self.seq)
                return extended
        return self._reload(boxed)

    def _reload(self, boxed: bool) -> Answerer | None:
        if boxed and self._backoff.waiting():
            return None  # timed out a moment ago: wait before loading the same changes again
        try:
            loaded = self.load(self.time_limit if boxed else None)
        except knowledge.LoadTimeout as exc:  # the moment's fault, not the knowledge's: again, later and later
            wait = self._backoff.failed()
            log.error("knowledge not reloaded from the database, still answering from the last good version: "
                      "%s (again in %g s)", exc, wait)  # fmt: skip
            return None
        self._backoff.succeeded()
        return loaded


def _passages(name: str, source: dict[str, Any], items: list[dict[str, Any]]) -> list[Passage]:
    """The added items as the loader reads them from their file (the same Source, the same checks)."""
    content = dump({"source": source, "passages": items}).encode()
    return [passage for passage, _ in knowledge.read_file(Path(name), content)]


CATCH_UP_EVERY = 5.0  # seconds without a notification after which the follower checks and catches up


class Follower(threading.Thread):
    """LISTEN for changes; `on_change` after each notification and after each (re)connection.

    `on_change(conn)` catches up (it may read through `conn`, the follower's own connection) and
    says whether it did: after False it is called again every `retry` seconds until it does."""

    def __init__(self, url: str, on_change: Callable[[psycopg.Connection[Any]], bool], *, retry: float = 1.0):
        super().__init__(name="qabot-postgres-follower", daemon=True)
        self.url = url
        self.on_change = on_change
        self.retry = retry
        self.connected = threading.Event()
        self._halt = threading.Event()
        self._down = False
        self._behind = False  # the last catch-up failed
        self._failed = False  # an exception of the bot's own ended the last connection (logged once)

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self._follow()
            except psycopg.Error as exc:
                self.connected.clear()
                if not self._down:
                    self._down = True
                    log.warning("lost the database (answering from memory; retrying every %gs): %s", self.retry, exc)
                self._halt.wait(self.retry)
            except Exception:  # a fault of the bot's own must not end the following for good: again, after a pause
                self.connected.clear()
                if not self._failed:
                    self._failed = True
                    log.exception("following the database's changes failed (answering from memory; trying again "
                                  "every %gs)", self.retry)  # fmt: skip
                self._halt.wait(self.retry)

    def _follow(self) -> None:
        # A line cut without a reset (a dead proxy, a lost route) is noticed in seconds (LINE_CHECKS), not at the
        # kernel's defaults of hours; the loop below also catches up every few seconds.
        with psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT, **LINE_CHECKS) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
            row = conn.execute("SELECT current_schema()").fetchone()
            schema: str | None = row[0] if row else None  # where this instance's changes are made
            self._catch_up(conn)  # whatever was missed while not listening
            self.connected.set()
            quiet_since = tried = time.monotonic()
            while not self._halt.is_set():
                if self._ours(conn.notifies(timeout=0.5, stop_after=1), schema):
                    self._catch_up(conn)
                    quiet_since = tried = time.monotonic()
                elif self._behind and time.monotonic() - tried >= self.retry:
                    conn.execute("SELECT 1")  # raises on a dead line: reconnect and catch up
                    self._catch_up(conn)
                    tried = time.monotonic()
                elif time.monotonic() - quiet_since >= CATCH_UP_EVERY:
                    conn.execute("SELECT 1")
                    self._catch_up(conn)  # and a notification lost on the way is caught up here
                    quiet_since = tried = time.monotonic()

    @staticmethod
    def _ours(notices: Iterable[psycopg.Notify], schema: str | None) -> bool:
        """Whether any of the notices that came (all of one packet: those not read are lost) may be of a change
        in `schema`; another schema sharing the database notifies on the same channel."""
        ours = False
        for notice in notices:
            named = notice_schema(notice.payload)
            if named is None or schema is None or named == schema:
                ours = True
            else:
                log.debug("passed over a change notice of schema %s", named)
        return ours

    def _catch_up(self, conn: psycopg.Connection[Any]) -> None:
        self._behind = not self.on_change(conn)
        self._failed = self._failed and self._behind
        if self._down and not self._behind:
            self._down = False
            log.warning("the database is back; caught up with the changes made meanwhile")
