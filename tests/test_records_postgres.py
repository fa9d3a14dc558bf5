"""Gaps and votes in PostgreSQL: one record for every instance, kept while the database is away."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from bot.asker import Asker
from bot.records.gaps import DAY
from bot.service import Service
from tests import pg_support
from tests.pg_support import Proxy, wait_for
from tests.support import Clock
from tests.test_gaps import PRESSED_IN_TIME, presses_in_time

if TYPE_CHECKING:
    from bot.storage.records import PostgresGapStore

schema, url, services = pg_support.schema, pg_support.url, pg_support.services  # the fixtures

CLI = Asker(platform="cli", user_id="", name="tester")
UNKNOWN = "how do I repair a carburettor on a motorbike"


def schema_before(conn: Any, version: int) -> None:
    """The schema of the version before migration `version`, as `db init` of that version left it."""
    from bot.storage import migrations

    conn.execute(
        f"CREATE TABLE {migrations.TABLE} (version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    for migration in migrations.bundled():
        if migration.version < version:
            conn.execute(migration.sql.encode())
            conn.execute(f"INSERT INTO {migrations.TABLE} VALUES (%s, %s)", (migration.version, migration.name))


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


def test_a_members_answered_questions_on_two_instances_count_on_one_row_and_an_edit_on_either_takes_one_off(
    url: str, services: Callable[[], Service]
) -> None:
    """One member's answered questions of a passage on A and on B are one row counting them (the key of
    migration 0012); an edit that B handles of a message A counted takes that one off the row."""
    import psycopg

    a, b = services(), services()
    member = Asker(platform="telegram", user_id="3", chat_id="-100")
    for message, service in (("1", a), ("2", b), ("3", a)):
        assert service.ask("are most defectors women?", member, message=message).passage_id is not None
    wait_for(lambda: all(i.gaps.flush() and not i.gaps._queue for i in (a, b)))  # type: ignore[union-attr,attr-defined]
    assert b.ask(UNKNOWN, member, message="3", edited=True).fallback
    wait_for(lambda: b.gaps.flush() and not b.gaps._queue)  # type: ignore[union-attr,attr-defined]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT n FROM questions WHERE passage_id IS NOT NULL").fetchall() == [(2,)]
    assert [(asked, unanswered) for _, asked, unanswered, _ in a.gaps.fallback_by_day()] == [(3, 1)]  # type: ignore[union-attr]


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
        wait_for(lambda: service.gaps.flush() and "×5" in service.moderation.gaps(CLI), timeout=10)
    finally:
        proxy.close()


def test_a_question_and_its_edit_queued_together_are_written_as_its_last_words(
    schema: str, services: Callable[[], Service]
) -> None:
    """A question and its member's edit queued in one batch while the line was cut: the edit forgets the
    first words before the last are written, never after, so `kb gaps` holds the last words alone."""
    proxy = Proxy()
    try:
        service = services(proxy.url(schema))
        member = Asker(platform="telegram", user_id="5", chat_id="-100")
        proxy.cut()
        assert service.ask(UNKNOWN, member, message="9").fallback
        assert service.ask(f"{UNKNOWN} please", member, message="9", edited=True).fallback
        assert service.ask("how do I tune a carburettor", member, message="9", edited=True).fallback
        proxy.restore()
        assert service.gaps is not None
        wait_for(lambda: service.gaps.flush(), timeout=10)  # type: ignore[union-attr]
        assert [gap.questions for gap in service.gaps.gaps()] == [("how do I tune a carburettor",)]
    finally:
        proxy.close()


def test_a_long_outage_keeps_the_newest_records_and_says_so_once(
    schema: str, services: Callable[[], Service], caplog: pytest.LogCaptureFixture
) -> None:
    """The line is cut for long: over the queue's limit the oldest records go, with one WARNING for the whole
    outage."""
    from bot.storage import records

    proxy = Proxy()
    try:
        store = services(proxy.url(schema)).gaps
        assert isinstance(store, records.PostgresGapStore)
        store.max_queued = 3  # this store only: stores of other tests still running keep theirs
        proxy.cut()  # the database is away
        for n in range(10):
            store.record_question("telegram", str(n), f"question {n}", ["q"], None)
        assert [row[4] for _, _, row in store._queue] == ["question 7", "question 8", "question 9"]
        assert sum("dropping the oldest" in r.getMessage() for r in caplog.records) == 1
        proxy.restore()
    finally:
        proxy.close()


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


def test_a_press_marks_the_latest_question_that_offered_it_within_the_hour(url: str) -> None:
    """As in SQLite (test_gaps.py): the press's hour is counted from the press, when it is written."""
    now = [time.time()]
    with clocked_store(url, lambda: now[0]) as store:
        assert presses_in_time(store, now) == PRESSED_IN_TIME


