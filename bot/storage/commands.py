"""`python -m bot db init | migrate | status`, `kb export DIR`, `kb push DIR`, and doctor's check.

Thin: each command parses, calls the storage modules and prints. psycopg is imported only when
one of them runs, so the command line works without the `postgres` extra.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from bot import knowledge
from bot.catalogue import counted
from bot.config import DATABASE_VARIABLE, load_config
from bot.curation import command_line_moderator
from bot.databaseurls import url_problem
from bot.knowledge import NOT_SOURCES
from bot.storage.report import Report

if TYPE_CHECKING:
    from bot.curation.interrupts import Held
    from bot.storage.postgres import PostgresStore
    from bot.storage.pushes import Overtaken

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
NO_DATABASE = f"error: no database configured: set {DATABASE_VARIABLE} or `database_url` in the config"

Command = Callable[..., argparse.ArgumentParser]


def add_commands(commands: argparse._SubParsersAction, kb: argparse._SubParsersAction, command: Command) -> None:  # type: ignore[type-arg]
    """`db ...` beside the other commands, `kb export` and `kb push` among the kb tools."""
    db = commands.add_parser("db", help="the PostgreSQL database", description="the PostgreSQL database")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    init = command(db_commands, "init", cmd_db_init, "create the schema (apply every migration)")
    init.add_argument("--seed", action="store_true", help="load the knowledge folder when the database has none")
    command(db_commands, "migrate", cmd_db_migrate, "apply the migrations not applied yet, in order")
    command(db_commands, "status", cmd_db_status, "the schema version and what the database holds")
    export = command(kb, "export", cmd_kb_export, "write the database's knowledge as YAML files into DIR")
    export.add_argument("dir")
    push = command(kb, "push", cmd_kb_push, "load a knowledge folder into the database, as recorded changes")
    push.add_argument("dir")
    push.add_argument("--by", help="the name the changes are recorded under (default: the login name)")
    push.add_argument("--force", action="store_true", help="push even if changes were made after DIR's export")


def _database_command(
    body: Callable[[str, argparse.Namespace, TextIO], int],
) -> Callable[[argparse.Namespace, TextIO], int]:
    """A command on the configured database: exit 2 without one, 1 with one clean line when it fails."""

    @functools.wraps(body)
    def run(args: argparse.Namespace, out: TextIO) -> int:
        url = load_config().database_url
        if not url:
            print(NO_DATABASE, file=sys.stderr)
            return EXIT_UNUSABLE
        import psycopg

        from bot.curation.store import StoreError
        from bot.storage.database import redacted

        try:
            return body(url, args, out)
        except psycopg.Error as exc:
            print(f"error: {redacted(url)}: {_first_line(exc)}", file=sys.stderr)
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
        except BrokenPipeError:  # the output closed: main's to handle, not a file of the command's
            raise
        except OSError as exc:  # a file in DIR (a folder where a file was, no right to write): its name, one line
            print(f"error: {_os_error(exc)}", file=sys.stderr)
        return EXIT_FAILED

    return run


@_database_command
def cmd_db_init(url: str, args: argparse.Namespace, out: TextIO) -> int:
    report = Report(out)
    code = _initialised(url, args, cast(TextIO, report))
    report.said()
    return code


def _initialised(url: str, args: argparse.Namespace, out: TextIO) -> int:
    _migrate(url, out)
    if not args.seed:
        return EXIT_OK
    from bot.storage.database import connect
    from bot.storage.pushes import AlreadySeeded

    with connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM sources").fetchone()
    sources = row[0] if row else 0
    if not sources:  # else, or when another `db init --seed` is first, nothing is written
        _warn_unread(Path(args.knowledge))
        held = _held()
        try:
            with _store(url, Path(args.knowledge)) as store:
                records = store.push(Path(args.knowledge), by=_by(args), seed=True, guard=held.change).records
        except AlreadySeeded as exc:
            sources = exc.sources
        else:
            passages = sum(r.file not in NOT_SOURCES for r in records)  # not synonyms.yaml, settings.yaml
            print(f"seeded from {args.knowledge}: {counted(passages, 'passage')}", file=out)
            return EXIT_OK
        finally:
            held.deliver()
    holds = counted(sources, "source")
    print(f"not seeded: already seeded (the database holds {holds}); `kb push` replaces them", file=out)
    return EXIT_OK


@_database_command
def cmd_db_migrate(url: str, args: argparse.Namespace, out: TextIO) -> int:
    _migrate(url, out)
    return EXIT_OK


def _migrate(url: str, out: TextIO) -> None:
    from bot.storage import migrations
    from bot.storage.database import connect, status

    with connect(url) as conn:
        applied = migrations.migrate(conn)
        line = status(conn).line()
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}", file=out)
    print(line, file=out)


@_database_command
def cmd_db_status(url: str, args: argparse.Namespace, out: TextIO) -> int:
    from bot.storage.database import connect, redacted, status

    with connect(url) as conn:
        state = status(conn)
        print(f"database {redacted(url)}", file=out)
        print(state.line(), file=out)
        if state.applied:
            for table in ("sources", "passages", "changes"):
                row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
                print(f"{table}: {row[0] if row else 0}", file=out)
    return EXIT_OK if state.current else EXIT_FAILED


@_database_command
def cmd_kb_export(url: str, args: argparse.Namespace, out: TextIO) -> int:
    from bot.storage import exports

    with _store(url, Path(args.dir)) as store:
        snapshot = store.snapshot()
    try:
        gone = exports.export(snapshot, Path(args.dir))
    except exports.Stopped as exc:  # what the folder holds now, and what a push makes of it
        said = (f"the export into {args.dir} did not finish, and `kb push {args.dir}` refuses it until one does: "
                "export again" if exc.begun else f"nothing was written into {args.dir}")  # fmt: skip
        print(f"error: {_os_error(exc.error)}: {said}", file=sys.stderr)
        return EXIT_FAILED
    passages = counted(sum(len(data.get("passages") or []) for data in snapshot.files.values()), "passage")
    print(f"wrote {counted(len(snapshot.files), 'source file')}, {passages}, into {args.dir}", file=out)
    if gone:
        print(f"removed what the database no longer holds: {', '.join(gone)}", file=out)
    return EXIT_OK


@_database_command
def cmd_kb_push(url: str, args: argparse.Namespace, out: TextIO) -> int:
    from bot.storage import exports

    folder = Path(args.dir)
    try:
        marker = None if args.force else exports.read(folder)
    except exports.Unreadable as exc:  # what changed since the export cannot be told: no push on a guess
        print(f"error: {exc}: the push cannot tell which changes were made since the export. Export "
              f"again, or push with --force", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    taken_at = None if marker is None else marker.taken_at
    _warn_unread(folder)
    held = _held()
    try:
        return _pushed(url, args, out, held, taken_at)
    finally:
        held.deliver()


def _pushed(url: str, args: argparse.Namespace, out: TextIO, held: Held, taken_at: int | None) -> int:
    """The push of `args.dir` and its reply; `held` is entered around its writing (see `PostgresStore.push`)."""
    from bot.curation.history import PUSH
    from bot.storage import exports
    from bot.storage.pushes import Overtaken

    folder = Path(args.dir)
    try:
        with _store(url, folder) as store:
            pushed = store.push(folder, by=_by(args), taken_at=taken_at, guard=held.change)
    except Overtaken as exc:
        print(_overtaken(args.dir, exc), file=sys.stderr)
        return EXIT_FAILED
    records = pushed.records
    kinds = {kind: sum(r.kind == kind for r in records) for kind in ("add", "edit", "remove", "source")}
    sources = f", {counted(kinds['source'], 'source')} changed" if kinds["source"] else ""
    sources += "".join(f", {r.passage_id} changed" for r in records if r.kind == PUSH)
    print(f"pushed {args.dir}: {kinds['add']} added, {kinds['edit']} edited, {kinds['remove']} removed{sources}",
          file=out)  # fmt: skip
    try:
        exports.pushed(folder, pushed.seq)
    except OSError as exc:  # the push is made; without its marker the folder's next push is refused as old
        print(f"error: {_os_error(exc)}: pushed, but {exports.MARKER} not updated: the next push of {args.dir} "
              "needs --force", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    return EXIT_OK


def _held() -> Held:
    """The command line's guard of a change: it counts the change, so that a stop or a full disk names
    `kb history` after it, and keeps a signal that arrives during it until the reply is out."""
    from bot.curation.interrupts import Held

    return Held()


def _warn_unread(folder: Path) -> None:
    """The files of `folder` that look like knowledge but are not read, so not pushed (`faq.yml`, `.faq.yaml`),
    as `kb check` warns of them."""
    for said in knowledge.unread(folder):
        print(f"warning: {said} (not pushed)", file=sys.stderr)


@contextlib.contextmanager
def _store(url: str, folder: Path) -> Iterator[PostgresStore]:
    from bot.storage.database import Database
    from bot.storage.postgres import PostgresStore

    database = Database(url)
    try:
        yield PostgresStore(database, folder)
    finally:
        database.close()


def _overtaken(folder: str, exc: Overtaken) -> str:
    """The refusal of a push of an old export: the changes it would take back, the newest last."""
    lines = [f"error: {folder} was exported at change {exc.taken_at}; these changes were made since, and the push "
             "would take them back:"]  # fmt: skip
    lines += [f"  {r.at} {r.kind} {r.passage_id} by {r.name or r.platform}" for r in exc.records[-10:]]
    if len(exc.records) > 10:
        lines.insert(1, f"  ... and {len(exc.records) - 10} earlier")
    lines.append(
        f"Nothing was pushed. Export again (`kb export {folder}`) and make your edits on that, "
        "or push with --force to take them back."
    )
    return "\n".join(lines)


def _os_error(exc: OSError) -> str:
    """The file and what is wrong; of a rename (a file written whole), the name it was to take."""
    where = exc.filename2 or exc.filename
    return f"{where}: {exc.strerror}" if where and exc.strerror else _first_line(exc)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _by(args: argparse.Namespace) -> str:
    return command_line_moderator(getattr(args, "by", None))


def check_database(url: str | None) -> tuple[str, str] | None:
    """For `doctor`: None without a database; else ("ok" | "warning" | "error", the line to show). Its
    knowledge is loaded as the bot's start loads it (from a copy in a temporary folder, removed after)."""
    if not url:
        return None
    try:
        import psycopg

        from bot.storage.database import SEED_IT, connect, redacted, status
        from bot.storage.snapshots import read_snapshot
    except ImportError:
        return "error", "database_url is set, but psycopg is not installed: pip install '.[postgres]'"
    if url_problem(url):  # psycopg's reason would quote the URL, password and all
        return "error", f"cannot use the database URL: {url_problem(url)}"
    try:
        with connect(url) as conn:
            state = status(conn)
            snapshot = read_snapshot(conn) if state.current else None
    except psycopg.Error as exc:
        return "error", f"cannot reach {redacted(url)}: {_first_line(exc)}"
    line = f"{redacted(url)}: {state.line()}"
    if snapshot is None:
        return "error", line
    if snapshot.empty:  # `db init` without --seed: the bot refuses to start on it
        return "error", f"{line}, but it holds no knowledge yet, so the bot will not start on it: {SEED_IT}"
    return _loading(line, snapshot.files, snapshot.documents)


def _loading(line: str, files: dict[str, Any], documents: dict[str, Any]) -> tuple[str, str]:
    """Doctor's word on the database's knowledge as the bot's start would load it."""
    from bot.knowledge import KnowledgeError
    from bot.storage import folders
    from bot.storage.database import MEND_IT, not_served

    try:
        folders.loaded(files, documents)
    except KnowledgeError as exc:
        said = f"its knowledge does not load: {exc.brief()} ({MEND_IT})"
        return "error", f"{line}, but the bot will not start on it: {said}"
    except OSError as exc:  # a full temporary disk: the bot's start would fail on it too
        return "error", f"{line}, but its knowledge cannot be checked: {_os_error(exc)}"
    hidden = [name for name in sorted(files) if knowledge.hidden(Path(name))]
    if hidden:  # pushed by a version that read hidden files: the bot starts, without their passages
        return "warning", f"{line}, but {not_served(hidden)}"
    return "ok", line
