"""An edited question gets its answer edited, a deleted one takes its replies: real discord.py
against the fake gateway, which answers Unknown Message (404) for a message that is not there."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.dc.deliver import shown
from bot import Asker, Request, Service
from bot.curation import CLI_PLATFORM
from bot.messages import COOLDOWN
from tests.discord_support import ENV, connected
from tests.fake_discord import Call, FakeDiscord
from tests.test_discord import SEND_MESSAGES, TEST_PASSAGES, custom_ids, lacking, write_knowledge

pytestmark = pytest.mark.timeout(30)

WOMEN = "Are most defectors women?"
CHINA = "What happens to refugees caught in China?"
UNKNOWN = "What is the capital of Peru?"
_markers = itertools.count(1)


@pytest.fixture
async def online(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[FakeDiscord]:
    async with connected(fake, Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES))):
        yield fake


async def settled(fake: FakeDiscord) -> None:
    """Return once the bot has dealt with every event pushed so far in the channel: a channel's
    messages and edits are handled one at a time in order, so a marker question answered last
    (from a member of its own, whose cooldown is untouched) comes after them."""
    marker = fake.mention(WOMEN, author=fake.user(str(800000000000000000 + next(_markers)), name="marker"))
    await fake.push("MESSAGE_CREATE", marker)
    await fake.wait_for(lambda c: c.method == "POST" and reference(c) == marker["id"])


def reference(call: Call) -> str | None:
    ref = (call.body or {}).get("message_reference") if isinstance(call.body, dict) else None
    return str(ref["message_id"]) if ref else None


def replies_to(fake: FakeDiscord, question: dict[str, Any]) -> list[Call]:
    return [c for c in fake.find("POST", f"/channels/{fake.channel_id}/messages") if reference(c) == question["id"]]


def edits(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.find("PATCH", f"/channels/{fake.channel_id}/messages/") if c.status == 200]


def deletes(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.find("DELETE", f"/channels/{fake.channel_id}/messages/") if c.status == 204]


async def asked(fake: FakeDiscord, text: str, **extra: Any) -> tuple[dict[str, Any], str]:
    """A mention asking `text`, answered: the message and the id of the bot's reply."""
    question = fake.mention(text, **extra)
    await fake.push("MESSAGE_CREATE", question)
    await settled(fake)
    [reply] = replies_to(fake, question)
    return question, str(reply.result["id"])


async def test_a_question_reworded_after_i_dont_know_gets_the_answer_in_the_same_message(online: FakeDiscord) -> None:
    """A question reworded after "I don't know" gets the answer in the same message: its text replaced by the answer's
    embed and vote buttons."""
    question, reply = await asked(online, UNKNOWN)
    assert online.messages[reply]["content"] and not online.messages[reply]["embeds"]  # declined: text
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {WOMEN}"))
    await settled(online)
    [edit] = edits(online)
    assert edit.path.endswith(f"/messages/{reply}")
    assert edit.body["content"] is None  # the fallback's text goes, the answer's embed comes
    assert edit.body["embeds"][0]["title"] == "Who are the refugees?"
    assert custom_ids(edit.body) == ["qa:v:+:women-majority", "qa:v:-:women-majority"]
    assert online.messages[reply]["embeds"][0]["description"].startswith("Women make up the majority")
    assert len(replies_to(online, question)) == 1
    assert online.violations == []


async def test_an_edit_that_changes_nothing_the_bot_reads_edits_nothing(online: FakeDiscord) -> None:
    """An edit that changes nothing the bot reads (a link's preview, the same question without its capital and question
    mark) edits nothing."""
    question, _ = await asked(online, WOMEN)
    await online.push("MESSAGE_UPDATE", online.edited(question, question["content"]))  # a link's preview came
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> are most defectors women"))
    await settled(online)
    assert edits(online) == [] and len(replies_to(online, question)) == 1


async def test_a_question_whose_mention_is_taken_out_loses_its_reply(online: FakeDiscord) -> None:
    """A question edited so that it no longer mentions the bot has its reply deleted."""
    question, reply = await asked(online, WOMEN)
    await online.push("MESSAGE_UPDATE", online.edited(question, WOMEN))
    await settled(online)
    [deleted] = deletes(online)
    assert deleted.path.endswith(f"/messages/{reply}") and reply not in online.messages


