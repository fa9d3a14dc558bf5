"""What each recent question got (`adapters.answered.Answered`), kept for its edits: at most `bound` questions."""

from __future__ import annotations

from adapters.answered import BOUND, Answered, Sent


def test_the_questions_remembered_stay_within_their_bound() -> None:
    """Ten thousand questions in as many chats, each answered: the latest 4,096 are remembered, and the
    answers found by the message they reply to are no more."""
    answered: Answered[int, str] = Answered()
    for n in range(10_000):
        answered.remember((n, 1), Sent(f"question {n}", ("answer",), (100 + n,), replies_to=1))
    assert len(answered._sent) == len(answered._replying) == BOUND
    assert answered.recall((9_999, 1)) is not None and answered.recall((10_000 - BOUND - 1, 1)) is None
    assert answered.answer_to(9_999, 1) is not None and answered.answer_to(0, 1) is None
