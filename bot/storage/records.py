"""Gaps and votes in PostgreSQL: the same record as `bot.records.GapStore`, shared by every instance.

Answers never wait on the database: `record_question`, `record_pick` and `record_vote` only queue the row; a
writer thread inserts the queue in batches (each written as `bot.storage.batches` has it), and while the database
is away keeps the rows (up to `MAX_QUEUED`, then the oldest go, with a WARNING) and tries again every second; an
instance stopped while it is away loses them, and its log says how many (they are kept in memory only). The
readings (`gaps`, `stats`) are for moderators and go to the database; when it is away they are refused with a
sentence.
"""

from __future__ import annotations

import collections
import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import psycopg

from bot.catalogue import _
from bot.curation.edits import Refused
from bot.records import lists, sql
from bot.records.feedback import Vote, hash_user, text_key
from bot.records.grouping import Gap, find, group, term_key
from bot.records.sql import (
    DAY,
    EDITS_FOLLOWED,
    MAX_UNANSWERED,
    PICK_WINDOW,
    POSTGRES,
    TRIM_EVERY,
    offered_ids,
    storable,
)
from bot.records.stats import Stats
from bot.storage import batches
from bot.storage.database import UNAVAILABLE, Connection, Database, user_key

log = logging.getLogger(__name__)

MAX_QUEUED = 100_000
T = TypeVar("T")
_INSERTS = batches.INSERTS  # a batch's inserts (`bot.storage.batches`), still importable from here
_IDLE_BUDGETS = "DELETE FROM budgets WHERE key LIKE %s AND last < extract(epoch FROM statement_timestamp()) - %s"


def _trim(cur: psycopg.Cursor[Any], bound: int) -> None:
    """`GapStore._trim` on PostgreSQL: keep the wording of at most `bound` unanswered (or hedged)
    questions, letting the oldest go: an unanswered one goes whole, a hedged one keeps its count for
    its passage without its wording."""
    row = cur.execute(
        f"SELECT at FROM questions WHERE {sql.WORDED} ORDER BY at DESC LIMIT 1 OFFSET %s", (bound,)
    ).fetchone()
    if row is None:
        return
    let_go = cur.execute(POSTGRES(sql.TRIM_UNANSWERED), row).rowcount
    let_go += cur.execute(POSTGRES(sql.TRIM_HEDGED), row).rowcount
    log.warning("more than %d unanswered questions: the %d oldest were let go", bound, let_go)