def test_a_double_tap_on_two_instances_is_still_one_vote(url: str, services: Callable[[], Service]) -> None:
    """A double tap of 👎 whose presses reach two instances on PostgreSQL at once is one vote, counted once."""
    import psycopg

    a, b = services(), services()
    voter = Asker(platform="telegram", user_id="3")
    passage_id = a.ask("are most defectors women?", voter).passage_id
    assert passage_id is not None
    a.vote(passage_id, True, voter)  # their earlier 👍
    wait_for(lambda: a.gaps.flush() and not a.gaps._queue)
    # Their vote's row held, as the first press's statement holds it when the second press's arrives:
    # both presses then wait on it, as the second alone does in a real double tap. A press's statement
    # on votes was a DELETE of the earlier vote (then an INSERT); it is one INSERT ... ON CONFLICT now.
    with psycopg.connect(url) as holder:
        holder.execute("SELECT 1 FROM votes WHERE passage_id = %s FOR UPDATE", (passage_id,))
        a.vote(passage_id, False, voter)  # the double tap: one press on each instance
        b.vote(passage_id, False, voter)
        with psycopg.connect(url, autocommit=True) as watcher:
            waiting = (
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND (query LIKE 'DELETE FROM votes%%' OR query LIKE 'INSERT INTO votes%%')"
            )
            wait_for(lambda: watcher.execute(waiting).fetchone() == (2,))
        holder.rollback()
    wait_for(lambda: all(i.gaps.flush() and not i.gaps._queue for i in (a, b)))
    theirs = [vote for vote in a.gaps.votes() if vote.passage_id == passage_id]
    assert len(theirs) == 1, theirs
    stats = a.moderation.stats(CLI)
    assert f"1  {passage_id}" in stats.split("Most downvoted")[1], stats


def test_gaps_stats_and_votes_read_nothing_older_than_the_retention_period_between_daily_purges(url: str) -> None:
    """As in SQLite (test_gaps.py): past `retention_days` a question and a vote are out of `kb gaps`, `kb stats`
    and the votes read, though the writer's daily purge has not yet deleted them (it last ran 0.9 days ago)."""
    import psycopg

    clock = Clock()
    start = clock.now = time.time()
    count = "SELECT (SELECT count(*) FROM questions WHERE question = %s), (SELECT count(*) FROM votes)"
    with clocked_store(url, lambda: start - 3 * DAY, retention_days=2) as earlier:  # a run of three days ago
        earlier.record_question("telegram", "9", "three days old", ["old"], None)
    with clocked_store(url, clock, retention_days=2) as store, psycopg.connect(url, autocommit=True) as conn:
        wait_for(lambda: conn.execute(count, ("three days old",)).fetchone() == (0, 0), timeout=30)  # its first purge
        clock.now = start - DAY
        store.record_question("telegram", "9", "a day old", ["older"], None)  # gone at the purge 1.5 days on
        clock.now = start
        store.record_question("telegram", "3", UNKNOWN, ["carburettor"], None)
        store.record_question("telegram", "3", "", [], "meetups")
        store.record_vote("telegram", "3", "meetups", False)
        assert store.flush()
        assert store.gaps() and store.votes() and store.most_asked() and store.most_downvoted()
        clock.now = start + 1.5 * DAY  # the writer's next daily purge: the day-old question goes, the others stay
        wait_for(lambda: conn.execute(count, ("a day old",)).fetchone() == (0, 1), timeout=30)
        clock.now = start + 2.4 * DAY  # past the retention period, 0.9 days after that purge
        assert store.gaps() == [] and store.votes() == []
        assert store.most_asked() == [] and store.most_downvoted() == [] and store.fallback_by_day() == []
        assert conn.execute(count, (UNKNOWN,)).fetchone() == (1, 1)  # not yet deleted: only out of the reads


