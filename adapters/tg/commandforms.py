"""The /kb_* commands' one-line forms on Telegram: their usages, and parsing one into the core's `Request`.

A Telegram command is a single message, so the fields of a command are separated by `|`
and alternate questions by `;`; `\\|` writes a `|` inside a field (`ps aux \\| grep bot`):

    /kb_add SECTION | TEXT [| QUESTION ; QUESTION ...] [| id=ID]
    /kb_add section=SECTION | text=TEXT [| questions=QUESTION ; QUESTION] [| id=ID]
    /kb_edit ID | TEXT
    /kb_edit ID | section=SECTION | text=TEXT | questions=QUESTION ; QUESTION
    /kb_remove ID
    /kb_alias ID | QUESTION
    /kb_history [ID]
    /kb_undo
    /kb_gaps [N]
    /kb_stats
    /kb_dismiss GAP

GAP is a gap's id or number as /kb_gaps lists it; `/kb_alias ID | GAP` attaches that
unanswered question to the passage.

Parsing knows nothing of the knowledge base: whether an id exists, or the asker may change it,
is the core's answer. A wrong form raises `UsageError` carrying the usage of that command; a
right one becomes the core's `Request` (the command without its `kb_`), which the handler
(`adapters.tg.moderation`) hands to `Service.moderate` off the event loop.
"""

from __future__ import annotations

import re

from adapters.tg.written import ESCAPED_SEPARATOR, SEPARATOR
from bot import Request, messages

PREFIX = "kb_"

_SPLIT = re.compile(r"(?<!\\)\|")  # a `|` that is not escaped
QUESTION_SEPARATOR = ";"
MAX_LIMIT = 50
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# what history is kept under: a passage's id, or a file's name (synonyms.yaml, a draft published)
_HISTORY_OF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ID_FIRST = re.compile(r"([A-Za-z0-9][A-Za-z0-9_-]*)(?:\s*\|\s*|\s+|$)(.*)", re.DOTALL)
_FIELD = re.compile(r"(section|text|questions|id)\s*=\s*(.*)", re.IGNORECASE | re.DOTALL)

N_ = messages.N_  # marks the usages and the problems for the catalogue
USAGE = {
    "kb_add": N_(
        "/kb_add SECTION | TEXT | QUESTION ; QUESTION\n"
        "or /kb_add section=SECTION | text=TEXT | questions=Q ; Q\n"
        "(the questions are optional; add | id=ID to choose the passage id; write \\| for a | inside the text)"
    ),
    "kb_edit": N_(
        "/kb_edit ID | NEW TEXT\nor /kb_edit ID | section=NEW SECTION | text=NEW TEXT | questions=Q ; Q\n"
        "(any of the three; questions= with nothing after it removes them all; write \\| for a | inside the text)"
    ),
    "kb_remove": "/kb_remove ID",
    "kb_alias": N_("/kb_alias ID | QUESTION\n(or a gap's id or number from /kb_gaps instead of the question)"),
    "kb_history": N_("/kb_history or /kb_history ID"),
    "kb_undo": "/kb_undo",
    "kb_gaps": N_("/kb_gaps or /kb_gaps N (how many, up to 50)"),
    "kb_stats": "/kb_stats",
    "kb_dismiss": N_("/kb_dismiss GAP (a gap's id or number, as /kb_gaps lists it)"),
    "kb_find": N_("/kb_find WORDS (the passages that match, with the ids the other commands take)"),
}

TOO_MANY_PARTS = N_("More parts than fields: write {escaped} for a | inside the text.")
USAGE_IS = N_("Usage:")


class UsageError(ValueError):
    """A command in the wrong form: what is wrong (a catalogue sentence, `values` put in) and the
    right form; `said` in the sender's language, `str(exc)` in English."""

    def __init__(self, command: str, problem: str, /, **values: str | int):
        self.command, self.problem, self.values = command, problem, values
        super().__init__(self.said("en"))

    def said(self, language: str) -> str:
        problem = messages.say(self.problem, language).format(**self.values)
        return f"{problem}\n{messages.say(USAGE_IS, language)} {messages.say(USAGE[self.command], language)}"