class PostgresGapStore(Stats):
    """The gaps and votes of one database; thread-safe. `kb stats`' figures are read as `Stats` reads them."""

    dialect = POSTGRES

    def __init__(self, database: Database, *, retention_days: int = 90, clock: Callable[[], float] = time.time):
        self.database = database
        self.retention = retention_days * DAY
        self._clock = clock
        # (number, table, row): a flush takes off the queue the rows numbered up to the last it wrote, not
        # as many as it wrote, since rows dropped meanwhile (a full queue) would make that count newer ones.
        self._queue: collections.deque[tuple[int, str, tuple[Any, ...]]] = collections.deque()
        self._numbers = itertools.count(1)
        self._queue_lock = threading.Lock()  # held only to change or copy the queue: answers never wait long
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._down = False
        self._dropping = False
        self._purged = 0.0
        self._budgets: dict[str, float] = {}  # scope of the cooldown budgets: seconds idle after which one is full
        self._key: bytes | None = None
        self.max_queued = MAX_QUEUED
        self.max_unanswered = MAX_UNANSWERED  # as `GapStore`'s: anyone can add to the gaps
        self._unanswered_since_trim = 0  # written by this instance: each checks the bound every TRIM_EVERY
        self._writer = threading.Thread(target=self._write_loop, name="qabot-postgres-records", daemon=True)
        self._writer.start()

    # -- recording: queued, never blocking ------------------------------------------------------

    def record_question(
        self,
        platform: str,
        user_id: str,
        question: str,
        terms: Sequence[str],
        passage_id: str | None,
        hedged: bool = False,
        offered: Sequence[str] = (),
        message: str = "",
        chat: str = "",
    ) -> None:
        now = self._clock()
        self._put("questions", (now, sql.day(now), _text(platform), (platform, user_id), _text(question[:500]),
                                _text(term_key(terms)), None if passage_id is None else _text(passage_id),
                                hedged, offered_ids(offered), (platform, message), (platform, chat)))  # fmt: skip

    def forget_asked(self, platform: str, message: str) -> None:
        """Queued as the questions are, so that it forgets what the message asked before and never what it
        asks after the edit (see `bot.records.gaps.GapStore.forget_asked`)."""
        if message:
            self._put("forgets", (platform, message))

    def forget_chat(self, platform: str, chat: str) -> None:
        """Queued as the questions are: what was asked in the chat before it went (see
        `bot.records.gaps.GapStore.forget_chat`)."""
        if chat:
            self._put("forgotten chats", (platform, chat))

    def record_pick(self, platform: str, user_id: str, passage_id: str) -> None:
        now = self._clock()
        self._put("picks", (now, sql.day(now), _text(platform), (platform, user_id), _text(passage_id)))

    def record_opened(self, platform: str, passage_id: str) -> None:
        now = self._clock()
        self._put("opened", (now, sql.day(now), _text(platform), _text(passage_id)))

    def record_vote(self, platform: str, user_id: str, passage_id: str, helpful: bool, text: str = "") -> None:
        now = self._clock()
        self._put("votes", (now, sql.day(now), _text(platform), (platform, user_id), _text(passage_id), helpful,
                            text_key(text)))  # fmt: skip

    def _put(self, table: str, row: tuple[Any, ...]) -> None:
        dropping = False
        with self._queue_lock:
            if len(self._queue) >= self.max_queued:
                self._queue.popleft()
                dropping, self._dropping = not self._dropping, True  # said once per outage, not per question
            self._queue.append((next(self._numbers), table, row))
        if dropping:
            log.warning("the database has been away long: dropping the oldest queued question records")
        self._wake.set()

    def flush(self) -> bool:
        """Insert what is queued; False (the rows stay queued) when the database is away."""
        with self._flush_lock:
            with self._queue_lock:
                batch = list(self._queue)
            if not batch:
                return True
            try:
                with self.database.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                    key = self._key or user_key(conn)
                    self._key = key
                    hashed = [(name, batches.hashed(name, row, key)) for _, name, row in batch]
                    questions: list[tuple[Any, ...]] = []
                    unanswered = self._unanswered_since_trim
                    for name, row in hashed:  # in order: an edit forgets what its message asked before
                        if name in batches.FORGETTING:
                            batches.write_questions(cur, questions)
                            questions = []
                            batches.forget(cur, batches.FORGETTING[name], row[0])
                        elif name == "questions":
                            questions.append(row)
                            unanswered += row[6] is None or row[7]
                    batches.write_questions(cur, questions)
                    cur.execute(POSTGRES(sql.OLDER, table="counted"), (self._clock() - EDITS_FOLLOWED,))
                    if unanswered >= TRIM_EVERY:
                        _trim(cur, self.max_unanswered)
                    for name, row in hashed:
                        if name == "votes":  # one vote per user and passage: the last one counts
                            cur.execute(_INSERTS["votes"], row)
                        elif name == "picks":  # after the questions of the batch: a press follows its question
                            at, place, who, passage_id = row[0], row[2], row[3], row[4]
                            cur.execute(POSTGRES(sql.PICK), (passage_id, place, who, at - PICK_WINDOW, at, passage_id))
                    batches.write_opened(cur, [row for name, row in hashed if name == "opened"])
            except psycopg.Error as exc:
                if not self._down:
                    self._down = True
                    log.warning("question records queued until the database is back: %s", exc)
                return False
            self._unanswered_since_trim = 0 if unanswered >= TRIM_EVERY else unanswered
            written = batch[-1][0]
            with self._queue_lock:
                while self._queue and self._queue[0][0] <= written:
                    self._queue.popleft()
            if self._down:
                self._down = self._dropping = False
                log.warning("the database is back; the queued question records are written")
            return True

    def _write_loop(self) -> None:
        while not self._halt.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            if self.flush() and self._clock() - self._purged >= DAY:
                self._purge()

    def purge_budgets(self, full_after: Mapping[str, float]) -> None:
        """Have the daily purge delete the cooldown budgets idle long enough to be full again (`full_after`:
        the seconds for each scope, burst x interval): such a row counts as no row, and without this one
        stayed for every account that ever asked. The next purge comes at once."""
        self._budgets = dict(full_after)
        self._purged = 0.0

    def _purge(self) -> None:
        cutoff = self._clock() - self.retention
        try:
            with self.database.pool.connection() as conn:
                for table in sql.PURGED:
                    conn.execute(POSTGRES(sql.OLDER, table=table), (cutoff,))
                conn.execute(POSTGRES(lists.PURGE), (self._clock() - lists.KEPT,))
                for scope, idle in self._budgets.items():  # on the server's clock, as the budgets count
                    conn.execute(_IDLE_BUDGETS, (f"{scope}:%", idle))
            self._purged = self._clock()
        except psycopg.Error as exc:
            log.warning("could not delete old question records now: %s", exc)

    def close(self) -> None:
        """Stop the writer and write what is queued; what cannot be written now is lost, and the log says
        how much (they are kept in memory only, so that no member's question waits on a disk)."""
        self._halt.set()
        self._wake.set()
        self._writer.join(timeout=2)
        if not self.flush():
            log.warning("%d question records could not be written before shutdown (the database is away): "
                        "they are lost", len(self._queue))  # fmt: skip

    # -- reading, for moderators ----------------------------------------------------------------
    # Every read goes through `_rows`, which counts the rows of the retention period only: the writer deletes
    # older ones once a day, and between two purges `kb gaps` listed a question up to a day past the period.

    def votes(self) -> list[Vote]:
        rows = self._rows(POSTGRES(sql.VOTES))
        return [Vote(str(p), bool(h), str(pl), str(u), float(at)) for p, h, pl, u, at in rows]

    def gaps(self, limit: int = 10) -> list[Gap]:
        since = self._since()  # one moment for both statements
        rows = self._rows(POSTGRES(sql.GAP_ROWS), since=since)
        picks = [(str(t), str(p), int(n)) for t, p, n in self._rows(POSTGRES(sql.CHOSEN), since=since)]
        return group([(str(t), str(q), int(n)) for t, q, n in rows], picks)[:limit]

    def find(self, gap: str) -> Gap | None:
        return find(self.gaps(limit=10_000), gap)

    def close_gap(self, keys: frozenset[str] | set[str], how: str) -> None:
        now = self._clock()
        try:
            with self.database.pool.connection() as conn, conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO closed VALUES (%s, %s, %s) ON CONFLICT (terms) DO UPDATE SET at = EXCLUDED.at,"
                    " how = EXCLUDED.how",
                    [(key, now, how) for key in keys],
                )
        except psycopg.Error as exc:
            raise Refused(_(UNAVAILABLE)) from exc

    def keep_list(self, platform: str, user_id: str, at: float, shown: str) -> None:
        """`GapStore.keep_list`, at once (not queued): the moderator's next command may reach another instance."""
        self._lists(lambda conn, who: lists.keep(conn, POSTGRES, (*who, at, _text(shown))), platform, user_id)

    def kept_list(self, platform: str, user_id: str) -> tuple[float, str] | None:
        return self._lists(lambda conn, who: lists.kept(conn, POSTGRES, who), platform, user_id)

    def _lists(self, use: Callable[[Connection, tuple[str, str]], T], platform: str, user_id: str) -> T:
        """`use` of the lists, in one transaction, with the moderator (platform, pseudonym); refused when away."""
        try:
            with self.database.pool.connection() as conn, conn.transaction():
                self._key = key = self._key or user_key(conn)
                return use(conn, (_text(platform), hash_user(platform, user_id, key)))
        except psycopg.Error as exc:
            raise Refused(_(UNAVAILABLE)) from exc

    def _read(self, statement: str, *params: Any, period: float | None = None) -> list[Any]:
        """`kb stats`' reads (`Stats`): the rows of `statement` over `period` (see `_since`)."""
        return self._rows(statement, *params, since=self._since(period))

    def _since(self, period: float | None = None) -> float:
        """The oldest moment a read counts: `period` before now, never more than the retention period."""
        return self._clock() - (self.retention if period is None else min(period, self.retention))

    def _rows(self, statement: str, *params: Any, since: float | None = None) -> list[tuple[Any, ...]]:
        """The rows of `statement`, whose first parameter is the oldest moment a read counts: `since`, by
        default the start of the retention period (`_since`). What this instance queued counts too."""
        since = self._since() if since is None else since
        self.flush()
        try:
            with self.database.pool.connection() as conn:
                return conn.execute(statement, (since, *params)).fetchall()
        except psycopg.Error as exc:
            raise Refused(_(UNAVAILABLE)) from exc


def _text(value: str) -> str:
    """`value` as PostgreSQL stores text: no lone surrogate, no NUL."""
    return storable(value).replace("\x00", "?")