@contextlib.contextmanager
def clocked_store(url: str, clock: Callable[[], float], **settings: Any) -> Iterator[PostgresGapStore]:
    """A store of the gaps and votes on the database at `url`, on `clock` (its writer thread too), closed after."""
    from bot.storage.database import Database
    from bot.storage.records import PostgresGapStore

    database = Database(url)
    store = PostgresGapStore(database, clock=clock, **settings)
    try:
        yield store
    finally:
        store.close()
        database.close()


def test_a_vote_written_late_by_another_instance_does_not_replace_the_voters_later_vote(
    schema: str, services: Callable[[], Service]
) -> None:
    """The last press counts, as migration 0009 keeps the newest: a 👎 pressed on instance B while B's line
    to the database is down, then a 👍 pressed on A, leave the 👍 once B writes its queue; the INSERT ...
    ON CONFLICT DO UPDATE replaces the row with whichever press is written last, older or not."""
    proxy = Proxy()
    a, b = services(), services(proxy.url(schema))
    try:
        voter = Asker(platform="telegram", user_id="3")
        passage_id = a.ask("are most defectors women?", voter).passage_id
        assert passage_id is not None and a.gaps is not None and b.gaps is not None
        proxy.cut()  # B cannot reach the database: its rows queue
        b.vote(passage_id, False, voter)  # pressed first
        a.vote(passage_id, True, voter)  # pressed after, on A
        wait_for(lambda: a.gaps.flush() and not a.gaps._queue)  # type: ignore[union-attr,attr-defined]
        assert b.gaps._queue  # type: ignore[attr-defined]
        proxy.restore()  # B's line is back: its queue is written
        wait_for(lambda: b.gaps.flush() and not b.gaps._queue, timeout=30)  # type: ignore[union-attr,attr-defined]
        theirs = [vote for vote in a.gaps.votes() if vote.passage_id == passage_id]
        assert len(theirs) == 1 and theirs[0].helpful, theirs
    finally:
        b.close()
        proxy.close()


