"""Each moderator's last `kb gaps` list, as the gaps database keeps it: one row a moderator, shared by every
instance on the database and read again after a restart.

What a list says (its numbered gaps) is `bot.curation.listings`' to write and read; here it is only text,
kept under the moderator's pseudonym (the keyed hash of platform and user id, as their questions are), with the
moment it was shown. A moderator's next list replaces theirs. At most MAX_LISTS are kept (the one shown longest
ago goes first), and the daily purge deletes a list KEPT after it was shown: it no longer decides anything by
then, and it quotes what members asked, which a deleted message takes out of the questions but not out of a list.
The SQL is written once for SQLite (`bot.records.gaps`) and PostgreSQL (`bot.storage.records`, its table made
by migration 0015).
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.records.sql import DAY, Dialect

MAX_LISTS = 64  # lists kept at once; the one shown longest ago is deleted first
KEPT = 7 * DAY  # a list is deleted at the first daily purge this long after it was shown

SQLITE_TABLE = """
CREATE TABLE IF NOT EXISTS gap_lists (
    platform TEXT NOT NULL, user_hash TEXT NOT NULL, at REAL NOT NULL, shown TEXT NOT NULL,
    PRIMARY KEY (platform, user_hash)
);
"""
# (platform, user, at, shown): the moderator's list, replacing theirs
KEEP = (
    "INSERT INTO gap_lists (platform, user_hash, at, shown) VALUES ({p}, {p}, {p}, {p})"
    " ON CONFLICT (platform, user_hash) DO UPDATE SET at = excluded.at, shown = excluded.shown"
)
# (limit): all but the `limit` lists shown last
BOUND = (
    "DELETE FROM gap_lists WHERE (platform, user_hash) NOT IN"
    " (SELECT platform, user_hash FROM gap_lists ORDER BY at DESC LIMIT {p})"
)
# (platform, user) -> (at, shown)
KEPT_LIST = "SELECT at, shown FROM gap_lists WHERE platform = {p} AND user_hash = {p}"
# (cutoff): the lists shown before it, at the daily purge
PURGE = "DELETE FROM gap_lists WHERE at < {p}"


class Executes(Protocol):
    """A connection of either database: SQLite's, or psycopg's."""

    def execute(self, query: Any, params: Any, /) -> Any: ...


def keep(db: Executes, dialect: Dialect, row: tuple[str, str, float, str]) -> None:
    """Keep a list, `row` (platform, pseudonym, moment shown, the list as text), in one transaction of the caller's."""
    db.execute(dialect(KEEP), row)
    db.execute(dialect(BOUND), (MAX_LISTS,))


def kept(db: Executes, dialect: Dialect, who: tuple[str, str]) -> tuple[float, str] | None:
    """The list of `who` (platform, pseudonym) and the moment it was shown, or None."""
    found = db.execute(dialect(KEPT_LIST), who).fetchone()
    return None if found is None else (float(found[0]), str(found[1]))
