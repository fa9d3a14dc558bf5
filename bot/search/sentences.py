"""Where the sentences of a paragraph end, and how sentences are joined again: the one rule the
search engine's focus, the splitting of a long question and `kb import` alike use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

# A sentence ends at . ! ? (optionally followed by a closing quote) before a space and then an
# opening quote, a digit, or a letter that is not lower case (a capital of any script, or a letter
# of a script without case: Hangul, Han, kana). "Mr." and single capitals ("U.S.") do not end one,
# nor abbreviations that end with a full stop inside a sentence ("i.e. TCP", "Dr. Kang", "vs.
# Python"). The checks look back from the punctuation, so they run only where there is some (a
# pattern that looked back at every character cost 0.1 ms a paragraph).
# The Arabic "؟" ends one as "?" does. The full-width marks of Chinese and Japanese ("。", "！", "？")
# end one with or without a space after them (those scripts put none), their closing quotes and
# brackets kept with the sentence they close, also at a paragraph's end (the run of them is possessive:
# backing off the last 」 to find a character after the mark made the 」 a sentence, and a passage, alone).
_NOT_AFTER = ("[A-Z]", "Mr", "Mrs", "Dr", "Ms", "St", "vs", "etc", "cf", r"i\.e", r"e\.g")
_SENTENCE_END = re.compile(r"([.!?؟]" + "".join(rf"(?<!\b{a}[.!?])" for a in _NOT_AFTER) + r"[\"”’']?)\s+(?=\S)")
_WIDE_MARKS = "。！？"
_WIDE_CLOSING = "」』”’）)"  # what closes a quote or an aside after such a mark, kept with its sentence
_ANY_END = re.compile(_SENTENCE_END.pattern + rf"|([{_WIDE_MARKS}]+[{_WIDE_CLOSING}]*+)\s*(?=\S)")
_OPENING = frozenset("\"“‘'")


def _starts_sentence(ch: str) -> bool:
    return ch in _OPENING or ch.isdecimal() or (ch.isalpha() and not ch.islower())


def join_sentences(sentences: Sequence[str]) -> str:
    """Sentences as one text, a space between them, but none after a full-width mark: Chinese and
    Japanese put none ("大约三万人。他们去了韩国。")."""
    parts = list(sentences[:1])
    for before, sentence in pairwise(sentences):
        parts.append(sentence if before.rstrip(_WIDE_CLOSING).endswith(tuple(_WIDE_MARKS)) else " " + sentence)
    return "".join(parts)


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph, punctuation kept."""
    paragraph = " ".join(paragraph.split())
    sentences: list[str] = []
    start = 0
    wide = any(mark in paragraph for mark in _WIDE_MARKS)  # the longer pattern costs half again as much
    for end in (_ANY_END if wide else _SENTENCE_END).finditer(paragraph):
        if end.lastindex == 2 or _starts_sentence(paragraph[end.end()]):
            sentences.append(paragraph[start : end.end(end.lastindex or 1)])
            start = end.end()
    if paragraph[start:]:
        sentences.append(paragraph[start:])
    return sentences
