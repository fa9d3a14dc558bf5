"""The runner's shutdown: a signal stops the platforms, a stuck platform is not waited for past
`shutdown_timeout`, a second signal ends the process at once, and the core is closed every time.

The end-to-end tests run the real `python -m adapters run` in its own process against the fake
Telegram and Discord on 127.0.0.1, with short configured limits and generous outer timeouts. They
prove a stop by what happened (the order of the log's lines, the limit waited with, the exit code,
the request still unanswered), not by a stopwatch: the one duration checked is the waiting itself,
bounded from below by the configured limit, which no load on the machine can break.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from adapters import runner
from bot.service import Service
from tests.conftest import ROOT
from tests.discord_support import ENV as DISCORD_ENV
from tests.discord_support import fake_discord_api
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import FakeTelegram, Fault
from tests.support import small_kb, write_kb
from tests.telegram_support import TOKEN as TELEGRAM_TOKEN

SMALL_KB = small_kb(questions=True)
ANN = {"id": 4242, "is_bot": False, "first_name": "Ann"}
ANN_CHAT = {"id": 4242, "type": "private", "first_name": "Ann"}
OUTER_TIMEOUT = 30  # seconds: only a hang reaches it


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_first_signal_sets_the_stop_event_and_a_second_ends(
    sig: signal.Signals, caplog: pytest.LogCaptureFixture
) -> None:
    """A real SIGTERM (or SIGINT) to this process sets `stop`; the same signal again calls `end` with 128 + it."""
    ended: list[int] = []

    async def scenario() -> bool:
        stop = asyncio.Event()
        restore = runner.install_stop_signals(asyncio.get_running_loop(), stop, limit=8, end=ended.append)
        try:
            os.kill(os.getpid(), sig)
            await asyncio.wait_for(stop.wait(), timeout=10)
            assert not ended
            os.kill(os.getpid(), sig)
            await asyncio.sleep(0)
        finally:
            restore()
        return stop.is_set()

    previous = signal.getsignal(sig)
    assert asyncio.run(scenario())
    assert signal.getsignal(sig) is previous
    assert ended == [128 + sig]
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "adapters.runner"]
    assert said == [
        (
            "INFO",
            f"{sig.name} received: finishing in-flight replies, then stopping (at most 8 s; again to stop at once)",
        ),
        ("WARNING", f"{sig.name} received again: stopping at once, without waiting for the platforms"),
    ]


def test_shutting_down_closes_the_service(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The last step stops the knowledge watcher and closes the gaps database, and says so."""
    kdir = write_kb(tmp_path / "knowledge", SMALL_KB)
    service = Service.from_directory(kdir)
    service.start_watching(interval=60)
    assert service.gaps is not None
    runner.shut_down(service)
    assert not service.live.watching
    with pytest.raises(Exception, match="closed"):
        service.gaps.gaps()
    assert any(r.levelno == logging.INFO and r.getMessage() == "stopped cleanly" for r in caplog.records)


def test_without_a_token_main_exits_2_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No platform to run: one line on stderr, exit code 2, no service opened."""
    assert runner.main(tmp_path, env={}) == 2
    assert "no bot token set" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"TELEGRAM_BOT_TOKEN": "123:abc"}, "does not look like a Telegram token"),
        ({"DISCORD_BOT_TOKEN": "not-a-discord-token"}, "does not look like a Discord bot token"),
        (
            {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_WEBHOOK_URL": "http://bot.example.org/hook"},
            "must be an https:// address",
        ),
        ({"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_RETRY_DELAY": "1000"}, "must be a number from 0 to 30"),
        # 0 had timed out every call at once: the bot never logged in, and said only that it could not reach Telegram
        ({"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_REQUEST_TIMEOUT": "0"}, "must be a number from 0.5 to 300"),
    ],
    ids=["telegram-token", "discord-token", "http-webhook", "retry-delay", "request-timeout-0"],
)
def test_run_refuses_what_doctor_calls_an_error_at_once(
    env: dict[str, str],
    words: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A malformed token, an http webhook, a number out of range: exit 2 with doctor's line, before anything loads."""
    from bot import doctor

    assert runner.main(tmp_path / "no-knowledge-here", env=env) == 2
    (expected,) = doctor.start_errors(env)
    assert words in expected and capsys.readouterr().err == f"error: {expected}\n"
    assert not any("stopped cleanly" in r.getMessage() for r in caplog.records)


# --- the real process ---------------------------------------------------------------------------


