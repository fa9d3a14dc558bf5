"""A Discord message deleted, or edited so that it no longer asks the bot, takes what it asked out of
the record (`kb gaps`), by its key: real discord.py against the fake gateway, on both backends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest

from adapters.dc.host import asker
from bot import Asker, Request, Service
from bot.curation import CLI_PLATFORM
from tests.backends import Backend, backend
from tests.discord_support import ENV, connected
from tests.fake_discord import FakeDiscord
from tests.test_discord import TEST_PASSAGES, write_knowledge
from tests.test_discord_edits import deletes, replies_to, settled
from tests.test_discord_pointing import pointing

pytestmark = pytest.mark.timeout(30)
assert backend  # the fixture: each test taking `backend` runs on the files and on PostgreSQL

PHONE = "My number is +31 6 1234 5678, can someone call me about the capital of Peru?"


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    """The knowledge `backend` serves here: TEST_PASSAGES."""
    return write_knowledge(tmp_path / "kb", TEST_PASSAGES)


def gaps(backend: Backend, service: Service) -> str:
    """`kb gaps` as a moderator reads it, once what the bot recorded is stored."""
    backend.written(service)
    return service.moderate(Request("gaps"), Asker(CLI_PLATFORM, "")).text


async def without(backend: Backend, service: Service, words: str) -> str:
    """`kb gaps` once `words` have left it, or as it still is after a while: a message the bot did not
    answer lately is forgotten beside the channel's queue (chatter deleted takes no place in it)."""
    for _ in range(100):
        if words not in (listed := gaps(backend, service)):
            break
        await asyncio.sleep(0.05)
    return listed


async def test_a_deleted_question_takes_only_its_own_words_from_the_record(fake: FakeDiscord, backend: Backend) -> None:
    """A member asks the same words in two messages and deletes one: the other message's stays (the
    deletion had forgotten every question of the member in those words)."""
    service = backend.service()
    async with connected(fake, service):
        first, second = fake.mention(PHONE), fake.mention(PHONE)
        for question in (first, second):
            await fake.push("MESSAGE_CREATE", question)
        await settled(fake)
        await fake.push("MESSAGE_DELETE", fake.deleted(first))
        await settled(fake)
        [reply] = replies_to(fake, first)
        assert [c.path.rpartition("/")[2] for c in deletes(fake)] == [str(reply.result["id"])]  # its reply alone
        listed = gaps(backend, service)
    assert f"×1 “{PHONE}”" in listed, listed


async def test_a_question_deleted_after_a_restart_leaves_the_record(fake: FakeDiscord, backend: Backend) -> None:
    """A question asked before the bot restarted, and deleted since, leaves the record: its key is
    rebuilt from the event (the channel's id and the message's), in a server's channel and in a DM,
    whose member Discord names when asked (a DM's questions are keyed by the member, not the channel)."""
    service = backend.service()
    in_channel, in_dm = fake.mention(PHONE), fake.message(f"{PHONE} (in a DM)", dm=True)
    member = int(fake.user_id)
    channel = discord.Object(int(fake.channel_id))  # the server's channel, as `asker` reads one: its id
    service.ask(PHONE, asker(member, channel), message=in_channel["id"])  # as the bot asked it before the restart
    service.ask(in_dm["content"], Asker("discord", fake.user_id, fake.user_id), message=in_dm["id"])
    assert "1234 5678" in gaps(backend, service)
    async with connected(fake, service):
        await fake.push("MESSAGE_DELETE", fake.deleted(in_channel))
        await fake.push("MESSAGE_DELETE", fake.deleted(in_dm))
        await fake.wait_for(lambda c: c.path == f"/channels/{fake.dm_channel_id}" and c.method == "GET")
        listed = await without(backend, service, "1234 5678")
    assert "1234 5678" not in listed, listed


