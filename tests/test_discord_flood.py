"""Discord under pressure: /help and /sources pass the core's budget; slow answers are acknowledged in time;
a DM has only its member's own limit."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from pathlib import Path

import pytest

from adapters.dc.settings import Settings
from adapters.platform import StartupError
from bot import Answerer, Service
from bot.config import ChatCooldownSettings, Config, CooldownSettings
from bot.cooldown import Cooldown
from bot.messages import COOLDOWN
from tests.discord_support import connected
from tests.fake_discord import Call, FakeDiscord
from tests.telegram_support import write_handbook

EPHEMERAL = 1 << 6


@pytest.fixture
def service(tmp_path: Path) -> Service:
    config = Config(
        data_dir=tmp_path / "data",
        cooldown=CooldownSettings(burst=3, interval=600.0),
        chat_cooldown=ChatCooldownSettings(burst=50, interval=600.0),
    )
    return Service.from_directory(write_handbook(tmp_path / "knowledge"), config)


async def test_help_and_sources_pass_the_cooldown(online: FakeDiscord) -> None:
    """Ten /help and /sources from one member: three in the channel, the rest a note only they see."""
    interactions = [online.command("help" if n % 2 else "sources") for n in range(10)]
    for interaction in interactions:
        await online.push("INTERACTION_CREATE", interaction)
    async with asyncio.timeout(10):
        while len(online.acknowledged) < len(interactions):
            await asyncio.sleep(0.01)
    bodies = [c.body for c in online.calls if c.path.endswith("/callback")]
    public = [b for b in bodies if not (b["data"].get("flags") or 0) & EPHEMERAL]
    notes = [b for b in bodies if (b["data"].get("flags") or 0) & EPHEMERAL]
    assert len(public) == 3
    assert len(notes) == 7 and all(COOLDOWN in b["data"]["content"] for b in notes)


def test_a_deferral_later_than_discords_window_is_refused_at_start() -> None:
    """DISCORD_DEFER_AFTER=5 would answer a 4-second /ask after Discord forgot it (10062): refused at start."""
    env = {"DISCORD_BOT_TOKEN": "t", "DISCORD_DEFER_AFTER": "5"}
    with pytest.raises(StartupError, match=r"DISCORD_DEFER_AFTER must be a number from 0 to 2\.5 \(seconds\)"):
        Settings.from_env(env)
    assert Settings.from_env({**env, "DISCORD_DEFER_AFTER": "2.5"}).defer_after == 2.5


async def test_a_slow_answer_is_deferred_within_the_window(online: FakeDiscord, tmp_path: Path) -> None:
    """An /ask taking 3.2 s (past Discord's 3 s) is deferred at 2 s and followed up: no late answer."""
    # Another process writing to the gaps database: /ask's record of the question it answered waits for the
    # lock (SQLite waits up to 5 s), and so the answer does, until the test lets go: no code of ours replaced.
    holder = sqlite3.connect(tmp_path / "data" / "gaps.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        interaction = online.command("ask", question="When do we meet?")
        pushed = time.monotonic()
        await online.push("INTERACTION_CREATE", interaction)
        callback = f"/interactions/{interaction['id']}/{interaction['token']}/callback"
        deferral = await online.wait_for(lambda c: c.path == callback and c.answered is not None)
        assert deferral.body["type"] == 5 and online.violations == [], online.violations  # "thinking…" in time
        await asyncio.sleep(pushed + 3.2 - time.monotonic())  # the answer held past Discord's 3 s
    finally:
        holder.execute("COMMIT")
        holder.close()
    follow_up = f"/webhooks/{online.app_id}/{interaction['token']}"
    answer = await online.wait_for(lambda c: c.path.startswith(follow_up) and c.answered is not None)
    assert answer.status == 200 and answer.body.get("embeds"), answer.body
    assert online.violations == []


@pytest.mark.parametrize("asked", ["message", "command"])
async def test_a_direct_message_has_only_the_members_own_limit(fake: FakeDiscord, kdir: Path, asked: str) -> None:
    """config.example.yaml: "private chats have only the per-user limit". A member asking five
    questions in a DM (as messages, or /ask there), within their own limit of eight, gets five
    answers: the channel limit, set for busy server channels, does not apply to their DM."""
    user, channel = Cooldown(burst=8, interval=3), Cooldown(burst=3, interval=60)
    service = Service(Answerer.from_directory(kdir), cooldown=user, chat_cooldown=channel)
    try:
        async with connected(fake, service):
            sent = [in_a_dm(fake, asked) for _ in range(5)]
            for event in sent:
                await fake.push("MESSAGE_CREATE" if asked == "message" else "INTERACTION_CREATE", event)
            replies = [await fake.wait_for(lambda c, e=event: answers(c, fake, e)) for event in sent]
    finally:
        service.close()
    bodies = [c.body if asked == "message" else c.body["data"] for c in replies]
    assert [bool(b.get("embeds")) for b in bodies] == [True] * 5, [b.get("content") for b in bodies]


def in_a_dm(fake: FakeDiscord, asked: str) -> dict[str, object]:
    """A question in the member's DM with the bot: a message, or an /ask interaction from there."""
    if asked == "message":
        return fake.message("When do we meet?", dm=True)
    command = fake.command("ask", question="When do we meet?")
    del command["guild_id"], command["member"]
    dm = {"id": fake.dm_channel_id, "type": 1, "recipients": [fake.user()]}
    return {**command, "channel_id": fake.dm_channel_id, "channel": dm, "user": fake.user(), "context": 1}


def answers(call: Call, fake: FakeDiscord, event: dict[str, object]) -> bool:
    if "token" in event:
        return call.path == f"/interactions/{event['id']}/{event['token']}/callback"
    return (
        call.path == f"/channels/{fake.dm_channel_id}/messages"
        and str((call.body.get("message_reference") or {}).get("message_id")) == event["id"]
    )


@pytest.mark.parametrize("command", ["/ask", "“Answer this”"])
async def test_an_interaction_discord_forgot_is_one_warning_and_nothing_more(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    """An /ask (or *Answer this* on the bot's own message: a note only its user would see) the bot gets 4 s
    after it was sent (a burst held it up) is refused by Discord (404, Unknown interaction): one WARNING
    naming the command and how late it was, no ERROR, and no apology tried."""
    async with connected(fake, service):
        sent_at, own = time.time() - 4, fake.message("When do we meet?", author=fake.bot_user())
        late = (fake.command("ask", question="When do we meet?", sent_at=sent_at) if command == "/ask"
                else fake.message_command("Answer this", own, sent_at=sent_at))  # fmt: skip
        await fake.push("INTERACTION_CREATE", late)
        refused = await fake.wait_for(lambda c: c.path.endswith("/callback") and c.status == 404)
    # stopping waits for the handler to finish: all it sent and logged is in by now
    assert refused.body["type"] == 4 and fake.violations == []
    assert [c.path for c in fake.calls if c.path.startswith(("/interactions/", "/webhooks/"))] == [refused.path]
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelno, r.exc_info) for r in said] == [(logging.WARNING, None)], [r.getMessage() for r in said]
    line = said[0].getMessage()
    assert command in line and late["id"] in line and "Unknown interaction" in line
    assert float(re.search(r"answered (\d+\.\d) s after", line)[1]) >= 4.0  # type: ignore[index]


async def test_suggestions_discord_forgot_asking_for_are_a_debug_line(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """/ask's suggestions sent after Discord forgot the keystroke that asked for them (404, Unknown interaction)
    are a DEBUG line: discord.py had logged an ERROR with a traceback for each stale keystroke."""
    caplog.set_level(logging.DEBUG, logger="adapters.dc")
    option = {"name": "question", "type": 3, "value": "when do we", "focused": True}
    async with connected(fake, service):
        typed = fake.interaction(4, {"id": fake.next_id(), "name": "ask", "type": 1, "options": [option]},
                                 sent_at=time.time() - 4)  # fmt: skip
        await fake.push("INTERACTION_CREATE", typed)
        refused = await fake.wait_for(lambda c: c.path.endswith("/callback") and c.status == 404)
        async with asyncio.timeout(10):  # until the bot has heard the refusal, and logged it (or failed)
            while not [r for r in caplog.records if said_of(typed, r) or r.levelno >= logging.ERROR]:
                await asyncio.sleep(0.01)
    assert refused.body["type"] == 8 and [c for c in fake.calls if c.path.endswith("/callback")] == [refused]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    said = [r for r in caplog.records if said_of(typed, r)]
    assert [r.levelno for r in said] == [logging.DEBUG] and "/ask" in said[0].getMessage()


def said_of(interaction: dict[str, object], record: logging.LogRecord) -> bool:
    """Whether the bot's log `record` is about `interaction` (the fake's own access log names it too)."""
    return record.name.startswith("adapters.") and str(interaction["id"]) in record.getMessage()