class BotProcess:
    """`python -m adapters run` in its own process (through tests/discord_launcher.py when Discord is on)."""

    def __init__(self, process: asyncio.subprocess.Process, data: Path) -> None:
        self.process = process
        self.data = data  # the data folder beside the knowledge folder: the gaps database
        self.log: list[str] = []

    async def wait_for_line(self, text: str) -> None:
        """Read the log until a line holds `text`."""
        assert self.process.stderr is not None
        async with asyncio.timeout(OUTER_TIMEOUT):
            while not any(text in line for line in self.log):
                line = await self.process.stderr.readline()
                assert line, f"the bot ended before logging {text!r}:\n" + "".join(self.log[-20:])
                self.log.append(line.decode())

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> float:
        """Send `sig`, wait for the process to end; the seconds it took (checked only against a lower bound)."""
        loop = asyncio.get_running_loop()
        sent = loop.time()
        self.process.send_signal(sig)
        await self.ended()
        return loop.time() - sent

    async def ended(self) -> str:
        """Wait for the end; all of the log."""
        _, rest = await asyncio.wait_for(self.process.communicate(), OUTER_TIMEOUT)
        self.log.append(rest.decode())
        return self.text

    @property
    def text(self) -> str:
        return "".join(self.log)

    def said_in_order(self, *parts: str) -> bool:
        """Whether the log holds each of `parts`, each after the one before."""
        at = 0
        for part in parts:
            at = self.text.find(part, at)
            if at < 0:
                return False
            at += len(part)
        return True