async def test_a_deleted_questions_replies_go_though_discord_refuses_one(online: FakeDiscord) -> None:
    """A question answered in two messages is deleted and Discord refuses to delete the first: the
    second is deleted all the same (it was forgotten, left in the channel for good)."""
    question = online.mention(f"{WOMEN} {JOBS}")
    await online.push("MESSAGE_CREATE", question)
    await settled(online)
    first, second = (str(c.result["id"]) for c in online.find("POST", f"/channels/{online.channel_id}/messages")[:2])
    online.refuse_once("DELETE", f"/channels/{online.channel_id}/messages/{first}")
    await online.push("MESSAGE_DELETE", online.deleted(question))
    await settled(online)
    assert first in online.messages and second not in online.messages


async def test_a_deleted_question_takes_its_replies_with_it(online: FakeDiscord) -> None:
    """A deleted question takes its reply with it, once, though Discord tells of the deletion twice."""
    question, reply = await asked(online, CHINA)
    await online.push("MESSAGE_DELETE", online.deleted(question))
    await settled(online)
    [deleted] = deletes(online)
    assert deleted.path.endswith(f"/messages/{reply}") and reply not in online.messages
    await online.push("MESSAGE_DELETE", online.deleted(question))  # told twice: nothing more to delete
    await settled(online)
    assert len(deletes(online)) == 1


async def test_a_question_its_member_deleted_is_not_kept_for_the_moderators(fake: FakeDiscord, tmp_path: Path) -> None:
    """A member asked the bot in a channel with their phone number in the question and deleted it:
    the bot deleted its reply, but the gaps kept the deleted words and `/kb gaps` showed them to every
    moderator for `retention_days`. A question its asker deleted leaves the gaps with it (another's
    question stays)."""
    service = Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES))
    async with connected(fake, service):
        kept = fake.mention("Can someone tell me about the capital of Peru?", author=fake.user("900000000000000061"))
        await fake.push("MESSAGE_CREATE", kept)
        question = fake.mention("My number is +31 6 1234 5678, can someone call me about the capital of Peru?")
        await fake.push("MESSAGE_CREATE", question)
        await settled(fake)
        assert "1234 5678" in service.moderate(Request("gaps"), Asker(CLI_PLATFORM, "")).text
        await fake.push("MESSAGE_DELETE", fake.deleted(question))
        await settled(fake)
        assert [c for c in deletes(fake) if c.status == 204]
        listed = service.moderate(Request("gaps"), Asker(CLI_PLATFORM, "")).text
    assert "1234 5678" not in listed and "tell me about the capital of Peru" in listed, listed


async def test_a_message_edited_to_mention_the_bot_is_answered_then(online: FakeDiscord) -> None:
    """A message edited to mention the bot is answered then, as a reply to it."""
    plain = online.message(WOMEN)
    await online.push("MESSAGE_CREATE", plain)
    await online.push("MESSAGE_UPDATE", online.edited(plain, f"{WOMEN} <@{online.bot_id}>"))
    await settled(online)
    [reply] = replies_to(online, plain)
    assert reply.body["embeds"][0]["title"] == "Who are the refugees?"


async def test_a_message_edited_to_mention_the_bots_role_is_answered_and_edited_to_another_role_loses_it(
    online: FakeDiscord,
) -> None:
    """A message edited to mention the bot's managed role is answered then; edited to mention another role instead,
    it no longer asks the bot, and its reply goes."""
    plain = online.message(WOMEN)
    await online.push("MESSAGE_CREATE", plain)
    await online.push("MESSAGE_UPDATE", online.edited(plain, f"{WOMEN} <@&{online.bot_role_id}>"))
    await settled(online)
    [reply] = replies_to(online, plain)
    assert reply.body["embeds"][0]["title"] == "Who are the refugees?"
    await online.push("MESSAGE_UPDATE", online.edited(plain, f"{WOMEN} <@&{online.helpers_role_id}>"))
    await settled(online)
    [deleted] = deletes(online)
    assert deleted.path.endswith(f"/messages/{reply.result['id']}")


