"""The knowledge as one moment of the change table has it, and the changes after one: what an instance loads,
what `kb export` writes, and what a follower catches up with, each read in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.curation.atomicfiles import write_atomic
from bot.curation.history import Record
from bot.storage import folders, tables
from bot.storage.database import Connection
from bot.storage.tables import RECORD_COLUMNS, Files


@dataclass(frozen=True)
class Snapshot:
    """The whole knowledge at one point of the change table (`seq`)."""

    files: Files
    documents: dict[str, Any]
    versions: dict[str, int]
    seq: int

    @property
    def empty(self) -> bool:
        """No passages at all: a database given its schema and never seeded (`db init` without `--seed`)."""
        return not any(tables.passages_of(data) for data in self.files.values())

    def write(self, folder: Path) -> None:
        """The usual YAML files (sources, synonyms.yaml, settings.yaml) into `folder`, each replaced whole
        (a crash leaves the old file or the new one). A symlink there is replaced by the file, never
        written through: the folder is often a checkout, and its link could lead to any file outside.
        An OSError names the file (a write refused for want of room names none of its own)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in {**self.files, **self.documents}.items():
            try:
                write_atomic(folder / name, folders.written(name, data))
            except OSError as exc:
                if exc.filename is not None or exc.errno is None:
                    raise
                raise OSError(exc.errno, exc.strerror, str(folder / name)) from exc


def read_snapshot(conn: Connection) -> Snapshot:
    """The whole knowledge through `conn`, as of one moment (one transaction)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        files, versions = tables.read_files(conn)
        return Snapshot(files, tables.read_documents(conn), versions, tables.last_seq(conn))


def read_changes(conn: Connection, seq: int) -> tuple[list[tuple[int, Record]], dict[str, int]]:
    """The changes after `seq`, in order, and every passage's version as of the last of them (one transaction)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        rows = conn.execute(f"SELECT seq, {RECORD_COLUMNS} FROM changes WHERE seq > %s ORDER BY seq", (seq,)).fetchall()
        versions: dict[str, int] = {}
        if rows:
            versions = {str(pid): int(v) for pid, v in conn.execute("SELECT id, version FROM passages")}
    return [(int(row[0]), tables.record_of(row[1:])) for row in rows], versions
