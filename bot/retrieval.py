"""Ranking passages for a question with BM25.

Each passage is one BM25 document made of its section, its text and its alternate questions.
Alternate questions are written the way people ask, so a question asked in other words than the
article's still finds its passage. Synonyms are folded on both sides before anything is counted.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from bot.knowledge import KnowledgeBase, Passage
from bot.spelling import Speller
from bot.synonyms import Synonyms
from bot.text import QUESTION_WORDS, is_cjk, words

VARIANTS = {"okapi": BM25Okapi, "plus": BM25Plus, "l": BM25L}


@dataclass(frozen=True)
class Ranking:
    """Settings of the ranker; the defaults are the ones measured best on the transcripts."""

    variant: str = "plus"
    k1: float = 1.2
    b: float = 0.75
    question_weight: int = 1  # how many times each alternate question is counted


@dataclass(frozen=True)
class Ranked:
    """A passage with its BM25 score and how much of the question it covers (0..1)."""

    passage: Passage
    score: float
    coverage: float


def passage_tokens(passage: Passage, synonyms: Synonyms, question_weight: int = 1) -> list[str]:
    """The terms a passage is indexed under."""
    tokens = synonyms.terms(passage.section) + synonyms.terms(passage.text)
    for question in passage.questions:
        tokens += synonyms.terms(question) * question_weight
    return tokens


class Index:
    """A BM25 index over a knowledge base; built once, then only read."""

    def __init__(self, kb: KnowledgeBase, synonyms: Synonyms, ranking: Ranking | None = None):
        self.kb = kb
        self.synonyms = synonyms
        self.ranking = ranking or Ranking()
        docs = [passage_tokens(p, synonyms, self.ranking.question_weight) for p in kb]
        self._terms = [frozenset(doc) for doc in docs]
        frequency = Counter(term for doc in self._terms for term in doc)
        vocabulary = set(frequency)
        self._bm25 = VARIANTS[self.ranking.variant](docs, k1=self.ranking.k1, b=self.ranking.b)
        n = len(docs)
        # Weight of a term in coverage: plain inverse document frequency, never negative, and the
        # same high weight for a term no passage has (the question asks about something unknown).
        self._weight = {t: math.log((n + 1) / (f + 0.5)) for t, f in frequency.items()}
        self._unknown_weight = math.log((n + 1) / 0.5)
        # An unknown character bigram of Korean, Chinese or Japanese is mostly a grammatical
        # ending or a pair across two words, not a topic: it weighs like a very common term.
        self._unknown_cjk_weight = math.log((n + 1) / (n / 2 + 0.5))
        surface = [w for p in kb for w in words(f"{p.section} {p.text} {' '.join(p.questions)}")]
        self._speller = Speller(surface, vocabulary | synonyms.known())

    def analyze(self, question: str) -> list[str]:
        """The terms of a question, spelling corrected and synonyms folded."""
        return self.synonyms.terms(question, correct=self._speller)

    def rank(self, terms: Sequence[str], top: int = 3) -> list[Ranked]:
        """The `top` best passages for the question terms, best first (empty if no terms)."""
        if not terms or not self.kb.passages:
            return []
        scores = self._bm25.get_scores(list(terms))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:top]
        return [Ranked(self.kb.passages[i], float(scores[i]), self.coverage(terms, i)) for i in order]

    def coverage(self, terms: Sequence[str], doc: int) -> float:
        """Share of the question's weight whose terms the passage holds."""
        weights = {t: self._term_weight(t) for t in set(terms) - QUESTION_WORDS}
        total = sum(weights.values())
        held = sum(w for t, w in weights.items() if t in self._terms[doc])
        return held / total if total else 0.0

    def _term_weight(self, term: str) -> float:
        weight = self._weight.get(term)
        if weight is not None:
            return weight
        return self._unknown_cjk_weight if is_cjk(term) else self._unknown_weight
