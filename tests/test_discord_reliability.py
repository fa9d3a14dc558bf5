"""Reliability and security of the Discord adapter, end to end: real discord.py against the fake.

Hostile input, gateway and REST faults, load, the /kb authorization matrix, tokens kept out of
logs and requests, rate limits under a flood, and shutdown with replies in flight (also as a
real `python -m bot run` process stopped with SIGTERM). Load figures are printed and recorded
as test properties, never asserted as time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import discord.gateway
import discord.http
import pytest
import yarl

from bot.cooldown import Cooldown
from bot.service import COOLDOWN_TEXT, Service
from tests.fake_discord import Call, FakeDiscord
from tests.test_discord import ENV, EPHEMERAL, TEST_PASSAGES, TOKEN, callback_for, running, write_knowledge

pytestmark = pytest.mark.timeout(60)

QUESTION = "Are most defectors women?"


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(token=TOKEN)
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
    yield server
    await server.close()


@pytest.fixture
def service(tmp_path: Path) -> Service:
    """A fresh Service on the test passages, with a cooldown that lets every test question through."""
    kb = write_knowledge(tmp_path / "kb", TEST_PASSAGES)
    answering = Service.from_directory(kb)
    answering.cooldown = Cooldown(burst=1_000_000, interval=0.001)
    return answering


@pytest.fixture
async def online(fake: FakeDiscord, service: Service) -> AsyncIterator[FakeDiscord]:
    async with running(service, ENV):
        await fake.wait_ready()
        yield fake


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


async def test_resumable_invalid_session_resumes(online: FakeDiscord) -> None:
    """INVALID_SESSION (op 9) with d=true: the client reconnects, RESUMEs and keeps answering."""
    await online.invalidate(resumable=True)
    await online.wait_sessions(resumes=1)
    message = online.message(QUESTION, dm=True)
    await online.push("MESSAGE_CREATE", message)
    await answered(online, message)


async def test_invalid_session_identifies_again_and_keeps_answering(online: FakeDiscord) -> None:
    """A drop, then INVALID_SESSION (op 9, d=false) in answer to the RESUME: a fresh IDENTIFY, and answers go on.

    discord.py waits 5 s before identifying again (Discord's identify rate limit), so this test does too.
    """
    online.live[0].resumable = False
    await online.drop()
    await online.wait_sessions(identifies=2, resumes=1)
    message = online.message(QUESTION, dm=True)
    await online.push("MESSAGE_CREATE", message)
    await answered(online, message)
    assert online.shards[1].identify["token"] == TOKEN


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
