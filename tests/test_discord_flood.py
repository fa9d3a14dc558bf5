"""Discord under pressure: /help and /sources pass the core's budget; slow answers are acknowledged in time."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from adapters.dc.settings import Settings
from adapters.platform import StartupError
from bot import Service
from bot.config import ChatCooldownSettings, Config, CooldownSettings
from bot.messages import COOLDOWN
from tests.fake_discord import FakeDiscord
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


async def test_a_slow_answer_is_deferred_within_the_window(online: FakeDiscord, service: Service) -> None:
    """An /ask taking 3.2 s (past Discord's 3 s) is deferred at 2 s and followed up: no late answer."""
    slow = service.ask
    service.ask = lambda *args: (time.sleep(3.2), slow(*args))[1]  # type: ignore[method-assign]
    interaction = online.command("ask", question="When do we meet?")
    await online.push("INTERACTION_CREATE", interaction)
    await online.wait_for(lambda c: c.path.startswith(f"/webhooks/{online.app_id}/{interaction['token']}"))
    assert online.violations == []
