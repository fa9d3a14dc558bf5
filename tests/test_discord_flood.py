"""Floods on Discord: /help and /sources pass the core's budget, and one channel's backlog is bounded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

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