async def test_an_edited_mention_where_the_bot_may_not_send_is_neither_asked_nor_sent(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """Where the bot may read but not send (#announcements), an edited mention is left unanswered as
    a new one is: nothing is sent that Discord refuses (403)."""
    lacking(fake, SEND_MESSAGES)
    async with connected(fake, Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES))):
        question = fake.mention(WOMEN)
        await fake.push("MESSAGE_CREATE", question)
        await fake.push("MESSAGE_UPDATE", fake.edited(question, f"<@{fake.bot_id}> How educated are defectors?"))
        with contextlib.suppress(TimeoutError):  # nothing comes: wait as long as an answer would take
            await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages", timeout=2)
    refused, fake.violations[:] = list(fake.violations), []  # said here, not by the strict_fakes check
    assert fake.find("POST", f"/channels/{fake.channel_id}/messages") == [] and refused == []


async def test_an_edit_long_after_the_question_is_left_alone(online: FakeDiscord) -> None:
    """An edit made long after the question (twenty minutes) is left alone."""
    question, _ = await asked(online, UNKNOWN, sent_at=time.time() - 20 * 60)
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {WOMEN}"))
    await settled(online)
    assert edits(online) == []


async def test_a_reply_someone_deleted_is_sent_anew_when_the_question_is_edited(online: FakeDiscord) -> None:
    """A reply someone deleted is sent anew when its question is edited (Discord refuses the edit of a deleted message
    with 404)."""
    question, reply = await asked(online, UNKNOWN)
    del online.messages[reply]  # a moderator deleted the bot's reply
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {WOMEN}"))
    await settled(online)
    [refused] = online.find("PATCH", f"/channels/{online.channel_id}/messages/{reply}")
    assert refused.status == 404
    new = [c for c in online.find("POST", f"/channels/{online.channel_id}/messages") if c.body.get("embeds")]
    assert any(c.body["embeds"][0]["title"] == "Who are the refugees?" and reference(c) is None for c in new)


def posts(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.find("POST", f"/channels/{fake.channel_id}/messages") if c.status == 200]


async def test_an_edit_over_the_limit_leaves_the_cooldown_note_for_the_next_question(online: FakeDiscord) -> None:
    """An edit over the member's limit keeps the earlier answer and tells nothing; the note is kept
    for their next question (spent on the edit, sent nowhere, it had left that question unanswered)."""
    question, _ = await asked(online, UNKNOWN)  # 1 of the burst of 5
    for text in (WOMEN, CHINA, "How educated are defectors?", "What jobs did defectors have?", WOMEN):
        await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {text}"))
    again = online.mention(CHINA)  # a new question, still over the limit
    await online.push("MESSAGE_CREATE", again)
    await settled(online)
    [note] = [c for c in posts(online) if reference(c) == again["id"]]
    assert note.body["content"] == shown(COOLDOWN)


async def test_a_question_deleted_while_its_answer_goes_out_takes_the_answer(online: FakeDiscord) -> None:
    """Deleted while Discord is slow to take its answer, a question still takes the answer with it."""
    online.rest_delay = 0.5
    question = online.mention(CHINA)
    await online.push("MESSAGE_CREATE", question)
    await online.wait_for(lambda c: c.method == "POST" and reference(c) == question["id"])  # in flight
    await online.push("MESSAGE_DELETE", online.deleted(question))
    online.rest_delay = 0.0
    await settled(online)
    [reply] = [c for c in posts(online) if reference(c) == question["id"]]
    assert str(reply.result["id"]) not in online.messages


async def test_two_quick_edits_leave_the_answer_of_the_last(online: FakeDiscord) -> None:
    """Edited A -> B -> A while B's answer goes out, a question ends with A's answer (B's had stayed)."""
    question, reply = await asked(online, WOMEN)
    online.rest_delay = 0.4
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {CHINA}"))
    await online.wait_for(lambda c: c.method == "PATCH")  # B's answer going out
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {WOMEN}"))
    await settled(online)
    online.rest_delay = 0.0
    assert online.messages[reply]["embeds"][0]["title"] == "Who are the refugees?"


