"""The PostgreSQL backend as the Service holds it: pool, store, replica and follower together.

Imported only when `database_url` is set, so the default needs neither psycopg nor a server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg

from bot.answering import Answerer
from bot.config import ChatCooldownSettings, CooldownSettings
from bot.knowledge import KnowledgeError
from bot.storage.budgets import SharedCooldown
from bot.storage.database import MEND_IT, SEED_IT, Database, connect, not_served, redacted, status
from bot.storage.postgres import PostgresStore
from bot.storage.records import PostgresGapStore
from bot.storage.replica import Follower, Replica, Unseeded
from bot.storage.scratch import ROOM, Scratch

log = logging.getLogger(__name__)


NOT_APPLIED = "could not apply the database's changes, answering from the knowledge loaded before"


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
        self.scratch = Scratch()  # made by `load`: a full disk is then one line, not a traceback
        self.store = PostgresStore(self.database, self.scratch.folder)
        self.replica = Replica(self.store, workers=workers, time_limit=reload_timeout)
        self.retention_days = retention_days
        self.records: PostgresGapStore | None = None  # opened once the schema is known to be there
        self.retry = retry
        self.follower: Follower | None = None
        self.behind = False  # the last catch-up could not apply the changes: tried again every `retry` seconds
        self._failing: type[Exception] | None = None  # how it failed (said once in the log)

    def load(self) -> Answerer:
        """The knowledge as an index; raises BackendError when the database cannot give it."""
        where = redacted(self.url)
        try:
            with connect(self.url) as conn:
                state = status(conn)
            if not state.current:
                raise BackendError(f"{where}: {state.line()}")
            self.scratch.make()
            answerer = self.replica.load()
        except psycopg.Error as exc:
            raise BackendError(f"cannot load the knowledge from {where}: {_first_line(exc)}") from exc
        except OSError as exc:  # a full disk: one line, as for every start that fails (no part-written copy kept)
            raise BackendError(f"cannot copy the knowledge from {where} into {self.store.directory}: "
                               f"{exc.strerror or _first_line(exc)} ({ROOM})") from exc  # fmt: skip
        except Unseeded as exc:  # decided by what the database holds, not by a load that failed
            raise BackendError(
                f"{where} holds no knowledge yet: {SEED_IT} (give the folder its first passages first, with "
                "QABOT_DATABASE_URL and database_url unset: `kb add`, or `kb import` and `kb publish`)"
            ) from exc
        except KnowledgeError as exc:  # the file and entry as `kb export` writes them, not the scratch folder
            raise BackendError(f"the knowledge in {where} does not load: {exc.brief()} ({MEND_IT})") from exc
        if unread := self.replica.unread():  # as `kb check` warns of a folder's
            log.warning("%s: %s", where, not_served(unread))
        return answerer

    def open_records(self) -> PostgresGapStore:
        """The gaps and votes, with their writer thread: after `load`, so that it never writes (or deletes
        old rows) in a schema that is not there, and not for a command that only reads the knowledge."""
        if self.records is None:
            self.records = PostgresGapStore(self.database, retention_days=self.retention_days)
        return self.records

    def catch_up(self, answerer: Answerer, *, boxed: bool = True) -> Answerer | None:
        """`answerer` with the changes it has not seen, or None; never raises. When they cannot be applied
        now (the database cannot be read, the scratch folder's disk is full, a fault of the bot's own),
        `behind` says so (the follower tries again every `retry` seconds) and the log says it once.
        `boxed`: a reload gives up past `reload_timeout` (see `Replica.catch_up`)."""
        try:
            extended = self.replica.catch_up(answerer, boxed=boxed)
        except psycopg.Error as exc:
            said = "could not catch up with the database now (trying again every %gs): %s"
            self._fell_behind(psycopg.Error, logging.WARNING, said, self.retry, _first_line(exc))
            return None
        except KnowledgeError as exc:  # said once: tried again at the next change (see `Replica.catch_up`)
            log.error("the database's knowledge does not load, answering from the knowledge loaded before until a "
                      "later change: %s (%s)", exc.brief(), MEND_IT)  # fmt: skip
            self.behind, self._failing = False, None  # it was read: trying again every second would only repeat this
            return None
        except OSError as exc:  # the copy cannot be written (a full disk): tried again, as after an outage
            said = f"{NOT_APPLIED}: cannot copy it into %s: %s (%s; trying again every %gs)"
            reason = exc.strerror or _first_line(exc)
            self._fell_behind(OSError, logging.ERROR, said, self.store.directory, reason, ROOM, self.retry)
            return None
        except Exception:  # a fault of the bot's own: logged with its traceback, and tried again all the same
            said = f"{NOT_APPLIED} (trying again every %gs)"
            self._fell_behind(Exception, logging.ERROR, said, self.retry, exc_info=True)
            return None
        self._failing = None
        if self.behind:
            self.behind = False
            log.info("caught up with the database again")
        return extended

    @property
    def cannot_copy(self) -> bool:
        """Behind because the last catch-up could not write this instance's copy of the knowledge (a full disk),
        not because the database could not be read: a moderator's change is then in the database all the same."""
        return self.behind and self._failing is OSError

    def _fell_behind(
        self, failing: type[Exception], level: int, message: str, *args: object, exc_info: bool = False
    ) -> None:
        """A catch-up failed: logged once for as long as it fails the same way, and tried again."""
        if self._failing is not failing:
            log.log(level, message, *args, exc_info=exc_info)
        self._failing = failing
        self.behind = True

    def cooldowns(self, user: CooldownSettings, chat: ChatCooldownSettings) -> tuple[SharedCooldown, SharedCooldown]:
        """The per-user and per-chat budgets, shared by every instance; the records' daily purge deletes
        those idle long enough to be full again."""
        if self.records is not None:
            self.records.purge_budgets({"user": user.burst * user.interval, "chat": chat.burst * chat.interval})
        pool = self.budgets.pool
        return (
            SharedCooldown(pool, scope="user", burst=user.burst, interval=user.interval),
            SharedCooldown(pool, scope="chat", burst=chat.burst, interval=chat.interval),
        )

    def follow(self, on_change: Callable[[], object]) -> None:
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
        self.scratch.remove()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
