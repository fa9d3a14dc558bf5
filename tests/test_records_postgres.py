"""Gaps and votes in PostgreSQL: one record for every instance, kept while the database is away."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bot.asker import Asker
from bot.service import Service
from tests import pg_support
from tests.pg_support import Proxy, wait_for
from tests.test_gaps import PRESSED_IN_TIME, presses_in_time

schema, url, services = pg_support.schema, pg_support.url, pg_support.services  # the fixtures

CLI = Asker(platform="cli", user_id="", name="tester")
UNKNOWN = "how do I repair a carburettor on a motorbike"


def test_gaps_and_votes_from_two_instances_are_one_record(services: Callable[[], Service]) -> None:
    """The same unanswered question on A and on B is one gap asked twice; a 👎 on each counts twice."""
    a, b = services(), services()
    assert a.ask(UNKNOWN, Asker(platform="telegram", user_id="1")).fallback
    assert b.ask(UNKNOWN, Asker(platform="discord", user_id="2")).fallback
    answered = a.ask("are most defectors women?", Asker(platform="telegram", user_id="3"))
    assert answered.passage_id is not None
    a.vote(answered.passage_id, False, Asker(platform="telegram", user_id="3"))
    b.vote(answered.passage_id, False, Asker(platform="discord", user_id="4"))
    assert b.gaps is not None
    b.gaps.flush()  # type: ignore[attr-defined]
    listing = a.moderation.gaps(CLI)
    assert "×2" in listing and "carburettor" in listing
    stats = a.moderation.stats(CLI)
    assert f"2  {answered.passage_id}" in stats.split("Most downvoted")[1]
    gap = listing.splitlines()[1].split()[1]
    a.moderation.dismiss(CLI, gap)
    assert "carburettor" not in b.moderation.gaps(CLI)


def test_questions_asked_while_the_database_is_away_are_recorded_when_it_is_back(
    schema: str, url: str, services: Callable[[], Service]
) -> None:
    """The line is cut: questions are answered at once and their records queue; back, they are written."""
    proxy = Proxy()
    try:
        service = services(proxy.url(schema))
        proxy.cut()
        for n in range(5):
            assert service.ask(UNKNOWN, Asker(platform="telegram", user_id=str(n))).fallback
        proxy.restore()
        assert service.gaps is not None
        wait_for(lambda: service.gaps.flush() and "×5" in service.moderation.gaps(CLI), timeout=10)  # type: ignore[union-attr]
    finally:
        proxy.close()


def test_a_long_outage_keeps_the_newest_records_and_says_so_once(
    services: Callable[[], Service], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the queue's limit the oldest records go, with one WARNING for the whole outage."""
    from bot.storage import records

    service = services()
    store = service.gaps
    assert isinstance(store, records.PostgresGapStore)
    store.max_queued = 3  # this store only: stores of other tests still running keep theirs
    monkeypatch.setattr(store, "flush", lambda: False)  # the database is away
    for n in range(10):
        store.record_question("telegram", str(n), f"question {n}", ["q"], None)
    assert [row[4] for _, _, row in store._queue] == ["question 7", "question 8", "question 9"]
    assert sum("dropping the oldest" in r.getMessage() for r in caplog.records) == 1


def test_records_queued_while_a_flush_waits_on_a_full_queue_are_kept_for_the_next(
    url: str, services: Callable[[], Service]
) -> None:
    """A flush of a full queue is under way (its insert waits on a lock), and questions keep coming: the
    queue drops its oldest to take them. Once the flush is done, the newest records are still queued and
    written by the next flush: the flush takes off what it wrote, not as many rows as it wrote."""
    import psycopg

    from bot.storage import records

    store = services().gaps
    assert isinstance(store, records.PostgresGapStore)
    store.max_queued = 3  # this store only
    with psycopg.connect(url) as holder:  # a transaction holding the table: the writer's insert waits on it
        holder.execute("LOCK TABLE questions IN ACCESS EXCLUSIVE MODE")
        for n in range(3):
            store.record_question("telegram", str(n), f"question {n}", ["q"], None)
        with psycopg.connect(url, autocommit=True) as watcher:
            waiting = (
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE 'INSERT INTO questions%%'"
            )
            wait_for(lambda: watcher.execute(waiting).fetchone() == (1,))
        for n in range(3, 5):  # the queue is full: the oldest go
            store.record_question("telegram", str(n), f"question {n}", ["q"], None)
        holder.rollback()
    wait_for(lambda: store.flush() and not store._queue)
    with psycopg.connect(url) as conn:
        written = {row[0] for row in conn.execute("SELECT question FROM questions")}
    assert {"question 2", "question 3", "question 4"} <= written, written


def test_records_that_cannot_be_written_at_shutdown_are_counted_in_the_log(
    schema: str, url: str, services: Callable[[], Service], caplog: pytest.LogCaptureFixture
) -> None:
    """The line is cut, 5 unanswered questions queue, and the instance is stopped before the database is
    back: the records are lost (they are kept in memory only), and the log says how many."""
    import logging

    proxy = Proxy()
    try:
        service = services(proxy.url(schema))
        proxy.cut()
        for n in range(5):
            assert service.ask(UNKNOWN, Asker(platform="telegram", user_id=str(n))).fallback
        caplog.clear()
        with caplog.at_level(logging.INFO):
            service.close()
        proxy.restore()
        said = [r.getMessage() for r in caplog.records if r.name.startswith("bot.storage")]
        assert any("5 question records" in line and "lost" in line for line in said), said
    finally:
        proxy.close()


def test_a_press_marks_the_latest_question_that_offered_it_within_the_hour(
    services: Callable[[], Service], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in SQLite (test_gaps.py): the press's hour is counted from the press, when it is written."""
    from bot.storage import records

    store = services().gaps
    assert isinstance(store, records.PostgresGapStore)
    now = [time.time()]
    monkeypatch.setattr(store, "_clock", lambda: now[0])
    assert presses_in_time(store, now) == PRESSED_IN_TIME
