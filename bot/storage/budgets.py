"""Cooldown budgets in PostgreSQL: a user flooding two instances is limited as one.

`SharedCooldown` is a `Cooldown` whose buckets live in the `budgets` table; each check is one
atomic statement (INSERT ... ON CONFLICT DO UPDATE ... RETURNING) computed on the server's clock.
A member's bucket is keyed by their pseudonym, as their questions and votes are (`hash_user`, with
the database's secret), never by their platform id.
Answers never wait on the database: with no connection free within `wait` seconds, or an error,
the check falls back to this instance's own buckets (the parent class). Each shared check leaves
this instance's bucket of the key as the database has it, so a member who has spent their burst
does not get a fresh one from a fallback.

A database that is down (an error, a pool whose connection attempts fail, or checks that got no
connection for `stuck` seconds, none through and the pool lending none meanwhile) is logged once as
a WARNING, and the buckets are this instance's own for `pause` seconds at a time until a check gets
through ("shared ... again"). A busy pool is not that: every connection lent to other checks (a
flood of commands), none failing, checks getting through. Its check is this instance's own, the
next one tries the pool again, and an INFO line at most a minute says how many were (the database
is fine, nothing is lost: a pool too small for the load, if it comes every minute).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import cast

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.catalogue import counted
from bot.cooldown import Cooldown
from bot.records.feedback import hash_user
from bot.storage.database import CONNECT_TIMEOUT, Connection, user_key

log = logging.getLogger(__name__)

_NOW = "extract(epoch FROM statement_timestamp())"
_REFILLED = f"least(%(burst)s::float8, b.tokens + ({_NOW} - b.last) / %(interval)s)"

_ALLOW = f"""
INSERT INTO budgets AS b (key, tokens, last, told, result) VALUES (%(key)s, %(burst)s - 1, {_NOW}, false, true)
ON CONFLICT (key) DO UPDATE SET
    result = {_REFILLED} >= 1,
    tokens = {_REFILLED} - CASE WHEN {_REFILLED} >= 1 THEN 1 ELSE 0 END,
    told = b.told AND {_REFILLED} < %(burst)s,
    last = {_NOW}
RETURNING result, told, tokens"""

_TELL = f"""
INSERT INTO budgets AS b (key, tokens, last, told, result) VALUES (%(key)s, %(burst)s, {_NOW}, true, true)
ON CONFLICT (key) DO UPDATE SET
    result = NOT (b.told AND {_REFILLED} < %(burst)s),
    tokens = {_REFILLED},
    told = true,
    last = {_NOW}
