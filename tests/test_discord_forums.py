"""A help forum: every new post in a forum listed in DISCORD_ANSWER_FORUMS is a question to the bot,
asked by its title and its first message. Real discord.py against the fake gateway, which gives a
message's content only as Discord does (with the Message Content intent, or when it mentions the bot)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.dc.commands import ANSWER_THIS
from adapters.dc.settings import Settings
from adapters.platform import StartupError
from bot import Asker, Request, Service
from bot.curation import CLI_PLATFORM
from tests.discord_support import ENV, connected
from tests.fake_discord import INVITED, Call, FakeDiscord
from tests.test_discord import TEST_PASSAGES, write_knowledge

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES))


def forum_env(fake: FakeDiscord, **extra: str) -> dict[str, str]:
    return {**ENV, "DISCORD_ANSWER_FORUMS": f"{fake.forum_id}, 123", **extra}


async def posted(fake: FakeDiscord, title: str, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    thread, starter = fake.post(title, text)
    await fake.push("THREAD_CREATE", thread)
    await fake.push("MESSAGE_CREATE", starter)
    return thread, starter


def in_thread(fake: FakeDiscord, thread: dict[str, Any]) -> list[Call]:
    return [c for c in fake.find("POST", f"/channels/{thread['id']}/messages") if c.status == 200]


async def answer_in(fake: FakeDiscord, thread: dict[str, Any]) -> Call:
    return await fake.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{thread['id']}/messages")


async def test_a_new_post_is_answered_from_its_title_and_its_text(fake: FakeDiscord, service: Service) -> None:
    """A new post in a listed forum is answered from its title and its text, as a reply to its first message, pinging no
    one."""
    fake.grant_message_content = True
    async with connected(fake, service, forum_env(fake, DISCORD_MESSAGE_CONTENT="1")):
        thread, starter = await posted(fake, "Question about China", "What happens to refugees caught there?")
        reply = await answer_in(fake, thread)
    assert reply.body["embeds"][0]["title"] == "Life in hiding"
    assert str(reply.body["message_reference"]["message_id"]) == starter["id"]
    assert reply.body["allowed_mentions"] == {"parse": [], "replied_user": False}


async def test_without_the_message_content_intent_a_post_is_asked_by_its_title(
    fake: FakeDiscord, service: Service
) -> None:
    """Without the Message Content intent a forum post is asked by its title."""
    async with connected(fake, service, forum_env(fake)):
        thread, _ = await posted(fake, "Are most defectors women?", "(the body the bot cannot read)")
        reply = await answer_in(fake, thread)
    assert reply.body["embeds"][0]["title"] == "Who are the refugees?"


async def test_only_a_posts_first_message_in_a_listed_forum_is_asked_without_a_mention(
    fake: FakeDiscord, service: Service
) -> None:
    """Only a post's first message, in a listed forum, is asked without a mention: a later message needs one, and
    another forum's post is left alone."""
    fake.grant_message_content = True
    async with connected(fake, service, forum_env(fake, DISCORD_MESSAGE_CONTENT="1")):
        elsewhere, first = fake.post("Are most defectors women?", "in another forum", forum_id="900000000000000099")
        await fake.push("THREAD_CREATE", elsewhere)
        await fake.push("MESSAGE_CREATE", first)
        thread, _ = await posted(fake, "Schooling", "How educated are defectors?")
        await answer_in(fake, thread)
        follow_up = fake.message("What jobs did defectors have?", channel_id=thread["id"])
        await fake.push("MESSAGE_CREATE", follow_up)  # in the post, no mention: a member talking
        asked = fake.mention("What jobs did defectors have?", channel_id=thread["id"])
        await fake.push("MESSAGE_CREATE", asked)
        await fake.wait_for(lambda c: c.method == "POST" and len(in_thread(fake, thread)) == 2)
    first, second = in_thread(fake, thread)
    assert first.body["embeds"][0]["title"] == "Schooling"
    assert second.body["embeds"][0]["title"] == "Work"
    assert str(second.body["message_reference"]["message_id"]) == asked["id"]
    assert in_thread(fake, elsewhere) == []


@pytest.mark.parametrize("value", ["help", "12,x", "-5", "١٢٣"])
def test_a_forum_list_that_is_not_channel_ids_stops_the_start_naming_the_variable(value: str) -> None:
    """A DISCORD_ANSWER_FORUMS that is not comma-separated channel ids stops the start, naming the variable."""
    with pytest.raises(StartupError, match="DISCORD_ANSWER_FORUMS must be comma-separated channel ids"):
        Settings.from_env({"DISCORD_BOT_TOKEN": "x", "DISCORD_ANSWER_FORUMS": value})


