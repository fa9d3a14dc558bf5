"""The record's SQL and the rules its rows follow, written once for SQLite (`bot.records.gaps`) and
PostgreSQL (`bot.storage.records`).

A statement both databases run is one template: `{p}` stands for a parameter, and `SQLITE(...)` or
`POSTGRES(...)` gives the statement as it runs there (`Dialect`: what else differs is a row's own id
and the function that finds a text in another). A statement that differs in more than its dialect
is written out for each, side by side, under the rule it serves. How a value is stored (`storable`,
`message_key`, `chat_key`, `offered_ids`, `day`) is here too. PostgreSQL's tables are made by its migrations
(`bot/storage/migrations/`), SQLite's here (`SQLITE_SCHEMA`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.records.feedback import hash_user

DAY = 86400.0
# Unanswered questions kept at most (anyone can add them): past it, the oldest go first.
MAX_UNANSWERED = 50_000
TRIM_EVERY = 256  # unanswered questions recorded between two checks of the bound
# A press of one of the closest topics counts for the asker's unanswered question of at most this
# long ago that offered it (the buttons stay under the reply; a press a day later is another matter).
PICK_WINDOW = 3600.0


@dataclass(frozen=True)
class Dialect:
    """What differs between SQLite's form of a statement and PostgreSQL's, where nothing else does."""

    p: str  # a parameter
    row: str  # a row's own id
    contains: str  # where a text stands in another, 0 if nowhere (both take the text searched first)

    def __call__(self, template: str, **names: str) -> str:
        """The statement `template` as this database runs it (`names`: other fields, such as a table)."""
        return template.format(p=self.p, row=self.row, contains=self.contains, **names)


SQLITE = Dialect(p="?", row="rowid", contains="instr")
POSTGRES = Dialect(p="%s", row="ctid", contains="strpos")

QUESTION_COLUMNS = "at, day, platform, user_hash, question, terms, passage_id, hedged, offered, asked_in"
VOTE_COLUMNS = "at, day, platform, user_hash, passage_id, helpful, text_key"
COUNTED_COLUMNS = "at, asked_in, platform, user_hash, day, passage_id"
# A question's row is QUESTION_COLUMNS and then `asked_chat` (the chat it was asked in, `forget_chat`), as a
# `counted` entry is COUNTED_COLUMNS and then `asked_chat`: an instance of the version before, which inserts
# the ten (or six) columns, leaves it '' (PostgreSQL's migration 0013).
INSERT_QUESTION = (
    "INSERT INTO questions (" + QUESTION_COLUMNS + ", asked_chat)"
    " VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
)
INSERT_VOTE = "INSERT INTO votes (" + VOTE_COLUMNS + ") VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})"
# Rows older than the retention period (`{table}`: questions, votes, closed, opened), and `counted` past EDITS_FOLLOWED.
OLDER = "DELETE FROM {table} WHERE at < {p}"
PURGED = ("questions", "votes", "closed", "opened")
# An answer opened from a link to its passage (Telegram's t.me/<bot>?start=<id>): shown, but no question asked,
# so no row of `questions` (neither asked nor unanswered). One row per day, platform and passage counts them,
# its `at` the day's first, and names no one; `kb stats` lists them apart: (moment, day, platform, passage, count).
INSERT_OPENED = (
    "INSERT INTO opened (at, day, platform, passage_id, n) VALUES ({p}, {p}, {p}, {p}, {p})"
    " ON CONFLICT (day, platform, passage_id) DO UPDATE SET n = opened.n + excluded.n"
)
# (passage, times opened) of the retention period, most first: (since, how many)
MOST_OPENED = (
    "SELECT passage_id, SUM(n) AS n FROM opened WHERE at >= {p} GROUP BY passage_id ORDER BY n DESC, passage_id"
    " LIMIT {p}"
)

# The questions whose wording is kept and that make gaps: unanswered, or answered with a hedge
# (the same SQL in SQLite, where `hedged` is 0 or 1, and in PostgreSQL, where it is a boolean).
OPEN = "passage_id IS NULL OR hedged"
# Not closed since it was asked: dismissing or aliasing a gap closes the questions asked until then,
# and one asked again later and still not answered is a gap again (else `kb gaps` said "No unanswered
# questions recorded" for good while members got "I don't know" after its passage was removed).
NOT_CLOSED = "NOT EXISTS (SELECT 1 FROM closed WHERE closed.terms = questions.terms AND closed.at >= questions.at)"
# (term set, wording, times asked) of the open questions asked since the cutoff (see `GapStore._since`)
GAP_ROWS = (
    f"SELECT terms, question, COUNT(*) FROM questions WHERE at >= {{p}} AND ({OPEN}) AND terms != ''"
    f" AND {NOT_CLOSED} GROUP BY terms, question"
)
# (term set, passage, presses) of the open questions' closest topics pressed, asked since the cutoff
CHOSEN = (
    f"SELECT terms, picked, COUNT(*) FROM questions WHERE at >= {{p}} AND ({OPEN}) AND terms != ''"
    f" AND picked IS NOT NULL AND {NOT_CLOSED} GROUP BY terms, picked"  # a gap open again counts its own presses only
)
# The asker's latest question within the window that offered the passage pressed marks it:
# (passage, platform, user, since, until, passage).
PICK = (
    "UPDATE questions SET picked = {p} WHERE {row} = (SELECT {row} FROM questions WHERE platform = {p}"
    " AND user_hash = {p} AND at >= {p} AND at <= {p} AND passage_id IS NULL"
    " AND {contains}(offered, ' ' || {p} || ' ') > 0 ORDER BY at DESC LIMIT 1)"
)
VOTES = "SELECT passage_id, helpful, platform, user_hash, at FROM votes WHERE at >= {p} ORDER BY at"
# (passage, text voted on, 👎) of the retention period, for `feedback.downvoted`
DOWNVOTES = "SELECT passage_id, text_key, COUNT(*) FROM votes WHERE at >= {p} AND NOT helpful GROUP BY 1, 2"
# `kb stats`: a row stands for `n` questions (the counted rows below; NULL on a PostgreSQL row of one question that
# an instance of the version before wrote, 1 on SQLite's others), and `hedged` is 0 or 1 in SQLite, a boolean in
# PostgreSQL: CASE reads both. (passage, questions it answered, how many with a hedge), most first: (since, limit).
MOST_ASKED = (
    "SELECT passage_id, SUM(COALESCE(n, 1)) AS n, COUNT(CASE WHEN hedged THEN 1 END) FROM questions"
    " WHERE at >= {p} AND passage_id IS NOT NULL GROUP BY passage_id ORDER BY n DESC, passage_id LIMIT {p}"
)
# (day, questions, unanswered, answered with a hedge) of each day since the cutoff, oldest first.
BY_DAY = (
    "SELECT day, SUM(COALESCE(n, 1)), COUNT(CASE WHEN passage_id IS NULL THEN 1 END),"
    " COUNT(CASE WHEN hedged THEN 1 END) FROM questions WHERE at >= {p} GROUP BY day ORDER BY day"
)
# Past MAX_UNANSWERED, the oldest worded questions up to a moment (`{p}`) let their wording go: an
# unanswered one goes whole, a hedged one keeps its count for its passage.
WORDED = f"({OPEN}) AND question != ''"
TRIM_UNANSWERED = f"DELETE FROM questions WHERE {WORDED} AND passage_id IS NULL AND at <= {{p}}"
TRIM_HEDGED = f"UPDATE questions SET question = '', terms = '' WHERE {WORDED} AND at <= {{p}}"
# The questions a message asked, found again when it is edited (`forget_asked`): a keyed hash of its chat and
# message ids, like the user's (with the ids, the wording would lead to who asked); '' where there is no message.
FORGET_ASKED = "DELETE FROM questions WHERE asked_in = {p} AND asked_in != ''"
# The questions asked in a chat that is gone (`forget_chat`: a deleted Discord thread or channel, whose messages'
# deletions Discord never tells): a keyed hash of the chat's id, as the message's is; '' where there is no chat.
FORGET_CHAT = "DELETE FROM questions WHERE asked_chat = {p} AND asked_chat != ''"
# How a `counted` entry is found: by its message (an edit, a deletion) or by its chat (one gone).
FORGOTTEN_BY = ("asked_in", "asked_chat")


def storable(text: str) -> str:
    """`text` as SQLite can store it: a lone surrogate (which UTF-8 cannot encode) becomes "?"
    (PostgreSQL takes no NUL either: `bot.storage.records` replaces it too)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def message_key(platform: str, message: str, key: bytes) -> str:
    """How the message a question was asked in ("chat/message") is stored: keyed, as a user is; "" for none."""
    return hash_user(platform, f"message {message}", key) if message else ""


