"""Running the bot against the fake Bot API: the helpers the Telegram test modules share.

`tests/fake_telegram.py` is the fake platform itself; this module is how a test drives the real
bot against it: the token, a small knowledge folder, the fake started and checked for the token,
the bot started through `adapters.runner.serve` (the code path of `python -m adapters run`), and the
real command in its own process.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from adapters import runner
from bot.service import Service
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token-never-in-logs-0123456789"
HANDBOOK = """\
source: {title: "Community Handbook", publisher: "The Organising Team", url: null}
passages:
  - id: meeting-times
    section: "Meetings"
    text: "We meet every Thursday at 18:00 in the library hall. Newcomers are welcome at every meeting."
    questions: ["When do we meet?"]
  - id: membership-fee
    section: "Membership"
    text: "The yearly membership fee is 20 euros, paid in January by bank transfer."
    questions: ["How much is the membership fee?"]
  - id: code-of-conduct
    section: "Conduct"
    text: "Be kind, stay on topic and never share private data of others."
    questions: ["What are the rules of the group?"]
  - id: parking
    section: "Getting there"
    text: "Bicycle parking is behind the library; cars park on Elm street for free after six."
    questions: ["Where can I park my car?"]
"""


def write_handbook(folder: Path) -> Path:
    """`folder` (made if missing) as a knowledge folder holding only the handbook."""
    folder.mkdir(exist_ok=True)
    (folder / "handbook.yaml").write_text(HANDBOOK, encoding="utf-8")
    return folder


def assert_no_token(caplog: pytest.LogCaptureFixture, server: FakeTelegram | None = None) -> None:
    """No log record holds the token; with `server`, no request the bot sent to it does either."""
    if server is not None:
        assert all(TOKEN not in json.dumps(c.params, ensure_ascii=False) for c in server.calls)
    assert all(TOKEN not in r.getMessage() and TOKEN not in (r.exc_text or "") for r in caplog.records)


@asynccontextmanager
async def fake_bot_api(
    caplog: pytest.LogCaptureFixture, *, check_requests: bool = False
) -> AsyncIterator[FakeTelegram]:
    """The fake Bot API for TOKEN; afterwards, the token is in no log record (nor, with `check_requests`, request)."""
    server = FakeTelegram(TOKEN)
    await server.start()
    yield server
    await server.stop()
    assert_no_token(caplog, server if check_requests else None)


@asynccontextmanager
async def running(
    fake: FakeTelegram, service: Service, *, ready: str = "getUpdates", stop_within: float = 10, **extra: str
) -> AsyncIterator[Service]:
    """The bot running `service` through the runner against `fake` until the block ends.

    The block starts once the fake saw `ready`; `extra` adds to (or overrides) the environment;
    the bot must stop within `stop_within` seconds after the block.
    """
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, "TELEGRAM_POLL_TIMEOUT": "5", **extra}
    stop = asyncio.Event()
    task = asyncio.create_task(runner.serve(service, env, stop))
    waiting = asyncio.create_task(fake.wait_for(ready))
    await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiting.cancel()
        task.result()
    try:
        yield service
    finally:
        stop.set()
        await asyncio.wait_for(task, stop_within)


async def handled(fake: FakeTelegram, chat: dict[str, Any]) -> None:
    """Return once the bot has handled every update queued so far in `chat`.

    A chat's updates are handled one at a time in order, so once the bot has answered a button
    press queued last (a press it does not know: only its spinner is stopped, no message, no
    cooldown), it has dealt with everything before it.
    """
    presses = len(fake.called("answerCallbackQuery"))
    shown = {"message_id": 1, "date": 0, "chat": chat, "from": {"id": 1, "is_bot": True, "first_name": "QA"}}
    fake.press(shown, "marker", user={"id": 1, "is_bot": False, "first_name": "U1"})
    await fake.wait_for("answerCallbackQuery", presses + 1, timeout=20)


@contextmanager
def bot_process(fake: FakeTelegram, knowledge: Path, stderr: Any = subprocess.PIPE) -> Iterator[subprocess.Popen[str]]:
    """`python -m adapters run` in its own process against `fake` (a `serving_in_thread` one); killed at the end."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}
    env.pop("DISCORD_BOT_TOKEN", None)
    command = [sys.executable, "-m", "adapters", "run", "--knowledge", str(knowledge)]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=stderr, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