def test_db_migrate_keeps_the_newest_of_a_users_votes_on_a_passage(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database of the version before holds two votes of one user on a passage (a double tap on two
    instances): `db migrate` keeps the newer, and then a vote replaces it."""
    import psycopg

    from bot.storage.records import _INSERTS

    address = pg_support.schema_url(pg_support.SERVER, schema)
    monkeypatch.setenv("QABOT_DATABASE_URL", address)
    with psycopg.connect(address, autocommit=True) as conn:
        schema_before(conn, 9)
        rows = [(1.0, "telegram", "u1", "p", True), (3.0, "telegram", "u1", "p", False),
                (2.0, "telegram", "u1", "p", True), (1.0, "discord", "u1", "p", True)]  # fmt: skip
        conn.cursor().executemany("INSERT INTO votes VALUES (%s, '1970-01-01', %s, %s, %s, %s)", rows)
        code, out = pg_support.run("db", "migrate")
        assert code == 0 and "applied 0009_one_vote_per_voter" in out, out
        kept = sorted(conn.execute("SELECT platform, at, helpful FROM votes").fetchall())
        assert kept == [("discord", 1.0, True), ("telegram", 3.0, False)]
        conn.execute(_INSERTS["votes"], (4.0, "1970-01-01", "telegram", "u1", "p", True, ""))
        assert conn.execute("SELECT at, helpful FROM votes WHERE platform = 'telegram'").fetchall() == [(4.0, True)]


def test_db_migrate_folds_answered_questions_and_an_instance_of_the_version_before_is_still_counted(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 0012 in a rolling upgrade: the answered questions written one row each become one counted row
    per member, passage and day, but those of the last hour that hold their message (an edit may still forget
    them); an instance of the version before, inserting and forgetting a row each beside this one, is counted right."""
    import psycopg

    from bot.records.sql import FORGET_ASKED, POSTGRES, POSTGRES_COUNTED, QUESTION_COLUMNS
    from bot.records.sql import day as _day
    from bot.storage.database import Database
    from bot.storage.records import PostgresGapStore

    old_insert = f"INSERT INTO questions ({QUESTION_COLUMNS}) VALUES ({', '.join(['%s'] * 10)})"  # its ten columns

    address = pg_support.schema_url(pg_support.SERVER, schema)
    monkeypatch.setenv("QABOT_DATABASE_URL", address)
    now = time.time()
    day = _day(now)
    with psycopg.connect(address, autocommit=True) as conn:
        schema_before(conn, 12)

        def old_instance_asks(at: float, passage_id: str | None, asked_in: str, hedged: bool = False) -> None:
            question = "when do we meet" if passage_id is None or hedged else ""
            row = (at, day, "telegram", "u1", question, "meet" if question else "", passage_id, hedged, "",
                   asked_in)  # fmt: skip
            conn.execute(old_insert, row)

        for at in (now - 7000, now - 6000, now - 5000):
            old_instance_asks(at, "meetups", "")  # slash commands: no message
        old_instance_asks(now - 4000, "meetups", "k-old")  # past any edit
        old_instance_asks(now - 60, "meetups", "k-recent")  # an edit may still come
        old_instance_asks(now - 50, "meetups", "k-hedged", hedged=True)
        old_instance_asks(now - 40, None, "k-gap")
        code, out = pg_support.run("db", "migrate")
        assert code == 0 and "applied 0012_counted_answers" in out, out
        answered = "SELECT asked_in, n FROM questions WHERE passage_id IS NOT NULL AND NOT hedged ORDER BY asked_in, n"
        assert conn.execute(answered).fetchall() == [("", 4), ("k-recent", None)]
        old_instance_asks(now - 30, "meetups", "")  # the version before, still running: no clash with the key
        old_instance_asks(now - 20, "meetups", "k-later")
        conn.execute(POSTGRES(FORGET_ASKED), ("k-later",))  # and its edit of that message
        conn.execute(POSTGRES_COUNTED, (now, day, "telegram", "u1", "meetups"))  # this version: onto the folded row
        assert conn.execute(answered).fetchall() == [("", 5), ("", None), ("k-recent", None)]
        database = Database(address)
        store = PostgresGapStore(database)
        try:
            store.record_question("telegram", "1", "", [], "meetups", message="1/2")
            assert store.most_asked() == [("meetups", 9, 1)]  # 5 folded, k-recent, the later one, hedged, new
            by_day = store.fallback_by_day()
            assert (sum(row[1] for row in by_day), sum(row[2] for row in by_day)) == (10, 1)
        finally:
            store.close()
            database.close()


def kept_when_back(service: Service) -> tuple[float, str] | None:
    """The command line's moderator's list as the database holds it, once the pool reaches the database again after
    the line was cut (refused until then: on a busy machine the pool can take seconds to reconnect)."""
    from bot.curation.edits import Refused

    assert service.gaps is not None
    read: list[tuple[float, str] | None] = []

    def answered() -> bool:
        try:
            read.append(service.gaps.kept_list("cli", ""))  # type: ignore[union-attr]
        except Refused:
            return False
        return True

    wait_for(answered, timeout=30)
    return read[-1]


def test_a_list_not_kept_while_the_database_is_away_is_said_in_the_log_and_nothing_raises(
    schema: str, services: Callable[[], Service], caplog: pytest.LogCaptureFixture
) -> None:
    """The line is cut after `kb gaps` was shown: keeping the list fails with one WARNING, never an error out of
    the core (the adapter has sent the reply already), and the database keeps no list (the instance holds it)."""
    from bot.curation import Request

    proxy = Proxy()
    try:
        service = services(proxy.url(schema))
        assert service.ask(UNKNOWN, Asker(platform="telegram", user_id="1")).fallback
        reply = service.moderate(Request("gaps"), CLI)
        assert reply.listing is not None and "carburettor" in reply.text
        proxy.cut()
        service.delivered(reply, CLI)
        assert "could not keep a cli moderator's gaps list" in caplog.text
        proxy.restore()
        assert service.gaps is not None
        assert kept_when_back(service) is None
    finally:
        proxy.close()


def test_a_list_shown_but_not_kept_is_the_one_its_instance_reads_a_number_in(
    schema: str, services: Callable[[], Service], caplog: pytest.LogCaptureFixture
) -> None:
    """The moderator's second list reached them but could not be kept (the line cut just then), and the gaps had
    moved since their first: back, their `dismiss 1` on that instance is the 1 they read last (the canoe), not the
    1 of the list before (the carburettor, still open: it had been dismissed, a gap they never chose)."""
    from bot.curation import Request

    canoe = "where can i rent a canoe for the weekend"
    proxy = Proxy()
    try:
        service = services(proxy.url(schema))
        for n, question in enumerate([UNKNOWN, UNKNOWN, canoe]):
            assert service.ask(question, Asker(platform="telegram", user_id=str(10 + n))).fallback
        first = service.moderate(Request("gaps"), CLI)
        service.delivered(first, CLI)
        assert "carburettor" in first.text.splitlines()[1], first.text
        for n in range(2):
            assert service.ask(canoe, Asker(platform="telegram", user_id=str(20 + n))).fallback
        second = service.moderate(Request("gaps"), CLI)
        assert canoe in second.text.splitlines()[1], second.text
        proxy.cut()
        service.delivered(second, CLI)
        assert "could not keep a cli moderator's gaps list" in caplog.text
        proxy.restore()
        assert kept_when_back(service) is not None  # the first list
        said = service.moderate(Request("dismiss", question="1"), CLI).text
        assert said.startswith("Dismissed gap") and canoe in said, said
    finally:
        proxy.close()


def test_db_migrate_adds_the_gap_lists_and_an_instance_of_the_version_before_runs_beside(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migrations 0014 and 0015 in a rolling upgrade only add `opened` and `gap_lists`: a database of the version
    before (session 28's, 0013) keeps what it holds, an instance of that version goes on writing its questions,
    and this version counts a link opened and keeps and reads a moderator's list there."""
    import psycopg

    from bot.records.sql import INSERT_QUESTION, POSTGRES
    from bot.storage.database import Database
    from bot.storage.records import PostgresGapStore

    address = pg_support.schema_url(pg_support.SERVER, schema)
    monkeypatch.setenv("QABOT_DATABASE_URL", address)
    row = (time.time(), "2025-01-01", "telegram", "u1", "where is the cloakroom", "cloakroom", None, False, "", "", "")
    with psycopg.connect(address, autocommit=True) as conn:
        schema_before(conn, 14)
        conn.execute(POSTGRES(INSERT_QUESTION), row)  # the version before, as it writes a gap
        code, out = pg_support.run("db", "migrate")
        assert code == 0 and "applied 0014_opened_links\napplied 0015_gap_lists\n" in out, out
        conn.execute(POSTGRES(INSERT_QUESTION), row)  # and still running beside this one
        assert conn.execute("SELECT count(*) FROM questions").fetchone() == (2,)
    database = Database(address)
    store = PostgresGapStore(database)
    try:
        store.keep_list("telegram", "4242", 1.5, '{"shown": [], "cut": false}')
        assert store.kept_list("telegram", "4242") == (1.5, '{"shown": [], "cut": false}')
        assert [gap.count for gap in store.gaps()] == [2]
        store.record_opened("telegram", "parking")
        assert store.most_opened() == [("parking", 1)]
    finally:
        store.close()
        database.close()