def chat_key(platform: str, chat: str, key: bytes) -> str:
    """How the chat a question was asked in (its id) is stored: keyed, as its message is; "" for none."""
    return hash_user(platform, f"chat {chat}", key) if chat else ""


def offered_ids(passage_ids: Sequence[str]) -> str:
    """The closest topics offered, as stored: " a b c " (ids never hold a space), "" for none."""
    return f" {' '.join(passage_ids)} " if passage_ids else ""


def day(at: float) -> str:
    """The day (UTC) a row of moment `at` counts on."""
    return time.strftime("%Y-%m-%d", time.gmtime(at))


# -- the counted rows -------------------------------------------------------------------------------
# An answered question (not hedged, its wording not kept: `counted`) counts on its asker's row for that
# passage and day: one row per member, passage and day with a count `n`. What the stats need is bounded
# by members, passages and days, not by how often one member asks (each had been a row of its own, 2.6
# million in 90 days for one account asking at its cooldown). That row holds no message key: which
# message each question was counted from is in `counted` (`counted_entry`), kept EDITS_FOLLOWED, and an
# edit of that message takes the question's count off the row it was counted on (the row goes at 0).
# The write order is fixed: the row's count first, then its `counted` entry; PostgreSQL counts a batch's
# rows sorted by (platform, user, day, passage), so that two instances' batches wait on each other and
# never deadlock (SQLite writes one question a transaction, under its write lock).
# The adapters follow an edit for 15 minutes (adapters/answered.py): past this only the count stays
# (a key kept longer would be a row a question again).
EDITS_FOLLOWED = 3600.0
INSERT_COUNTED = "INSERT INTO counted (" + COUNTED_COLUMNS + ", asked_chat) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})"
# The row gone once it counts none: (platform, user, day, passage). Only a row counted on holds 0 or less.
EMPTIED = (
    "DELETE FROM questions WHERE platform = {p} AND user_hash = {p} AND day = {p} AND passage_id = {p}"
    " AND n IS NOT NULL AND question = '' AND NOT hedged AND n <= 0"
)

