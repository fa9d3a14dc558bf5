"""A knowledge folder as the database takes it and gives it back: its files parsed as the loader parses
them, the text the database writes them out as, the check that they still load, and what a push of it
records (one change per passage that differs).
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot import knowledge, yamlfiles
from bot.catalogue import N_, _, counted
from bot.curation.edits import normalized
from bot.curation.history import SOURCE, Record
from bot.curation.store import EMPTIED, WOULD_BREAK, StoreError, dump, load_whole
from bot.knowledge import NOT_SOURCES, KnowledgeBase, KnowledgeError
from bot.search import synonyms
from bot.storage.tables import Files, passages_of

# A push that would remove a hidden file's passages: the file was never read, so its passages look removed.
HIDDEN_PUSHED = N_(
    "{file}: not read (hidden), so the push would remove its {passages} from the database. Nothing was pushed: "
    "rename it {name} (its passages move there), and push again."
)


def validate(files: Files, documents: Mapping[str, Any] | None = None) -> KnowledgeBase:
    """Load `files`, with `documents` (synonyms.yaml, settings.yaml) where given, through the real loader
    (in a scratch folder); raises StoreError."""
    if not files:
        raise StoreError(_(EMPTIED))
    try:
        return loaded(files, documents)
    except KnowledgeError as exc:
        raise StoreError(_(WOULD_BREAK).format(error=exc.message)) from exc


def loaded(files: Files, documents: Mapping[str, Any] | None = None) -> KnowledgeBase:
    """`files` and `documents` loaded as every instance loads them, from a scratch folder removed after;
    raises KnowledgeError (its file named as the database names it) or OSError (the folder cannot be written)."""
    with tempfile.TemporaryDirectory(prefix="qabot-check-") as scratch:
        folder = Path(scratch)
        for name, data in {**files, **(documents or {})}.items():
            (folder / name).write_text(written(name, data), encoding="utf-8")
        return load_whole(folder)


def written(name: str, data: Any) -> str:
    """A file's text as the database writes it out (an export, every instance's load, the check of a change).
    synonyms.yaml gets a group a line, as people write it (`- [photo, pics]`): a phrase a line made it a fifth
    larger, so a file under the loader's limit came out over it, and its push was refused."""
    if name != knowledge.SYNONYMS_FILE:
        return dump(data)
    text: str = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=math.inf)
    return text


def within_limit(path: Path, data: Any) -> None:
    """Refuse synonyms.yaml that is over the loader's limit as every instance will read it (`written`): a group a
    line is no larger than a file written that way, but one made small by aliases (`*a`, each a whole group
    written out) or by leaving out the spaces can come out larger; raises KnowledgeError naming the file."""
    size, limit = len(written(path.name, data).encode()), synonyms.MAX_BYTES
    if size > limit:
        said = f"{size} bytes as the database writes it out (a group a line, each alias written out)"
        raise KnowledgeError(path, f"{said}, more than the limit of {limit}")


def folder_documents(folder: Path) -> dict[str, Any]:
    """synonyms.yaml and settings.yaml of a knowledge folder, where present, parsed as PostgreSQL gives them
    back (JSON), so that one pushed as it was compares equal. An empty file is an empty mapping, which both
    loaders read alike: None would be no file (in `PostgresStore.commit`, and in an undo that restores it)."""
    parsed = {name: parsed_file(folder / name) for name in sorted(NOT_SOURCES) if (folder / name).is_file()}
    return {name: {} if data is None else json.loads(json.dumps(data)) for name, data in parsed.items()}


def parsed_file(path: Path) -> Any:
    """A file of the folder parsed as the loader parses it (libyaml, which takes what PyYAML's pure-Python
    parser refuses, a tab after a value), so that a file `kb check` takes is pushed; raises KnowledgeError."""
    try:
        return yamlfiles.read(path).data
    except yamlfiles.FileError as exc:  # edited between the check and now
        raise KnowledgeError(exc.path, exc.message, entry=exc.entry, line=exc.line) from None


def none_left_unread(folder: Path, old: Files, new: Files) -> None:
    """Refuse a push that would remove the passages of a source the database holds under the name of a file
    that `folder` holds but does not read (`.faq.yaml`, hidden: pushed before hidden files were skipped, and
    written so by `kb export`); raises StoreError, nothing written."""
    for name in sorted(old.keys() - new.keys()):
        if knowledge.hidden(Path(name)) and (folder / name).is_file():
            held = counted(len(passages_of(old[name])), "passage")
            renamed = knowledge.readable_name(name)
            raise StoreError(_(HIDDEN_PUSHED).format(file=folder / name, passages=held, name=renamed))


def differences(old: Files, new: Files, by: str) -> list[Record]:
    """One record per passage added, edited (or moved to another file) or removed, old to new; a removal
    that takes its whole file keeps the file's source, so that its undo can put the file back. And one
    per file kept whose source (title, publisher, ...) changed: recorded, every instance reloads it."""

    def located(files: Files) -> dict[str, tuple[str, int, dict[str, Any]]]:
        return {str(item["id"]): (name, i, item) for name, data in sorted(files.items()) for i, item in
                enumerate(passages_of(data))}  # fmt: skip

    before, after = located(old), located(new)
    records = []
    for pid, (name, index, item) in after.items():
        was = before.get(pid)
        if was is None:
            records.append(push_record("add", pid, name, index, None, item, by))
        elif was[0] != name or normalized(was[2]) != normalized(item):
            records.append(push_record("edit", pid, name, index, was[2], item, by))
    for pid, (name, index, item) in before.items():
        if pid not in after:
            source = None if name in new else old[name].get("source")  # the whole file goes
            records.append(push_record("remove", pid, name, index, item, None, by, source=source))
    for name in sorted(old.keys() & new.keys()):
        was, now = old[name].get("source"), new[name].get("source")
        if was != now:
            records.append(push_record(SOURCE, name, name, 0, {"source": was, "passages": None},
                                       {"source": now, "passages": None}, by))  # fmt: skip
    return records


def push_record(
    kind: str, pid: str, file: str, index: int, before: Any, after: Any, by: str, source: Any = None
) -> Record:
    return Record(id=Record.new_id(), at=Record.now(), platform="cli", user_id="", name=by, chat_id="", kind=kind,
                  passage_id=pid, file=file, index=index, before=before, after=after, source=source)  # fmt: skip


def not_undone(records: list[Record]) -> list[Record]:
    """`records` without the changes undone among them, nor their undos: an addition taken back since
    the export leaves the database as the export had it, and a push takes nothing back from it."""
    ids = {r.id for r in records}
    undone = {r.undoes for r in records if r.undoes in ids}
    return [r for r in records if r.id not in undone and r.undoes not in undone]
