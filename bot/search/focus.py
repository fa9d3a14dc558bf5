"""The focus: how much of a question one sentence of a passage holds, and the order it gives BM25's best.

A question is mostly written about one sentence; a passage that holds its words scattered is less likely
the one (`Ranking.focus`). Here a question's terms are weighed as coverage weighs them (plain inverse
document frequency), the terms of each sentence and alternate question of a passage are read once and
remembered, and the passages BM25 put first get their order keys (see `Index.rank`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

from bot.knowledge import Passage
from bot.search import text
from bot.search.scoring import Floats, Scorer
from bot.search.sentences import split_sentences
from bot.search.stemming import QUESTION_WORDS
from bot.search.synonyms import Synonyms
from bot.search.text import is_cjk

UNIT_MEMO = 4096  # passages whose sentences' terms are remembered (about 3 KB each), read when first ranked first


class Weights(dict[str, float]):
    """A question's terms and their weights in coverage, with their sum, worked out once a question."""

    def __init__(self, weights: Mapping[str, float]):
        super().__init__(weights)
        self.total = sum(weights.values())


class Focus:
    """A question's terms weighed as coverage weighs them, and the terms of each sentence of the passages,
    remembered: what an Index reads to order its best passages and to tell how much of a question they hold."""

    def __init__(
        self,
        scorer: Scorer,
        synonyms: Synonyms,
        size: int,
        units: dict[tuple[str, str, tuple[str, ...]], tuple[frozenset[str], ...]] | None = None,
    ):
        """For an index of `size` passages scored by `scorer`; `units`: the sentences read so far, kept."""
        self._scorer = scorer
        self._synonyms = synonyms
        self._unit_memo = {} if units is None else units
        self._n_weight = size
        # Weight of a term in coverage: plain inverse document frequency, never negative, and the
        # same high weight for a term no passage has (the question asks about something unknown).
        self._unknown_weight = math.log((size + 1) / 0.5)
        # An unknown character bigram of Korean, Chinese or Japanese is mostly a grammatical
        # ending or a pair across two words, not a topic: it weighs like a very common term.
        self._unknown_cjk_weight = math.log((size + 1) / (size / 2 + 0.5))

    def extended(self, scorer: Scorer, size: int) -> Focus:
        """The focus of the index with passages added: its weights anew, the sentences read so far kept."""
        return Focus(scorer, self._synonyms, size, self._unit_memo)

    def keys(
        self,
        asked: Weights,
        matched: Floats,
        chosen: list[int],
        weight: float,
        coverage: Callable[[int], float],
        passages: Sequence[Passage],
    ) -> tuple[list[float], list[float]]:
        """Each chosen passage's order key (its score as a share of the best, plus `weight` times its
        focus) and its focus. The focus is read for the first passage, and after it only for a passage
        that could still take the first place: its share plus `weight` times its coverage (the focus
        is never more: a sentence holds at most what its passage holds) above the best key so far.
        A passage left unread keeps that bound as its key (so the margin over it is never overstated;
        it is the margin over the runner-up's best possible key, not over its key) and a focus of 0.
        Mostly one passage is read: a cold read tokenizes its sentences. With `weight` 0 none is."""
        first = float(matched[chosen[0]])
        scale = 1.0 / first if first > 0 else 0.0
        keys: list[float] = []
        focus: list[float] = []
        best = -math.inf
        for at, i in enumerate(chosen):
            share = float(matched[i]) * scale
            bound = share + weight * coverage(i) if at and weight else share
            read = weight > 0 and (at == 0 or bound > best)
            f = self.focus(asked, passages[i]) if read else 0.0
            key = share + weight * f if read else bound
            keys.append(key)
            focus.append(f)
            best = max(best, key)
        return keys, focus

    def focus(self, asked: Mapping[str, float], passage: Passage) -> float:
        """The largest share of the question's weight that one sentence or alternate question holds."""
        asked = asked if isinstance(asked, Weights) else Weights(asked)
        if not asked.total:
            return 0.0
        held = (sum(w for t, w in asked.items() if t in unit) for unit in self.units(passage))
        return max(held, default=0.0) / asked.total

    def held_by(self, terms: Sequence[str], passages: Iterable[Passage]) -> float:
        """The share of the weight of `terms` (question words aside; a term no passage knows weighs
        the most) that `passages` hold together, as the coverage weighs it; 1.0 for no such term."""
        asked = self.weights(terms)
        total = sum(asked.values())
        if not total:
            return 1.0
        units = frozenset().union(*(unit for passage in passages for unit in self.units(passage)))
        return sum(w for t, w in asked.items() if t in units) / total

    def best_sentence(self, terms: Sequence[str], passage: Passage) -> str:
        """The sentence of `passage` that holds the most of the question's weight (the first of
        those that hold as much), to show which part of a passage a question matched; one of words,
        never a list's bare number ("3." of a how-to's steps, which "a 3d printer" matched)."""
        sentences = split_sentences(passage.text)
        if not sentences:
            return passage.text
        asked = self.weights(terms)
        held = [sum(w for t, w in asked.items() if t in unit) for unit in self.units(passage)[: len(sentences)]]
        worded = [i for i, sentence in enumerate(sentences) if any(ch.isalpha() for ch in sentence)]
        return sentences[max(worded or range(len(sentences)), key=lambda i: (held[i], -i))]

    def units(self, passage: Passage) -> tuple[frozenset[str], ...]:
        """The terms of each sentence and each alternate question of a passage, remembered."""
        key = (passage.id, passage.text, passage.questions)
        found = self._unit_memo.get(key)
        if found is None:
            pieces = [*split_sentences(passage.text), *passage.questions]
            # as the index reads them: "wifi" of "Wi-Fi" too, folded as a synonym
            found = tuple(frozenset(self._synonyms.fold(text.tokenize(p, keep_stop=True, joined=True))) for p in pieces)
            if len(self._unit_memo) >= UNIT_MEMO:
                self._unit_memo.clear()
            self._unit_memo[key] = found
        return found

    def weights(self, terms: Sequence[str]) -> dict[str, float]:
        return {t: self._term_weight(t) for t in set(terms) - QUESTION_WORDS}

    def match(self, asked: Weights, doc: int) -> tuple[float, float]:
        """The share of the question's weight the passage holds, and the largest share one term
        it does not hold carries."""
        if not asked.total:
            return 0.0, 0.0
        held = lacking = 0.0
        for term, weight in asked.items():
            if self._scorer.holds(term, doc):
                held += weight
            else:
                lacking = max(lacking, weight)
        return held / asked.total, lacking / asked.total

    def _term_weight(self, term: str) -> float:
        frequency = self._scorer.document_frequency(term)
        if frequency:
            return math.log((self._n_weight + 1) / (frequency + 0.5))
        if term[:1].isdigit():  # a number no passage has ("... in 2024") must not veto a match
            return 0.0  # (it costs 2 of 37 near misses declined on the blind generalization set)
        return self._unknown_cjk_weight if is_cjk(term) else self._unknown_weight
