"""The one seam between the platforms and the core.

Adapters hold a `Service` and call it with the question and who asked; they get back one frozen
`Answer` in every case (answered, fallback, small talk, throttled, topic gone), or plain text for
help and sources, and only render it. Moderation goes through `moderate` with a parsed `Request`
(see `bot.curation.commands`) and comes back as one `Reply`, `delivered` once sent. Everything the platforms
share lives here: the knowledge base (swappable while running, reloaded when its files change), the per-user
and per-chat cooldowns (`bot.throttling`, its base class), feedback, the record of unanswered questions
(`bot.records.gaps`) and moderation.

`ask`, `choose`, `vote`, `moderate`, `delivered`, `refusal` and `is_moderator` may block (a lock, SQLite, file
writes, an index rebuild): adapters call them off the event loop (`adapters.threads.in_thread`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from bot import messages, recording
from bot.answering import DEFAULT_KNOWLEDGE, Answer, Answerer, Outcome
from bot.asker import Asker
from bot.config import Config
from bot.cooldown import Admission, Cooldown
from bot.curation import Change, History, Moderation, Refused, Reply, Request, perform
from bot.knowledge import Passage
from bot.live import LiveKnowledge
from bot.records import Recorder
from bot.storage.opening import open_database
from bot.storage.protocol import GapRecords
from bot.throttling import Throttling
from bot.watcher import Signature, signature

if TYPE_CHECKING:
    from bot.storage.backend import PostgresBackend

log = logging.getLogger(__name__)


class Service(Throttling):
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
        self._backend = backend
        self.config = config or Config()
        self.cooldown = cooldown or Cooldown(burst=self.config.cooldown.burst, interval=self.config.cooldown.interval)
        chat = self.config.chat_cooldown
        self.chat_cooldown = chat_cooldown or Cooldown(burst=chat.burst, interval=chat.interval)
        folder = knowledge_dir or (answerer.kb.files[0].parent if answerer.kb.files else None)
        self.knowledge_dir = Path(folder) if folder is not None else None
        self.live = LiveKnowledge(answerer, self.config, self.knowledge_dir, backend=backend, loaded=loaded)
        data = self.config.data_folder(self.knowledge_dir) if self.knowledge_dir else self.config.data_dir
        self.recorder = Recorder(data, self.config.retention_days, records=backend.records if backend else None)
        history = History(data, knowledge=self.knowledge_dir) if data is not None else None
        self.moderation = Moderation(
            self.knowledge_dir,
            self.config.moderators,
            history=backend.store if backend else history,
            gaps=self.recorder,
            reload=self.live.after_change,
            analyze=lambda question: self.answerer.index.analyze(question),
            ask=lambda question: self.answerer.answer(question).passage_id,
            find=lambda words, limit: self.answerer.find(words, limit),
            text=lambda passage_id: passage.text if (passage := self.passage(passage_id)) else None,
            added=None if backend else self.live.after_add,
            guard=lambda: self.live.changing(guard),
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
        backend.follow(service.live.catch_up)
        return service

    # -- the live knowledge (`bot.live`) and the record (`bot.records.recorder`) -----------------

    @property
    def answerer(self) -> Answerer:
        return self.live.answerer

    def replace_answerer(self, answerer: Answerer) -> None:
        """Swap in a rebuilt knowledge base; questions in flight finish on the old one."""
        self.live.replace(answerer)

    def reload(self) -> None:
        """Load the knowledge folder again and swap it in (see `LiveKnowledge.reload`)."""
        self.live.reload()

    def start_watching(self, interval: float | None = None) -> None:
        """Reload by itself when the knowledge files change (a thread polling every few seconds)."""
        self.live.start_watching(interval)

    def stop_watching(self) -> None:
        self.live.stop_watching()

    @property
    def gaps(self) -> GapRecords | None:
        """The record of questions and votes, when there is one (see `Recorder`)."""
        return self.recorder.gaps

    def close(self) -> None:
        """Close the gaps database and stop the watcher (at shutdown); with PostgreSQL, the backend,
        which closes its records (the gaps) itself, before the pool they write through.

        The database first: the watcher may be in the middle of a reload, which it need not wait for.
        """
        self.recorder.close()
        if self._backend is not None:
            self._backend.close()
        self.stop_watching()

    def hold_changes(self, timeout: float) -> bool:
        """Wait (at most `timeout` s) for a moderator's change being written, then let no other start.

        For a process that exits without waiting for its worker threads (`python -m adapters run` when a
        platform does not stop in time): it then ends between changes, never in the middle of one.
        """
        store = self.moderation.store
        return store is None or store.hold(timeout)

    # -- members: questions, topics chosen, votes ------------------------------------------------

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
            return self._ask(question, asker, quiet, recording.asked_key(asker, message), edited)

    def _ask(self, question: str, asker: Asker, quiet: bool, message: str, edited: bool) -> Answer:
        throttled = self.throttle(asker, quiet=quiet)
        if throttled is not None:
            return throttled
        if edited and message:
            recording.forget_asked(self.recorder, asker, message)
        answer = self.answerer.answer(question)
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
                recording.record_question(self.recorder, reply.asked or question, asker, reply, message)
        return answer

    def forget_asked(self, asker: Asker, message: str) -> None:
        """Forget what the message `message` (its id in `asker`'s chat, as given to `ask`) asked: it
        was deleted, or an edit made it stop asking the bot. Its rows leave the record by the key `ask`
        gave them, whoever asked and in whatever words (`kb gaps` had shown a deleted question's words,
        a phone number, for `retention_days`); only `asker`'s platform and chat count."""
        key = recording.asked_key(asker, message)
        if key:
            recording.forget_asked(self.recorder, asker, key)

    def forget_chat(self, asker: Asker) -> None:
        """Forget what was asked in `asker`'s chat (its platform and chat id): the chat is gone (a deleted
        Discord thread or channel), and the platform tells of no deletion of its messages (`forget_asked`)."""
        if asker.chat_id:
            recording.forget_chat(self.recorder, asker)

    def choose(self, passage_id: str, asker: Asker, *, reading_on: bool = False, linked: bool = False) -> Answer:
        """The answer for a suggestion the user picked: THROTTLED over a limit, GONE if the passage is.
        `reading_on`: a "Read on ▸" press, the next passage of an answer's section, which is no topic
        chosen for a question not answered (recorded as one, it replaced the topic the member had chosen).
        `linked`: opened from a link to the passage (Telegram's start link): no topic chosen either, and
        counted in `kb stats` as an answer opened so, apart from the questions asked."""
        with messages.speaking(messages.choose(asker.language)):
            return self._choose(passage_id, asker, reading_on=reading_on, linked=linked)

    def _choose(self, passage_id: str, asker: Asker, *, reading_on: bool, linked: bool) -> Answer:
        throttled = self.throttle(asker)
        if throttled is not None:
            return throttled
        answer = self.answerer.answer_passage(passage_id)
        if answer is None:
            return Answer(text=messages.say(messages.TOPIC_GONE), outcome=Outcome.GONE)
        if linked:
            recording.record_opened(self.recorder, passage_id, asker)
        elif not reading_on:
            recording.record_pick(self.recorder, passage_id, asker)
        return answer

    def vote(self, passage_id: str, helpful: bool, asker: Asker) -> None:
        """Record a 👍 or 👎 on an answer: one per user and passage, the last counts. A vote for a
        passage that does not exist (a forged or stale button) is dropped after a set look-up. It counts
        for the passage's text as it is now: rewritten, the passage starts anew (`kb stats`)."""
        if (voted := self.passage(passage_id)) is not None:
            recording.record_vote(self.recorder, asker, passage_id, helpful, voted.text)

    def help_text(self, language: str = "") -> str:
        """What the bot answers, in `language` (a platform's tag; English when the catalogue lacks it)."""
        with messages.speaking(messages.choose(language)):
            return self.answerer.help_text()

    def completions(self, typed: str, limit: int = 25) -> list[str]:
        """Questions to ask, for a member still typing `typed` (see `Answerer.completions`)."""
        return self.answerer.completions(typed, limit)

    def search(self, words: str, limit: int = 5) -> list[Answer]:
        """The passages that match `words` best, as answers to pick from (see `Answerer.search`)."""
        return self.answerer.search(words, limit)

    def sources_text(self, language: str = "") -> str:
        lines = [messages.say(messages.SOURCES_HEADER, messages.choose(language))]
        return "\n".join(lines + self.answerer.source_lines())

    # -- for the platforms: what they may know of the knowledge base and of moderation ----------

    def passage(self, passage_id: str) -> Passage | None:
        """The live passage with this id, or None."""
        return self.answerer.kb.get(passage_id)

    def passages(self) -> Sequence[Passage]:
        """The live passages, in knowledge-file order: the same object until the knowledge changes."""
        return self.answerer.kb.passages

    def moderate(self, request: Request, asker: Asker) -> Reply:
        """Run one moderation command for `asker` (blocking: call it off the event loop)."""
        self.recorder.open_later()  # `kb gaps` once the lock of the start is gone, before any question
        with messages.speaking(messages.choose(asker.language, request.section or request.text or request.question)):
            return perform(self.moderation, request, asker)

    def delivered(self, reply: Reply, asker: Asker) -> None:
        """`reply`, which `moderate` gave `asker`, reached them (the platform took it): a gaps list it shows is
        theirs from now on, on every instance (a number they give means its gap). Never raises."""
        if reply.listing is not None:
            self.moderation.keep(asker, reply.listing)

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


__all__ = ["Admission", "Asker", "Change", "Moderation", "Refused", "Reply", "Request", "Service", "open_database"]
