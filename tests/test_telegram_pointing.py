"""A member points the bot at someone else's question: a bare `/ask` or a bare mention, sent as a
reply to it, answers that question as a reply to it. The real python-telegram-bot against the fake
Bot API."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram_support import handled, running, write_handbook

from bot import Service
from tests.fake_telegram import BOT_ID, BOT_USERNAME, FakeTelegram
from tests.test_telegram import GROUP, OTHER, USER

MEETING = "When do we meet?"
FEE = "How much is the membership fee?"
ASK_USAGE = "Ask like this"


@pytest.fixture
async def bot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    async with running(fake, Service.from_directory(write_handbook(tmp_path / "knowledge"))):
        yield fake


async def said(fake: FakeTelegram, text: str, *, user: dict[str, object] = USER, **fields: object) -> dict[str, object]:
    """`text` sent in the group by `user`, once the bot has handled it."""
    message = fake.message(GROUP, text, user=user, **fields)
    await handled(fake, GROUP)
    return message


async def test_a_bare_ask_in_reply_to_a_members_question_answers_it_as_a_reply_to_it(bot: FakeTelegram) -> None:
    question = await said(bot, MEETING, user=OTHER)
    assert bot.called("sendMessage") == []  # not addressed to the bot
    await said(bot, f"/ask@{BOT_USERNAME}", reply_to=question)
    [answer] = bot.called("sendMessage")
    assert "every Thursday" in answer.text
    assert answer.params["reply_parameters"]["message_id"] == question["message_id"]  # its asker is notified


async def test_a_bare_mention_in_reply_to_a_members_question_answers_it(bot: FakeTelegram) -> None:
    question = await said(bot, "how much do members pay a year", user=OTHER)
    await said(bot, f"@{BOT_USERNAME}", reply_to=question)
    [answer] = bot.called("sendMessage")
    assert "20 euros" in answer.text
    assert answer.params["reply_parameters"]["message_id"] == question["message_id"]


async def test_a_question_of_its_own_in_reply_to_someone_is_asked_not_the_message_replied_to(
    bot: FakeTelegram,
) -> None:
    question = await said(bot, MEETING, user=OTHER)
    pointer = await said(bot, f"@{BOT_USERNAME} {FEE}", reply_to=question)
    [answer] = bot.called("sendMessage")
    assert "20 euros" in answer.text
    assert answer.params["reply_parameters"]["message_id"] == pointer["message_id"]


async def test_a_photos_caption_is_the_question_pointed_at(bot: FakeTelegram) -> None:
    photo = {
        "message_id": 99, "date": int(time.time()), "chat": GROUP, "from": OTHER, "caption": FEE,
        "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}],
    }  # fmt: skip
    await said(bot, "/ask", reply_to=photo)
    [answer] = bot.called("sendMessage")
    assert "20 euros" in answer.text and answer.params["reply_parameters"]["message_id"] == 99


async def test_a_bare_ask_in_reply_to_the_bot_or_to_nothing_gets_the_usage_line(bot: FakeTelegram) -> None:
    await said(bot, "/ask")
    await said(bot, f"@{BOT_USERNAME} {MEETING}")
    answer = bot.called("sendMessage")[-1]
    await said(bot, "/ask", reply_to={**answer.result, "from": {"id": BOT_ID, "is_bot": True, "first_name": "QA"}})
    usage, meeting, again = (c.text for c in bot.called("sendMessage"))
    assert ASK_USAGE in usage and "every Thursday" in meeting and ASK_USAGE in again


async def test_a_bare_ask_in_a_forum_topic_does_not_point_at_the_topics_opening(bot: FakeTelegram) -> None:
    opening = {
        "message_id": 7, "date": int(time.time()), "chat": {**GROUP, "is_forum": True}, "from": OTHER,
        "forum_topic_created": {"name": "Help", "icon_color": 7322096},
    }  # fmt: skip
    await said(bot, "/ask", reply_to=opening, message_thread_id=7, is_topic_message=True)
    [usage] = bot.called("sendMessage")
    assert ASK_USAGE in usage.text and int(usage.params["message_thread_id"]) == 7


async def test_a_bare_ask_edited_into_a_question_of_its_own_gets_that_answer_in_place(bot: FakeTelegram) -> None:
    question = await said(bot, MEETING, user=OTHER)
    pointer = await said(bot, "/ask", reply_to=question)
    [answer] = bot.called("sendMessage")
    bot.edit(pointer, f"/ask {FEE}")
    await handled(bot, GROUP)
    [edit] = bot.called("editMessageText")
    assert int(edit.params["message_id"]) == answer.result["message_id"] and "20 euros" in edit.text
    assert len(bot.called("sendMessage")) == 1