def parse(command: str, args: str) -> Request:
    """The request in `args` (the message after `/command` or `/command@BotName`), or UsageError."""
    args = args.strip()
    name = command.removeprefix(PREFIX)
    if command == "kb_add":
        return _add(args)
    if command == "kb_edit":
        return _edit(args)
    if command == "kb_remove":
        if not _ID.fullmatch(args):
            raise UsageError(command, N_("Which passage? Give its id."))
        return Request(name, passage_id=args)
    if command == "kb_alias":
        passage_id, question = _id_and_rest(command, args)
        if not question:
            raise UsageError(command, N_("Give the passage id and the question to attach to it."))
        return Request(name, passage_id=passage_id, question=question.replace(ESCAPED_SEPARATOR, SEPARATOR))
    if command == "kb_history":
        if args and not _HISTORY_OF.fullmatch(args):
            raise UsageError(command, N_("Give one passage id or file name, or nothing for the latest changes."))
        return Request(name, passage_id=args or None)
    if command == "kb_gaps":
        if args and not (args.isdecimal() and 1 <= int(args) <= MAX_LIMIT):
            raise UsageError(command, N_("Give a number from 1 to {limit}, or nothing."), limit=MAX_LIMIT)
        return Request(name, limit=int(args) if args else None)
    if command == "kb_dismiss":
        if not args:
            raise UsageError(command, N_("Which gap? Give its id or number from /kb_gaps."))
        return Request(name, question=args)
    if command == "kb_find":
        if not args:
            raise UsageError(command, N_("Give some words of the passage."))
        return Request(name, question=args)
    if command in ("kb_undo", "kb_stats"):
        if args:
            raise UsageError(command, N_("{command} takes nothing after it."), command=f"/{command}")
        return Request(name)
    raise ValueError(f"not a moderation command: {command}")


def _add(args: str) -> Request:
    """SECTION | TEXT | QUESTIONS in that order, or named as /kb_edit names them (`section=`, `text=`,
    `questions=`, which had been stored as words: a section "section=Parking"); the parts without a
    name fill the fields not named, in that order."""
    passage_id = None
    named: dict[str, str] = {}
    unlabelled: list[str] = []
    for part in _parts(args):
        field = _FIELD.fullmatch(part)
        if field is None:
            unlabelled.append(part)
            continue
        name, value = field.group(1).lower(), field.group(2).strip()
        if name in named:
            raise UsageError("kb_add", N_("Give each field once."))
        named[name] = value
    if "id" in named:
        passage_id = named.pop("id")
        if not _ID.fullmatch(passage_id):
            raise UsageError("kb_add", N_("An id is made of letters, digits and dashes."))
    free = [name for name in ("section", "text", "questions") if name not in named]
    if len(unlabelled) > len(free):
        raise UsageError("kb_add", TOO_MANY_PARTS, escaped=ESCAPED_SEPARATOR)
    named.update(zip(free, unlabelled, strict=False))
    if not named.get("section") or not named.get("text"):
        raise UsageError("kb_add", N_("Give the section and the text, separated by |."))
    questions = _questions(named["questions"]) if "questions" in named else ()
    return Request("add", passage_id=passage_id, section=named["section"], text=named["text"], questions=questions)


def _edit(args: str) -> Request:
    passage_id, rest = _id_and_rest("kb_edit", args)
    values: dict[str, str] = {}
    for i, part in enumerate(_parts(rest)):
        field = _FIELD.fullmatch(part)
        name, value = (field.group(1).lower(), field.group(2).strip()) if field else ("text", part)
        if not field and i > 0 and "text" in values:  # "ID | new text | more": a | in the text
            raise UsageError("kb_edit", TOO_MANY_PARTS, escaped=ESCAPED_SEPARATOR)
        if not field and i > 0:  # "ID | section=Bikes | Bikes go ...": the text's name is missing
            raise UsageError("kb_edit", N_("Give each field once, as field=value, after the id (text=...)."))
        if name == "id" or name in values:
            raise UsageError("kb_edit", N_("Give each field once, as field=value, after the id."))
        if not value and name != "questions":
            raise UsageError("kb_edit", N_("The new {name} is empty."), name=name)
        values[name] = value
    if not values:
        raise UsageError("kb_edit", N_("Say what to change."))
    questions = _questions(values["questions"]) if "questions" in values else None
    return Request(
        "edit", passage_id=passage_id, section=values.get("section"), text=values.get("text"), questions=questions
    )


def _id_and_rest(command: str, args: str) -> tuple[str, str]:
    """The passage id (the first word) and what follows it, without a leading `|`."""
    match = _ID_FIRST.fullmatch(args)
    if match is None:
        raise UsageError(command, N_("Start with the passage id."))
    return match.group(1), match.group(2).strip()


def _parts(args: str) -> list[str]:
    """The fields of `args`, split at each `|` that is not written `\\|` (which stays a `|` in its field)."""
    if not args.strip():
        return []
    return [part.replace(ESCAPED_SEPARATOR, SEPARATOR).strip() for part in _SPLIT.split(args)]


def _questions(raw: str) -> tuple[str, ...]:
    return tuple(q.strip() for q in raw.split(QUESTION_SEPARATOR) if q.strip())
