"""The encyclopedia set (benchmarks/encyclopedia): Wikipedia articles imported with `kb import`,
questions written the SQuAD way. Every fact must occur, verbatim up to case and whitespace, in
one paragraph of its source file (here for the seeking and paraphrased sets too, which ask the same
sources), and the counts must hold. blind.yaml is read only to count."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.generalization import OFF_TOPIC_KINDS, source_files
from tests.question_sets import assert_dev_facts_in_place, parts

HERE = Path(__file__).resolve().parent.parent / "benchmarks" / "encyclopedia"
IMPORTED = 8
OTHERS = 4


def test_articles_are_in_place() -> None:
    """The encyclopedia's imported and other articles are in place: counted, distinct, whole articles of 1,500 to 6,500
    words without Wikipedia's markers."""
    sources = source_files("encyclopedia")
    others = sorted((HERE / "others").glob("*.md"))
    assert len(sources) == IMPORTED and len(others) == OTHERS
    assert not {p.stem for p in sources} & {p.stem for p in others}
    for path in [*sources, *others]:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ") and "\n## " in text, path.name
        assert 1500 <= len(text.split()) <= 6500, path.name
        assert "[edit]" not in text and "[citation needed]" not in text, path.name


@pytest.mark.parametrize("corpus", ["encyclopedia", "encyclopedia-seeking", "encyclopedia-paraphrase"])
def test_every_dev_fact_is_in_one_paragraph_of_its_source(corpus: str) -> None:
    """Every dev question of each encyclopedia set is a fact found in one paragraph of its source, or of an off-topic
    kind."""
    assert_dev_facts_in_place(corpus)


@pytest.mark.parametrize("asked", ["seeking", "paraphrase"])
def test_the_other_question_sets_ask_the_encyclopedias_own_sources(asked: str) -> None:
    """The seeking and paraphrased sets ask the encyclopedia's own sources, with no copy of their own."""
    assert source_files(f"encyclopedia-{asked}") == source_files("encyclopedia")
    assert not (HERE / asked / "sources").exists()


def test_counts() -> None:
    """The encyclopedia set's counts hold: questions per article, off-topic kinds, and a dev share of 60 to 70
    percent."""
    counted = parts("encyclopedia")
    on, kinds = counted.on, counted.kinds
    assert len(on) == IMPORTED and all(n >= 70 for n in on.values()), on
    assert sum(on.values()) >= 560
    assert kinds["other-article"] >= 240 and kinds["near-miss"] >= 60, kinds
    assert set(kinds) <= set(OFF_TOPIC_KINDS)
    share = len(counted.dev) / (len(counted.dev) + len(counted.blind))
    assert 0.6 <= share <= 0.7, share
