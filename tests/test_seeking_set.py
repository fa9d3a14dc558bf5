"""The information-seeking encyclopedia set (benchmarks/encyclopedia/seeking): questions written from
each article's title and section headings before its text was read, asked of the encyclopedia's
own sources (`--corpus encyclopedia-seeking`; its facts and sources are checked with the encyclopedia
set's, in test_encyclopedia_set.py). The counts must hold. blind.yaml is read only to
count and to check its shape."""

from __future__ import annotations

from benchmarks.generalization import source_files
from tests.question_sets import parts

CORPUS = "encyclopedia-seeking"


def test_counts() -> None:
    """The seeking set's counts hold: 25 to 40 asked of every article (277 in all), its off-topic kinds, 247 in dev and
    133 blind, none twice."""
    counted = parts(CORPUS)
    on, kinds = counted.on, counted.kinds
    assert set(on) == {p.stem for p in source_files(CORPUS)}, on
    assert all(25 <= n <= 40 for n in on.values()), on  # 40 asked per article, the rest near misses
    assert sum(on.values()) == 277
    assert kinds == {"near-miss": 43, "other-article": 60}, kinds
    assert len(counted.dev) == 247 and len(counted.blind) == 133
    assert len(set(counted.asks)) == len(counted.asks)  # no question in both sets
