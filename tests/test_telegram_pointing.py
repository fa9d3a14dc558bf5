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
from tests.fake_telegram import BOT_ID, BOT_USERNAME, Call, FakeTelegram
from tests.test_telegram import GROUP, OTHER, PRIVATE, USER

MEETING = "When do we meet?"
FEE = "How much is the membership fee?"
ASK_USAGE = "Ask like this"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return Service.from_directory(write_handbook(tmp_path / "knowledge"))


@pytest.fixture
async def bot(fake: FakeTelegram, service: Service) -> AsyncIterator[FakeTelegram]:
    async with running(fake, service):
        yield fake


async def said(fake: FakeTelegram, text: str, *, user: dict[str, object] = USER, **fields: object) -> dict[str, object]:
    """`text` sent in the group by `user`, once the bot has handled it."""
    message = fake.message(GROUP, text, user=user, **fields)
    await handled(fake, GROUP)
    return message


async def test_a_bare_ask_in_reply_to_a_members_question_answers_it_as_a_reply_to_it(bot: FakeTelegram) -> None:
    """A bare `/ask` in reply to a member's question (which did not address the bot) answers that question, as a reply
    to it."""
    question = await said(bot, MEETING, user=OTHER)
    assert bot.called("sendMessage") == []  # not addressed to the bot
    await said(bot, f"/ask@{BOT_USERNAME}", reply_to=question)
    [answer] = bot.called("sendMessage")
    assert "every Thursday" in answer.text
    assert answer.params["reply_parameters"]["message_id"] == question["message_id"]  # its asker is notified


async def test_a_bare_mention_in_reply_to_a_members_question_answers_it(bot: FakeTelegram) -> None:
    """A bare mention of the bot in reply to a member's question answers it, as a reply to it."""
    question = await said(bot, "how much do members pay a year", user=OTHER)
    await said(bot, f"@{BOT_USERNAME}", reply_to=question)
    [answer] = bot.called("sendMessage")
    assert "20 euros" in answer.text
    assert answer.params["reply_parameters"]["message_id"] == question["message_id"]


async def test_a_question_of_its_own_in_reply_to_someone_is_asked_not_the_message_replied_to(
    bot: FakeTelegram,
) -> None:
    """A mention with a question of its own, in reply to someone's message, answers its own question (replying to it),
    not the message replied to."""
    question = await said(bot, MEETING, user=OTHER)
    pointer = await said(bot, f"@{BOT_USERNAME} {FEE}", reply_to=question)
    [answer] = bot.called("sendMessage")
    assert "20 euros" in answer.text
    assert answer.params["reply_parameters"]["message_id"] == pointer["message_id"]


async def test_a_photos_caption_is_the_question_pointed_at(bot: FakeTelegram) -> None:
    """`/ask` in reply to a photo asks its caption, and the answer replies to the photo."""
    photo = {
        "message_id": 99, "date": int(time.time()), "chat": GROUP, "from": OTHER, "caption": FEE,
        "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}],
    }  # fmt: skip
    await said(bot, "/ask", reply_to=photo)
    [answer] = bot.called("sendMessage")
    assert "20 euros" in answer.text and answer.params["reply_parameters"]["message_id"] == 99


async def test_a_bare_ask_in_reply_to_the_bot_or_to_nothing_gets_the_usage_line(bot: FakeTelegram) -> None:
    """A bare `/ask` in reply to nothing, or to the bot's own answer, gets the usage line, not an answer."""
    await said(bot, "/ask")
    await said(bot, f"@{BOT_USERNAME} {MEETING}")
    answer = bot.called("sendMessage")[-1]
    await said(bot, "/ask", reply_to={**answer.result, "from": {"id": BOT_ID, "is_bot": True, "first_name": "QA"}})
    usage, meeting, again = (c.text for c in bot.called("sendMessage"))
    assert ASK_USAGE in usage and "every Thursday" in meeting and ASK_USAGE in again


