"""A deferral Discord refuses, and stopping with work under way: what the Discord adapter starts, it owns.

The bot defers ("thinking…") an interaction whose work is slow; a bot held up in a burst does so after
Discord's 3 s, and Discord refuses it (404, Unknown interaction, 10062). The work then either goes on in
the handler that started it, when its result reaches people without the interaction (*Answer this*
posts its answer in the channel), or is cancelled: never an orphan task that stopping does not wait for,
that a deletion of the question does not wait for, and whose failure asyncio reports as "Task exception
was never retrieved". Stopping waits for what is under way, at most its limit, and then cancels the rest
and says how much it dropped. Real discord.py against `tests/fake_discord.py`; the fake holds the answer
in flight (`FakeDiscord.hold`) for as long as a test needs, so no clock decides what happens.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters import runner
from adapters.dc.commands import ANSWER_THIS
from bot import Service
from bot.config import Config
from tests.conftest import ROOT
from tests.discord_support import ENV, connected
from tests.fake_discord import FakeDiscord
from tests.test_discord import TEST_PASSAGES, write_knowledge

pytestmark = pytest.mark.timeout(60)

QUESTION = "Are most defectors women?"
LATE = {**ENV, "DISCORD_DEFER_AFTER": "0"}  # every wait deferred at once: the deferral is what Discord refuses
GRACE = 1.0  # seconds the bot gets to hear Discord's refusal, where nothing it says shows that it has


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES))


async def logged(caplog: pytest.LogCaptureFixture, found: Callable[[logging.LogRecord], bool], limit: float) -> bool:
    """Whether a record `found` picks is logged within `limit` seconds (a wait, never an assertion on time)."""
    try:
        async with asyncio.timeout(limit):
            while not any(found(r) for r in caplog.records):
                await asyncio.sleep(0.01)
    except TimeoutError:
        return False
    return True


def too_late(record: logging.LogRecord) -> bool:
    return "past Discord's 3 s" in record.getMessage()


def adapter_tasks() -> list[asyncio.Task[Any]]:
    """The tasks still running code of the adapters, anywhere in what they await (discord.py's handler
    tasks run the adapter's handlers; the test's own tasks and the fake's do not)."""
    return [t for t in asyncio.all_tasks() if not t.done() and t is not asyncio.current_task() and in_adapters(t)]


def in_adapters(task: asyncio.Task[Any]) -> bool:
    adapters, awaited = str(ROOT / "adapters"), task.get_coro()
    while awaited is not None:
        code = getattr(awaited, "cr_code", None)
        if code is not None and code.co_filename.startswith(adapters):
            return True
        awaited = getattr(awaited, "cr_await", None)
    return False


async def late_answer_this(fake: FakeDiscord) -> tuple[dict[str, object], asyncio.Event]:
    """*Answer this* on a member's question, handed to the bot 10 s after it was sent, its answer in the
    channel held in flight: returns the question, and what lets the answer through once set."""
    released = fake.hold("POST", f"/channels/{fake.channel_id}/messages")
    question = fake.message(QUESTION)
    await fake.push("INTERACTION_CREATE", fake.message_command(ANSWER_THIS, question, sent_at=time.time() - 10))
    await fake.wait_for(lambda c: c.path.endswith("/callback") and c.status == 404)  # the deferral, refused
    await fake.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{fake.channel_id}/messages")
    return question, released


async def test_answer_this_whose_deferral_was_refused_still_answers_and_is_waited_for(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """Its deferral refused, *Answer this* still answers in the channel, its handler waiting for it: the
    question deleted meanwhile takes the answer along, and stopping waits for it; one WARNING, no task left."""
    stop = asyncio.Event()
    bot = asyncio.create_task(runner.serve(service, LATE, stop))
    await fake.wait_ready()
    question, released = await late_answer_this(fake)
    await logged(caplog, too_late, GRACE)  # the bot has heard the refusal (said at once, had it given up)
    await fake.push("MESSAGE_DELETE", fake.deleted(question))
    stop.set()
    await logged(caplog, lambda r: "before closing" in r.getMessage() or bot.done(), 15)
    left = adapter_tasks() if bot.done() else []  # stopped already: nothing of the adapter may be running
    released.set()
    await asyncio.wait_for(bot, timeout=15)
    assert left == []
    posted = [c for c in fake.find("POST", f"/channels/{fake.channel_id}/messages") if c.status == 200]
    assert len(posted) == 1 and str(posted[0].body["message_reference"]["message_id"]) == question["id"]
    assert fake.find("DELETE", f"/channels/{fake.channel_id}/messages/{posted[0].result['id']}")
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [too_late(r) for r in said] == [True], [r.getMessage() for r in said]
    assert fake.violations == []


@pytest.mark.allow_error_logs
async def test_answer_this_failing_after_its_deferral_was_refused_is_one_error(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """Its deferral refused, *Answer this* whose answer Discord then refuses (400) is one ERROR with the
    traceback, and the one WARNING of a late interaction: not asyncio's "Task exception was never retrieved"."""
    async with connected(fake, service, LATE):
        fake.fail("POST", f"/channels/{fake.channel_id}/messages", status=400)
        _, released = await late_answer_this(fake)
        await logged(caplog, too_late, GRACE)
        released.set()
        await fake.wait_for(lambda c: c.method == "POST" and c.status == 400)
        assert await logged(caplog, lambda r: r.levelno >= logging.ERROR, 10)
    gc.collect()  # an orphan task's failure nobody read is reported when the task goes
    await asyncio.sleep(0)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [(r.name, r.exc_info is not None) for r in errors] == [("adapters.dc.client", True)], [
        r.getMessage() for r in errors
    ]
    assert "400" in str(errors[0].exc_info[1])  # type: ignore[index]
    assert len([r for r in caplog.records if too_late(r)]) == 1


async def test_stopping_cancels_the_answers_still_under_way_after_its_wait_and_says_how_many(
    fake: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """Stopping with an answer Discord holds in flight waits its 5 s, then cancels it, with one WARNING
    saying one answer is dropped: once the bot has stopped, none of its handlers is left running."""
    stop = asyncio.Event()
    bot = asyncio.create_task(runner.serve(service, ENV, stop))
    await fake.wait_ready()
    fake.hold("POST", f"/channels/{fake.channel_id}/messages")
    await fake.push("MESSAGE_CREATE", fake.mention(QUESTION))
    await fake.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{fake.channel_id}/messages")
    stop.set()
    await asyncio.wait_for(bot, timeout=15)
    assert adapter_tasks() == []
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert said == [(logging.WARNING, "Discord: 1 answer under way after 5 s, dropped")]


async def test_a_vote_whose_deferral_was_refused_is_not_left_running(
    fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A 👎 handed late, waiting for the gaps database another process holds, whose deferral Discord refuses:
    its wait is cancelled (only the interaction could carry its thanks), so the bot stops with nothing of
    it left running; the core's write goes on in its worker thread. One WARNING, nothing sent."""
    service = Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES), Config(data_dir=tmp_path / "d"))
    stop = asyncio.Event()
    bot = asyncio.create_task(runner.serve(service, LATE, stop))
    await fake.wait_ready()
    holder = sqlite3.connect(tmp_path / "d" / "gaps.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing: the vote's write waits for it
    try:
        button = {"type": 2, "style": 2, "custom_id": "qa:v:-:education", "label": "👎"}
        message = fake.bot_message({"components": [{"type": 1, "components": [button]}]})
        press = fake.press("qa:v:-:education", message, sent_at=time.time() - 10)
        await fake.push("INTERACTION_CREATE", press)
        await fake.wait_for(lambda c: c.path.endswith("/callback") and c.status == 404)
        stop.set()
        await asyncio.wait_for(bot, timeout=15)
        left = adapter_tasks()
    finally:
        holder.execute("COMMIT")
        holder.close()
    service.close()
    assert left == []
    assert [c for c in fake.calls if c.path.startswith("/webhooks/")] == []
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [too_late(r) for r in said] == [True], [r.getMessage() for r in said]
