"""The `backend` fixture: a core test runs once on the files and once on PostgreSQL (issue 15).

A module opts in with `from tests.backends import backend  # noqa: F401` and builds its services
with `backend.service(...)`. The knowledge is the module's `kb_folder` (conftest's default: `kdir`;
a module overrides it, e.g. with `seed_kdir`). On PostgreSQL the folder is loaded into a fresh
schema by the project's own `db init --seed`, $QABOT_DATABASE_URL points the command line at it,
and the schema is dropped afterwards. A test that is about files by nature calls `files_only`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import knowledge
from bot.cli import main
from bot.config import Config
from bot.curation.history import History, Record
from bot.knowledge import KnowledgeBase
from bot.records import gaps
from bot.service import Service
from tests import pg_support

BACKENDS = ["files", "postgres"]


@dataclasses.dataclass
class Backend:
    """What a test needs to build a Service on one backend, and to read back what was stored."""

    name: str
    folder: Path
    database_url: str | None = None
    made: list[Service] = dataclasses.field(default_factory=list)
    exports: int = 0

    @property
    def postgres(self) -> bool:
        return self.database_url is not None

    def config(self, **fields: Any) -> Config:
        """A Config with `fields`, on this backend (database_url set on PostgreSQL)."""
        return Config(**fields, database_url=self.database_url)

    def service(self, **fields: Any) -> Service:
        """`Service.from_directory(folder, config(**fields))`, closed after the test."""
        service = Service.from_directory(self.folder, self.config(**fields))
        self.made.append(service)
        if service._backend is not None and service._backend.follower is not None:
            assert service._backend.follower.connected.wait(5)
        return service

    def load(self) -> KnowledgeBase:
        """The knowledge as stored now, read afresh: the folder, or a `kb export` of the database."""
        if not self.postgres:
            return knowledge.load(self.folder)
        self.exports += 1
        target = self.folder.parent / f"export-{self.exports}"
        out = io.StringIO()
        assert main(["kb", "export", str(target)], out=out) == 0, out.getvalue()
        return knowledge.load(target)

    def history(self) -> list[Record]:
        """The recorded changes, oldest first: data/history.jsonl, or the database's `changes`."""
        if not self.postgres:
            return History(self.folder.parent / "data").records()
        assert self.database_url is not None
        from bot.storage.database import Database
        from bot.storage.postgres import PostgresStore

        database = Database(self.database_url)
        try:
            return PostgresStore(database, self.folder).records()
        finally:
            database.close()

    def written(self, service: Service) -> None:
        """Return once what `service` recorded (questions, votes) is stored: on PostgreSQL a thread writes it."""
        flush = getattr(service.gaps, "flush", None)  # PostgresGapStore's; SQLite writes at once
        if flush is not None:
            assert flush(), "the queued question records could not be written"

    def stored_records(self) -> str:
        """Every row of the question records as text: the SQLite file's dump, or PostgreSQL's tables."""
        if not self.postgres:
            return "\n".join(sqlite3.connect(self.folder.parent / "data" / gaps.FILE_NAME).iterdump())
        import psycopg

        assert self.database_url is not None
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            tables = ("questions", "votes", "closed", "counted", "opened")
            return "\n".join(repr(row) for table in tables for row in conn.execute(f"SELECT * FROM {table}"))

    def rows(self, table: str) -> int:
        """How many rows a table of the question records holds (`questions`, `votes`, `closed`, `counted`, `opened`)."""
        if not self.postgres:
            with contextlib.closing(sqlite3.connect(self.folder.parent / "data" / gaps.FILE_NAME)) as db:
                return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        import psycopg

        assert self.database_url is not None
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            return int(row[0]) if row else 0

    def age(self, table: str, seconds: float) -> int:
        """Move every row of a question records' table `seconds` into the past, in the database itself (the SQLite
        file, or PostgreSQL's table), as rows written then would be stored; how many were moved."""
        query = f"UPDATE {table} SET at = at - {{p}}"
        if not self.postgres:
            with contextlib.closing(sqlite3.connect(self.folder.parent / "data" / gaps.FILE_NAME)) as db, db:
                return int(db.execute(query.format(p="?"), (seconds,)).rowcount)
        import psycopg

        assert self.database_url is not None
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return int(conn.execute(query.format(p="%s"), (seconds,)).rowcount)

    def close(self) -> None:
        for service in self.made:
            service.close()


def files_only(backend: Backend, reason: str) -> None:
    """Skip the PostgreSQL run of a test that is about files by nature (one line: why)."""
    if backend.postgres:
        pytest.skip(f"files only: {reason}")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, kb_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    """The test's knowledge on the files, or in a fresh PostgreSQL schema seeded from it by `db init --seed`."""
    if request.param == "files":
        monkeypatch.delenv("QABOT_DATABASE_URL", raising=False)
        chosen = Backend("files", kb_folder)
        yield chosen
        chosen.close()
        return
    before = set(threading.enumerate())
    with pg_support.fresh_schema() as schema:
        url = pg_support.schema_url(pg_support.SERVER, schema)
        monkeypatch.setenv("QABOT_DATABASE_URL", url)  # the command line's database too
        out = io.StringIO()
        assert main(["db", "init", "--seed", "--knowledge", str(kb_folder)], out=out) == 0, out.getvalue()
        assert "seeded from" in out.getvalue()
        chosen = Backend("postgres", kb_folder, url)
        try:
            yield chosen
        finally:
            chosen.close()
        stray = [t for t in set(threading.enumerate()) - before if t.name.startswith("qabot-postgres")]
        for thread in stray:
            thread.join(timeout=5)
        # a thread left running would go on writing into the schema dropped next ("relation does not exist")
        assert not [t.name for t in stray if t.is_alive()], "a Service on the database was left open"