async def test_a_bare_ask_in_a_forum_topic_does_not_point_at_the_topics_opening(bot: FakeTelegram) -> None:
    """A bare `/ask` in a forum topic, whose messages all reply to the topic's opening, gets the usage line in that
    topic."""
    opening = {
        "message_id": 7, "date": int(time.time()), "chat": {**GROUP, "is_forum": True}, "from": OTHER,
        "forum_topic_created": {"name": "Help", "icon_color": 7322096},
    }  # fmt: skip
    await said(bot, "/ask", reply_to=opening, message_thread_id=7, is_topic_message=True)
    [usage] = bot.called("sendMessage")
    assert ASK_USAGE in usage.text and int(usage.params["message_thread_id"]) == 7


async def test_a_bare_ask_edited_into_a_question_of_its_own_gets_an_answer_replying_to_it(bot: FakeTelegram) -> None:
    """The answer now answers the pointer's own question: left as a reply quoting the newcomer's
    message, it would answer something that message never asked."""
    question = await said(bot, MEETING, user=OTHER)
    pointer = await said(bot, "/ask", reply_to=question)
    [answer] = bot.called("sendMessage")
    bot.edit(pointer, f"/ask {FEE}")
    await handled(bot, GROUP)
    assert [int(c.params["message_id"]) for c in bot.called("deleteMessage")] == [answer.result["message_id"]]
    _, fee = bot.called("sendMessage")
    assert "20 euros" in fee.text and replied_to(fee) == pointer["message_id"]


def replied_to(call: Call) -> int | None:
    reply = call.params.get("reply_parameters")
    return int(reply["message_id"]) if reply else None


async def test_the_pointers_cooldown_note_replies_to_them_not_to_the_question(
    bot: FakeTelegram, service: Service
) -> None:
    """The cooldown note of a member who points too often replies to their last `/ask`, not to the question pointed
    at."""
    question = await said(bot, MEETING, user=OTHER)
    pointers = [await said(bot, "/ask", reply_to=question) for _ in range(service.cooldown.burst + 1)]
    note = bot.called("sendMessage")[-1]
    assert "asking quickly" in note.text and replied_to(note) == pointers[-1]["message_id"]


async def test_the_bots_own_answer_shared_through_inline_mode_is_not_asked_again(bot: FakeTelegram) -> None:
    """`/ask` in reply to the bot's own answer shared by a member through inline mode gets the usage line, not the
    answer again."""
    via_me = {"id": BOT_ID, "is_bot": True, "first_name": "QA", "username": BOT_USERNAME}
    shared = await said(
        bot, "Meetings\nWe meet every Thursday at 18:00 in the library hall.", user=OTHER, via_bot=via_me
    )
    await said(bot, "/ask", reply_to=shared)
    [reply] = bot.called("sendMessage")
    assert ASK_USAGE in reply.text


async def test_an_ask_pointed_at_is_read_as_the_question_it_asks(bot: FakeTelegram) -> None:
    """A newcomer's "/ask When do we meet?" that got nothing (sent while the bot was down): the
    command is no word of the question. A bare /ask pointed at holds none: Telegram does not say
    what that one replied to, so the pointer gets the usage line."""
    command = [{"type": "bot_command", "offset": 0, "length": 4}]
    asked = {"message_id": 555, "date": 0, "chat": GROUP, "from": OTHER, "text": f"/ask {MEETING}", "entities": command}
    await said(bot, "/ask", reply_to=asked)
    bare = {**asked, "message_id": 556, "text": "/ask"}
    await said(bot, "/ask", reply_to=bare)
    answer, usage = bot.called("sendMessage")
    assert "every Thursday" in answer.text and ASK_USAGE in usage.text


