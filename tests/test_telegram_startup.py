"""Stopping the Telegram bot while it is still logging in: it stops at once, it does not retry on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adapters import runner
from adapters.platform import StartupError
from bot.config import Config
from bot.service import Service
from tests.conftest import KNOWLEDGE
from tests.fake_telegram import FakeTelegram, Fault

TOKEN = "424242:startup-test-token-abcdefghijklmnop"


async def test_stop_during_login_retries_returns_promptly(tmp_path: Path) -> None:
    """With getMe failing and being retried, setting stop ends serve() without waiting out the retries."""
    fake = FakeTelegram(TOKEN)
    await fake.start()
    try:
        fake.inject("getMe", Fault(status=502), times=100)
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "TELEGRAM_RETRY_DELAY": "30"}
        stop = asyncio.Event()
        service = Service.from_directory(KNOWLEDGE, Config(data_dir=tmp_path / "data"))
        task = asyncio.create_task(runner.serve(service, env, stop))
        async with asyncio.timeout(10):
            while fake.faults_left("getMe") == 100:  # until the first login attempt has failed
                await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 10)  # the next attempt would come only after 30 s
        assert fake.faults_left("getMe") == 99
        assert not fake.called("getUpdates")
        service.close()
    finally:
        await fake.stop()


async def test_login_refused_with_429_past_the_retries_is_one_startup_line(tmp_path: Path) -> None:
    """getMe answered 429 past TELEGRAM_MAX_RETRIES: a 429 the rate limiter gave up on is not retried
    again on top (TELEGRAM_SEND_ATTEMPTS), so the start ends in one line saying so, not a traceback."""
    fake = FakeTelegram(TOKEN)
    await fake.start()
    try:
        fake.inject("getMe", Fault(status=429, retry_after=1), times=2)
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "TELEGRAM_MAX_RETRIES": "1"}
        service = Service.from_directory(KNOWLEDGE, Config(data_dir=tmp_path / "data"))
        with pytest.raises(StartupError, match="429 Too Many Requests, past TELEGRAM_MAX_RETRIES"):
            await runner.serve(service, env, asyncio.Event())
        assert [c.status for c in fake.calls_of("getMe")] == [429, 429]
        service.close()
    finally:
        await fake.stop()
