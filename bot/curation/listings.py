"""The gaps each moderator last saw listed, so that a gap's number means the gap it showed them.

`kb gaps` numbers the open gaps 1..N in today's order, and that order moves whenever anyone closes
one: Ann read "2. where do bikes go", Bob dismissed gap 1, and Ann's `/kb_alias bicycles | 2` attached
another member's question (the former 3) and closed that gap for good. So each moderator's last list
(number -> gap) is kept, per platform and user, in the gaps database (`bot.records.lists`: the SQLite file,
or the PostgreSQL table every instance shares), so that every instance, and one started since, reads the same
list. It is kept once the reply that showed it reached the moderator (`Service.delivered`): a list the
platform refused to deliver is none they saw. One that reached them but that the database could not keep
(it was away just then) is held in the memory of the instance that showed it, which reads their numbers in
it. A number is read in it, and a gap closed since is refused by name, never another acted on.

A list decides what its numbers mean for USED_FOR after it was shown. Past that a number is read in
today's order, and refused only when the old list showed another gap under it (list again, or give the id).
With no list (never listed, a list deleted a week after it was shown) a number is read in today's order. A gap
id (g3fa9c1) is read the same everywhere. The command line keeps its list as a moderator on chat does, once it
printed it, under its one asker (platform "cli", no user id: the local operator, no chat moderator).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot import messages
from bot.asker import Asker
from bot.catalogue import _, ngettext
from bot.curation.edits import Refused
from bot.records import LIST_KEPT, MAX_LISTS, Gap, gap_number
from bot.storage.protocol import GapRecords

log = logging.getLogger(__name__)

MAX_MODERATORS = MAX_LISTS  # lists kept at once; the one shown longest ago is forgotten first
MAX_NUMBERED = 100  # numbers kept of one list (Telegram and Discord list at most 50)
USED_FOR = 24 * 3600.0  # seconds a list decides what its numbers mean, after it was shown


@dataclass(frozen=True)
class Shown:
    """One numbered line of a list as the moderator read it."""

    id: str
    question: str  # its first wording, as shown
    lead: str  # the term set it is named after: a gap regrouped since under another id still holds it

    def names(self, gap: Gap) -> bool:
        """Whether `gap` is the gap this line showed: the same id, or regrouped since, its lead term set."""
        return gap.id == self.id or self.lead in gap.keys


@dataclass(frozen=True)
class Listing:
    """A moderator's list: its lines in order, and whether it had more than are kept."""

    shown: tuple[Shown, ...]
    cut: bool = False

    @classmethod
    def of(cls, found: Sequence[Gap]) -> Listing:
        """The list of `found`, the gaps shown, numbered from 1."""
        shown = tuple(Shown(gap.id, gap.questions[0], _lead(gap)) for gap in found[:MAX_NUMBERED])
        return cls(shown, cut=len(found) > MAX_NUMBERED)

    def stored(self) -> str:
        """The list as the gaps database keeps it (JSON)."""
        lines = [[line.id, line.question, line.lead] for line in self.shown]
        return json.dumps({"shown": lines, "cut": self.cut}, ensure_ascii=False)

    @classmethod
    def read(cls, stored: str) -> Listing:
        """The list `stored` holds; ValueError when it holds none (a row written by hand)."""
        try:
            data = json.loads(stored)
            shown = tuple(
                Shown(*map(_text, line)) for line in data["shown"] if isinstance(line, list) and len(line) == 3
            )
            if not isinstance(data["cut"], bool) or len(shown) != len(data["shown"]):
                raise ValueError("not a list")
        except (TypeError, KeyError) as exc:
            raise ValueError(f"not a list: {exc}") from None
        return cls(shown, cut=data["cut"])


@dataclass(frozen=True)
class Listed:
    """`kb gaps`' reply: its text, and the list it shows, which is the moderator's once the text reached them."""

    text: str
    listing: Listing


