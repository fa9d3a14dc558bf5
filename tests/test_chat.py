"""Telling chat from questions (`bot.answering.chat`): the limits of each kind, and the greeting left
off a question. How the Answerer replies to each kind is in test_answering.py."""

from __future__ import annotations

import pytest

from bot.answering.chat import Kind, kind, without_greeting


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("ok bye, can you help", Kind.SMALL_TALK),  # a goodbye that asks for help gets the help
        ("bye guys", Kind.BANTER),
        ("hello hello hello hello hello hello", Kind.SMALL_TALK),  # six words of small talk
        ("hello hello hello hello hello hello hello", Kind.GREETING),  # seven: a greeting the Answerer reads
        ("true, same, exactly, agreed", Kind.BANTER),  # a reaction of four words
        ("true, same, exactly, agreed, indeed", None),  # five: no reaction, read as a question
        ("hi all, new here", Kind.GREETING),
        ("hello everyone, I just moved to Berlin from Seoul last month", None),  # nine words and more: a message
    ],
)
def test_each_kind_of_chat_ends_where_its_limit_says(message: str, expected: Kind | None) -> None:
    """A goodbye with an asking word is no banter; small talk is six words at most, a reaction four, a greeting
    with other words eight: longer, a message says something a passage may answer."""
    assert kind(message) is expected


@pytest.mark.parametrize(
    ("question", "read"),
    [
        ("good morning! why do North Koreans flee?", "why do North Koreans flee?"),
        ("My card was charged twice! How do I get a refund?", "My card was charged twice! How do I get a refund?"),
    ],
)
def test_only_a_greeting_is_left_off_a_questions_start(question: str, read: str) -> None:
    """ "good morning!" before a question is left off; a first sentence that is no greeting is part of the question."""
    assert without_greeting(question) == read
