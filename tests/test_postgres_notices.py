"""Change notices on PostgreSQL: each deployment (schema) wakes for its own changes only, and a rolling
upgrade keeps the instances of the version before and of this one waking on each other's changes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.asker import Asker
from bot.config import Config
from bot.service import Service
from tests import pg_support
from tests.conftest import KNOWLEDGE
from tests.pg_support import SERVER, run, schema_url, wait_for
from tests.test_postgres import deaf_to_other_changes

schema, url, services = pg_support.schema, pg_support.url, pg_support.services  # the fixtures

CLI = Asker(platform="cli", user_id="", name="tester")


def counted_catch_ups(service: Service) -> list[int]:
    """The catch-ups `service`'s follower makes from now on (the follower's own callback, called through)."""
    assert service._backend is not None and service._backend.follower is not None
    follower = service._backend.follower
    catch_up, calls = follower.on_change, []

    def counted(conn: Any) -> bool:
        calls.append(1)
        return catch_up(conn)

    follower.on_change = counted
    return calls


def test_a_change_in_another_schema_does_not_make_a_follower_catch_up(
    schema: str, url: str, services: Callable[[], Service], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """Two deployments in two schemas of one database: a change in the other schema reaches B's follower (its
    log says it passed the notice over) but makes it catch up not once; the next change in B's own schema, made
    by C, is the one catch-up B makes. (Every schema's notice had woken every instance, each to a catch-up that
    found nothing.)"""
    deaf_to_other_changes(monkeypatch, schema)  # the test's own channel, shared by both schemas here
    caplog.set_level(logging.DEBUG, logger="bot.storage.replica")
    with pg_support.fresh_schema() as other:
        other_url = schema_url(SERVER, other)
        monkeypatch.setenv("QABOT_DATABASE_URL", other_url)
        assert run("db", "init", "--seed", "--knowledge", str(KNOWLEDGE))[0] == 0
        monkeypatch.setenv("QABOT_DATABASE_URL", url)
        elsewhere = Service.from_directory(KNOWLEDGE, Config(database_url=other_url, data_dir=tmp_path / "other"))
        try:
            b, c = services(), services()
            calls = counted_catch_ups(b)
            elsewhere.moderation.add(CLI, section="Elsewhere", text="A passage of the other deployment.")
            wait_for(lambda: f"passed over a change notice of schema {other}" in caplog.text, timeout=10)
            assert calls == []
            pid = c.moderation.add(CLI, section="Here", text="A passage of this deployment.").passage_id
            wait_for(lambda: b.passage(pid) is not None, timeout=10)
            assert calls == [1]
        finally:
            elsewhere.close()


def test_old_and_new_instances_on_one_schema_wake_on_each_others_changes(
    schema: str, url: str, services: Callable[[], Service], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rolling upgrade: an instance of the version before LISTENs on the channel and NOTIFYs the change's
    sequence number as text, and never reads a notice's payload (it only wakes on one). Simulated exactly so:
    its change (a row of `changes` and that NOTIFY) makes B, of this version, catch up and serve it, with the
    periodic check an hour away; B's change reaches the old instance's LISTEN as one notice on its channel."""
    import psycopg
    from psycopg import sql

    from bot.storage import postgres

    deaf_to_other_changes(monkeypatch, schema)
    b = services()
    calls = counted_catch_ups(b)
    pid = next(iter(b.passages())).id
    with psycopg.connect(url, autocommit=True) as old:
        old.execute(sql.SQL("LISTEN {}").format(sql.Identifier(postgres.CHANNEL)))  # as the old follower does
        with old.transaction():  # the old instance's change: its row, and the NOTIFY of its sequence number
            old.execute("UPDATE passages SET text = 'Edited by an instance of the version before.' WHERE id = %s",
                        (pid,))  # fmt: skip
            row = old.execute(
                "INSERT INTO changes (id, at, platform, user_id, name, chat_id, kind, passage_id, file, position)"
                " SELECT 'oldinstance1', '2026-01-01T00:00:00+00:00', 'cli', '', 'old', '', 'edit', id, source,"
                " position FROM passages WHERE id = %s RETURNING seq",
                (pid,),
            ).fetchone()
            assert row is not None
            old.execute("SELECT pg_notify(%s, %s)", (postgres.CHANNEL, str(row[0])))
        wait_for(lambda: "version before" in b.passage(pid).text, timeout=10)  # type: ignore[union-attr]
        assert calls
        heard = list(old.notifies(timeout=5, stop_after=1))  # its own notice, as the old follower hears it too
        assert [n.channel for n in heard] == [postgres.CHANNEL]
        b.moderation.add(CLI, section="New", text="Added by an instance of this version.")
        heard = list(old.notifies(timeout=5, stop_after=1))  # the old follower's wake: any notice on the channel
        assert [n.channel for n in heard] == [postgres.CHANNEL]
