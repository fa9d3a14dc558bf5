"""Attacks on several instances sharing one PostgreSQL (session: pg)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot import knowledge
from bot.asker import Asker
from bot.curation import Refused
from bot.service import Service
from tests import pg_support
from tests.pg_support import run

schema, url, services, role = pg_support.schema, pg_support.url, pg_support.services, pg_support.role  # the fixtures

CLI = Asker(platform="cli", user_id="", name="tester")


def _stale(service: Service) -> None:
    """Stop `service` following the database: it keeps what it had, as an instance not caught up yet."""
    assert service._backend is not None and service._backend.follower is not None
    service._backend.follower.stop()
    service._backend.follower.join(timeout=3)


def _two_files(folder: Path) -> Path:
    """A knowledge folder of the bundled article and a small second article (`tips.yaml`)."""
    import shutil

    from tests.conftest import KNOWLEDGE

    shutil.copytree(KNOWLEDGE, folder)
    (folder / "tips.yaml").write_text(
        'source:\n  title: "Walrus tips"\n  publisher: "The walrus society"\npassages:\n'
        '  - id: walrus-food\n    section: "Walrus food"\n    text: "Walruses eat clams at the bottom of the sea."\n'
        '  - id: walrus-sleep\n    section: "Walrus sleep"\n    text: "Walruses can sleep while floating."\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def two_files_url(schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database seeded (by `db init --seed`) from a folder of two articles; the CLI's too."""
    address = pg_support.schema_url(pg_support.SERVER, schema)
    monkeypatch.setenv("QABOT_DATABASE_URL", address)
    code, out = run("db", "init", "--seed", "--knowledge", str(_two_files(tmp_path / "seed")))
    assert code == 0 and "seeded from" in out, out
    return address


def test_question_records_queued_during_an_outage_are_not_dropped_silently_at_shutdown(
    schema: str, url: str, services: Callable[[], Service], caplog: pytest.LogCaptureFixture
) -> None:
    """The line to the database is cut; members ask 5 unanswered questions (queued, as docs/scaling.md
    says: "kept while the database is away and written when it is back"); the instance is then stopped (a
    deploy, a restart) before the database is back. `close()` tries one flush, fails, and throws the 5
    records away without a word in the log (the one WARNING was "queued until the database is back").
    The loss should at least be logged (how many records were dropped), if they cannot be kept."""
    import logging

    proxy = pg_support.Proxy()
    try:
        service = services(proxy.url(schema))
        proxy.cut()
        for n in range(5):
            assert service.ask(
                "how do I repair a carburettor on a motorbike", Asker(platform="telegram", user_id=str(n))
            ).fallback
        caplog.clear()
        with caplog.at_level(logging.INFO):
            service.close()
        proxy.restore()
        said = [r.getMessage() for r in caplog.records if r.name.startswith("bot.storage")]
        assert any("5" in line and ("lost" in line or "dropp" in line) for line in said), said
    finally:
        proxy.close()


