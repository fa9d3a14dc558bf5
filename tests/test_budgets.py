"""Cooldown budgets in PostgreSQL: one budget across instances, its cost measured, and answers when it is gone."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks import budgets, propagation
from bot.answering import Outcome
from bot.asker import Asker
from bot.service import Service
from bot.storage.budgets import SharedCooldown
from tests import pg_support
from tests.pg_support import Proxy, wait_for
from tests.support import Clock

schema, url, services = pg_support.schema, pg_support.url, pg_support.services  # the fixtures

QUESTION = "are most defectors women?"


def schemas() -> set[str]:
    """The benchmarks' schemas in the test database (each benchmark drops its own)."""
    import psycopg

    with psycopg.connect(pg_support.SERVER, autocommit=True) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'qabot_bench_%'").fetchall()
    return {row[0] for row in rows}


def made(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The schemas this test's benchmark made, as it logs them (another run at the same time makes its own)."""
    return [str(r.args[0]) for r in caplog.records if r.name == "benchmarks.budgets" and r.msg == "made schema %s"]


def test_a_user_flooding_two_instances_gets_one_budget(services: Callable[[], Service]) -> None:
    """Ten questions from one user, alternately to A and B: the five of the burst are answered, the
    note is sent once (by whichever instance refused first), the rest are silent."""
    a, b = services(), services()
    flooder = Asker(platform="telegram", user_id="42")
    outcomes = [(a, b)[n % 2].ask(QUESTION, flooder) for n in range(10)]
    answered = [o for o in outcomes if o.outcome is Outcome.ANSWERED]
    throttled = [o for o in outcomes if o.outcome is Outcome.THROTTLED]
    assert len(answered) == 5 and len(throttled) == 5
    assert [o.silent for o in throttled] == [False, True, True, True, True]


def test_the_budget_benchmark_runs_in_a_schema_of_its_own(
    url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`python -m benchmarks.budgets` (what the shared check costs; figures in docs/scaling.md) runs at a
    tiny size, reports both backends, and drops the schema it made. It is a benchmark, never a timed test."""
    caplog.set_level(logging.INFO, logger="benchmarks.budgets")
    report = tmp_path / "budgets.json"
    assert budgets.main(["--url", pg_support.SERVER, "--checks", "5", "--json", str(report)]) == 0
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert set(figures) == {"files", "postgres"}
    for row in figures.values():
        assert {"admit", "ask"} == set(row) and all(0 < c["median_ms"] <= c["p99_ms"] for c in row.values())
    [schema] = made(caplog)
    assert schema.startswith("qabot_bench_") and schema not in schemas()


def test_the_propagation_benchmark_runs_in_a_schema_of_its_own(
    url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`python -m benchmarks.propagation` (how soon instance B serves a change made on A; figures in
    docs/scaling.md) runs at a tiny size, reports both delays, and drops the schema it made."""
    caplog.set_level(logging.INFO, logger="benchmarks.budgets")
    report = tmp_path / "propagation.json"
    assert propagation.main(["--url", pg_support.SERVER, "--changes", "3", "--json", str(report)]) == 0
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert set(figures) == {"from_command", "from_acknowledgement"}
    assert all(0 <= row["median_ms"] <= row["p99_ms"] for row in figures.values())
    [schema] = made(caplog)
    assert schema.startswith("qabot_bench_") and schema not in schemas()


def test_without_the_database_the_budgets_are_the_instances_own(
    schema: str, url: str, services: Callable[[], Service], caplog: pytest.LogCaptureFixture
) -> None:
    """The line is cut: questions are answered without waiting for the database, limited by the instance's own
    buckets; the check asks the pool for a connection once in its retry window (here longer than any run, so
    counted, not timed: it had asserted eight questions within one connect timeout), not on every question,
    and the log says once that the database is lost."""
    proxy = Proxy()
    try:
        service = services(proxy.url(schema))
        assert service.ask(QUESTION, Asker(platform="telegram", user_id="6")).passage_id  # the pool has connected
        assert service._backend is not None and isinstance(service.cooldown, SharedCooldown)
        service.cooldown.pause = 3600.0  # the retry window: one try, then the instance's own buckets
        pool = service._backend.budgets.pool
        before = pool.get_stats().get("requests_num", 0)
        proxy.cut()
        asker = Asker(platform="telegram", user_id="7")
        outcomes = [service.ask(QUESTION, asker).outcome for _ in range(8)]
        assert outcomes.count(Outcome.ANSWERED) == 5 and outcomes.count(Outcome.THROTTLED) == 3
        assert pool.get_stats().get("requests_num", 0) - before == 1  # eight questions, one try of the line
    finally:
        proxy.close()
    said = [r.getMessage() for r in caplog.records if r.name == "bot.storage.budgets"]
    assert len(said) == 1 and said[0].startswith("cooldown budgets are this instance's own until"), said


def test_a_budget_spent_through_the_database_stays_spent_when_the_line_is_cut(
    schema: str, url: str, services: Callable[[], Service]
) -> None:
    """A member who used their burst through the database, then floods while the line is cut, is held by the
    instance's own bucket as the database left it: it had been full, so a cut (or a check that met a busy
    pool) gave them a second burst."""
    proxy = Proxy()
    try:
        service = services(proxy.url(schema))
        asker = Asker(platform="telegram", user_id="8")
        spent = [service.ask(QUESTION, asker).outcome for _ in range(5)]
        proxy.cut()
        cut = [service.ask(QUESTION, asker).outcome for _ in range(3)]
        assert spent == [Outcome.ANSWERED] * 5 and cut == [Outcome.THROTTLED] * 3, cut
    finally:
        proxy.close()


def _line_checks(conn: object) -> dict[str, int]:
    """What the kernel will do about a line that goes quiet under a pooled connection: its socket's options."""
    import psycopg

    assert isinstance(conn, psycopg.Connection)
    with socket.socket(fileno=os.dup(conn.pgconn.socket)) as sock:  # a copy: closing it leaves the connection
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            pytest.skip(f"the test server is reached through {sock.family.name}: there is no TCP line to lose")
        return {
            "keepalive": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
            "idle": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
            "interval": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
            "count": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
            "user_timeout_ms": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
        }


def test_the_budgets_pool_notices_a_dead_line_as_the_knowledge_pool_does(services: Callable[[], Service]) -> None:
    """A line that dies without a word (a lost route, a dead NAT: no reset ever comes) is noticed within seconds on
    every pooled connection, the budgets' (on the answer path) as the knowledge's: keepalives for an idle one,
    tcp_user_timeout for a statement sent and never acknowledged. Neither pool had either, so a cooldown check
    sent into such a line held its member's answer for the kernel's retransmissions, about 15 minutes."""
    service = services()
    assert service._backend is not None
    seen = []
    for database in (service._backend.database, service._backend.budgets):
        with database.pool.connection() as conn:
            seen.append(_line_checks(conn))
    expected = {"keepalive": 1, "idle": 2, "interval": 1, "count": 3, "user_timeout_ms": 5000}
    assert seen == [expected, expected]


def test_a_connection_for_one_command_notices_a_dead_line_as_the_pools_do(url: str) -> None:
    """The connection made for one look (a start's check of the schema, `doctor`'s, `db migrate`, `db status`) has
    the pools' line checks, as docs/scaling.md says of every connection: it had neither, so a line dying under it
    held the start or the command for the kernel's retransmissions, about 15 minutes."""
    from bot.storage.database import connect

    with connect(url) as conn:
        checks = _line_checks(conn)
    assert checks == {"keepalive": 1, "idle": 2, "interval": 1, "count": 3, "user_timeout_ms": 5000}


def test_the_shared_cooldown_keeps_no_members_platform_id_in_the_database(
    url: str, services: Callable[[], Service]
) -> None:
    """The database holds members only under pseudonyms, as questions and votes are: a budget is keyed by
    the asker's keyed hash (the database's `user-key`), never their Telegram id, nor the chat's id."""
    import psycopg

    from bot.records.feedback import hash_user

    service = services()
    service.ask(QUESTION, Asker(platform="telegram", user_id="424242424", chat_id="-100777"))
    with psycopg.connect(url, autocommit=True) as conn:
        keys = sorted(str(row[0]) for row in conn.execute("SELECT key FROM budgets"))
        secret = conn.execute("SELECT value FROM secrets WHERE name = 'user-key'").fetchone()
    assert keys and not [key for key in keys if "424242424" in key or "100777" in key], keys
    assert secret is not None and f"user:{hash_user('telegram', '424242424', bytes(secret[0]))}" in keys


def test_idle_cooldown_budgets_do_not_pile_up_in_the_database(url: str, services: Callable[[], Service]) -> None:
    """The shared cooldown forgets idle users and chats, as one instance's own buckets do (`Cooldown` prunes
    full ones): a raid of 150,000 accounts a day ago leaves no row once an instance has started."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:  # a raid of 150,000 accounts, a day ago
        conn.execute(
            "INSERT INTO budgets (key, tokens, last) SELECT 'user:telegram:raider-' || n, 5, "
            "extract(epoch FROM now()) - 86400 FROM generate_series(1, 150000) AS n"
        )
    service = services()
    for n in range(20):
        service.ask(QUESTION, Asker(platform="telegram", user_id=f"member-{n}", chat_id="-100"))

    def idle() -> int:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM budgets WHERE last < extract(epoch FROM now()) - 3600").fetchone()
        return int(row[0]) if row else 0

    deadline = time.monotonic() + 10
    while idle() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert idle() == 0
    with psycopg.connect(url, autocommit=True) as conn:  # the members who just asked keep their budgets
        row = conn.execute("SELECT count(*) FROM budgets WHERE key LIKE 'user:%'").fetchone()
    assert row is not None and row[0] == 20


def budget_rows(url: str) -> int:
    """How many members' budgets the database holds."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM budgets WHERE key LIKE 'user:%'").fetchone()
    return int(row[0]) if row else 0


def test_a_busy_pool_is_not_a_database_that_is_down(url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Every connection of the budgets' pool held by others (a flood of commands): each check is answered by the
    instance's own bucket as the database left it, with no "until the database is back" WARNING and no "again"
    line, and one INFO line for a minute of such checks (the next counts those since); the check after a
    connection is free is shared again (it had waited out the second of an outage)."""
    from bot.storage.budgets import SharedCooldown
    from bot.storage.database import Database

    caplog.set_level(logging.INFO, logger="bot.storage.budgets")
    clock = Clock()
    database = Database(url, max_size=1, check=False, durable=False)  # one connection: easy to hold busy
    try:
        database.pool.wait(timeout=5)
        cooldown = SharedCooldown(database.pool, scope="user", burst=2, interval=600, stuck=600, clock=clock)
        assert [cooldown.allow("telegram:9") for _ in range(2)] == [True, True]  # the burst, spent through the database
        assert budget_rows(url) == 1
        with database.pool.connection():  # the pool's only connection, busy elsewhere
            spent = [cooldown.allow("telegram:9") for _ in range(4)]
            newcomer = cooldown.allow("telegram:10")
            clock.now += 61  # a minute later, still busy
            later = cooldown.allow("telegram:10")
        assert spent == [False] * 4 and newcomer and later  # the spent burst stays spent; a newcomer has theirs
        assert budget_rows(url) == 1  # the newcomer's checks were this instance's own
        assert cooldown.allow("telegram:11") and budget_rows(url) == 2  # shared again at once
    finally:
        database.close()
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.storage.budgets"]
    assert said == [
        ("INFO", "cooldown budgets: every connection of the pool was busy, so 1 check was this instance's own "
                 "(the database is up; a line a minute at most)"),
        ("INFO", "cooldown budgets: every connection of the pool was busy, so 5 checks were this instance's own "
                 "(the database is up; a line a minute at most)"),
    ], said  # fmt: skip


def test_a_pool_that_cannot_connect_is_still_the_database_down(
    schema: str, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A pool whose connection attempts are refused also answers a check with "no connection in time", as a
    busy one does: that is the database down, as before (a WARNING once, this instance's own buckets, no line
    about a busy pool), and the first check that gets through once it is back says so."""
    from bot.storage.budgets import SharedCooldown
    from bot.storage.database import Database

    caplog.set_level(logging.INFO, logger="bot.storage.budgets")
    proxy = Proxy()
    proxy.cut()  # every connection refused
    database = Database(proxy.url(schema), max_size=1, check=False, durable=False)
    try:
        pool = database.pool
        wait_for(lambda: pool.get_stats().get("connections_errors", 0) >= 1)
        cooldown = SharedCooldown(pool, scope="user", burst=2, interval=600, pause=0.0)  # every check tries the pool
        assert [cooldown.allow("telegram:5") for _ in range(3)] == [True, True, False]  # the instance's own
        assert budget_rows(url) == 0
        proxy.restore()
        wait_for(lambda: cooldown.allow("telegram:12") is not None and budget_rows(url) == 1, timeout=30)
    finally:
        database.close()
        proxy.close()
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.storage.budgets"]
    assert said == [
        ("WARNING", "cooldown budgets are this instance's own until the database is back: "
                    "couldn't get a connection after 0.05 sec"),
        ("WARNING", "cooldown budgets are shared through the database again"),
    ], said  # fmt: skip


def test_a_pool_that_lends_no_connection_for_seconds_is_the_database_not_answering(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Checks that got no connection for `stuck` seconds, none through meanwhile (connections hung in their
    statements: a line dropping packets, a locked table), are not a busy pool, though no connection attempt
    fails: the database is not answering, and the log says so as for an outage, then that it is back."""
    from bot.storage.budgets import SharedCooldown
    from bot.storage.database import Database

    caplog.set_level(logging.INFO, logger="bot.storage.budgets")
    database = Database(url, max_size=1, check=False, durable=False)
    try:
        database.pool.wait(timeout=5)
        cooldown = SharedCooldown(database.pool, scope="user", burst=2, interval=600, pause=0.0, stuck=0.2)
        assert cooldown.allow("telegram:9")
        with database.pool.connection():  # held: no check gets through
            assert cooldown.allow("telegram:9")  # the first without a connection: a busy pool, so far
            time.sleep(0.3)  # past `stuck`
            assert not cooldown.allow("telegram:9")
        assert cooldown.allow("telegram:13") and budget_rows(url) == 2
    finally:
        database.close()
    said = [(r.levelname, r.getMessage().split(":")[0]) for r in caplog.records if r.name == "bot.storage.budgets"]
    assert said == [
        ("INFO", "cooldown budgets"),
        ("WARNING", "cooldown budgets are this instance's own until the database is back"),
        ("WARNING", "cooldown budgets are shared through the database again"),
    ], said
