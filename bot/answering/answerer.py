"""The core every platform calls: a question in, one frozen Answer out.

The Answerer picks the best passage, answers only when confident, and otherwise says plainly
that it does not know and offers the closest topics. Greetings, thanks and requests for help get
a short note about what the bot can answer, never a random passage. The Answer and its wording
are `answers.py`'s, the topics offered `topics.py`'s.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bot import messages
from bot.answering import chat
from bot.answering import tuning as tuning_file
from bot.answering.answers import Answer, Outcome, giving, offering
from bot.answering.confidence import Confidence, Decision, answers_the_kind
from bot.answering.questions import questions_in
from bot.answering.topics import HELP_TOPICS, clipped, help_topics, is_frame
from bot.catalogue import counted
from bot.knowledge import PACKAGED_SEED, KnowledgeBase, Passage, shown
from bot.search import (
    MAX_QUESTION_CHARS,
    QUESTION_WORDS,
    Index,
    Ranked,
    Ranking,
    Synonyms,
    cache_folder,
    load,
    normalize,
    only_addresses,
)

log = logging.getLogger(__name__)


def _default_knowledge() -> Path:
    """The project's knowledge/ folder in a checkout (or an editable install); else the copy that `pip install .`
    ships inside the package as `bot/seed` (see pyproject.toml), so that an installed `qabot chat` has knowledge."""
    checkout = Path(__file__).resolve().parents[2] / "knowledge"
    return checkout if checkout.is_dir() else PACKAGED_SEED


DEFAULT_KNOWLEDGE = _default_knowledge()
QUOTED_CHARS = 60  # of a member's question not answered, quoted in the reply: enough to tell which it was


@dataclass
class _Memo:
    """What an Answerer keeps, worked out for one knowledge base, index and rule (see `Answerer._memo`)."""

    kb: KnowledgeBase
    index: Index
    confidence: Confidence
    topics: dict[int, tuple[list[str], int]] = field(default_factory=dict)  # the help's, by their limit
    answers: dict[str, bool] = field(default_factory=dict)  # whether a section asked as written is answered
    terms: dict[str, frozenset[str]] = field(default_factory=dict)  # an alternate question's, as analysed

    def serves(self, answerer: Answerer) -> bool:
        """Whether it was worked out for what `answerer` has now (the very objects: comparing
        knowledge bases would read every passage)."""
        return self.kb is answerer.kb and self.index is answerer.index and self.confidence is answerer.confidence


class Answerer:
    """Answers questions from one knowledge base; safe to share between platforms and tasks."""

    def __init__(
        self,
        kb: KnowledgeBase,
        syns: Synonyms | None = None,
        *,
        ranking: Ranking | None = None,
        confidence: Confidence | None = None,
    ):
        self.kb = kb
        self.index = Index(kb, syns or Synonyms(), ranking)
        self.confidence = confidence or Confidence()

    @classmethod
    def from_directory(
        cls,
        directory: str | Path = DEFAULT_KNOWLEDGE,
        *,
        ranking: Ranking | None = None,
        confidence: Confidence | None = None,
        workers: int | None = None,
        cache: Path | None = None,
        time_limit: float | None = None,
        empty: bool = False,
    ) -> Answerer:
        """Load the knowledge folder (and its optional synonyms.yaml and settings.yaml, see `tuning.py`;
        `ranking` and `confidence` override the latter); raises KnowledgeError.
        `workers`: processes that read a large folder (see `bot.search.load`); `cache`: the folder
        of read files kept for the next start (`bot.search.cache`; None: $QABOT_CACHE, if set);
        `time_limit`: seconds after which loading gives up (see `bot.search.load`); `empty`: a folder
        of no knowledge files yet answers nothing, instead of raising."""
        tuning = tuning_file.load(Path(directory))
        new = object.__new__(cls)
        cache = cache if cache is not None else cache_folder()
        ranking = ranking or tuning.ranking
        new.index = load(Path(directory), ranking, workers=workers, cache=cache, time_limit=time_limit, empty=empty)
        new.kb = new.index.kb
        new.confidence = confidence or tuning.confidence
        return new

    def with_added(self, *passages: Passage) -> Answerer:
        """This answerer with `passages` added, as if loaded with them, without reloading anything
        (see `Index.with_added`); raises ValueError if an id is taken. This one is left as it was."""
        new = copy.copy(self)
        new.index = self.index.with_added(*passages)
        new.kb = new.index.kb
        return new

    def answer(self, question: str) -> Answer:
        """Answer `question`; never raises on any string. A message of several questions gets an
        answer for each that is answered ("where is the venue? and is there wifi?"), and for each
        that is not, when another is, the fallback that says which one is not (see `questions.py`).
        The answer is the first of them; `also` holds the rest."""
        lines = _cut(question)  # its line breaks kept, for telling its questions apart
        if "\n" in lines and not self._chatting(lines.replace("\n", " ")):  # "Thanks!" over "That worked" thanks
            lines = chat.without_chat_lines(lines, self._chatting)  # "Hello!" over the questions, "Thanks, Ann" under
        whole = self._answer(lines.replace("\n", " "))
        if whole.outcome not in (Outcome.ANSWERED, Outcome.FALLBACK):
            return whole
        parts = questions_in(lines, self._says_enough)
        if not parts:
            return whole
        answers = [self._answer(part) for part in parts]
        given = {a.passage_id for a in answers if a.outcome is Outcome.ANSWERED}
        replies: list[Answer] = []
        for part, answer in zip(parts, answers, strict=True):
            if answer.outcome is Outcome.ANSWERED and answer.passage_id in given:
                given.discard(answer.passage_id)  # two parts answered by one passage: it is sent once
                replies.append(dataclasses.replace(answer, asked=part))
            elif answer.outcome is Outcome.FALLBACK:
                said = messages.not_known(clipped(part, QUOTED_CHARS), answer.text)  # a member's words, cut short
                replies.append(dataclasses.replace(answer, asked=part, text=said))
        # A part not answered that the answers speak to ("... any idea how to fix it?") is no question of its own.
        given_passages = [p for r in replies if r.passage_id and (p := self.kb.get(r.passage_id)) is not None]
        replies = [r for r in replies if not (r.fallback and self.index.held_by(r.terms, given_passages) >= 0.5)]
        if not given_passages or (len(replies) == 1 and whole.outcome is Outcome.ANSWERED):
            return whole  # no part is answered alone, or the message asks one thing after all
        sent = {r.passage_id for r in replies}  # "Read on ▸" to a passage another reply sends says it twice
        replies = [
            dataclasses.replace(r, read_on=None) if r.read_on and r.read_on.passage_id in sent else r for r in replies
        ]
        return dataclasses.replace(replies[0], also=tuple(replies[1:]))

    def _says_enough(self, part: str) -> bool:
        """True for a part of a message that can be answered alone: three words or more, and a term
        besides question words ("is there wifi?", "what about the US?"; not "why?", nor "China?"
        after "where do they go?", which asks the first part again). A reviewer's two-term rule for
        the later parts lost more questions than it saved ("...? who is yeonmi park?", one term)."""
        return len(chat.WORD.findall(part)) >= 3 and any(t not in QUESTION_WORDS for t in self.index.analyze(part))

    def _answer(self, question: str) -> Answer:
        """The answer to one question, already cut."""
        said = chat.kind(question)  # an emoji alone too: a reaction
        no_words = said is None and not chat.WORD.search(question)
        if no_words and (not any(ch.isdigit() for ch in question) or _DATE.fullmatch(question)):  # "12/03/2024" too
            return Answer(text=self.help_text(), outcome=Outcome.EMPTY)
        if only_addresses(question):  # a video's link sent alone got a passage holding a word of its address
            return Answer(text=messages.say(messages.LINK_ALONE), outcome=Outcome.EMPTY)
        note = self._note(question, said)
        if note is not None:
            return Answer(text=note(), outcome=Outcome.SMALL_TALK)
        question = chat.without_greeting(question)
        terms = self.index.analyze(question)
        ranked = self.index.rank(terms, question=question)
        decision = Decision.DECLINE
        if ranked:
            unknown = partial(self.index.unknown_names, question)
            decision = self.confidence.decide(question, ranked[0], len(self.kb), unknown)
        if decision is not Decision.DECLINE:
            hedged = decision is Decision.HEDGE
            return self.answered(ranked[0], hedged=hedged, terms=tuple(terms) if hedged else ())
        return offering(self.index, ranked, tuple(terms))

    def _note(self, text: str, said: chat.Kind | None) -> Callable[[], str] | None:
        """The note `_answer` gives chat of kind `said` instead of a passage (made when called), or None
        for a question: thanks, banter, an upset emoji (no cheerful 😄 for a 😡), help, or a greeting
        that names no topic."""
        if said is chat.Kind.THANKS:
            return partial(messages.say, messages.WELCOME)
        if said is chat.Kind.BANTER:
            return partial(messages.say, messages.BANTER)
        if said is chat.Kind.UPSET:
            return partial(messages.say, messages.ASK_ANY_TIME)
        if said is chat.Kind.SMALL_TALK or (said is chat.Kind.GREETING and not self._names_a_topic(text)):
            return self.help_text
        return None

    def _chatting(self, text: str) -> bool:
        """True for a line of chat: one `_answer` would give a note and no passage (see `_note`)."""
        return self._note(text, chat.kind(text)) is not None

    def _names_a_topic(self, greeting: str) -> bool:
        """True when a greeting's words are the knowledge base's ("hello, refund policy": a
        question); "good morning from berlin 👋" was answered "Sorry, I don't know that one"."""
        return any(self.index.knows(t) for t in self.index.analyze(greeting))

    def candidate(self, question: str) -> Ranked | None:
        """The passage `answer` would weigh for `question`, whatever the confidence rule says; None
        for small talk, nothing to rank, or a passage that gives another kind of thing than asked."""
        question = cut(question)
        if not chat.WORD.search(question) or chat.is_small_talk(question):
            return None
        question = chat.without_greeting(question)
        ranked = self.index.rank(self.index.analyze(question), top=2, question=question)
        best = ranked[0] if ranked else None
        return best if best is not None and (best.listed or answers_the_kind(question, best.passage)) else None

    def find(self, words: str, limit: int = 5) -> list[Passage]:
        """The passage whose id `words` is, or the first whose ids begin with them ("getting-here"
        of getting-here-1, -2, ...), then those that match `words` best, at most `limit` (for a
        moderator looking for a passage's id)."""
        typed = words.strip().casefold()  # ids are lower case; a phone capitalizes
        named = self.kb.get(typed)
        found = [named] if named is not None else []
        if named is None and len(typed) >= 3 and " " not in typed:
            found = [p for p in self.kb if p.id.startswith(typed)][:limit]
        if len(found) >= limit:  # the id named them all (`kb gaps` asks whether a chosen id is live)
            return found
        ranked = self.index.rank(self.index.analyze(words), top=limit)
        found += [r.passage for r in ranked if r.matched > 0 and r.passage not in found]
        return found[:limit]

    def completions(self, typed: str, limit: int = 25) -> list[str]:
        """Questions to ask, for a member still typing one (Discord's autocomplete of /ask): for
        each passage that matches what is typed so far, best first, its closest alternate question
        and its section, then the passages' other alternate questions; with nothing typed yet, the
        topics the help lists. Each is one the bot answers when asked: a heading whose passages the
        rule declines is not offered. The word being typed counts as the words it begins ("refug":
        refugees), since Discord asks at every keystroke."""
        terms = self._typed_terms(typed)
        if not terms:
            topics, _ = self._help_topics(4 * limit)  # a few more, for those the rule would decline
            return [topic for topic in topics if self._answers(topic)][:limit]
        wanted = set(terms)
        first: list[str] = []  # each passage's closest alternate question, and its section
        rest: list[str] = []  # its other alternate questions
        for ranked in self.index.rank(terms, top=max(1, limit // 2)):  # two wordings a passage, at most
            if ranked.matched <= 0:
                continue
            passage = ranked.passage
            asked = sorted(passage.questions, key=lambda q: -len(wanted & self._terms_of(q)))
            section = () if is_frame(passage.section) or passage.section in passage.questions else (passage.section,)
            first += [*asked[:1], *(s for s in section if self._answers(s))]
            rest += asked[1:]
        found: dict[str, str] = {}  # one of each wording, whatever its case and spacing
        for label in [*first, *rest]:
            found.setdefault(" ".join(label.casefold().split()), label)
        return list(found.values())[:limit]

    def _typed_terms(self, typed: str) -> list[str]:
        """The terms of what is typed so far, the last word also as the words it begins when the
        member has not finished it (no space after it yet)."""
        words = chat.WORD.findall(typed)
        if not words or typed[-1:].isspace() or not typed.rstrip().endswith(words[-1]):
            return self.index.analyze(typed)
        head = typed[: typed.rstrip().rfind(words[-1])]
        found = [*self.index.analyze(head), *self.index.analyze(words[-1]), *self.index.beginning(words[-1])]
        return list(dict.fromkeys(found))

    def _answers(self, section: str) -> bool:
        """Whether a section asked as it is written would be answered: worked out once per section
        and version of the knowledge and the rule (Discord asks for completions at every keystroke)."""
        answers = self._memo().answers
        if section not in answers:
            answers[section] = self._answer(cut(section)).outcome is Outcome.ANSWERED
        return answers[section]

    def _terms_of(self, question: str) -> frozenset[str]:
        """An alternate question's terms, analysed once per version (not at each keystroke)."""
        terms = self._memo().terms
        if question not in terms:
            terms[question] = frozenset(self.index.analyze(question))
        return terms[question]

    def _memo(self) -> _Memo:
        """What this answerer works out once and keeps (the help's topics, which sections it answers),
        for the knowledge, index and rule it has: a new one when any of them changed (`with_added`,
        `from_directory`, a calibrated rule set on it)."""
        memo: _Memo | None = self.__dict__.get("_kept")
        if memo is None or not memo.serves(self):
            memo = self._kept = _Memo(self.kb, self.index, self.confidence)
        return memo

    def search(self, words: str, limit: int = 5) -> list[Answer]:
        """The passages that match `words` best, at most `limit`, each as the Answer that gives it
        (Telegram's inline mode: a member picks one to send into any chat). A search, not a question:
        no confidence rule, no gaps; nothing for words the knowledge base does not hold."""
        terms = self.index.analyze(words)
        ranked = self.index.rank(terms, top=limit, question=words) if terms else []
        return [self.answered(r) for r in ranked if r.matched > 0]

    def answer_passage(self, passage_id: str) -> Answer | None:
        """The Answer for one passage by id (a pressed suggestion), or None if it is gone."""
        passage = self.kb.get(passage_id)
        if passage is None:
            return None
        return self.answered(Ranked(passage, score=0.0, coverage=1.0))

    def summary(self) -> str:
        """One line about what is loaded, as `kb check` and `doctor` print it."""
        kb = self.kb
        counts = (
            (len(kb), "passage"),
            (len(kb.files), "file"),
            (len(kb.sections()), "section"),
            (sum(len(p.questions) for p in kb), "alternate question"),
            (len(self.index.synonyms.rewrites), "synonym phrase"),
        )
        said = [counted(count, noun) for count, noun in counts]  # "1 passages" had read oddly
        return f"{said[0]} in {said[1]}, {', '.join(said[2:])}"

    def help_text(self) -> str:
        listed, more = self._help_topics(HELP_TOPICS)
        return messages.help_text((shown(s.title) for s in self.kb.sources()), listed, more)

    def _help_topics(self, limit: int) -> tuple[list[str], int]:
        """`help_topics` of this knowledge, worked out once per version and limit: every greeting gets
        the help, and reading every section for it took 4 ms at 100,000 passages (45 before the
        sections were kept per source)."""
        topics = self._memo().topics
        if limit not in topics:
            topics[limit] = help_topics([sections for _, sections in self.kb.sections_by_source], limit)
        listed, more = topics[limit]
        return list(listed), more

    def source_lines(self) -> list[str]:
        """A line for each source, as /sources lists them (title and publisher cut as citations cut them)."""
        return [
            messages.source_line(shown(s.title), s.publisher and shown(s.publisher), s.url) for s in self.kb.sources()
        ]

    def answered(self, best: Ranked, *, hedged: bool = False, terms: tuple[str, ...] = ()) -> Answer:
        """The Answer that replies with `best`'s passage (`hedged`: saying it may not answer exactly that;
        `terms`: the question as analysed, kept for a hedged answer)."""
        return giving(best, self.kb.following(best.passage.id), hedged=hedged, terms=terms)


# A date alone ("12/03/2024", "2024-03-12"): no path, nor a question about its numbers (the seed's
# "December 12" had answered it).
_DATE = re.compile(r"\s*\d{1,4}([./-])\d{1,2}\1\d{1,4}[\s.!?]*")

# Markup pasted into a question ("<b>flee</b>"): the tags are not words of the question.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,10}(?:\s[^<>]{0,200})?/?>")


# Whom a message is addressed to: a bot, anywhere ("hello @HomebrewBot what can you do?"; a
# Telegram bot's name ends in "bot"), or anyone at its start with a comma or colon ("@alice, ..."): not a
# word of the question (a name no passage has weighs the most, and the greeting, thanks or help
# after it was read as a question). "@media print" and "@Override" are what is asked about.
_ADDRESSED = re.compile(r"^\s*(?:@\w{1,64}[,:](?:\s+|$))+|(?<![\w@])@\w{0,60}bot\b[,:]?", re.IGNORECASE)


def cut(question: str) -> str:
    """The part of a question the bot reads: normalized, without markup tags or the mention that
    addresses it, at most MAX_QUESTION_CHARS (a flood says nothing more), on one line."""
    return _cut(question).replace("\n", " ")


def _cut(question: str) -> str:
    """`cut`'s text, its line breaks kept (`questions.py` reads a line written as a question as a
    question of its own); every other control character a space, as `normalize` makes it."""
    text = _TAG.sub(" ", str(question)[: MAX_QUESTION_CHARS * 4])
    lines = "\n".join(normalize(line) for line in text.split("\n"))
    return _ADDRESSED.sub(" ", lines)[:MAX_QUESTION_CHARS].strip()
