"""Reliability and security of the Discord adapter, end to end: real discord.py against the fake.

Hostile input, gateway and REST faults, load, the /kb authorization matrix, tokens kept out of
logs and requests, rate limits under a flood, and shutdown with replies in flight (also as a
real `python -m adapters run` process stopped with SIGTERM). Load figures are printed and recorded
as test properties, never asserted as time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import runner
from bot import Service
from bot.config import Config, CooldownSettings, Moderators
from bot.cooldown import Cooldown
from bot.curation.moderation import NOT_MODERATOR
from bot.messages import APOLOGY, COOLDOWN, STALE_COMMAND
from tests.conftest import ROOT
from tests.discord_support import ENV, TOKEN, connected, running
from tests.fake_discord import ALL_PERMISSIONS, Call, FakeDiscord
from tests.support import Clock
from tests.test_discord import EPHEMERAL, TEST_PASSAGES, callback_for, write_knowledge
from tests.test_discord_moderation import MODERATOR_ROLE, NO_MANAGE_SERVER

pytestmark = pytest.mark.timeout(60)

QUESTION = "Are most defectors women?"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    """A fresh Service on the test passages, with a cooldown that lets every test question through."""
    kb = write_knowledge(tmp_path / "kb", TEST_PASSAGES)
    answering = Service.from_directory(kb)
    answering.cooldown = Cooldown(burst=1_000_000, interval=0.001)
    answering.chat_cooldown = Cooldown(burst=1_000_000, interval=0.001)
    return answering


def replies_to(fake: FakeDiscord, message: dict[str, Any]) -> list[Call]:
    """The successful POSTs that answer `message` (a reply referencing it)."""
    return [
        c
        for c in fake.find("POST", f"/channels/{message['channel_id']}/messages")
        if c.status == 200 and str((c.body.get("message_reference") or {}).get("message_id")) == message["id"]
    ]


async def answered(fake: FakeDiscord, message: dict[str, Any], timeout: float = 20) -> Call:
    """Wait for the successful reply to `message`."""
    path = f"/channels/{message['channel_id']}/messages"

    def done(c: Call) -> bool:
        ref = (c.body or {}).get("message_reference") or {}
        return c.path == path and c.status == 200 and str(ref.get("message_id")) == message["id"]

    return await fake.wait_for(done, timeout=timeout)


# platform faults


async def test_dropped_gateway_connection_resumes_and_keeps_answering(online: FakeDiscord) -> None:
    """A dropped connection is RESUMEd; a question sent while it was down is replayed and answered."""
    before = online.message(QUESTION, dm=True)
    await online.push("MESSAGE_CREATE", before)
    await answered(online, before)
    await online.drop()
    during = online.message(QUESTION, dm=True)
    await online.push("MESSAGE_CREATE", during)  # the session is down: Discord replays it on RESUME
    await online.wait_sessions(resumes=1)
    after = online.message("What happens to refugees caught in China?", dm=True)
    await online.push("MESSAGE_CREATE", after)
    await answered(online, during)
    await answered(online, after)
    assert online.resumes[0]["session_id"] == online.shards[0].session_id
    assert len(online.shards) == 1, "resumed, not identified again"
    assert [len(replies_to(online, m)) for m in (before, during, after)] == [1, 1, 1]


async def test_reconnect_request_resumes(online: FakeDiscord) -> None:
    """RECONNECT (op 7) makes the client reconnect and RESUME; answering goes on."""
    await online.reconnect_request()
    await online.wait_sessions(resumes=1)
    message = online.message(QUESTION, dm=True)
    await online.push("MESSAGE_CREATE", message)
    await answered(online, message)
    assert online.resumes[0]["session_id"] == online.shards[0].session_id
    assert len(online.shards) == 1 and online.identify_pauses == 0, "resumed, not identified again"
    assert len(replies_to(online, message)) == 1


async def test_resumable_invalid_session_resumes(online: FakeDiscord) -> None:
    """INVALID_SESSION (op 9) with d=true: the client reconnects, RESUMEs and keeps answering."""
    await online.invalidate(resumable=True)
    await online.wait_sessions(resumes=1)
    message = online.message(QUESTION, dm=True)
    await online.push("MESSAGE_CREATE", message)
    await answered(online, message)
    assert online.resumes[0]["session_id"] == online.shards[0].session_id
    assert len(online.shards) == 1 and online.identify_pauses == 0, "resumed, not identified again"
    assert len(replies_to(online, message)) == 1


async def test_invalid_session_identifies_again_and_keeps_answering(online: FakeDiscord) -> None:
    """A drop, then INVALID_SESSION (op 9, d=false) in answer to the RESUME: a fresh IDENTIFY; answers go on.

    discord.py would wait 5 s before identifying again (Discord's identify rate limit): the pause is
    patched out (see discord_support) and counted.
    """
    online.live[0].resumable = False
    await online.drop()
    await online.wait_sessions(identifies=2, resumes=1)
    message = online.message(QUESTION, dm=True)
    await online.push("MESSAGE_CREATE", message)
    await answered(online, message)
    assert online.shards[1].identify["token"] == TOKEN
    assert online.identify_pauses == 1


@pytest.mark.parametrize("is_global", [False, True])
async def test_429_on_the_message_post_is_retried(online: FakeDiscord, is_global: bool) -> None:
    """A 429 with retry_after on POST /channels/{id}/messages: the reply goes out after the wait."""
    online.fail("POST", f"/channels/{online.dm_channel_id}/messages", 429, times=2, is_global=is_global)
    message = online.message(QUESTION, dm=True)
    await online.push("MESSAGE_CREATE", message)
    await answered(online, message)
    statuses = [c.status for c in online.find("POST", f"/channels/{online.dm_channel_id}/messages")]
    assert statuses == [429, 429, 200]


async def test_429_on_the_interaction_callback_and_follow_up(online: FakeDiscord) -> None:
    """A 429 on the /ask callback and on its follow-up (a long /help): both are retried and arrive."""
    online.fail("POST", "/interactions/", 429)
    online.fail("POST", "/webhooks/", 429)
    ask = online.command("ask", question=QUESTION)
    await online.push("INTERACTION_CREATE", ask)
    await online.wait_for(lambda c: c.path.startswith(f"/interactions/{ask['id']}/") and c.status == 200)
    statuses = [c.status for c in online.find("POST", f"/interactions/{ask['id']}/")]
    assert statuses == [429, 200]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_on_the_message_post_is_retried(online: FakeDiscord, status: int) -> None:
    """A 5xx on the reply POST: the reply still goes out once Discord recovers."""
    online.fail("POST", f"/channels/{online.dm_channel_id}/messages", status)
    message = online.message(QUESTION, dm=True)
    await online.push("MESSAGE_CREATE", message)
    await answered(online, message)
    assert len(replies_to(online, message)) == 1


# hostile input

NO_PING = {"parse": [], "replied_user": False}
INJECTION = "@everyone @here <@&900000000000000100> <@900000000000000006> **b** ||x|| # Big\n> q [a](http://x) `c`"
HOSTILE = [
    "",
    "   \n\t  ",
    "x" * 4000,
    "Are most women? " * 250,
    "\x00\x01\x07\x1b[31mred\x7f",
    "\u200b\u200c\u200d\ufeff\u2060",
    "\u202eAre most defectors women?\u202c",
    "هل معظم المنشقين نساء؟",
    "🙂🔥👩‍👩‍👧‍👦🇰🇷",
    "탈북자는 대부분 여성인가요?",
    INJECTION,
    f"<@{900000000000000002}>",
    "<script>alert(1)</script> &amp; <b>bold</b>",
]
PINGS = ("@everyone", "@here", "<@")


def check_reply_is_safe(body: dict[str, Any], *, echo: bool = False) -> None:
    """No ping possible, within Discord's limits, and (unless `echo`) none of the asker's mentions echoed back."""
    assert body["allowed_mentions"]["parse"] == []
    assert not body["allowed_mentions"].get("roles") and not body["allowed_mentions"].get("users")
    content = body.get("content") or ""
    assert len(content) <= 2000
    text = content + json.dumps(body.get("embeds") or [], ensure_ascii=False)
    assert all(len(e.get("description") or "") <= 4096 for e in body.get("embeds") or [])
    assert echo or not any(p in text for p in PINGS), text[:300]


@pytest.mark.parametrize(("custom_id", "private"), [("qa:v:-:education", True), ("qa:p:education", False)],
                         ids=["vote", "topic"])  # fmt: skip
async def test_a_press_is_acknowledged_in_time_while_the_gaps_database_is_busy(
    fake: FakeDiscord, tmp_path: Path, custom_id: str, private: bool
) -> None:
    """A 👎 or a topic pressed while another process writes to the gaps database (SQLite waits up to
    5 s for its lock) was answered only after the write: past Discord's 3 seconds, "This
    interaction failed" (10062). The press is deferred now, and what it says follows."""
    config = Config(data_dir=tmp_path / "data")
    service = Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES), config)
    async with connected(fake, service):
        holder = sqlite3.connect(tmp_path / "data" / "gaps.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process writing: the bot's write waits for it
        try:
            button = {"type": 2, "style": 2, "custom_id": custom_id, "label": "Schooling"}
            press = fake.press(custom_id, fake.bot_message({"components": [{"type": 1, "components": [button]}]}))
            await fake.push("INTERACTION_CREATE", press)
            await asyncio.sleep(3.5)
        finally:
            holder.execute("COMMIT")
            holder.close()
        call = await callback_for(fake, press)
        follow_up = await fake.wait_for(lambda c: c.path == f"/webhooks/{fake.app_id}/{press['token']}")
    service.close()
    assert call.status == 200 and call.body["type"] == 6, (
        fake.violations
    )  # acknowledged, the button's message as it was
    assert bool((follow_up.body.get("flags") or 0) & EPHEMERAL) is private


async def test_hostile_messages_get_one_safe_reply_each(online: FakeDiscord) -> None:
    """Empty, huge, control, zero-width, RTL, emoji, Korean and injection text: one reply each, no ping."""
    asked = []
    for number, text in enumerate(HOSTILE):
        user = online.user(str(800000000000000000 + number), name=f"u{number}")
        dm = online.message(text, dm=True, author=user, channel_id=str(810000000000000000 + number))
        mention = online.mention(text, author=user)
        for message in (dm, mention):
            await online.push("MESSAGE_CREATE", message)
            asked.append(message)
    for message in asked:
        call = await answered(online, message)
        check_reply_is_safe(call.body)
    await asyncio.sleep(0.1)
    assert all(len(replies_to(online, m)) == 1 for m in asked)


UNSAFE = st.lists(
    st.text(st.characters(codec="utf-8"), max_size=40)
    | st.sampled_from(["@everyone", "@here", "<@&1>", "<@2>", "\u202e", "\u200b", "**", "```", "women", "탈북"]),
    max_size=12,
).map("".join)


async def test_any_text_gets_one_safe_reply(online: FakeDiscord) -> None:
    """Property: whatever a DM says, exactly one reply, no ping, within limits, nothing escaping."""
    loop = asyncio.get_running_loop()
    users = iter(range(820000000000000000, 830000000000000000))

    async def one(text: str) -> None:
        user_id = str(next(users))
        message = online.message(text, dm=True, author=online.user(user_id), channel_id=user_id)
        await online.push("MESSAGE_CREATE", message)
        check_reply_is_safe((await answered(online, message)).body)

    @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(UNSAFE)
    def check(text: str) -> None:
        asyncio.run_coroutine_threadsafe(one(text), loop).result(timeout=20)

    await asyncio.to_thread(check)


async def test_huge_slash_command_option_is_answered(online: FakeDiscord) -> None:
    """A 100 KB /ask option (more than Discord allows) gets an ordinary answer within the limits."""
    ask = online.command("ask", question="Are most defectors women? " + "🙂@everyone " * 8000)
    await online.push("INTERACTION_CREATE", ask)
    call = await callback_for(online, ask)
    assert call.body["type"] == 4
    check_reply_is_safe(call.body["data"])


async def test_passage_with_markup_and_mentions_pings_nobody(fake: FakeDiscord, tmp_path: Path) -> None:
    """A passage whose section and text hold mentions and Markdown: sent as written, with no ping possible."""
    passages = [{"id": "meeting", "section": "**Meetings** @here <@&1>", "text": INJECTION + " weekly meeting Friday"}]
    service = Service.from_directory(write_knowledge(tmp_path / "kb", passages))
    async with running(service, ENV):
        await fake.wait_ready()
        message = fake.mention("When is the weekly meeting?")
        await fake.push("MESSAGE_CREATE", message)
        call = await answered(fake, message)
    assert call.body["allowed_mentions"] == NO_PING
    assert "@everyone" in call.body["embeds"][0]["description"]


async def test_malformed_commands_get_a_plain_reply(fake: FakeDiscord, tmp_path: Path) -> None:
    """Odd /kb arguments, an unknown subcommand and a command missing its option: a reply, never a traceback."""
    config = Config(moderators=Moderators(discord_users=frozenset({fake.user_id})), data_dir=tmp_path / "data")
    service = Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES), config)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("edit", {"id": "`x` @everyone **b**"}),
        ("edit", {"id": "x" * 5000}),
        ("remove", {"id": "../../etc/passwd"}),
        ("remove", {"id": "\u200b"}),
        ("alias", {"id": "women-majority", "question": "q" * 100_000}),
        ("alias", {"id": "nope", "question": "@everyone"}),
        ("history", {"id": "\x00"}),
        ("gaps", {"count": 0}),
        ("gaps", {"count": 10**9}),
        ("gaps", {"count": -5}),
        ("dismiss", {"gap": "💥"}),
        ("dismiss", {"gap": " "}),
        ("nuke", {}),
    ]
    async with running(service, ENV):
        await fake.wait_ready()
        sent = []
        for name, options in cases:
            interaction = fake.subcommand("kb", name, **options)
            await fake.push("INTERACTION_CREATE", interaction)
            sent.append(interaction)
        missing = fake.interaction(2, {"id": fake.next_id(), "name": "ask", "type": 1})
        await fake.push("INTERACTION_CREATE", missing)
        calls = [await callback_for(fake, i) for i in [*sent, missing]]
    for call in calls:
        data = call.body["data"]
        assert call.body["type"] == 4 and data["flags"] & EPHEMERAL, data
        assert data["content"] != APOLOGY
        check_reply_is_safe(data, echo=True)  # a moderator's own typing may come back, quoted, to them only
    assert calls[0].body["data"]["content"].count("`") == 2  # the typed id cannot close the code span
    assert calls[-2].body["data"]["content"] == STALE_COMMAND


