"""Two real `python -m adapters run` processes sharing one PostgreSQL, each against its own fake Telegram."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import pg_support
from tests.conftest import KNOWLEDGE, ROOT
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import TOKEN

schema, url = pg_support.schema, pg_support.url  # the fixtures

MOD = {"id": 777, "is_bot": False, "first_name": "Mod"}
MOD_CHAT = {"id": 777, "type": "private", "first_name": "Mod"}
ANN = {"id": 4242, "is_bot": False, "first_name": "Ann"}
ANN_CHAT = {"id": 4242, "type": "private", "first_name": "Ann"}


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeTelegram]]:
    a, b = FakeTelegram(TOKEN), FakeTelegram(TOKEN)
    await a.start()
    await b.start()
    yield a, b
    await a.stop()
    await b.stop()


async def start(fake: FakeTelegram, address: str, tmp_path: Path, name: str) -> asyncio.subprocess.Process:
    config = tmp_path / f"{name}.yaml"
    config.write_text(f"moderators: {{telegram_users: [777]}}\ndata_dir: {tmp_path / name}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_BOT_TOKEN")}
    env.update(
        PYTHONPATH=str(ROOT), QABOT_CONFIG=str(config), QABOT_DATABASE_URL=address, TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url, TELEGRAM_POLL_TIMEOUT="1",
    )  # fmt: skip
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters", "run", "--knowledge", str(KNOWLEDGE),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def test_a_passage_added_through_one_process_is_answered_by_the_other(
    url: str, fakes: tuple[FakeTelegram, FakeTelegram], tmp_path: Path
) -> None:
    """/kb_add on process A's Telegram; after A's confirmation, B's Telegram answers with it (how soon is
    a figure of `python -m benchmarks.propagation`, never a timed test)."""
    a, b = fakes
    processes = [await start(a, url, tmp_path, "a"), await start(b, url, tmp_path, "b")]
    try:
        for fake in (a, b):  # both are up and answering
            fake.message(ANN_CHAT, "are most defectors women?", user=ANN)
            await fake.wait_for("sendMessage", timeout=30)
        a.message(MOD_CHAT, "/kb_add Walrus diet | Walruses eat clams, mostly at dawn.", user=MOD)
        confirmed = await a.wait_for("sendMessage", count=2, timeout=30)
        assert "It is live now" in confirmed[-1].text
        for attempt in range(10):
            b.message(ANN_CHAT, "what do walruses eat?", user=ANN)
            replies = await b.wait_for("sendMessage", count=2 + attempt, timeout=10)
            if "clams" in replies[-1].text:
                break
            await asyncio.sleep(0.1)
        assert "clams" in replies[-1].text, replies[-1].text
    finally:
        for process in processes:
            process.terminate()
        codes = [await asyncio.wait_for(process.wait(), 20) for process in processes]
    assert codes == [0, 0]  # both stopped cleanly, closing the pool and the follower
