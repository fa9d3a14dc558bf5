"""The confidence rule of `bot.answering.confidence` on its own: which question asks for an amount,
and how each setting of the rule changes a decision on a match made by hand."""

from __future__ import annotations

import pytest

from bot.answering.confidence import Confidence, Decision, answers_the_kind
from bot.knowledge import Passage, Source
from bot.search import Ranked

SOURCE = Source(title="Refugee notes")


def passage(text: str) -> Passage:
    return Passage("settling-1", "Settling", text, SOURCE)


def test_the_number_of_asks_for_an_amount() -> None:
    """ "What is the number of ...?" asks for an amount, as "how many" does: a passage with none does not answer it."""
    asked = "What is the number of refugees who settle in the South?"
    assert not answers_the_kind(asked, passage("Refugees settle in the South after a stay at Hanawon."))
    assert answers_the_kind(asked, passage("About 1,000 refugees settle in the South each year."))


def test_how_many_hours_takes_times_of_day_as_its_amount() -> None:
    """Only "how much" leaves times of day out ("how much is a pizza?" against "until 9 pm"): "how many
    hours" is answered by the opening times."""
    opening = passage("The library is open from 9 am to 1 pm on Saturdays.")
    assert answers_the_kind("How many hours is the library open on Saturdays?", opening)
    assert not answers_the_kind("How much is the library on Saturdays?", opening)


def ranked(*, coverage: float = 1.0, lacking: float = 0.0) -> Ranked:
    """A match made by hand: a strong passage (score and matched 5) with the given coverage and lacking."""
    return Ranked(
        passage("The library is open on Saturdays."), score=5.0, coverage=coverage, matched=5.0, lacking=lacking
    )


# A rule that answers any match that holds something: only the setting under test decides.
OPEN = {"weights": {"strength": 1.0}, "threshold": 0.0, "min_coverage": 0.0, "band": None}


def test_a_lacking_term_of_exactly_the_hedge_share_hedges() -> None:
    """`hedge` is the least share a lacking term must carry to hedge: at exactly that share it hedges, below it not."""
    rule = Confidence(**OPEN, hedge=0.25)
    assert rule.decide("library saturday", ranked(coverage=0.75, lacking=0.25), 10) is Decision.HEDGE
    assert rule.decide("library saturday", ranked(coverage=0.76, lacking=0.24), 10) is Decision.ANSWER


def test_hedge_1_never_hedges_even_a_passage_lacking_the_whole_question() -> None:
    """ "hedge: 1" means never: a match whose one lacking term carries all of the question's weight is not hedged."""
    rule = Confidence(**OPEN, hedge=1.0)
    assert rule.decide("why tokyo", ranked(coverage=0.0, lacking=1.0), 10) is Decision.ANSWER


def test_a_rule_with_an_unknown_signal_is_refused() -> None:
    """A misspelt signal ("coverge") is an error naming the signals known, not a weight silently ignored."""
    with pytest.raises(ValueError, match=r"unknown signal.*coverge.*known: coverage"):
        Confidence(weights={"coverge": 1.0})


def test_a_passage_that_holds_no_word_of_the_question_is_never_answered() -> None:
    """BM25Plus gives every passage a share of the score: a rule on the score alone, with no coverage
    floor (as a calibrated folder may have), still declines a passage that matched nothing."""
    rule = Confidence(weights={"score": 1.0}, threshold=0.0, min_coverage=0.0, band=None)
    nothing = Ranked(passage("The library is open on Saturdays."), score=5.0, coverage=0.0, matched=0.0)
    assert rule.decide("parking fees", nothing, 10) is Decision.DECLINE
    assert rule.decide("parking fees", ranked(coverage=0.5, lacking=0.5), 10) is not Decision.DECLINE