@pytest.mark.parametrize(
    ("name", "option", "group"),
    [("asks", "question", None), ("ask", "q", None), ("kb", "passage", "remove")],
    ids=["command-renamed", "option-renamed", "kb-option-renamed"],
)
async def test_typing_into_a_stale_command_gets_no_suggestions_and_a_warning(
    online: FakeDiscord, caplog: pytest.LogCaptureFixture, name: str, option: str, group: str | None
) -> None:
    """Typing into a command Discord still shows after an update not yet synced: the stale command
    is logged at WARNING (see the error path), not an ERROR and a traceback for each key typed, and
    answered as Discord takes an autocomplete, with choices (none), not a message it refuses."""
    focused = {"name": option, "type": 3, "value": "defectors", "focused": True}
    options = [{"name": group, "type": 1, "options": [focused]}] if group else [focused]
    typed = online.interaction(4, {"id": online.next_id(), "name": name, "type": 1, "options": options})
    await online.push("INTERACTION_CREATE", typed)
    answered = await callback_for(online, typed)
    assert answered.body == {"type": 8, "data": {"choices": []}}
    assert [r.levelno for r in caplog.records if "autocomplete" in r.getMessage()] == [logging.WARNING]


# load

CHANNELS = 50
PER_CHANNEL = 40
LOAD_QUESTIONS = [QUESTION, "What happens to refugees caught in China?", "How educated are defectors?"]


