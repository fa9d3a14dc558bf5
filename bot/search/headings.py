"""What a passage's place says beside its text: the heading it stands under and its source's title.

    Headings   the passages of each section by its wording, for a question asked in a heading's words
    Titles     each passage's source title, a weak field of the order (`Ranking.title`)

Both are frozen, built with the index and extended for added passages only (`Index.with_added`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from bot.knowledge import Passage
from bot.search import text
from bot.search.scoring import Floats, Int32s
from bot.search.stemming import QUESTION_WORDS
from bot.search.synonyms import Synonyms

# A heading's terms name its topic for a question of those terms only from two on: one word is a
# subject, not a question ("What is hiking?" is not asked by a club's "Hikes", whose first passage
# says when they meet).
TOPIC_TERMS = 2


def wording_of(question: str) -> tuple[str, ...]:
    """A question's words in order, stop words and question words kept, each as tokenized (case,
    punctuation, plural and tense aside; "u" is "you"): "when do u hike" and "When do you hike?"
    are one wording, "What is hiking?" and "Do I have to like hiking?" two."""
    return tuple(text.tokenize(question, keep_stop=True))


# A heading's number, which no one asks with: "Step 1: Install Homebrew", "2.3 Upgrading", "Part II -".
_NUMBERING = re.compile(
    r"^\s*(?:(?:step|part|stage|phase|chapter|section|lesson|appendix)\s+[\w.]{1,5}|\d{1,3}(?:\.\d{1,3})*)"
    r"\s*[:.)\-–—]?\s+(?=\S)",
    re.IGNORECASE,
)


def unnumbered(heading: str) -> str:
    """A heading without the number that orders it ("Install Homebrew" of "Step 1: Install Homebrew"):
    "how do I install Homebrew" was declined while "Step 1: Install Homebrew" was answered."""
    return _NUMBERING.sub("", heading, count=1)


def home_of(passage: Passage) -> tuple[str, str]:
    """The section a passage stands in, and its source's title (two articles have an "Introduction")."""
    return passage.section, passage.source.title


@dataclass(frozen=True)
class Headings:
    """The first passage of each section by the section's wording (`wording_of`), for a question
    asked in the words of a section ("Is Shutterbox free?" of an imported FAQ): the page says which
    passages answer it. A wording that two sections share says nothing, and is kept as such
    (`home` None): an "Introduction" in each of two articles, or the "### Fixed" of every release
    in one changelog (a section's passages follow one another; these do not)."""

    # wording -> the section's home (None: two sections have it), its first and its last passage
    sections: Mapping[tuple[str, ...], tuple[tuple[str, str] | None, int, int]] = field(default_factory=dict)
    # the same by the heading's terms (`Synonyms.terms`: stop words dropped, synonyms folded)
    topics: Mapping[frozenset[str], tuple[tuple[str, str] | None, int, int]] = field(default_factory=dict)
    titled: frozenset[str] = frozenset()  # the sources whose title heads a passage already

    def with_passages(self, passages: Sequence[Passage], first: int, synonyms: Synonyms) -> Headings:
        """These headings with `passages` (numbered from `first` in the index) added. A source's title
        heads its first passage too: the page's lead, under its title ("how do i create a bot
        account" of a page titled "Creating a Bot Account", whose steps come before any heading)."""
        sections, topics, titled = dict(self.sections), dict(self.topics), set(self.titled)
        read: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
        for at, passage in enumerate(passages, first):
            headings = [passage.section]
            if passage.source.title not in titled:
                titled.add(passage.source.title)
                headings.append(passage.source.title)
            placed: set[object] = set()  # a section named as its source is placed once
            for heading in headings:
                keys = read.get(heading)
                if keys is None:
                    said = wording_of(unnumbered(heading))  # its tokens, stop words kept: as `terms` reads them
                    keys = read[heading] = (said, frozenset(synonyms.fold(said)))
                said, about = keys
                if said and said not in placed:
                    _place(sections, said, passage, at)
                if len(about) >= TOPIC_TERMS and about not in placed:
                    _place(topics, about, passage, at)
                placed.update(keys)
        return Headings(sections, topics, frozenset(titled))

    def first(self, said: tuple[str, ...], about: frozenset[str] = frozenset()) -> int | None:
        """The first passage of the one section worded `said`, or else of the one whose heading's
        terms are the question's terms `about` ("uninstall homebrew" of "How do I uninstall
        Homebrew?", "what is tap trust" of "Tap trust"), or None. Under a question the first
        paragraph answers it, the rest adds to it: the one of them that scored best, a note that
        repeats the heading's words, was the wrong one ("How many Debian distributions are there?")."""
        home, start, _ = self.sections.get(said, (None, 0, 0))
        if home is None and about:
            home, start, _ = self.topics.get(about, (None, 0, 0))
        return start if home is not None else None


