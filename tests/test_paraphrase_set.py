"""The paraphrased encyclopedia set (benchmarks/encyclopedia/paraphrase): questions written the SQuAD
way, one paragraph read, but in the writer's own words rather than the paragraph's, asked of the
encyclopedia's own sources (`--corpus encyclopedia-paraphrase`; its facts and sources are checked
with the encyclopedia set's, in test_encyclopedia_set.py). The counts must hold. blind.yaml is
read only to count, to check its shape and to compare its questions with the other sets'."""

from __future__ import annotations

from pathlib import Path

import yaml

from benchmarks.encyclopedia.overlap import top1
from benchmarks.generalization import source_files
from tests.question_sets import parts

ENCYCLOPEDIA = Path(__file__).resolve().parent.parent / "benchmarks" / "encyclopedia"
HERE = ENCYCLOPEDIA / "paraphrase"
CORPUS = "encyclopedia-paraphrase"
PER_ARTICLE = 55  # on-topic questions written for each imported article
OTHER_ARTICLES = 120  # 30 for each of the four articles of others/
NEAR_MISSES = 40


def _asks(folder: Path) -> set[str]:
    return {
        str(item["ask"]).strip().casefold()
        for name in ("dev", "blind")
        for item in yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))
    }


def test_counts() -> None:
    """The paraphrase set's counts hold: the same number asked of every article, its off-topic kinds, 600 in all with
    65% to dev, none twice."""
    counted = parts(CORPUS)
    on, kinds = counted.on, counted.kinds
    assert on == dict.fromkeys((p.stem for p in source_files(CORPUS)), PER_ARTICLE), on
    assert kinds == {"near-miss": NEAR_MISSES, "other-article": OTHER_ARTICLES}, kinds
    assert len(counted.dev) == 390 and len(counted.blind) == 210  # 600 in all, 65% to dev
    assert len(set(counted.asks)) == len(counted.asks)  # no question in both sets, none twice


def test_no_question_is_one_of_the_other_encyclopedia_sets() -> None:
    """No question of the paraphrase set is one of the other encyclopedia sets' (counted, never shown)."""
    ours = _asks(HERE)
    for other in (ENCYCLOPEDIA, ENCYCLOPEDIA / "seeking"):
        shared = ours & _asks(other)
        assert len(shared) == 0  # a count only: the other sets' blind questions are not shown


def test_plain_bm25_finds_the_paraphrased_questions_less_often_than_the_encyclopedias() -> None:
    """What docs/quality.md says of the two sets: plain rank-bm25's top-1 on the dev questions
    (`python -m benchmarks.encyclopedia.overlap`) is 65.5% here against 87.4% on the encyclopedia set."""
    right, asked = top1(CORPUS)
    easy_right, easy_asked = top1("encyclopedia")
    assert (right, asked) == (186, 284) and (easy_right, easy_asked) == (432, 494)