async def test_the_part_of_a_long_message_the_member_quoted_is_the_question_pointed_at(bot: FakeTelegram) -> None:
    """`/ask` in reply to a quoted part of a long message asks only the part quoted."""
    question = await said(bot, f"hi all, new here! {MEETING} {FEE}", user=OTHER)  # all of it asks two things
    quote = {"text": FEE, "position": 18 + len(MEETING) + 1, "is_manual": True}
    await said(bot, "/ask", reply_to=question, quote=quote)
    [answer] = bot.called("sendMessage")
    assert "20 euros" in answer.text and "every Thursday" not in answer.text
    assert replied_to(answer) == question["message_id"]


async def test_a_second_member_pointing_at_an_answered_question_is_shown_the_answer(bot: FakeTelegram) -> None:
    """In a busy group two members point at one question a moment apart: the question is answered
    once, and the second gets a note replying to that answer (tapping it shows the answer)."""
    question = await said(bot, MEETING, user=OTHER)
    await said(bot, "/ask", reply_to=question)
    await said(bot, f"@{BOT_USERNAME}", user={"id": 4444, "is_bot": False, "first_name": "Cy"}, reply_to=question)
    answer, note = bot.called("sendMessage")
    assert replied_to(answer) == question["message_id"] and "every Thursday" in answer.text
    assert replied_to(note) == answer.result["message_id"] and "already" in note.text


async def test_pointing_at_a_question_the_bot_was_asked_directly_shows_that_answer(bot: FakeTelegram) -> None:
    """Pointing at a question the bot was asked directly gets a note replying to that answer, not a second answer."""
    question = await said(bot, f"@{BOT_USERNAME} {MEETING}", user=OTHER)
    await said(bot, "/ask", reply_to=question)
    answer, note = bot.called("sendMessage")
    assert replied_to(note) == answer.result["message_id"]


@pytest.mark.parametrize("pointing", ["/ask", f"@{BOT_USERNAME}"], ids=["bare /ask", "bare mention"])
async def test_a_bare_ask_or_mention_in_a_channel_posts_comments_does_not_point_at_the_post(
    bot: FakeTelegram, pointing: str
) -> None:
    """In a channel's discussion group, comments reply to the post's automatic forward by default,
    as a forum topic's messages reply to its opening: the announcement is no question pointed at, and
    a bare /ask or mention gets the usage line (a bare mention had got the greeting)."""
    channel = {"id": -1009999, "type": "channel", "title": "Community news"}
    post = {
        "message_id": 50, "date": int(time.time()), "chat": GROUP, "is_automatic_forward": True,
        "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"}, "sender_chat": channel,
        "forward_origin": {"type": "channel", "date": int(time.time()), "message_id": 12, "chat": channel},
        "text": "When do we meet from March? The new schedule is in the handbook.",
    }  # fmt: skip
    await said(bot, pointing, reply_to=post)
    [reply] = bot.called("sendMessage")
    assert ASK_USAGE in reply.text


async def test_a_bare_mention_in_reply_to_the_bots_own_answer_gets_the_usage_line(bot: FakeTelegram) -> None:
    """A bare mention in reply to the bot's own answer gets the usage line."""
    await said(bot, f"@{BOT_USERNAME} {MEETING}")
    [answer] = bot.called("sendMessage")
    await said(bot, f"@{BOT_USERNAME}", reply_to=answer.result)
    assert ASK_USAGE in bot.called("sendMessage")[1].text


async def test_the_question_pointed_at_edited_by_its_asker_gets_its_answer_edited(bot: FakeTelegram) -> None:
    """The newcomer fixes their question after someone pointed the bot at it: the answer follows, as
    it would had they asked the bot themselves."""
    question = await said(bot, "When do we meat?", user=OTHER)
    await said(bot, "/ask", reply_to=question)
    [answer] = bot.called("sendMessage")
    bot.edit(question, FEE)
    await handled(bot, GROUP)
    [edit] = bot.called("editMessageText")
    assert int(edit.params["message_id"]) == answer.result["message_id"] and "20 euros" in edit.text
    assert len(bot.called("sendMessage")) == 1


