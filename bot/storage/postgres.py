"""The knowledge base and its change history in PostgreSQL, for many instances at once.

`PostgresStore` is both the write path's `KnowledgeStorage` and its `ChangeLog`: `locked()` opens
one transaction holding an advisory lock (one writer at a time across every instance), the
change's rows and its record in `changes` are written in it, and a NOTIFY on `CHANNEL` goes out
when it commits. Nothing is acknowledged before the commit.

Concurrent edits: each passage has a `version`, drawn from one sequence by a trigger whenever its
text changes or it is inserted (migration 0007), so it never repeats for a passage id, not even
after a removal and its undo. `known` is the versions this instance's index
shows, and those its own changes wrote (even when catching up right after one failed); a
change to a passage whose version in the database differs (another instance changed it, and
this one has not caught up) is refused, so a moderator never overwrites what they have not seen.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
import yaml
from psycopg.types.json import Jsonb
from psycopg_pool import PoolTimeout

from bot import knowledge, yamlfiles
from bot.catalogue import N_, _
from bot.curation.edits import normalized
from bot.curation.history import DOCUMENT, PUSH, SEED, SOURCE, UNDONE_NEVER, Record
from bot.curation.store import EMPTIED, StoreError, dump, load_whole, write_atomic
from bot.knowledge import NOT_SOURCES, KnowledgeBase, KnowledgeError
from bot.search import synonyms
from bot.storage.database import UNAVAILABLE, Connection, Database

log = logging.getLogger(__name__)

CHANNEL = "qabot_changes"
REFUSED = N_("The database refused that change, so nothing was changed; the bot's log says why.")
_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.qabot.kb'))"
_RECORD_COLUMNS = (
    "id, at, platform, user_id, name, chat_id, kind, passage_id, file, position, before, after, undoes, source"
)

Files = dict[str, Any]


class AlreadySeeded(Exception):
    """`db init --seed` of a database that already holds `sources` source files (another was first)."""

    def __init__(self, sources: int):
        super().__init__(f"the database already holds {sources} source(s)")
        self.sources = sources


class Overtaken(Exception):
    """`kb push` of an export taken at change `taken_at`, when `records` were made after it (the push would
    take them back): nothing written."""

    def __init__(self, taken_at: int, records: list[Record]):
        super().__init__(f"{len(records)} change(s) made after change {taken_at}")
        self.taken_at = taken_at
        self.records = records


@dataclass(frozen=True)
class Pushed:
    """What a push recorded, and the last change the database holds after it."""

    records: list[Record]
    seq: int


@dataclass(frozen=True)
class Snapshot:
    """The whole knowledge at one point of the change table (`seq`)."""

    files: Files
    documents: dict[str, Any]
    versions: dict[str, int]
    seq: int

    def write(self, folder: Path) -> None:
        """The usual YAML files (sources, synonyms.yaml, settings.yaml) into `folder`, each replaced whole
        (a crash leaves the old file or the new one). A symlink there is replaced by the file, never
        written through: the folder is often a checkout, and its link could lead to any file outside."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in {**self.files, **self.documents}.items():
            write_atomic(folder / name, _written(name, data))


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
        tx.files, tx.versions = _read_files(tx.conn)
        return {name: _copy(data) for name, data in tx.files.items()}

    def read_documents(self) -> dict[str, Any]:
        return _read_documents(self._transaction().conn)

    def commit(self, changed: Mapping[str, Any], recorded: Callable[[], object] = lambda: None) -> KnowledgeBase:
        tx = self._transaction()
        sources = {name: data for name, data in changed.items() if name not in NOT_SOURCES}
        documents = {name: data for name, data in changed.items() if name in NOT_SOURCES}
        merged = {**tx.files, **sources}
        # The documents are checked with the files only when the change is theirs (a push, its undo).
        checked = {**_read_documents(tx.conn), **documents} if documents else {}
        kb = validate(
            {name: data for name, data in merged.items() if data is not None},
            {name: data for name, data in checked.items() if data is not None},
        )
        self._check_versions(tx, sources)
        recorded()  # in the same transaction: the change and its record commit together
        for name, data in sources.items():
            _write_file(tx.conn, name, data, _items(tx.files.get(name)))
        for name, data in documents.items():
            _write_document(tx.conn, name, data)
        self._note_written(tx, sources)
        return kb

    @staticmethod
    def _note_written(tx: _Transaction, changed: Mapping[str, Any]) -> None:
        """The versions of the passages the change itself made or changed, and those it removed (for `_learn`);
        not of the others in the same files, which this instance may not have seen yet."""
        old = {str(item["id"]): item for name in changed for item in _items(tx.files.get(name))}
        new = {str(item["id"]): item for data in changed.values() for item in _items(data)}
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
            old = {str(item["id"]): item for item in _items(tx.files.get(name))}
            new = {str(item["id"]): item for item in _items(data)}
            for pid in old:
                if new.get(pid) == old[pid] or pid not in self.known:
                    continue
                if self.known[pid] != tx.versions.get(pid):
                    raise StoreError(
                        f"`{pid}` was just changed by another moderator; look at it again (`kb history {pid}`) "
                        "and repeat your change if it is still needed. Nothing was changed."
                    )

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
            f"INSERT INTO changes ({_RECORD_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " RETURNING seq",
            _record_row(record),
        ).fetchone()
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(row[0] if row else "")))
        return 0

    def take_back(self, mark: int) -> None:
        """Nothing to do: a change whose files fail raises out of `locked`, which rolls back its row."""

    def records(self) -> list[Record]:
        with self._connection() as conn:
            rows = conn.execute(f"SELECT {_RECORD_COLUMNS} FROM changes ORDER BY seq").fetchall()
        return [_record(row) for row in rows]

    def last_undoable(self) -> Record | None:
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM changes c WHERE NOT (kind = ANY(%s))"
                " AND NOT EXISTS (SELECT 1 FROM changes u WHERE u.undoes = c.id) ORDER BY seq DESC LIMIT 1",
                (list(UNDONE_NEVER),),
            ).fetchone()
        return _record(row) if row else None

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
        with self._reading() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            files, versions = _read_files(conn)
            return Snapshot(files, _read_documents(conn), versions, _last_seq(conn))

    def changes_since(self, seq: int) -> tuple[list[tuple[int, Record]], dict[str, int]]:
        """The changes after `seq`, in order, and every passage's version as of the last of them."""
        with self._reading() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            rows = conn.execute(
                f"SELECT seq, {_RECORD_COLUMNS} FROM changes WHERE seq > %s ORDER BY seq", (seq,)
            ).fetchall()
            versions: dict[str, int] = {}
            if rows:
                versions = {str(pid): int(v) for pid, v in conn.execute("SELECT id, version FROM passages")}
        return [(int(row[0]), _record(row[1:])) for row in rows], versions

    def push(self, folder: Path, *, by: str, seed: bool = False, taken_at: int | None = None) -> Pushed:
        """Make the database's knowledge that of `folder`, one recorded change per passage that
        differs (so `kb history` shows them and `undo` takes them back one by one), and one (kind
        `push`) per synonyms.yaml or settings.yaml of the folder that differs, in one transaction.
        `seed`: the first knowledge of a new database (`db init --seed`), recorded as kind `seed`,
        which undo never takes back (as a knowledge folder's first files have nothing to undo). Raises
        KnowledgeError for a folder that does not load, StoreError when the database is unavailable,
        AlreadySeeded (nothing written) for a `seed` of a database that already holds knowledge.
        `taken_at`: the last change the folder was exported at; Overtaken (nothing written) when changes
        were made after it, which the push would silently take back (None: no such check)."""
        load_whole(folder)  # its synonyms.yaml and settings.yaml too, as the bot will load them
        new = {path.name: _parsed(path) for path in knowledge.knowledge_files(folder)}
        documents = folder_documents(folder)
        if knowledge.SYNONYMS_FILE in documents:
            _within_limit(folder / knowledge.SYNONYMS_FILE, documents[knowledge.SYNONYMS_FILE])
        with self.locked():
            old = self.read_files()
            if seed and old:  # another `db init --seed` was first (checked under the writers' lock)
                raise AlreadySeeded(len(old))
            if taken_at is not None:
                self._not_overtaken(folder, taken_at)
            now = self.read_documents()
            pushed = {name: data for name, data in documents.items() if name not in now or now[name] != data}
            records = _differences(old, new, by) + [
                _pushed(PUSH, name, name, 0, {DOCUMENT: now[name]} if name in now else None, {DOCUMENT: data}, by)
                for name, data in sorted(pushed.items())
            ]
            if seed:
                records = [replace(r, kind=SEED) for r in records]
            changed = {name: new.get(name) for name in old.keys() | new.keys() if old.get(name) != new.get(name)}
            if changed or pushed:  # in the same transaction: the push commits whole or not at all
                self.commit({**changed, **pushed})
            for record in records:
                self.append(record)
            seq = _last_seq(self._transaction().conn)
        return Pushed(records, seq)

    def _not_overtaken(self, folder: Path, taken_at: int) -> None:
        conn = self._transaction().conn
        last = _last_seq(conn)
        if taken_at > last:  # the changes made since the restore reuse the numbers: none could be told
            raise StoreError(
                f"{folder} was exported at change {taken_at}, but the database's last change is {last} (restored "
                "from a backup, or another database), so the changes made since cannot be told. Nothing was "
                "pushed. Export again and make your edits on that, or push with --force."
            )
        rows = conn.execute(
            f"SELECT {_RECORD_COLUMNS} FROM changes WHERE seq > %s ORDER BY seq", (taken_at,)
        ).fetchall()
        if left := _not_undone([_record(row) for row in rows]):
            raise Overtaken(taken_at, left)