RETURNING result"""

_TOLD = f"SELECT b.told AND {_REFILLED} < %(burst)s FROM budgets b WHERE key = %(key)s"
_WELCOME = "UPDATE budgets SET told = false WHERE key = %(key)s AND told"
_GIVE_BACK = "UPDATE budgets SET tokens = least(%(burst)s::float8, tokens + 1) WHERE key = %(key)s"

BUSY_EVERY = 60.0  # seconds: at most one line this often says that checks met a busy pool


class SharedCooldown(Cooldown):
    """Token buckets shared through PostgreSQL, under `scope` (so the user and chat limits never mix)."""

    def __init__(
        self,
        pool: ConnectionPool[Connection],
        *,
        scope: str,
        burst: int = 5,
        interval: float = 3.0,
        wait: float = 0.05,
        pause: float = 1.0,
        stuck: float = CONNECT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ):
        """`stuck`: seconds of checks that got no connection, none through, after which the pool is the
        database not answering (connections hung in their statements make no failed attempt), not busy."""
        super().__init__(burst=burst, interval=interval, clock=clock)
        self.pool = pool
        self.scope = scope
        self.wait = wait
        self.pause = pause
        self.stuck = stuck
        self._local_until = 0.0
        self._down = False
        self._state = threading.Lock()
        self._untold: set[str] = set()  # keys whose last `allow` here found them not told
        self._secret: bytes | None = None  # of the pseudonyms, read from the database on the first check
        self._errors = 0  # the pool's failed connection attempts when a check last got through
        self._no_connection: float | None = None  # when checks began to get none, since one got through
        self._lent = 0  # the connections the pool had lent (to anyone) when that began
        self._busy = 0  # checks that met a busy pool since the last line said so
        self._busy_said: float | None = None  # when that line was logged

    def allow(self, key: str) -> bool:
        row = self._row(_ALLOW, key)
        if row is None:
            return super().allow(key)
        allowed, told, tokens = row
        super().keep(key, cast(float, tokens), bool(told))  # a check that must fall back goes on from here
        if not told:  # not told: the `welcome` that follows has nothing to do (one round trip less)
            if len(self._untold) > self.max_keys:
                self._untold.clear()
            self._untold.add(key)
        return bool(allowed)

    def tell(self, key: str) -> bool:
        result = self._one(_TELL, key)
        return super().tell(key) if result is None else result

    def told(self, key: str) -> bool:
        result = self._one(_TOLD, key)
        return super().told(key) if result is None else result

    def welcome(self, key: str) -> None:
        if key in self._untold:
            self._untold.discard(key)
            return
        if self._one(_WELCOME, key) is None:
            super().welcome(key)

    def give_back(self, key: str) -> None:
        self._one(_GIVE_BACK, key)
        super().give_back(key)  # this instance's bucket, kept in step with the database's (see `allow`)

    def _one(self, statement: str, key: str) -> bool | None:
        """The statement's boolean (False when it returned no row); None: use the local buckets."""
        row = self._row(statement, key)
        return None if row is None else bool(row[0]) if row else False

    def _row(self, statement: str, key: str) -> tuple[object, ...] | None:
        """The statement's row (empty when it returned none); None: use the local buckets."""
        self._untold.discard(key)
        if time.monotonic() < self._local_until:
            return None
        try:
            with self.pool.connection(timeout=self.wait) as conn:
                self._secret = secret = self._secret or user_key(conn)
                burst, interval = float(self.burst), max(self.interval, 1e-9)
                params = {"key": self._row_key(key, secret), "burst": burst, "interval": interval}
                cursor = conn.execute(statement, params)
                row = cursor.fetchone() if cursor.description else None
        except PoolTimeout as exc:  # every connection lent, or none can be made: the pool's attempts tell
            if self._down or self._connection_errors() > self._errors or self._stuck():
                self._fall_back(exc)
            else:
                self._met_busy()
            return None
        except psycopg.Error as exc:
            self._fall_back(exc)
            return None
        self._errors, self._no_connection = self._connection_errors(), None
        if self._down:
            self._down = False
            log.warning("cooldown budgets are shared through the database again")
        return tuple(row) if row else ()

    def _connection_errors(self) -> int:
        """How many of the pool's attempts to connect have failed so far (psycopg_pool counts them)."""
        return self.pool.get_stats().get("connections_errors", 0)

    def _stuck(self) -> bool:
        """Whether checks have got no connection for `stuck` seconds, none through meanwhile, and the pool lent
        none to anyone meanwhile either: connections lent since are a pool that moves, busy (the window had
        spanned an idle while after a flood, and the next flood's first busy check was taken for an outage)."""
        now, stats = time.monotonic(), self.pool.get_stats()
        lent = stats.get("requests_num", 0) - stats.get("requests_errors", 0)  # requests that got a connection
        with self._state:
            if self._no_connection is None or lent != self._lent:
                self._no_connection, self._lent = now, lent
            return now - self._no_connection > self.stuck

    def _met_busy(self) -> None:
        """A check met every connection busy and no attempt failing: this instance's own, said at most a minute."""
        with self._state:
            self._busy += 1
            now = self.clock()
            if self._busy_said is not None and now - self._busy_said < BUSY_EVERY:
                return
            checks, self._busy, self._busy_said = self._busy, 0, now
        were = "was" if checks == 1 else "were"
        log.info(
            "cooldown budgets: every connection of the pool was busy, so %s %s this instance's own "
            "(the database is up; a line a minute at most)", counted(checks, "check"), were,
        )  # fmt: skip

    def _row_key(self, key: str, secret: bytes) -> str:
        """The row of `key` ("platform:id"): the scope and the pseudonym, as questions and votes have it."""
        platform, _, who = key.partition(":")
        return f"{self.scope}:{hash_user(platform, who, secret)}"

    def _fall_back(self, exc: Exception) -> None:
        with self._state:
            self._local_until = time.monotonic() + self.pause
            if not self._down:
                self._down = True
                log.warning("cooldown budgets are this instance's own until the database is back: %s", exc)
