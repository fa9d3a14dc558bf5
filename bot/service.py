"""The one seam between the platforms and the core.

Adapters hold a `Service` and call it with the question and who asked; they get back one frozen
`Answer` in every case (answered, fallback, small talk, throttled, topic gone), or plain text for
help and sources, and only render it. Moderation goes through `moderate` with a parsed `Request`
(see `bot.curation.commands`) and comes back as one `Reply`. Everything the platforms share lives
here: the knowledge base (swappable while running, reloaded when its files change), the per-user
and per-chat cooldowns, feedback, the record of unanswered questions (`bot.records.gaps`) and moderation.

`ask`, `choose`, `vote`, `moderate`, `refusal` and `is_moderator` may block (a lock, SQLite, file
writes, an index rebuild): adapters call them off the event loop (`adapters.threads.in_thread`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from bot import knowledge, messages
from bot.answering import DEFAULT_KNOWLEDGE, Answer, Answerer, Outcome
from bot.asker import Asker
from bot.config import Config
from bot.cooldown import Admission, Cooldown
from bot.curation import CLI_PLATFORM, MODERATOR_FILE, Change, History, Moderation, Refused, Reply, Request, perform
from bot.knowledge import Passage
from bot.records import GapStore
from bot.storage.protocol import GapRecords
from bot.watcher import KnowledgeWatcher, Signature, signature

if TYPE_CHECKING:
    from bot.storage.backend import PostgresBackend

log = logging.getLogger(__name__)


class Service:
    """Answers for every platform the process serves, from one shared knowledge base."""

    def __init__(
        self,
        answerer: Answerer,
        *,
        cooldown: Cooldown | None = None,
        chat_cooldown: Cooldown | None = None,
        config: Config | None = None,
        knowledge_dir: str | Path | None = None,
        guard: Callable[[], AbstractContextManager[object]] = nullcontext,
        backend: PostgresBackend | None = None,
        loaded: Signature | None = None,
    ):
        """`loaded`: the knowledge folder's signature taken before `answerer` was read from it (a file
        saved during the load then differs from it and goes live at the watcher's next check); None: now."""
        self._answerer = answerer
        self._backend = backend
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self.config = config or Config()
        self.cooldown = cooldown or Cooldown(burst=self.config.cooldown.burst, interval=self.config.cooldown.interval)
        chat = self.config.chat_cooldown
        self.chat_cooldown = chat_cooldown or Cooldown(burst=chat.burst, interval=chat.interval)
        folder = knowledge_dir or (answerer.kb.files[0].parent if answerer.kb.files else None)
        self.knowledge_dir = Path(folder) if folder is not None else None
        if loaded is None and self.knowledge_dir is not None:
            loaded = signature(self.knowledge_dir)
        self._loaded: Signature | None = loaded
        self._written: Signature | None = None  # the folder as a moderator's change left it, its reload to follow
        self._writing = False  # a moderator's change is being written (one at a time: under the folder's lock)
        self._watcher: KnowledgeWatcher | None = None
        self._gaps_failed = False
        data = self.config.data_folder(self.knowledge_dir) if self.knowledge_dir else self.config.data_dir
        self.gaps: GapRecords | None
        self.gaps, gaps_error = (backend.records, None) if backend else _open_gaps(data, self.config.retention_days)
        # A database locked by another process at start (a transaction open in an `sqlite3` shell, another
        # instance's trim) is no damage: it is opened at its next use, once the lock is gone.
        self._gaps_later = data if _passing(gaps_error) else None
        self._gaps_opening = threading.Lock()
        history = History(data, knowledge=self.knowledge_dir) if data is not None else None
        self.moderation = Moderation(
            self.knowledge_dir,
            self.config.moderators,
            history=backend.store if backend else history,
            gaps=self.gaps,
            gaps_error=gaps_error,
            reload=self._catch_up_after_change if backend else self._reload_after_change,
            analyze=lambda question: self._answerer.index.analyze(question),
            ask=lambda question: self._answerer.answer(question).passage_id,
            find=lambda words, limit: self._answerer.find(words, limit),
            text=lambda passage_id: passage.text if (passage := self.passage(passage_id)) else None,
            added=None if backend else self._extend_after_add,
            guard=lambda: self._changing(guard),
            store=backend.store if backend else None,
        )

    @classmethod
    def from_directory(
        cls,
        directory: str | Path = DEFAULT_KNOWLEDGE,
        config: Config | None = None,
        *,
        guard: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> Service:
        """Load the knowledge folder (raises KnowledgeError) and set up everything around it;
        `guard` is entered around every moderator's change (see `Moderation`). A folder of no
        knowledge files yet starts a bot that declines every question until a moderator adds a
        passage (a new community's first `/kb_add`); a reload never empties a bot that had some."""
        workers = config.load_workers if config else None
        if config is not None and config.database_url:
            return cls._from_database(config, directory, guard)
        before = signature(Path(directory))  # before the load, as `reload` takes it: a file saved meanwhile differs
        answerer = Answerer.from_directory(directory, workers=workers, empty=True)
        return cls(answerer, config=config, knowledge_dir=directory, guard=guard, loaded=before)

    # -- the PostgreSQL backend (bot.storage): chosen when the config names a database ----------

    @classmethod
    def _from_database(
        cls, config: Config, directory: str | Path, guard: Callable[[], AbstractContextManager[object]]
    ) -> Service:
        """The knowledge from the database, kept current by LISTEN/NOTIFY; raises ConfigError when
        the database cannot be used (`directory` only places the data folder of the gaps)."""
        backend, answerer = open_database(config)
        backend.open_records()
        user, chat = backend.cooldowns(config.cooldown, config.chat_cooldown)
        service = cls(
            answerer, cooldown=user, chat_cooldown=chat, config=config, knowledge_dir=directory, guard=guard,
            backend=backend,
        )  # fmt: skip
        backend.follow(service._catch_up)
        return service

    def _catch_up(self, *, boxed: bool = True) -> bool:
        """Apply the database's changes this instance has not applied yet (after its own, and on NOTIFY);
        `boxed=False` after its own, which the moderator is told is live (see `_reload_after_change`).
        False when they could not be applied now (the backend is `behind`, as this catch-up left it)."""
        if self._backend is None:
            return True
        with self._reload_lock:
            extended = self._backend.catch_up(self._answerer, boxed=boxed)
            if extended is not None:
                self.replace_answerer(extended)
            return not self._backend.behind

    def _catch_up_after_change(self) -> str | None:
        """This instance's own change applied, which the moderator is told is live; else (the database
        could not be read right after the commit) why not yet: the follower applies it once it can."""
        return None if self._catch_up(boxed=False) else messages.say(messages.NOT_LIVE_DATABASE)

    @property
    def answerer(self) -> Answerer:
        return self._answerer

    def replace_answerer(self, answerer: Answerer) -> None:
        """Swap in a rebuilt knowledge base; questions in flight finish on the old one."""
        with self._lock:
            self._answerer = answerer

    def reload(self) -> None:
        """Load the knowledge folder again and swap it in, unless it is as loaded; raises KnowledgeError
        (the old one stays), also when it takes longer than `reload_timeout` seconds. The folder as a
        moderator's change writes it is left to that change's own reload, which is not time-boxed: the
        watcher's could only give up on it, and log a change said live as not reloaded."""
        self._reload(self.config.reload_timeout or None, watching=True)

    @contextmanager
    def _changing(self, guard: Callable[[], AbstractContextManager[object]]) -> Iterator[None]:
        """Around a moderator's change being written (inside the folder's lock): `_writing`, then `_written`."""
        self._writing = True
        try:
            with guard():
                yield
            if self._backend is None and self.knowledge_dir is not None:
                self._written = signature(self.knowledge_dir)
        finally:
            self._writing = False

    def _reload(self, time_limit: float | None, *, watching: bool = False) -> None:
        if self._backend is not None:
            with self._reload_lock:
                self.replace_answerer(self._backend.load())
            return
        if self.knowledge_dir is None:
            return
        with self._reload_lock:  # one rebuild at a time, so an older load never replaces a newer one
            before = signature(self.knowledge_dir)
            if before == self._loaded or (watching and (self._writing or before == self._written)):
                return  # loaded while this waited, or a moderator's change whose own reload loads it
            workers = self.config.load_workers
            loaded = Answerer.from_directory(self.knowledge_dir, workers=workers, time_limit=time_limit)
            self.replace_answerer(loaded)
            self._loaded = before

    def start_watching(self, interval: float | None = None) -> None:
        """Reload by itself when the knowledge files change (a thread polling every few seconds)."""
        interval = self.config.watch_interval if interval is None else interval
        if self.knowledge_dir is None or interval <= 0 or self._watcher is not None or self._backend is not None:
            return
        self._watcher = KnowledgeWatcher(
            self.knowledge_dir, reload=self.reload, loaded=lambda: self._loaded, interval=interval
        )
        self._watcher.start()

    def stop_watching(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def close(self) -> None:
        """Close the gaps database and stop the watcher (at shutdown); with PostgreSQL, the backend,
        which closes its records (the gaps) itself, before the pool they write through.

        The database first: the watcher may be in the middle of a reload, which it need not wait for.
        """
        with self._gaps_opening:  # a database being opened late is closed below, not left open after
            self._gaps_later = None
        if self._backend is not None:
            self._backend.close()
        elif self.gaps is not None:
            self.gaps.close()
        self.stop_watching()

    def hold_changes(self, timeout: float) -> bool:
        """Wait (at most `timeout` s) for a moderator's change being written, then let no other start.

        For a process that exits without waiting for its worker threads (`python -m adapters run` when a
        platform does not stop in time): it then ends between changes, never in the middle of one.
        """
        store = self.moderation.store
        return store is None or store.hold(timeout)

    def _extend_after_add(self, passage: Passage, before: Signature | None, after: Signature) -> str | None:
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
            if alone and self._loaded == before and self._written == after and last == MODERATOR_FILE:
                try:
                    extended = self._answerer.with_added(passage)
                except ValueError:  # the id is already live after all: rebuild below
                    log.warning("could not extend the index with %s; reloading", passage.id)
                else:
                    self.replace_answerer(extended)
                    self._loaded = after
                    log.debug("extended the live index with %s", passage.id)
                    return None
        return self._reload_after_change()

    def _reload_after_change(self) -> str | None:
        """A moderator's change, live before they are told "It is live now.": not time-boxed by `reload_timeout`
        (a reload given up on a busy machine left it written and said live while members got the old text). Its
        check has just loaded the whole folder, unboxed, so this load takes about as long. When another file,
        saved by hand meanwhile, stops the load: the sentence that says so (the change stays written), else None."""
        try:
            self._reload(None)
        except BaseException as exc:
            self._written = None  # not loaded: the watcher's to try again, and report, as it does any hand edit
            if not isinstance(exc, knowledge.KnowledgeError):
                raise
            log.error("knowledge not reloaded after a change: %s", exc)  # validated: only a hand edit does this
            return messages.not_live(exc.brief(), watched=self.config.watch_interval > 0)
        return None

    def ask(
        self, question: str, asker: Asker, *, quiet: bool = False, message: str = "", edited: bool = False
    ) -> Answer:
        """Answer a question, or say the asker is over a limit (THROTTLED); never raises on any string.
        `quiet`: over a limit, the answer is silent and the cooldown note is kept for a later question
        (an edited question, whose earlier answer stays: the note, sent nowhere, had left the member's
        next question without any reply). `message`: the platform's id of the message whose words are
        asked (unique in the asker's chat); `edited`: it was edited, and what it asked before is
        forgotten in the records for what it asks now (`kb gaps` holds what was last asked).

        The bot's own sentences are in the asker's language, or the question's (`messages.choose`)."""
        with messages.speaking(messages.choose(asker.language, question)):
            return self._ask(question, asker, quiet, f"{asker.chat_id}/{message}" if message else "", edited)

    def _ask(self, question: str, asker: Asker, quiet: bool, message: str, edited: bool) -> Answer:
        throttled = self.throttle(asker, quiet=quiet)
        if throttled is not None:
            return throttled
        if edited and message:
            self._record(lambda gaps: gaps.forget_asked(asker.platform, message))
        answer = self._answerer.answer(question)
        for reply in answer.replies:  # one for each question, when the message asked several
            log.info(
                "%s asked (%s): outcome=%s passage=%s score=%.2f hedged=%s",
                asker.platform,
                "a private chat" if asker.private else asker.chat_id,  # a DM's id is its member's: never logged
                reply.outcome.value,
                reply.passage_id,
                reply.score,
                reply.hedged,
            )
            if reply.outcome in (Outcome.ANSWERED, Outcome.FALLBACK):
                self._record_question(reply.asked or question, asker, reply, message)
        return answer

    def _record_question(self, question: str, asker: Asker, answer: Answer, message: str = "") -> None:
        # An answered question counts for its passage, and its wording is not kept. An unanswered
        # or hedged one (the bot only had the closest passage) is a gap: its wording is kept, and
        # the terms as analysed, never all of a 100 KB message; a hedged one counts for its passage too.
        gap = answer.fallback or answer.hedged
        self._record(
            lambda gaps: gaps.record_question(
                asker.platform,
                asker.user_id,
                question if gap else "",
                list(answer.terms) if gap else [],
                answer.passage_id,
                hedged=answer.hedged,
                offered=[s.passage_id for s in answer.suggestions] if answer.fallback else (),
                message=message,
            )
        )

    def forget_question(self, question: str, asker: Asker) -> None:
        """`asker` deleted the message that asked `question`: the wording the gaps keep of it goes too
        (`kb gaps` had shown a deleted question's words, a phone number, for `retention_days`). What
        was recorded is found as `ask` found it: the message's questions, each as it was asked."""
        answer = self._answerer.answer(question)
        asked = sorted({question, *(reply.asked for reply in answer.replies if reply.asked)})
        self._record(lambda gaps: gaps.forget_question(asker.platform, asker.user_id, asked))

    def _record(self, write: Callable[[GapRecords], None]) -> None:
        """Write to the gaps database, when there is one; a failure only warns: answering goes on."""
        gaps = self._open_gaps_later()
        if gaps is None:
            return
        try:
            write(gaps)
        except (sqlite3.Error, OSError) as exc:
            self._gaps_unavailable(exc)

    def _open_gaps_later(self) -> GapRecords | None:
        """The gaps database, opened now if it was locked when the service started (and is free now).

        One thread tries at a time; the others go on without it meanwhile, rather than each waiting
        out SQLite's busy timeout. Damage found now is for good, as at start."""
        folder = self._gaps_later
        if self.gaps is not None or folder is None or not self._gaps_opening.acquire(blocking=False):
            return self.gaps
        try:
            if self.gaps is None and self._gaps_later is not None:
                self.gaps = self.moderation.gap_store = GapStore(folder, retention_days=self.config.retention_days)
                self.moderation.gaps_error = self._gaps_later = None
                log.info("gaps database opened in %s: it is no longer locked", folder)
        except (sqlite3.Error, OSError) as exc:
            if not _passing(exc):  # damage is for good, as at start; a lock still held: tried at the next use
                log.warning("gaps database unavailable in %s (answering goes on without it): %s", folder, exc)
                self.moderation.gaps_error, self._gaps_later = exc, None
        finally:
            self._gaps_opening.release()
        return self.gaps

    def choose(self, passage_id: str, asker: Asker, *, reading_on: bool = False) -> Answer:
        """The answer for a suggestion the user picked: THROTTLED over a limit, GONE if the passage is.
        `reading_on`: a "Read on ▸" press, the next passage of an answer's section, which is no topic
        chosen for a question not answered (recorded as one, it replaced the topic the member had chosen)."""
        with messages.speaking(messages.choose(asker.language)):
            return self._choose(passage_id, asker, reading_on=reading_on)

    def _choose(self, passage_id: str, asker: Asker, *, reading_on: bool) -> Answer:
        throttled = self.throttle(asker)
        if throttled is not None:
            return throttled
        answer = self._answerer.answer_passage(passage_id)
        if answer is None:
            return Answer(text=messages.say(messages.TOPIC_GONE), outcome=Outcome.GONE)
        if not reading_on:
            self._record_pick(passage_id, asker)
        return answer

    def _record_pick(self, passage_id: str, asker: Asker) -> None:
        """The topic pressed marks the asker's question that offered it: `kb gaps` names what members chose."""
        self._record(lambda gaps: gaps.record_pick(asker.platform, asker.user_id, passage_id))

    def throttle(self, asker: Asker, *, quiet: bool = False) -> Answer | None:
        """None when a reply to `asker` may go out now; otherwise the THROTTLED answer (silent when not to be told).

        `ask` and `choose` take it themselves; adapters take it before every other reply they would
        send in a chat (help, sources, usage lines, refusals), so that one budget per user and per
        chat covers all of them.
        """
        admission = self.admit(asker, quiet=quiet)
        if admission is Admission.ASK:
            return None
        text = messages.say(messages.COOLDOWN, messages.supported(asker.language))  # else: the current language
        return Answer(text=text, outcome=Outcome.THROTTLED, silent=admission is Admission.SILENT)

    def admit(self, asker: Asker, *, quiet: bool = False) -> Admission:
        """Whether to answer, or, over a limit, to send the cooldown note now or stay silent (`ask` uses it).

        The user's limit is taken first, so a member held back by it never uses up the chat's
        allowance; a question the chat's limit refuses is given back to the user. A user hears
        the note once until they are let through again. When the chat's shared limit refuses,
        the chat hears it once until that limit has refilled, and while it has not, nobody in the
        chat hears it again: in a flood by many members a note each would only add to the flood.
        `quiet`: refused, SILENT, and nobody counts as told (see `ask`).
        """
        if asker.platform == CLI_PLATFORM:  # the console's own user, perhaps piping a transcript: no flood to stop
            return Admission.ASK
        user = f"{asker.platform}:{asker.user_id}"
        private = not asker.chat_id or asker.chat_id == asker.user_id  # a private chat has only the user's limit
        chat = None if private else f"{asker.platform}:{asker.chat_id}"
        if not self.cooldown.allow(user):
            if quiet or (chat is not None and self.chat_cooldown.told(chat)):
                return Admission.SILENT
            return Admission.NOTIFY if self.cooldown.tell(user) else Admission.SILENT
        if chat is None or self.chat_cooldown.allow(chat):
            self.cooldown.welcome(user)
            return Admission.ASK
        self.cooldown.give_back(user)
        if quiet:
            return Admission.SILENT
        return Admission.NOTIFY if self.chat_cooldown.tell(chat) else Admission.SILENT

    def vote(self, passage_id: str, helpful: bool, asker: Asker) -> None:
        """Record a 👍 or 👎 on an answer: one per user and passage, the last counts. A vote for a
        passage that does not exist (a forged or stale button) is dropped after a set look-up. It counts
        for the passage's text as it is now: rewritten, the passage starts anew (`kb stats`)."""
        if (voted := self.passage(passage_id)) is not None:
            self._record(lambda gaps: gaps.record_vote(asker.platform, asker.user_id, passage_id, helpful, voted.text))

    def _gaps_unavailable(self, exc: Exception) -> None:
        if not self._gaps_failed:  # once: a full disk would otherwise log on every question
            self._gaps_failed = True
            log.warning("cannot record in the gaps database (answering goes on): %s", exc)

    def help_text(self, language: str = "") -> str:
        """What the bot answers, in `language` (a platform's tag; English when the catalogue lacks it)."""
        with messages.speaking(messages.choose(language)):
            return self._answerer.help_text()

    def completions(self, typed: str, limit: int = 25) -> list[str]:
        """Questions to ask, for a member still typing `typed` (see `Answerer.completions`)."""
        return self._answerer.completions(typed, limit)

    def search(self, words: str, limit: int = 5) -> list[Answer]:
        """The passages that match `words` best, as answers to pick from (see `Answerer.search`)."""
        return self._answerer.search(words, limit)

    def sources_text(self, language: str = "") -> str:
        lines = [messages.say(messages.SOURCES_HEADER, messages.choose(language))]
        return "\n".join(lines + self._answerer.source_lines())

    # -- for the platforms: what they may know of the knowledge base and of moderation ----------

    def passage(self, passage_id: str) -> Passage | None:
        """The live passage with this id, or None."""
        return self._answerer.kb.get(passage_id)

    def passages(self) -> Sequence[Passage]:
        """The live passages, in knowledge-file order: the same object until the knowledge changes."""
        return self._answerer.kb.passages

    def moderate(self, request: Request, asker: Asker) -> Reply:
        """Run one moderation command for `asker` (blocking: call it off the event loop)."""
        self._open_gaps_later()  # `kb gaps` once the lock of the start is gone, before any question
        with messages.speaking(messages.choose(asker.language, request.section or request.text or request.question)):
            return perform(self.moderation, request, asker)

    def refusal(self, asker: Asker, action: str) -> str | None:
        """The refusal to show `asker` before a form for `action` opens, or None for a moderator."""
        try:
            with messages.speaking(messages.choose(asker.language)):
                self.moderation.require(asker, action)
        except Refused as exc:
            return str(exc)
        return None

    def is_moderator(self, asker: Asker) -> bool:
        return self.moderation.is_moderator(asker)

    def moderator_ids(self, platform: str) -> frozenset[str]:
        """The user ids the config file names as moderators on `platform` ("telegram" or "discord")."""
        moderators = self.config.moderators
        return moderators.telegram_users if platform == "telegram" else moderators.discord_users


def open_database(config: Config) -> tuple[PostgresBackend, Answerer]:
    """The database the config names and the knowledge loaded from it: for a Service, which follows
    it, or for a command that only reads it and then closes the backend. Raises ConfigError (the
    backend closed) when the database cannot be used."""
    from bot.storage.backend import BackendError, PostgresBackend  # psycopg only when configured

    backend = PostgresBackend(
        str(config.database_url),
        workers=config.load_workers,
        retention_days=config.retention_days,
        reload_timeout=config.reload_timeout or None,
    )
    try:
        return backend, backend.load()
    except BackendError as exc:
        backend.close()
        raise config.database_error(str(exc)) from None


def _open_gaps(folder: Path | None, retention_days: int) -> tuple[GapStore | None, Exception | None]:
    """The gaps database, or None (with a WARNING) and why, when it cannot be opened (moderators are
    told the same reason whether the damage shows at opening or at a query)."""
    if folder is None:
        return None, None
    try:
        return GapStore(folder, retention_days=retention_days), None
    except (sqlite3.Error, OSError) as exc:
        later = " until it is free" if _passing(exc) else ""
        log.warning("gaps database unavailable in %s (answering goes on without it%s): %s", folder, later, exc)
        return None, exc


def _passing(error: Exception | None) -> bool:
    """Whether the gaps database could not be opened only because another connection held its lock."""
    code = getattr(error, "sqlite_errorcode", None)  # an extended code holds the primary one in its low byte
    return isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _besides_additions(files: Signature) -> Signature:
    """The folder's files but moderators.yaml, which an addition writes: a hand edit of another file
    while a moderator's addition was checked (a second or more in a large folder) had been taken into
    the watcher's view of what is live, without being loaded, and never went live."""
    return tuple(entry for entry in files if entry[0] != MODERATOR_FILE)


__all__ = ["Admission", "Asker", "Change", "Moderation", "Refused", "Reply", "Request", "Service", "open_database"]
