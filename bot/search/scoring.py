"""BM25 scores from a precomputed sparse term -> passage weight matrix.

rank-bm25 is the definition of right: `Scorer.scores` equals its `get_scores` for BM25Okapi,
BM25Plus and BM25L with the same k1, b, epsilon and delta (tests/test_scoring.py holds it to
that). rank-bm25 walks every passage in Python for each query term; here each term's weight in
each passage that holds it is computed once, so a question costs a few array reads and sums.

The matrix is kept column-wise: for term t, `docs[indptr[t]:indptr[t+1]]` are the passages that
hold it (ascending) and `weights[...]` its weight in each. For BM25Plus every known query term
also adds `idf * delta` to every passage, held apart as one number per term.
"""

from __future__ import annotations

import itertools
import math
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

DEFAULT_DELTA = {"plus": 1.0, "l": 0.5}
# Postings per numpy call when weighing or copying: each call holds the GIL, and at a few hundred
# thousand postings it lasts a few milliseconds, so answers go on while an index is extended.
BLOCK = 1 << 18
# A term held by at least a quarter of the passages of a large index is summed as a dense row of
# every passage's weight (made when first asked, at most DENSE_ROWS of them): adding a row is a
# few times faster than gathering that many postings, and such terms ("why", a corpus's common
# words) are what makes the slowest questions slow.
DENSE_SHARE = 4
DENSE_FROM = 20_000  # passages; below, every question is quick anyway
DENSE_ROWS = 32  # at most this many rows of 8 bytes a passage,
DENSE_BYTES = 32 << 20  # and at most this much memory: 32 rows (26 MB) at 100,000 passages, 4 at a million
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Int32s = npt.NDArray[np.int32]