def _not_undone(records: list[Record]) -> list[Record]:
    """`records` without the changes undone among them, nor their undos: an addition taken back since
    the export leaves the database as the export had it, and a push takes nothing back from it."""
    ids = {r.id for r in records}
    undone = {r.undoes for r in records if r.undoes in ids}
    return [r for r in records if r.id not in undone and r.undoes not in undone]


def validate(files: Files, documents: Mapping[str, Any] | None = None) -> KnowledgeBase:
    """Load `files`, with `documents` (synonyms.yaml, settings.yaml) where given, through the real loader
    (in a scratch folder); raises StoreError."""
    if not files:
        raise StoreError(_(EMPTIED))
    with tempfile.TemporaryDirectory(prefix="qabot-check-") as scratch:
        folder = Path(scratch)
        for name, data in {**files, **(documents or {})}.items():
            (folder / name).write_text(_written(name, data), encoding="utf-8")
        try:
            return load_whole(folder)
        except KnowledgeError as exc:
            raise StoreError(f"that change would break the knowledge base: {exc.message}") from exc


def _written(name: str, data: Any) -> str:
    """A file's text as the database writes it out (an export, every instance's load, the check of a change).
    synonyms.yaml gets a group a line, as people write it (`- [photo, pics]`): a phrase a line made it a fifth
    larger, so a file under the loader's limit came out over it, and its push was refused."""
    if name != knowledge.SYNONYMS_FILE:
        return dump(data)
    text: str = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=math.inf)
    return text


