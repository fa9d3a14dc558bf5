"""An edited question gets its answer edited: the real python-telegram-bot against the fake Bot API.

The fake refuses what Telegram refuses: editing a message the bot never sent (or that was
deleted), an edit that changes neither text nor buttons, deleting a message that is gone.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram_support import handled, running, write_handbook

from bot import Service
from bot.messages import COOLDOWN
from tests.fake_telegram import BOT_USERNAME, Call, FakeTelegram, Fault
from tests.test_telegram import GROUP, PRIVATE, USER

MEETING = "When do we meet?"
FEE = "How much is the membership fee?"
UNKNOWN = "What is the wifi password in the hall?"
PARKING = "Where can I park my car?"
FAST = {"TELEGRAM_SEND_ATTEMPTS": "2", "TELEGRAM_RETRY_DELAY": "0.05"}  # a failed send is given up quickly


@pytest.fixture
async def bot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    """The bot running on the handbook against `fake`, until the test ends."""
    async with running(fake, Service.from_directory(write_handbook(tmp_path / "knowledge"))):
        yield fake


@pytest.fixture
async def hasty_bot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    """The bot as `bot`, giving up a send after two quick attempts."""
    async with running(fake, Service.from_directory(write_handbook(tmp_path / "knowledge")), **FAST):
        yield fake


def outage_after_next_send(fake: FakeTelegram) -> None:
    """Telegram failing (500) every attempt at the message after the next one the bot sends: an
    answer of several messages cut short after its first went out."""

    def sent(_: Call) -> None:
        fake.on_sent = None
        fake.inject("sendMessage", Fault(status=500), int(FAST["TELEGRAM_SEND_ATTEMPTS"]))

    fake.on_sent = sent


async def asked(fake: FakeTelegram, chat: dict[str, object], text: str, **fields: object) -> dict[str, object]:
    """`text` sent in `chat`, once the bot has handled it."""
    message = fake.message(chat, text, user=USER, **fields)
    await handled(fake, chat)
    return message


async def edited(fake: FakeTelegram, chat: dict[str, object], message: dict[str, object], text: str) -> None:
    fake.edit(message, text)
    await handled(fake, chat)


def shown(fake: FakeTelegram, chat: dict[str, object]) -> list[str]:
    """The bot's messages in `chat` as they read now, oldest first."""
    return [m["text"] for (chat_id, _), m in sorted(fake.sent.items()) if chat_id == chat["id"]]


