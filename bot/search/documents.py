"""Each passage as the BM25 document it is indexed as, and what BM25 is asked for a question.

A passage's document is its section, its text and its alternate questions, synonyms folded, with word
pairs of the short fields. Making these is most of the work of reading a knowledge folder, and it needs
no index: loading's worker processes make them a file at a time (see `bot.search.loading`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from bot.knowledge import Passage
from bot.search import text
from bot.search.scoring import Counts
from bot.search.synonyms import Synonyms
from bot.search.text import pairs


def passage_tokens(passage: Passage, synonyms: Synonyms, question_weight: int = 1) -> list[str]:
    """The terms a passage is indexed under: its words, and word pairs of its section and questions.

    Pairs (see `bot.search.text.pairs`) are kept to the short fields, where words that stand together
    say what is asked; the body text gets none, which keeps a large knowledge base small.
    """
    return passage_terms(passage, synonyms, question_weight)[0]


def passage_terms(passage: Passage, synonyms: Synonyms, question_weight: int = 1) -> tuple[list[str], list[str]]:
    """`passage_tokens`, and the pieces of text it is written with (see `bot.search.text.read`)."""
    tokens, pieces = text.read(passage.section)
    section = synonyms.fold(tokens)
    tokens, body = text.read(passage.text)
    terms = section + pairs(section) + synonyms.fold(tokens)
    pieces += body
    for question in passage.questions:
        tokens, asked = text.read(question)
        folded = synonyms.fold(tokens)
        terms += (folded + pairs(folded)) * question_weight
        pieces += asked
    return terms, pieces


def query_terms(terms: Sequence[str]) -> list[str]:
    """What BM25 is asked for a question's terms: the terms and their pairs."""
    return [*terms, *pairs(list(terms))]


def documents_of(
    passages: Iterable[Passage], synonyms: Synonyms, question_weight: int, pieces: Counter[str]
) -> Iterator[list[str]]:
    """Each passage's terms, counting the pieces of text it is written with into `pieces`."""
    for passage in passages:
        terms, written = passage_terms(passage, synonyms, question_weight)
        pieces.update(written)
        yield terms


def count(passages: Iterable[Passage], synonyms: Synonyms, question_weight: int) -> tuple[Counts, Counter[str]]:
    """The passages' terms counted for BM25, and the words they are written with, counted.

    This is most of the work of building an index, and it can be done for each file apart.
    """
    pieces: Counter[str] = Counter()
    counts = Counts.of(documents_of(passages, synonyms, question_weight, pieces))
    return counts, text.written(pieces)
