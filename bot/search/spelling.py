"""Spelling correction of question words against the words the knowledge base uses.

A word is corrected only when its stem is unknown to the index, it is at least five letters
long, it is not a known irregular form ("wives" is not a typo of "lives"), and a known word is
one edit away (insert, delete, substitute or swap). Lookups use a
table of single deletions (the SymSpell idea), so they cost the same at any knowledge-base size.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable

from bot.search.stemming import IRREGULAR, stem

MIN_LENGTH = 5
MAX_LENGTH = 40  # longer "words" are never corrected: no real one is, and the lookup costs length²

# Question and function words people often mistype ("wht", "wher", "abuot"). A typo of one of
# these, three letters or more, is read as the word itself: left unknown, it would weigh as the
# most telling word of the question. The list is short on purpose: with every stop word, "war"
# would become "was" and vanish.
FUNCTION_WORDS = ("what", "where", "when", "which", "who", "why", "how", "does", "about", "there", "their", "they")
# English words of a closed class (adverbs of time and degree, pronouns, conjunctions) that are not
# stop words: real words, never a typo of a knowledge-base word one edit away ("pip never asks" was
# read "pip newer asks"). Typos are not drawn towards them, as they are towards FUNCTION_WORDS. Not
# "quite", as often a typo of "quiet" ("quite hours") as itself.
CLOSED_CLASS = frozenset(
    "never always nothing nobody anybody everybody somebody everyone already instead without within whether "
    "although though unless since toward towards throughout whose whatever whenever wherever however neither "
    "either rather often sometimes maybe perhaps almost enough every other another".split()
)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _add(table: dict[str, str], key: str, word: str) -> None:
    """File `word` under `key`. Values are one word, or several joined by NUL: a large
    vocabulary has about eight keys a word, and a list for each would double the table."""
    held = table.get(key)
    table[key] = word if held is None else f"{held}\0{word}"


def _counts(words: Iterable[str]) -> Counter[str]:
    """How often each word of letters only is written (a Counter given is taken as it is)."""
    if isinstance(words, Counter):
        return words
    return Counter(w for w in words if w.isalpha())


def file_words(table: dict[str, str], words: Iterable[str]) -> None:
    """File each of `words` (never one already filed) under itself and its single deletions."""
    for word in words:
        if len(word) < MIN_LENGTH - 1:
            continue
        for key in {word} | _deletions(word):
            _add(table, key, word)


def _known(stems: Iterable[str]) -> frozenset[str]:
    return frozenset(s for s in stems if "~" not in s)  # word pairs (bot.search.text.pairs) are not words


class Speller:
    """Corrects words one edit away from a known word; instances never change after building.

    `extended` makes a new Speller that shares this one's large tables and keeps what it adds in
    small overlays: copying the tables would hold the interpreter for tens of milliseconds at
    100,000 passages, and answers in other threads would wait that long.
    """

    def __init__(self, words: Iterable[str], known_stems: Iterable[str], *, table: dict[str, str] | None = None):
        """`words` are the words the knowledge base is written with, or a Counter of them;
        `table`, when the caller has made it already, is what `file_words` made of them."""
        counts = _counts(words)
        if table is None:
            table = {}
            file_words(table, counts)
        self._table = table
        self._known_stems = _known(known_stems)
        self._counts = counts
        self._extra_table: dict[str, str] = {}
        self._extra_known: frozenset[str] = frozenset()
        self._extra_counts: Counter[str] = Counter()

    def extended(self, words: Iterable[str], known_stems: Iterable[str]) -> Speller:
        """A new Speller that also knows `words` and `known_stems`, as if built with them."""
        new = copy.copy(self)
        added = _counts(words)
        new._extra_known = self._extra_known | _known(known_stems)
        new._extra_counts = self._extra_counts + added
        new._extra_table = dict(self._extra_table)
        for word in added:
            if self._count(word) or len(word) < MIN_LENGTH - 1:
                continue
            for key in {word} | _deletions(word):
                held = new._lookup(key)
                new._extra_table[key] = word if held is None else f"{held}\0{word}"
        return new

    def _lookup(self, key: str) -> str | None:
        held = self._extra_table.get(key)
        return held if held is not None else self._table.get(key)

    def _count(self, word: str) -> int:
        return self._counts[word] + self._extra_counts[word]

    def _known_stem(self, stem_: str) -> bool:
        return stem_ in self._known_stems or stem_ in self._extra_known

    def __call__(self, word: str) -> str:
        if len(word) < 3 or len(word) > MAX_LENGTH or not word.isalpha() or word in IRREGULAR:
            return word
        if word in FUNCTION_WORDS or word in CLOSED_CLASS:  # "who" is no typo of "why", nor "never" of "newer"
            return word
        if self._known_stem(stem(word)):
            return word
        if len(word) >= MIN_LENGTH:
            candidates: set[str] = set()
            for key in {word} | _deletions(word):
                held = self._lookup(key)
                if held is not None:
                    candidates.update(held.split("\0"))
            candidates = {c for c in candidates if _one_edit(word, c) and _same_start(word, c)}
            if candidates:
                return max(sorted(candidates), key=self._count)
        return next((f for f in FUNCTION_WORDS if _one_edit(word, f)), word)


def _same_start(word: str, known: str) -> bool:
    """True when a correction keeps the word's first letter (or swaps its first two): a typo is
    seldom there, and a real word that differs there is another word ("flight" was read as "light",
    "Unable to find" as "enable")."""
    return word[0] == known[0] or (len(word) > 1 and len(known) > 1 and word[:2] == known[1::-1])


def _one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by one insert, delete, substitution or adjacent swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
