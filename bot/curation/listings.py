"""The gaps each moderator last saw listed, so that a gap's number means the gap it showed them.

`kb gaps` numbers the open gaps 1..N in today's order, and that order moves whenever anyone closes
one: Ann read "2. where do bikes go", Bob dismissed gap 1, and Ann's `/kb_alias bicycles | 2` attached
another member's question (the former 3) and closed that gap for good. So each moderator's last list
is remembered here (number -> gap), per platform and user, in memory: a number is read in it, and a
gap closed since is refused by name, never another acted on. Without a list remembered (after a
restart, on another instance, on the command line, which keeps nothing between runs) a number is
read in today's order, as before. A list is kept until the moderator's next one, however old: an
instance holding an older list of theirs reads a number in it (docs/moderation.md). A gap id (g3fa9c1)
is read the same everywhere.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot import messages
from bot.asker import Asker
from bot.catalogue import _, ngettext
from bot.curation.edits import Refused
from bot.records import Gap, gap_number
from bot.storage.protocol import GapRecords

MAX_MODERATORS = 64  # lists remembered at once; the one listed longest ago is forgotten first
MAX_NUMBERED = 100  # numbers remembered of one list (Telegram and Discord list at most 50)


@dataclass(frozen=True)
class Shown:
    """One numbered line of a list as the moderator read it."""

    id: str
    question: str  # its first wording, as shown
    lead: str  # the term set it is named after: a gap regrouped since under another id still holds it


@dataclass(frozen=True)
class Listing:
    """A moderator's last list: its lines in order, and whether it had more than were remembered."""

    shown: tuple[Shown, ...]
    cut: bool = False


class Listings:
    """The last list of each moderator (platform and user), at most MAX_MODERATORS; thread-safe."""

    def __init__(self, limit: int = MAX_MODERATORS) -> None:
        self._limit = limit
        self._lists: OrderedDict[tuple[str, str], Listing] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, asker: Asker, found: Sequence[Gap]) -> None:
        """`found` is what `asker` was just shown, numbered from 1."""
        shown = tuple(Shown(gap.id, gap.questions[0], _lead(gap)) for gap in found[:MAX_NUMBERED])
        with self._lock:
            self._lists.pop(_who(asker), None)
            self._lists[_who(asker)] = Listing(shown, cut=len(found) > MAX_NUMBERED)
            while len(self._lists) > self._limit:
                self._lists.popitem(last=False)

    def gap(self, asker: Asker, reference: str, gaps: GapRecords) -> Gap | None:
        """The open gap `reference` (`3`, `#3`, `g5c1d0e`) names for `asker`, None when none does.
        A number is read in their last list when one is remembered: Refused when the gap it showed
        is closed since, or the list had no such number."""
        number = gap_number(reference)
        with self._lock:
            listing = self._lists.get(_who(asker)) if number is not None else None
        if number is None or listing is None or (number > len(listing.shown) and listing.cut):
            return gaps.find(reference)  # an id, no list remembered, or past its lines kept: today's order
        if number < 1 or not listing.shown:  # "No open gap": there is no such number
            return None
        if number > len(listing.shown):
            raise Refused(past_the_list(len(listing.shown), asker.platform))
        shown = listing.shown[number - 1]
        open_ = gaps.gaps(limit=10_000)
        found = next((g for g in open_ if g.id == shown.id), None)  # as listed
        found = found or next((g for g in open_ if shown.lead in g.keys), None)  # asked more since: regrouped
        if found is None:
            raise Refused(closed_since(number, shown, asker.platform))
        return found


def _who(asker: Asker) -> tuple[str, str]:
    return (asker.platform, asker.user_id)


def _lead(gap: Gap) -> str:
    """The term set `gap` is named after: its group's first, the most asked (`bot.records.grouping`)."""
    return gap.asked[0][0] if gap.asked else ""


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
