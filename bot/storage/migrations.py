"""The schema as versioned plain-SQL files (`migrations/NNNN_name.sql`), applied in order.

Each applied file is a row in `schema_migrations`; `migrate` applies the missing ones in one
transaction under an advisory lock, so two instances starting at once do not both apply them. One a
build recorded under another number (two branches' 0014s, merged as 0014 and 0015) is renumbered first.

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


@dataclass(frozen=True)
class Migrated:
    """What `migrate` did: the migrations it applied, and those recorded under another number that it renumbered
    (each with the number it had)."""

    applied: list[Migration]
    renumbered: list[tuple[int, Migration]]


def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> Migrated:
    """Apply the missing migrations in order, in one transaction, after renumbering those a build recorded under
    another number (`_renumber`)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.qabot.migrate'))")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        renumbered = _renumber(conn)
        done = set(applied(conn))
        todo = [m for m in bundled() if m.version not in done]
        for migration in todo:
            conn.execute(migration.sql.encode())
            conn.execute(f"INSERT INTO {TABLE} (version, name) VALUES (%s, %s)", (migration.version, migration.name))
    return Migrated(todo, renumbered)


def _renumber(conn: psycopg.Connection[tuple[object, ...]]) -> list[tuple[int, Migration]]:
    """Record under this version's number a migration recorded under another, where this version has another
    migration, and this version's number for it is free: two branches that each added a 0014 are merged as 0014 and
    0015, and a database that one branch's build migrated holds the other's 0014 under 0014, which had then been
    taken for applied (and the renumbered one, applied again, failed: its table was there)."""
    ours = {m.version: m for m in bundled()}
    by_name = {m.name: m for m in ours.values()}
    recorded = {int(str(v)): str(n) for v, n in conn.execute(f"SELECT version, name FROM {TABLE}")}
    moved = [
        (version, by_name[name])
        for version, name in recorded.items()
        if version in ours and ours[version].name != name and name in by_name and by_name[name].version not in recorded
    ]
    for version, migration in moved:  # each to a number no row holds
        conn.execute(f"UPDATE {TABLE} SET version = %s WHERE version = %s", (migration.version, version))
    return moved
