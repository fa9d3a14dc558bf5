"""Session 28's changes reviewed: what the review found wrong, each shown by a test that failed before its mend."""

from __future__ import annotations

import logging
import time

import pytest

from tests import pg_support

schema, url = pg_support.schema, pg_support.url  # the fixtures


def test_a_busy_pool_after_an_idle_while_is_still_a_busy_pool(url: str, caplog: pytest.LogCaptureFixture) -> None:
    """One check met a busy pool, the flood ended and the instance sat idle past `stuck`: the next flood's first
    check without a connection is a busy pool again (INFO), not the database not answering (it had been, the
    window counted from the check before the idle while: a WARNING and an "again" line for a database that was up)."""
    from bot.storage.budgets import SharedCooldown
    from bot.storage.database import Database

    caplog.set_level(logging.INFO, logger="bot.storage.budgets")
    database = Database(url, max_size=1, check=False, durable=False)  # one connection: easy to hold busy
    try:
        database.pool.wait(timeout=5)
        cooldown = SharedCooldown(database.pool, scope="user", burst=5, interval=600, pause=0.0, stuck=0.2)
        assert cooldown.allow("telegram:9")  # through the database
        with database.pool.connection():  # a flood holds the only connection
            assert cooldown.allow("telegram:9")  # no connection: a busy pool
        time.sleep(0.3)  # idle, longer than `stuck`: no check at all meanwhile
        with database.pool.connection():  # the next flood, lent the connection afresh
            assert cooldown.allow("telegram:9")  # no connection again
        assert cooldown.allow("telegram:14")  # through the database once more
    finally:
        database.close()
    levels = [r.levelname for r in caplog.records if r.name == "bot.storage.budgets"]
    assert levels == ["INFO"], [r.getMessage() for r in caplog.records if r.name == "bot.storage.budgets"]
