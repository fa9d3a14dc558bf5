"""A batch of queued records as PostgreSQL's record (`bot.storage.records.PostgresGapStore`) writes it, in
the one transaction of a flush: each row hashed with the database's secret, the questions inserted or counted, a
message's or chat's questions forgotten, a vote that replaces the user's earlier one, the answers opened from a
link counted. The statements and the rules of their rows are `bot.records.sql`'s.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from typing import Any

import psycopg

from bot.records import sql
from bot.records.feedback import hash_user
from bot.records.sql import POSTGRES, chat_key, count_order, counted, counted_entry, keyed, message_key

# One vote per user and passage (migration 0009's key): a newer one replaces the user's earlier vote,
# and an older one, written late (its instance queued it while the database was away), does not
# replace a newer one: the last press counts, whichever instance writes it first.
# The text voted on goes with it (migration 0011), for which alone it counts.
_LAST_VOTE_COUNTS = (
    " ON CONFLICT (platform, user_hash, passage_id) DO UPDATE SET at = EXCLUDED.at, day = EXCLUDED.day,"
    " helpful = EXCLUDED.helpful, text_key = EXCLUDED.text_key WHERE votes.at <= EXCLUDED.at"
)
INSERTS = {"questions": POSTGRES(sql.INSERT_QUESTION), "votes": POSTGRES(sql.INSERT_VOTE) + _LAST_VOTE_COUNTS}


def write_questions(cur: psycopg.Cursor[Any], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert these questions (hashed, as `hashed` makes them): an answered one counts on its asker's row
    for its passage and day, its message kept in `counted`; any other is a row of its own (the rules and
    their order: `bot.records.sql`)."""
    own = [row for row in rows if not counted(row)]
    if own:
        cur.executemany(INSERTS["questions"], own)
    counts = sorted((row for row in rows if counted(row)), key=count_order)
    if counts:
        cur.executemany(sql.POSTGRES_COUNTED, [(row[0], row[1], row[2], row[3], row[6]) for row in counts])
        entries = [counted_entry(row) for row in counts if keyed(row)]
        if entries:
            cur.executemany(POSTGRES(sql.INSERT_COUNTED), entries)


def write_opened(cur: psycopg.Cursor[Any], rows: Sequence[tuple[Any, ...]]) -> None:
    """Count these answers opened from a link, each day's count of a passage once in a batch and in one order
    (day, platform, passage), so that two instances' batches wait on each other and never deadlock."""
    opened: dict[tuple[Any, ...], list[Any]] = {}  # (day, platform, passage) -> [its first moment, its count]
    for at, day, place, passage_id in rows:
        opened.setdefault((day, place, passage_id), [at, 0])[1] += 1
    if opened:
        cur.executemany(POSTGRES(sql.INSERT_OPENED), [(at, *key, n) for key, (at, n) in sorted(opened.items())])


# What a queued forgetting finds its rows by: a message's key (an edit, a deletion) or a chat's (one gone).
FORGETTING = {"forgets": "asked_in", "forgotten chats": "asked_chat"}
_FORGOTTEN = {"asked_in": sql.FORGET_ASKED, "asked_chat": sql.FORGET_CHAT}


def forget(cur: psycopg.Cursor[Any], column: str, key: str) -> None:
    """`GapStore.forget_asked` (`column` asked_in) or `forget_chat` (asked_chat) on PostgreSQL: the answered
    questions of the message or chat `key` leave the rows they were counted on, and the rows it asked of its
    own (gaps, and answered ones the version before wrote) go."""
    gone = cur.execute(
        f"DELETE FROM counted WHERE {column} = %s RETURNING platform, user_hash, day, passage_id", (key,)
    ).fetchall()
    for row, questions in collections.Counter(gone).items():  # a message of several questions: one off for each
        cur.execute(sql.POSTGRES_UNCOUNTED, (questions, *row))
        cur.execute(POSTGRES(sql.EMPTIED), row)
    cur.execute(POSTGRES(_FORGOTTEN[column]), (key,))


def hashed(name: str, row: tuple[Any, ...], key: bytes) -> tuple[Any, ...]:
    """A queued row as written: the user's pseudonym and the message's and chat's keys are made here, with
    the database's secret (the queue holds the platform's ids only in memory, never on disk)."""
    if name == "forgets":
        return (message_key(row[0], row[1], key),)
    if name == "forgotten chats":
        return (chat_key(row[0], row[1], key),)
    if name == "opened":  # no one's pseudonym: a link opened is counted for its passage alone
        return row
    row = (*row[:3], hash_user(row[3][0], row[3][1], key), *row[4:])
    if name != "questions":
        return row
    return (*row[:9], message_key(row[9][0], row[9][1], key), chat_key(row[10][0], row[10][1], key))
