"""The moderation commands from the command line: `kb add`, `edit`, `remove`, `alias`, `history`,
`undo`, `gaps` (and `gaps --would-answer`), `stats`, `dismiss`, `find`, each a `Request` run through
the core's command table; the history, gaps and stats of a folder whose knowledge does not load are
read from the data folder alone.

A `kb gaps` list is delivered once printed: it is then the command line's last list, kept in the gaps
database under the platform "cli" (no chat moderator's), so that a later run's `kb dismiss 3` means the
3 it printed, as a chat moderator's number means the one their list showed (`bot.curation.listings`)."""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from bot.answering import Answerer
from bot.cli import opening
from bot.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE
from bot.cli.terminal import unlogged
from bot.curation import Reply, Request, gaps_unusable, interrupts, looks_like_gap, perform
from bot.evaluation import review
from bot.knowledge import DRAFTS_DIR, KnowledgeError, knowledge_files, knows_nothing_yet
from bot.search import cache_folder
from bot.service import Service, open_database


def cmd_kb_moderate(args: argparse.Namespace, out: TextIO) -> int:
    """One moderation command (`args.request` makes its Request), run through the core's command table."""
    request: Request = args.request(args)
    if request.command == "alias" and (request.text is None) == (not request.question):
        print("error: give a gap id from `kb gaps` (kb alias ID 3), or the question with --text", file=sys.stderr)
        return EXIT_UNUSABLE
    if request.command == "alias" and request.text is None and not looks_like_gap(request.question):
        print(f"error: {request.question!r} is not a gap id; to attach it as a question, use --text", file=sys.stderr)
        return EXIT_UNUSABLE
    held = interrupts.Held()  # a Ctrl-C pressed during the change stops the command once its reply is out
    try:
        with _moderated(args, request, held) as (reply, delivered):
            if reply.refused:
                print(f"error: {reply.text}", file=sys.stderr)
                return EXIT_FAILED
            print(reply.text, file=out)
            delivered()  # printed: a gaps list it shows is what the operator's numbers mean from now on
            if request.command == "add" and reply.change is not None:
                print(reply.change.passage_id, file=out)  # alone on the last line, for scripts
            return EXIT_OK
    finally:
        held.deliver()


# A command's reply, and what to call once it is printed (`Service.delivered`: a gaps list is the operator's).
Moderated = tuple[Reply, Callable[[], None]]


@contextlib.contextmanager
def _moderated(args: argparse.Namespace, request: Request, held: interrupts.Held) -> Iterator[Moderated]:
    """`request` run through the service of the knowledge folder (`held` keeps a signal that arrives in the
    change), open until the reply is printed; `kb history`, `gaps` and `stats` of a folder whose knowledge
    does not load (a file broken by a hand edit) from the data folder alone."""
    first = request.command == "add" and knows_nothing_yet(Path(args.knowledge))  # "declined until ... adds": moot
    try:
        with unlogged("bot.knowledge.folder") if first else contextlib.nullcontext():
            service: Service | None = opening.service(args, held.change)
    except KnowledgeError as exc:  # the history of recent changes is then what the moderator needs
        broken = Path(args.knowledge).is_dir() and bool(knowledge_files(Path(args.knowledge)))  # not a mistyped path
        if request.command not in _READ_ALONE or opening.config(args).database_url or not broken:
            raise
        print(f"warning: {exc}\n(the knowledge does not load: `kb {request.command}` reads the data folder alone)",
              file=sys.stderr)  # fmt: skip
        service = None
    if service is None:
        with _read_alone(args, request) as moderated:
            yield moderated
        return
    try:
        asker = opening.asker(args)
        reply = service.moderate(request, asker)
        yield reply, lambda: service.delivered(reply, asker)
    finally:
        service.close()  # on PostgreSQL: its threads and pools, before the command returns


# What the data folder answers without the knowledge: the history of changes, the gaps (without the
# closest passage each would take), the statistics.
_READ_ALONE = frozenset({"history", "gaps", "stats"})