# SQLite finds the row to count on (the largest, should a database of an earlier version hold several),
# and inserts the question as a row of its own when there is none: (user, day, passage, platform).
SQLITE_COUNTING_ROW = (
    "SELECT rowid FROM questions WHERE user_hash = ? AND day = ? AND passage_id = ? AND platform = ? AND question = ''"
    " AND hedged = 0 AND asked_in = '' ORDER BY n DESC LIMIT 1"
)
SQLITE_COUNTED = f"UPDATE questions SET n = n + 1 WHERE rowid = ({SQLITE_COUNTING_ROW})"
SQLITE_UNCOUNTED = f"UPDATE questions SET n = n - 1 WHERE rowid = ({SQLITE_COUNTING_ROW})"
# A row counted on first by a session 25 database holds its first message's key: an edit of that message takes
# one off its count (it had deleted the row, and every question counted on it).
SQLITE_FIRST_UNCOUNTED = "UPDATE questions SET n = n - 1, asked_in = '' WHERE asked_in = ? AND n > 1"
# PostgreSQL's row is unique (migration 0012's key; `n` is NULL on a row of one question, which an instance
# of the version before writes): (at, day, platform, user, passage), its wording '' and no message key.
POSTGRES_COUNTED = (
    f"INSERT INTO questions ({QUESTION_COLUMNS}, n) VALUES (%s, %s, %s, %s, '', '', %s, false, '', '', 1)"
    " ON CONFLICT (platform, user_hash, day, passage_id) WHERE n IS NOT NULL AND question = '' AND NOT hedged"
    " DO UPDATE SET n = questions.n + 1"
)
# (questions it counted, platform, user, day, passage) off the row.
POSTGRES_UNCOUNTED = (
    "UPDATE questions SET n = n - %s WHERE platform = %s AND user_hash = %s AND day = %s AND passage_id = %s"
    " AND n IS NOT NULL AND question = '' AND NOT hedged"
)


