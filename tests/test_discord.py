"""End-to-end tests of the Discord adapter: real discord.py against a fake gateway on 127.0.0.1.

The bot starts through `adapters.runner.serve`, the code path of `python -m adapters run`; the only
fake is the Discord server in tests/fake_discord.py, and the tests assert on the REST calls it got.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import discord
import pytest
import yaml

from adapters import runner
from adapters.dc import sync
from adapters.dc.deliver import Allowed, allowed_in
from adapters.dc.settings import Settings
from adapters.platform import StartupError
from bot import KnowledgeBase, Passage, Service, Source, messages
from bot.answering import Answerer
from bot.messages import APOLOGY, COOLDOWN, THANKS
from tests.conftest import KNOWLEDGE
from tests.discord_support import ENV, TOKEN, connected, running
from tests.fake_discord import ALL_PERMISSIONS, EMBED_LINKS, READ_MESSAGE_HISTORY, Call, FakeDiscord
from tests.support import child_env

pytestmark = pytest.mark.timeout(30)

BASE_INTENTS = (1 << 0) | (1 << 9) | (1 << 12)  # guilds, guild messages, direct messages
MESSAGE_CONTENT = 1 << 15
EPHEMERAL = 1 << 6
SEND_MESSAGES = 1 << 11


TEST_PASSAGES = [
    {
        "id": "women-majority",
        "section": "Who are the refugees?",
        "text": "Women make up the majority of defectors, around 70 percent of those who reach the South.",
        "questions": ["Are most defectors women?"],
    },
    {
        "id": "hiding-and-deportation",
        "section": "Life in hiding",
        "text": "Refugees in China must remain in hiding, because China deports those it catches.",
        "questions": ["What happens to refugees caught in China?"],
    },
    {
        "id": "education",
        "section": "Schooling",
        "text": "Most defectors finished secondary school before they left.",
        "questions": ["How educated are defectors?"],
    },
    {
        "id": "jobs",
        "section": "Work",
        "text": "Many defectors worked in factories or farms before leaving.",
        "questions": ["What jobs did defectors have?"],
    },
]


def write_knowledge(folder: Path, passages: list[dict[str, Any]]) -> Path:
    """A knowledge folder with one source, `Refugee Handbook`, holding `passages`."""
    folder.mkdir()
    data = {"source": {"title": "Refugee Handbook", "publisher": "Test Press"}, "passages": passages}
    (folder / "test.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    """A small knowledge base of its own, so these tests do not move with the bundled one."""
    return Answerer.from_directory(write_knowledge(tmp_path_factory.mktemp("discord") / "kb", TEST_PASSAGES))


@pytest.fixture
def service(answerer: Answerer) -> Service:
    """A fresh Service per test: its own cooldown buckets and feedback log."""
    return Service(answerer)


def channel_posts(fake: FakeDiscord, channel_id: str) -> list[Call]:
    return fake.find("POST", f"/channels/{channel_id}/messages")


def callbacks(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.calls if c.method == "POST" and c.path.endswith("/callback")]


async def callback_for(fake: FakeDiscord, interaction: dict[str, Any]) -> Call:
    path = f"/interactions/{interaction['id']}/{interaction['token']}/callback"
    return await fake.wait_for(lambda c: c.method == "POST" and c.path == path)


def custom_ids(body: dict[str, Any]) -> list[str]:
    return [item["custom_id"] for row in body.get("components", []) for item in row["components"]]


async def test_ready_handshake_requests_only_the_intents_it_needs(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """Login over REST, IDENTIFY with guilds + messages intents (no Message Content), token never logged."""
    caplog.set_level(logging.DEBUG)
    async with running(service, ENV):
        await fake.wait_ready()
    identify = fake.shards[0].identify
    assert identify["token"] == TOKEN
    assert identify["intents"] == BASE_INTENTS
    assert [(c.method, c.path) for c in fake.calls[:2]] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert not fake.find("PUT", "/applications/"), "commands are synced only by `discord sync`"
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


async def test_the_ready_lines_count_guilds_and_forums_in_words_that_agree(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """The log at start had said "in 1 guild(s)" and "in 2 forum(s)": one guild, two forums, each noun agreeing."""
    caplog.set_level(logging.INFO, logger="adapters.dc.client")
    said: list[str] = []
    async with running(service, {**ENV, "DISCORD_ANSWER_FORUMS": "12,34"}):
        await fake.wait_ready()
        while len(said) < 2:  # on_ready logs after GUILD_CREATE reached the client
            await asyncio.sleep(0.01)
            said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Discord: ")]
    assert said[0].startswith("Discord: ready as ") and said[0].endswith(" in 1 guild")
    assert said[1] == "Discord: answering new posts in 2 forums by their titles alone"


@pytest.mark.parametrize("shards", [1, 2])
async def test_stopping_as_ready_arrives_leaves_no_task_of_discord_py_behind(
    fake: FakeDiscord, service: Service, shards: int
) -> None:
    """Stopped as READY arrives (read while the client closes), discord.py's wait for the guilds after it had
    outlived the client and then failed on its closed loop: "Task exception was never retrieved", an ERROR
    in whichever later test was running when it was collected."""
    async with running(service, {**ENV, "DISCORD_SHARD_COUNT": str(shards)} if shards > 1 else ENV):
        await fake.wait_ready(count=shards)
    assert [task for task in asyncio.all_tasks() if of_discord_py(task)] == []


def of_discord_py(task: asyncio.Task[Any]) -> bool:
    """Whether `task` runs a coroutine of discord.py's own (not of the fake's server, nor of the test)."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and Path(code.co_filename).is_relative_to(Path(discord.__file__).parent)


async def test_message_content_intent_when_configured(fake: FakeDiscord, service: Service) -> None:
    """DISCORD_MESSAGE_CONTENT=1 adds the privileged intent to IDENTIFY."""
    fake.grant_message_content = True
    async with running(service, {**ENV, "DISCORD_MESSAGE_CONTENT": "1"}):
        await fake.wait_ready()
    assert fake.shards[0].identify["intents"] == BASE_INTENTS | MESSAGE_CONTENT


async def test_message_content_not_granted_is_a_clear_startup_error(fake: FakeDiscord, service: Service) -> None:
    """A 4014 close becomes one line telling what to enable or unset."""
    stop = asyncio.Event()
    with pytest.raises(StartupError, match=r"Message Content intent.*DISCORD_MESSAGE_CONTENT") as caught:
        await asyncio.wait_for(runner.serve(service, {**ENV, "DISCORD_MESSAGE_CONTENT": "1"}, stop), timeout=15)
    assert TOKEN not in str(caught.value)


async def test_rejected_token_is_a_clear_startup_error(fake: FakeDiscord, service: Service) -> None:
    """A token Discord rejects (401) is one line, without the token."""
    stop = asyncio.Event()
    env = {**ENV, "DISCORD_BOT_TOKEN": "wrong-token-value"}
    with pytest.raises(StartupError, match="rejected DISCORD_BOT_TOKEN") as caught:
        await asyncio.wait_for(runner.serve(service, env, stop), timeout=15)
    assert "wrong-token-value" not in str(caught.value)


