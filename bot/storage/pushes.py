"""What `kb push` and `db init --seed` make of a folder against the database's knowledge: the changes to record
and the files to write (a `Plan`), what a push did (`Pushed`), and why one is refused before anything is written:
another seed was first (`AlreadySeeded`), or changes were made after the folder was exported (`Overtaken`).
`PostgresStore.push` makes and writes the plan under the writers' lock, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.catalogue import N_, _, counted
from bot.curation.history import DOCUMENT, PUSH, SEED, Record
from bot.curation.store import StoreError
from bot.storage import folders, tables
from bot.storage.database import Connection
from bot.storage.tables import RECORD_COLUMNS, Files

# A push onto a database restored from a backup: its change numbers start again, and what was made since is lost.
RESTORED = N_(
    "{folder} was exported at change {taken}, but the database's last change is {last} (restored from a backup, "
    "or another database), so the changes made since cannot be told. Nothing was pushed. Export again and make "
    "your edits on that, or push with --force."
)


class AlreadySeeded(Exception):
    """`db init --seed` of a database that already holds `sources` source files (another was first)."""

    def __init__(self, sources: int):
        super().__init__(f"the database already holds {counted(sources, 'source')}")
        self.sources = sources


class Overtaken(Exception):
    """`kb push` of an export taken at change `taken_at`, when `records` were made after it (the push would
    take them back): nothing written."""

    def __init__(self, taken_at: int, records: list[Record]):
        super().__init__(f"{counted(len(records), 'change')} made after change {taken_at}")
        self.taken_at = taken_at
        self.records = records


@dataclass(frozen=True)
class Pushed:
    """What a push recorded, and the last change the database holds after it."""

    records: list[Record]
    seq: int


@dataclass(frozen=True)
class Plan:
    """A push's changes: its records, the source files it writes (None: removed) and the documents
    (synonyms.yaml, settings.yaml) that differ."""

    records: list[Record]
    changed: dict[str, Any]
    pushed: dict[str, Any]

    @property
    def writes(self) -> bool:
        """Whether the push has anything to record or write."""
        return bool(self.records or self.changed or self.pushed)


def plan(old: Files, new: Files, documents: dict[str, Any], now: dict[str, Any], *, by: str, seed: bool) -> Plan:
    """The push of a folder's `new` files and `documents` over the database's `old` files and `now` documents:
    one record per passage that differs and one (kind `push`) per document that differs; `seed`: all of them
    recorded as kind `seed`, which undo never takes back."""
    pushed = {name: data for name, data in documents.items() if name not in now or now[name] != data}
    records = folders.differences(old, new, by) + [
        folders.push_record(PUSH, name, name, 0, {DOCUMENT: now[name]} if name in now else None, {DOCUMENT: data}, by)
        for name, data in sorted(pushed.items())
    ]
    if seed:
        records = [replace(r, kind=SEED) for r in records]
    changed = {name: new.get(name) for name in old.keys() | new.keys() if old.get(name) != new.get(name)}
    return Plan(records, changed, pushed)


def not_overtaken(conn: Connection, folder: Path, taken_at: int) -> None:
    """Raise StoreError when the database's changes end before `taken_at` (restored from a backup), Overtaken when
    changes not undone since were made after it (the push would silently take them back)."""
    last = tables.last_seq(conn)
    if taken_at > last:  # the changes made since the restore reuse the numbers: none could be told
        raise StoreError(_(RESTORED).format(folder=folder, taken=taken_at, last=last))
    rows = conn.execute(f"SELECT {RECORD_COLUMNS} FROM changes WHERE seq > %s ORDER BY seq", (taken_at,)).fetchall()
    if left := folders.not_undone([tables.record_of(row) for row in rows]):
        raise Overtaken(taken_at, left)