StartBot = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def start_bot(tmp_path: Path) -> AsyncIterator[StartBot]:
    """Start the bot with the given environment and `shutdown_timeout`; killed at the end if still running."""
    started: list[BotProcess] = []

    async def start(env: dict[str, str], *, limit: float, discord: FakeDiscord | None = None) -> BotProcess:
        kb = write_kb(tmp_path / "knowledge", SMALL_KB)
        config = tmp_path / "config.yaml"
        config.write_text(f"shutdown_timeout: {limit}\n", encoding="utf-8")
        full = {k: v for k, v in os.environ.items() if k not in runner.TOKEN_VARIABLES}
        full.update(env, PYTHONPATH=str(ROOT), QABOT_CONFIG=str(config))
        launcher = (
            ["-m", "adapters"]
            if discord is None
            else ["-m", "tests.discord_launcher", discord.api_base, discord.gateway_url]
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, *launcher, "run", "--knowledge", str(kb),
            cwd=ROOT, env=full, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        started.append(BotProcess(process, tmp_path / "data"))
        return started[-1]

    yield start
    for bot in started:
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(TELEGRAM_TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord_api(monkeypatch) as server:
        yield server


def telegram_env(fake: FakeTelegram) -> dict[str, str]:
    """Telegram against `fake`; long polls and requests that outlast any shutdown limit of these tests."""
    return {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_POLL_TIMEOUT": "30",
        "TELEGRAM_REQUEST_TIMEOUT": "60",
    }


async def answered_on_telegram(fake: FakeTelegram) -> None:
    """Ask one question on Telegram and wait for the answer: the gaps database now holds a row."""
    fake.message(ANN_CHAT, "When is the meetup?", user=ANN)
    await fake.wait_for("sendMessage", timeout=OUTER_TIMEOUT)


async def telegram_hangs_at_shutdown(fake: FakeTelegram) -> None:
    """From now on getUpdates is never answered: the long poll under way is cancelled at shutdown,
    and the last getUpdates (timeout 0, confirming the offset) hangs."""
    fake.inject("getUpdates", Fault(hang=True), times=5)


def closed_cleanly(data: Path) -> bool:
    """The gaps database was closed: SQLite folds its write-ahead log back in and deletes it on close."""
    return (data / "gaps.sqlite3").is_file() and not (data / "gaps.sqlite3-wal").exists()


async def test_telegram_stuck_in_its_last_getupdates_is_named_and_the_process_exits_3(
    start_bot: StartBot, telegram: FakeTelegram
) -> None:
    """SIGTERM while the Bot API never answers: after `shutdown_timeout` a WARNING names telegram, the
    core is closed, exit code 3."""
    bot = await start_bot(telegram_env(telegram), limit=1)
    await bot.wait_for_line("Telegram bot @QABot is running")
    await answered_on_telegram(telegram)
    await telegram_hangs_at_shutdown(telegram)
    took = await bot.stop()
    assert bot.process.returncode == runner.EXIT_STOP_TIMEOUT == 3, bot.text[-3000:]
    assert took >= 1  # it waited out the limit: a lower bound, which a loaded machine only makes truer
    assert bot.said_in_order(
        "SIGTERM received: finishing in-flight replies, then stopping (at most 1 s;",
        "WARNING adapters.runner: telegram did not stop within 1 s; not waiting any longer: no reply was under way",
        "closed the gaps database and the knowledge watcher",
        "exiting with code 3",
    ), bot.text[-3000:]
    assert "stopped cleanly" not in bot.text
    last_poll = [c for c in telegram.calls if c.method == "getUpdates" and c.params.get("timeout") == "0"]
    assert last_poll and last_poll[-1].status != 200  # it really was stuck there
    assert closed_cleanly(bot.data)
    assert " ERROR " not in bot.text and "Traceback" not in bot.text and TELEGRAM_TOKEN not in bot.text


async def test_discord_with_a_reply_stuck_in_flight_is_named_and_the_process_exits_3(
    start_bot: StartBot, discord: FakeDiscord
) -> None:
    """SIGTERM while Discord never answers a reply being sent: a WARNING names discord, exit code 3."""
    bot = await start_bot(dict(DISCORD_ENV), limit=1, discord=discord)
    await discord.wait_ready(timeout=OUTER_TIMEOUT)
    discord.hang("POST", f"/channels/{discord.channel_id}/messages")
    await discord.push("MESSAGE_CREATE", discord.mention("When is the meetup?"))
    await discord.wait_for(lambda c: c.path.endswith("/messages"), timeout=OUTER_TIMEOUT)
    took = await bot.stop()
    assert bot.process.returncode == 3, bot.text[-3000:]
    assert took >= 1  # it waited out the limit
    assert bot.said_in_order(
        "SIGTERM received: finishing in-flight replies, then stopping (at most 1 s;",
        "WARNING adapters.runner: discord did not stop within 1 s; not waiting any longer: "
        "1 reply in 1 chat under way, dropped",
        "closed the gaps database and the knowledge watcher",
        "exiting with code 3",
    ), bot.text[-3000:]
    assert not [c for c in discord.calls if c.method == "POST" and c.path.endswith("/messages") and c.status == 200]
    assert closed_cleanly(bot.data)
    assert " ERROR " not in bot.text and "Traceback" not in bot.text


async def test_telegram_replies_held_at_the_limit_are_counted_as_dropped(
    start_bot: StartBot, telegram: FakeTelegram
) -> None:
    """SIGTERM while the Bot API holds back the answers of two chats (one of them asked twice): after
    `shutdown_timeout` the WARNING naming telegram says the 3 replies in 2 chats under way are dropped."""
    bot = await start_bot(telegram_env(telegram), limit=1)
    await bot.wait_for_line("Telegram bot @QABot is running")
    telegram.inject("sendMessage", Fault(hang=True), times=3)
    bob = {"id": 4343, "is_bot": False, "first_name": "Bob"}
    telegram.message(ANN_CHAT, "When is the meetup?", user=ANN)
    telegram.message(ANN_CHAT, "Where is the meetup?", user=ANN)
    telegram.message({**bob, "type": "private"}, "When is the meetup?", user=bob)
    async with asyncio.timeout(OUTER_TIMEOUT):  # both chats' first answers are held: the third waits its turn
        while len([c for c in telegram.calls if c.method == "sendMessage"]) < 2:
            await asyncio.sleep(0.05)
    await bot.stop()
    assert bot.process.returncode == 3, bot.text[-3000:]
    assert bot.said_in_order(
        "SIGTERM received",
        "WARNING adapters.runner: telegram did not stop within 1 s; not waiting any longer: "
        "3 replies in 2 chats under way, dropped",
        "exiting with code 3",
    ), bot.text[-3000:]
    assert " ERROR " not in bot.text and "Traceback" not in bot.text


async def test_a_second_signal_ends_the_process_at_once(start_bot: StartBot, telegram: FakeTelegram) -> None:
    """With a platform stuck and a minute left to wait, a second signal (Ctrl-C) ends the process at once:
    logged, the core closed, exit code 130 (128 + SIGINT)."""
    bot = await start_bot(telegram_env(telegram), limit=60)
    await bot.wait_for_line("Telegram bot @QABot is running")
    await telegram_hangs_at_shutdown(telegram)
    bot.process.send_signal(signal.SIGTERM)
    await bot.wait_for_line("SIGTERM received: finishing in-flight replies")
    await bot.stop(signal.SIGINT)
    assert bot.process.returncode == 128 + signal.SIGINT == 130, bot.text[-3000:]
    assert bot.said_in_order(
        "SIGTERM received: finishing in-flight replies, then stopping (at most 60 s;",
        "WARNING adapters.runner: SIGINT received again: stopping at once",
        "exiting with code 130",
    ), bot.text[-3000:]
    assert "did not stop within" not in bot.text  # it did not wait out the minute
    assert closed_cleanly(bot.data)


async def test_both_platforms_stop_cleanly_within_the_limit_with_exit_0(
    start_bot: StartBot, telegram: FakeTelegram, discord: FakeDiscord
) -> None:
    """Nothing stuck: Telegram and Discord in one process stop on SIGTERM within the limit, exit code 0."""
    bot = await start_bot({**telegram_env(telegram), **DISCORD_ENV}, limit=30, discord=discord)
    await discord.wait_ready(timeout=OUTER_TIMEOUT)
    await bot.wait_for_line("Telegram bot @QABot is running")
    await answered_on_telegram(telegram)
    await bot.stop()
    assert bot.process.returncode == 0, bot.text[-3000:]
    assert bot.said_in_order("SIGTERM received", "Telegram bot stopped", "stopped cleanly"), bot.text[-3000:]
    assert bot.said_in_order("SIGTERM received", "Discord: closed", "stopped cleanly"), bot.text[-3000:]
    assert "WARNING adapters" not in bot.text  # no platform reached the limit, no second signal
    assert closed_cleanly(bot.data)


async def test_runs_log_keeps_its_time_level_and_logger_on_every_line(
    start_bot: StartBot, telegram: FakeTelegram
) -> None:
    """`run`'s output is a log (`Output.LOG`): every line has its time, level and logger, unlike a one-shot
    command's plain `warning:` notes (tests/test_cli.py)."""
    bot = await start_bot(telegram_env(telegram), limit=30)
    await bot.wait_for_line("Telegram bot @QABot is running")
    await bot.stop()
    lines = bot.text.splitlines()
    assert bot.process.returncode == 0 and lines, bot.text[-3000:]
    logged = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR) [\w.]+: ")
    assert [line for line in lines if not logged.match(line)] == []
    assert any(" INFO adapters.runner: " in line for line in lines)


def _webhook_env(fake: FakeTelegram, port: int) -> dict[str, str]:
    """Telegram in webhook mode against `fake`, listening on `port`, with two quick attempts at each call."""
    return {
        **telegram_env(fake),
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/hook",
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "TELEGRAM_WEBHOOK_SECRET": "s3cret-Token_1",
        "TELEGRAM_SEND_ATTEMPTS": "2",
        "TELEGRAM_RETRY_DELAY": "0.1",
    }


@pytest.mark.parametrize("failure", ["port already in use", "no such address", "setWebhook refused"])
async def test_a_telegram_webhook_that_cannot_start_is_one_error_line_and_exit_2(
    start_bot: StartBot, telegram: FakeTelegram, failure: str
) -> None:
    """A webhook port another process holds, or setWebhook failing (502) through every attempt: one
    `error:` line and exit 2, as any start that fails, not a traceback and exit 1. With the port taken
    (a second owner started by mistake), the webhook is not registered again, with its own secret, over
    the instance that listens there."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        if failure == "port already in use":
            env = _webhook_env(telegram, taken.getsockname()[1])
        elif failure == "no such address":  # a typo the name codec refuses: "label empty or too long"
            env = {**_webhook_env(telegram, taken.getsockname()[1] + 1), "TELEGRAM_WEBHOOK_LISTEN": "127.0.0..1"}
        else:
            telegram.inject("setWebhook", Fault(status=502), times=50)
            with socket.socket() as free:
                free.bind(("127.0.0.1", 0))
                port = free.getsockname()[1]
            env = _webhook_env(telegram, port)
        bot = await start_bot(env, limit=5)
        text = await bot.ended()
    finally:
        taken.close()
    assert "Traceback" not in text, text[-2000:]
    assert bot.process.returncode == runner.EXIT_UNUSABLE == 2, text[-2000:]
    assert "\nerror: " in "\n" + text
    if failure != "setWebhook refused":  # not registered, with its secret, by an owner that cannot listen
        assert not telegram.called("setWebhook")
