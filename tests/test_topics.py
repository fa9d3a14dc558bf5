"""The topics the help lists (`bot.answering.topics.help_topics`): the order of the knowledge while they
fit, each source in turn and each section once when they do not."""

from __future__ import annotations

from bot import Answerer
from bot.answering.topics import LABEL_CHARS, clipped, help_topics
from bot.knowledge import KnowledgeBase, Passage, Source


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


def test_a_section_that_asks_at_length_is_offered_cut_like_any_label() -> None:
    """An FAQ's heading is a topic's label only when it fits LABEL_CHARS: a longer one is cut as other labels
    are, not sent whole as a button."""
    source = Source(title="Sync FAQ")
    long = "Does Syncthing support syncing between two folders on the very same system, such as an external disk?"
    passages = (
        Passage("same-1", long, "Yes, but it is not the intended use: each folder needs its own device id.", source),
        Passage("ports-1", "Which ports does it use?", "Port 22000 for syncing between devices.", source),
    )
    answer = Answerer(KnowledgeBase(passages)).answer("can syncthing keep two folders on one computer in sync")
    assert answer.fallback and len(long) > LABEL_CHARS
    label = answer.suggestions[0].label
    assert len(label) <= LABEL_CHARS + 1 and label.endswith("…") and long.startswith(label[:-1])
