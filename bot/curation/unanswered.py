"""The unanswered questions (the gaps) as moderators work on them: the list `kb gaps` shows, `kb
stats`, the wordings `kb alias` attaches from a gap and those it leaves open, and the gaps database
refused in one sentence when it cannot be used."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable, Collection, Sequence
from typing import TypeVar

from bot import messages
from bot.catalogue import _
from bot.curation import edits
from bot.curation.edits import Refused
from bot.knowledge import Passage
from bot.records import GAPS_FILE, Gap
from bot.storage.protocol import GapRecords

log = logging.getLogger(__name__)

MAX_WORDINGS = 5  # wordings of one gap's question that `alias` attaches at once
T = TypeVar("T")
Find = Callable[[str, int], Sequence[Passage]]  # the passages that best match some words, best first


def using(store: GapRecords | None, error: Exception | None, use: Callable[[GapRecords], T]) -> T:
    """`use` of the gaps database, refused when there is none or it fails: a database damaged
    inside its pages still opens, and then every query fails with SQLite's reason. `error`: why the
    database could not be opened, if it could not."""
    if store is None and error is not None:  # it could not be opened: say why
        raise Refused(gaps_unusable(error))
    if store is None:
        raise Refused(_("The gaps database is not available (see the log)."))
    try:
        return use(store)
    except sqlite3.Error as exc:
        log.warning("the gaps database cannot be used: %s", exc)
        raise Refused(gaps_unusable(exc)) from exc


def listing(found: Sequence[Gap], platform: str, find: Find | None) -> str:
    """`kb gaps`: the open gaps, most asked first, each with the passage to alias it to."""
    if not found:
        return messages.say(messages.NO_GAPS)
    alias, dismiss = messages.command(platform, "alias"), messages.command(platform, "dismiss")
    lines = [
        _("Unanswered questions, most asked first ({alias} PASSAGE_ID GAP_ID answers one; {dismiss} GAP_ID):").format(
            alias=alias, dismiss=dismiss
        )
    ]
    for number, gap in enumerate(found, start=1):
        line = f"{number}. {gap.id} ×{gap.count} {messages.quoted(gap.questions[0])}"
        if len(gap.questions) > 1:
            others = "; ".join(map(messages.quoted, gap.questions[1:3]))
            line += " (" + _("also") + f" {others}{'…' if len(gap.questions) > 3 else ''})"
        chosen = [(pid, n) for pid, n in gap.chosen if _live(find, pid)]  # a passage removed since is none
        closest = [] if chosen or not find else find(gap.questions[0], 1)
        if chosen:  # what its askers pressed among the closest topics: the likeliest id to alias it to
            line += " → " + _("chosen") + " " + ", ".join(f"`{pid}` ×{n}" for pid, n in chosen[:2])
        elif closest:  # the passage its words match best: the id to alias it to, if it answers it
            line += " → " + _("closest") + f" `{closest[0].id}`"
        lines.append(line)
    return "\n".join(lines)


def _live(find: Find | None, passage_id: str) -> bool:
    """Whether a passage of that id is in the live knowledge (True when this cannot be looked up)."""
    return find is None or any(p.id == passage_id for p in find(passage_id, 1))


def statistics(
    asked: Sequence[tuple[str, int, int]],
    downvoted: Sequence[tuple[str, int]],
    days: Sequence[tuple[str, int, int, int]],
    opened: Sequence[tuple[str, int]] = (),
) -> str:
    """`kb stats`: the most asked and most downvoted passages, and the unanswered share of each day; and,
    when there are any, the answers most opened from a link to them (no question asked: counted apart)."""
    none = "  " + _("(none yet)")
    lines = [_("Most asked passages:")]
    lines += [f"  {n:>4}  {pid}{_hedged(h)}" for pid, n, h in asked] or [none]
    if opened:
        lines += [_("Answers opened from a link:"), *(f"  {n:>4}  {pid}" for pid, n in opened)]
    lines.append(_("Most downvoted passages (👎 on their text as it is now):"))
    lines += [f"  {n:>4}  {pid}" for pid, n in downvoted] or [none]
    lines.append(_("Unanswered questions per day (last 14 days):"))
    lines += [f"  {day}  {f}/{n} ({100 * f / n:.0f}%){_hedged(h)}" for day, n, f, h in days] or [none]
    return "\n".join(lines)


def recorded(store: GapRecords | None, keys: Collection[str]) -> tuple[tuple[str, str], ...]:
    """The open gaps' wordings recorded with one of the term sets `keys`: `kb alias ID --text WORDS`
    closes them with WORDS ("what is openrct2" closed "what even is openrct2", still declined), and
    so do `kb add` and `kb edit` with the questions they give."""
    if store is None or not keys:
        return ()
    try:
        listed = store.gaps(limit=10_000)
    except (sqlite3.Error, Refused) as exc:  # the alias is made: its own words are closed, nothing else is known
        log.warning("kb change made, but the gaps database cannot be read: %s", exc)  # (PostgreSQL's: Refused)
        return ()
    return tuple((k, q) for gap in listed for k, q in gap.asked if k in keys)


def still_open(
    asked: Sequence[tuple[str, str]], pid: str, ask: Callable[[str], str | None] | None
) -> list[tuple[str, str]]:
    """The questions of a gap (each term set as recorded, and a wording of it: `Gap.asked`) that
    asked now do not get passage `pid`, a term set open while one of its wordings is: a gap
    groups questions that share words ("how much does the cloud version cost", "does the cloud
    version have servers in the us"), and aliasing one closed them all, the other still
    unanswered and gone from `kb gaps`. By the recorded term sets, not the wordings analysed
    again: the alias itself can change how a wording is read."""
    if ask is None:
        return []
    open_: dict[str, str] = {}  # each term set with a wording not answered (one wording is enough)
    for key, question in asked:
        if key not in open_ and ask(question) != pid:
            open_[key] = question
    return list(open_.items())


def elsewhere(questions: Sequence[str], pid: str, ask: Callable[[str], str | None] | None, held: str | None) -> str:
    """A line for each of the questions given to passage `pid` that, asked now, gets another passage
    (one that lists the same question first) or no answer at all, as `alias` says it; nothing for
    those it answers: the confirmation had said only that the passage was live, and the question
    went on getting the other, or "I don't know". Nothing while the change is not live (`held`)."""
    if ask is None or held is not None:
        return ""
    lines = []
    for question in questions:
        got = ask(question)
        if got is None:
            lines.append("\n" + messages.still_unanswered(question))
        elif got != pid:
            lines.append("\n" + messages.still_gets(question, got))
    return "".join(lines)


def close_answered(store: GapRecords | None, keys: Collection[str], pid: str, ask: Callable[[str], str | None]) -> None:
    """Close the open gaps asked in the words of the questions a change gave passage `pid` (`keys`: their
    term sets, read before it) that, asked now, get `pid`: a moderator who answers members' question
    by adding a passage with their words as its question had seen it stay in `kb gaps`, pointing at
    that very passage, and `kb alias` of it refused ("already has that question")."""
    asked = recorded(store, keys)
    answered = {key for key, _ in asked} - {key for key, _ in still_open(asked, pid, ask)}
    close(store, answered, "aliased")


def close_asked(store: GapRecords | None, gap: Gap, pid: str, ask: Callable[[str], str | None] | None) -> str:
    """`kb alias` of a gap whose wording passage `pid` lists already (a hand edit gave it, or a member asked
    an instance not reloaded yet): the gap's questions it answers now closed, and the reply; "" when it
    answers none of them (the refusal stands). The alias had been refused and the gap stayed listed."""
    open_ = still_open(gap.asked, pid, ask)
    if ask is None or len({key for key, _ in open_}) == len(gap.keys):
        return ""
    close(store, gap.keys - {key for key, _ in open_}, "aliased")
    said = messages.already_asked(gap.questions[0], pid)
    return said + ("\n" + messages.left_open([q for _, q in open_]) if open_ else "")


def close(store: GapRecords | None, keys: frozenset[str] | set[str], how: str) -> None:
    """Close the gaps of these term sets, if any; a failure is logged (the change itself is done)."""
    if store is not None and keys:
        try:
            store.close_gap(keys, how)
        except Exception as exc:  # the change itself is done; a stale gap is harmless
            log.warning("could not close gap %s: %s", sorted(keys), exc)


def wordings(gap: Gap) -> list[str]:
    """The wordings of `gap` that `alias` attaches: its first that can be stored, and the gap's other
    wordings of the same words ("how to install plugins?" beside "how do i install plugin?" are one
    question, closed with it: attached too, or they stay unanswered), at most MAX_WORDINGS in all.
    They are members' words: one over the question limit, or that cannot be stored, is left out (one
    member's 326 characters had refused the whole alias), and the gap is refused only when none can be."""
    refusals: list[Refused] = []
    for first in gap.questions:
        try:
            wording = edits.question_fields([first])[0]
        except Refused as exc:
            refusals.append(exc)
            continue
        key = next((k for k, q in gap.asked if q == first), None)
        wordings = [wording]
        for other in (q for k, q in gap.asked if k == key and q != first):
            if len(dict.fromkeys(wordings)) >= MAX_WORDINGS:
                break
            try:
                wordings += edits.question_fields([other])
            except Refused:
                continue
        return list(dict.fromkeys(wordings))
    raise refusals[0]  # a gap has a wording: none could be stored


def _hedged(count: int) -> str:
    """ " (3 hedged)" after a stats line whose answers were given with a hedge, or nothing."""
    return " " + _("({count} hedged)").format(count=count) if count else ""


def gaps_unusable(error: Exception) -> str:
    """The refusal when the gaps database opens but cannot be used (damaged pages, a read-only folder)."""
    return _("The gaps database ({file} in the data folder) cannot be used: {error}. `doctor` checks it.").format(
        file=GAPS_FILE, error=error
    )


def looks_like_gap(value: str) -> bool:
    """True for what names a gap: its number in `gaps` (3, #3) or its id (g5c1d0e)."""
    return bool(re.fullmatch(r"#?\d{1,4}|g[0-9a-f]{6}", value.strip().lower()))
