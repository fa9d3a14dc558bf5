"""The moderation commands, once for every surface: a parsed `Request` in, one `Reply` out.

Each platform (and the command line) only turns its own form of a command (a Telegram line,
a Discord slash command or modal, argparse options) into a `Request`; which `Moderation`
method it calls, with what, and how a refusal reads are decided here, in `COMMANDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.asker import Asker
from bot.curation.found import Found
from bot.curation.listings import Listed, Listing
from bot.curation.moderation import Change, Moderation, Refused
from bot.knowledge import Passage


@dataclass(frozen=True)
class Request:
    """One moderation command; which fields are set depends on `command` (a key of `COMMANDS`)."""

    command: str
    passage_id: str | None = None
    section: str | None = None
    text: str | None = None
    questions: tuple[str, ...] | None = None
    question: str = ""  # alias: the question (or a gap's id); dismiss: the gap; find: the words
    limit: int | None = None  # history, gaps: how many (None: the core's default)
    draft: str = ""  # publish: the draft's file name, as `kb drafts` lists it
    # edit: the passage as the moderator's form showed it; a field the edit sets that changed since
    # is refused, under the same lock as the write (see `Moderation.edit`)
    opened: Passage | None = None


@dataclass(frozen=True)
class Reply:
    """What a moderation command came to: the text for the moderator, and the change if one was made;
    of `find`, the passages found as data too (`found`: their ids beside their entries, for a platform
    that adds to each, as Telegram its link, without reading them out of the text)."""

    text: str
    change: Change | None = None
    refused: bool = False
    found: Found | None = None
    listing: Listing | None = None  # the gaps list it shows: the moderator's once it reached them (`Service.delivered`)


Run = Callable[[Moderation, Asker, Request], Change | Found | Listed | str]


def _add(m: Moderation, asker: Asker, r: Request) -> Change:
    questions = r.questions or ()
    return m.add(asker, section=r.section or "", text=r.text or "", questions=questions, passage_id=r.passage_id)


def _edit(m: Moderation, asker: Asker, r: Request) -> Change:
    return m.edit(asker, r.passage_id or "", section=r.section, text=r.text, questions=r.questions, opened=r.opened)


def _history(m: Moderation, asker: Asker, r: Request) -> str:
    return m.history(asker, r.passage_id) if r.limit is None else m.history(asker, r.passage_id, limit=r.limit)


def _gaps(m: Moderation, asker: Asker, r: Request) -> Listed:
    return m.listed(asker) if r.limit is None else m.listed(asker, limit=r.limit)


COMMANDS: dict[str, Run] = {
    "add": _add,
    "edit": _edit,
    "remove": lambda m, asker, r: m.remove(asker, r.passage_id or ""),
    "alias": lambda m, asker, r: m.alias(asker, r.passage_id or "", r.text or r.question, free_text=r.text is not None),
    "history": _history,
    "undo": lambda m, asker, r: m.undo(asker),
    "gaps": _gaps,
    "stats": lambda m, asker, r: m.stats(asker),
    "dismiss": lambda m, asker, r: m.dismiss(asker, r.question),
    "publish": lambda m, asker, r: m.publish(asker, r.draft),
    "find": lambda m, asker, r: m.find(asker, r.question) if r.limit is None else m.find(asker, r.question, r.limit),
}


def perform(moderation: Moderation, request: Request, asker: Asker) -> Reply:
    """Run one command (blocking: file I/O, an index rebuild); a refusal is a Reply, never raised."""
    run = COMMANDS.get(request.command)
    if run is None:
        raise ValueError(f"not a moderation command: {request.command}")
    try:
        result = run(moderation, asker, request)
    except Refused as exc:
        return Reply(str(exc), refused=True)
    if isinstance(result, Change):
        return Reply(result.message, change=result)
    if isinstance(result, Found):
        return Reply(result.text, found=result)
    if isinstance(result, Listed):
        return Reply(result.text, listing=result.listing)
    return Reply(result)
