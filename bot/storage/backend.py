"""The PostgreSQL backend as the Service holds it: pool, store, replica and follower together.

Imported only when `database_url` is set, so the default needs neither psycopg nor a server.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from typing import Any

import psycopg

from bot.answering import Answerer
from bot.config import ChatCooldownSettings, CooldownSettings
from bot.knowledge import KnowledgeError
from bot.storage.budgets import SharedCooldown
from bot.storage.database import SEED_IT, Database, connect, redacted, status
from bot.storage.postgres import PostgresStore
from bot.storage.records import PostgresGapStore
from bot.storage.replica import SCRATCH_ROOM, Follower, Replica, scratch_folder

log = logging.getLogger(__name__)


class BackendError(Exception):
    """The database cannot be used at start-up; the message says why, without the password."""


class PostgresBackend:
    def __init__(
        self,
        url: str,
        *,
        workers: int | None = None,
        retry: float = 1.0,
        retention_days: int = 90,
        reload_timeout: float | None = None,
    ):
        """`reload_timeout`: seconds a reload while answering may take (see `Replica`; None: no limit)."""
        self.url = url
        self.database = Database(url)
        self.budgets = Database(url, max_size=8, check=False, durable=False)  # cooldown checks: one trip each
        self.store = PostgresStore(self.database, scratch_folder())
        self.replica = Replica(self.store, workers=workers, time_limit=reload_timeout)
        self.retention_days = retention_days
        self.records: PostgresGapStore | None = None  # opened once the schema is known to be there
        self.retry = retry
        self.follower: Follower | None = None
        self.behind = False  # the last catch-up could not read the database

    def load(self) -> Answerer:
        """The knowledge as an index; raises BackendError when the database cannot give it."""
        where = redacted(self.url)
        try:
            with connect(self.url) as conn:
                state = status(conn)
            if not state.current:
                raise BackendError(f"{where}: {state.line()}")
            return self.replica.load()
        except psycopg.Error as exc:
            raise BackendError(f"cannot load the knowledge from {where}: {_first_line(exc)}") from exc
        except OSError as exc:  # a full disk: one line, as for every start that fails (the copy is removed)
            shutil.rmtree(self.store.directory, ignore_errors=True)
            raise BackendError(f"cannot copy the knowledge from {where} into {self.store.directory}: "
                               f"{exc.strerror or _first_line(exc)} ({SCRATCH_ROOM})") from exc  # fmt: skip
        except KnowledgeError as exc:
            if self.replica.seq == 0 and not self.store.known:
                raise BackendError(
                    f"{where} holds no knowledge yet: {SEED_IT} (give the folder its first passages first, with "
                    "QABOT_DATABASE_URL and database_url unset: `kb add`, or `kb import` and `kb publish`)"
                ) from exc
            raise BackendError(f"the knowledge in {where} does not load: {exc.message}") from exc

    def open_records(self) -> PostgresGapStore:
        """The gaps and votes, with their writer thread: after `load`, so that it never writes (or deletes
        old rows) in a schema that is not there, and not for a command that only reads the knowledge."""
        if self.records is None:
            self.records = PostgresGapStore(self.database, retention_days=self.retention_days)
        return self.records

    def catch_up(self, answerer: Answerer) -> Answerer | None:
        """`answerer` with the changes it has not seen, or None; never raises. When the database cannot be
        read, `behind` says so (the follower tries again every `retry` seconds) and the log says it once."""
        try:
            extended = self.replica.catch_up(answerer)
        except psycopg.Error as exc:
            if not self.behind:
                log.warning("could not catch up with the database now (trying again every %gs): %s", self.retry,
                            _first_line(exc))  # fmt: skip
            self.behind = True
            return None
        except KnowledgeError as exc:
            log.error("the database's knowledge does not load: %s", exc)
            self.behind = False  # it was read: trying again every second would only repeat this
            return None
        if self.behind:
            self.behind = False
            log.info("caught up with the database again")
        return extended

    def cooldowns(self, user: CooldownSettings, chat: ChatCooldownSettings) -> tuple[SharedCooldown, SharedCooldown]:
        """The per-user and per-chat budgets, shared by every instance."""
        pool = self.budgets.pool
        return (
            SharedCooldown(pool, scope="user", burst=user.burst, interval=user.interval),
            SharedCooldown(pool, scope="chat", burst=chat.burst, interval=chat.interval),
        )

    def follow(self, on_change: Callable[[], None]) -> None:
        """Call `on_change` (which calls `catch_up`) on every change, in a thread that reads the changes
        through its own connection."""

        def caught_up(conn: psycopg.Connection[Any]) -> bool:
            with self.store.reading_through(conn):
                on_change()
            return not self.behind

        self.follower = Follower(self.url, caught_up, retry=self.retry)
        self.follower.start()

    def close(self) -> None:
        if self.follower is not None:
            self.follower.stop()
            self.follower.join(timeout=2)
        if self.records is not None:
            self.records.close()  # before the pool it writes through
        self.database.close()
        self.budgets.close()
        shutil.rmtree(self.store.directory, ignore_errors=True)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
