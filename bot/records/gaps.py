"""What goes unanswered: questions, their outcomes and 👍/👎, in an embedded SQLite database.

Only a keyed hash of the user id is stored (`bot.records.feedback.hash_user`, HMAC with the secret in
USER_KEY_FILE), never the id or a name; the wording is kept
for unanswered questions only (answered ones count towards their passage; a hedged answer is both:
its passage counts, marked hedged, and its wording stays a gap). Rows older than the
retention period are deleted when the database is opened and then once a day, and no read counts
them meanwhile. Unanswered
questions are grouped by their analyzed terms (the same terms the index ranks with) into gaps, with
a short id for `alias` and `dismiss` (`bot.records.grouping`).

A member shown the closest topics who presses one within `PICK_WINDOW` marks it on that
question (`record_pick`): a gap then names the passages its askers chose, the likeliest id to
alias it to.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot import datafiles
from bot.keyfile import KeyFileError, load_or_create
from bot.records.feedback import Vote, downvoted, hash_user, text_key
from bot.records.grouping import SIMILAR, Gap, gap_id, group, term_key

log = logging.getLogger(__name__)

__all__ = ["SIMILAR", "Gap", "GapStore", "gap_id", "group", "term_key"]

FILE_NAME = "gaps.sqlite3"
# The secret the user pseudonyms are keyed with, beside the database: made 0600 on first start.
# Whoever has it (and the database) can test a known user id; without it, nobody can.
USER_KEY_FILE = "user-key"
DAY = 86400.0
# Unanswered questions kept at most (anyone can add them): past it, the oldest go first.
MAX_UNANSWERED = 50_000
TRIM_EVERY = 256  # unanswered questions recorded between two checks of the bound

QUESTION_COLUMNS = "at, day, platform, user_hash, question, terms, passage_id, hedged, offered, asked_in"
# The questions a message asked, found again when it is edited (`forget_asked`): a keyed hash of its chat and
# message ids, like the user's (with the ids, the wording would lead to who asked); '' where there is no message.
FORGET_ASKED = "DELETE FROM questions WHERE asked_in = {key} AND asked_in != ''"
# A press of one of the closest topics counts for the asker's unanswered question of at most this
# long ago that offered it (the buttons stay under the reply; a press a day later is another matter).
PICK_WINDOW = 3600.0
# The questions whose wording is kept and that make gaps: unanswered, or answered with a hedge
# (the same SQL in SQLite, where `hedged` is 0 or 1, and in PostgreSQL, where it is a boolean).
OPEN = "passage_id IS NULL OR hedged"
# Not closed since it was asked: dismissing or aliasing a gap closes the questions asked until then,
# and one asked again later and still not answered is a gap again (else `kb gaps` said "No unanswered
# questions recorded" for good while members got "I don't know" after its passage was removed).
NOT_CLOSED = "NOT EXISTS (SELECT 1 FROM closed WHERE closed.terms = questions.terms AND closed.at >= questions.at)"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    at REAL NOT NULL, day TEXT NOT NULL, platform TEXT NOT NULL, user_hash TEXT NOT NULL,
    question TEXT NOT NULL, terms TEXT NOT NULL, passage_id TEXT, hedged INTEGER NOT NULL DEFAULT 0,
    offered TEXT NOT NULL DEFAULT '', picked TEXT, asked_in TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS questions_at ON questions (at);
CREATE INDEX IF NOT EXISTS questions_answered ON questions (user_hash, day, passage_id) WHERE question = '';
CREATE TABLE IF NOT EXISTS votes (
    at REAL NOT NULL, day TEXT NOT NULL, platform TEXT NOT NULL, user_hash TEXT NOT NULL,
    passage_id TEXT NOT NULL, helpful INTEGER NOT NULL, text_key TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS votes_at ON votes (at);
CREATE INDEX IF NOT EXISTS votes_voter ON votes (user_hash, passage_id);
CREATE TABLE IF NOT EXISTS closed (terms TEXT PRIMARY KEY, at REAL NOT NULL, how TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counted (
    at REAL NOT NULL, asked_in TEXT NOT NULL, platform TEXT NOT NULL, user_hash TEXT NOT NULL, day TEXT NOT NULL,
    passage_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS counted_asked_in ON counted (asked_in);
CREATE INDEX IF NOT EXISTS counted_at ON counted (at);
"""