async def test_a_question_whose_mention_is_taken_out_leaves_the_record(fake: FakeDiscord, backend: Backend) -> None:
    """Edited so that it no longer mentions the bot, a question loses its reply and its record: `kb gaps`
    had kept the words the member took back from the bot."""
    service = backend.service()
    async with connected(fake, service):
        question = fake.mention(PHONE)
        await fake.push("MESSAGE_CREATE", question)
        await settled(fake)
        assert "1234 5678" in gaps(backend, service)
        await fake.push("MESSAGE_UPDATE", fake.edited(question, PHONE))
        await settled(fake)
        assert len(deletes(fake)) == 1
        listed = gaps(backend, service)
    assert "1234 5678" not in listed, listed


async def test_a_mention_pointing_at_a_question_deleted_takes_that_asking_from_the_record(
    fake: FakeDiscord, backend: Backend
) -> None:
    """A helper's bare mention in reply to a member's question asked the bot that question's words; the
    helper deletes the mention: its answer goes, and so does the record of that asking."""
    service = backend.service()
    fake.grant_message_content = True
    async with connected(fake, service, {**ENV, "DISCORD_MESSAGE_CONTENT": "1"}):
        question = fake.message(PHONE)
        ping = pointing(fake, question)
        await fake.push("MESSAGE_CREATE", question)
        await fake.push("MESSAGE_CREATE", ping)
        await settled(fake)
        assert "1234 5678" in gaps(backend, service)
        await fake.push("MESSAGE_DELETE", fake.deleted(ping))
        await settled(fake)
        assert len(deletes(fake)) == 1
        listed = gaps(backend, service)
    assert "1234 5678" not in listed, listed


async def test_a_dm_question_deleted_leaves_the_record_without_asking_discord(
    fake: FakeDiscord, backend: Backend
) -> None:
    """A question asked in a DM and deleted while the bot runs: its member is known from the message
    itself, as discord.py holds it, so Discord is not asked whose DM it is."""
    service = backend.service()
    async with connected(fake, service):
        question = fake.message(PHONE, dm=True)
        await fake.push("MESSAGE_CREATE", question)
        await fake.wait_for(lambda c: c.path == f"/channels/{fake.dm_channel_id}/messages")
        await fake.push("MESSAGE_DELETE", fake.deleted(question))
        await fake.wait_for(lambda c: c.method == "DELETE" and c.path.startswith(f"/channels/{fake.dm_channel_id}/"))
        listed = gaps(backend, service)
    assert "1234 5678" not in listed, listed
    assert fake.find("GET", f"/channels/{fake.dm_channel_id}") == []


async def test_a_dm_whose_member_discord_does_not_name_keeps_its_record_and_says_so(
    fake: FakeDiscord, backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    """After a restart, Discord refusing to say whose DM a deleted message was in: a WARNING says the
    message stays recorded, and nothing fails."""
    service = backend.service()
    in_dm = fake.message(PHONE, dm=True)
    service.ask(PHONE, Asker("discord", fake.user_id, fake.user_id), message=in_dm["id"])
    fake.refuse_once("GET", f"/channels/{fake.dm_channel_id}")
    async with connected(fake, service):
        await fake.push("MESSAGE_DELETE", fake.deleted(in_dm))
        await fake.wait_for(lambda c: c.path == f"/channels/{fake.dm_channel_id}" and c.method == "GET")
        await settled(fake)
        listed = gaps(backend, service)
    assert "1234 5678" in listed
    assert any(
        "its deleted message stays recorded" in r.getMessage() for r in caplog.records if r.levelname == "WARNING"
    )


async def test_the_record_goes_though_discord_refuses_to_delete_the_reply(fake: FakeDiscord, backend: Backend) -> None:
    """The mention taken out while Discord refuses to delete the reply (403): the reply stays, and the
    record goes all the same (it had waited on the deletion)."""
    service = backend.service()
    async with connected(fake, service):
        question = fake.mention(PHONE)
        await fake.push("MESSAGE_CREATE", question)
        await settled(fake)
        [reply] = replies_to(fake, question)
        fake.refuse_once("DELETE", f"/channels/{fake.channel_id}/messages/{reply.result['id']}")
        await fake.push("MESSAGE_UPDATE", fake.edited(question, PHONE))
        await settled(fake)
        assert str(reply.result["id"]) in fake.messages
        listed = gaps(backend, service)
    assert "1234 5678" not in listed, listed
