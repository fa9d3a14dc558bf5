"""Stopping the Telegram bot while it is still logging in: it stops at once, it does not retry on."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters import runner
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
