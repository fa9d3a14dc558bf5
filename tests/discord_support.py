"""Running the bot against the fake Discord: the helpers the Discord test modules share.

`tests/fake_discord.py` is the fake platform itself; this module is how a test drives the real
bot against it: the token and environment, discord.py pointed at a started fake, and the bot
started through `adapters.runner.serve` (the code path of `python -m adapters run`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import discord
import discord.gateway
import discord.http
import pytest
import yarl

from adapters import runner
from bot.service import Service
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import FakeTelegram

TOKEN = "MTIzNDU2Nzg5.fake-test-token.NOT-A-REAL-SECRET-x9Qz"
ENV = {"DISCORD_BOT_TOKEN": TOKEN, "DISCORD_GUILD_READY_TIMEOUT": "0.05"}


@asynccontextmanager
async def fake_discord_api(monkeypatch: pytest.MonkeyPatch, token: str = TOKEN) -> AsyncIterator[FakeDiscord]:
    """A started fake Discord for `token`, with discord.py's REST base and gateway pointed at it; closed after.

    discord.py sleeps 5 s before every IDENTIFY but the first (Discord's identify rate limit); here
    it goes on at once, and the fake counts the pauses in `identify_pauses`.
    """
    server = FakeDiscord(token=token)
    await server.start()

    async def no_identify_pause(client: discord.Client, shard_id: int | None, *, initial: bool = False) -> None:
        if not initial:
            server.identify_pauses += 1

    monkeypatch.setattr(discord.Client, "before_identify_hook", no_identify_pause)
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
    yield server
    await server.close()


@asynccontextmanager
async def running(service: Service, env: Mapping[str, str]) -> AsyncIterator[asyncio.Task[None]]:
    """The bot as `python -m adapters run` runs it, stopped (and checked) on exit."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.serve(service, env, stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


@asynccontextmanager
async def connected(fake: FakeDiscord, service: Service, env: Mapping[str, str] = ENV) -> AsyncIterator[FakeDiscord]:
    """The bot running with `env`, connected to `fake` and holding the guild, until the block ends."""
    async with running(service, env):
        await fake.wait_ready()
        yield fake


@asynccontextmanager
async def on_both_platforms(
    fake: FakeDiscord, service: Service, *, discord_token: str, telegram_token: str
) -> AsyncIterator[FakeTelegram]:
    """`service` run on Discord (connected to `fake`) and on Telegram (a fake Bot API started here, and
    yielded) at once, as `python -m adapters run` with both tokens set runs it, until the block ends."""
    telegram = FakeTelegram(telegram_token)
    await telegram.start()
    env = {
        "DISCORD_BOT_TOKEN": discord_token,
        "DISCORD_GUILD_READY_TIMEOUT": "0.05",
        "TELEGRAM_BOT_TOKEN": telegram_token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "TELEGRAM_POLL_TIMEOUT": "5",
    }
    try:
        async with connected(fake, service, env):
            await telegram.wait_for("getUpdates")
            yield telegram
    finally:
        await telegram.stop()