async def test_the_photo_pointed_at_whose_caption_is_removed_loses_its_answer(bot: FakeTelegram) -> None:
    """A photo's caption someone pointed the bot at, then removed by its asker, asks nothing: its answer is
    deleted (not edited into the help)."""
    photo = {
        "message_id": 98, "date": int(time.time()), "chat": GROUP, "from": OTHER, "caption": FEE,
        "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}],
    }  # fmt: skip
    await said(bot, "/ask", reply_to=photo)
    [answer] = bot.called("sendMessage")
    bot.push({"edited_message": {**{k: v for k, v in photo.items() if k != "caption"}, "edit_date": int(time.time())}})
    await handled(bot, GROUP)
    assert [int(c.params["message_id"]) for c in bot.called("deleteMessage")] == [answer.result["message_id"]]
    assert bot.called("editMessageText") == []


async def test_an_edit_outside_the_quoted_part_keeps_answering_the_quoted_question(bot: FakeTelegram) -> None:
    """An edit of the message pointed at outside the part quoted changes nothing: the quoted question's answer
    stands."""
    question = await said(bot, f"hi all, new here! {MEETING} {FEE}", user=OTHER)
    quote = {"text": FEE, "position": 18 + len(MEETING) + 1, "is_manual": True}
    await said(bot, "/ask", reply_to=question, quote=quote)
    bot.edit(question, f"hi all, I'm new here! {MEETING} {FEE}")
    await handled(bot, GROUP)
    assert bot.called("editMessageText") == [] and len(bot.called("sendMessage")) == 1


async def test_the_question_pointed_at_edited_to_mention_the_bot_is_not_answered_twice(bot: FakeTelegram) -> None:
    """The question pointed at, edited to mention the bot with a new question, has its one answer edited, not a second
    one sent."""
    question = await said(bot, MEETING, user=OTHER)
    await said(bot, "/ask", reply_to=question)
    bot.edit(question, f"@{BOT_USERNAME} {FEE}")
    await handled(bot, GROUP)
    [edit] = bot.called("editMessageText")
    assert "20 euros" in edit.text and len(bot.called("sendMessage")) == 1


CY = {"id": 4444, "is_bot": False, "first_name": "Cy"}


async def test_a_second_member_quoting_another_question_of_the_message_gets_that_one_answered(
    bot: FakeTelegram,
) -> None:
    """A newcomer's message asks two things; one member quotes the fee question, another the meeting
    question: each part pointed at is answered (the second had been told "answered already")."""
    text = f"hi all, new here! {MEETING} {FEE}"
    question = await said(bot, text, user=OTHER)
    await said(bot, "/ask", reply_to=question, quote={"text": FEE, "position": text.index(FEE), "is_manual": True})
    meeting = {"text": MEETING, "position": text.index(MEETING), "is_manual": True}
    await said(bot, "/ask", user=CY, reply_to=question, quote=meeting)
    fee_answer, meeting_answer = bot.called("sendMessage")
    assert "20 euros" in fee_answer.text and "every Thursday" in meeting_answer.text
    await said(bot, "/ask", reply_to=question, quote=meeting)  # the same part again: answered already
    assert "I answered that one already" in bot.called("sendMessage")[2].text