def test_missing_token_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m adapters run` without tokens: exit 2 and one line naming the variables."""
    assert runner.main(KNOWLEDGE, env={}) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "DISCORD_BOT_TOKEN" in err


async def test_mention_is_answered_with_an_embed(online: FakeDiscord) -> None:
    """A mention in a server channel gets the passage as an embed, as a reply that pings nobody."""
    asked = online.mention("Are most defectors women?")
    await online.push("MESSAGE_CREATE", asked)
    post = await online.wait_for(lambda c: c.path == f"/channels/{online.channel_id}/messages")
    embed = post.body["embeds"][0]
    assert embed["title"] == "Who are the refugees?"
    assert embed["description"].startswith("Women make up the majority")
    assert embed["footer"]["text"].startswith("Refugee Handbook")
    assert str(post.body["message_reference"]["message_id"]) == asked["id"]
    assert post.body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert custom_ids(post.body) == ["qa:v:+:women-majority", "qa:v:-:women-majority"]


async def test_a_mention_of_the_bots_own_role_is_answered_as_a_mention_of_the_bot(online: FakeDiscord) -> None:
    """A member who picks the bot's managed role from the autocomplete (`<@&ROLE>`) asks the bot, as `<@BOT>` does."""
    asked = online.mention_role("Are most defectors women?")
    assert asked["mention_roles"] == [online.bot_role_id] and asked["mentions"] == []  # as Discord sends it
    await online.push("MESSAGE_CREATE", asked)
    post = await online.wait_for(lambda c: c.path == f"/channels/{online.channel_id}/messages")
    assert post.body["embeds"][0]["title"] == "Who are the refugees?"
    assert str(post.body["message_reference"]["message_id"]) == asked["id"]


async def test_a_mention_of_another_role_asks_the_bot_nothing(online: FakeDiscord) -> None:
    """Only the bot's own managed role asks it: a mention of another role, or of another bot's, does not."""
    for role in (online.helpers_role_id, online.other_bot_role_id):
        await online.push("MESSAGE_CREATE", online.mention_role("Are most defectors women?", role_id=role))
    marker = online.mention("What jobs did defectors have?")  # answered after them: a channel's events go in order
    await online.push("MESSAGE_CREATE", marker)
    await online.wait_for(lambda c: c.path == f"/channels/{online.channel_id}/messages" and c.answered is not None)
    [post] = channel_posts(online, online.channel_id)
    assert str(post.body["message_reference"]["message_id"]) == marker["id"]


async def test_a_mention_where_the_bot_may_not_read_history_gets_its_answer_as_a_message_of_its_own(
    fake: FakeDiscord, service: Service
) -> None:
    """Without Read Message History Discord refuses every reply (403, 160002): the answer is not a reply."""
    fake.app_permissions = str(int(ALL_PERMISSIONS) & ~READ_MESSAGE_HISTORY)  # what Discord checks
    plain = fake.guild

    def without_history() -> dict[str, Any]:  # what the bot knows of it: the server's roles
        data = plain()
        everyone = data["roles"][0]
        data["roles"] = [{**everyone, "permissions": str(int(everyone["permissions"]) & ~READ_MESSAGE_HISTORY)}]
        return data

    fake.guild = without_history  # type: ignore[method-assign]
    async with connected(fake, service):
        await fake.push("MESSAGE_CREATE", fake.mention("Are most defectors women?"))
        post = await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages" and c.status is not None)
    assert post.status == 200 and post.body["embeds"] and "message_reference" not in post.body


def lacking(fake: FakeDiscord, permission: int) -> None:
    """The bot lacks `permission` in the server's channels: in the roles it is shown, and in what
    Discord checks (and interactions carry: `app_permissions`)."""
    fake.app_permissions = str(int(ALL_PERMISSIONS) & ~permission)
    plain = fake.guild

    def guild() -> dict[str, Any]:
        data = plain()
        everyone = data["roles"][0]
        data["roles"] = [{**everyone, "permissions": str(int(everyone["permissions"]) & ~permission)}]
        return data

    fake.guild = guild  # type: ignore[method-assign]


async def test_where_the_bot_may_not_embed_its_answer_is_text(fake: FakeDiscord, service: Service) -> None:
    """A channel whose overwrites take Embed Links from the bot (or a server that never granted it):
    Discord shows none of its embeds there (one alone it refuses, 403), and the answer had gone
    unseen. The answer is text there: the passage and its citation, with the vote buttons; and an
    edited question's answer is edited as text too."""
    lacking(fake, EMBED_LINKS)
    async with connected(fake, service):
        question = fake.mention("Are most defectors women?")
        await fake.push("MESSAGE_CREATE", question)
        answer = await fake.wait_for(lambda c: c.method == "POST" and c.answered is not None)
        await fake.push("MESSAGE_UPDATE", fake.edited(question, f"<@{fake.bot_id}> What jobs did defectors have?"))
        edit = await fake.wait_for(lambda c: c.method == "PATCH" and c.answered is not None)
    assert answer.status == 200 and not answer.body.get("embeds")
    assert "Women make up the majority" in answer.body["content"] and answer.body["components"]
    assert edit.status == 200 and not edit.body.get("embeds") and "Work" in edit.body["content"]


async def test_a_mention_in_a_channel_where_the_bot_may_not_send_logs_no_traceback(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator whose bot may read but not write in #announcements gets no ERROR and traceback in
    the log for every member who mentions it there: one INFO line, and nothing sent Discord would refuse."""
    lacking(fake, SEND_MESSAGES)
    fake.fail("POST", f"/channels/{fake.channel_id}/messages", status=403, times=5)  # as Discord answers it

    def said() -> list[int]:
        return [
            r.levelno for r in caplog.records if r.name == "adapters.dc.replies" and "may not send" in r.getMessage()
        ]

    async with connected(fake, service):
        for question in ("Are most defectors women?", "How educated are defectors?"):
            await fake.push("MESSAGE_CREATE", fake.mention(question))
        async with asyncio.timeout(5):
            while not said():  # the first mention's turn in the channel; the second's follows at once
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [] and fake.find("POST", f"/channels/{fake.channel_id}/messages") == []
    assert said() == [logging.INFO]  # once for the channel


async def test_a_mention_discord_refuses_all_the_same_is_a_warning_without_an_apology(
    online: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord refuses the answer for a reason the roles the bot holds do not show (it was timed out):
    a WARNING without a traceback, and no apology, which Discord would refuse as well."""
    online.refuse_once("POST", f"/channels/{online.channel_id}/messages")
    await online.push("MESSAGE_CREATE", online.mention("Are most defectors women?"))
    marker = online.mention("How educated are defectors?", author=online.user("900000000000000071", name="marker"))
    await online.push("MESSAGE_CREATE", marker)  # answered after the first message is done with, apology and all
    await online.wait_for(lambda c: str((c.body or {}).get("message_reference", {}).get("message_id")) == marker["id"])
    [warning] = [r for r in caplog.records if r.name == "adapters.dc.replies" and r.levelno == logging.WARNING]
    assert "may not answer" in warning.getMessage() and warning.exc_info is None
    assert [c.status for c in online.find("POST", f"/channels/{online.channel_id}/messages")] == [403, 200]


@pytest.mark.allow_error_logs  # the failure's ERROR, checked below
async def test_a_not_found_other_than_unknown_channel_is_a_failure_with_an_apology(
    online: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    """Only Unknown Channel (a post deleted meanwhile) is no failure: any other 404 on an answer is logged with its
    traceback and apologized for."""
    online.fail("POST", f"/channels/{online.channel_id}/messages", status=404)
    await online.push("MESSAGE_CREATE", online.mention("Are most defectors women?"))
    await online.wait_for(lambda c: c.status == 200 and c.path == f"/channels/{online.channel_id}/messages")
    [error] = [r for r in caplog.records if r.name == "adapters.dc.replies" and r.levelno == logging.ERROR]
    assert "failed to answer" in error.getMessage() and error.exc_info is not None
    [_, apology] = online.find("POST", f"/channels/{online.channel_id}/messages")
    assert apology.body["content"] == APOLOGY


def test_the_bots_permissions_say_whether_it_may_send_and_whether_as_a_reply() -> None:
    """Send Messages lets the bot send (in a thread, Send Messages in Threads); Read Message History
    lets what it sends reply to a message; an answer is a reply only with both; Embed Links lets it embed."""
    channel, thread = object(), discord.Thread.__new__(discord.Thread)  # only the kind of channel matters
    both = discord.Permissions(send_messages=True, read_message_history=True)
    assert allowed_in(both, channel) == Allowed(True, True, embeds=False) and allowed_in(both, channel).replies
    assert allowed_in(both, thread) == Allowed(False, True, embeds=False) and not allowed_in(both, thread).replies
    in_threads = discord.Permissions(send_messages_in_threads=True, read_message_history=True)
    assert allowed_in(in_threads, thread).replies and not allowed_in(in_threads, channel).sends
    unread = discord.Permissions(send_messages=True)
    assert allowed_in(unread, channel) == Allowed(True, False, embeds=False) and not allowed_in(unread, channel).replies
    assert allowed_in(discord.Permissions(send_messages=True, embed_links=True), channel).embeds


def test_a_thread_the_client_has_not_cached_is_a_thread_for_the_bots_permissions() -> None:
    """A forum post or thread not in the client's cache comes as a PartialMessageable of a thread's type:
    there Send Messages in Threads, not Send Messages, lets the bot send."""
    uncached = discord.PartialMessageable(state=None, id=1, type=discord.ChannelType.public_thread)  # type: ignore[arg-type]
    in_threads = discord.Permissions(send_messages_in_threads=True, read_message_history=True)
    assert allowed_in(in_threads, uncached).replies
    assert not allowed_in(discord.Permissions(send_messages=True, read_message_history=True), uncached).sends


async def test_a_hedged_answer_says_so_in_italics_atop_the_embed(online: FakeDiscord) -> None:
    """The passage is about refugees caught in China, not women: the embed opens with the hedge."""
    await online.push("MESSAGE_CREATE", online.mention("What happens to women caught in China?"))
    post = await online.wait_for(lambda c: c.path == f"/channels/{online.channel_id}/messages")
    description = post.body["embeds"][0]["description"]
    assert description.startswith("*I'm not sure this answers exactly what you asked. The closest I have:*\n\n")
    assert description.endswith("because China deports those it catches.")
    assert custom_ids(post.body) == ["qa:v:+:hiding-and-deportation", "qa:v:-:hiding-and-deportation"]


async def test_discord_markup_in_a_question_is_not_read_as_words(online: FakeDiscord) -> None:
    """Custom emoji, spoiler bars, @everyone and role and channel mentions ask nothing: the question
    inside them is answered (left in, "meeple" weighed as a word no passage knows)."""
    typed = "<:meeple:112233445566778899> ||are most defectors women?|| <@&998877665544332211> @everyone <#1234567890>"
    await online.push("MESSAGE_CREATE", online.mention(typed))
    post = await online.wait_for(lambda c: c.path == f"/channels/{online.channel_id}/messages")
    assert post.body["embeds"][0]["description"].startswith("Women make up the majority")


async def test_dm_is_answered_without_a_mention(online: FakeDiscord) -> None:
    """Every message in a DM is a question."""
    await online.push("MESSAGE_CREATE", online.message("What happens to refugees caught in China?", dm=True))
    post = await online.wait_for(lambda c: c.path == f"/channels/{online.dm_channel_id}/messages")
    assert post.body["embeds"][0]["description"].startswith("Refugees in China must remain")


@pytest.mark.parametrize(
    "markup",
    ["</ask:1234567890123456789>", "</kb add:1234567890123456789>", "<id:customize>", "<id:browse>", "<id:guide>",
     "<id:linked-roles:1234567890123456789>"],
    ids=["command-mention", "subcommand-mention", "server-guide", "channels-and-roles", "guide", "linked-role"],
)  # fmt: skip
async def test_discord_markup_around_a_question_is_not_read_as_its_words(
    fake: FakeDiscord, seed_kdir: Path, markup: str
) -> None:
    """A member's message with a command mention or a link to the server's own pages, clickable in
    Discord, gets the answer it gets without it, not "I don't know" over the words "ask",
    "customize" or an id."""
    service = Service(Answerer.from_directory(seed_kdir))
    try:
        async with connected(fake, service):
            await fake.push("MESSAGE_CREATE", fake.mention(f"Why do people flee North Korea? {markup}"))
            post = await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages")
    finally:
        service.close()
    assert post.body.get("embeds"), f"declined: {post.body.get('content', '')[:80]!r}"


@pytest.mark.parametrize(
    "typed", ["/ask", "/ask@QABot", "<@900000000000000002> /ASK", "/ask:", "/Ask@QABot:", "<@900000000000000002> /ask:"]
)
async def test_ask_typed_as_text_in_a_direct_message_is_asked_without_the_word_ask(
    fake: FakeDiscord, seed_kdir: Path, typed: str
) -> None:
    """A member who types "/ask why do people flee North Korea?" in a DM (as on Telegram, or sent
    before Discord's command picker caught it), or "/ask: why ...", gets the answer the question gets,
    not "I don't know" over the word "ask" ("/ask:" had been left in the question)."""
    service = Service(Answerer.from_directory(seed_kdir))
    try:
        async with connected(fake, service):
            await fake.push("MESSAGE_CREATE", fake.message(f"{typed} Why do people flee North Korea?", dm=True))
            post = await fake.wait_for(lambda c: c.path == f"/channels/{fake.dm_channel_id}/messages")
    finally:
        service.close()
    assert post.body.get("embeds"), f"declined: {post.body.get('content', '')[:80]!r}"


@pytest.mark.parametrize("typed", ["/ask", "/ask:", "/ask@QABot", "<@900000000000000002> /ask"])
async def test_ask_typed_alone_gets_the_one_line_usage_not_the_help(online: FakeDiscord, typed: str) -> None:
    """A member who types "/ask" with no question in a DM is told how to ask in one line, as on Telegram
    (it had got the whole help, its list of topics and sources)."""
    await online.push("MESSAGE_CREATE", online.message(typed, dm=True))
    post = await online.wait_for(lambda c: c.path == f"/channels/{online.dm_channel_id}/messages")
    assert post.body.get("content") == messages.say(messages.ASK_USAGE) and not post.body.get("embeds")


async def test_ask_typed_alone_in_a_server_channel_gets_the_usage_as_a_reply(
    fake: FakeDiscord, service: Service
) -> None:
    """With the Message Content intent, "/ask" alone typed in a server channel gets the usage line as a
    reply to it (it had got the whole help there)."""
    fake.grant_message_content = True
    async with connected(fake, service, {**ENV, "DISCORD_MESSAGE_CONTENT": "1"}):
        asked = fake.message("/ask")
        await fake.push("MESSAGE_CREATE", asked)
        post = await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages")
    assert post.body.get("content") == messages.say(messages.ASK_USAGE)
    assert str(post.body["message_reference"]["message_id"]) == asked["id"]


@pytest.mark.parametrize("typed", ["/ask ", "/ask: ", "/ask:"])
async def test_ask_typed_as_text_in_a_server_channel_is_asked_when_the_bot_reads_it(
    fake: FakeDiscord, service: Service, typed: str
) -> None:
    """With the Message Content intent, a member's "/ask Are most defectors women?" typed as text in a
    server channel (sent before Discord's command picker caught it), or "/ask: Are ...", is answered
    as a reply to it ("/ask:" had gone unanswered); the channel's other messages, a question or a
    word that begins with "/ask", are not."""
    fake.grant_message_content = True
    async with connected(fake, service, {**ENV, "DISCORD_MESSAGE_CONTENT": "1"}):
        await fake.push("MESSAGE_CREATE", fake.message("Are most defectors women?"))
        await fake.push("MESSAGE_CREATE", fake.message("/asking around: are most defectors women?"))
        asked = fake.message(f"{typed}Are most defectors women?")
        await fake.push("MESSAGE_CREATE", asked)
        post = await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages")
        await asyncio.sleep(0.2)
    assert post.body.get("embeds") and str(post.body["message_reference"]["message_id"]) == asked["id"]
    assert len(channel_posts(fake, fake.channel_id)) == 1


async def test_messages_not_for_the_bot_are_ignored(online: FakeDiscord) -> None:
    """A plain channel message, the bot's own message and another bot's mention get no reply."""
    await online.push("MESSAGE_CREATE", online.message("Are most defectors women?"))
    own = online.message(
        f"<@{online.bot_id}> Are most defectors women?", author=online.bot_user(), mentions=[online.bot_user()]
    )
    await online.push("MESSAGE_CREATE", own)
    other = online.user(online.other_bot_id, name="other-bot", bot=True)
    await online.push(
        "MESSAGE_CREATE", online.message(f"<@{online.bot_id}> hi", author=other, mentions=[online.bot_user()])
    )
    # A DM afterwards is answered; since events are handled in order, the ignored ones came first.
    await online.push("MESSAGE_CREATE", online.message("Are most defectors women?", dm=True))
    await online.wait_for(lambda c: c.path == f"/channels/{online.dm_channel_id}/messages")
    await asyncio.sleep(0.2)
    assert channel_posts(online, online.channel_id) == []


def proxied(fake: FakeDiscord, message: dict[str, Any]) -> dict[str, Any]:
    """PluralKit's copy of a member's `message`, as Discord sends it: posted through a webhook, whose
    author is the webhook (marked a bot, named as the member's persona), with no member."""
    author = fake.user("900000000000000081", name="Ann (her system)", bot=True)
    copy = fake.message(message["content"], author=author, mentions=message["mentions"])
    return {**{k: v for k, v in copy.items() if k != "member"}, "webhook_id": author["id"]}


async def test_a_pluralkit_members_mention_keeps_its_answer(online: FakeDiscord) -> None:
    """PluralKit deletes a member's message, with its answer, and reposts it by webhook: the copy is answered."""
    original = online.mention("Are most defectors women?")
    await online.push("MESSAGE_CREATE", original)
    copy = proxied(online, original)
    await online.push("MESSAGE_CREATE", copy)
    await online.push("MESSAGE_DELETE", online.deleted(original))
    marker = online.mention("What jobs did defectors have?", author=online.user("800000000000000001", name="b"))
    await online.push("MESSAGE_CREATE", marker)  # answered after the rest: a channel's events go in order
    await online.wait_for(lambda c: c.status is not None and marker["id"] in json.dumps(c.body))
    posts = channel_posts(online, online.channel_id)
    answered = {str(c.body["message_reference"]["message_id"]): str(c.result["id"]) for c in posts}
    assert answered[original["id"]] not in online.messages  # gone with its question
    assert online.messages[answered[copy["id"]]]["embeds"][0]["title"] == "Who are the refugees?"


async def test_a_forwarded_message_is_ignored(online: FakeDiscord) -> None:
    """A forward (a reference of type 1 with a snapshot) is someone else's words: neither answered nor run."""
    forwarded = online.message("", dm=True)
    original = online.message(f"<@{online.bot_id}> Are most defectors women?", mentions=[online.bot_user()])
    forwarded["message_reference"] = {"type": 1, "message_id": original["id"], "channel_id": online.channel_id}
    kept = ("content", "timestamp", "type", "flags", "mentions", "attachments", "embeds", "edited_timestamp")
    forwarded["message_snapshots"] = [{"message": {k: original[k] for k in kept}}]
    await online.push("MESSAGE_CREATE", forwarded)
    await online.push("MESSAGE_CREATE", online.message("Are most defectors women?", dm=True))
    await online.wait_for(lambda c: c.path == f"/channels/{online.dm_channel_id}/messages")
    await asyncio.sleep(0.2)
    assert len(channel_posts(online, online.dm_channel_id)) == 1


async def test_ask_command_answers_through_the_callback(online: FakeDiscord) -> None:
    """/ask question:<text> is answered with a type 4 callback holding the embed."""
    interaction = online.command("ask", question="Are most defectors women?")
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["type"] == 4
    data = call.body["data"]
    assert data["embeds"][0]["title"] == "Who are the refugees?"
    assert data["allowed_mentions"]["parse"] == []


def typing(fake: FakeDiscord, text: str) -> dict[str, Any]:
    """The autocomplete interaction (type 4) of a member typing `text` into /ask's question."""
    option = {"name": "question", "type": 3, "value": text, "focused": True}
    return fake.interaction(4, {"id": fake.next_id(), "name": "ask", "type": 1, "options": [option]})


async def test_ask_suggests_questions_the_knowledge_answers_as_the_member_types(online: FakeDiscord) -> None:
    """Typing /ask's question offers what was typed, then alternate questions and sections of the
    passages that match it (callback type 8); with nothing typed, the topics /help lists."""
    typed = typing(online, "defectors women")
    await online.push("INTERACTION_CREATE", typed)
    choices = [c["value"] for c in (await callback_for(online, typed)).body["data"]["choices"]]
    assert choices[:3] == ["defectors women", "Are most defectors women?", "Who are the refugees?"]
    assert len(choices) == len(set(choices)) <= 25
    empty = typing(online, "")
    await online.push("INTERACTION_CREATE", empty)
    sections = [c["value"] for c in (await callback_for(online, empty)).body["data"]["choices"]]
    assert sections == ["Who are the refugees?", "Life in hiding", "Schooling", "Work"]
    assert online.violations == []


async def test_discord_markup_in_an_ask_option_is_not_read_as_words(online: FakeDiscord) -> None:
    """A slash command's text option carries the same markup as a message (emoji, mentions)."""
    interaction = online.command("ask", question="<:meeple:112233445566778899> are most defectors women? <@&99887766>")
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["data"]["embeds"][0]["description"].startswith("Women make up the majority")


async def test_a_message_of_two_questions_gets_an_embed_for_each(online: FakeDiscord) -> None:
    """The first replies to the message, the second follows it; each has its own 👍/👎."""
    asked = online.mention("Are most defectors women? and what jobs did defectors have?")
    await online.push("MESSAGE_CREATE", asked)
    path = f"/channels/{online.channel_id}/messages"
    await online.wait_for(lambda c: c.path == path and "Work" in json.dumps(c.body))
    first, second = online.find("POST", path)
    assert first.body["embeds"][0]["title"] == "Who are the refugees?"
    assert str(first.body["message_reference"]["message_id"]) == asked["id"]
    assert second.body["embeds"][0]["title"] == "Work"
    assert "message_reference" not in second.body
    assert second.body["components"][0]["components"][0]["custom_id"] == "qa:v:+:jobs"


async def test_a_members_markdown_quoted_back_is_plain_text(online: FakeDiscord) -> None:
    """The part of a message the bot cannot answer is named in its reply ("About “...”:"): a masked
    link written there was a link in the bot's own message, "Verify your account" and all."""
    phish = "[Verify your account](https://evil.example/login) to keep chatting?"
    asked = online.mention(f"Are most defectors women? {phish}")
    await online.push("MESSAGE_CREATE", asked)
    path = f"/channels/{online.channel_id}/messages"
    await online.wait_for(lambda c: c.path == path and "About" in json.dumps(c.body))
    [note] = [c.body["content"] for c in online.find("POST", path) if c.body.get("content")]
    assert "\\[Verify your account](https\\://evil.example/login)" in note


async def test_a_members_web_address_quoted_back_is_no_link_in_the_bots_reply(online: FakeDiscord) -> None:
    """The part not answered, quoted back ("About “is https://… legit?”:"), made the member's address
    a link in the bot's own message, and Discord previewed their page under the bot's reply: its
    scheme's colon is escaped now (`https\\://…`, shown as typed, no link)."""
    await online.push(
        "MESSAGE_CREATE", online.mention("Are most defectors women? And is https://free-nitro.example/claim legit?")
    )
    await online.wait_for(lambda c: c.method == "POST" and "About" in str((c.body or {}).get("content")))
    [note] = [c for c in channel_posts(online, online.channel_id) if "About" in str(c.body.get("content"))]
    content, flags = note.body["content"], note.body.get("flags") or 0
    assert "https://free-nitro.example/claim" not in content or flags & (1 << 2), content
    assert "https\\://free-nitro.example/claim" in content


