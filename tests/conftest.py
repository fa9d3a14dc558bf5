"""Shared test set-up: no proxy for loopback, and a test fails on any ERROR it did not expect."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"

# httpx and aiohttp would send even 127.0.0.1 traffic through a configured proxy.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"


@pytest.fixture(autouse=True)
def no_project_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty config file, so that a config.yaml in this checkout cannot point the tests elsewhere."""
    empty = tmp_path_factory.mktemp("config") / "empty-config.yaml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("QABOT_CONFIG", str(empty))


@pytest.fixture(autouse=True)
def fail_on_error_logs(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test if anything logged at ERROR or above, unless it is marked allow_error_logs."""
    caplog.set_level(logging.INFO)
    yield
    if request.node.get_closest_marker("allow_error_logs"):
        return
    errors = [r for r in caplog.get_records("call") + caplog.get_records("setup") if r.levelno >= logging.ERROR]
    if errors:
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in errors)
        pytest.fail(f"unexpected ERROR log records:\n{lines}", pytrace=False)


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    """A copy of the project's knowledge folder, with a data folder beside it."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns("originals"))
    return target
