"""The database a config names, opened, and the knowledge loaded from it, for the Service and for the
commands that only read it; `bot.storage.backend`, and psycopg with it, is imported only when called."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answering import Answerer
from bot.config import Config

if TYPE_CHECKING:
    from bot.storage.backend import PostgresBackend


def open_database(config: Config) -> tuple[PostgresBackend, Answerer]:
    """The database the config names and the knowledge loaded from it: for a Service, which follows
    it, or for a command that only reads it and then closes the backend. Raises ConfigError (the
    backend closed) when the database cannot be used."""
    from bot.storage.backend import BackendError, PostgresBackend  # psycopg only when configured

    backend = PostgresBackend(
        str(config.database_url),
        workers=config.load_workers,
        retention_days=config.retention_days,
        reload_timeout=config.reload_timeout or None,
    )
    try:
        return backend, backend.load()
    except BackendError as exc:
        backend.close()
        raise config.database_error(str(exc)) from None
