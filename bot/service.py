"""The one seam between the platforms and the core.

Adapters hold a `Service` and call it with the question and who asked; they get back a frozen
`Answer` (or plain text for help and sources) and only render it. Everything the platforms share
lives here: the knowledge base (swappable while running), the per-user cooldown, and feedback.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.answering import DEFAULT_KNOWLEDGE, Answer, Answerer
from bot.cooldown import Cooldown
from bot.feedback import FeedbackLog, Vote

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asker:
    """Who asked, and where: platform ("telegram", "discord", "console"), user and chat ids."""

    platform: str
    user_id: str
    chat_id: str = ""


class Service:
    """Answers for every platform the process serves, from one shared knowledge base."""

    def __init__(self, answerer: Answerer, *, cooldown: Cooldown | None = None, feedback: FeedbackLog | None = None):
        self._answerer = answerer
        self._lock = threading.Lock()
        self.cooldown = cooldown or Cooldown()
        self.feedback = feedback or FeedbackLog()

    @classmethod
    def from_directory(cls, directory: str | Path = DEFAULT_KNOWLEDGE) -> Service:
        return cls(Answerer.from_directory(directory))

    @property
    def answerer(self) -> Answerer:
        return self._answerer

    def replace_answerer(self, answerer: Answerer) -> None:
        """Swap in a rebuilt knowledge base; questions in flight finish on the old one."""
        with self._lock:
            self._answerer = answerer

    def ask(self, question: str, asker: Asker) -> Answer:
        """Answer a question; never raises on any string."""
        answer = self._answerer.answer(question)
        log.info(
            "%s asked (%s): outcome=%s passage=%s score=%.2f",
            asker.platform,
            asker.chat_id or "-",
            answer.outcome.value,
            answer.passage_id,
            answer.score,
        )
        return answer

    def choose(self, passage_id: str, asker: Asker) -> Answer | None:
        """The answer for a suggestion the user picked, or None if that passage is gone."""
        return self._answerer.answer_passage(passage_id)

    def allow(self, asker: Asker) -> bool:
        """False when this user asked too often just now (the adapter then sends `COOLDOWN_TEXT`)."""
        return self.cooldown.allow(f"{asker.platform}:{asker.user_id}")

    def vote(self, passage_id: str, helpful: bool, asker: Asker) -> None:
        """Record a 👍 or 👎 on an answer."""
        self.feedback.record(Vote(passage_id=passage_id, helpful=helpful, platform=asker.platform, user_id=asker.user_id))

    def help_text(self) -> str:
        return self._answerer.help_text()

    def sources_text(self) -> str:
        lines = ["My answers come from:"]
        for source in self._answerer.kb.sources():
            line = f"• “{source.title}”"
            if source.publisher:
                line += f", {source.publisher}"
            if source.url:
                line += f" — {source.url}"
            lines.append(line)
        return "\n".join(lines)


COOLDOWN_TEXT = "You're asking quickly — please wait a few seconds before the next question."
APOLOGY_TEXT = "Sorry, something went wrong on my side. Please try again in a moment."