async def test_a_caption_pointed_at_and_then_edited_gets_its_answer_edited(bot: FakeTelegram) -> None:
    """A photo's caption pointed at, then fixed by its asker within the window: its answer follows, as a
    text question's does (caption edits had not reached the bot's edit handler)."""
    photo = [{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]
    caption = {"message_id": 7001, "date": int(time.time()), "chat": GROUP, "from": OTHER, "photo": photo,
               "caption": MEETING}  # fmt: skip
    bot.push({"message": caption})
    await handled(bot, GROUP)
    await said(bot, "/ask", reply_to=caption)
    [answer] = bot.called("sendMessage")
    bot.push({"edited_message": {**caption, "caption": FEE, "edit_date": int(time.time())}})
    await handled(bot, GROUP)
    [edit] = bot.called("editMessageText")
    assert int(edit.params["message_id"]) == answer.result["message_id"] and "20 euros" in edit.text


async def test_an_edit_into_pointing_at_a_question_answered_already_shows_that_answer(bot: FakeTelegram) -> None:
    """A member's own question in reply to a newcomer's, edited down to a bare mention that now points
    at the newcomer's question, which has its answer already: their answer is deleted and they are
    shown the one above, not sent a second copy of it."""
    question = await said(bot, MEETING, user=OTHER)
    await said(bot, "/ask", user=CY, reply_to=question)
    ann = await said(bot, f"@{BOT_USERNAME} {FEE}", reply_to=question)
    meeting, fee = bot.called("sendMessage")
    bot.edit(ann, f"@{BOT_USERNAME}")
    await handled(bot, GROUP)
    [note] = bot.called("sendMessage")[2:]
    assert "I answered that one already" in note.text and replied_to(note) == meeting.result["message_id"]
    assert [int(c.params["message_id"]) for c in bot.called("deleteMessage")] == [fee.result["message_id"]]


async def test_in_a_private_chat_a_question_asked_or_pointed_at_again_is_answered_again(bot: FakeTelegram) -> None:
    """In a private chat no one else can have answered: a member pointing the bot at a question it
    answered there, twice, or asking it again, gets the answer each time (it had been "I answered
    that one already")."""
    question = bot.message(PRIVATE, MEETING, user=USER)
    for _ in range(2):
        bot.message(PRIVATE, "/ask", user=USER, reply_to=question)
    bot.message(PRIVATE, MEETING, user=USER)
    await handled(bot, PRIVATE)
    answers = bot.called("sendMessage")
    assert len(answers) == 4 and all("every Thursday" in a.text for a in answers)
    assert [replied_to(a) for a in answers] == [None, question["message_id"], question["message_id"], None]


async def test_in_a_private_chat_an_edit_into_pointing_at_an_answered_question_answers_it(bot: FakeTelegram) -> None:
    """A member's `/ask QUESTION` in their private chat, edited down to a bare `/ask` that points at
    a question the bot answered there: its answer is replaced by that question's, not by a note."""
    question = bot.message(PRIVATE, MEETING, user=USER)
    bot.message(PRIVATE, "/ask", user=USER, reply_to=question)
    ann = bot.message(PRIVATE, f"/ask {FEE}", user=USER, reply_to=question)
    await handled(bot, PRIVATE)
    fee = bot.called("sendMessage")[2]
    bot.edit(ann, "/ask")
    await handled(bot, PRIVATE)
    [again] = bot.called("sendMessage")[3:]
    assert "every Thursday" in again.text and replied_to(again) == question["message_id"]
    assert [int(c.params["message_id"]) for c in bot.called("deleteMessage")] == [fee.result["message_id"]]


async def test_in_a_private_chat_the_edit_of_a_caption_pointed_at_keeps_its_answer_a_reply(bot: FakeTelegram) -> None:
    """In a private chat a pointed-at caption's edit edits its answer in place, still a reply to it, as in a group."""
    photo: dict[str, object] = {
        "message_id": 999, "date": int(time.time()), "chat": PRIVATE, "from": USER,
        "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}], "caption": MEETING,
    }  # fmt: skip
    bot.message(PRIVATE, "/ask", user=USER, reply_to=photo)
    await handled(bot, PRIVATE)
    bot.push({"edited_message": {**photo, "caption": FEE, "edit_date": 1}})
    await handled(bot, PRIVATE)
    [answer] = bot.called("sendMessage")
    [edit] = bot.called("editMessageText")
    assert bot.called("deleteMessage") == [] and "20 euros" in edit.text
    assert answer.params["reply_parameters"]["message_id"] == 999