def counted(row: Sequence[Any]) -> bool:
    """Whether a question row (in QUESTION_COLUMNS' order) counts on its asker's row: answered, without
    a hedge, its wording not kept. Any other is a row of its own."""
    return row[6] is not None and not row[7] and not row[4]


def counted_entry(row: Sequence[Any]) -> tuple[Any, ...]:
    """The `counted` row (COUNTED_COLUMNS' order, then `asked_chat`) of a question counted on a row, whose
    message's and chat's keys it holds."""
    return (row[0], row[9], row[2], row[3], row[1], row[6], row[10])


def keyed(row: Sequence[Any]) -> bool:
    """Whether a question counted on a row is kept in `counted`: it has a message or a chat to be forgotten by."""
    return bool(row[9] or row[10])


def count_order(row: Sequence[Any]) -> tuple[Any, ...]:
    """The order counted questions are written in: by the row they count on, (platform, user, day, passage)."""
    return (row[2], row[3], row[1], row[6], row[0])


# SQLite's tables, made when `GapStore` opens its database (`bot.records.connection`; columns added since are in
# SQLITE_ADDED_COLUMNS: a database an earlier version made gets them when opened).
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    at REAL NOT NULL, day TEXT NOT NULL, platform TEXT NOT NULL, user_hash TEXT NOT NULL,
    question TEXT NOT NULL, terms TEXT NOT NULL, passage_id TEXT, hedged INTEGER NOT NULL DEFAULT 0,
    offered TEXT NOT NULL DEFAULT '', picked TEXT, asked_in TEXT NOT NULL DEFAULT '',
    asked_chat TEXT NOT NULL DEFAULT ''
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
    passage_id TEXT NOT NULL, asked_chat TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS counted_asked_in ON counted (asked_in);
CREATE INDEX IF NOT EXISTS counted_at ON counted (at);
CREATE TABLE IF NOT EXISTS opened (
    at REAL NOT NULL, day TEXT NOT NULL, platform TEXT NOT NULL, passage_id TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (day, platform, passage_id)
);
CREATE INDEX IF NOT EXISTS opened_at ON opened (at);
"""
SQLITE_ADDED_COLUMNS = (
    ("questions", "hedged", "INTEGER NOT NULL DEFAULT 0"), ("questions", "offered", "TEXT NOT NULL DEFAULT ''"),
    ("questions", "picked", "TEXT"), ("questions", "asked_in", "TEXT NOT NULL DEFAULT ''"),
    ("votes", "text_key", "TEXT NOT NULL DEFAULT ''"),
    ("questions", "n", "INTEGER NOT NULL DEFAULT 1"),  # answered questions a row counts
    ("questions", "asked_chat", "TEXT NOT NULL DEFAULT ''"), ("counted", "asked_chat", "TEXT NOT NULL DEFAULT ''"),
)  # fmt: skip
SQLITE_ADDED_INDEXES = """
CREATE INDEX IF NOT EXISTS questions_asked_in ON questions (asked_in) WHERE asked_in != '';
CREATE INDEX IF NOT EXISTS questions_asked_chat ON questions (asked_chat) WHERE asked_chat != '';
CREATE INDEX IF NOT EXISTS counted_asked_chat ON counted (asked_chat) WHERE asked_chat != '';
"""
