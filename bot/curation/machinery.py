"""What every moderation command stands on, for one knowledge folder: the set-up (who the moderators
are, where changes are written and recorded, the gaps database, the callbacks that make a change
live), a change applied under the folder's lock and made live, the history and the gaps read, an open
gap found by the reference a moderator gives.

`Moderation` (`bot.curation.moderation`) is these plus the commands themselves, each end to end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TypeVar

from bot import messages
from bot.asker import Asker
from bot.catalogue import _
from bot.config import Moderators
from bot.curation import edits, transaction, unanswered
from bot.curation.edits import Files, Refused
from bot.curation.history import Record
from bot.curation.listings import Listing, Listings
from bot.curation.store import KnowledgeStore
from bot.knowledge import Passage
from bot.records import Gap, Recorder
from bot.storage.protocol import ChangeLog, GapRecords, KnowledgeStorage
from bot.watcher import Signature

T = TypeVar("T")
log = logging.getLogger(__name__)


class Machinery:
    """A folder's moderation without its commands: set up once, used by every command; thread-safe."""

    def __init__(
        self,
        knowledge_dir: Path | None,
        moderators: Moderators,
        *,
        history: ChangeLog | None,
        gaps: Recorder,
        reload: Callable[[], str | None],
        analyze: Callable[[str], list[str]],
        ask: Callable[[str], str | None] | None = None,
        find: Callable[[str, int], Sequence[Passage]] | None = None,
        text: Callable[[str], str | None] | None = None,  # a live passage's text: `stats` counts 👎 on it
        added: Callable[[Passage, Signature | None, Signature], str | None] | None = None,
        guard: Callable[[], AbstractContextManager[object]] = nullcontext,
        store: KnowledgeStorage | None = None,
    ):
        """`guard` is entered around every write: the command line passes
        `shutdown.changes_finish_first`, so that a signal ends it between changes, never inside one.
        `store`: another backend than the knowledge folder's files (see `bot.storage`). `gaps`: the
        gaps database, read at each use: the service's `Recorder` (it may open the database late), or the
        command line's (`Recorder.given`). `ask` gives
        the passage that answers a question now (None: none), so that `alias` can say whether the
        attached question is answered; `find` the passages that best match some words, best first
        (for `find`, the way to a passage's id from chat). `reload` and `added` make a change live, or
        return the sentence that says why it is saved but not live yet."""
        self.moderators = moderators
        self.knowledge_dir = knowledge_dir  # where `kb import` leaves drafts, whatever stores the live knowledge
        self.store: KnowledgeStorage | None = store
        if store is None and knowledge_dir is not None:
            self.store = KnowledgeStore(knowledge_dir)
        self.history_log = history
        self.records = gaps
        self._reload = reload
        self._guard = guard
        self._added = added
        self._analyze = analyze
        self._ask = ask
        self._find = find
        self._text = text
        self.listings = Listings()  # each moderator's last `gaps`: the gap a number they give means

    def _apply(
        self,
        asker: Asker,
        kind: str,
        plan: Callable[[Files], edits.Edit],
        undoes: Callable[[], str] | None = None,
        done: Callable[[], None] | None = None,  # after the change is recorded, still under the lock
    ) -> tuple[Record, str | None]:
        """The change made and recorded, and None when it is live, else the sentence that says why not yet."""
        store, history = self._store(), self._history()
        made = transaction.apply(store, history, asker, kind, plan, guard=self._guard, undoes=undoes, done=done)
        passage = made.kb.get(made.record.passage_id) if kind == "add" else None
        if passage is not None and self._added is not None:  # an addition can extend the live index, not rebuild
            return made.record, self._added(passage, made.before, made.after)
        return made.record, self._reload()

    def _store(self) -> KnowledgeStorage:
        if self.store is None:
            raise Refused(_("This bot has no knowledge folder to change."))
        return self.store

    def _drafts_folder(self) -> Path:
        if self.knowledge_dir is None:
            raise Refused(_("This bot has no knowledge folder to change."))
        return self.knowledge_dir

    def _history(self) -> ChangeLog:
        if self.history_log is None:
            raise Refused(_("The data folder is not available, so changes cannot be recorded (see the log)."))
        return self.history_log

    def _reading_history(self, read: Callable[[ChangeLog], T]) -> T:
        return transaction.read_history(self._history(), read)

    def _using_gaps(self, use: Callable[[GapRecords], T]) -> T:
        return unanswered.using(self.records.gaps, self.records.error, use)

    def keep(self, asker: Asker, listing: Listing) -> None:
        """`listing`, which `gaps` made, reached `asker`: a number they give means its gap from now on, on every
        instance (`bot.curation.listings`). When the gaps database cannot keep it, a WARNING, and this instance
        holds it in memory: a number given here means what the moderator read (the reply is out: nobody is left to
        tell), where it had been read in their list before, whose numbers may name other gaps by now."""
        try:
            self._using_gaps(lambda gaps: self.listings.keep(asker, listing, gaps))
        except Refused as exc:
            self.listings.hold(asker, listing)
            log.warning("could not keep a %s moderator's gaps list (this instance holds it): %s", asker.platform, exc)

    def _gap(self, asker: Asker, reference: str) -> Gap:
        """The open gap `reference` names (`3`, `#3`, `g5c1d0e`): a number as `asker`'s last list showed it."""
        found = self._using_gaps(lambda gaps: self.listings.gap(asker, reference, gaps))
        if found is None:
            raise Refused(messages.no_gap(reference.strip()[:20], asker.platform))
        return found
