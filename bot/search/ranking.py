"""What the ranker is told and what it gives: its settings (`Ranking`) and a ranked passage (`Ranked`).

The settings are the ones measured best on the transcripts and the generalization sets; a ranked
passage carries, besides its score, what the confidence rule reads of the match (see
`bot.answering.confidence`). The Index that ranks is `bot.search.retrieval`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from bot.knowledge import Passage
from bot.search.scoring import Counts, Scorer

RERANK = 5  # how many of BM25's best passages the focus may reorder
RIVALS = 2  # how many of the passages after one are weighed as its rivals (see `Ranked.rivals`)

# rank-bm25, the definition of the scores; used by the oracle tests and the benchmark.
VARIANTS = {"okapi": BM25Okapi, "plus": BM25Plus, "l": BM25L}


@dataclass(frozen=True)
class Ranking:
    """Settings of the ranker; the defaults are the ones measured best on the transcripts."""

    variant: str = "plus"
    # Low: a word said twice in a passage makes it little more about that word (generalization
    # set: top-1 55% -> 60% from 1.2).
    k1: float = 0.5
    b: float = 0.75
    question_weight: int = 1  # how many times each alternate question is counted
    # The best `RERANK` passages are ordered by their BM25 score (as a share of the best one's) plus
    # `focus` times their focus: the share of the question (idf-weighted, as coverage) that one
    # sentence or one alternate question of the passage holds. A question is mostly written about
    # one sentence; a passage that holds its words scattered is less likely the one (0: BM25 only).
    focus: float = 0.5
    # Each passage's order also gains `title` times the idf (over passages) of the question's terms
    # that its source's title holds: "What school did Fritz teach at?" names the article ("Fritz
    # Zwicky"), not the paragraph ("He taught at Caltech"). The order, and with it the margin (how
    # far the best passage stands out in that order); coverage and strength stay the text's, and a
    # passage the text does not match is never answered (see docs/quality.md). A term in every
    # title (one source) weighs nothing.
    title: float = 1.0

    def scorer(self, parts: Iterable[Counts]) -> Scorer:
        """A Scorer with these settings for the corpus made of `parts` (see `Scorer`)."""
        return Scorer(parts=parts, variant=self.variant, k1=self.k1, b=self.b)


@dataclass(frozen=True)
class Ranked:
    """A passage with its BM25 score and how much of the question it covers (0..1).

    The other fields describe the match for the confidence rule (see `bot.answering.confidence`):
    `matched` is the part of `score` from the question terms the passage holds (without the part
    every passage gets), `runner_up` the next passage's matched score, on the scale of `matched`
    (when the focus reorders passages, the next one's order key in units of this one's `matched`),
    `focus` the largest share of the question one sentence or alternate question holds (read for
    the passages that could take the first place; 0 for the others), `lacking` the largest share
    of the question's weight (as coverage) that one term the passage does not hold carries: a
    passage that lacks a term the question leans on ("how many live in *Japan*") may not answer it;
    `rivals` how many of the next two passages hold as much of the question (coverage) as this one,
    one of its own section counting half: when other passages hold every word it holds, the words
    do not tell which one is asked about, but passages of one section are often one text cut in
    pieces, with their heading's words in each ("opening hours" in each passage under "Opening
    hours & prices"); counted in full, they cost 1.4, 0.6 and 0.3 points of right answers on the
    generalization, encyclopedia and paraphrased dev sets for 0.2, 0 and 0 fewer wrong (not
    counted at all: 2 to 3.4 more right for 0.4 to 2.5 more wrong);
    `listed` whether the question is one the passage lists as its own: its wording (`wording_of`:
    its words in order, stop words kept) is that of one of the passage's alternate questions. A
    moderator who attaches a question to a passage (`kb alias`) says that it answers it, whatever
    other passages share its words: of the passages the focus may reorder, the first that lists the
    question comes first (and only the first is marked). The same terms are not enough: "What is
    hiking?" and "Do I have to like hiking?" are both `hike`. Else a question worded as a section's
    heading ("Is Shutterbox free?" of an imported FAQ) is listed by the first passage under it
    (`bot.search.headings.Headings`), wherever BM25 put it.
    """

    passage: Passage
    score: float
    coverage: float
    matched: float = 0.0
    runner_up: float = 0.0
    focus: float = 0.0
    lacking: float = 0.0
    rivals: float = 0.0
    listed: bool = False
