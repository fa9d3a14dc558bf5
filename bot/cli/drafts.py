"""Articles into knowledge: `kb import` drafts them, `kb drafts` lists what to review, `kb publish`
makes a draft live, one recorded change each."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot import imports
from bot.answering import DEFAULT_KNOWLEDGE
from bot.cli import opening
from bot.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE
from bot.curation import Refused, Reply, Request, interrupts, is_update
from bot.knowledge import DRAFTS_DIR, KnowledgeError, draft_files
from bot.yamlfiles import FileError


def _naming(folder: Path) -> str:
    """The `--knowledge` a hint must carry for `folder`, if not the default one ("" then): the hint
    "then `kb publish faq.yaml`", run as written, looked in the seed article's folder."""
    return "" if folder.resolve() == Path(DEFAULT_KNOWLEDGE).resolve() else f" --knowledge {shlex.quote(str(folder))}"


def cmd_kb_import(args: argparse.Namespace, out: TextIO) -> int:
    """Draft each article given; one refused (by name, on standard error) leaves the others."""
    folder = Path(args.knowledge)
    refused = 0
    drafted: dict[Path, str] = {}  # the drafts this command wrote, and from which article
    for name in args.file:
        try:
            imported = imports.import_article(Path(name), folder, update=args.update)
        except FileError as exc:  # the article, the folder or the draft, by name
            taken = exc.existing if isinstance(exc, imports.NameTaken) else None
            if taken in drafted:  # two articles of one name: the draft is the other's
                print(f"error: {name}: its draft {taken.name} was just written from {drafted[taken]}; "
                      "rename one of the two articles", file=sys.stderr)  # fmt: skip
            else:
                print(f"error: {exc}", file=sys.stderr)
            if exc.path in (folder, folder / DRAFTS_DIR):  # no article can go there
                return EXIT_UNUSABLE
            refused += 1
            continue
        drafted[imported.draft] = name
        for notice in imported.notices:  # what was left out of the article, at its line
            print(f"warning: {name}:{notice.line}: {notice.text}", file=sys.stderr)
        if imported.made_folder:
            print(f"made the knowledge folder {folder} (it did not exist)", file=out)
        draft, one = imported.draft, imported.passages == 1
        print(
            f"wrote {imported.passages} draft passage{'' if one else 's'} to {draft}; "
            f"review {'it' if one else 'them'}, then "
            f"`kb publish {draft.name}{_naming(folder)}`",
            file=out,
        )
    if len(args.file) > 1 and refused < len(args.file):
        print(
            f"{len(args.file) - refused} of {len(args.file)} articles drafted; "
            f"`kb publish --all{_naming(folder)}` publishes them",
            file=out,
        )
    return EXIT_UNUSABLE if refused else EXIT_OK


def cmd_kb_drafts(args: argparse.Namespace, out: TextIO) -> int:
    listed = imports.list_drafts(Path(args.knowledge))
    for draft in listed:
        update = "\t(--update: replaces the live file of its name)" if is_update(draft.path) else ""
        print(f"{draft.path.name}\t{draft.passages}\t{draft.error or draft.title}{update}", file=out)
        for point in draft.review:  # what to look at before `kb publish`
            print(f"\treview: {point}", file=out)
    if not listed:
        print(f"No drafts in {Path(args.knowledge) / DRAFTS_DIR}; `kb import FILE` makes one.", file=out)
    return EXIT_OK


def cmd_kb_publish(args: argparse.Namespace, out: TextIO) -> int:
    if bool(args.file) == args.all:
        print("error: give one draft to publish, or --all", file=sys.stderr)
        return EXIT_UNUSABLE
    folder = Path(args.knowledge)
    if args.all and not folder.is_dir():  # a mistyped --knowledge had printed nothing, exit 0
        raise KnowledgeError(folder, "knowledge folder not found")
    names = [p.name for p in draft_files(folder)] if args.all else [args.file]
    if not names:
        print(f"No drafts in {folder / DRAFTS_DIR}: nothing published (`kb import FILE` makes one).", file=out)
        return EXIT_OK
    held = interrupts.Held()  # a Ctrl-C during a publish stops the command once its reply is printed
    if not opening.config(args).database_url:  # without loading the index: the draft may be the folder's first file
        moderation = opening.moderation(args, guard=held.change)
        return _published(names, lambda name: moderation.publish(opening.asker(args), name).message, out, held)
    service = opening.service(args, held.change)  # the drafts are this folder's files; they go live in the database
    try:
        return _published(
            names, lambda name: service.moderate(Request("publish", draft=name), opening.asker(args)), out, held
        )
    finally:
        service.close()  # its database threads and scratch folder end with the command
        held.deliver()


def _published(names: list[str], publish: Callable[[str], Reply | str], out: TextIO, held: interrupts.Held) -> int:
    """Publish the drafts one by one, stopping at the first refused: the error says which drafts were
    not tried, so that `--all` with one broken draft among many does not look like all or nothing."""
    for at, name in enumerate(names):
        try:
            reply = publish(name)
            refused, text = (reply.refused, reply.text) if isinstance(reply, Reply) else (False, reply)
        except Refused as exc:
            refused, text = True, str(exc)
        if refused:
            rest = names[at + 1 :]
            untried = f"\n(not tried: {', '.join(rest)}; `kb publish --all` again once it is fixed)" if rest else ""
            print(f"error: {text}{untried}", file=sys.stderr)
            return EXIT_FAILED
        print(text, file=out)
        held.deliver()
    return EXIT_OK