def storable(text: str) -> str:
    """`text` as SQLite can store it: a lone surrogate (which UTF-8 cannot encode) becomes "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


def message_key(platform: str, message: str, key: bytes) -> str:
    """How the message a question was asked in ("chat/message") is stored: keyed, as a user is; "" for none."""
    return hash_user(platform, f"message {message}", key) if message else ""


def offered_ids(passage_ids: Sequence[str]) -> str:
    """The closest topics offered, as stored: " a b c " (ids never hold a space), "" for none."""
    return f" {' '.join(passage_ids)} " if passage_ids else ""


# (term set, passage, presses) of the open questions' closest topics pressed (SQLite and PostgreSQL),
# asked since the cutoff given as `{since}` (SQLite's "?", psycopg's "%s"; see `GapStore._since`)
CHOSEN = (
    f"SELECT terms, picked, COUNT(*) FROM questions WHERE at >= {{since}} AND ({OPEN}) AND terms != ''"
    f" AND picked IS NOT NULL AND {NOT_CLOSED} GROUP BY terms, picked"  # a gap open again counts its own presses only
)
_ADDED_COLUMNS = (
    ("questions", "hedged", "INTEGER NOT NULL DEFAULT 0"), ("questions", "offered", "TEXT NOT NULL DEFAULT ''"),
    ("questions", "picked", "TEXT"), ("questions", "asked_in", "TEXT NOT NULL DEFAULT ''"),
    ("votes", "text_key", "TEXT NOT NULL DEFAULT ''"),
    ("questions", "n", "INTEGER NOT NULL DEFAULT 1"),  # answered questions a row counts (`_COUNTED`)
)  # fmt: skip
VOTE_COLUMNS = "at, day, platform, user_hash, passage_id, helpful, text_key"
# (passage, text voted on, 👎) of the retention period, for `feedback.downvoted` (SQLite's and PostgreSQL's)
DOWNVOTES = "SELECT passage_id, text_key, COUNT(*) FROM votes WHERE at >= {since} AND NOT helpful GROUP BY 1, 2"
_ADDED_INDEXES = "CREATE INDEX IF NOT EXISTS questions_asked_in ON questions (asked_in) WHERE asked_in != ''"
# An answered question counts on its asker's row for that passage and day, if there is one: what the
# stats need is bounded by members, passages and days, not by how often one member asks (each had
# been a row of its own, 2.6 million in 90 days for one account asking at its cooldown). That row holds
# no message key: which message each question was counted from is in `counted` (`EDITS_FOLLOWED`).
_COUNTING_ROW = (
    "SELECT rowid FROM questions WHERE user_hash = ? AND day = ? AND passage_id = ? AND platform = ? AND question = ''"
    " AND hedged = 0 AND asked_in = '' ORDER BY n DESC LIMIT 1"
)
_COUNTED = f"UPDATE questions SET n = n + 1 WHERE rowid = ({_COUNTING_ROW})"
_UNCOUNTED = f"UPDATE questions SET n = n - 1 WHERE rowid = ({_COUNTING_ROW})"
_EMPTIED = "DELETE FROM questions WHERE user_hash = ? AND day = ? AND passage_id = ? AND question = '' AND n <= 0"
# The message an answered question was counted from, kept while an edit of it can still come: the
# adapters follow an edit for 15 minutes (adapters/answered.py), and its `forget_asked` then takes the
# question's count off its row. Past this only the count stays: a key kept longer would be a row a question again.
EDITS_FOLLOWED = 3600.0
COUNTED_COLUMNS = "at, asked_in, platform, user_hash, day, passage_id"
# A row counted on first by a session 25 database holds its first message's key: an edit of that message takes
# one off its count (it had deleted the row, and every question counted on it).
_FIRST_UNCOUNTED = "UPDATE questions SET n = n - 1, asked_in = '' WHERE asked_in = ? AND n > 1"
# The asker's latest question within the window that offered the passage pressed (SQLite's form).
_PICKED_FROM = (
    "SELECT rowid FROM questions WHERE platform = ? AND user_hash = ? AND at >= ? AND at <= ? AND passage_id IS NULL"
    " AND instr(offered, ' ' || ? || ' ') > 0 ORDER BY at DESC LIMIT 1"
)


class GapStore:
    """The database; thread-safe (one connection behind a lock), usable from several processes (WAL).

    In a data folder the bot's user cannot write (a read-only mount), an existing database is opened
    read-only (`read_only`): `kb gaps` and `kb stats` read it, and every write fails with
    sqlite3.OperationalError ("attempt to write a readonly database"), which the service logs once.
    """

    def __init__(
        self,
        folder: Path,
        *,
        retention_days: int = 90,
        clock: Callable[[], float] = time.time,
        max_unanswered: int = MAX_UNANSWERED,
    ):
        self.path = Path(folder) / FILE_NAME
        self.max_unanswered = max_unanswered
        self._unanswered_since_trim = 0
        self.retention = retention_days * DAY
        self._clock = clock
        self._lock = threading.Lock()
        datafiles.make_folder(self.path.parent)  # 0700 when made: what members asked is in it
        try:
            self._key = load_or_create(self.path.parent / USER_KEY_FILE)
        except KeyFileError as exc:
            raise OSError(str(exc)) from None  # the data folder cannot be used: as if unwritable
        self._purged = 0.0
        self.read_only = self.path.is_file() and not os.access(self.path.parent, os.W_OK)
        if self.read_only:
            self._db = self._open_read_only()
            log.warning("%s: the data folder is not writable, so the gaps database is only read", self.path)
            return
        datafiles.make_file(self.path)  # 0600 when made, whatever the umask (its -wal and -shm follow it)
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=5.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._add_columns()
        self.purge()

    def _open_read_only(self) -> sqlite3.Connection:
        """A read-only connection. A WAL database needs its `-shm` file, which a clean close deletes
        and a read-only folder cannot have made again: without a `-wal` file everything is in the
        database itself, which is then read as immutable (nothing here can change it)."""
        uri = "file:" + quote(str(self.path.absolute())) + "?mode=ro"
        try:
            return _reading(uri)
        except sqlite3.OperationalError:
            if self.path.with_name(self.path.name + "-wal").exists():
                raise  # changes not yet copied into the database itself, which immutable would miss
            return _reading(uri + "&immutable=1")

    def _add_columns(self) -> None:
        """Give a database made by an earlier version the columns it lacks: `hedged` (hedged answers
        kept with their passage), `offered` and `picked` (the closest topics and the one pressed),
        `asked_in` (the message that asked); and of its votes, `text_key` (the text voted on). Another process
        opening it at the same moment may have given them already."""
        columns = {
            (table, row[1])
            for table in ("questions", "votes")
            for row in self._db.execute(f"PRAGMA table_info({table})")
        }
        for table, column, kind in _ADDED_COLUMNS:
            if (table, column) in columns:
                continue
            try:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):
                    raise
        self._db.execute(_ADDED_INDEXES)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def purge(self) -> int:
        """Delete rows older than the retention period; returns how many went."""
        now = self._clock()
        cutoff = now - self.retention
        with self._lock:
            gone = self._db.execute("DELETE FROM questions WHERE at < ?", (cutoff,)).rowcount
            gone += self._db.execute("DELETE FROM votes WHERE at < ?", (cutoff,)).rowcount
            self._db.execute("DELETE FROM closed WHERE at < ?", (cutoff,))
            self._db.execute("DELETE FROM counted WHERE at < ?", (now - EDITS_FOLLOWED,))
            self._purged = now
        if gone:
            log.info("deleted %d gap/vote rows older than %d days", gone, self.retention // DAY)
        return gone

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
    ) -> None:
        """One answered (with its passage) or unanswered (passage None) question; `hedged`: answered with
        its passage but not for sure, so its wording and terms are kept as for an unanswered one;
        `offered`: the closest topics an unanswered one was given (see `record_pick`); `message`: the
        chat's and the message's ids ("chat/message"; "" for none), which `forget_asked` finds it by."""
        now = self._now_purging()
        row = (
            now, _day(now), storable(platform), hash_user(platform, user_id, self._key), storable(question[:500]),
            storable(term_key(terms)), None if passage_id is None else storable(passage_id), int(hedged),
            offered_ids(offered), message_key(platform, message, self._key),
        )  # fmt: skip
        with self._lock:
            if passage_id is not None and not hedged and not row[4]:
                self._count(row)
                return
            self._db.execute(f"INSERT INTO questions ({QUESTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            if passage_id is None or hedged:
                self._unanswered_since_trim += 1
                if self._unanswered_since_trim >= TRIM_EVERY:
                    self._unanswered_since_trim = 0
                    self._trim()

    def _count(self, row: tuple[Any, ...]) -> None:
        """Count an answered question (under the lock): one more on its asker's row for its passage and
        day, or a row of its own; its message, if any, is kept in `counted` for `EDITS_FOLLOWED`."""
        at, day, platform, who, passage_id, key = row[0], row[1], row[2], row[3], row[6], row[9]
        with self._immediate():
            if not self._db.execute(_COUNTED, (who, day, passage_id, platform)).rowcount:
                self._db.execute(
                    f"INSERT INTO questions ({QUESTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row[:9], "")
                )
            if key:
                self._db.execute("DELETE FROM counted WHERE at < ?", (at - EDITS_FOLLOWED,))
                self._db.execute(
                    f"INSERT INTO counted ({COUNTED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    (at, key, platform, who, day, passage_id),
                )

    @contextmanager
    def _immediate(self) -> Iterator[None]:
        """One transaction, its write lock taken at once (the connection autocommits each statement)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _trim(self) -> None:
        """Keep the wording of at most `max_unanswered` unanswered (or hedged) questions, letting the
        oldest go (under the lock): an unanswered one goes whole, a hedged one keeps its count for its
        passage without its wording."""
        worded = f"({OPEN}) AND question != ''"
        over = self._db.execute(f"SELECT COUNT(*) FROM questions WHERE {worded}").fetchone()[0]
        over -= self.max_unanswered
        if over > 0:
            with self._immediate():
                (cutoff,) = self._db.execute(
                    f"SELECT at FROM questions WHERE {worded} ORDER BY at LIMIT 1 OFFSET ?", (over - 1,)
                ).fetchone()
                self._db.execute(f"DELETE FROM questions WHERE {worded} AND passage_id IS NULL AND at <= ?", (cutoff,))
                self._db.execute(
                    f"UPDATE questions SET question = '', terms = '' WHERE {worded} AND at <= ?", (cutoff,)
                )
            log.warning("more than %d unanswered questions: the %d oldest were let go", self.max_unanswered, over)

    def forget_asked(self, platform: str, message: str) -> None:
        """Forget what `message` ("chat/message") asked: it was edited, and what it asks now is recorded
        instead. `kb gaps` holds the words a member settled on, not their first try, and a question
        edited until it was answered is no gap (nor counted twice for its passage). An answered question
        counted on its asker's row leaves that row's count."""
        key = message_key(platform, message, self._key)
        if key:
            with self._lock, self._immediate():
                rows = self._db.execute(
                    "SELECT user_hash, day, passage_id, platform FROM counted WHERE asked_in = ?", (key,)
                ).fetchall()
                for who, day, passage_id, place in rows:  # a message of several questions: one off for each
                    self._db.execute(_UNCOUNTED, (who, day, passage_id, place))
                    self._db.execute(_EMPTIED, (who, day, passage_id))
                self._db.execute("DELETE FROM counted WHERE asked_in = ?", (key,))
                self._db.execute(_FIRST_UNCOUNTED, (key,))
                self._db.execute(FORGET_ASKED.format(key="?"), (key,))

    def record_pick(self, platform: str, user_id: str, passage_id: str) -> None:
        """A member pressed one of the closest topics: it marks their latest unanswered question of
        the last `PICK_WINDOW` that offered it (a later press replaces an earlier one); a press that
        no such question offered marks nothing."""
        now = self._now_purging()
        who = hash_user(platform, user_id, self._key)
        with self._lock:
            self._db.execute(
                f"UPDATE questions SET picked = ? WHERE rowid = ({_PICKED_FROM})",
                (storable(passage_id), storable(platform), who, now - PICK_WINDOW, now, storable(passage_id)),
            )

    def record_vote(self, platform: str, user_id: str, passage_id: str, helpful: bool, text: str = "") -> None:
        """One vote per user and passage: a new one replaces the user's earlier vote (the last counts).
        `text`: the passage's text voted on, for which alone it counts (see `feedback.downvoted`)."""
        now = self._now_purging()
        who = hash_user(platform, user_id, self._key)
        row = (now, _day(now), storable(platform), who, storable(passage_id), int(helpful), text_key(text))
        with self._lock, self._immediate():  # the two statements are one change
            self._db.execute("DELETE FROM votes WHERE platform = ? AND user_hash = ? AND passage_id = ?", row[2:5])
            self._db.execute(f"INSERT INTO votes ({VOTE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", row)

    def votes(self) -> list[Vote]:
        """Every vote of the retention period, oldest first (user ids hashed)."""
        rows = self._read("SELECT passage_id, helpful, platform, user_hash, at FROM votes WHERE at >= ? ORDER BY at")
        return [Vote(pid, bool(helpful), platform, user, at) for pid, helpful, platform, user, at in rows]

    def gaps(self, limit: int = 10) -> list[Gap]:
        """Open gaps (not aliased or dismissed) of the retention period, most asked first."""
        since = self._since()
        with self._lock:
            rows = self._db.execute(
                f"SELECT terms, question, COUNT(*) FROM questions WHERE at >= ? AND ({OPEN}) AND terms != '' "
                f"AND {NOT_CLOSED} GROUP BY terms, question",
                (since,),
            ).fetchall()
            picks = self._db.execute(CHOSEN.format(since="?"), (since,)).fetchall()
        return group(rows, picks)[:limit]

    def find(self, gap: str) -> Gap | None:
        """A gap by its id, or by its number (1-based) in the current listing."""
        gap = gap.strip().lstrip("#")
        listing = self.gaps(limit=10_000)
        if gap.isdecimal():  # not isdigit: "²" is a digit int() refuses
            number = int(gap)
            return listing[number - 1] if 1 <= number <= len(listing) else None
        return next((g for g in listing if g.id == gap.lower()), None)

    def close_gap(self, keys: frozenset[str] | set[str], how: str) -> None:
        """Take these term sets off the gaps list (`how`: "dismissed" or "aliased"), as asked until now."""
        now = self._clock()
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO closed VALUES (?, ?, ?)", [(key, now, how) for key in keys])

    def most_asked(self, limit: int = 5) -> list[tuple[str, int, int]]:
        """(passage, questions it answered, how many of them with a hedge), most asked first."""
        rows = self._read(
            "SELECT passage_id, SUM(n) AS n, SUM(hedged) FROM questions WHERE at >= ? AND passage_id IS NOT NULL "
            "GROUP BY passage_id ORDER BY n DESC, passage_id LIMIT ?",
            limit,
        )
        return [(str(p), int(n), int(h)) for p, n, h in rows]

    def most_downvoted(
        self, limit: int = 5, current: Callable[[str], str | None] | None = None
    ) -> list[tuple[str, int]]:
        """(passage, 👎) most first: those given to its text as it is now (`current`: a passage's text)."""
        rows = self._read(DOWNVOTES.format(since="?"))
        return downvoted([(str(p), str(k), int(n)) for p, k, n in rows], current, limit)

    def fallback_by_day(self, days: int = 14) -> list[tuple[str, int, int, int]]:
        """(day, questions, unanswered, answered with a hedge) for the last `days` days that had
        questions, oldest first (none older than the retention period)."""
        rows = self._read(
            "SELECT day, SUM(n), SUM(passage_id IS NULL), SUM(hedged) FROM questions WHERE at >= ? "
            "GROUP BY day ORDER BY day",
            period=days * DAY,
        )
        return [(str(d), int(n), int(f), int(h)) for d, n, f, h in rows]

    def _read(self, sql: str, *params: object, period: float | None = None) -> list[Any]:
        """The rows of `sql`, whose first parameter is the oldest moment a read counts (`_since`)."""
        since = self._since(period)
        with self._lock:
            return self._db.execute(sql, (since, *params)).fetchall()

    def _since(self, period: float | None = None) -> float:
        """The oldest moment a read counts: `period` before now, never more than the retention period.
        The purge that deletes older rows runs at most once a day (at the first read or record after a
        day), and between two purges `kb gaps` listed a question up to a day past the period. Those
        rows are deleted first, once a day, unless the database is read-only (its readers skip them alike)."""
        now = self._clock() if self.read_only else self._now_purging()
        return now - (self.retention if period is None else min(period, self.retention))

    def _now_purging(self) -> float:
        now = self._clock()
        if now - self._purged >= DAY:
            self.purge()
        return now


def _reading(uri: str) -> sqlite3.Connection:
    """A connection to a database URI that has read from it (SQLite opens the file at the first query)."""
    db = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=5.0, isolation_level=None)
    try:
        db.execute("SELECT COUNT(*) FROM questions").fetchone()
    except BaseException:
        db.close()
        raise
    return db


def _day(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d")