@pytest.mark.parametrize("value", ["x", "0,one", "١"])
def test_shard_ids_are_read_as_the_forums_are_one_reader_for_both(value: str) -> None:
    """DISCORD_SHARD_IDS and DISCORD_ANSWER_FORUMS are read by one reader of comma-separated numbers
    (`bot.environment.read_whole_numbers`): int() had taken "١" (an Arabic-Indic one) for a shard id."""
    with pytest.raises(StartupError, match="DISCORD_SHARD_IDS must be comma-separated numbers"):
        Settings.from_env({"DISCORD_BOT_TOKEN": "x", "DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": value})
    assert Settings.from_env(
        {"DISCORD_BOT_TOKEN": "x", "DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": " 0, 1"}
    ).shard_ids == (0, 1)


def test_no_forum_is_answered_unless_listed() -> None:
    """No forum is answered unless DISCORD_ANSWER_FORUMS lists it (spaces and a trailing comma allowed)."""
    assert Settings.from_env({"DISCORD_BOT_TOKEN": "x"}).answer_forums == frozenset()
    listed = Settings.from_env({"DISCORD_BOT_TOKEN": "x", "DISCORD_ANSWER_FORUMS": " 12, 34 ,"})
    assert listed.answer_forums == frozenset({12, 34})


async def test_a_post_that_mentions_the_bot_is_asked_by_its_title_too(fake: FakeDiscord, service: Service) -> None:
    """Members often ping the bot in their post ("@QA bot can someone help?"): the title, the whole
    question, had been dropped for the body alone."""
    async with connected(fake, service, forum_env(fake)):
        thread, starter = fake.post("Are most defectors women?", f"<@{fake.bot_id}> can someone help me with this?")
        starter["mentions"] = [fake.bot_user()]  # Discord resolves the ping (and so gives the text)
        await fake.push("THREAD_CREATE", thread)
        await fake.push("MESSAGE_CREATE", starter)
        reply = await answer_in(fake, thread)
    assert reply.body["embeds"][0]["title"] == "Who are the refugees?"


def locked(thread: dict[str, Any]) -> dict[str, Any]:
    """The THREAD_UPDATE payload of `thread` locked by a moderator (a help post closed as solved)."""
    return {**thread, "thread_metadata": {**thread["thread_metadata"], "locked": True}}