async def test_questions_deleted_in_bulk_take_their_replies(online: FakeDiscord) -> None:
    """A purge, or a ban that deletes a member's messages, deletes them in one MESSAGE_DELETE_BULK."""
    question, reply = await asked(online, CHINA)
    bulk = {"ids": [question["id"], "1"], "channel_id": question["channel_id"], "guild_id": question["guild_id"]}
    await online.push("MESSAGE_DELETE_BULK", bulk)
    await settled(online)
    assert reply not in online.messages and len(deletes(online)) == 1


async def test_a_purge_that_took_the_answers_too_sends_no_deletion_of_its_own(online: FakeDiscord) -> None:
    """A moderator's purge deletes the questions and the bot's answers in one MESSAGE_DELETE_BULK: the
    bot asks Discord to delete none of those answers again (each was an Unknown Message, 404, spent
    from the channel's deletion rate limit), and an answer left out of the purge still goes."""
    first, first_reply = await asked(online, CHINA)
    second, second_reply = await asked(online, WOMEN, author=online.user("800000000000000001", name="other"))
    purged = [first["id"], first_reply, second["id"]]  # the purge stopped short of the second answer
    for message_id in purged:
        online.messages.pop(message_id, None)  # gone from the channel, as Discord deletes them
    bulk = {"ids": purged, "channel_id": first["channel_id"], "guild_id": first["guild_id"]}
    await online.push("MESSAGE_DELETE_BULK", bulk)
    await settled(online)
    tried = [c.path.rsplit("/", 1)[1] for c in online.find("DELETE", f"/channels/{online.channel_id}/messages/")]
    assert tried == [second_reply] and second_reply not in online.messages


async def test_edits_of_chatter_never_crowd_out_a_question(online: FakeDiscord) -> None:
    """Edits of messages not for the bot (a link's preview arriving) take no place in the channel's
    queue: 260 of them while a reply is slow to go out had filled it, and a question was dropped."""
    online.rest_delay = 1.0
    first = online.mention(CHINA)
    await online.push("MESSAGE_CREATE", first)
    await online.wait_for(lambda c: c.method == "POST" and reference(c) == first["id"])
    chatter = online.message("lol see https://example.com")
    await online.push("MESSAGE_CREATE", chatter)
    for i in range(260):
        await online.push("MESSAGE_UPDATE", online.edited(chatter, f"lol see https://example.com ({i})"))
    question = online.mention("How educated are defectors?", author=online.user("800000000000009999", name="b"))
    await online.push("MESSAGE_CREATE", question)
    online.rest_delay = 0.0
    await online.wait_for(lambda c: c.method == "POST" and reference(c) == question["id"], timeout=20)


async def test_a_reply_to_the_bot_keeps_its_answer_when_its_typo_is_fixed(online: FakeDiscord) -> None:
    """A reply to the bot's answer (Discord's reply, pinging the bot) is answered; its edit mentions
    only whom its text mentions, and is still a reply to the bot: followed, not taken for chatter."""
    _, answer = await asked(online, WOMEN)
    shown_message = online.messages[answer]
    reply = online.message("and in china, what hapens to them?", mentions=[online.bot_user()])
    reference_to = {"message_id": answer, "channel_id": online.channel_id, "guild_id": online.guild_id}
    reply.update(type=19, message_reference=reference_to, referenced_message=shown_message)
    await online.push("MESSAGE_CREATE", reply)
    await settled(online)
    [second] = [c for c in posts(online) if reference(c) == reply["id"]]
    await online.push("MESSAGE_UPDATE", online.edited(reply, "and in china, what happens to them?"))
    await settled(online)
    assert str(second.result["id"]) in online.messages and deletes(online) == []


@pytest.mark.parametrize("said", ["lol", "ok", "what happens to refugees caught in china?"])
async def test_a_reply_to_the_bot_with_its_ping_off_talks_to_the_channel_not_to_the_bot(
    fake: FakeDiscord, tmp_path: Path, said: str
) -> None:
    """Turning the ping off is how a member talks to the others about an answer: even with the
    Message Content intent (the bot reads it), no reply ("lol" had got a pointer to /help, "ok" the
    whole topic list), and no cooldown spent."""
    fake.grant_message_content = True
    service = Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES))
    async with connected(fake, service, {**ENV, "DISCORD_MESSAGE_CONTENT": "1"}):
        _, answer = await asked(fake, WOMEN)
        reply = fake.message(said)  # no ping: mentions nobody
        reference_to = {"message_id": answer, "channel_id": fake.channel_id, "guild_id": fake.guild_id}
        reply.update(type=19, message_reference=reference_to, referenced_message=fake.messages[answer])
        await fake.push("MESSAGE_CREATE", reply)
        await settled(fake)
    assert [c for c in posts(fake) if reference(c) == reply["id"]] == []


