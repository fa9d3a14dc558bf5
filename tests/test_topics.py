"""The topics the help lists (`bot.answering.topics.help_topics`): the order of the knowledge while they
fit, each source in turn and each section once when they do not."""

from __future__ import annotations

from bot.answering.topics import clipped, help_topics


def test_topics_that_fit_are_listed_in_the_order_of_the_knowledge() -> None:
    """As many topics as the limit: all of them, file by file, none counted as more."""
    assert help_topics([["a1", "a2", "a3"], ["b1", "b2", "b3"]], limit=6) == (["a1", "a2", "a3", "b1", "b2", "b3"], 0)


def test_more_topics_than_the_limit_take_each_source_in_turn_and_each_section_once() -> None:
    """Past the limit, one section of each source in turn; "Fees" in two sources is listed once."""
    listed, _ = help_topics([["Fees", "a1", "a2"], ["Fees", "b1"]], limit=3)
    assert listed == ["Fees", "a1", "b1"]


def test_a_label_is_cut_at_a_word_end_without_its_trailing_comma() -> None:
    """A long label ends at the last word within the limit, its comma dropped before the "…"; one long
    word after a short first word is cut at the limit, not after the first word."""
    assert clipped("one, two, three, four, five, six, seven", limit=30) == "one, two, three, four, five…"
    assert clipped("a " + "b" * 100, limit=30) == "a " + "b" * 28 + "…"
