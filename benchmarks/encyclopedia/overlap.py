"""How much a question set borrows the paragraph's words: plain BM25 (rank-bm25 `BM25Okapi`,
default parameters) over the paragraphs of the eight imported articles, top-1 right when the
best-scoring paragraph contains the question's fact. Only the dev on-topic questions are asked;
the bot is not involved (no `kb import`, no passages, no decline).

    python -m benchmarks.encyclopedia.overlap [CORPUS ...]

CORPUS defaults to `encyclopedia` and `encyclopedia-paraphrase` (any corpus whose sources are the
encyclopedia's). Tokens: lowercase, split on non-alphanumerics, a small English stop-word list
dropped. A measure to report, not a target: the questions were not changed to move it.
"""

from __future__ import annotations

import re
import sys

from rank_bm25 import BM25Okapi

from benchmarks.generalization import CORPORA, contains, load_questions, paragraphs, source_files

DEFAULT = ("encyclopedia", "encyclopedia-paraphrase")
STOP = frozenset(
    """a an and are as at be been but by can could did do does for from had has have he her his how
    i if in into is it its of on or she so than that the their them then there these they this to
    was were what when where which who whom whose why will with would you""".split()
)


def tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", text.lower()) if t and t not in STOP]


def top1(corpus: str) -> tuple[int, int]:
    """(questions whose best paragraph holds the fact, dev on-topic questions) for `corpus`."""
    docs = [p for path in source_files(corpus) for p in paragraphs(path)]
    bm25 = BM25Okapi([tokens(d) for d in docs])
    asked = [q for q in load_questions("dev", corpus) if q.fact is not None]
    right = 0
    for q in asked:
        scores = bm25.get_scores(tokens(q.ask))
        best = max(range(len(docs)), key=lambda i: scores[i])
        right += contains(docs[best], q.fact or "")
    return right, len(asked)


def main(argv: list[str]) -> int:
    corpora = argv or list(DEFAULT)
    for corpus in corpora:
        if corpus not in CORPORA:
            print(f"unknown corpus {corpus!r}; one of {', '.join(CORPORA)}", file=sys.stderr)
            return 2
        try:
            right, asked = top1(corpus)
        except FileNotFoundError as exc:  # a corpus built from a fetched repository, not built here
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{corpus:<26} dev on-topic {asked:4d}: plain BM25 top-1 {right:4d} ({100.0 * right / asked:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
