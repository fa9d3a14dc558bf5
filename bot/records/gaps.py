"""What goes unanswered: questions, their outcomes and 👍/👎, in an embedded SQLite database.

Only a keyed hash of the user id is stored (`bot.records.feedback.hash_user`, HMAC with the secret in
USER_KEY_FILE), never the id or a name; the wording is kept for unanswered questions only (answered
ones count towards their passage; a hedged answer is both: its passage counts, marked hedged, and its
wording stays a gap). Rows older than the retention period are deleted when the database is opened
and then once a day, and no read counts them meanwhile. Unanswered questions are grouped by their
analyzed terms (the same terms the index ranks with) into gaps, with a short id for `alias` and
`dismiss` (`bot.records.grouping`). The SQL, and the rules of the rows that PostgreSQL's record
(`bot.storage.records`) follows too, are in `bot.records.sql`; the connection's opening in `bot.records.connection`.

A member shown the closest topics who presses one within `PICK_WINDOW` marks it on that
question (`record_pick`): a gap then names the passages its askers chose, the likeliest id to
alias it to.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot import datafiles
from bot.keyfile import KeyFileError, load_or_create
from bot.records import lists, sql
from bot.records.connection import open_read_only, open_writable
from bot.records.feedback import Vote, hash_user, text_key
from bot.records.grouping import SIMILAR, Gap, find, gap_id, group, term_key
from bot.records.sql import DAY, SQLITE, chat_key, counted, counted_entry, keyed, message_key, offered_ids, storable
from bot.records.stats import Stats

log = logging.getLogger(__name__)

__all__ = ["SIMILAR", "Gap", "GapStore", "gap_id", "group", "term_key"]

FILE_NAME = "gaps.sqlite3"
# The secret the user pseudonyms are keyed with, beside the database: made 0600 on first start.
# Whoever has it (and the database) can test a known user id; without it, nobody can.
USER_KEY_FILE = "user-key"


class GapStore(Stats):
    """The database; thread-safe (one connection behind a lock), usable from several processes (WAL).
    `kb stats`' figures are read as `Stats` reads them, in SQLite's dialect.

    In a data folder the bot's user cannot write (a read-only mount), an existing database is opened
    read-only (`read_only`): `kb gaps` and `kb stats` read it, and every write fails with
    sqlite3.OperationalError ("attempt to write a readonly database"), which the service logs once.
    """

    dialect = SQLITE

    def __init__(
        self,
        folder: Path,
        *,
        retention_days: int = 90,
        clock: Callable[[], float] = time.time,
        max_unanswered: int = sql.MAX_UNANSWERED,
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
            self._db = open_read_only(self.path)
            log.warning("%s: the data folder is not writable, so the gaps database is only read", self.path)
            return
        self._db = open_writable(self.path)
        self.purge()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def purge(self) -> int:
        """Delete rows older than the retention period; returns how many went."""
        now = self._clock()
        cutoff = now - self.retention
        with self._lock:
            gone = sum(self._db.execute(SQLITE(sql.OLDER, table=table), (cutoff,)).rowcount for table in sql.PURGED)
            self._db.execute(SQLITE(sql.OLDER, table="counted"), (now - sql.EDITS_FOLLOWED,))
            self._db.execute(SQLITE(lists.PURGE), (now - lists.KEPT,))
            self._purged = now
        if gone:
            log.info("deleted %d question record rows older than %d days", gone, self.retention // DAY)
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
        chat: str = "",
    ) -> None:
        """One answered (with its passage) or unanswered (passage None) question; `hedged`: answered with
        its passage but not for sure, so its wording and terms are kept as for an unanswered one;
        `offered`: the closest topics an unanswered one was given (see `record_pick`); `message`: the
        chat's and the message's ids ("chat/message"; "" for none), which `forget_asked` finds it by;
        `chat`: the chat's id ("" for none), which `forget_chat` finds it by."""
        now = self._now_purging()
        row = (
            now, sql.day(now), storable(platform), hash_user(platform, user_id, self._key), storable(question[:500]),
            storable(term_key(terms)), None if passage_id is None else storable(passage_id), int(hedged),
            offered_ids(offered), message_key(platform, message, self._key), chat_key(platform, chat, self._key),
        )  # fmt: skip
        with self._lock:
            if counted(row):
                self._count(row)
                return
            self._db.execute(SQLITE(sql.INSERT_QUESTION), row)
            if passage_id is None or hedged:
                self._unanswered_since_trim += 1
                if self._unanswered_since_trim >= sql.TRIM_EVERY:
                    self._unanswered_since_trim = 0
                    self._trim()

    def _count(self, row: tuple[Any, ...]) -> None:
        """Count an answered question (under the lock): one more on its asker's row for its passage and
        day, or a row of its own; its message, if any, is kept in `counted` for `EDITS_FOLLOWED` (the
        rules: `bot.records.sql`)."""
        at, day, platform, who, passage_id = row[0], row[1], row[2], row[3], row[6]
        with self._immediate():
            if not self._db.execute(sql.SQLITE_COUNTED, (who, day, passage_id, platform)).rowcount:
                self._db.execute(SQLITE(sql.INSERT_QUESTION), (*row[:9], "", ""))
            if keyed(row):
                self._db.execute(SQLITE(sql.OLDER, table="counted"), (at - sql.EDITS_FOLLOWED,))
                self._db.execute(SQLITE(sql.INSERT_COUNTED), counted_entry(row))

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
        over = self._db.execute(f"SELECT COUNT(*) FROM questions WHERE {sql.WORDED}").fetchone()[0]
        over -= self.max_unanswered
        if over > 0:
            with self._immediate():
                (cutoff,) = self._db.execute(
                    f"SELECT at FROM questions WHERE {sql.WORDED} ORDER BY at LIMIT 1 OFFSET ?", (over - 1,)
                ).fetchone()
                self._db.execute(SQLITE(sql.TRIM_UNANSWERED), (cutoff,))
                self._db.execute(SQLITE(sql.TRIM_HEDGED), (cutoff,))
            log.warning("more than %d unanswered questions: the %d oldest were let go", self.max_unanswered, over)

    def keep_list(self, platform: str, user_id: str, at: float, shown: str) -> None:
        """Keep `shown` as the last gaps list `user_id` saw on `platform`, at `at` (`bot.records.lists`)."""
        with self._lock, self._immediate():
            lists.keep(self._db, SQLITE, (*self._moderator(platform, user_id), at, storable(shown)))

    def kept_list(self, platform: str, user_id: str) -> tuple[float, str] | None:
        """The last gaps list `user_id` saw on `platform` and when; None for none (or a read-only database of a
        version before this one, which has no lists)."""
        if self._lacks("gap_lists"):
            return None
        with self._lock:
            return lists.kept(self._db, SQLITE, self._moderator(platform, user_id))

    def _moderator(self, platform: str, user_id: str) -> tuple[str, str]:
        return storable(platform), hash_user(platform, user_id, self._key)

    def forget_asked(self, platform: str, message: str) -> None:
        """Forget what `message` ("chat/message") asked: it was edited, and what it asks now is recorded
        instead. `kb gaps` holds the words a member settled on, not their first try, and a question
        edited until it was answered is no gap (nor counted twice for its passage). An answered question
        counted on its asker's row leaves that row's count."""
        key = message_key(platform, message, self._key)
        if key:
            with self._lock, self._immediate():
                self._uncount("asked_in", key)
                self._db.execute(sql.SQLITE_FIRST_UNCOUNTED, (key,))
                self._db.execute(SQLITE(sql.FORGET_ASKED), (key,))

    def forget_chat(self, platform: str, chat: str) -> None:
        """Forget what was asked in `chat` (its id), which is gone (a deleted Discord thread, whose messages'
        deletions are never told), as `forget_asked` does a message's: its gaps, and its answered questions'
        counts of the last hour (an older count stays on its asker's row, which names no chat)."""
        key = chat_key(platform, chat, self._key)
        if key:
            with self._lock, self._immediate():
                self._uncount("asked_chat", key)
                self._db.execute(SQLITE(sql.FORGET_CHAT), (key,))

    def _uncount(self, column: str, key: str) -> None:
        """Take the answered questions whose `counted` entry holds `key` in `column` (FORGOTTEN_BY) off their rows."""
        assert column in sql.FORGOTTEN_BY
        rows = self._db.execute(
            f"SELECT user_hash, day, passage_id, platform FROM counted WHERE {column} = ?", (key,)
        ).fetchall()
        for who, day, passage_id, place in rows:  # a message of several questions: one off for each
            self._db.execute(sql.SQLITE_UNCOUNTED, (who, day, passage_id, place))
            self._db.execute(SQLITE(sql.EMPTIED), (place, who, day, passage_id))
        self._db.execute(f"DELETE FROM counted WHERE {column} = ?", (key,))

    def record_pick(self, platform: str, user_id: str, passage_id: str) -> None:
        """A member pressed one of the closest topics: it marks their latest unanswered question of
        the last `PICK_WINDOW` that offered it (a later press replaces an earlier one); a press that
        no such question offered marks nothing."""
        now = self._now_purging()
        who = hash_user(platform, user_id, self._key)
        with self._lock:
            self._db.execute(
                SQLITE(sql.PICK),
                (storable(passage_id), storable(platform), who, now - sql.PICK_WINDOW, now, storable(passage_id)),
            )

    def record_opened(self, platform: str, passage_id: str) -> None:
        """An answer opened from a link to its passage: one more on its count of the day (see `sql.INSERT_OPENED`)."""
        now = self._now_purging()
        row = (now, sql.day(now), storable(platform), storable(passage_id), 1)
        with self._lock:
            self._db.execute(SQLITE(sql.INSERT_OPENED), row)

    def record_vote(self, platform: str, user_id: str, passage_id: str, helpful: bool, text: str = "") -> None:
        """One vote per user and passage: a new one replaces the user's earlier vote (the last counts).
        `text`: the passage's text voted on, for which alone it counts (see `feedback.downvoted`)."""
        now = self._now_purging()
        who = hash_user(platform, user_id, self._key)
        row = (now, sql.day(now), storable(platform), who, storable(passage_id), int(helpful), text_key(text))
        with self._lock, self._immediate():  # the two statements are one change
            self._db.execute("DELETE FROM votes WHERE platform = ? AND user_hash = ? AND passage_id = ?", row[2:5])
            self._db.execute(SQLITE(sql.INSERT_VOTE), row)

    def votes(self) -> list[Vote]:
        """Every vote of the retention period, oldest first (user ids hashed)."""
        rows = self._read(SQLITE(sql.VOTES))
        return [Vote(pid, bool(helpful), platform, user, at) for pid, helpful, platform, user, at in rows]

    def gaps(self, limit: int = 10) -> list[Gap]:
        """Open gaps (not aliased or dismissed) of the retention period, most asked first."""
        since = self._since()
        with self._lock:
            rows = self._db.execute(SQLITE(sql.GAP_ROWS), (since,)).fetchall()
            picks = self._db.execute(SQLITE(sql.CHOSEN), (since,)).fetchall()
        return group(rows, picks)[:limit]

    def find(self, gap: str) -> Gap | None:
        """A gap by its id, or by its number (1-based) in the current listing."""
        return find(self.gaps(limit=10_000), gap)

    def close_gap(self, keys: frozenset[str] | set[str], how: str) -> None:
        """Take these term sets off the gaps list (`how`: "dismissed" or "aliased"), as asked until now."""
        now = self._clock()
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO closed VALUES (?, ?, ?)", [(key, now, how) for key in keys])

    def _lacks(self, table: str) -> bool:
        """Whether `table` is missing: only in a database only read here that an earlier version made (opening one
        writable gives it every table)."""
        if not self.read_only:
            return False
        with self._lock:
            found = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
            return found.fetchone() is None

    def _read(self, statement: str, *params: object, period: float | None = None) -> list[Any]:
        """The rows of `statement`, whose first parameter is the oldest moment a read counts (`_since`)."""
        since = self._since(period)
        with self._lock:
            return self._db.execute(statement, (since, *params)).fetchall()

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
