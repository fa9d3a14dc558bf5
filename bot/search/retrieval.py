"""Ranking passages for a question with BM25: the Index.

Each passage is one BM25 document made of its section, its text and its alternate questions
(`bot.search.documents`). Alternate questions are written the way people ask, so a question asked
in other words than the article's still finds its passage. Synonyms are folded on both sides before
anything is counted. Scores are rank-bm25's, computed from precomputed sparse weights (see
`bot.search.scoring`); the best few are then ordered by their focus (`bot.search.focus`). The
ranker's settings and what it gives for each passage are `bot.search.ranking`'s; the names a
question asks about, `bot.search.names`'.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from bot.knowledge import KnowledgeBase, Passage
from bot.search import names, pasted, text
from bot.search.documents import count, documents_of, query_terms
from bot.search.focus import Focus, Weights
from bot.search.headings import Headings, Titles, home_of, listed, wording_of
from bot.search.ranking import RERANK, RIVALS, Ranked, Ranking
from bot.search.scoring import Floats, Scorer
from bot.search.spelling import Speller
from bot.search.synonyms import Synonyms


def _same_text(one: Passage, other: Passage) -> bool:
    """Whether two passages say the same, word for word (spacing and case aside); texts of other
    lengths are told apart without reading them."""
    if abs(len(one.text) - len(other.text)) > 8:
        return False
    return one.text == other.text or one.text.casefold().split() == other.text.casefold().split()


def _inserted(words: list[str], new: Iterable[str]) -> list[str]:
    """`words` (sorted) with `new` put in place: a copy in one C call, and a few insertions."""
    found = list(words)
    for word in sorted(new):
        bisect.insort(found, word)
    return found


MAX_BEGUN = 50_000  # words a word being typed is read as at most (`Index.beginning`)


class Index:
    """A BM25 index over a knowledge base; built once, then only read (`with_added` makes a new one)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        synonyms: Synonyms,
        ranking: Ranking | None = None,
        *,
        built: tuple[Scorer, Counter[str], dict[str, str]] | None = None,
    ):
        """Index `kb`; `built` is its scorer, its words (see `count`) and the spelling table of
        `spelled_words` (see `bot.search.spelling.file_words`), when the caller has made them."""
        self.kb = kb
        self.synonyms = synonyms
        self.ranking = ranking or Ranking()
        table: dict[str, str] | None = None
        if built is None:
            counts, self._surface = count(kb.passages, synonyms, self.ranking.question_weight)
            self._scorer = self.ranking.scorer([counts])
        else:
            self._scorer, self._surface, table = built
        self._phrase_words = frozenset(synonyms.known())
        known = self._scorer.vocabulary.keys() | self._phrase_words
        self._speller = Speller(spelled_words(self._surface, synonyms), known, table=table)
        self._ids = frozenset(p.id for p in kb)
        self._written: list[str] | None = None  # the passages' words, sorted, made when first needed
        self._headings = Headings().with_passages(kb.passages, 0, self.synonyms)
        self._listed: dict[tuple[str, ...], tuple[int, ...]] = listed(kb.passages, 0)
        self._titles = Titles().with_passages(kb.passages, synonyms)
        self._focus = Focus(self._scorer, synonyms, len(kb))

    def with_added(self, *passages: Passage) -> Index:
        """This index with `passages` appended, as if built from scratch, in a fraction of the time.

        Raises ValueError if an id is already taken.
        """
        # Every step over the whole index is one C call or a numpy block: a long Python loop
        # here would hold back answers running in other threads (see bot.search.scoring.BLOCK).
        new_ids = [p.id for p in passages]
        for pid in new_ids:
            if pid in self._ids or new_ids.count(pid) > 1:
                raise ValueError(f"duplicate passage id {pid!r}")
        new = object.__new__(Index)
        new.__dict__.update(self.__dict__)
        new.kb = replace(self.kb, passages=self.kb.passages + passages)
        pieces: Counter[str] = Counter()
        documents = list(documents_of(passages, self.synonyms, self.ranking.question_weight, pieces))
        added = text.written(pieces)
        new._scorer = self._scorer.with_added(documents)
        new_terms = {t for doc in documents for t in doc if t not in self._scorer.vocabulary}
        new._surface = self._surface.copy()
        new._surface.update(added)
        new._ids = self._ids.union(new_ids)
        new._speller = self._speller.extended(added, new_terms)
        # the passages' words, if sorted already, with the new ones put in place (a sort of them all
        # had held an answer in another thread for 27 ms at 100,000 passages)
        new._written = None if self._written is None else _inserted(self._written, added.keys() - self._surface.keys())
        new._headings = self._headings.with_passages(passages, len(self.kb.passages), self.synonyms)
        new._listed = listed(passages, len(self.kb.passages), self._listed)
        new._titles = self._titles.with_passages(passages, self.synonyms)
        new._focus = self._focus.extended(new._scorer, len(new.kb))
        text.forget()  # the tables of text pieces were for these passages (and a new source's title), as a load's are
        return new

    def scores(self, terms: Sequence[str]) -> list[float]:
        """Every passage's BM25 score for the question terms (and their pairs), in passage order."""
        return [float(s) for s in self._scorer.scores(query_terms(terms))]

    def analyze(self, question: str) -> list[str]:
        """The terms of a question, spelling corrected and synonyms folded. Of what was pasted
        into it (a path, an address, a file's name: `bot.search.pasted`) only the terms the
        knowledge base knows, as written: the rest is the asker's machine, not the question."""
        return [*self._analyzed(question), *self._joined_known(question)]

    def _joined_known(self, question: str) -> list[str]:
        """The joined words of a question's hyphenated words that lose a stop word when read word by
        word ("--no-input" -> noinput, `text.lost_joined_terms`), when a passage holds them, as a
        passage's text is read (`text.joined_terms`); one no passage holds is left out: it would
        weigh as the question's most telling word."""
        return [t for t in text.lost_joined_terms(question) if self._scorer.document_frequency(t)]

    def _analyzed(self, question: str) -> list[str]:
        found = pasted.pieces(question)
        if len(found) == 1 and not found[0][1]:
            return self.synonyms.terms(question, correct=self._speller)
        terms: list[str] = []
        for piece, was_pasted in found:
            if was_pasted:
                terms.extend(t for t in self.synonyms.terms(piece) if self._scorer.document_frequency(t))
            else:
                terms.extend(self.synonyms.terms(piece, correct=self._speller))
        return terms

    def beginning(self, start: str, limit: int = 3) -> list[str]:
        """The terms of the passages' words that begin with `start`, three letters or more (a word
        still being typed: "refug" of refugees, whose term is "refuge", or the seed's synonym group
        of refugees and defectors), the commonest words first, at most `limit` (of the first
        `MAX_BEGUN` words in alphabetical order: a synthetic 100,000 passages' commonest three
        letters begin fewer)."""
        start = start.casefold()
        if len(start) < 3:
            return []
        words = self._words()
        found = words[bisect.bisect_left(words, start) : bisect.bisect_left(words, start + "\U0010ffff")]
        terms: dict[str, None] = {}
        for word in heapq.nlargest(4 * limit, found[:MAX_BEGUN], key=self._surface.__getitem__):
            terms.update(dict.fromkeys(self.analyze(word)))  # a stop word ("these") gives none
        return list(terms)[:limit]

    def _words(self) -> list[str]:
        """The passages' words, sorted, made when first needed (and carried into `with_added`'s index)."""
        if self._written is None:
            self._written = sorted(self._surface)
        return self._written

    def knows(self, term: str) -> bool:
        """True when a passage holds `term` (a term as `analyze` gives it)."""
        return self._scorer.document_frequency(term) > 0

    def unknown_names(self, question: str) -> tuple[str, ...]:
        """The names the question asks about (`names.asked`: words written with a capital inside its
        asking sentences) that no passage mentions, in any form: spelling corrected, they are no
        term of the knowledge base and begin no word of it with their first letters
        (`names.begins_one_of`). A question about something the knowledge base never names ("What
        is the population of Kathmandu?") is not answered by a passage that merely shares its other
        words."""
        return tuple(name for name in names.asked(question) if self._unknown_name(name))

    def _unknown_name(self, name: str) -> bool:
        terms = text.tokenize(name, self._speller)
        if not terms:  # a stop word ("The", "I")
            return False
        if any(t in self._phrase_words or self._scorer.document_frequency(t) for t in terms):
            return False
        return not names.begins_one_of(name, self._words())

    def rank(self, terms: Sequence[str], top: int = 3, *, question: str | None = None) -> list[Ranked]:
        """The `top` best passages for the question terms, best first (empty if no terms). With the
        `question` itself, a passage that lists it comes first (`Ranked.listed`)."""
        if not terms or not self.kb.passages:
            return []
        query = query_terms(terms)
        matched, base = self._scorer.matched(query)
        weight = self.ranking.focus
        ordered = self._titles.ordered(matched, terms, self.ranking.title)  # the rule reads `matched`
        chosen = _best(ordered, max(top + 1, RERANK) if weight else top + 1)
        said = wording_of(question) if question is not None else ()
        headed = self._headings.first(said, frozenset(terms))
        if headed is not None and headed not in chosen:  # "What is Shutterbox?": every passage says it
            chosen.append(headed)
        listers = self._listed.get(said, ()) if said else ()
        chosen += [doc for doc in listers if doc not in chosen]  # a moderator's alias, however BM25 ranks it
        asked = Weights(self._focus.weights(terms))
        covered: dict[int, tuple[float, float]] = {}  # each passage's coverage and lacking, worked out once

        def match(doc: int) -> tuple[float, float]:
            if doc not in covered:
                covered[doc] = self._focus.match(asked, doc)
            return covered[doc]

        keys, focus = self._focus.keys(asked, ordered, chosen, weight, lambda doc: match(doc)[0], self.kb.passages)
        order = sorted(range(len(chosen)), key=lambda at: -keys[at])  # stable: BM25's order on ties
        listed = self._listing(listers, [chosen[at] for at in order], match, headed) if said else None
        if listed is not None:  # one of its own questions, word for word: it comes first
            listed = order[listed]
            order.remove(listed)
            order.insert(0, listed)
        found = []
        for place, at in enumerate(order[:top]):
            i = chosen[at]
            mine = float(matched[i])
            # the passages after it, but a copy of its text: two pages that print one paragraph (the
            # appeal procedure in the rules and in the code of conduct) give the same answer
            this = self.kb.passages[i]
            others = list(
                itertools.islice(
                    (o for o in order[place + 1 :] if not _same_text(self.kb.passages[chosen[o]], this)), RIVALS
                )
            )
            after = others[0] if others else None
            # the next passage's key on this one's scale: margin = 1 - runner_up / matched
            runner_up = keys[after] / keys[at] * mine if after is not None and keys[at] > 0 else 0.0
            share, lacking = match(i)
            home = home_of(self.kb.passages[i])
            rivals: float = sum(
                (0.5 if home_of(self.kb.passages[chosen[other]]) == home else 1.0)
                for other in others[:RIVALS]
                if match(chosen[other])[0] >= share - 1e-9
            )
            is_listed = place == 0 and at == listed
            found.append(
                Ranked(self.kb.passages[i], mine + base, share, mine, runner_up, focus[at], lacking, rivals, is_listed)
            )
        return found

    def _listing(
        self,
        listers: Sequence[int],
        docs: Sequence[int],
        match: Callable[[int], tuple[float, float]],
        headed: int | None,
    ) -> int | None:
        """Where in `docs` the first of the passages that list the question (`listers`, see
        `headings.listed`) is, else where `headed` is (the passage whose section asks it), or None
        (see `Ranked.listed`). Only a passage that holds all of the question can list it."""
        for place, doc in enumerate(docs):
            if doc in listers and match(doc)[0] >= 1 - 1e-9:
                return place
        return docs.index(headed) if headed is not None else None

    def focus(self, asked: Mapping[str, float], passage: Passage) -> float:
        """The largest share of the question's weight that one sentence or alternate question holds."""
        return self._focus.focus(asked, passage)

    def held_by(self, terms: Sequence[str], passages: Iterable[Passage]) -> float:
        """The share of the weight of `terms` that `passages` hold together (see `Focus.held_by`)."""
        return self._focus.held_by(terms, passages)

    def best_sentence(self, terms: Sequence[str], passage: Passage) -> str:
        """The sentence of `passage` that holds the most of the question's weight (see `Focus.best_sentence`)."""
        return self._focus.best_sentence(terms, passage)

    def _weights(self, terms: Sequence[str]) -> dict[str, float]:
        return self._focus.weights(terms)


def _best(scores: Floats, k: int) -> list[int]:
    """The indexes of the `k` highest scores, highest first; of equal scores the earlier passage."""
    if k > 16:
        return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]
    left = scores.copy()
    chosen: list[int] = []
    for _ in range(min(k, len(left))):
        i = int(np.argmax(left))
        chosen.append(i)
        left[i] = -np.inf
    return chosen


def spelled_words(surface: Counter[str], synonyms: Synonyms) -> Counter[str]:
    """The words spelling corrections may turn a question's word into: the passages' words, and
    those of synonyms, since a question may misspell a word only a synonym has ("clampdwn")."""
    return surface + Counter(synonyms.written) if synonyms.written else surface