async def test_a_web_address_in_the_bots_own_quoted_words_stays_a_link(fake: FakeDiscord, tmp_path: Path) -> None:
    """The help a bare mention gets names the sources in quotes (“Refugee Handbook”): a web address
    in a source's title was escaped (`https\\://…`) as if a member had written it. Only members'
    words quoted back lose their links."""
    folder = write_knowledge(tmp_path / "kb", TEST_PASSAGES[:1])
    data = yaml.safe_load((folder / "test.yaml").read_text(encoding="utf-8"))
    data["source"]["title"] = "Handbook at https://example.org/handbook"
    (folder / "test.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    async with connected(fake, Service(Answerer.from_directory(folder))):
        await fake.push("MESSAGE_CREATE", fake.mention(""))
        post = await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages")
    assert "“Handbook at https://example.org/handbook”" in post.body["content"]


@pytest.mark.parametrize(
    "url", ["www.example.org/faq", "https://example.org/" + "a" * 2080], ids=["no web address", "too long"]
)
async def test_a_source_address_discord_refuses_is_left_out_of_the_embed(
    fake: FakeDiscord, tmp_path: Path, url: str
) -> None:
    """A source `url: www.example.org/faq` (no scheme), or a web address longer than the 2,048
    characters an embed's url may have (it loads; `kb check` only warns), made Discord refuse every
    embed of that source (50035), and members got the apology for every answer from it."""
    folder = write_knowledge(tmp_path / "kb", TEST_PASSAGES[:1])
    data = yaml.safe_load((folder / "test.yaml").read_text(encoding="utf-8"))
    data["source"]["url"] = url
    (folder / "test.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    async with connected(fake, Service(Answerer.from_directory(folder))):
        await fake.push("MESSAGE_CREATE", fake.mention("Are most defectors women?"))
        post = await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages")
        await fake.wait_for(lambda c: c is post and c.answered is not None)
    assert post.status == 200, fake.violations
    [embed] = post.body["embeds"]
    assert embed["title"] == "Who are the refugees?" and "url" not in embed
    assert embed["description"].startswith("Women make up the majority")
    assert fake.violations == []


async def test_ask_of_two_questions_follows_up_with_the_second(online: FakeDiscord) -> None:
    """`/ask` of two questions answers the first in its response and follows up with the answer to the second."""
    interaction = online.command("ask", question="Are most defectors women? and what jobs did defectors have?")
    await online.push("INTERACTION_CREATE", interaction)
    follow_up = await online.wait_for(lambda c: c.path == f"/webhooks/{online.app_id}/{interaction['token']}")
    callback = online.find("POST", f"/interactions/{interaction['id']}/{interaction['token']}/callback")[0]
    assert callback.body["data"]["embeds"][0]["title"] == "Who are the refugees?"
    assert follow_up.body["embeds"][0]["title"] == "Work"


async def test_slow_answer_is_deferred_and_sent_as_follow_up(fake: FakeDiscord, service: Service) -> None:
    """When the answer takes longer than DISCORD_DEFER_AFTER, /ask defers (type 5) and follows up."""
    async with running(service, {**ENV, "DISCORD_DEFER_AFTER": "0"}):
        await fake.wait_ready()
        interaction = fake.command("ask", question="Are most defectors women?")
        await fake.push("INTERACTION_CREATE", interaction)
        call = await callback_for(fake, interaction)
        follow_up = await fake.wait_for(lambda c: c.path == f"/webhooks/{fake.app_id}/{interaction['token']}")
    assert call.body["type"] == 5
    assert follow_up.method == "POST"
    assert follow_up.body["embeds"][0]["description"].startswith("Women make up the majority")


async def test_help_and_sources_commands(online: FakeDiscord) -> None:
    """/help lists the sections; /sources names the source."""
    help_ = online.command("help")
    await online.push("INTERACTION_CREATE", help_)
    sources = online.command("sources")
    await online.push("INTERACTION_CREATE", sources)
    help_call, sources_call = await callback_for(online, help_), await callback_for(online, sources)
    assert "Who are the refugees?" in help_call.body["data"]["content"]
    assert "Refugee Handbook" in sources_call.body["data"]["content"]


async def test_slash_help_escapes_markdown_as_the_help_of_a_mention_does(fake: FakeDiscord, tmp_path: Path) -> None:
    """/help is plain text with its Markdown escaped, as the help a bare mention gets: a section "Using
    __init__ files" showed as "Using init files" in bold and underline."""
    dunder = [
        {"id": "init-files", "section": "Using __init__ files", "text": "Every package folder holds an __init__.py."},
        {"id": "star-args", "section": "Passing *args and **kwargs", "text": "Star arguments collect the rest."},
    ]
    service = Service(Answerer.from_directory(write_knowledge(tmp_path / "kb", dunder)))
    async with connected(fake, service):
        await fake.push("MESSAGE_CREATE", fake.mention(""))
        mention = await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages")
        help_ = fake.command("help")
        await fake.push("INTERACTION_CREATE", help_)
        slash = await callback_for(fake, help_)
    assert "\\_\\_init\\_\\_" in mention.body["content"]
    assert "\\_\\_init\\_\\_" in slash.body["data"]["content"], slash.body["data"]["content"]


async def test_fallback_offers_buttons_and_a_press_answers(online: FakeDiscord, service: Service) -> None:
    """An unknown question gets suggestion buttons; pressing one answers with that passage; the
    question's gap names the topic chosen, for moderators."""
    await online.push("MESSAGE_CREATE", online.mention("women weather"))
    post = await online.wait_for(lambda c: c.path == f"/channels/{online.channel_id}/messages")
    assert post.body["content"].startswith("Sorry, I don't know that one.")
    ids = custom_ids(post.body)
    assert "qa:p:women-majority" in ids
    sent = next(iter(online.messages.values()))
    press = online.press("qa:p:women-majority", sent)
    await online.push("INTERACTION_CREATE", press)
    call = await callback_for(online, press)
    assert call.body["type"] == 4
    assert call.body["data"]["embeds"][0]["description"].startswith("Women make up the majority")
    assert service.gaps is not None
    [gap] = [g for g in service.gaps.gaps() if "women weather" in g.questions]
    assert gap.chosen == (("women-majority", 1),)


async def test_an_answer_whose_section_goes_on_offers_read_on_and_a_press_sends_the_rest(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """Step 1 answered alone left the member without step 2: "Read on ▸" answers with the section's next
    passage, which (the section's last) has none of its own; the press is no topic chosen, so `kb gaps`
    still names the topic the member pressed for their question."""
    steps = [
        {"id": "install-1", "section": "Installing", "text": "Download the installer and run it as administrator."},
        {"id": "install-2", "section": "Installing", "text": "Then check the version with tool --version."},
        {"id": "updates", "section": "Updates", "text": "The tool checks for updates once a week."},
    ]
    service = Service.from_directory(write_knowledge(tmp_path / "kb", steps))
    async with connected(fake, service):
        await fake.push("MESSAGE_CREATE", fake.mention("is the installer free of charge on windows xp?"))
        await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages")
        topic = fake.press("qa:p:install-1", next(iter(fake.messages.values())))
        await fake.push("INTERACTION_CREATE", topic)
        first = await callback_for(fake, topic)
        more = fake.press("qa:r:install-2", fake.bot_message(first.body["data"]))  # the answer's own message
        await fake.push("INTERACTION_CREATE", more)
        rest = await callback_for(fake, more)
    assert first.body["data"]["embeds"][0]["description"].startswith("Download the installer")
    assert custom_ids(first.body["data"]) == ["qa:v:+:install-1", "qa:v:-:install-1", "qa:r:install-2"]
    assert first.body["data"]["components"][0]["components"][2]["label"] == "Read on ▸"
    assert rest.body["data"]["embeds"][0]["description"].startswith("Then check the version")
    assert custom_ids(rest.body["data"]) == ["qa:v:+:install-2", "qa:v:-:install-2"]
    assert service.gaps is not None
    [gap] = service.gaps.gaps()
    assert gap.chosen == (("install-1", 1),)
    service.close()


async def test_feedback_press_from_an_earlier_run_is_recorded(fake: FakeDiscord, service: Service) -> None:
    """A 👎 on a message this process never sent (a restart) is recorded through the core."""
    async with running(service, ENV):
        await fake.wait_ready()
        old = fake.bot_message({"components": [{"type": 1, "components": [
            {"type": 2, "style": 2, "custom_id": "qa:v:+:women-majority", "emoji": {"name": "👍"}},
            {"type": 2, "style": 2, "custom_id": "qa:v:-:women-majority", "emoji": {"name": "👎"}},
        ]}]})  # fmt: skip
        press = fake.press("qa:v:-:women-majority", old)
        await fake.push("INTERACTION_CREATE", press)
        call = await callback_for(fake, press)
    assert call.body["data"]["content"] == THANKS
    assert call.body["data"]["flags"] & EPHEMERAL
    [vote] = service.gaps.votes()
    assert (vote.passage_id, vote.helpful, vote.platform) == ("women-majority", False, "discord")


async def test_long_passage_and_long_help_stay_within_limits(fake: FakeDiscord, tmp_path: Path) -> None:
    """A 3,000-character passage fits one embed (4096); a long /help is split into 2000-character messages."""
    long_text = " ".join(["Zebras migrate across the savanna every year."] * 65)[:2990]
    passages = [{"id": "zebras", "section": "Zebra migration", "text": long_text}]
    passages += [
        {"id": f"topic-{i}", "section": f"Section number {i} " + "x" * 180, "text": f"Topic {i} text."}
        for i in range(20)
    ]
    service = Service.from_directory(write_knowledge(tmp_path / "kb", passages))
    async with running(service, ENV):
        await fake.wait_ready()
        await fake.push("MESSAGE_CREATE", fake.message("How do zebras migrate?", dm=True))
        post = await fake.wait_for(lambda c: c.path == f"/channels/{fake.dm_channel_id}/messages")
        help_ = fake.command("help")
        await fake.push("INTERACTION_CREATE", help_)
        first = await callback_for(fake, help_)
        follow_up = await fake.wait_for(lambda c: c.path == f"/webhooks/{fake.app_id}/{help_['token']}")
    description = post.body["embeds"][0]["description"]
    assert len(long_text) > 2000 and description == long_text and len(description) <= 4096
    pieces = [first.body["data"]["content"], follow_up.body["content"]]
    assert all(len(p) <= 2000 for p in pieces)
    assert pieces[-1].endswith("…and 9 more topics: ask in your own words.")  # 21 topics, 12 listed


async def test_everyone_in_a_passage_pings_nobody(fake: FakeDiscord, tmp_path: Path) -> None:
    """A passage that says @everyone is sent with allowed_mentions parse [] so no one is pinged."""
    passages = [{"id": "meeting", "section": "Meetings", "text": "@everyone the weekly meeting is on Friday <@&123>."}]
    service = Service.from_directory(write_knowledge(tmp_path / "kb", passages))
    async with running(service, ENV):
        await fake.wait_ready()
        await fake.push("MESSAGE_CREATE", fake.mention("When is the weekly meeting?"))
        post = await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages")
    assert "@everyone" in post.body["embeds"][0]["description"]
    assert post.body["allowed_mentions"]["parse"] == []
    assert post.body["allowed_mentions"].get("roles", []) == []
    assert post.body["allowed_mentions"].get("users", []) == []


async def test_cooldown_note_is_ephemeral(fake: FakeDiscord, service: Service) -> None:
    """Past the per-user burst, /ask answers with the cooldown note, only to the asker."""
    async with running(service, ENV):
        await fake.wait_ready()
        asks = [fake.command("ask", question="Are most defectors women?") for _ in range(service.cooldown.burst + 1)]
        for interaction in asks:
            await fake.push("INTERACTION_CREATE", interaction)
        last = await callback_for(fake, asks[-1])
        answered = [await callback_for(fake, interaction) for interaction in asks[:-1]]
    assert all(call.body["data"]["embeds"] for call in answered)
    assert last.body["data"]["content"] == COOLDOWN
    assert last.body["data"]["flags"] & EPHEMERAL


@pytest.mark.parametrize("command", ["ask", "help", "sources"])
async def test_a_cooldown_note_after_a_public_deferral_is_shown_to_its_asker_alone(
    fake: FakeDiscord, service: Service, command: str
) -> None:
    """Discord gives the first follow-up of a "thinking…" deferral the deferral's visibility, whatever
    it asks: a slow command's cooldown note, an ephemeral follow-up, was shown to the whole channel.
    The public deferral is deleted first; the note is a message of its own, only its asker sees it."""
    options = {"question": "Are most defectors women?"} if command == "ask" else {}
    async with running(service, {**ENV, "DISCORD_DEFER_AFTER": "0"}):
        await fake.wait_ready()
        for _ in range(service.cooldown.burst + 1):
            await fake.push("INTERACTION_CREATE", fake.command(command, **options))
        note = await fake.wait_for(lambda c: c.answered is not None and "asking quickly" in str(c.body))
    token = note.path.split("/")[3]
    [deleted] = fake.find("DELETE", f"/webhooks/{fake.app_id}/{token}/messages/@original")
    assert note.method == "POST" and note.path == f"/webhooks/{fake.app_id}/{token}" and deleted.at < note.at
    assert note.result["flags"] & EPHEMERAL  # as Discord shows it
    assert fake.violations == []


@pytest.mark.allow_error_logs
async def test_a_public_deferral_discord_failed_to_delete_is_deleted_before_the_next_private_note(
    fake: FakeDiscord, service: Service
) -> None:
    """The public "thinking…" not deleted (refused), the apology after it was shown to everyone as the deferral's."""
    async with running(service, {**ENV, "DISCORD_DEFER_AFTER": "0"}):
        await fake.wait_ready()
        fake.fail("DELETE", f"/webhooks/{fake.app_id}/", status=403)  # the cooldown note's deletion of it
        for _ in range(service.cooldown.burst + 1):
            await fake.push("INTERACTION_CREATE", fake.command("ask", question="Are most defectors women?"))
        apology = await fake.wait_for(lambda c: c.answered is not None and (c.body or {}).get("content") == APOLOGY)
    assert [c.status for c in fake.find("DELETE", f"/webhooks/{fake.app_id}/")] == [403, 204]
    assert apology.result["flags"] & EPHEMERAL  # as Discord shows it


async def test_a_public_deferral_someone_deleted_leaves_the_private_note_private(
    fake: FakeDiscord, service: Service
) -> None:
    """A moderator deleted the public "thinking…" (the bot's deletion then finds nothing): the cooldown
    note after it is still sent as a private message of its own, not lost."""
    async with running(service, {**ENV, "DISCORD_DEFER_AFTER": "0"}):
        await fake.wait_ready()
        fake.thinking_deleted_by_someone = True
        for _ in range(service.cooldown.burst + 1):
            await fake.push("INTERACTION_CREATE", fake.command("ask", question="Are most defectors women?"))
        note = await fake.wait_for(lambda c: c.answered is not None and "asking quickly" in str(c.body))
    assert [c.status for c in fake.find("DELETE", f"/webhooks/{fake.app_id}/")] == [404]
    assert note.result["flags"] & EPHEMERAL and fake.violations == []


@pytest.mark.allow_error_logs
async def test_failure_is_logged_and_apologized_for(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """When Discord fails the answer, the traceback is logged and the user gets the apology (a 403,
    which the apology would get too, is a WARNING: see the test above)."""
    async with running(service, ENV):
        await fake.wait_ready()
        path = f"/channels/{fake.dm_channel_id}/messages"
        fake.fail("POST", path, status=400)  # the answer fails; the apology goes through
        await fake.push("MESSAGE_CREATE", fake.message("Are most defectors women?", dm=True))
        apology = await fake.wait_for(lambda c: c.body is not None and c.body.get("content") == APOLOGY)
    assert apology.path == path
    assert [c.body.get("embeds") is not None for c in fake.find("POST", path)] == [True, False]
    [failure] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failure.name == "adapters.dc.replies" and failure.exc_info is not None


async def test_sharding_identifies_each_shard(fake: FakeDiscord, service: Service) -> None:
    """DISCORD_SHARD_COUNT=2 runs two shards in one process, each identifying with its shard id."""
    async with running(service, {**ENV, "DISCORD_SHARD_COUNT": "2"}):
        await fake.wait_ready(count=2)
        await fake.push("MESSAGE_CREATE", fake.message("Are most defectors women?", dm=True))
        await fake.wait_for(lambda c: c.path == f"/channels/{fake.dm_channel_id}/messages")
    assert sorted(s.identify["shard"] for s in fake.shards) == [[0, 2], [1, 2]]
    assert fake.identify_pauses == 1, "the second shard waits out the identify rate limit (patched to no time)"


async def test_two_shards_keep_the_server_of_the_first_whole(fake: FakeDiscord, service: Service) -> None:
    """Two shards, the server on shard 0 (Discord's rule: its id's timestamp modulo the shard count): a mention
    of the bot's role there asks the bot. The fake had listed the server in shard 1's READY too, which real
    Discord never does, and discord.py then took it for a blank one, without its roles (the mention unread)."""
    fake.guild_id = "900000000004194307"  # (id >> 22) % 2 == 0
    async with running(service, {**ENV, "DISCORD_SHARD_COUNT": "2"}):
        await fake.wait_ready(count=2)
        asked = fake.mention_role("Are most defectors women?")
        await fake.push("MESSAGE_CREATE", asked)
        post = await fake.wait_for(lambda c: c.path == f"/channels/{fake.channel_id}/messages")
    assert str(post.body["message_reference"]["message_id"]) == asked["id"]


@pytest.mark.parametrize(("name", "value"), [("DISCORD_GUILD_READY_TIMEOUT", "61"), ("DISCORD_SHARD_COUNT", "10001")])
def test_a_number_above_its_bound_is_refused_at_start_in_doctors_words(name: str, value: str) -> None:
    """DISCORD_GUILD_READY_TIMEOUT and DISCORD_SHARD_COUNT have upper bounds: one line naming each, `doctor`'s."""
    from bot import doctor

    env = {"DISCORD_BOT_TOKEN": TOKEN, name: value}
    with pytest.raises(StartupError) as raised:
        Settings.from_env(env)
    assert [str(raised.value)] == doctor.start_errors(env) and str(raised.value).startswith(f"{name} must be ")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,5"}, "must be numbers from 0 to DISCORD_SHARD_COUNT - 1"),
        ({"DISCORD_SHARD_COUNT": "auto", "DISCORD_SHARD_IDS": "0"}, "needs DISCORD_SHARD_COUNT set to a number"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,one"}, "must be comma-separated numbers"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0, 0"}, "name each shard once, not '0, 0' (shard 0 twice)"),
        ({"DISCORD_ANSWER_FORUMS": "12,0"}, "must be comma-separated channel ids"),
    ],
    ids=["id-above-count", "ids-without-count", "not-a-number", "id-twice", "forum-0"],
)
def test_a_bad_list_is_refused_at_start_in_doctors_words(extra: dict[str, str], words: str) -> None:
    """DISCORD_SHARD_IDS and DISCORD_ANSWER_FORUMS are checked in the core: `start_errors` says what run does
    (DISCORD_SHARD_IDS=0,0 had identified shard 0 twice, and every message in its guilds was answered twice)."""
    from bot import doctor

    env = {"DISCORD_BOT_TOKEN": TOKEN, **extra}
    with pytest.raises(StartupError) as raised:
        Settings.from_env(env)
    assert [str(raised.value)] == doctor.start_errors(env) and words in str(raised.value)


async def test_sync_registers_commands_for_one_guild(fake: FakeDiscord) -> None:
    """`discord sync --guild ID` PUTs /ask, /help, /sources, the /kb group and "Answer this" to that guild only."""
    code = await asyncio.to_thread(sync.sync_main, ["sync", "--guild", fake.guild_id], {"DISCORD_BOT_TOKEN": TOKEN})
    assert code == 0
    [put] = fake.find("PUT", "/applications/")
    assert put.path == f"/applications/{fake.app_id}/guilds/{fake.guild_id}/commands"
    assert sorted(c["name"] for c in put.body) == ["Answer this", "ask", "help", "kb", "sources"]
    assert next(c for c in put.body if c["name"] == "Answer this")["type"] == 3  # in a message's Apps menu
    ask = next(c for c in put.body if c["name"] == "ask")
    assert ask["options"][0]["name"] == "question" and ask["options"][0]["required"]


async def test_sync_globally(fake: FakeDiscord) -> None:
    """`discord sync` without --guild PUTs the global commands."""
    code = await asyncio.to_thread(sync.sync_main, [], {"DISCORD_BOT_TOKEN": TOKEN})
    assert code == 0
    assert [c.path for c in fake.find("PUT", "/applications/")] == [f"/applications/{fake.app_id}/commands"]


async def test_sync_with_a_rejected_token_exits_2(fake: FakeDiscord, capsys: pytest.CaptureFixture[str]) -> None:
    """A token Discord rejects: exit 2, one line, no token, nothing synced."""
    code = await asyncio.to_thread(sync.sync_main, [], {"DISCORD_BOT_TOKEN": "wrong-token-value"})
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "wrong-token-value" not in err
    assert not fake.find("PUT", "/applications/")


@pytest.mark.parametrize("token", ["not-a-token", "Bot " + TOKEN], ids=["wrong-shape", "bot-prefix"])
async def test_sync_with_a_malformed_token_says_what_run_says(
    fake: FakeDiscord, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed token: `discord sync` prints run's (doctor's) shape error and exits 2, Discord is never asked."""
    from bot import doctor

    env = {"DISCORD_BOT_TOKEN": token, "TELEGRAM_BOT_TOKEN": "a Telegram token is no business of sync"}
    code = await asyncio.to_thread(sync.sync_main, [], env)
    (expected,) = doctor.start_errors({"DISCORD_BOT_TOKEN": token})
    assert code == runner.EXIT_UNUSABLE and capsys.readouterr().err == f"error: {expected}\n"
    assert not fake.calls


async def test_korean_locale_gets_the_bots_sentences_in_korean(online: FakeDiscord) -> None:
    """Discord's interaction locale picks the catalogue: /help and a fallback /ask in Korean, passages as written."""
    help_ = {**online.command("help"), "locale": "ko"}
    await online.push("INTERACTION_CREATE", help_)
    ask = {**online.command("ask", question="women weather"), "locale": "ko"}
    await online.push("INTERACTION_CREATE", ask)
    help_call, ask_call = await callback_for(online, help_), await callback_for(online, ask)
    assert "이런 것을 물어보세요" in help_call.body["data"]["content"]
    assert "Who are the refugees?" in help_call.body["data"]["content"]
    assert ask_call.body["data"]["content"].startswith("죄송합니다. 그건 잘 모르겠습니다.")


def test_a_text_bot_does_not_warn_about_voice_libraries() -> None:
    """Making the client logs nothing about PyNaCl or davey ("voice will NOT be supported"): it never speaks."""
    code = (
        "import logging; logging.basicConfig();"
        "from adapters.dc.client import QABot; from adapters.dc.settings import Settings;"
        "QABot(None, Settings(token='x'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=child_env())
    assert result.returncode == 0, result.stderr
    assert "voice will NOT" not in result.stderr


def test_an_embeds_footer_shows_a_long_title_and_publisher_cut_as_citations_cut_them() -> None:
    """A folder's hand-written title of 300 characters loads (it did before titles were cut at import):
    the footer showed all of it, and the publisher's, where every citation shows 200."""
    from adapters.dc.render import answer_embed  # the embed alone: no gateway needed

    long = Source(title="Club handbook " * 25, publisher="The organising team " * 15)
    answer = Answerer(KnowledgeBase(passages=(Passage("a", "S", "Some text here.", long),))).answer_passage("a")
    assert answer is not None
    title, publisher = (answer_embed(answer).footer.text or "").split(" — ")
    assert len(title) == len(publisher) == 200 and title.endswith("…") and publisher.endswith("…")


@pytest.mark.parametrize("value", ["on", "enabled"])
def test_a_message_content_setting_that_is_no_yes_or_no_is_refused_at_start(value: str) -> None:
    """DISCORD_MESSAGE_CONTENT=on stops the start with one line naming it, `doctor`'s (it had been read as off,
    silently, and the bot then saw no server message's text)."""
    from bot import doctor

    env = {"DISCORD_BOT_TOKEN": TOKEN, "DISCORD_MESSAGE_CONTENT": value}
    with pytest.raises(StartupError, match=rf"^DISCORD_MESSAGE_CONTENT must be yes or no, not '{value}'$") as raised:
        Settings.from_env(env)
    assert doctor.start_errors(env) == [str(raised.value)]
    assert Settings.from_env({"DISCORD_BOT_TOKEN": TOKEN, "DISCORD_MESSAGE_CONTENT": "yes"}).message_content
    assert not Settings.from_env({"DISCORD_BOT_TOKEN": TOKEN, "DISCORD_MESSAGE_CONTENT": "0"}).message_content
