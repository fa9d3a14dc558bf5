"""Attack tests on the Discord adapter: each shows one defect, end to end against the fake Discord."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import Answerer, Service
from tests.discord_support import connected, fake_discord_api
from tests.fake_discord import Call, FakeDiscord
from tests.test_discord import TEST_PASSAGES, callback_for, write_knowledge

pytestmark = pytest.mark.timeout(30)

ANSWER_THIS = "Answer this"


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """The fake Discord (conftest's `fake` serves only test_discord* modules)."""
    async with fake_discord_api(monkeypatch) as server:
        yield server


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return Service(Answerer.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES)))


def posts(fake: FakeDiscord, channel_id: str) -> list[Call]:
    return fake.find("POST", f"/channels/{channel_id}/messages")


@pytest.mark.allow_error_logs  # the late callback's ERROR is the defect; the assertion below names it
async def test_a_vote_press_is_acknowledged_in_time_while_the_gaps_database_is_busy(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """Input: a 👎 press (`qa:v:-:education`) while the gaps database is held by another writer for a
    few seconds (a second bot process or a `kb` command on the same data folder; SQLite waits up to
    5 s for the lock).
    Now: `vote` awaits `Service.vote` before acknowledging anything (no `in_time`, unlike /ask and
    the /kb commands), so the callback reaches Discord after its 3-second window: 10062 Unknown
    interaction, the member sees "This interaction failed", and an ERROR is logged (the apology
    cannot be sent either). Suggestion and "Read on" presses (`choose`, which records the pick) and
    /help's throttle share the un-deferred path.
    Should: the press acknowledged within the window (deferred when the core is slow), as /ask is."""
    from bot.config import Config

    config = Config(data_dir=tmp_path / "data")
    service = Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES), config)
    async with connected(fake, service):
        holder = sqlite3.connect(tmp_path / "data" / "gaps.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process writing: the bot's write waits for it
        try:
            buttons = [
                {"type": 2, "style": 2, "custom_id": f"qa:v:{sign}:education", "emoji": {"name": "x"}} for sign in "+-"
            ]
            answer = fake.bot_message({"content": "an answer", "components": [{"type": 1, "components": buttons}]})
            press = fake.press("qa:v:-:education", answer)
            await fake.push("INTERACTION_CREATE", press)
            await asyncio.sleep(3.5)
        finally:
            holder.execute("COMMIT")
            holder.close()
        call = await callback_for(fake, press)
        await fake.wait_for(lambda c: c is call and c.answered is not None)
    assert call.status == 200, fake.violations