Key = TypeVar("Key")


def _place(found: dict[Key, tuple[tuple[str, str] | None, int, int]], key: Key, passage: Passage, at: int) -> None:
    """`passage` (at `at` in the index) placed under its section's `key`: a key whose passages do
    not follow one another in one home is no one section's (home None)."""
    home, start, last = found.get(key, (home_of(passage), at, at - 1))
    alone = home is not None and home == home_of(passage) and last == at - 1
    found[key] = (home if alone else None, start, at)


@dataclass(frozen=True)
class Titles:
    """The sources' titles as a weak field of every passage (`Ranking.title`): each passage's title,
    which titles hold each term, and in how many passages' titles each term is."""

    title_of: Int32s = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  # per passage: its title's number
    numbers: Mapping[str, int] = field(default_factory=dict)  # title -> its number
    terms: tuple[tuple[str, ...], ...] = ()  # each title's terms, by number
    holding: Mapping[str, Int32s] = field(default_factory=dict)  # term -> the numbers of the titles holding it
    passages: Mapping[str, int] = field(default_factory=dict)  # term -> passages whose title holds it

    def with_passages(self, added: Sequence[Passage], synonyms: Synonyms) -> Titles:
        """These titles with `added` passages appended (a pass over them only: `Index.with_added`)."""
        numbers, terms = dict(self.numbers), list(self.terms)
        new: dict[str, list[int]] = {}  # term -> the new titles that hold it
        mine = np.empty(len(added), dtype=np.int32)
        for at, passage in enumerate(added):
            number = numbers.get(passage.source.title)
            if number is None:
                number = numbers[passage.source.title] = len(terms)
                terms.append(tuple(dict.fromkeys(synonyms.fold(text.read(passage.source.title)[0]))))
                for term in terms[number]:
                    new.setdefault(term, []).append(number)
            mine[at] = number
        holding = dict(self.holding)
        for term, found in new.items():
            holding[term] = np.concatenate(
                [self.holding.get(term, np.zeros(0, dtype=np.int32)), np.array(found, dtype=np.int32)]
            )
        passages = dict(self.passages)
        for held, count in zip(terms, np.bincount(mine, minlength=len(terms)).tolist(), strict=True):
            for term in held if count else ():
                passages[term] = passages.get(term, 0) + count
        return Titles(np.concatenate([self.title_of, mine]), numbers, tuple(terms), holding, passages)

    def ordered(self, matched: Floats, terms: Sequence[str], weight: float) -> Floats:
        """The passages' scores for their order: `matched`, and for each passage `weight` times the
        idf of the question's terms its title holds (`matched` itself when no title holds one, or
        every title does: a knowledge base of one source is ranked as before). One numpy step over
        the passages, whatever the number of titles."""
        total = len(self.title_of)
        held = [t for t in set(terms) - QUESTION_WORDS if 0 < self.passages.get(t, 0) < total]
        if not weight or not held:
            return matched
        bonus = np.zeros(len(self.terms))
        for term in held:
            bonus[self.holding[term]] += weight * math.log(total / self.passages[term])
        return matched + bonus[self.title_of]


def listed(
    passages: Sequence[Passage], first: int, known: Mapping[tuple[str, ...], tuple[int, ...]] | None = None
) -> dict[tuple[str, ...], tuple[int, ...]]:
    """Each wording of a passage's alternate question (`wording_of`) and the passages (numbered from
    `first`, after those of `known`) that list it: a question worded as one is answered with its
    passage however far BM25 ranks it ("what's a tap?", aliased by a moderator, was still declined:
    its passage was not among the best five)."""
    found = dict(known or {})
    for at, passage in enumerate(passages, first):
        for said in {wording_of(question) for question in passage.questions}:
            found[said] = (*found.get(said, ()), at)
    return found
