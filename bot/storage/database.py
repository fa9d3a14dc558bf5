"""A PostgreSQL database named by `database_url`: its connection pool, the schema's state.

psycopg 3 with `psycopg_pool`: connections are checked before they are handed out, so a
connection the server dropped (a restart, `pg_terminate_backend`) is replaced, not used.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from bot.catalogue import N_
from bot.knowledge.folder import readable_name
from bot.storage import migrations

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3  # seconds to reach the server before a change is refused
# A line that dies without a word (a lost route, a dead NAT or proxy: no reset ever comes) is noticed in about
# 5 s rather than at the kernel's retransmissions, some 15 minutes: TCP keepalives find an idle connection dead,
# and tcp_user_timeout (ms) fails a statement whose bytes go unacknowledged. libpq's parameters, given to every
# pooled connection (the knowledge's and the cooldown budgets', on the answer path), the follower's, and one
# command's (`connect`: a start's check of the schema, doctor's, `db migrate`).
LINE_CHECKS: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 2,
    "keepalives_interval": 1,
    "keepalives_count": 3,
    "tcp_user_timeout": 5000,
}
# What to do about a database without knowledge, on which the bot does not start (its error, and doctor's)
SEED_IT = "seed it from a knowledge folder with `python -m bot db init --seed --knowledge DIR`"
# ... and about one whose knowledge does not load (a row written by hand, or by another version)
MEND_IT = "mend it: `python -m bot kb export DIR`, correct that file in DIR, then `python -m bot kb push DIR`"


def not_served(names: Sequence[str]) -> str:
    """The warning that the database holds sources no instance reads (a hidden `.faq.yaml`, pushed by a
    version that read hidden files), and what to do: said in the log at start and by `doctor`."""
    is_, its, them = ("is", "its", "it") if len(names) == 1 else ("are", "their", "them")
    renamed = _listed([readable_name(name) for name in names])
    return (
        f"the database's {_listed(names)} {is_} not read (hidden), so {its} passages are not served: "
        f"rename {them} {renamed} (`kb export DIR`, rename {them} there, `kb push DIR`)"
    )


def _listed(names: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


UNAVAILABLE = N_("The database is not reachable right now, so changes are refused (answers go on); try again soon.")

Connection = psycopg.Connection[TupleRow]
_USER_KEY = "user-key"  # its name in `secrets`


@dataclass(frozen=True)
class Status:
    """The migrations applied to the database, and the latest this version of the bot has."""

    applied: tuple[int, ...]
    latest: int

    @property
    def current(self) -> bool:
        """Whether this version can run on the schema: all its migrations are applied. A newer schema
        (a newer version migrated it, in a rolling upgrade) is fine too: migrations only add (see
        `bot.storage.migrations`), so what this version reads and writes is still there."""
        return bool(self.applied) and self.applied[-1] >= self.latest

    @property
    def newer(self) -> bool:
        return bool(self.applied) and self.applied[-1] > self.latest

    def line(self) -> str:
        if not self.applied:
            return f"schema: not initialised (run `python -m bot db init`); latest migration {self.latest:04d}"
        if self.newer:
            state = "newer than this version of the bot, which runs on it (migrations only add); upgrade the bot"
        else:
            state = "up to date" if self.current else "behind (run `python -m bot db migrate`)"
        return f"schema version {self.applied[-1]:04d}, latest {self.latest:04d}: {state}"


def connect(url: str) -> Connection:
    """One connection (autocommit) for a command, with the line checks; raises psycopg.Error."""
    return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT, **LINE_CHECKS)


def status(conn: Connection) -> Status:
    return Status(tuple(migrations.applied(conn)), migrations.latest())


def user_key(conn: Connection) -> bytes:
    """The shared secret of the members' pseudonyms (questions, votes, cooldown budgets), made by the first
    instance that needs it; made durably also through a connection whose commits do not wait for the disk."""
    with conn.transaction():
        conn.execute("SET LOCAL synchronous_commit = on")
        conn.execute(
            "INSERT INTO secrets (name, value) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
            (_USER_KEY, secrets.token_bytes(32)),
        )
        row = conn.execute("SELECT value FROM secrets WHERE name = %s", (_USER_KEY,)).fetchone()
    assert row is not None  # inserted just now, or by another instance before
    return bytes(row[0])


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an unparsable URL)"
    host, port = info.get("host") or "localhost", info.get("port") or 5432
    return f"postgresql://{info.get('user') or ''}@{host}:{port}/{info.get('dbname') or ''}"


def _not_durable(conn: Connection) -> None:
    conn.execute("SET synchronous_commit = off")


class Database:
    """The pool every Service call that writes shares; opened at start-up, closed at shutdown."""

    def __init__(
        self, url: str, *, max_size: int = 4, timeout: float = CONNECT_TIMEOUT, check: bool = True, durable: bool = True
    ):
        """`check`: test each connection before handing it out (one round trip more; a dropped one is
        then replaced rather than failing its first statement). `durable=False`: commits do not wait
        for the disk (for the cooldown budgets, where losing the last moment's counts is harmless)."""
        self.url = url
        self.pool: ConnectionPool[Connection] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            timeout=timeout,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT, **LINE_CHECKS},
            check=ConnectionPool.check_connection if check else None,
            configure=None if durable else _not_durable,
            open=False,
            name="qabot",
        )
        self.pool.open(wait=False)

    def close(self) -> None:
        self.pool.close()
