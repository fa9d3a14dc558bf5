"""The knowledge base being served, and how it is kept current.

`LiveKnowledge` holds the live `Answerer` and swaps in a new one when the knowledge changes: when
the folder's files change (the watcher's reload), after a moderator's change (its own reload, or
the index extended by one added passage), or, with PostgreSQL, when the database has changes
this instance has not applied (after its own, and on NOTIFY). Questions in flight finish on the
answerer they started on. `bot.service.Service` holds one and gives it to `Moderation` as the
reload to run after each change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot import knowledge, messages
from bot.answering import Answerer
from bot.config import Config
from bot.curation import MODERATOR_FILE
from bot.knowledge import Passage
from bot.watcher import KnowledgeWatcher, Signature, signature

if TYPE_CHECKING:
    from bot.storage.backend import PostgresBackend

log = logging.getLogger(__name__)


class LiveKnowledge:
    """The live answerer of one knowledge folder (or database), reloaded when the knowledge changes."""

    def __init__(
        self,
        answerer: Answerer,
        config: Config,
        knowledge_dir: Path | None,
        *,
        backend: PostgresBackend | None = None,
        loaded: Signature | None = None,
    ):
        """`loaded`: the folder's signature taken before `answerer` was read from it (a file saved
        during the load then differs from it and goes live at the watcher's next check); None: now."""
        self._answerer = answerer
        self._config = config
        self._backend = backend
        self.knowledge_dir = knowledge_dir
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        if loaded is None and knowledge_dir is not None:
            loaded = signature(knowledge_dir)
        self.loaded: Signature | None = loaded  # the folder as the live answerer was read from it
        self._written: Signature | None = None  # the folder as a moderator's change left it, its reload to follow
        self._writing = False  # a moderator's change is being written (one at a time: under the folder's lock)
        self._watcher: KnowledgeWatcher | None = None

    @property
    def answerer(self) -> Answerer:
        return self._answerer

    @property
    def watching(self) -> bool:
        """Whether a watcher thread reloads the folder when its files change."""
        return self._watcher is not None

    def replace(self, answerer: Answerer) -> None:
        """Swap in a rebuilt knowledge base; questions in flight finish on the old one."""
        with self._lock:
            self._answerer = answerer

    # -- the folder: reloaded when its files change -------------------------------------------

    def reload(self) -> None:
        """Load the knowledge folder again and swap it in, unless it is as loaded; raises KnowledgeError
        (the old one stays), also when it takes longer than `reload_timeout` seconds. The folder as a
        moderator's change writes it is left to that change's own reload, which is not time-boxed: the
        watcher's could only give up on it, and log a change said live as not reloaded."""
        self._reload(self._config.reload_timeout or None, watching=True)

    def _reload(self, time_limit: float | None, *, watching: bool = False) -> None:
        if self._backend is not None:
            with self._reload_lock:
                self.replace(self._backend.load())
            return
        if self.knowledge_dir is None:
            return
        with self._reload_lock:  # one rebuild at a time, so an older load never replaces a newer one
            before = signature(self.knowledge_dir)
            if before == self.loaded or (watching and (self._writing or before == self._written)):
                return  # loaded while this waited, or a moderator's change whose own reload loads it
            workers = self._config.load_workers
            loaded = Answerer.from_directory(self.knowledge_dir, workers=workers, time_limit=time_limit)
            self.replace(loaded)
            self.loaded = before

    def start_watching(self, interval: float | None = None) -> None:
        """Reload by itself when the knowledge files change (a thread polling every few seconds)."""
        interval = self._config.watch_interval if interval is None else interval
        if self.knowledge_dir is None or interval <= 0 or self._watcher is not None or self._backend is not None:
            return
        self._watcher = KnowledgeWatcher(
            self.knowledge_dir, reload=self.reload, loaded=lambda: self.loaded, interval=interval
        )
        self._watcher.start()

    def stop_watching(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    # -- a moderator's change: live before they are told it is ---------------------------------

    @contextmanager
    def changing(self, guard: Callable[[], AbstractContextManager[object]]) -> Iterator[None]:
        """Around a moderator's change being written (inside the folder's lock): `_writing`, then `_written`,
        which keep the watcher off the change: its own reload (`after_change`) loads it."""
        self._writing = True
        try:
            with guard():
                yield
            if self._backend is None and self.knowledge_dir is not None:
                self._written = signature(self.knowledge_dir)
        finally:
            self._writing = False

    def after_change(self) -> str | None:
        """A moderator's change, live before they are told "It is live now.": not time-boxed by `reload_timeout`
        (a reload given up on a busy machine left it written and said live while members got the old text). Its
        check has just loaded the whole folder, unboxed, so this load takes about as long. When another file,
        saved by hand meanwhile, stops the load: the sentence that says so (the change stays written), else None.
        With PostgreSQL: this instance's own change applied, else (the database could not be read right after
        the commit, or this instance's copy of it could not be written) why not yet: the follower applies it once
        it can."""
        if self._backend is not None:
            if self.catch_up(boxed=False):
                return None
            return messages.say(messages.NOT_LIVE_COPY if self._backend.cannot_copy else messages.NOT_LIVE_DATABASE)
        try:
            self._reload(None)
        except BaseException as exc:
            self._written = None  # not loaded: the watcher's to try again, and report, as it does any hand edit
            if not isinstance(exc, knowledge.KnowledgeError):
                raise
            log.error("knowledge not reloaded after a change: %s", exc)  # validated: only a hand edit does this
            return messages.not_live(exc.brief(), watched=self._config.watch_interval > 0)
        return None

    def after_add(self, passage: Passage, before: Signature | None, after: Signature) -> str | None:
        """Go live with one added passage: extend the index when the live one is exactly `before`, and
        the change wrote nothing but moderators.yaml (`after`); None: the folder changed while it was read.

        `Answerer.with_added` is much cheaper than a rebuild and does not hold the GIL for long, so
        answers in other threads keep flowing. It gives the same index as a rebuild only when the
        live knowledge base is the one the change was made on and the passage lands at its end
        (moderators.yaml is the last file); otherwise everything is reloaded.
        """
        if self.knowledge_dir is None:
            return None
        with self._reload_lock:
            files = knowledge.knowledge_files(self.knowledge_dir)
            last = files[-1].name if files else None
            alone = before is not None and _besides_additions(before) == _besides_additions(after)
            # No hand edit meanwhile: not while the files were read, nor once they were written (`_written`)
            if alone and self.loaded == before and self._written == after and last == MODERATOR_FILE:
                try:
                    extended = self._answerer.with_added(passage)
                except ValueError:  # the id is already live after all: rebuild below
                    log.warning("could not extend the index with %s; reloading", passage.id)
                else:
                    self.replace(extended)
                    self.loaded = after
                    log.debug("extended the live index with %s", passage.id)
                    return None
        return self.after_change()

    # -- the PostgreSQL backend: the database's changes, applied in order ------------------------

    def catch_up(self, *, boxed: bool = True) -> bool:
        """Apply the database's changes this instance has not applied yet (after its own, and on NOTIFY);
        `boxed=False` after its own, which the moderator is told is live (see `after_change`).
        False when they could not be applied now (the backend is `behind`, as this catch-up left it)."""
        if self._backend is None:
            return True
        with self._reload_lock:
            extended = self._backend.catch_up(self._answerer, boxed=boxed)
            if extended is not None:
                self.replace(extended)
            return not self._backend.behind


def _besides_additions(files: Signature) -> Signature:
    """The folder's files but moderators.yaml, which an addition writes: a hand edit of another file
    while a moderator's addition was checked (a second or more in a large folder) had been taken into
    the watcher's view of what is live, without being loaded, and never went live."""
    return tuple(entry for entry in files if entry[0] != MODERATOR_FILE)