class Listings:
    """Each moderator's last list (platform and user), kept in the gaps database; `clock` gives the moment. A list
    that reached its moderator but could not be kept there (`hold`) is held in this instance's memory, at most
    MAX_MODERATORS of them, and read here in place of an older one the database holds."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._held: OrderedDict[tuple[str, str], tuple[float, Listing]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, asker: Asker, listing: Listing, gaps: GapRecords) -> None:
        """`listing` reached `asker`: a number they give means its gap from now on, on every instance."""
        gaps.keep_list(asker.platform, asker.user_id, self._clock(), listing.stored())
        with self._lock:
            self._held.pop((asker.platform, asker.user_id), None)

    def hold(self, asker: Asker, listing: Listing) -> None:
        """`listing` reached `asker`, but the gaps database could not keep it: this instance reads their numbers in
        it (they read it last), not in the list before, whose numbers may name other gaps by now."""
        with self._lock:
            self._held.pop((asker.platform, asker.user_id), None)
            self._held[(asker.platform, asker.user_id)] = (self._clock(), listing)
            while len(self._held) > MAX_MODERATORS:
                self._held.popitem(last=False)

    def gap(self, asker: Asker, reference: str, gaps: GapRecords) -> Gap | None:
        """The open gap `reference` (`3`, `#3`, `g5c1d0e`) names for `asker`, None when none does.
        A number is read in their last list when one is kept: Refused when the gap it showed
        is closed since, or the list had no such number (past USED_FOR: see `_today`)."""
        number = gap_number(reference)
        kept = self._kept(asker, gaps) if number is not None else None
        if number is None or kept is None:
            return gaps.find(reference)  # an id, or no list kept: today's order
        age, listing = kept
        if age > USED_FOR:
            return _today(number, listing, gaps, asker.platform)
        if number > len(listing.shown) and listing.cut:
            return gaps.find(reference)  # past its lines kept: today's order
        if number < 1 or not listing.shown:  # "No open gap": there is no such number
            return None
        if number > len(listing.shown):
            raise Refused(past_the_list(len(listing.shown), asker.platform))
        shown = listing.shown[number - 1]
        open_ = gaps.gaps(limit=10_000)
        found = next((g for g in open_ if g.id == shown.id), None)  # as listed
        found = found or next((g for g in open_ if shown.names(g)), None)  # asked more since: regrouped
        if found is None:
            raise Refused(closed_since(number, shown, asker.platform))
        return found

    def _kept(self, asker: Asker, gaps: GapRecords) -> tuple[float, Listing] | None:
        """How long ago `asker`'s last list was shown, and the list: the database's, or the one held here when it is
        newer; None for none, or one past LIST_KEPT (the daily purge deletes it) or unreadable (a row written by
        hand: a WARNING)."""
        row = gaps.kept_list(asker.platform, asker.user_id)
        with self._lock:
            held = self._held.get((asker.platform, asker.user_id))
        shown = held if held is not None and (row is None or held[0] >= row[0]) else _stored(row, asker.platform)
        if shown is None or (age := self._clock() - shown[0]) > LIST_KEPT:
            return None
        return age, shown[1]


def _stored(row: tuple[float, str] | None, platform: str) -> tuple[float, Listing] | None:
    """The list a row of the gaps database holds, and when it was shown; None for none, or an unreadable one."""
    if row is None:
        return None
    try:
        return row[0], Listing.read(row[1])
    except ValueError as exc:
        log.warning("a %s moderator's gaps list is unreadable (%s): numbers are today's order", platform, exc)
        return None


def _today(number: int, listing: Listing, gaps: GapRecords, platform: str) -> Gap | None:
    """A number given past USED_FOR: the gap in today's order, unless the list showed another under it."""
    found = gaps.find(str(number))
    if 1 <= number <= len(listing.shown) and (found is None or not listing.shown[number - 1].names(found)):
        raise Refused(too_old(number, listing.shown[number - 1], platform))
    return found


def _lead(gap: Gap) -> str:
    """The term set `gap` is named after: its group's first, the most asked (`bot.records.grouping`)."""
    return gap.asked[0][0] if gap.asked else ""


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is no text")
    return value


def closed_since(number: int, shown: Shown, platform: str) -> str:
    return _("Gap {number} ({gap} {question}) was closed since your list: `{gaps}` lists the open gaps now.").format(
        number=number, gap=shown.id, question=messages.quoted(shown.question), gaps=messages.command(platform, "gaps")
    )


def past_the_list(count: int, platform: str) -> str:
    return ngettext(
        "Your last list (`{gaps}`) showed {count} gap: give its number, or a gap's id.",
        "Your last list (`{gaps}`) showed {count} gaps: give one of their numbers, or a gap's id.",
        count,
    ).format(gaps=messages.command(platform, "gaps"), count=count)


def too_old(number: int, shown: Shown, platform: str) -> str:
    return _(
        "Your last list (`{gaps}`) is over {hours} hours old, and its gap {number} ({gap} {question}) is not gap"
        " {number} now: `{gaps}` lists the open gaps again, or give a gap's id."
    ).format(
        hours=round(USED_FOR / 3600),
        number=number,
        gap=shown.id,
        question=messages.quoted(shown.question),
        gaps=messages.command(platform, "gaps"),
    )
