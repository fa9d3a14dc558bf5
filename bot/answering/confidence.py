"""When a match is good enough to answer: a linear rule on a few signals of the best passage.

Each signal means the same whatever the question's length and the knowledge base's size:

    coverage  the idf-weighted share of the question's terms the passage holds (0..1)
    strength  log(1 + matched / log(1 + passages)): the score from the terms the passage holds,
              in units of a typical term's idf (BM25Plus's part that every passage gets for
              every known term is left out, so a long question is not more confident for it)
    margin    1 - runner-up / best: how far the passage stands out from the next one (0..1)
    rivals    the share of the next two passages that hold as much of the question as this one
              (`Ranked.rivals` / 2, one of its own section counting half): its words do not tell
              which passage is asked about
    kind      1 when the passage gives the kind of thing asked for (an amount for "how many")
    score     log(1 + score / log(1 + passages)) with the shared part: the rule of earlier
              versions, kept so that a folder calibrated then still reads the same

Answer when `sum(weight * signal) >= threshold`, the coverage is at least `min_coverage` and the
passage gives the kind of thing asked for (`answers_the_kind`, whatever the weights); and
answer with a hedge ("I'm not sure this answers exactly that") when one question term the passage
lacks carries at least `hedge` of the question's weight (`Ranked.lacking`): a near miss in the
article's own words ("How many defectors live in *Japan*?") mostly lacks the one word it turns on;
or when the rule's value is less than `band` above the threshold, where a passage is about as
often a near miss's as the right one (hedged, most wrong answers are marked as such).

The default weights are a logistic regression fitted on the dev parts of all four corpora of
imported documents without alternate questions (benchmarks/generalization, and the encyclopedia's
crowd-style, information-seeking and paraphrased sets; answer = a passage with the fact), among
the passages that cover at least `min_coverage` (and give the kind asked for, and name nothing
unknown); `rivals` weighs against answering; the threshold is the lowest at which the
community-style corpus keeps at most 12% of its on-topic questions answered wrong and declines
at least 88% of its off-topic ones, and every encyclopedia set declines at least 90% of the
questions about other articles (see docs/quality.md). `python -m bot calibrate` fits them for one
knowledge folder from its own transcripts and writes them to the folder's settings file (see
`tuning.py`).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.catalogue import noun
from bot.knowledge import Passage
from bot.search import RIVALS, Ranked

SIGNALS = ("coverage", "strength", "margin", "rivals", "kind", "score")

# "How many ...?" asks for an amount: a passage with no number in it, however close its words,
# does not give one ("How many pages is her book?" against the passage about the book).
_ASKS_AMOUNT = re.compile(r"\bhow (?:many|much)\b|\bnumber of\b|\bwhat (?:percent|percentage|share|proportion)\b")
_GIVES_AMOUNT = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|twenty|fifty|hundreds?"
    r"|thousands?|millions?|dozens?|half|majority|most|many|few|fewer|percent|none)\b"
)


# A time of day is no amount a "how much" question asks for ("how much is a pizza?" against
# "We serve hot food until 9 pm"); "how many hours" still takes one.
_CLOCK_TIME = re.compile(r"\b\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b")


# A numbered list's marks count nothing ("5. Set up a bank transfer for the membership fee" gives
# no fee), nor does a number that names a part of a text ("See Chapter 3", "Step #1 ensures ...").
_LIST_MARK = re.compile(
    r"^\s*\d{1,3}[.)]\s|\b(?:step|chapter|section|part|page|figure|table|appendix) #?\d+\b", re.MULTILINE
)


def answers_the_kind(question: str, passage: Passage) -> bool:
    """False when the question asks for an amount and the passage gives none."""
    asked = question.casefold()
    if not _ASKS_AMOUNT.search(asked):
        return True
    text = _LIST_MARK.sub(" ", passage.text.casefold())
    if "how much" in asked:
        text = _CLOCK_TIME.sub(" ", text)
    return bool(_GIVES_AMOUNT.search(text))


def signals(question: str, best: Ranked, passages: int) -> dict[str, float]:
    """The rule's signals for the best passage of a question, by name."""
    unit = math.log(1 + max(passages, 1))
    ranked_by = best.matched
    return {
        "coverage": best.coverage,
        "strength": math.log1p(max(best.matched, 0.0) / unit),
        "margin": 1.0 - best.runner_up / ranked_by if ranked_by > 0 else 0.0,
        "rivals": best.rivals / RIVALS,
        "kind": 1.0 if answers_the_kind(question, best.passage) else 0.0,
        "score": math.log1p(max(best.score, 0.0) / unit),
    }


