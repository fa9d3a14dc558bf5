"""The gaps database's SQLite connection (`bot.records.gaps.GapStore` holds it): opened writable, in WAL
mode with its tables made (`bot.records.sql.SQLITE_SCHEMA`) and the columns of later versions given to a
database an earlier one made; or, in a data folder the bot's user cannot write, only read.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from bot import datafiles
from bot.records import lists, sql


def open_writable(path: Path) -> sqlite3.Connection:
    """The database at `path`, made if missing, its tables and columns those of this version."""
    datafiles.make_file(path)  # 0600 when made, whatever the umask (its -wal and -shm follow it)
    db = sqlite3.connect(path, check_same_thread=False, timeout=5.0, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(sql.SQLITE_SCHEMA + lists.SQLITE_TABLE)
    _add_columns(db)
    return db


def open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection. A WAL database needs its `-shm` file, which a clean close deletes
    and a read-only folder cannot have made again: without a `-wal` file everything is in the
    database itself, which is then read as immutable (nothing here can change it)."""
    uri = "file:" + quote(str(path.absolute())) + "?mode=ro"
    try:
        return _reading(uri)
    except sqlite3.OperationalError:
        if path.with_name(path.name + "-wal").exists():
            raise  # changes not yet copied into the database itself, which immutable would miss
        return _reading(uri + "&immutable=1")


def _add_columns(db: sqlite3.Connection) -> None:
    """Give a database made by an earlier version the columns it lacks: `hedged` (hedged answers
    kept with their passage), `offered` and `picked` (the closest topics and the one pressed),
    `asked_in` (the message that asked), `asked_chat` (the chat it was asked in: of `counted` too); and of
    its votes, `text_key` (the text voted on). Another process opening it at the same moment may have given
    them already."""
    columns = {
        (table, row[1])
        for table in ("questions", "votes", "counted")
        for row in db.execute(f"PRAGMA table_info({table})")
    }
    for table, column, kind in sql.SQLITE_ADDED_COLUMNS:
        if (table, column) in columns:
            continue
        try:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):
                raise
    db.executescript(sql.SQLITE_ADDED_INDEXES)


def _reading(uri: str) -> sqlite3.Connection:
    """A connection to a database URI that has read from it (SQLite opens the file at the first query)."""
    db = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=5.0, isolation_level=None)
    try:
        db.execute("SELECT COUNT(*) FROM questions").fetchone()
    except BaseException:
        db.close()
        raise
    return db