async def test_a_message_edited_to_ask_the_bot_then_deleted_takes_its_answer(online: FakeDiscord) -> None:
    """An edit that adds the mention waits its turn behind an answer going out; deleted meanwhile,
    the question takes the answer its edit is given, as a first question does."""
    online.rest_delay = 0.5
    first = online.mention(WOMEN, author=online.user("800000000000000091", name="other"))
    await online.push("MESSAGE_CREATE", first)
    await online.wait_for(lambda c: c.method == "POST" and reference(c) == first["id"])  # in flight
    chatter = online.message(CHINA)  # no mention: not asked
    await online.push("MESSAGE_CREATE", chatter)
    await asyncio.sleep(0.05)  # on_message has run before the edit updates the cached message
    await online.push("MESSAGE_UPDATE", online.edited(chatter, f"<@{online.bot_id}> {CHINA}"))  # now asked
    await asyncio.sleep(0.05)
    await online.push("MESSAGE_DELETE", online.deleted(chatter))
    online.rest_delay = 0.0
    await settled(online)
    assert [c for c in posts(online) if reference(c) == chatter["id"] and str(c.result["id"]) in online.messages] == []


JOBS = "What jobs did defectors have?"


def refused_after_next_post(fake: FakeDiscord) -> None:
    """Discord refusing (403) the message after the next one the bot posts, as it refuses a message
    AutoMod blocks or one sent after the bot lost a permission: an answer of several messages cut
    short after its first went out."""

    def posted(_: Call) -> None:
        fake.on_posted = None
        fake.refuse_once("POST", f"/channels/{fake.channel_id}/messages")

    fake.on_posted = posted


def refused(fake: FakeDiscord) -> list[int]:
    """The statuses of the bot's messages Discord refused in the channel."""
    return [c.status for c in fake.find("POST", f"/channels/{fake.channel_id}/messages") if c.status >= 400]


async def cut_short(fake: FakeDiscord, text: str) -> tuple[dict[str, Any], str]:
    """A mention asking `text` (two questions), whose answer's second message Discord refused: the
    message and the id of the one reply that went out."""
    refused_after_next_post(fake)
    question, reply = await asked(fake, text)
    assert refused(fake) == [403]
    return question, reply


@pytest.mark.allow_error_logs
async def test_an_answer_cut_short_is_replaced_when_its_question_is_edited(online: FakeDiscord) -> None:
    """An answer of two messages whose second Discord refused is remembered as far as it went: the
    question's edit edits that message, and no stale answer stays above a new one."""
    question, reply = await cut_short(online, f"{WOMEN} {JOBS}")
    assert online.messages[reply]["embeds"][0]["title"] == "Who are the refugees?"
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {CHINA}"))
    await settled(online)
    [edit] = edits(online)
    assert edit.path.endswith(f"/messages/{reply}") and len(replies_to(online, question)) == 1
    assert online.messages[reply]["embeds"][0]["title"] == "Life in hiding"


@pytest.mark.allow_error_logs
async def test_a_deleted_question_takes_an_answer_cut_short_with_it(online: FakeDiscord) -> None:
    """A question whose answer Discord refused after its first message, then deleted: that message
    is deleted with it, as a whole answer's would be."""
    question, reply = await cut_short(online, f"{WOMEN} {JOBS}")
    await online.push("MESSAGE_DELETE", online.deleted(question))
    await settled(online)
    [deleted] = deletes(online)
    assert deleted.path.endswith(f"/messages/{reply}") and reply not in online.messages


@pytest.mark.allow_error_logs
async def test_an_answer_cut_short_is_deleted_when_the_mention_is_taken_out(online: FakeDiscord) -> None:
    """A question whose answer was cut short after its first message, edited so that it no longer
    mentions the bot: that message is deleted, as a whole answer's would be."""
    question, reply = await cut_short(online, f"{WOMEN} {JOBS}")
    await online.push("MESSAGE_UPDATE", online.edited(question, f"{WOMEN} {JOBS}"))
    await settled(online)
    [deleted] = deletes(online)
    assert deleted.path.endswith(f"/messages/{reply}") and reply not in online.messages


