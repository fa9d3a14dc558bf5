"""The reply to one question, as every platform adapter receives it: a frozen Answer, and how a
passage, or the closest topics when the bot does not know, is worded into one.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass

from bot import messages
from bot.answering.topics import LABEL_CHARS, clipped, topic_of, written_as_a_question
from bot.knowledge import Passage, Source, shown
from bot.search import Index, Ranked


class Outcome(enum.Enum):
    """What kind of reply an Answer is."""

    ANSWERED = "answered"  # a passage was chosen
    FALLBACK = "fallback"  # nothing matched well enough: the bot says it does not know
    SMALL_TALK = "small_talk"  # greeting, thanks or help: what the bot can answer
    EMPTY = "empty"  # nothing to answer: empty or only punctuation (the help), or only a link (a note)
    THROTTLED = "throttled"  # over a cooldown limit: `silent` says whether the user is told
    GONE = "gone"  # a suggestion pressed for a passage that is no longer there


@dataclass(frozen=True)
class Suggestion:
    """A topic offered when the bot does not know: a question the passage answers."""

    passage_id: str
    label: str


@dataclass(frozen=True)
class Answer:
    """The reply to one question, as every platform adapter receives it."""

    text: str
    outcome: Outcome
    passage_id: str | None = None
    score: float = 0.0
    coverage: float = 0.0
    section: str | None = None
    passage_text: str | None = None
    source: Source | None = None
    suggestions: tuple[Suggestion, ...] = ()
    silent: bool = False  # THROTTLED only: the user was told already (or the chat is flooding): send nothing
    # the question as analysed (FALLBACK, or hedged), for the record of questions not answered for sure
    terms: tuple[str, ...] = ()
    # ANSWERED only: the sentence that says the passage may not answer exactly what was asked (the
    # passage lacks a term the question leans on, see `Confidence.hedge`); `text` begins with it
    hedge: str | None = None
    # A message that asked several questions ("where is the venue? and is there wifi?"): the one
    # this answer is for, and the answers to the others, in the message's order, each sent as a
    # reply of its own (see `replies`). Empty for a message of one question.
    asked: str = ""
    also: tuple[Answer, ...] = ()
    # ANSWERED only: the passage after this one in the same section (an imported section cut into
    # passages: a procedure's later steps, the rest of an FAQ's answer), offered as one more button
    read_on: Suggestion | None = None

    @property
    def replies(self) -> tuple[Answer, ...]:
        """The answers to send, in order: this one, then one for each further question of the message."""
        return (self, *self.also)

    @property
    def hedged(self) -> bool:
        """True when the answer says it may not answer exactly what was asked."""
        return self.hedge is not None

    @property
    def fallback(self) -> bool:
        """True when no passage was chosen."""
        return self.passage_id is None

    @property
    def citation(self) -> str | None:
        """The short citation line that ends an answered reply."""
        if self.source is None or self.section is None:
            return None
        return citation(self.section, self.source)


def citation(section: str, source: Source) -> str:
    return f"— {shown(source.title)}, “{section}”"


def giving(
    best: Ranked, following: Passage | None = None, *, hedged: bool = False, terms: tuple[str, ...] = ()
) -> Answer:
    """The Answer that replies with `best`'s passage (`following`: the next one of its section, offered to
    read on; `hedged`: saying it may not answer exactly that; `terms`: the question as analysed, kept for a
    hedged answer)."""
    passage = best.passage
    hedge = messages.say(messages.HEDGE) if hedged else None
    reply = f"{passage.text}\n\n{citation(passage.section, passage.source)}"
    return Answer(
        text=f"{hedge}\n\n{reply}" if hedge else reply,
        hedge=hedge,
        terms=terms,
        outcome=Outcome.ANSWERED,
        passage_id=passage.id,
        score=best.score,
        coverage=best.coverage,
        section=passage.section,
        passage_text=passage.text,
        source=passage.source,
        read_on=Suggestion(following.id, messages.say(messages.READ_ON)) if following else None,
    )


def offering(index: Index, ranked: list[Ranked], terms: tuple[str, ...]) -> Answer:
    """The Answer that says the bot does not know, and offers the passages ranked as the closest topics."""
    offered = [r.passage for r in ranked if r.score > 0]
    sections = Counter((p.source, p.section) for p in offered)
    suggestions = tuple(_suggestion(index, p, terms, alone=sections[p.source, p.section] == 1) for p in offered)
    text = messages.closest_topics(s.label for s in suggestions) if suggestions else messages.say(messages.DONT_KNOW)
    best = ranked[0] if ranked else None
    return Answer(
        text=text,
        outcome=Outcome.FALLBACK,
        score=best.score if best else 0.0,
        coverage=best.coverage if best else 0.0,
        suggestions=suggestions,
        terms=terms,
    )


def _suggestion(index: Index, passage: Passage, terms: tuple[str, ...], *, alone: bool = False) -> Suggestion:
    """A passage offered as a topic: its first alternate question written as one ("Why do
    they flee?", not a member's "hours?" that a moderator aliased to it); the question its
    section asks, when it is the only topic offered of that section (an FAQ's "Does Syncthing
    support syncing between folders on the same system?": a sentence of its answer after it,
    cut, said less); or its section and the sentence the question matched best (an imported
    passage has no alternate questions)."""
    written = next((q for q in passage.questions if written_as_a_question(q)), None)
    if written is not None:
        return Suggestion(passage_id=passage.id, label=written)
    if alone and written_as_a_question(passage.section) and len(passage.section) <= LABEL_CHARS:
        return Suggestion(passage_id=passage.id, label=passage.section)
    sentence = index.best_sentence(terms, passage)
    return Suggestion(passage_id=passage.id, label=clipped(f"{topic_of(passage)}: {sentence}"))
