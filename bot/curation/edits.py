"""Passage edits on parsed knowledge files: pure functions from the files' data to the new data.

`bot.curation.moderation` reads the files under the store's lock, asks these functions what a change
does (an `Edit`: the changed files, where the passage is, before and after), and commits it. They
check moderators' input and raise `Refused` with a short reply when it cannot be used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from bot import ids, knowledge, messages
from bot.catalogue import N_, _
from bot.curation.history import DOCUMENT, Record
from bot.curation.store import MODERATOR_FILE, MODERATOR_SOURCE, dump

Item = dict[str, Any]
Files = dict[str, Any]


class Refused(Exception):
    """A moderation request that was not carried out; str() is a short reply for the user."""


class AlreadyAsked(Refused):
    """`alias` refused: the passage lists that question already (a gap of its words may still be listed)."""


@dataclass(frozen=True)
class Edit:
    """What a change does to the files, worked out under the lock."""

    changed: Files  # file name -> new data (None: delete the file)
    file: str
    index: int
    before: Item | None
    after: Item | None
    passage_id: str
    source: Item | None = None  # the source of the file it deletes, which undo puts back


def add_passage(files: Files, section: str, text: str, questions: Sequence[str], wanted: str | None) -> Edit:
    """A new passage at the end of the moderators' file (made on first use), under the id `wanted`
    (Refused when taken) or one made from its section and text."""
    taken = {str(item.get("id")) for _, _, item in all_items(files)}
    if wanted and wanted in taken:
        raise Refused(_("The id `{id}` is already used; choose another.").format(id=wanted))
    pid = wanted or new_id(section, text, taken)
    data = files.get(MODERATOR_FILE) or {"source": dict(MODERATOR_SOURCE), "passages": []}
    item = make_item(pid, section, text, questions)
    data["passages"] = [*(data.get("passages") or []), item]
    return Edit({MODERATOR_FILE: data}, MODERATOR_FILE, len(data["passages"]) - 1, None, item, pid)


def edit_passage(files: Files, pid: str, new: Item, opened: knowledge.Passage | None) -> Edit:
    """Passage `pid`, in whichever file holds it, with the fields `new` sets; Refused when it would
    read the same, or when one of those fields was changed since `opened` (the passage as a form showed it)."""
    name, index, item = find(files, pid)
    if opened is not None and changed_since(item, opened, new):
        raise Refused(messages.changed_since_opened(pid))
    after = make_item(
        pid,
        new.get("section", item.get("section")),
        new.get("text", item.get("text")),
        new["questions"] if "questions" in new else list(item.get("questions") or []),
    )
    if normalized(after) == normalized(item):
        raise Refused(_("`{id}` already reads like that; nothing changed.").format(id=pid))
    return replace(files, name, index, item, after)


def remove_passage(files: Files, pid: str) -> Edit:
    """Passage `pid` out of whichever file holds it."""
    name, index, item = find(files, pid)
    return replace(files, name, index, item, None)


def attach_questions(files: Files, pid: str, wordings: Sequence[str]) -> Edit:
    """Passage `pid` with `wordings` added to its questions, those it has (case aside) left out;
    Refused when it has the first already."""
    name, index, item = find(files, pid)
    existing = list(item.get("questions") or [])
    if wordings[0].casefold() in (q.casefold() for q in existing):
        raise AlreadyAsked(_("`{id}` already has that question.").format(id=pid))
    added = [w for w in wordings if w.casefold() not in (q.casefold() for q in existing)]
    after = make_item(pid, item.get("section"), item.get("text"), [*existing, *added])
    return replace(files, name, index, item, after)


def revert(files: Files, last: Record) -> Edit:
    pid = last.passage_id
    located = _locate(files, pid)
    if last.after is not None:  # it exists now (add, edit, alias): it must be as that change left it
        if located is None or normalized(located[2]) != normalized(last.after):
            raise Refused(
                _("`{id}` was changed since that {kind}; change it directly instead.").format(id=pid, kind=last.kind)
            )
        name, index, item = located
        return replace(files, name, index, item, dict(last.before) if last.before else None)
    if located is not None:
        raise Refused(_("`{id}` exists again; remove it first to undo its removal.").format(id=pid))
    before = dict(last.before or {})
    data = files.get(last.file)
    if data is None:
        if last.source is not None:  # the removal that took the whole file kept its source
            data = {"source": dict(last.source), "passages": []}
        elif last.file != MODERATOR_FILE:
            raise Refused(_("{file} is gone; the passage cannot be put back.").format(file=last.file))
        else:
            data = {"source": dict(MODERATOR_SOURCE), "passages": []}  # an older record keeps no source
    passages = list(data.get("passages") or [])
    index = min(max(last.index, 0), len(passages))
    passages.insert(index, before)
    data["passages"] = passages
    return Edit({last.file: data}, last.file, index, None, before, pid)


def revert_push(documents: Files, last: Record) -> Edit:
    """The change that puts back synonyms.yaml or settings.yaml as it was before the push `last` (no
    such file: it goes); Refused when the file is no longer as that push left it."""
    name = last.passage_id
    now = {DOCUMENT: documents[name]} if name in documents else None
    if now != last.after:
        raise Refused(_("{file} was changed since that push; push the version you want instead.").format(file=name))
    before = last.before
    # An empty file (None, as an older push stored one) goes back as an empty mapping, which the loaders
    # read alike: None here would delete the file, and the next undo would find it "changed since".
    data = None if before is None else {} if before.get(DOCUMENT) is None else before[DOCUMENT]
    return Edit({name: data}, name, 0, now, before, name)


def replace(files: Files, name: str, index: int, item: Item, after: Item | None) -> Edit:
    data = files[name]
    passages = list(data["passages"])
    if after is None:
        del passages[index]
    else:
        passages[index] = after
    if not passages:
        if name != MODERATOR_FILE:
            raise Refused(
                _("`{id}` is the last passage of {file}; remove that file by hand.").format(
                    id=item.get("id"), file=name
                )
            )
        source = data.get("source")  # kept with the change: undo recreates the file under its own title
        return Edit(
            {name: None}, name, index, normalized(item), after, str(item.get("id")),
            source=dict(source) if isinstance(source, dict) else None,
        )  # fmt: skip
    return Edit({name: {**data, "passages": passages}}, name, index, normalized(item), after, str(item.get("id")))


def all_items(files: Files) -> list[tuple[str, int, Item]]:
    found = []
    for name, data in files.items():
        if isinstance(data, dict):
            for index, item in enumerate(data.get("passages") or []):
                if isinstance(item, dict):
                    found.append((name, index, item))
    return found


def _locate(files: Files, pid: str) -> tuple[str, int, Item] | None:
    return next(((n, i, item) for n, i, item in all_items(files) if str(item.get("id")) == pid), None)


def find(files: Files, pid: str) -> tuple[str, int, Item]:
    located = _locate(files, pid)
    if located is None:
        raise Refused(_("No passage with the id `{id}`.").format(id=pid))
    return located


def make_item(pid: str, section: Any, text: Any, questions: Sequence[str]) -> Item:
    item: Item = {"id": pid, "section": str(section).strip(), "text": str(text).strip()}
    if questions:
        item["questions"] = [str(q).strip() for q in questions]
    return item


def normalized(item: Item) -> Item:
    return make_item(str(item.get("id")), item.get("section", ""), item.get("text", ""), item.get("questions") or [])


def changed_since(item: Item, opened: knowledge.Passage, fields: Item) -> bool:
    """Whether a field of `fields` (those an edit sets) reads otherwise in `item`, the passage as its
    file holds it now, than in `opened`, the passage as a form showed it: someone changed it since."""
    now = normalized(item)
    shown = make_item(opened.id, opened.section, opened.text, opened.questions)
    return any(now.get(field) != shown.get(field) for field in fields)


def new_id(section: str, text: str, taken: set[str]) -> str:
    """The section's slug, numbered if taken (`parking`, `parking-2`); the text's first words
    when the section has no letter to spell."""
    return ids.numbered(ids.slug(section) or ids.slug(text, 24) or "passage", taken)


def section_field(value: str) -> str:
    return _field(N_("section"), value, knowledge.MAX_SECTION_CHARS)


def text_field(value: str) -> str:
    return _field(N_("text"), value, knowledge.MAX_TEXT_CHARS)


def _field(name: str, value: str, limit: int) -> str:
    # NEL (U+0085), an old line break, is a newline here: PyYAML writes it in a way it then
    # reads back as a space.
    value = str(value or "").replace("\x85", "\n").strip()
    if not value:
        raise Refused(_("The {field} is empty.").format(field=_(name)))
    if len(value) > limit:
        raise Refused(
            _("The {field} is {length} characters; the limit is {limit}.").format(
                field=_(name), length=len(value), limit=limit
            )
        )
    if not _encodable(value) or not _kept(value):
        raise Refused(
            _("The {field} holds characters that cannot be saved (broken Unicode); type it again.").format(
                field=_(name)
            )
        )
    return value


def _kept(value: str) -> bool:
    """True when `value` reads back exactly from the YAML the store writes."""
    return bool(yaml.load(dump({"v": value}), Loader=yaml.CSafeLoader) == {"v": value})


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, as a JSON "\ud800" escape can carry
        return False
    return True


def question_fields(questions: Sequence[str]) -> list[str]:
    if isinstance(questions, str):
        questions = [questions]
    return [_field(N_("question"), q, knowledge.MAX_QUESTION_CHARS) for q in questions]


def distinct(questions: Sequence[str]) -> tuple[list[str], list[str]]:
    """The questions without repeats (case aside, as `alias` compares them), and the repeats left out."""
    kept: dict[str, str] = {}
    repeats = []
    for question in questions:
        if question.casefold() in kept:
            repeats.append(question)
        else:
            kept[question.casefold()] = question
    return list(kept.values()), repeats


def quoted_id(value: str | None) -> str:
    """An id (or a file's name) as given, also as copied from a reply that quotes it as code (`rules`)."""
    return str(value or "").strip().strip("`")


def passage_id_field(value: str) -> str:
    pid = quoted_id(value)
    if len(pid) > knowledge.MAX_ID_CHARS:
        raise Refused(
            _("The {field} is {length} characters; the limit is {limit}.").format(
                field=_("id"), length=len(pid), limit=knowledge.MAX_ID_CHARS
            )
        )
    if not knowledge.ID_PATTERN.match(pid):  # within the limit: shown whole
        raise Refused(_("`{id}` is not a passage id (lowercase letters, digits and hyphens).").format(id=pid))
    return pid