@pytest.mark.allow_error_logs
async def test_an_edit_whose_answer_was_cut_short_is_remembered_as_far_as_it_went(online: FakeDiscord) -> None:
    """An edit into three questions: the first message left as it was, the second sent, the third
    refused. The next edit finds both messages: back to one question, one message is left."""
    question, reply = await asked(online, WOMEN)
    refused_after_next_post(online)
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {WOMEN} {JOBS} {CHINA}"))
    await settled(online)
    [second] = [c for c in posts(online) if (c.body.get("embeds") or [{}])[0].get("title") == "Work"]
    assert refused(online) == [403]
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {CHINA}"))
    await settled(online)
    assert str(second.result["id"]) not in online.messages
    assert online.messages[reply]["embeds"][0]["title"] == "Life in hiding"


@pytest.mark.allow_error_logs
async def test_an_answer_left_half_deleted_is_shown_whole_when_the_mention_is_put_back(online: FakeDiscord) -> None:
    """Mention taken out, the second deletion refused: putting the mention back shows the whole answer again."""
    question = online.mention(f"{WOMEN} {JOBS}")
    await online.push("MESSAGE_CREATE", question)
    await settled(online)
    first, second = (str(c.result["id"]) for c in online.find("POST", f"/channels/{online.channel_id}/messages")[:2])
    assert [str(c.result["id"]) for c in replies_to(online, question)] == [first]
    online.refuse_once("DELETE", f"/channels/{online.channel_id}/messages/{second}")
    await online.push("MESSAGE_UPDATE", online.edited(question, f"{WOMEN} {JOBS}"))  # the mention taken out
    await settled(online)
    assert first not in online.messages and second in online.messages  # half the answer left
    posts = f"/channels/{online.channel_id}/messages"
    seen = len(online.find("POST", posts))
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {WOMEN} {JOBS}"))
    await settled(online)
    new = [str(c.result["id"]) for c in online.find("POST", posts)[seen:] if c.status == 200]
    ours = [i for i in [second, *new] if i in online.messages]
    titles = sorted(online.messages[i]["embeds"][0]["title"] for i in ours)
    assert titles.count("Who are the refugees?") == 2 and "Work" in titles, titles  # the marker's, and ours


@pytest.mark.allow_error_logs
async def test_an_answer_cut_short_is_completed_by_an_edit_leaving_the_question_the_same(
    online: FakeDiscord,
) -> None:
    """An answer whose second message Discord refused gets it sent when its question is edited (the mention moved)."""
    question, reply = await cut_short(online, f"{WOMEN} {JOBS}")
    posts = f"/channels/{online.channel_id}/messages"
    seen = len(online.find("POST", posts))
    await online.push("MESSAGE_UPDATE", online.edited(question, f"{WOMEN} {JOBS} <@{online.bot_id}>"))
    await settled(online)
    new = [c for c in online.find("POST", posts)[seen:] if c.status == 200]
    assert reply in online.messages
    assert any((c.body.get("embeds") or [{}])[0].get("title") == "Work" for c in new), "the missing message"


async def test_a_question_edited_until_answered_leaves_no_gap_in_its_first_words(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """A question reworded after "I don't know" stayed a gap in its first words, whatever it asked at last;
    reworded again, `kb gaps` holds its last words only, and answered, none."""
    service = Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES))
    async with connected(fake, service):
        question, _ = await asked(fake, UNKNOWN)
        await fake.push("MESSAGE_UPDATE", fake.edited(question, f"<@{fake.bot_id}> What is the capital of Chile?"))
        await settled(fake)
        assert service.gaps is not None
        assert [gap.questions for gap in service.gaps.gaps()] == [("What is the capital of Chile?",)]
        await fake.push("MESSAGE_UPDATE", fake.edited(question, f"<@{fake.bot_id}> {CHINA}"))
        await settled(fake)
        assert service.gaps.gaps() == []
        assert [edit.body["embeds"] for edit in edits(fake)][-1]  # answered now
