"""Publishing a draft made by `kb import`: from `drafts/` into the live knowledge folder.

`bot.curation.moderation` runs these under the store's lock, like every other change: `plan` works out
the new live file from the draft (ids already used in the live folder, or twice in the draft,
are numbered anew), the store validates and writes it, the history records it (kind `publish`,
the file's name in place of a passage id, the whole file as `after`), and the draft is removed.
Undo (`unpublish`) takes the file out of the live folder and `restore` puts the draft back, as
long as the file is still as it was published.

A draft's header lines are defined here: `kb import` writes them (`DRAFT_HEADER`, and `UPDATE_MARK`
for a new version of a live file), publishing reads them (`is_update`) and writes them back on undo.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import ids, knowledge, messages, yamlfiles
from bot.catalogue import _
from bot.curation.atomicfiles import write_atomic
from bot.curation.edits import Edit, Files, Refused, all_items, normalized
from bot.curation.history import Record
from bot.curation.store import OWN_FILES, StoreError, dump, load_whole
from bot.knowledge import DRAFTS_DIR, KnowledgeError, draft_files
from bot.storage.protocol import ChangeLog
from bot.yamlfiles import FileError

log = logging.getLogger(__name__)

DRAFT_HEADER = "# Draft passages made by `kb import`: review ids, sections and splits, add questions.\n"
# The second header line of a draft made by `kb import --update`: `kb publish` then replaces the
# live file of its name (a comment, as a knowledge file takes no other top-level key).
UPDATE_MARK = "# A new version of the live file of this name: `kb publish` replaces it, `kb undo` puts it back.\n"


def is_update(draft: Path) -> bool:
    """Whether a draft was made by `kb import --update` (its header says so)."""
    try:
        with draft.open(encoding="utf-8") as file:
            head = [file.readline(), file.readline()]
    except (OSError, UnicodeDecodeError):
        return False
    return UPDATE_MARK in head


def draft_path(knowledge_dir: Path, name: str) -> Path:
    """The draft a moderator named (`faq`, `faq.yaml` or `drafts/faq.yaml`); Refused when none is."""
    wanted = Path(name.strip()).name
    wanted = wanted if wanted.endswith(".yaml") else f"{wanted}.yaml"
    path = Path(knowledge_dir) / DRAFTS_DIR / wanted
    if path not in draft_files(Path(knowledge_dir)):
        raise Refused(
            _("No draft `{draft}` in {folder}/; `kb drafts` lists them.").format(draft=wanted, folder=DRAFTS_DIR)
        )
    return path


def plan(
    files: Files,
    draft: Path,
    renamed: dict[str, str],
    dropped: list[str] | None = None,
    repeated: dict[str, int] | None = None,
) -> Edit:
    """The change that makes `draft` live; ids it has to number anew go into `renamed`, the
    alternate questions of the live file that a new version has no passage for into `dropped`, and
    how many of its passages another live file holds word for word, by that file, into `repeated`."""
    check_drafts_writable(draft.parent.parent)
    if draft.name in OWN_FILES:
        raise Refused(
            _("{draft} would replace the folder's own file of that name; rename the draft and publish it then.").format(
                draft=draft.name
            )
        )
    replacing = draft.name in files and is_update(draft)
    if draft.name in files and not replacing:
        raise Refused(
            _("{draft} is already live; `kb import --update` makes a new version of it, or rename the draft.").format(
                draft=draft.name
            )
        )
    try:
        data = yamlfiles.read(draft).data  # as `kb drafts` reads it: the error names the line
    except FileError as exc:
        raise Refused(
            _("{file} cannot be read: {error}").format(
                file=f"{DRAFTS_DIR}/{draft.name}" + (f":{exc.line}" if exc.line else ""),
                error=exc.message.removeprefix("cannot be read: "),  # said once: "cannot be read: cannot be read:"
            )
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("passages"), list):
        raise Refused(
            _("{file} has no passages list; fix it or import the article again.").format(
                file=f"{DRAFTS_DIR}/{draft.name}"
            )
        )
    try:  # the draft alone, as `kb drafts` reads it: the refusal names its line and entry, not the live file's
        knowledge.read_file(draft)
    except KnowledgeError as exc:
        raise Refused(
            _("{error}; fix the draft, then publish it again.").format(error=f"{DRAFTS_DIR}/{exc.brief()}")
        ) from exc
    taken = {str(item.get("id")) for name, _, item in all_items(files) if not (replacing and name == draft.name)}
    kept, left = _kept_aliases(files.get(draft.name) if replacing else None, data["passages"])
    passages = []
    for item, aliases in zip(data["passages"], kept, strict=True):
        if isinstance(item, dict) and aliases:  # a passage kept keeps them, beside any the draft adds
            own = [str(q) for q in item.get("questions") or [] if isinstance(q, str)]
            item = {**item, "questions": [*own, *(q for q in aliases if q not in own)]}
        if isinstance(item, dict) and str(item.get("id")) in taken:
            old = str(item["id"])
            item = {**item, "id": ids.numbered(re.sub(r"-[0-9]+\Z", "", old), taken, bare=False)}
            renamed[old] = item["id"]
        if isinstance(item, dict):
            taken.add(str(item.get("id")))
        passages.append(item)
    if dropped is not None:
        dropped.extend(left)
    if repeated is not None:
        repeated.update(_repeated(files, draft.name, passages))
    published = {**data, "passages": passages}
    before = files.get(draft.name) if replacing else None
    return Edit({draft.name: published}, draft.name, 0, before, published, draft.name)


def _repeated(files: Files, name: str, passages: list[Any]) -> dict[str, int]:
    """How many of `passages` each other live file holds word for word: the same article imported
    under two names is every section twice, and a question worded as a heading, asked of both,
    is answered by neither."""
    texts = {_plain(p.get("text")) for p in passages if isinstance(p, dict)} - {""}
    found: dict[str, int] = {}
    for other, _at, item in all_items(files):
        if other != name and isinstance(item, dict) and _plain(item.get("text")) in texts:
            found[other] = found.get(other, 0) + 1
    return found


def _plain(text: object) -> str:
    return " ".join(str(text or "").split())


def _kept_aliases(live: object, items: list[object]) -> tuple[list[list[str]], list[str]]:
    """The alternate questions of the live file's passages (most often moderators' aliases) that
    each passage of its new version (`items`) keeps, and those none keeps. A passage keeps those of
    the live passage of the same text, else of the same id under the same section (the FAQ's answer
    was reworded, its question is the same one: a tester's aliases of the install answer were
    dropped when its commands changed). Text first, over the whole file: a paragraph added at the
    top moves every id by one, and the ids alone would give each passage's aliases to the one
    before it."""
    passages = live.get("passages") if isinstance(live, dict) else None
    asked = [p for p in passages or [] if isinstance(p, dict) and p.get("questions")]
    new = [item if isinstance(item, dict) else {} for item in items]
    owner: dict[int, int] = {}  # live passage -> the new passage that keeps its questions
    for key in (_text_of, _place_of):
        free: dict[object, list[int]] = {}  # key -> the new passages not taken yet, in order
        taken = set(owner.values())
        for n, item in enumerate(new):
            if n not in taken:
                free.setdefault(key(item), []).append(n)
        for at, passage in enumerate(asked):
            places = free.get(key(passage))
            if at not in owner and places:
                owner[at] = places.pop(0)
    kept: list[list[str]] = [[] for _ in items]
    for at, place in owner.items():
        kept[place] = [str(q) for q in asked[at]["questions"] if isinstance(q, str)]
    return kept, [str(q) for at, passage in enumerate(asked) if at not in owner for q in passage["questions"]]


def _text_of(passage: dict[str, Any]) -> object:
    return _plain(passage.get("text")) if passage else None


def _place_of(passage: dict[str, Any]) -> object:
    return (passage.get("id"), passage.get("section")) if passage else None


def goes_live(folder: Path, *, watched: bool) -> str | None:
    """After a change made with no index of its own (the command line's `kb publish`): None when the folder
    loads as a running bot's watcher will load it, else the sentence that says why it is not live yet (another
    file saved by hand in the moment after the change's check: it had been said live, and no bot served it)."""
    try:
        load_whole(folder)
    except KnowledgeError as exc:
        return messages.not_live(exc.brief(), watched=watched)
    return None


def replacement(history: ChangeLog, published: Record, dropped: Sequence[str]) -> str:
    """What the moderator reads of a new version just published: what it takes back (`replaced_changes`),
    or, when the history cannot be read in the moment after the publish (a database gone just then, which
    had raised out of the command made), that the publish is made and those changes are not listed."""
    try:
        records = history.records()
    except (StoreError, OSError) as exc:
        log.warning("kb publish made, but the history cannot be read now: %s", exc)
        return messages.replaced((), (), (), dropped, listed=False)
    return messages.replaced(*replaced_changes(records, published), dropped)


def replaced_changes(records: list[Record], published: Record) -> tuple[list[str], list[str], list[str]]:
    """What a new version (`published`, by `kb import --update`) undoes of the changes made in chat
    since its file was last published: the ids of passages edited since whose text it replaces, of
    passages edited since that it no longer has, and of passages removed since that it brings back.
    The article is read again, and a fix made in chat is gone unless the article has it too. Worked
    out from the file as last published and as it was just before (`published.before`); nothing
    when it was never published."""
    at = next((n for n, r in enumerate(records) if r.id == published.id), len(records))
    undone = {r.undoes for r in records if r.undoes}
    last = next(
        (
            r
            for r in reversed(records[:at])
            if r.kind == "publish" and r.passage_id == published.passage_id and r.id not in undone
        ),
        None,
    )
    if last is None or published.before is None:
        return [], [], []
    then, before, now = (_texts(r) for r in (last.after, published.before, published.after))
    edited = [pid for pid, text in before.items() if pid in then and then[pid] != text and now.get(pid) != text]
    back = [pid for pid in now if pid in then and pid not in before]
    return [pid for pid in edited if pid in now], [pid for pid in edited if pid not in now], back


def _texts(data: object) -> dict[str, str]:
    """A file's passages' texts by id."""
    passages = data.get("passages") if isinstance(data, dict) else None
    return {str(p.get("id")): _plain(p.get("text")) for p in passages or [] if isinstance(p, dict)}


def unpublish(files: Files, last: Record) -> Edit:
    """The change that takes a published file out again (or puts back the version it replaced),
    if it is still as it was published."""
    if _content(files.get(last.file)) != _content(last.after):
        raise Refused(
            _("{file} was changed since it was published; change it directly instead.").format(file=last.file)
        )
    if last.before is None and not any(data is not None for name, data in files.items() if name != last.file):
        raise Refused(
            _(
                "{file} is the only live file: taking it out would leave the bot nothing to answer with. "
                "Publish another file first, or change its passages (kb edit, kb remove)."
            ).format(file=last.file)
        )
    return Edit({last.file: last.before}, last.file, 0, last.after, last.before, last.passage_id)


def _content(data: object) -> object:
    """What a published file says, however it is stored (a database keeps no empty questions list,
    no comments, no key order)."""
    if not isinstance(data, dict):
        return data
    passages = [normalized(p) if isinstance(p, dict) else p for p in data.get("passages") or []]
    return {"source": data.get("source") or {}, "passages": passages}


def check_drafts_writable(knowledge_dir: Path) -> None:
    """Refused when `drafts/` cannot take a change (a file of that name, a folder the bot's user may
    not write, a read-only disk): publishing removes a draft and undoing it writes one back, and a
    change made with its draft step failed had said "It is a draft again" of an article now nowhere."""
    folder = Path(knowledge_dir) / DRAFTS_DIR
    where = folder if folder.exists() else Path(knowledge_dir)
    if (folder.exists() and not folder.is_dir()) or not os.access(where, os.W_OK):
        raise Refused(
            _("{folder}/ cannot be changed by the bot's user (not a writable folder); nothing was changed.").format(
                folder=DRAFTS_DIR
            )
        )


def check_restorable(knowledge_dir: Path, last: Record) -> None:
    """Refused when undoing the publish `last` would write over a draft waiting under its name
    (next month's version, made by `kb import --update`): a moderator's draft is never lost; or
    when `drafts/` cannot take it back."""
    check_drafts_writable(knowledge_dir)
    waiting = Path(knowledge_dir) / DRAFTS_DIR / last.file
    if waiting.exists():
        raise Refused(
            _("{file} waits in {folder}/; publish or remove that draft before undoing this publish.").format(
                file=last.file, folder=DRAFTS_DIR
            )
        )


def restore(knowledge_dir: Path, last: Record) -> None:
    """Put an unpublished file back among the drafts (a new version marked as one again)."""
    target = Path(knowledge_dir) / DRAFTS_DIR / last.file
    target.parent.mkdir(exist_ok=True)
    write_atomic(target, DRAFT_HEADER + (UPDATE_MARK if last.before is not None else "") + dump(last.after))
