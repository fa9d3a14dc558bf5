"""What the record keeps of members' traffic, written through the `Recorder` (answering never waits
for it): each question answered or not, the topic a member pressed, an answer opened from a link to
it, a vote, and what it forgets when
a message or a whole chat is gone. The `Service` calls these for every platform.
"""

from __future__ import annotations

from bot.answering import Answer
from bot.asker import Asker
from bot.records import Recorder


def asked_key(asker: Asker, message: str) -> str:
    """The key a message's questions are recorded by: its chat's id and its own ("" for no message)."""
    return f"{asker.chat_id}/{message}" if message else ""


def record_question(recorder: Recorder, question: str, asker: Asker, answer: Answer, message: str = "") -> None:
    """One question and what it got, recorded under the message's key (`asked_key`)."""
    # An answered question counts for its passage, and its wording is not kept. An unanswered
    # or hedged one (the bot only had the closest passage) is a gap: its wording is kept, and
    # the terms as analysed, never all of a 100 KB message; a hedged one counts for its passage too.
    gap = answer.fallback or answer.hedged
    recorder.write(
        lambda gaps: gaps.record_question(
            asker.platform,
            asker.user_id,
            question if gap else "",
            list(answer.terms) if gap else [],
            answer.passage_id,
            hedged=answer.hedged,
            offered=[s.passage_id for s in answer.suggestions] if answer.fallback else (),
            message=message,
            chat="" if asker.private else asker.chat_id,  # a private chat never goes (`forget_chat`)
        )
    )


def record_pick(recorder: Recorder, passage_id: str, asker: Asker) -> None:
    """The topic pressed marks the asker's question that offered it: `kb gaps` names what members chose."""
    recorder.write(lambda gaps: gaps.record_pick(asker.platform, asker.user_id, passage_id))


def record_opened(recorder: Recorder, passage_id: str, asker: Asker) -> None:
    """An answer opened from a link to its passage: counted for it in `kb stats`, apart from the questions
    (none was asked), and not under whom; once a day for each member (`bot.records.openings`)."""
    if recorder.openings.first(asker.platform, asker.user_id, passage_id):
        recorder.write(lambda gaps: gaps.record_opened(asker.platform, passage_id))


def record_vote(recorder: Recorder, asker: Asker, passage_id: str, helpful: bool, text: str) -> None:
    """A 👍 or 👎 on a passage, for its text as it is now."""
    recorder.write(lambda gaps: gaps.record_vote(asker.platform, asker.user_id, passage_id, helpful, text))


def forget_asked(recorder: Recorder, asker: Asker, key: str) -> None:
    """The rows of the message recorded under `key` (`asked_key`), on `asker`'s platform, forgotten."""
    recorder.write(lambda gaps: gaps.forget_asked(asker.platform, key))


def forget_chat(recorder: Recorder, asker: Asker) -> None:
    """What was asked in `asker`'s chat (its platform and chat id), forgotten."""
    recorder.write(lambda gaps: gaps.forget_chat(asker.platform, asker.chat_id))