def _within_limit(path: Path, data: Any) -> None:
    """Refuse synonyms.yaml that is over the loader's limit as every instance will read it (`_written`): a group a
    line is no larger than a file written that way, but one made small by aliases (`*a`, each a whole group
    written out) or by leaving out the spaces can come out larger; raises KnowledgeError naming the file."""
    size, limit = len(_written(path.name, data).encode()), synonyms.MAX_BYTES
    if size > limit:
        said = f"{size} bytes as the database writes it out (a group a line, each alias written out)"
        raise KnowledgeError(path, f"{said}, more than the limit of {limit}")


def folder_documents(folder: Path) -> dict[str, Any]:
    """synonyms.yaml and settings.yaml of a knowledge folder, where present, parsed as PostgreSQL gives them
    back (JSON), so that one pushed as it was compares equal. An empty file is an empty mapping, which both
    loaders read alike: None would be no file (in `commit`, and in an undo that restores it)."""
    parsed = {name: _parsed(folder / name) for name in sorted(NOT_SOURCES) if (folder / name).is_file()}
    return {name: {} if data is None else json.loads(json.dumps(data)) for name, data in parsed.items()}


def _parsed(path: Path) -> Any:
    """A file of the folder parsed as the loader parses it (libyaml, which takes what PyYAML's pure-Python
    parser refuses, a tab after a value), so that a file `kb check` takes is pushed; raises KnowledgeError."""
    try:
        return yamlfiles.read(path).data
    except yamlfiles.FileError as exc:  # edited between the check and now
        raise KnowledgeError(exc.path, exc.message, entry=exc.entry, line=exc.line) from None


def _read_documents(conn: Connection) -> dict[str, Any]:
    """synonyms.yaml and settings.yaml as the database holds them. An empty file, which a version before
    this one stored as JSON null, is an empty mapping, as `folder_documents` reads it (and both loaders
    alike): else that file exported and pushed back unchanged was recorded as a change."""
    rows = conn.execute("SELECT name, data FROM documents ORDER BY name")
    return {str(name): {} if data is None else data for name, data in rows}


def _write_document(conn: Connection, name: str, data: Any) -> None:
    """Replace synonyms.yaml or settings.yaml (None: there is none)."""
    if data is None:
        conn.execute("DELETE FROM documents WHERE name = %s", (name,))
        return
    conn.execute(
        "INSERT INTO documents (name, data) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data",
        (name, Jsonb(data)),
    )