def _rank_among_equals(values: Int32s) -> Int32s:
    """For each value, how many equal values come before it: [7, 3, 7, 7, 3] -> [0, 0, 1, 2, 1]."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    run_start = np.repeat(starts, np.diff(np.concatenate((starts, [len(values)]))))
    ranks = np.empty(len(values), dtype=np.int32)
    ranks[order] = np.arange(len(values)) - run_start
    return ranks


def _counted(documents: Iterable[Sequence[str]]) -> Iterator[Counts]:
    yield Counts.of(documents)


def _joined(arrays: list[Int32s]) -> Int32s:
    """The arrays one after another, emptying the list as it goes (each is let go once copied)."""
    out = np.empty(sum(len(a) for a in arrays), dtype=np.int32)
    at = 0
    arrays.reverse()
    while arrays:
        array_ = arrays.pop()
        out[at : at + len(array_)] = array_
        at += len(array_)
    return out


class Numbering(dict[str, int]):
    """Term -> id, a new term taking the next id the first time it is looked up."""

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


def _count_batch(batch: list[Sequence[str]], numbering: Numbering) -> tuple[Int32s, Int32s, Int32s]:
    """Term ids (in order of id within each passage), their frequencies, and distinct terms per passage."""
    words = list(itertools.chain.from_iterable(batch))
    ids = np.fromiter(map(numbering.__getitem__, words), dtype=np.int64, count=len(words))
    size = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
    local = np.repeat(np.arange(len(batch), dtype=np.int64), size)
    keys, frequencies = np.unique(local * len(numbering) + ids, return_counts=True)
    docs = keys // len(numbering)
    distinct = np.bincount(docs, minlength=len(batch))
    return (keys % len(numbering)).astype(np.int32), frequencies.astype(np.int32), distinct.astype(np.int32)


def _ints(values: array[int]) -> Int32s:
    return np.frombuffer(values, dtype=np.int32) if values else np.zeros(0, dtype=np.int32)


def _term_blocks(indptr: Ints) -> Iterator[tuple[int, int]]:
    """Runs of whole terms of about BLOCK postings each (one term may make a longer run)."""
    edges = np.searchsorted(indptr, np.arange(0, indptr[-1], BLOCK), side="right") - 1
    bounds = [*dict.fromkeys(int(e) for e in edges), len(indptr) - 1]
    return pairwise(bounds)


def _copied(vocabulary: dict[str, int]) -> dict[str, int]:
    """A copy of `vocabulary`, a few thousand entries at a time: one dict() of a million terms
    would hold the interpreter for tens of milliseconds, and answers in other threads with it."""
    copy: dict[str, int] = {}
    items = iter(vocabulary.items())
    while chunk := list(itertools.islice(items, 8192)):
        copy.update(chunk)
    return copy


def _insert(values: npt.NDArray[Any], at: npt.NDArray[Any], added: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """np.insert(values, at, added) for ascending `at`, copied BLOCK elements at a time."""
    out = np.empty(len(values) + len(added), dtype=values.dtype)
    done = 0
    for i, end in enumerate([*at.tolist(), len(values)]):
        for start in range(done, end, BLOCK):
            stop = min(end, start + BLOCK)
            out[start + i : stop + i] = values[start:stop]
        if i < len(added):
            out[end + i] = added[i]
        done = end
    return out


@dataclass(frozen=True)
class Counts:
    """Passages' terms counted, ready to be weighed: the part of building a Scorer that can be
    done for a piece of the corpus apart (in another process) and joined later (see `Scorer`)."""

    terms: list[str]  # the vocabulary, first seen first; ids below index into it
    term_ids: Int32s  # each passage's distinct terms, passage after passage
    frequencies: Int32s  # how often each of those terms is in its passage
    distinct: Int32s  # how many distinct terms each passage has
    lengths: Int32s  # how many terms each passage has
    ranks: Int32s  # for each of term_ids, how many postings of its term come before it here

    @classmethod
    def of(cls, documents: Iterable[Sequence[str]]) -> Counts:
        """Count `documents`, each a passage's terms; terms are numbered as first seen, passage by
        passage, as rank-bm25 meets them. A batch of passages at a time goes through numpy and
        C-speed builtins: a Python loop over every word of a large corpus takes many seconds."""
        numbering = Numbering()
        parts: list[tuple[Int32s, Int32s, Int32s]] = []
        lengths = array("i")
        batch: list[Sequence[str]] = []
        for document in itertools.chain(documents, [None]):
            if document is not None:
                batch.append(document)
                if len(batch) < 2048:
                    continue
            if batch:
                parts.append(_count_batch(batch, numbering))
                lengths.extend(map(len, batch))
                batch = []
        columns = [np.concatenate(column) for column in zip(*parts, strict=True)] or [_ints(array("i"))] * 3
        term_ids, frequencies, distinct = columns
        return cls(list(numbering), term_ids, frequencies, distinct, _ints(lengths), _rank_among_equals(term_ids))

    def numbered(self, vocabulary: dict[str, int]) -> Int32s:
        """`term_ids` as numbered in `vocabulary`, where terms it lacks are added, in order."""
        if not isinstance(vocabulary, Numbering):  # a Numbering adds them itself, in one pass
            new = list(itertools.filterfalse(vocabulary.__contains__, self.terms))
            vocabulary.update(zip(new, range(len(vocabulary), len(vocabulary) + len(new)), strict=True))
        renumbered = np.fromiter(map(vocabulary.__getitem__, self.terms), dtype=np.int32, count=len(self.terms))
        return renumbered[self.term_ids]


class Scorer:
    """rank-bm25's scores for one corpus, from precomputed weights; its scores never change once
    built (it only remembers the dense rows of common terms once asked for them, see `_row`)."""

    def __init__(
        self,
        documents: Iterable[Sequence[str]] = (),
        *,
        parts: Iterable[Counts] | None = None,
        variant: str = "okapi",
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        delta: float | None = None,
    ):
        """Score `documents` (each a passage's terms), or the corpus made of `parts` in order,
        each counted apart (`Counts.of`); parts are taken in as they come, so that parts still
        being counted elsewhere can follow."""
        if variant not in ("okapi", "plus", "l"):
            raise ValueError(f"unknown BM25 variant {variant!r}")
        self.variant, self.k1, self.b, self.epsilon = variant, k1, b, epsilon
        self.delta = DEFAULT_DELTA.get(variant, 0.0) if delta is None else delta
        self._build(_counted(documents) if parts is None else parts)

    def _build(self, parts: Iterable[Counts]) -> None:
        # Postings go column by column (by term, passages ascending within a term). Where each
        # lands within its term's column is worked out part by part, as the parts come in (while
        # other processes may still be counting the next ones), so that no sort of all the
        # postings is left for the end. Arrays are let go as soon as they are used.
        numbering = Numbering()
        seen = np.zeros(1024, dtype=np.int32)  # postings of each term in the parts so far
        numbered, places, rows = [], [], []
        for part in parts:
            term_ids = part.numbered(numbering)
            if len(numbering) > len(seen):
                seen = np.concatenate((seen, np.zeros(max(len(seen), len(numbering)), dtype=np.int32)))
            places.append(seen[term_ids] + part.ranks)  # ranks hold whatever the terms' numbers
            seen += np.bincount(term_ids, minlength=len(seen)).astype(np.int32)
            numbered.append(term_ids)
            rows.append((part.frequencies, part.distinct, part.lengths))
        self.vocabulary = dict(numbering)  # a plain dict: looking up an unknown term must not add it
        del numbering
        term_ids = _joined(numbered)
        self._indptr = np.concatenate(([0], np.cumsum(seen[: len(self.vocabulary)], dtype=np.int64)))
        slots = self._indptr[:-1].astype(np.int32)[term_ids]
        del term_ids
        slots += _joined(places)
        frequencies, distinct, lengths = (
            (_joined(list(column)) for column in zip(*rows, strict=True)) if rows else [slots] * 3
        )
        del numbered, rows
        self._tf = np.empty(len(slots), dtype=np.int32)
        self._tf[slots] = frequencies
        del frequencies
        self._docs = np.empty(len(slots), dtype=np.int32)
        self._docs[slots] = np.repeat(np.arange(len(lengths), dtype=np.int32), distinct)
        del distinct, slots
        self._lengths = lengths.astype(np.float64)
        self._weigh()

    def with_added(self, documents: Iterable[Sequence[str]]) -> Scorer:
        """A new Scorer for this corpus followed by `documents`; this one is left as it was."""
        new = object.__new__(Scorer)
        new.__dict__.update(self.__dict__)
        new.vocabulary = _copied(self.vocabulary)
        old_terms, old_postings = len(self.vocabulary), len(self._docs)
        added = Counts.of(documents)
        term_ids, lengths = added.numbered(new.vocabulary), added.lengths
        docs = np.repeat(np.arange(len(lengths), dtype=np.int32) + len(self._lengths), added.distinct)
        order = np.argsort(term_ids, kind="stable")
        term_ids, docs, tf = term_ids[order], docs[order], added.frequencies[order]
        # New passages come after every old one, so each goes at the end of its term's column.
        at = np.where(term_ids < old_terms, self._indptr[np.minimum(term_ids + 1, old_terms)], old_postings)
        new._docs = _insert(self._docs, at, docs)
        new._tf = _insert(self._tf, at, tf)
        new._lengths = np.concatenate((self._lengths, lengths.astype(np.float64)))
        df = np.diff(self._indptr)
        df = np.concatenate((df, np.zeros(len(new.vocabulary) - old_terms, dtype=df.dtype)))
        df += np.bincount(term_ids, minlength=len(new.vocabulary)).astype(df.dtype)
        new._indptr = np.concatenate(([0], np.cumsum(df)))
        new._weigh()
        return new

    def _weigh(self) -> None:
        n = len(self._lengths)
        df = np.diff(self._indptr)
        avgdl = self._lengths.sum() / n if n else 1.0
        if self.variant == "okapi":
            idf = np.log(n - df + 0.5) - np.log(df + 0.5)
            average = sum(idf.tolist()) / len(idf) if len(idf) else 0.0  # in rank-bm25's order
            idf[idf < 0] = self.epsilon * average
        elif self.variant == "plus":
            idf = np.log((n + 1) / df)
        else:
            idf = math.log(n + 1) - np.log(df + 0.5)
        base = idf * self.delta if self.variant == "plus" else np.zeros_like(idf)
        self._base: list[float] = []
        for a in range(0, len(base), 8192):  # in small blocks: each makes Python floats
            self._base.extend(base[a : a + 8192].tolist())
        self._dense: dict[int, Floats] = {}  # rows of common terms' weights, made when first asked
        self._dense_lock = threading.Lock()  # answering threads may ask for the same rows at once
        self._weights: Floats = np.empty(len(self._docs))
        for first, last in _term_blocks(self._indptr):
            a, z = self._indptr[first], self._indptr[last]
            tf = self._tf[a:z].astype(np.float64)
            norm = 1 - self.b + self.b * self._lengths[self._docs[a:z]] / avgdl
            if self.variant == "okapi":
                per_posting = tf * (self.k1 + 1) / (tf + self.k1 * norm)
            elif self.variant == "plus":
                per_posting = tf * (self.k1 + 1) / (self.k1 * norm + tf)
            else:
                ctd = tf / norm
                per_posting = tf * (self.k1 + 1) * (ctd + self.delta) / (self.k1 + ctd + self.delta)
            self._weights[a:z] = np.repeat(idf[first:last], df[first:last]) * per_posting

    def __len__(self) -> int:
        return len(self._lengths)

    def document_frequency(self, term: str) -> int:
        """How many passages hold `term`."""
        column = self.vocabulary.get(term)
        return 0 if column is None else int(self._indptr[column + 1] - self._indptr[column])

    def holds(self, term: str, doc: int) -> bool:
        """True when passage `doc` has `term`."""
        column = self.vocabulary.get(term)
        if column is None:
            return False
        docs = self._docs[self._indptr[column] : self._indptr[column + 1]]
        # An int32 key: with a Python int, numpy would cast the whole list to int64 first.
        at = int(docs.searchsorted(np.int32(doc)))
        return at < len(docs) and int(docs[at]) == doc

    def scores(self, terms: Sequence[str]) -> Floats:
        """rank-bm25's `get_scores(terms)`: one score per passage."""
        scores, base = self._matched(terms)
        if base:
            scores += base
        return scores

    def matched(self, terms: Sequence[str]) -> tuple[Floats, float]:
        """Each passage's score from the terms it holds (a new array), and the part of the score
        every passage gets (BM25Plus's `idf * delta` of each known term; 0 for the others)."""
        return self._matched(terms)

    def top(self, terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The `k` best passages as (index, score), best first; equal scores in passage order."""
        # The part every passage shares is added to the chosen few only: each pass over all
        # passages lets other threads take the GIL, and getting it back can take milliseconds.
        scores, base = self._matched(terms)
        if k > 16:
            order = np.argsort(-scores, kind="stable")[:k]
            return [(int(i), float(scores[i] + base)) for i in order]
        best: list[tuple[int, float]] = []
        for _ in range(min(k, len(scores))):
            i = int(np.argmax(scores))  # the first of equal maxima: the earlier passage
            best.append((i, float(scores[i] + base)))
            scores[i] = -np.inf
        return best

    def _matched(self, terms: Sequence[str]) -> tuple[Floats, float]:
        """Each passage's score from the terms it holds, and the score every passage gets."""
        columns = [c for c in map(self.vocabulary.get, terms) if c is not None]
        base = float(sum(self._base[c] for c in columns))
        n = len(self._lengths)
        dense = n >= DENSE_FROM
        spans, rows = [], []
        for c in columns:
            a, z = int(self._indptr[c]), int(self._indptr[c + 1])
            row = self._row(c, a, z) if dense and (z - a) * DENSE_SHARE >= n else None
            if row is None:
                spans.append((a, z))
            else:
                rows.append(row)
        if len(spans) > 1:
            docs = np.concatenate([self._docs[a:z] for a, z in spans])
            weights = np.concatenate([self._weights[a:z] for a, z in spans])
            scores = np.bincount(docs, weights=weights, minlength=n).astype(np.float64, copy=False)  # no copy
        else:
            scores = np.zeros(n)
            for a, z in spans:
                scores[self._docs[a:z]] = self._weights[a:z]
        for row in rows:
            scores += row
        return scores, base

    def _row(self, column: int, a: int, z: int) -> Floats | None:
        """Every passage's weight for the term in `column` (postings `a:z`), made when first asked;
        None once DENSE_ROWS (or DENSE_BYTES) are made."""
        row = self._dense.get(column)
        if row is not None:
            return row
        with self._dense_lock:  # one thread makes a row, and never more rows than allowed
            row = self._dense.get(column)
            if row is None and len(self._dense) < min(DENSE_ROWS, DENSE_BYTES // (8 * len(self._lengths))):
                row = np.zeros(len(self._lengths))
                row[self._docs[a:z]] = self._weights[a:z]
                self._dense[column] = row
        return row
