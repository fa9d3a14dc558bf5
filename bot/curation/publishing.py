"""Publishing a draft made by `kb import`: from `drafts/` into the live knowledge folder.

`bot.curation.moderation` runs these under the store's lock, like every other change: `plan` works out
the new live file from the draft (ids already used in the live folder, or twice in the draft,
are numbered anew), the store validates and writes it, the history records it (kind `publish`,
the file's name in place of a passage id, the whole file as `after`), and the draft is removed.
Undo (`unpublish`) takes the file out of the live folder and `restore` puts the draft back, as
long as the file is still as it was published.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import yaml

from bot.catalogue import _
from bot.curation import ids
from bot.curation.edits import Edit, Files, Refused, all_items, normalized
from bot.curation.history import Record
from bot.curation.importing import DRAFT_HEADER, DRAFTS_DIR, UPDATE_MARK, draft_files, is_update
from bot.curation.store import OWN_FILES, dump, write_atomic


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


def plan(files: Files, draft: Path, renamed: dict[str, str], dropped: list[str] | None = None) -> Edit:
    """The change that makes `draft` live; ids it has to number anew go into `renamed`, and the
    alternate questions of the live file that a new version has no passage for into `dropped`."""
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
        data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else f"invalid YAML or text ({type(exc).__name__})"
        raise Refused(
            _("{file} cannot be read: {error}").format(file=f"{DRAFTS_DIR}/{draft.name}", error=reason)
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("passages"), list):
        raise Refused(
            _("{file} has no passages list; fix it or import the article again.").format(
                file=f"{DRAFTS_DIR}/{draft.name}"
            )
        )
    taken = {str(item.get("id")) for name, _, item in all_items(files) if not (replacing and name == draft.name)}
    kept = _Aliases.of(files.get(draft.name) if replacing else None)
    passages = []
    for item in data["passages"]:
        aliases = kept.take(item) if isinstance(item, dict) else None
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
        dropped.extend(kept.left())
    published = {**data, "passages": passages}
    before = files.get(draft.name) if replacing else None
    return Edit({draft.name: published}, draft.name, 0, before, published, draft.name)


def _plain(text: object) -> str:
    return " ".join(str(text or "").split())


class _Aliases:
    """The alternate questions of a live file's passages (most often moderators' aliases), for a
    new version of the file to keep: on a passage of the same text, else on the passage of the same
    id under the same section (the FAQ's answer was reworded, its question is the same one: a
    tester's aliases of the install answer were dropped when its commands changed)."""

    def __init__(self, passages: list[dict[str, Any]]) -> None:
        self._passages = passages
        self._taken: set[int] = set()

    @classmethod
    def of(cls, data: object) -> _Aliases:
        passages = data.get("passages") if isinstance(data, dict) else None
        return cls([p for p in passages or [] if isinstance(p, dict) and p.get("questions")])

    def take(self, item: dict[str, Any]) -> list[str]:
        """The questions `item` of the new version keeps (each live passage's go to one passage)."""
        text, pid, section = _plain(item.get("text")), item.get("id"), item.get("section")
        same_text = (at for at, p in enumerate(self._passages) if _plain(p.get("text")) == text)
        same_place = (at for at, p in enumerate(self._passages) if p.get("id") == pid and p.get("section") == section)
        for at in itertools.chain(same_text, same_place):
            if at not in self._taken:
                self._taken.add(at)
                return [str(q) for q in self._passages[at]["questions"] if isinstance(q, str)]
        return []

    def left(self) -> list[str]:
        """The questions no passage of the new version took."""
        return [str(q) for at, p in enumerate(self._passages) if at not in self._taken for q in p["questions"]]


def replaced_edits(records: list[Record], published: Record) -> list[str]:
    """The ids of the passages that moderators edited since `published`'s file was last published
    (or imported), whose text the new version `published` replaces: "kb import --update" reads the
    article again, and a fix made in chat is gone unless the article has it too."""
    at = next((n for n, r in enumerate(records) if r.id == published.id), len(records))
    since = 0
    for n in range(at - 1, -1, -1):
        if records[n].kind == "publish" and records[n].passage_id == published.passage_id:
            since = n + 1
            break
    undone = {r.undoes for r in records if r.undoes}
    texts = {
        str(p.get("id")): _plain(p.get("text"))
        for p in (published.after or {}).get("passages") or []
        if isinstance(p, dict)
    }
    found: list[str] = []
    for record in records[since:at]:
        if record.kind != "edit" or record.file != published.passage_id or record.id in undone:
            continue
        edited = _plain((record.after or {}).get("text"))
        if record.passage_id in texts and texts[record.passage_id] != edited and record.passage_id not in found:
            found.append(record.passage_id)
    return found


def unpublish(files: Files, last: Record) -> Edit:
    """The change that takes a published file out again (or puts back the version it replaced),
    if it is still as it was published."""
    if _content(files.get(last.file)) != _content(last.after):
        raise Refused(
            _("{file} was changed since it was published; change it directly instead.").format(file=last.file)
        )
    return Edit({last.file: last.before}, last.file, 0, last.after, last.before, last.passage_id)


def _content(data: object) -> object:
    """What a published file says, however it is stored (a database keeps no empty questions list,
    no comments, no key order)."""
    if not isinstance(data, dict):
        return data
    passages = [normalized(p) if isinstance(p, dict) else p for p in data.get("passages") or []]
    return {"source": data.get("source") or {}, "passages": passages}


def check_restorable(knowledge_dir: Path, last: Record) -> None:
    """Refused when undoing the publish `last` would write over a draft waiting under its name
    (next month's version, made by `kb import --update`): a moderator's draft is never lost."""
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
