"""The schema as versioned plain-SQL files (`migrations/NNNN_name.sql`), applied in order.

Each applied file is a row in `schema_migrations`; `migrate` applies the missing ones in one
transaction under an advisory lock, so two instances starting at once do not both apply them.

A migration only adds (a table, a column with a default, an index, a trigger), never drops or
renames: in a rolling upgrade the instances of the version before keep running on the newer
schema, and one of them started then runs on it too (`database.Status.current`). That holds from
0008 on: versions before it start only on the exact schema they know (docs/scaling.md says to
stop them for the upgrade to 0007 and 0008).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg

TABLE = "schema_migrations"
_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql\Z")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled() -> list[Migration]:
    """The migrations shipped with the package, oldest first."""
    found = []
    for entry in resources.files("bot.storage").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def latest() -> int:
    return bundled()[-1].version


def applied(conn: psycopg.Connection[tuple[object, ...]]) -> list[int]:
    """The versions recorded in the database (empty when it was never initialised)."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (TABLE,)).fetchone()
    if not exists or not exists[0]:
        return []
    return [int(str(row[0])) for row in conn.execute(f"SELECT version FROM {TABLE} ORDER BY version")]


def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> list[Migration]:
    """Apply the missing migrations in order, in one transaction; return the ones applied."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.qabot.migrate'))")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = set(applied(conn))
        todo = [m for m in bundled() if m.version not in done]
        for migration in todo:
            conn.execute(migration.sql.encode())
            conn.execute(f"INSERT INTO {TABLE} (version, name) VALUES (%s, %s)", (migration.version, migration.name))
    return todo
