"""Shared test set-up: no proxy for loopback; a test fails on an unexpected ERROR or on writing into the project."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import spec_check
from tests.discord_support import connected, fake_discord_api
from tests.support import small_kb, write_kb
from tests.telegram_support import fake_bot_api

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"

# httpx and aiohttp would send even 127.0.0.1 traffic through a configured proxy.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    """A small knowledge folder of the test's own (`meetups` with its question, `rules`), data/ beside it."""
    return write_kb(tmp_path / "knowledge", small_kb(questions=True, rules=True))


@pytest.fixture
def kb_folder(kdir: Path) -> Path:
    """The knowledge folder the `backend` fixture (tests/backends.py) serves; a module may override it."""
    return kdir


@pytest.fixture
async def fake(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Any]:
    """The fake platform of the test module: the fake Bot API in test_telegram*, the fake Discord in test_discord*.

    Telegram: afterwards, the token is in no log record and in no request the bot sent.
    """
    module = request.module.__name__.rpartition(".")[2]
    if module.startswith("test_telegram"):
        async with fake_bot_api(caplog, check_requests=True) as telegram:
            yield telegram
    elif module.startswith("test_discord"):
        async with fake_discord_api(monkeypatch) as discord:
            yield discord
    else:
        raise LookupError(f"`fake` is for test_telegram* and test_discord* modules, not {module}")


@pytest.fixture
async def online(fake: Any, service: Any) -> AsyncIterator[Any]:
    """Discord: the bot running the module's `service`, connected to `fake` and holding the guild."""
    async with connected(fake, service):
        yield fake


@pytest.fixture(autouse=True)
def no_project_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty config file, so that a config.yaml in this checkout cannot point the tests elsewhere;
    nor a QABOT_KNOWLEDGE set in the shell that runs them."""
    empty = tmp_path_factory.mktemp("config") / "empty-config.yaml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("QABOT_CONFIG", str(empty))
    monkeypatch.delenv("QABOT_KNOWLEDGE", raising=False)


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


@pytest.fixture(autouse=True)
def strict_fakes() -> Iterator[None]:
    """Fail a test whose bot sent a request the real Bot API or Discord refuses (tests/spec_check.py)."""
    spec_check.STARTED.clear()
    yield
    fakes, spec_check.STARTED[:] = list(spec_check.STARTED), []
    refused = [violation for fake in fakes for violation in fake.violations]
    if refused:
        pytest.fail("requests the real service refuses:\n" + "\n".join(refused), pytrace=False)


@pytest.fixture
def seed_kdir(tmp_path: Path) -> Path:
    """A copy of the project's knowledge folder (the seed article), with a data folder beside it."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns("originals"))
    return target


def _project_state() -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file in the project's data/ and knowledge/ folders."""
    return {
        str(path): (stat.st_size, stat.st_mtime_ns)
        for folder in (ROOT / "data", KNOWLEDGE)
        for path in folder.rglob("*")
        if (stat := path.stat()) and path.is_file()
    }


@pytest.fixture(autouse=True)
def project_folder_untouched() -> Iterator[None]:
    """Fail a test that wrote into the project's data/ or knowledge/ folder: tests write only under tmp_path."""
    before = _project_state()
    yield
    after = _project_state()
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    if changed:
        pytest.fail("the test wrote into the project folder:\n" + "\n".join(changed), pytrace=False)
