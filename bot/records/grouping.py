"""Unanswered questions grouped into gaps: questions whose analysed terms overlap enough are one.

Term sets are compared by Jaccard overlap; a gap's short id (`g` + 6 hex digits) is taken from its
most common term set, so it stays the same between listings. The SQLite and PostgreSQL records
(`bot.records.gaps`, `bot.storage.records`) both read their rows into gaps here, and find a gap that a
moderator's reference (`3`, `#3`, `g5c1d0e`) names.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.search.text import QUESTION_WORDS

SIMILAR = 0.5  # Jaccard overlap of term sets at which two questions are one gap, when they share
# two terms or more: one shared word is not one question ("hours?" and "opening hours" are two
# gaps, and so are "bring my own games" and "how many games"; aliasing one closed the other)


@dataclass(frozen=True)
class Gap:
    """Unanswered questions that ask the same thing, most asked first."""

    id: str
    count: int
    questions: tuple[str, ...]  # distinct wordings, most frequent first
    asked: tuple[tuple[str, str], ...] = ()  # each term set it groups with each of its wordings, most asked first
    chosen: tuple[tuple[str, int], ...] = ()  # (passage, presses) of the closest topics its askers chose, most first

    @property
    def keys(self) -> frozenset[str]:
        """The term sets it groups."""
        return frozenset(key for key, _ in self.asked)


def term_key(terms: Sequence[str]) -> str:
    """The canonical form of a question's terms: sorted, distinct, space-separated, without the
    question words ("where can i park my car" and "is there car parking near the library?" are one
    gap: "where" says how it is asked, not what about)."""
    return " ".join(sorted(set(terms) - QUESTION_WORDS))


def gap_id(key: str) -> str:
    return "g" + hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:6]


def gap_number(reference: str) -> int | None:
    """The gap number `reference` gives (`3`, `#3`, `３` from a CJK keyboard: any decimal digits; not `isdigit`,
    whose "²" int() refuses), or None (an id, or anything else)."""
    value = reference.strip().lstrip("#")
    return int(value) if value.isdecimal() else None


def find(listing: Sequence[Gap], reference: str) -> Gap | None:
    """The gap of `listing` that `reference` names: by its number (1-based) there, or by its id; None if none.
    Both records' `find` (SQLite's and PostgreSQL's) read a reference so, and the listings a moderator was shown."""
    number = gap_number(reference)
    if number is not None:
        return listing[number - 1] if 1 <= number <= len(listing) else None
    named = reference.strip().lstrip("#").lower()
    return next((gap for gap in listing if gap.id == named), None)


def group(rows: Sequence[tuple[str, str, int]], picks: Sequence[tuple[str, str, int]] = ()) -> list[Gap]:
    """Group (term key, wording, count) rows by term overlap; biggest groups first. `picks`, (term
    key, passage, presses) rows, give each gap the passages its askers chose.

    Term sets are taken most asked first; each joins the earliest group whose first term set
    overlaps it by Jaccard >= SIMILAR in two terms or more, or starts one. Which groups can match is found by prefix
    filtering: with every set's terms in one order, rarest first, two sets that overlap that much
    share a term among the first few of each, so a set is compared only with the groups indexed
    under those terms, not with every group (100,000 distinct questions group in about a second).
    """
    by_key: dict[str, Counter[str]] = {}
    for key, question, count in rows:
        by_key.setdefault(key, Counter())[question] += int(count)
    keys = sorted(by_key, key=lambda k: (-sum(by_key[k].values()), k))
    term_sets = {key: set(key.split()) for key in keys}
    frequency = Counter(term for terms in term_sets.values() for term in terms)
    groups: list[tuple[str, set[str], list[str]]] = []  # (representative key, terms, member keys)
    by_prefix_term: dict[str, list[int]] = {}  # term -> groups whose representative's prefix holds it
    for key in keys:
        terms = term_sets[key]
        prefix = _prefix(terms, frequency)
        candidates = sorted({g for term in prefix for g in by_prefix_term.get(term, ())})
        for g in candidates:
            if _similar(terms, groups[g][1]):
                groups[g][2].append(key)
                break
        else:
            for term in prefix:
                by_prefix_term.setdefault(term, []).append(len(groups))
            groups.append((key, terms, [key]))
    chosen_by_key: dict[str, Counter[str]] = {}
    for key, passage_id, count in picks:
        chosen_by_key.setdefault(key, Counter())[passage_id] += int(count)
    gaps = []
    for representative, _, members in groups:
        wordings: Counter[str] = Counter()
        chosen: Counter[str] = Counter()
        for key in members:
            wordings.update(by_key[key])
            chosen.update(chosen_by_key.get(key, ()))
        gaps.append(
            Gap(
                id=gap_id(representative),
                count=sum(wordings.values()),
                questions=tuple(q for q, _ in wordings.most_common()),
                asked=tuple((key, question) for key in members for question, _ in by_key[key].most_common()),
                chosen=tuple(sorted(chosen.items(), key=lambda item: (-item[1], item[0]))),
            )
        )
    gaps.sort(key=lambda g: (-g.count, g.id))
    return gaps


def _prefix(terms: set[str], frequency: Counter[str]) -> list[str]:
    """The first |x| - ceil(SIMILAR * |x|) + 1 terms of x, rarest first: two sets with Jaccard at
    least SIMILAR share a term among their prefixes."""
    ordered = sorted(terms, key=lambda t: (frequency[t], t))
    return ordered[: len(ordered) - math.ceil(SIMILAR * len(ordered)) + 1] if ordered else []


def _similar(a: set[str], b: set[str]) -> bool:
    shared = len(a & b)
    return shared >= 2 and shared / len(a | b) >= SIMILAR