async def test_a_mention_in_a_locked_post_is_neither_asked_nor_sent(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """A moderator (who may still write there) mentions the bot in a help post they locked: Discord
    refuses a message there from a bot without Manage Threads, so the bot sends nothing and does not
    ask the core (which would have recorded the question), as in a channel where it may not send."""
    fake.app_permissions = INVITED  # what the invite link grants: no Manage Threads
    async with connected(fake, service):
        thread, _ = fake.post("Schooling", "How educated are defectors?")
        await fake.push("THREAD_CREATE", thread)
        await fake.push("THREAD_UPDATE", locked(thread))
        await fake.push("MESSAGE_CREATE", fake.mention("Are most defectors women?", channel_id=thread["id"]))
        async with asyncio.timeout(5):
            while not in_thread(fake, thread) and not fake.violations and not said_silent(caplog, thread):
                await asyncio.sleep(0.02)
    assert fake.find("POST", f"/channels/{thread['id']}/messages") == []
    assert not [r for r in caplog.records if r.name == "bot.service" and "asked" in r.getMessage()]


def said_silent(caplog: pytest.LogCaptureFixture, thread: dict[str, Any]) -> bool:
    """Whether the log said the bot may not send in `thread`."""
    return any("may not send" in r.getMessage() and thread["id"] in r.getMessage() for r in caplog.records)


async def test_answer_this_in_a_locked_post_is_the_commands_own_response(fake: FakeDiscord, service: Service) -> None:
    """A moderator uses *Answer this* on a question in a help post they locked: the bot may not post
    there, so the answer is the command's own response (as where it may not send), not a reply
    Discord refuses and an apology."""
    fake.app_permissions = INVITED
    async with connected(fake, service):
        thread, starter = fake.post("Defectors", "are most of the defectors women")
        await fake.push("THREAD_CREATE", thread)
        await fake.push("THREAD_UPDATE", locked(thread))
        interaction = fake.message_command(ANSWER_THIS, starter)
        where = {key: thread[key] for key in ("id", "type", "guild_id", "parent_id", "name")}
        interaction.update(
            channel_id=thread["id"], channel={**where, "thread_metadata": locked(thread)["thread_metadata"]}
        )
        await fake.push("INTERACTION_CREATE", interaction)
        call = await fake.wait_for(lambda c: c.path.startswith(f"/interactions/{interaction['id']}/"))
    assert call.body["data"]["embeds"][0]["title"] == "Who are the refugees?"
    assert fake.find("POST", f"/channels/{thread['id']}/messages") == []


async def test_a_post_deleted_before_its_answer_went_out_is_no_failure(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """A member deletes their new post (its thread) while the bot answers it: Discord answers the
    answer with Unknown Channel (404). That is no failure of the bot's: no ERROR with a traceback, no
    apology sent after it into the channel that is gone, and what the post asked leaves the record
    (Discord sends no MESSAGE_DELETE for the messages of a deleted thread)."""
    async with connected(fake, service, forum_env(fake)):
        thread, starter = fake.post("My number is 555 0199, what is the capital of Peru?", "(its text)")
        await fake.push("THREAD_CREATE", thread)
        fake.gone.add(thread["id"])  # deleted on Discord's side; THREAD_DELETE is on its way
        await fake.push("MESSAGE_CREATE", starter)
        await fake.wait_for(lambda c: c.path == f"/channels/{thread['id']}/messages" and c.answered is not None)
        await fake.push("THREAD_DELETE", {k: thread[k] for k in ("id", "guild_id", "parent_id", "type")})
        marker = fake.mention("Are most defectors women?")  # the bot is done with the post once this is answered
        await fake.push("MESSAGE_CREATE", marker)
        await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages" and c.answered is not None)
    [answer] = fake.find("POST", f"/channels/{thread['id']}/messages")
    assert answer.status == 404
    assert "555 0199" not in service.moderate(Request("gaps"), Asker(CLI_PLATFORM, "")).text


def gaps_listed(service: Service) -> str:
    return service.moderate(Request("gaps"), Asker(CLI_PLATFORM, "")).text


async def until(condition: Callable[[], bool]) -> None:
    """Return once `condition` holds (the bot handles an event in a task of its own, which sends nothing)."""
    async with asyncio.timeout(10):
        while not condition():
            await asyncio.sleep(0.02)


async def test_a_deleted_post_takes_what_was_asked_in_it_out_of_the_record(fake: FakeDiscord, service: Service) -> None:
    """A post answered, then deleted (THREAD_DELETE): Discord tells of no deletion of its messages, and what was asked
    there had stayed in the record (`kb gaps` showed a phone number for `retention_days`). The thread's going takes
    its questions, the post's and a mention's in it; what was asked in another channel stays."""
    async with connected(fake, service, forum_env(fake)):
        thread, _ = await posted(fake, "My number is 555 0199, what is the capital of Peru?", "(its text)")
        await answer_in(fake, thread)
        later = fake.mention("and the capital of Chile, call me on 555 0200", channel_id=thread["id"])
        await fake.push("MESSAGE_CREATE", later)
        await fake.push("MESSAGE_CREATE", fake.mention("Can someone tell me about the capital of Peru?"))
        await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages" and c.answered is not None)
        await until(lambda: "555 0200" in gaps_listed(service))
        assert "555 0199" in gaps_listed(service)
        await fake.push("THREAD_DELETE", {k: thread[k] for k in ("id", "guild_id", "parent_id", "type")})
        await until(lambda: "555 0199" not in gaps_listed(service))
        listed = gaps_listed(service)
    assert "555 0200" not in listed and "tell me about the capital of Peru" in listed, listed


async def test_a_deleted_forum_takes_what_was_asked_in_its_posts_out_of_the_record(
    fake: FakeDiscord, service: Service
) -> None:
    """A forum deleted (CHANNEL_DELETE) takes its posts with it: what was asked in them leaves the record, and what was
    asked in a channel of its own deleted too; another channel's stays."""
    fake.extra_channels.append("900000000000000012")
    async with connected(fake, service, forum_env(fake)):
        thread, _ = await posted(fake, "My number is 555 0199, what is the capital of Peru?", "(its text)")
        await answer_in(fake, thread)
        other = fake.mention("the capital of Chile, call me on 555 0200", channel_id="900000000000000012")
        await fake.push("MESSAGE_CREATE", other)
        await fake.push("MESSAGE_CREATE", fake.mention("Can someone tell me about the capital of Peru?"))
        await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages" and c.answered is not None)
        await until(lambda: "555 0200" in gaps_listed(service) and "555 0199" in gaps_listed(service))
        for channel in (fake.forum_id, "900000000000000012"):
            await fake.push("CHANNEL_DELETE", {"id": channel, "guild_id": fake.guild_id, "type": 0, "name": "gone"})
        await until(lambda: "555 0199" not in gaps_listed(service) and "555 0200" not in gaps_listed(service))
        listed = gaps_listed(service)
    assert "tell me about the capital of Peru" in listed, listed