class Decision(enum.Enum):
    """What to do with the best passage of a question."""

    DECLINE = "decline"
    ANSWER = "answer"
    HEDGE = "hedge"  # answer, saying it may not answer exactly what was asked


class RuleError(ValueError):
    """A setting of the rule out of its range; `setting` names it."""

    def __init__(self, setting: str, message: str):
        super().__init__(message)
        self.setting = setting


def _frozen(weights: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(weights))


@dataclass(frozen=True)
class Confidence:
    """The rule: weights by signal name (see `SIGNALS`) and the threshold their sum must reach."""

    weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"coverage": 1.19, "strength": 1.5, "margin": 1.34, "rivals": -1.05})
    )
    threshold: float = 2.65
    # Below this coverage nothing is answered, however strong the rest: a question made of words
    # from all over the knowledge base matches many of them somewhere, and most of none.
    min_coverage: float = 0.4
    # Answer with a hedge when the passage lacks a term carrying this share of the question's
    # weight (1: never). On the seed's near misses 0.25 hedges or declines 32 of 60, for a hedge
    # on about 30% of its right answers (see docs/quality.md).
    hedge: float = 0.25
    # Answer with a hedge too when the rule's value is less than this above the threshold (None:
    # never for the value). Just above the threshold a passage is as often a near miss's as the
    # right one: the asker gets it, marked as the closest the bot has (see docs/quality.md).
    band: float | None = 0.4
    # Decline a question that names something no passage mentions (`Index.unknown_names`): on the
    # encyclopedia sets a third of the questions about other articles that passed the rule did.
    names: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(SIGNALS)
        if unknown:
            said = f"unknown {noun(len(unknown), 'signal')} {', '.join(sorted(unknown))}"
            raise ValueError(f"{said}; known: {', '.join(SIGNALS)}")
        object.__setattr__(self, "weights", _frozen(self.weights))
        if not 0 < self.hedge <= 1:
            raise RuleError("hedge", f"hedge must be a share above 0 and at most 1 (1: never), not {self.hedge}")
        if self.band is not None and self.band < 0:
            raise RuleError("band", f"band must be at least 0, not {self.band}")

    def value(self, found: Mapping[str, float]) -> float:
        return sum(weight * found[name] for name, weight in self.weights.items())

    def decide(
        self, question: str, best: Ranked, passages: int, unknown: Callable[[], Sequence[str]] | None = None
    ) -> Decision:
        """Whether to answer `question` with `best` (of a knowledge base of `passages`), and how;
        `unknown` gives the names the question asks about that the knowledge base never mentions
        (see `Index.unknown_names`), asked only of a question the rule would answer."""
        if best.score <= 0.0 or best.matched <= 0.0:
            return Decision.DECLINE
        if best.listed:  # one of its own questions, word for word: the knowledge base says it answers it
            return Decision.ANSWER
        if best.coverage < self.min_coverage:
            return Decision.DECLINE
        found = signals(question, best, passages)
        value = self.value(found)
        if value < self.threshold or not found["kind"]:  # a passage that gives another kind of thing than asked
            return Decision.DECLINE
        if self.names and unknown is not None and unknown():
            return Decision.DECLINE
        lacking = self.hedge < 1.0 and best.lacking >= self.hedge
        close = self.band is not None and value < self.threshold + self.band
        return Decision.HEDGE if lacking or close else Decision.ANSWER