def _differences(old: Files, new: Files, by: str) -> list[Record]:
    """One record per passage added, edited (or moved to another file) or removed, old to new; a removal
    that takes its whole file keeps the file's source, so that its undo can put the file back. And one
    per file kept whose source (title, publisher, ...) changed: recorded, every instance reloads it."""

    def located(files: Files) -> dict[str, tuple[str, int, dict[str, Any]]]:
        return {str(item["id"]): (name, i, item) for name, data in sorted(files.items()) for i, item in
                enumerate(_items(data))}  # fmt: skip

    before, after = located(old), located(new)
    records = []
    for pid, (name, index, item) in after.items():
        was = before.get(pid)
        if was is None:
            records.append(_pushed("add", pid, name, index, None, item, by))
        elif was[0] != name or normalized(was[2]) != normalized(item):
            records.append(_pushed("edit", pid, name, index, was[2], item, by))
    for pid, (name, index, item) in before.items():
        if pid not in after:
            source = None if name in new else old[name].get("source")  # the whole file goes
            records.append(_pushed("remove", pid, name, index, item, None, by, source=source))
    for name in sorted(old.keys() & new.keys()):
        was, now = old[name].get("source"), new[name].get("source")
        if was != now:
            records.append(_pushed(SOURCE, name, name, 0, {"source": was, "passages": None},
                                   {"source": now, "passages": None}, by))  # fmt: skip
    return records


def _pushed(kind: str, pid: str, file: str, index: int, before: Any, after: Any, by: str, source: Any = None) -> Record:
    return Record(id=Record.new_id(), at=Record.now(), platform="cli", user_id="", name=by, chat_id="", kind=kind,
                  passage_id=pid, file=file, index=index, before=before, after=after, source=source)  # fmt: skip


def _read_files(conn: Connection) -> tuple[Files, dict[str, int]]:
    files: Files = {str(name): {"source": source, "passages": []} for name, source in conn.execute(
        "SELECT name, source FROM sources ORDER BY name")}  # fmt: skip
    versions: dict[str, int] = {}
    rows = conn.execute(
        "SELECT source, id, section, text, questions, version FROM passages ORDER BY source, position"
    ).fetchall()
    for source, pid, section, text, questions, version in rows:
        item: dict[str, Any] = {"id": pid, "section": section, "text": text}
        if questions:
            item["questions"] = list(questions)
        files[str(source)]["passages"].append(item)
        versions[str(pid)] = int(version)
    return files, versions


def _write_file(conn: Connection, name: str, data: Any, before: list[dict[str, Any]]) -> None:
    if data is None:
        conn.execute("DELETE FROM sources WHERE name = %s", (name,))
        return
    conn.execute(
        "INSERT INTO sources (name, source) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET source = EXCLUDED.source",
        (name, Jsonb(data.get("source") or {})),
    )
    items = _items(data)
    conn.execute("DELETE FROM passages WHERE source = %s AND NOT (id = ANY(%s))", (name, [str(i["id"]) for i in items]))
    old = {str(item["id"]): (position, item) for position, item in enumerate(before)}
    rows = [
        (str(item["id"]), name, position, item["section"], item["text"], Jsonb(list(item.get("questions") or [])))
        for position, item in enumerate(items)
        if old.get(str(item["id"])) != (position, item)
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO passages (id, source, position, section, text, questions) VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET source = EXCLUDED.source, position = EXCLUDED.position,"
            " section = EXCLUDED.section, text = EXCLUDED.text, questions = EXCLUDED.questions",
            rows,
        )


def _items(data: Any) -> list[dict[str, Any]]:
    return list((data or {}).get("passages") or [])


def _copy(data: Any) -> Any:
    """A deep copy of plain data, so a plan never changes what the transaction read."""
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


def _last_seq(conn: Connection) -> int:
    row = conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()
    return int(row[0]) if row else 0


def _record_row(r: Record) -> tuple[Any, ...]:
    before = None if r.before is None else Jsonb(r.before)
    after = None if r.after is None else Jsonb(r.after)
    source = None if r.source is None else Jsonb(r.source)
    return (r.id, r.at, r.platform, r.user_id, r.name, r.chat_id, r.kind, r.passage_id, r.file, r.index, before,
            after, r.undoes, source)  # fmt: skip


def _record(row: Any) -> Record:
    (id_, at, platform, user_id, name, chat_id, kind, passage_id, file, index, before, after, undoes, source) = row
    return Record(id=id_, at=at, platform=platform, user_id=user_id, name=name, chat_id=chat_id, kind=kind,
                  passage_id=passage_id, file=file, index=index, before=before, after=after, undoes=undoes,
                  source=source)  # fmt: skip