@contextlib.contextmanager
def _read_alone(args: argparse.Namespace, request: Request) -> Iterator[Moderated]:
    """`request` (one of `_READ_ALONE`) answered from the data folder, the knowledge left unloaded.

    A gaps database that cannot be opened (not a database, a data folder that is a file) refuses
    `gaps` and `stats` in one line, as the bot does, and leaves `history`, which needs none of it."""
    asker = opening.asker(args)
    try:
        gaps = opening.gap_store(opening.config(args), Path(args.knowledge))
    except (sqlite3.Error, OSError) as exc:
        yield perform(opening.moderation(args, gaps_error=exc), request, asker), lambda: None
        return
    try:
        moderation = opening.moderation(args, gaps)
        reply = perform(moderation, request, asker)
        listing = reply.listing
        yield reply, (lambda: None) if listing is None else (lambda: moderation.keep(asker, listing))
    finally:
        gaps.close()


def cmd_kb_gaps(args: argparse.Namespace, out: TextIO) -> int:
    """`kb gaps`, or with --would-answer the open gaps asked again of the knowledge (and its drafts)."""
    if not args.would_answer:
        if args.drafts:
            print("error: --drafts goes with --would-answer", file=sys.stderr)
            return EXIT_UNUSABLE
        return cmd_kb_moderate(args, out)
    folder, config = Path(args.knowledge), opening.config(args)
    if config.database_url:  # the database's gaps, asked of the database's knowledge (and the folder's drafts)
        backend, answerer = open_database(config)
        try:
            gaps = backend.open_records().gaps(limit=args.limit)
            if args.drafts:  # the database's knowledge as files: they go when the backend closes
                answerer = _with_drafts(folder, live=backend.store.directory)
        finally:
            backend.close()
    else:
        try:
            store = opening.gap_store(config, folder)
            try:
                gaps = store.gaps(limit=args.limit)
            finally:
                store.close()
        except (sqlite3.Error, OSError) as exc:  # damaged pages: the database opens, and reading it fails
            print(f"error: {gaps_unusable(exc)}", file=sys.stderr)
            return EXIT_FAILED
        answerer = _with_drafts(folder, live=folder) if args.drafts else Answerer.from_directory(folder, empty=True)
    print(review.report(review.replay_gaps(answerer, gaps), drafts=args.drafts, limit=args.limit), file=out)
    return EXIT_OK


def _with_drafts(folder: Path, *, live: Path) -> Answerer:
    """The `live` knowledge files with every draft of `folder` published, loaded from a scratch copy.

    With QABOT_CACHE set, the copy is read through a scratch cache that goes with it: the cache names an
    entry after the file's path, and the entries of each run's new scratch folder, never read again nor
    deleted, filled the cache a little more at every run."""
    with tempfile.TemporaryDirectory(prefix="qabot-drafts-") as scratch:
        copy = review.published_copy(folder, Path(scratch) / "knowledge", live)
        try:
            return Answerer.from_directory(copy, cache=Path(scratch) / "cache" if cache_folder() else None)
        except KnowledgeError as exc:  # named as the moderator knows it, not as the copy, gone once this returns
            raise _as_published(exc, copy, folder, live) from None


def _as_published(exc: KnowledgeError, copy: Path, folder: Path, live: Path) -> KnowledgeError:
    """`exc` with each file of the scratch `copy` it names written as the one it was copied from: the
    draft `folder/drafts/NAME` (a draft replaces the live file of its name), else the live file."""

    def original(path: Path) -> Path:
        draft = folder / DRAFTS_DIR / path.name
        return draft if draft.exists() else live / path.name

    message = exc.message
    for copied in copy.iterdir():
        message = message.replace(str(copied), str(original(copied)))
    path = original(exc.path) if exc.path.parent == copy else exc.path
    return type(exc)(path, message, entry=exc.entry, line=exc.line)
