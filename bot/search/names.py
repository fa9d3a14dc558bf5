"""The names a question asks about, and whether a knowledge base's words know a name by its beginning.

A question about something the knowledge base never names ("What is the population of Kathmandu?")
is not answered by a passage that merely shares its other words: the Index tells which of the names
asked here no passage mentions (`Index.unknown_names`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from bot.search import pasted, text
from bot.search.sentences import split_sentences

# A word written with a capital inside a sentence: a name ("Kathmandu", "UNESCO", "O'Brien").
_NAME = re.compile(r"(?<![\w'’-])[^\W\d_][\w'’-]*")
_SENTENCE_OPENERS = frozenset(".?!:;\"“‘'(")


def asked(question: str) -> list[str]:
    """The words written with a capital inside the question's asking sentences (those that end with
    "?", or all when none does), in order; what was pasted into it (`bot.search.pasted`) left out."""
    if not any(ch.isupper() for ch in question[1:]):  # most chat is written in lower case
        return []
    sentences = split_sentences(pasted.without_pasted(question))
    asking = [s for s in sentences if s.rstrip().endswith("?")] or sentences
    found = []
    for sentence in asking:
        sentence = sentence.strip()
        for word in _NAME.finditer(sentence):
            name = word.group(0)
            before = sentence[: word.start()].rstrip()
            if len(name) < 2 or not name[0].isupper() or not before or before[-1] in _SENTENCE_OPENERS:
                continue
            found.append(name)
    return found


def begins_one_of(name: str, words: Sequence[str]) -> bool:
    """Whether one of `words` (sorted) begins with the first letters of one of the name's words (all
    but the last four, at least four): "Andean" is known by "Andes", "Librarians" by "library",
    "Stradivarius" by "Stradivari"."""
    for word in text.words(name):
        stem = word[: max(4, len(word) - 4)]
        at = bisect.bisect_left(words, stem)
        if at < len(words) and words[at].startswith(stem):
            return True
    return False