async def test_a_screenshots_caption_edited_in_a_private_chat_gets_its_answer_edited(bot: FakeTelegram) -> None:
    """A photo's caption asked in a private chat and then fixed: its answer is edited to the new question's."""
    photo = {"message_id": 31, "date": int(time.time()), "chat": PRIVATE, "from": USER, "caption": MEETING,
             "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]}  # fmt: skip
    bot.push({"message": photo})
    await handled(bot, PRIVATE)
    [answer] = bot.called("sendMessage")
    bot.push({"edited_message": {**photo, "caption": FEE, "edit_date": int(time.time())}})
    await handled(bot, PRIVATE)
    [edit] = bot.called("editMessageText")
    assert "every Thursday" in answer.text and int(edit.params["message_id"]) == answer.result["message_id"]
    assert "20 euros" in edit.text and len(bot.called("sendMessage")) == 1


async def test_a_question_reworded_after_i_dont_know_gets_the_answer_in_the_same_message(bot: FakeTelegram) -> None:
    """A question reworded after "I don't know" gets the answer in the same message (edited, with its vote buttons),
    nothing new in the chat."""
    question = await asked(bot, PRIVATE, UNKNOWN)
    [declined] = bot.called("sendMessage")
    assert "every Thursday" not in declined.text and declined.buttons()  # declined, topics offered
    await edited(bot, PRIVATE, question, MEETING)
    [edit] = bot.called("editMessageText")
    assert int(edit.params["message_id"]) == declined.result["message_id"]
    assert "every Thursday" in edit.text
    assert [b["callback_data"] for b in edit.buttons()] == ["v:+:meeting-times", "v:-:meeting-times"]
    assert len(bot.called("sendMessage")) == 1  # nothing new in the chat
    assert len(shown(bot, PRIVATE)) == 1 and "every Thursday" in shown(bot, PRIVATE)[0]


async def test_an_edit_that_gives_the_same_answer_edits_nothing(bot: FakeTelegram) -> None:
    """An edit whose answer is the one already shown edits nothing (and the same text again is not even asked)."""
    question = await asked(bot, PRIVATE, MEETING)
    await edited(bot, PRIVATE, question, "when do we meet")
    await edited(bot, PRIVATE, question, "when do we meet")  # the same text again: not even asked
    assert bot.calls_of("editMessageText") == []
    assert len(bot.called("sendMessage")) == 1


async def test_a_group_question_whose_mention_is_taken_out_loses_its_reply(bot: FakeTelegram) -> None:
    """A group question edited so that it no longer mentions the bot has its reply deleted; further edits without a
    mention do nothing."""
    question = await asked(bot, GROUP, f"@{BOT_USERNAME} {MEETING}")
    [reply] = bot.called("sendMessage")
    assert reply.params["reply_parameters"]["message_id"] == question["message_id"]
    await edited(bot, GROUP, question, MEETING)  # no longer addressed to the bot
    [deleted] = bot.called("deleteMessage")
    assert int(deleted.params["message_id"]) == reply.result["message_id"]
    assert shown(bot, GROUP) == []
    await edited(bot, GROUP, question, "When do we meet then?")  # still not addressed: nothing more
    assert len(bot.called("deleteMessage")) == 1 and len(bot.called("sendMessage")) == 1


async def test_telegram_a_caption_removed_from_a_photo_in_a_group_loses_its_answer(bot: FakeTelegram) -> None:
    """A photo captioned "@QABot When do we meet?" whose caption is then removed no longer addresses the
    bot: its answer is deleted, as when the mention is taken out (the edit, without a caption, was ignored)."""
    photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
    mention = {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}
    sent = {"message_id": 77, "date": int(time.time()), "chat": GROUP, "from": USER, "photo": photo,
            "caption": f"@{BOT_USERNAME} When do we meet?", "caption_entities": [mention]}  # fmt: skip
    bot.push({"message": sent})
    [answer] = await bot.wait_for("sendMessage")
    uncaptioned = {k: v for k, v in sent.items() if k not in ("caption", "caption_entities")}
    bot.push({"edited_message": {**uncaptioned, "edit_date": int(time.time())}})
    await handled(bot, GROUP)
    assert "18:00" in answer.text
    deleted = [c.params["message_id"] for c in bot.called("deleteMessage")]
    assert deleted == [str(answer.result["message_id"])], deleted


async def test_a_caption_removed_from_a_photo_in_a_private_chat_loses_its_answer(bot: FakeTelegram) -> None:
    """In a private chat too a photo left without its caption asks nothing: its answer is deleted, not edited
    into the help (nor into the note for a file sent alone)."""
    photo = {"message_id": 32, "date": int(time.time()), "chat": PRIVATE, "from": USER, "caption": MEETING,
             "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]}  # fmt: skip
    bot.push({"message": photo})
    [answer] = await bot.wait_for("sendMessage")
    bot.push({"edited_message": {**{k: v for k, v in photo.items() if k != "caption"}, "edit_date": int(time.time())}})
    await handled(bot, PRIVATE)
    assert [int(c.params["message_id"]) for c in bot.called("deleteMessage")] == [answer.result["message_id"]]
    assert bot.calls_of("editMessageText") == [] and shown(bot, PRIVATE) == []


async def test_a_group_message_edited_to_mention_the_bot_is_answered_then(bot: FakeTelegram) -> None:
    """A group message edited to mention the bot is answered then, as a reply to it."""
    question = await asked(bot, GROUP, MEETING)
    assert bot.called("sendMessage") == []  # not addressed: silence
    await edited(bot, GROUP, question, f"{MEETING} @{BOT_USERNAME}")
    [reply] = bot.called("sendMessage")
    assert "every Thursday" in reply.text
    assert reply.params["reply_parameters"]["message_id"] == question["message_id"]


async def test_an_edited_ask_command_is_answered_anew_and_other_commands_never_run_again(bot: FakeTelegram) -> None:
    """An edited `/ask` is answered anew in the same message; other commands edited never run again."""
    question = await asked(bot, GROUP, f"/ask@{BOT_USERNAME} {UNKNOWN}")
    await edited(bot, GROUP, question, f"/ask@{BOT_USERNAME} {FEE}")
    [edit] = bot.called("editMessageText")
    assert "20 euros" in edit.text
    sources = await asked(bot, PRIVATE, "/sources")
    await edited(bot, PRIVATE, sources, "/sources please")
    await edited(bot, PRIVATE, sources, "/help")
    assert len(bot.called("sendMessage")) == 2  # the /ask answer and /sources, each once
    assert len(bot.called("editMessageText")) == 1


async def test_an_answer_of_two_questions_edited_to_one_keeps_one_message(bot: FakeTelegram) -> None:
    """An answer to two questions edited to ask one keeps one message (the other deleted); edited back to two, one more
    is sent."""
    question = await asked(bot, PRIVATE, f"{MEETING} {FEE}")
    first, second = bot.called("sendMessage")
    await edited(bot, PRIVATE, question, FEE)
    assert [int(c.params["message_id"]) for c in bot.called("editMessageText")] == [first.result["message_id"]]
    assert [int(c.params["message_id"]) for c in bot.called("deleteMessage")] == [second.result["message_id"]]
    [now] = shown(bot, PRIVATE)
    assert "20 euros" in now and "every Thursday" not in now
    await edited(bot, PRIVATE, question, f"{FEE} {MEETING}")  # and back to two: one more message
    assert len(bot.called("sendMessage")) == 3
    assert len(shown(bot, PRIVATE)) == 2


async def test_an_edit_long_after_the_question_is_left_alone(bot: FakeTelegram) -> None:
    """An edit made long after the question (twenty minutes) is left alone."""
    question = await asked(bot, PRIVATE, UNKNOWN, date=int(time.time()) - 20 * 60)
    await edited(bot, PRIVATE, question, MEETING)
    assert bot.calls_of("editMessageText") == [] and len(bot.called("sendMessage")) == 1


async def test_a_reply_someone_deleted_is_sent_anew_when_the_question_is_edited(bot: FakeTelegram) -> None:
    """A reply someone deleted is sent anew when its question is edited (Telegram refuses the edit of a deleted
    message)."""
    question = await asked(bot, PRIVATE, UNKNOWN)
    bot.sent.clear()  # an admin deleted the bot's reply
    await edited(bot, PRIVATE, question, MEETING)
    [refused] = bot.calls_of("editMessageText")
    assert refused.status == 400
    assert len(bot.called("sendMessage")) == 2 and "every Thursday" in shown(bot, PRIVATE)[0]
    assert bot.violations == []


async def test_edits_count_against_the_askers_limit_and_over_it_the_answer_stays(bot: FakeTelegram) -> None:
    """Edits count against the asker's limit: a flood of edits is cut short, and over the limit the last answer stays
    without a cooldown note."""
    question = await asked(bot, PRIVATE, UNKNOWN)
    for text in (MEETING, FEE, UNKNOWN, MEETING, FEE, UNKNOWN, MEETING, FEE):
        bot.edit(question, text)
    await handled(bot, PRIVATE)
    await asyncio.sleep(0.2)
    edits = bot.called("editMessageText")
    assert 2 <= len(edits) < 8  # the cooldown stopped the flood of edits
    assert len(bot.called("sendMessage")) == 1  # and no cooldown note replaced the answer
    assert shown(bot, PRIVATE) == [edits[-1].text]


async def test_an_edit_over_the_limit_leaves_the_cooldown_note_for_the_next_question(bot: FakeTelegram) -> None:
    """An edit over the member's limit keeps the earlier answer and tells nothing; the note is kept
    for their next question (spent on the edit, sent nowhere, it had left that question unanswered)."""
    question = await asked(bot, PRIVATE, UNKNOWN)  # 1 of the burst of 5
    for text in (MEETING, FEE, "Where can I park my car?", "What are the rules of the group?", MEETING):
        bot.edit(question, text)  # 4 more, then one over the limit
    bot.message(PRIVATE, FEE, user=USER)  # a new question, still over the limit
    await handled(bot, PRIVATE)
    assert [c.text for c in bot.called("sendMessage")][-1] == html.escape(COOLDOWN, quote=False)


async def test_a_channel_post_forwarded_into_its_group_is_not_answered_when_edited(bot: FakeTelegram) -> None:
    """A channel's post forwarded automatically into its discussion group is no member's question, and
    is edited there when the channel's admin edits the post: still no question."""
    channel = {"id": -1002222, "type": "channel", "title": "Club news"}
    origin = {"forward_origin": {"type": "channel", "chat": channel, "message_id": 5, "date": 1700000000}}
    telegram = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
    post = f"Big news: we meet on Friday now! Questions? Ask @{BOT_USERNAME}."
    message = bot.message(GROUP, post, user=telegram, sender_chat=channel, is_automatic_forward=True, **origin)
    await handled(bot, GROUP)
    await edited(bot, GROUP, message, post.replace("Friday", "Saturday"))
    assert bot.called("sendMessage") == []


async def test_an_edited_ask_command_in_capitals_is_answered_anew(bot: FakeTelegram) -> None:
    """python-telegram-bot takes "/ASK@QABot ..." for /ask, and so does the edit's reading of it."""
    question = await asked(bot, GROUP, f"/ASK@{BOT_USERNAME} {UNKNOWN}")
    await edited(bot, GROUP, question, f"/ASK@{BOT_USERNAME} {FEE}")
    assert bot.called("deleteMessage") == []
    assert ["20 euros" in text for text in shown(bot, GROUP)] == [True]


@pytest.mark.allow_error_logs
async def test_an_answer_cut_short_is_replaced_when_its_question_is_edited(
    hasty_bot: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """An answer of two messages whose second could not be sent is remembered as far as it went:
    the question's edit edits that message, and no stale answer stays above the new one."""
    outage_after_next_send(hasty_bot)
    question = await asked(hasty_bot, PRIVATE, f"{MEETING} {FEE}")
    [meeting] = shown(hasty_bot, PRIVATE)
    assert "every Thursday" in meeting
    await edited(hasty_bot, PRIVATE, question, FEE)
    [now] = shown(hasty_bot, PRIVATE)
    assert "20 euros" in now and len(hasty_bot.called("editMessageText")) == 1
    assert ["reply lost" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [True]


@pytest.mark.allow_error_logs
async def test_an_answer_cut_short_is_deleted_when_the_mention_is_taken_out(hasty_bot: FakeTelegram) -> None:
    """A group question whose answer was cut short after its first message, edited so that it no
    longer addresses the bot: that message is deleted, as a whole answer's would be."""
    outage_after_next_send(hasty_bot)
    question = await asked(hasty_bot, GROUP, f"@{BOT_USERNAME} {MEETING} {FEE}")
    assert len(shown(hasty_bot, GROUP)) == 1
    await edited(hasty_bot, GROUP, question, f"{MEETING} {FEE}")
    assert shown(hasty_bot, GROUP) == []


@pytest.mark.allow_error_logs
async def test_an_edit_whose_answer_was_cut_short_is_remembered_as_far_as_it_went(hasty_bot: FakeTelegram) -> None:
    """An edit into three questions: the first message edited, the second sent, the third refused.
    The next edit finds both messages: back to one question, one message is left."""
    question = await asked(hasty_bot, PRIVATE, MEETING)
    outage_after_next_send(hasty_bot)
    await edited(hasty_bot, PRIVATE, question, f"{MEETING} {FEE} {PARKING}")
    assert len(shown(hasty_bot, PRIVATE)) == 2
    await edited(hasty_bot, PRIVATE, question, FEE)
    [now] = shown(hasty_bot, PRIVATE)
    assert "20 euros" in now


@pytest.mark.allow_error_logs
async def test_an_answer_cut_short_is_completed_by_its_questions_next_edit(hasty_bot: FakeTelegram) -> None:
    """A group answer cut short is completed (the missing message sent) by an edit that leaves its question the same."""
    outage_after_next_send(hasty_bot)
    question = await asked(hasty_bot, GROUP, f"@{BOT_USERNAME} {MEETING} {FEE}")
    assert len(shown(hasty_bot, GROUP)) == 1
    await edited(hasty_bot, GROUP, question, f"{MEETING} {FEE} @{BOT_USERNAME}")  # the mention moved: the same question
    now = shown(hasty_bot, GROUP)
    assert len(now) == 2 and "every Thursday" in now[0] and "20 euros" in now[1], now
    assert hasty_bot.calls_of("editMessageText") == []  # the message that went out reads the same


@pytest.mark.allow_error_logs
async def test_an_answer_left_half_deleted_is_rewritten_when_its_question_asks_the_same_again(
    hasty_bot: FakeTelegram,
) -> None:
    """The mention taken out and one deletion failing leaves half an answer; the mention put back restores it whole."""
    question = await asked(hasty_bot, GROUP, f"@{BOT_USERNAME} {MEETING} {FEE}")
    hasty_bot.inject("deleteMessage", Fault(status=200))  # the first message goes, the second stays
    hasty_bot.inject("deleteMessage", Fault(status=500), int(FAST["TELEGRAM_SEND_ATTEMPTS"]))
    await edited(hasty_bot, GROUP, question, f"{MEETING} {FEE}")
    [left] = shown(hasty_bot, GROUP)
    assert "20 euros" in left
    await edited(hasty_bot, GROUP, question, f"@{BOT_USERNAME} {MEETING} {FEE}")
    now = shown(hasty_bot, GROUP)
    assert len(now) == 2 and "every Thursday" in now[0] and "20 euros" in now[1], now


async def test_a_question_edited_after_its_group_became_a_supergroup_is_answered_there(bot: FakeTelegram) -> None:
    """A question answered in a basic group, edited after the group was upgraded to a supergroup (the
    edit still queued from the old group): Telegram refuses to edit the old answer there (400, naming
    the supergroup), and the new answer goes to the supergroup; it had been an ERROR with a traceback."""
    basic = {"id": -4323, "type": "group", "title": "Community (old group)"}
    question = await asked(bot, basic, f"@{BOT_USERNAME} {MEETING}")
    bot.migrate(basic, -1004323)
    await edited(bot, basic, question, f"@{BOT_USERNAME} {FEE}")
    assert [(c.method, c.status) for c in bot.calls if c.method in ("editMessageText", "sendMessage")] == [
        ("sendMessage", 200),
        ("editMessageText", 400),
        ("sendMessage", 200),
    ]
    [_, anew] = bot.called("sendMessage")
    assert anew.params["chat_id"] == "-1004323" and "20 euros" in anew.text


async def test_a_question_edited_after_telegram_announced_its_groups_upgrade_is_answered_without_a_refusal(
    bot: FakeTelegram,
) -> None:
    """A question answered in a basic group, edited after Telegram said the group became a supergroup
    (its service message): the new answer goes to the supergroup at once; the bot had first tried to
    edit the old answer, which Telegram refused."""
    basic = {"id": -4326, "type": "group", "title": "Community (old group)"}
    question = await asked(bot, basic, f"@{BOT_USERNAME} {MEETING}")
    bot.upgrade(basic, -1004326, user=USER)
    await edited(bot, basic, question, f"@{BOT_USERNAME} {FEE}")
    assert [(c.method, c.params["chat_id"], c.status) for c in bot.calls if "chat_id" in c.params] == [
        ("sendMessage", "-4326", 200),
        ("sendMessage", "-1004326", 200),
    ]
    assert "20 euros" in bot.called("sendMessage")[1].text


async def test_a_question_taken_back_after_its_group_became_a_supergroup_leaves_its_answer_quietly(
    bot: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """The mention taken out of a question in a basic group upgraded meanwhile: Telegram refuses to
    delete the answer in the old group (400, naming the supergroup), which stays, said at INFO (it had
    been an ERROR with a traceback, and an apology)."""
    basic = {"id": -4324, "type": "group", "title": "Community (old group)"}
    question = await asked(bot, basic, f"@{BOT_USERNAME} {MEETING}")
    bot.migrate(basic, -1004324)
    await edited(bot, basic, question, MEETING)
    assert [c.status for c in bot.calls_of("deleteMessage")] == [400]
    assert len(bot.calls_of("sendMessage")) == 1  # no apology
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.fixture
async def recording(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[tuple[FakeTelegram, Service]]:
    """The bot as `bot`, with the service whose gaps database it records into."""
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"))
    async with running(fake, service):
        yield fake, service


async def test_a_question_reworded_while_unanswered_is_a_gap_in_its_last_words(
    recording: tuple[FakeTelegram, Service],
) -> None:
    """An unanswered question edited to other unanswered words was listed by `kb gaps` in its first words."""
    bot, service = recording
    question = await asked(bot, GROUP, f"@{BOT_USERNAME} What is the wifi code?")
    await edited(bot, GROUP, question, f"@{BOT_USERNAME} {UNKNOWN}")
    assert service.gaps is not None
    assert [gap.questions for gap in service.gaps.gaps()] == [(UNKNOWN,)]


async def test_a_question_edited_until_answered_is_no_gap_and_counts_once_for_its_passage(
    recording: tuple[FakeTelegram, Service],
) -> None:
    """An unanswered question edited into one the bot answers stayed a gap, and each edit counted for the stats."""
    bot, service = recording
    question = await asked(bot, PRIVATE, UNKNOWN)
    await edited(bot, PRIVATE, question, MEETING)
    await edited(bot, PRIVATE, question, f"{MEETING} Thanks!")
    assert "every Thursday" in shown(bot, PRIVATE)[0]
    assert service.gaps is not None
    assert service.gaps.gaps() == []
    assert service.gaps.most_asked() == [("meeting-times", 1, 0)]


async def test_a_question_someone_pointed_the_bot_at_counts_in_its_askers_last_words(
    recording: tuple[FakeTelegram, Service],
) -> None:
    """A question answered because someone pointed the bot at it, then edited by its asker, stayed a gap
    in its first words."""
    bot, service = recording
    question = await asked(bot, GROUP, UNKNOWN)  # not addressed to the bot: not answered
    pointer = bot.message(GROUP, f"@{BOT_USERNAME}", user={"id": 77, "is_bot": False, "first_name": "Helper"},
                          reply_to_message=question)  # fmt: skip
    await handled(bot, GROUP)
    assert pointer and "every Thursday" not in shown(bot, GROUP)[0]
    await edited(bot, GROUP, question, MEETING)
    assert "every Thursday" in shown(bot, GROUP)[0]
    assert service.gaps is not None and service.gaps.gaps() == []
