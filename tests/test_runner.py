"""The runner's part of a graceful shutdown: SIGTERM sets the stop event, and the service is closed at the end."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

import pytest

from adapters import runner
from bot.service import Service
from tests.support import small_kb, write_kb

SMALL_KB = small_kb()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_sets_the_stop_event_and_nothing_else(sig: signal.Signals, caplog: pytest.LogCaptureFixture) -> None:
    """A real SIGTERM (or SIGINT) to this process sets `stop`; the process goes on and the loop ends normally."""

    async def scenario() -> bool:
        stop = asyncio.Event()
        runner.install_stop_signals(asyncio.get_running_loop(), stop)
        os.kill(os.getpid(), sig)
        await asyncio.wait_for(stop.wait(), timeout=10)
        os.kill(os.getpid(), sig)  # a second signal while stopping is harmless
        await asyncio.sleep(0)
        return stop.is_set()

    previous = signal.getsignal(sig)
    try:
        assert asyncio.run(scenario())
    finally:
        signal.signal(sig, previous)
    said = [r.getMessage() for r in caplog.records if "finishing in-flight replies" in r.getMessage()]
    assert said == [f"{sig.name} received: finishing in-flight replies, then stopping"]


def test_shutting_down_closes_the_service(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The last step stops the knowledge watcher and closes the gaps database, and says so."""
    kdir = write_kb(tmp_path / "knowledge", SMALL_KB)
    service = Service.from_directory(kdir)
    service.start_watching(interval=60)
    assert service.gaps is not None
    runner.shut_down(service)
    assert service._watcher is None
    with pytest.raises(Exception, match="closed"):
        service.gaps.gaps()
    assert any(r.levelno == logging.INFO and r.getMessage() == "stopped cleanly" for r in caplog.records)


def test_without_a_token_main_exits_2_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No platform to run: one line on stderr, exit code 2, no service opened."""
    assert runner.main(tmp_path, env={}) == 2
    assert "no bot token set" in capsys.readouterr().err