@pytest.mark.slow
async def test_load_many_channels_each_answered_once_in_order(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture, record_property: Any
) -> None:
    """50 channels (25 server channels, 25 DMs) asking at once, 2,000 questions: each answered once, in order.

    Throughput and p99 latency (question pushed -> reply received by the fake) are reported, not asserted.
    """
    caplog.set_level(logging.WARNING, logger="aiohttp.access")
    fake.extra_channels = [str(840000000000000000 + i) for i in range(CHANNELS // 2)]
    dms = [str(850000000000000000 + i) for i in range(CHANNELS - CHANNELS // 2)]
    async with running(service, ENV):
        await fake.wait_ready()
        pushed: dict[str, float] = {}
        order: dict[str, list[str]] = {}

        async def channel(channel_id: str, dm: bool) -> None:
            user = fake.user(str(int(channel_id) + 5_000_000), name="load")
            for i in range(PER_CHANNEL):
                text = LOAD_QUESTIONS[i % len(LOAD_QUESTIONS)]
                if dm:
                    message = fake.message(text, dm=True, author=user, channel_id=channel_id)
                else:
                    message = fake.mention(text, author=user, channel_id=channel_id)
                order.setdefault(channel_id, []).append(message["id"])
                pushed[message["id"]] = time.monotonic()
                await fake.push("MESSAGE_CREATE", message)
                await asyncio.sleep(0)

        start = time.monotonic()
        await asyncio.gather(*(channel(c, False) for c in fake.extra_channels), *(channel(c, True) for c in dms))
        total = CHANNELS * PER_CHANNEL
        async with asyncio.timeout(45):
            while sum(1 for c in fake.calls if c.status == 200 and c.path.endswith("/messages")) < total:
                await asyncio.sleep(0.05)
        elapsed = time.monotonic() - start
        await asyncio.sleep(0.2)  # anything extra (a duplicate) would arrive now
    posts = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")]
    by_channel: dict[str, list[str]] = {}
    for call in posts:
        by_channel.setdefault(call.path.split("/")[2], []).append(str(call.body["message_reference"]["message_id"]))
    assert by_channel == order, "every question answered exactly once, in order within its channel"
    latencies = sorted(c.at - pushed[str(c.body["message_reference"]["message_id"])] for c in posts)
    p50, p99 = latencies[len(latencies) // 2], latencies[math.ceil(0.99 * len(latencies)) - 1]
    figures = {"questions": total, "seconds": round(elapsed, 2), "per_second": round(total / elapsed),
               "p50_ms": round(p50 * 1000), "p99_ms": round(p99 * 1000)}  # fmt: skip
    for name, value in figures.items():
        record_property(f"discord_load_{name}", value)
    print(f"\nDiscord load: {figures}")


# rate limits under a flood


def clocked(service: Service, clock: Clock, *, burst: int, chat_burst: int, interval: float) -> Clock:
    """Put both of the core's limits on `clock`, which the test moves: a cooldown passes without waiting."""
    service.cooldown = Cooldown(burst=burst, interval=interval, clock=clock)
    service.chat_cooldown = Cooldown(burst=chat_burst, interval=interval, clock=clock)
    return clock


def quiet_access_log(caplog: pytest.LogCaptureFixture) -> None:
    """No INFO line per request from the fake's web server, but INFO from the bot still captured."""
    caplog.set_level(logging.WARNING, logger="aiohttp.access")
    caplog.set_level(logging.INFO)  # set_level raised the capturing handler to WARNING too: lower it again


async def dealt_with(fake: FakeDiscord, caplog: pytest.LogCaptureFixture, messages: list[dict[str, Any]]) -> None:
    """Wait until the bot has replied to each message or logged (INFO) that it deliberately does not."""

    def done(message: dict[str, Any]) -> bool:
        passed_over = f"not answering message {message['id']} in"
        return bool(replies_to(fake, message)) or any(passed_over in r.getMessage() for r in caplog.records)

    async with asyncio.timeout(20):
        while not all(done(m) for m in messages):
            await asyncio.sleep(0.02)


def notes_and_answers(fake: FakeDiscord, messages: list[dict[str, Any]]) -> tuple[int, int]:
    replies = [c for m in messages for c in replies_to(fake, m)]
    notes = sum(c.body.get("content") == COOLDOWN for c in replies)
    answers = sum(bool(c.body.get("embeds")) for c in replies)
    assert notes + answers == len(replies)
    return notes, answers


async def flood(fake: FakeDiscord, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for message in messages:
        await fake.push("MESSAGE_CREATE", message)
    return messages


async def test_one_user_flooding_is_limited_while_others_are_answered(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """A user sending 60 mentions gets the per-user burst answered and one note; everyone else is answered."""
    quiet_access_log(caplog)
    clocked(service, Clock(), burst=5, chat_burst=1_000_000, interval=3.0)  # this test is about the user's limit
    flooder = fake.user("860000000000000001", name="flooder")
    async with running(service, ENV):
        await fake.wait_ready()
        flooded, others = [], []
        for i in range(60):
            flooded += await flood(fake, [fake.mention(QUESTION, author=flooder)])
            if i % 10 == 0:
                other = fake.user(str(860000000000000100 + i), name=f"other{i}")
                others += await flood(fake, [
                    fake.mention(QUESTION, author=other),
                    fake.message(QUESTION, dm=True, author=other, channel_id=str(870000000000000000 + i)),
                ])  # fmt: skip
        for message in others:
            assert (await answered(fake, message)).body["embeds"]
        await dealt_with(fake, caplog, flooded)
    assert notes_and_answers(fake, flooded) == (1, 5), "the rest of the flood is deliberately not answered"


async def test_a_flooding_user_is_told_once_per_cooldown(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """A DM flood: 3 answers, one note; one interval later a question is answered, and the next flood told once."""
    clock = clocked(service, Clock(), burst=3, chat_burst=1_000_000, interval=10.0)
    async with running(service, ENV):
        await fake.wait_ready()
        first = await flood(fake, [fake.message(QUESTION, dm=True) for _ in range(8)])
        await dealt_with(fake, caplog, first)
        assert notes_and_answers(fake, first) == (1, 3)
        clock.now += 10.0  # one question back
        again = await flood(fake, [fake.message(QUESTION, dm=True)])
        assert (await answered(fake, again[0])).body["embeds"]
        later = await flood(fake, [fake.message(QUESTION, dm=True) for _ in range(5)])
        await dealt_with(fake, caplog, later)
        assert notes_and_answers(fake, later) == (1, 0)


async def test_a_flooding_channel_is_told_once_not_once_per_member(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """Ten members asking twice: 4 answers and one note for the channel; a button pressed meanwhile is only
    acknowledged; once the channel's limit has refilled, a question is answered and the next flood told once."""
    quiet_access_log(caplog)
    clock = clocked(service, Clock(), burst=2, chat_burst=4, interval=10.0)
    members = [fake.user(str(881000000000000000 + i)) for i in range(10)]
    quiet = "880000000000000001"
    fake.extra_channels = [quiet]
    async with running(service, ENV):
        await fake.wait_ready()
        crowd = await flood(fake, [fake.mention(QUESTION, author=m) for m in members * 2])
        elsewhere = await flood(fake, [fake.mention(QUESTION, channel_id=quiet)])
        assert (await answered(fake, elsewhere[0])).body["embeds"]  # other channels go on
        await dealt_with(fake, caplog, crowd)
        assert notes_and_answers(fake, crowd) == (1, 4)
        suggestion = {"type": 2, "style": 2, "custom_id": "qa:p:education", "label": "Schooling"}
        shown = fake.bot_message({"content": "I don't know.", "components": [{"type": 1, "components": [suggestion]}]})
        press = fake.press("qa:p:education", shown)
        await fake.push("INTERACTION_CREATE", press)
        assert (await callback_for(fake, press)).body == {"type": 6}  # acknowledged, nothing shown
        clock.now += 40.0  # the channel's whole allowance back: the flood is over
        again = await flood(fake, [fake.mention(QUESTION, author=members[0])])
        assert (await answered(fake, again[0])).body["embeds"]
        later = await flood(fake, [fake.mention(QUESTION, author=m) for m in members[1:] * 2])
        await dealt_with(fake, caplog, later)
        assert notes_and_answers(fake, later) == (1, 3)


# security

KB_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("add", {}),
    ("edit", {"id": "women-majority"}),
    ("remove", {"id": "jobs"}),
    ("alias", {"id": "education", "question": "Did they go to school?"}),
    ("history", {}),
    ("undo", {}),
    ("gaps", {}),
    ("stats", {}),
    ("dismiss", {"gap": "1"}),
]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("manage_server_setting", [False, True])
async def test_authorization_matrix(fake: FakeDiscord, tmp_path: Path, manage_server_setting: bool) -> None:
    """Every /kb subcommand x moderator by id / role / Manage Server / member: refusals ephemeral, disk unchanged."""
    config = Config(
        moderators=Moderators(discord_users=frozenset({fake.user_id}), discord_roles=frozenset({MODERATOR_ROLE}),
                              discord_manage_server=manage_server_setting,
                              discord_admin_guilds=frozenset({fake.guild_id})),
        data_dir=tmp_path / "data",
        cooldown=CooldownSettings(burst=100),  # a member's refusals count against it: not in the way here
    )  # fmt: skip
    service = Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES), config)
    by_role = {"user": fake.user("900000000000000061"), "roles": (MODERATOR_ROLE,), "permissions": NO_MANAGE_SERVER}
    manager = {"user": fake.user("900000000000000062"), "permissions": ALL_PERMISSIONS}
    member = {"user": fake.user("900000000000000063"), "roles": ("900000000000000999",)}
    member["permissions"] = NO_MANAGE_SERVER
    askers: dict[str, tuple[dict[str, Any], bool]] = {
        "by id": ({"user": fake.user(), "permissions": NO_MANAGE_SERVER}, True),
        "by role": (by_role, True),
        "manage server": (manager, manage_server_setting),
        "member": (member, False),
    }
    refused_askers = [who for who, (_, allowed) in askers.items() if not allowed]
    allowed_askers = [who for who, (_, allowed) in askers.items() if allowed]
    async with running(service, ENV):
        await fake.wait_ready()
        before = snapshot(tmp_path)
        for who in refused_askers:
            for name, options in KB_COMMANDS:
                interaction = fake.subcommand("kb", name, **askers[who][0], **options)
                await fake.push("INTERACTION_CREATE", interaction)
                call = await callback_for(fake, interaction)
                assert call.body["type"] == 4, (who, name)
                assert call.body["data"]["flags"] & EPHEMERAL and call.body["data"]["content"] == NOT_MODERATOR
        assert snapshot(tmp_path) == before, "a refused command changed nothing on disk"
        for who in allowed_askers:
            for name, options in KB_COMMANDS:
                interaction = fake.subcommand("kb", name, **askers[who][0], **options)
                await fake.push("INTERACTION_CREATE", interaction)
                call = await callback_for(fake, interaction)
                if name in ("add", "edit"):
                    assert call.body["type"] == 9, (who, name)  # the form opens
                else:
                    assert call.body["data"]["content"] != NOT_MODERATOR and call.body["data"]["flags"] & EPHEMERAL


@pytest.mark.allow_error_logs  # the refused reply's ERROR, checked below
async def test_token_never_in_logs_or_anything_sent(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """Through faults, retries, an apology and a reconnect: the token only in auth headers and IDENTIFY/RESUME."""
    caplog.set_level(logging.DEBUG)
    async with running(service, ENV):
        await fake.wait_ready()
        fake.fail("POST", f"/channels/{fake.dm_channel_id}/messages", 503)
        fake.fail("POST", "/interactions/", 429)
        fake.fail("POST", f"/channels/{fake.channel_id}/messages", 400)  # a failure: the apology follows
        message, mention = fake.message(QUESTION, dm=True), fake.mention(QUESTION)
        ask = fake.command("ask", question=QUESTION)
        for event, data in (("MESSAGE_CREATE", message), ("MESSAGE_CREATE", mention), ("INTERACTION_CREATE", ask)):
            await fake.push(event, data)
        await answered(fake, message)
        await callback_for(fake, ask)
        await fake.wait_for(lambda c: (c.body or {}).get("content") == APOLOGY)
        await fake.drop()
        await fake.wait_sessions(resumes=1)
    logged = "\n".join(r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
                       for r in caplog.records)  # fmt: skip
    sent = [json.dumps([c.path, c.query, c.body]) for c in fake.calls]
    frames = [f for f in fake.received if json.loads(f)["op"] not in (2, 6)]
    assert TOKEN not in logged
    assert not [s for s in sent if TOKEN in s]
    assert not [f for f in frames if TOKEN in f]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [f"Discord: failed to answer message {mention['id']}"]


# graceful shutdown


async def test_stop_lets_replies_in_flight_go_out(fake: FakeDiscord, service: Service) -> None:
    """Stopping while replies are in flight (and queued behind them in one channel): all go out, then a clean close."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.serve(service, ENV, stop))
    await fake.wait_ready()
    fake.rest_delay = 0.3
    messages = [fake.message(QUESTION, dm=True, author=fake.user(str(890000000000000000 + i)),
                             channel_id=str(890000000000000000 + i)) for i in range(5)]  # fmt: skip
    messages += [fake.mention(QUESTION, author=fake.user(str(891000000000000000 + i))) for i in range(3)]
    for message in messages:
        await fake.push("MESSAGE_CREATE", message)
    await fake.wait_for(lambda c: c.method == "POST" and c.path.endswith("/messages"))
    stop.set()
    await asyncio.wait_for(task, timeout=20)
    assert all(len(replies_to(fake, m)) == 1 for m in messages)


@contextlib.asynccontextmanager
async def launched(fake: FakeDiscord, kb: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m adapters run` on `kb` in its own process (via tests/discord_launcher.py) against `fake`;
    killed at the end if it is still running."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(ENV, PYTHONPATH=str(ROOT))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.discord_launcher", fake.api_base, fake.gateway_url, "run", "--knowledge", str(kb),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_sigterm_to_a_real_process_finishes_replies_and_exits_0(fake: FakeDiscord, tmp_path: Path) -> None:
    """`python -m adapters run` (via tests/discord_launcher.py) gets SIGTERM mid-reply: the reply goes out, exit 0."""
    async with launched(fake, write_knowledge(tmp_path / "kb", TEST_PASSAGES)) as process:
        await fake.wait_ready(timeout=30)
        fake.rest_delay = 0.5
        messages = [fake.message(QUESTION, dm=True), fake.mention(QUESTION), fake.mention(QUESTION)]
        for message in messages:
            await fake.push("MESSAGE_CREATE", message)
        await fake.wait_for(lambda c: c.method == "POST" and c.path.endswith("/messages"), timeout=20)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log_text = stderr.decode()
    assert process.returncode == 0, log_text[-2000:]
    assert all(len(replies_to(fake, m)) == 1 for m in messages)
    assert TOKEN not in log_text
    assert " ERROR " not in log_text


async def test_a_token_revoked_while_running_exits_4_with_one_line(fake: FakeDiscord, tmp_path: Path) -> None:
    """The gateway closes with 4004 on the next RESUME: the process exits 4 with one ERROR line, no traceback."""
    async with launched(fake, write_knowledge(tmp_path / "kb", TEST_PASSAGES)) as process:
        await fake.wait_ready(timeout=30)
        fake.token = "revoked-" + TOKEN  # the owner reset the token in the developer portal
        await fake.drop()
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log_text = stderr.decode()
    assert process.returncode == runner.EXIT_TOKEN_REVOKED == 4, log_text[-2000:]
    [line] = [line for line in log_text.splitlines() if " ERROR " in line]
    assert "no longer accepts DISCORD_BOT_TOKEN" in line and line.endswith("exiting with code 4")
    assert "Traceback" not in log_text and TOKEN not in log_text
