"""The knowledge base and its change history in PostgreSQL, for many instances at once.

`PostgresStore` is both the write path's `KnowledgeStorage` and its `ChangeLog`: `locked()` opens
one transaction holding an advisory lock (one writer at a time across every instance), the
change's rows and its record in `changes` are written in it, and a notice (`bot.storage.notices`)
goes out when it commits. Nothing is acknowledged before the commit. It reads the whole knowledge
and the changes after one (`bot.storage.snapshots`), and pushes a folder (`bot.storage.pushes`);
the names of those three modules stay importable from here.

Concurrent edits: each passage has a `version`, drawn from one sequence by a trigger whenever its
text changes or it is inserted (migration 0007), so it never repeats for a passage id, not even
after a removal and its undo. `known` is the versions this instance's index
shows, and those its own changes wrote (even when catching up right after one failed); a
change to a passage whose version in the database differs (another instance changed it, and
this one has not caught up) is refused, so a moderator never overwrites what they have not seen.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from bot import knowledge
from bot.catalogue import N_, _
from bot.curation.history import UNDONE_NEVER, Record
from bot.curation.store import StoreError, load_whole
from bot.knowledge import NOT_SOURCES, KnowledgeBase
from bot.storage import folders, pushes, snapshots, tables
from bot.storage.database import UNAVAILABLE, Connection, Database
from bot.storage.notices import CHANNEL, NOTIFY, notice_schema
from bot.storage.pushes import AlreadySeeded, Overtaken, Pushed
from bot.storage.snapshots import Snapshot, read_snapshot
from bot.storage.tables import RECORD_COLUMNS, Files

__all__ = [  # the names of notices, pushes and snapshots still stand here, where commands and tests look
    "CHANNEL", "REFUSED", "AlreadySeeded", "Overtaken", "PostgresStore", "Pushed", "Snapshot", "notice_schema",
    "read_snapshot",
]  # fmt: skip

log = logging.getLogger(__name__)

JUST_CHANGED = N_(
    "`{id}` was just changed by another moderator; look at it again (`kb history {id}`) and repeat your change if "
    "it is still needed. Nothing was changed."
)
REFUSED = N_("The database refused that change, so nothing was changed; the bot's log says why.")
_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.qabot.kb'))"


@dataclass
class _Transaction:
    conn: Connection
    files: Files = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    wrote: dict[str, int] = field(default_factory=dict)  # the versions the change gave its passages
    gone: set[str] = field(default_factory=set)  # the passages it removed


class PostgresStore:
    """Knowledge and history of one database (schema); thread-safe."""

    def __init__(self, database: Database, directory: Path):
        self.database = database
        self._directory = directory
        self.known: dict[str, int] | None = None  # the versions the live index shows (None: no check)
        self._thread_lock = threading.Lock()
        self._known_lock = threading.Lock()
        self._local = threading.local()  # the change's transaction, seen only by the thread making it

    @property
    def _tx(self) -> _Transaction | None:
        tx: _Transaction | None = getattr(self._local, "tx", None)
        return tx

    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def path(self) -> Path:
        return Path("postgresql:changes")

    # -- the write path (KnowledgeStorage) ------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._thread_lock:
            try:
                with self.database.pool.connection() as conn, conn.transaction():
                    conn.execute(_LOCK)
                    tx = self._local.tx = _Transaction(conn)
                    try:
                        yield
                    finally:
                        self._local.tx = None
            except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
                log.warning("a change was refused, the database is unavailable: %s", exc)
                raise StoreError(_(UNAVAILABLE)) from exc
            except psycopg.Error as exc:  # reached, and it said no (a right missing, a value it cannot hold)
                log.error("a change was refused by the database: %s", exc)
                raise StoreError(_(REFUSED)) from exc
            self._learn(tx)

    def _learn(self, tx: _Transaction) -> None:
        """After its commit: the versions the change wrote are known, whether or not the catch-up that
        follows reaches the database, so that the same moderator's next change is not refused as if
        another had made it. A version is never lowered (a catch-up may already know a later one)."""
        with self._known_lock:
            if self.known is None or not (tx.wrote or tx.gone):
                return
            known = dict(self.known)
            for pid, version in tx.wrote.items():
                known[pid] = max(version, known.get(pid, 0))
            for pid in tx.gone:
                known.pop(pid, None)
            self.known = known

    def caught_up(self, versions: dict[str, int]) -> None:
        """The versions the live index shows now (after a load or a catch-up)."""
        with self._known_lock:
            self.known = versions

    def hold(self, timeout: float) -> bool:
        return self._thread_lock.acquire(timeout=timeout)

    def read_files(self) -> Files:
        tx = self._transaction()
        tx.files, tx.versions = tables.read_files(tx.conn)
        return {name: _copy(data) for name, data in tx.files.items()}

    def read_documents(self) -> dict[str, Any]:
        return tables.read_documents(self._transaction().conn)

    def commit(self, changed: Mapping[str, Any], recorded: Callable[[], object] = lambda: None) -> KnowledgeBase:
        tx = self._transaction()
        sources = {name: data for name, data in changed.items() if name not in NOT_SOURCES}
        documents = {name: data for name, data in changed.items() if name in NOT_SOURCES}
        merged = {**tx.files, **sources}
        # The documents are checked with the files only when the change is theirs (a push, its undo).
        checked = {**tables.read_documents(tx.conn), **documents} if documents else {}
        kb = folders.validate(
            {name: data for name, data in merged.items() if data is not None},
            {name: data for name, data in checked.items() if data is not None},
        )
        self._check_versions(tx, sources)
        recorded()  # in the same transaction: the change and its record commit together
        for name, data in sources.items():
            tables.write_file(tx.conn, name, data, tables.passages_of(tx.files.get(name)))
        for name, data in documents.items():
            tables.write_document(tx.conn, name, data)
        self._note_written(tx, sources)
        return kb

    @staticmethod
    def _note_written(tx: _Transaction, changed: Mapping[str, Any]) -> None:
        """The versions of the passages the change itself made or changed, and those it removed (for `_learn`);
        not of the others in the same files, which this instance may not have seen yet."""
        old = {str(item["id"]): item for name in changed for item in tables.passages_of(tx.files.get(name))}
        new = {str(item["id"]): item for data in changed.values() for item in tables.passages_of(data)}
        made = sorted(pid for pid, item in new.items() if old.get(pid) != item)
        tx.gone |= old.keys() - new.keys()
        if not made:
            return
        rows = tx.conn.execute("SELECT id, version FROM passages WHERE id = ANY(%s)", (made,))
        tx.wrote.update((str(pid), int(version)) for pid, version in rows)

    def _check_versions(self, tx: _Transaction, changed: Mapping[str, Any]) -> None:
        if self.known is None:
            return
        for name, data in changed.items():
            old = {str(item["id"]): item for item in tables.passages_of(tx.files.get(name))}
            new = {str(item["id"]): item for item in tables.passages_of(data)}
            for pid in old:
                if new.get(pid) == old[pid] or pid not in self.known:
                    continue
                if self.known[pid] != tx.versions.get(pid):
                    raise StoreError(_(JUST_CHANGED).format(id=pid))

    def _transaction(self) -> _Transaction:
        if self._tx is None:
            raise RuntimeError("PostgresStore: read and write only under locked()")
        return self._tx

    # -- the history (ChangeLog) ------------------------------------------------------------------

    def check_writable(self) -> None:
        """Nothing to check: the record is written in the change's own transaction."""

    def append(self, record: Record) -> int:
        """The change's row and its NOTIFY, in the change's own transaction (see `locked`)."""
        conn = self._transaction().conn
        row = conn.execute(
            f"INSERT INTO changes ({RECORD_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " RETURNING seq",
            tables.row_of(record),
        ).fetchone()
        conn.execute(NOTIFY, (CHANNEL, row[0] if row else None))
        return 0

    def take_back(self, mark: int) -> None:
        """Nothing to do: a change whose files fail raises out of `locked`, which rolls back its row."""

    def records(self) -> list[Record]:
        with self._connection() as conn:
            rows = conn.execute(f"SELECT {RECORD_COLUMNS} FROM changes ORDER BY seq").fetchall()
        return [tables.record_of(row) for row in rows]

    def last_undoable(self) -> Record | None:
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT {RECORD_COLUMNS} FROM changes c WHERE NOT (kind = ANY(%s))"
                " AND NOT EXISTS (SELECT 1 FROM changes u WHERE u.undoes = c.id) ORDER BY seq DESC LIMIT 1",
                (list(UNDONE_NEVER),),
            ).fetchone()
        return tables.record_of(row) if row else None

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Connection]:
        """The change's transaction when there is one (under `locked`), else a pooled connection."""
        if self._tx is not None:
            yield self._tx.conn
            return
        try:
            with self.database.pool.connection() as conn:
                yield conn
        except (psycopg.Error, PoolTimeout) as exc:
            raise StoreError(_(UNAVAILABLE)) from exc

    # -- reading everything, catching up ----------------------------------------------------------

    @contextlib.contextmanager
    def reading_through(self, conn: Connection) -> Iterator[None]:
        """In this thread, `snapshot` and `changes_since` read through `conn` rather than the pool: the
        follower catches up through its own connection, which works the moment it is made, while the
        pool's may still be waiting to reconnect after an outage."""
        self._local.reader = conn
        try:
            yield
        finally:
            self._local.reader = None

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        reader: Connection | None = getattr(self._local, "reader", None)
        if reader is not None:
            yield reader
            return
        with self.database.pool.connection() as conn:
            yield conn

    def snapshot(self) -> Snapshot:
        """The whole knowledge, its versions and the last change, as of one moment."""
        with self._reading() as conn:
            return read_snapshot(conn)

    def changes_since(self, seq: int) -> tuple[list[tuple[int, Record]], dict[str, int]]:
        """The changes after `seq`, in order, and every passage's version as of the last of them."""
        with self._reading() as conn:
            return snapshots.read_changes(conn, seq)

    def push(
        self,
        folder: Path,
        *,
        by: str,
        seed: bool = False,
        taken_at: int | None = None,
        guard: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
    ) -> Pushed:
        """Make the database's knowledge that of `folder`, one recorded change per passage that
        differs (so `kb history` shows them and `undo` takes them back one by one), and one (kind
        `push`) per synonyms.yaml or settings.yaml of the folder that differs, in one transaction.
        `seed`: the first knowledge of a new database (`db init --seed`), recorded as kind `seed`,
        which undo never takes back (as a knowledge folder's first files have nothing to undo). Raises
        KnowledgeError for a folder that does not load, StoreError when the database is unavailable,
        AlreadySeeded (nothing written) for a `seed` of a database that already holds knowledge.
        `taken_at`: the last change the folder was exported at; Overtaken (nothing written) when changes
        were made after it, which the push would silently take back (None: no such check). `guard` is entered
        once the push has something to write, and left after its commit (the command line's counts the change
        and keeps a signal that arrives meanwhile until its reply is out, as around a moderator's change);
        a push that changes nothing never enters it."""
        load_whole(folder)  # its synonyms.yaml and settings.yaml too, as the bot will load them
        new = {path.name: folders.parsed_file(path) for path in knowledge.knowledge_files(folder)}
        documents = folders.folder_documents(folder)
        if knowledge.SYNONYMS_FILE in documents:
            folders.within_limit(folder / knowledge.SYNONYMS_FILE, documents[knowledge.SYNONYMS_FILE])
        with contextlib.ExitStack() as writing, self.locked():
            old = self.read_files()
            if seed and old:  # another `db init --seed` was first (checked under the writers' lock)
                raise AlreadySeeded(len(old))
            folders.none_left_unread(folder, old, new)
            if taken_at is not None:
                pushes.not_overtaken(self._transaction().conn, folder, taken_at)
            plan = pushes.plan(old, new, documents, self.read_documents(), by=by, seed=seed)
            if plan.writes:  # left once `locked` has committed (`writing` was entered before it)
                writing.enter_context(guard())
            if plan.changed or plan.pushed:  # in the same transaction: the push commits whole or not at all
                self.commit({**plan.changed, **plan.pushed})
            for record in plan.records:
                self.append(record)
            seq = tables.last_seq(self._transaction().conn)
        return Pushed(plan.records, seq)


def _copy(data: Any) -> Any:
    """A deep copy of plain data, so a plan never changes what the transaction read."""
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data
