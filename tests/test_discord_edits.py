"""An edited question gets its answer edited, a deleted one takes its replies: real discord.py
against the fake gateway, which answers Unknown Message (404) for a message that is not there."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot import Service
from tests.discord_support import connected
from tests.fake_discord import Call, FakeDiscord
from tests.test_discord import TEST_PASSAGES, custom_ids, write_knowledge

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
    question, _ = await asked(online, WOMEN)
    await online.push("MESSAGE_UPDATE", online.edited(question, question["content"]))  # a link's preview came
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> are most defectors women"))
    await settled(online)
    assert edits(online) == [] and len(replies_to(online, question)) == 1


async def test_a_question_whose_mention_is_taken_out_loses_its_reply(online: FakeDiscord) -> None:
    question, reply = await asked(online, WOMEN)
    await online.push("MESSAGE_UPDATE", online.edited(question, WOMEN))
    await settled(online)
    [deleted] = deletes(online)
    assert deleted.path.endswith(f"/messages/{reply}") and reply not in online.messages


async def test_a_deleted_question_takes_its_replies_with_it(online: FakeDiscord) -> None:
    question, reply = await asked(online, CHINA)
    await online.push("MESSAGE_DELETE", online.deleted(question))
    await settled(online)
    [deleted] = deletes(online)
    assert deleted.path.endswith(f"/messages/{reply}") and reply not in online.messages
    await online.push("MESSAGE_DELETE", online.deleted(question))  # told twice: nothing more to delete
    await settled(online)
    assert len(deletes(online)) == 1


async def test_a_message_edited_to_mention_the_bot_is_answered_then(online: FakeDiscord) -> None:
    plain = online.message(WOMEN)
    await online.push("MESSAGE_CREATE", plain)
    await online.push("MESSAGE_UPDATE", online.edited(plain, f"{WOMEN} <@{online.bot_id}>"))
    await settled(online)
    [reply] = replies_to(online, plain)
    assert reply.body["embeds"][0]["title"] == "Who are the refugees?"


async def test_an_edit_long_after_the_question_is_left_alone(online: FakeDiscord) -> None:
    question, _ = await asked(online, UNKNOWN, sent_at=time.time() - 20 * 60)
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {WOMEN}"))
    await settled(online)
    assert edits(online) == []


async def test_a_reply_someone_deleted_is_sent_anew_when_the_question_is_edited(online: FakeDiscord) -> None:
    question, reply = await asked(online, UNKNOWN)
    del online.messages[reply]  # a moderator deleted the bot's reply
    await online.push("MESSAGE_UPDATE", online.edited(question, f"<@{online.bot_id}> {WOMEN}"))
    await settled(online)
    [refused] = online.find("PATCH", f"/channels/{online.channel_id}/messages/{reply}")
    assert refused.status == 404
    new = [c for c in online.find("POST", f"/channels/{online.channel_id}/messages") if c.body.get("embeds")]
    assert any(c.body["embeds"][0]["title"] == "Who are the refugees?" and reference(c) is None for c in new)
