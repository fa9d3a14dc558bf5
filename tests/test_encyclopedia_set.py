"""The encyclopedia set (benchmarks/encyclopedia): Wikipedia articles imported with `kb import`,
questions written the SQuAD way. Every fact must occur, verbatim up to case and whitespace, in
one paragraph of its source file, and the counts must hold. blind.yaml is read only to count."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from benchmarks.generalization import OFF_TOPIC_KINDS, load_questions, main, misplaced_facts, source_files

HERE = Path(__file__).resolve().parent.parent / "benchmarks" / "encyclopedia"
IMPORTED = 8
OTHERS = 4


def test_articles_are_in_place() -> None:
    sources = source_files("encyclopedia")
    others = sorted((HERE / "others").glob("*.md"))
    assert len(sources) == IMPORTED and len(others) == OTHERS
    assert not {p.stem for p in sources} & {p.stem for p in others}
    for path in [*sources, *others]:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ") and "\n## " in text, path.name
        assert 1500 <= len(text.split()) <= 6500, path.name
        assert "[edit]" not in text and "[citation needed]" not in text, path.name


def test_every_dev_fact_is_in_one_paragraph_of_its_source() -> None:
    stems = {p.stem for p in source_files("encyclopedia")}
    for q in load_questions("dev", "encyclopedia"):
        if q.fact is None:
            assert q.kind in OFF_TOPIC_KINDS and q.source is None, q
        else:
            assert q.source in stems, q
    missing = misplaced_facts("dev", "encyclopedia")
    assert not missing, missing


def test_counts() -> None:
    dev = load_questions("dev", "encyclopedia")
    # blind.yaml: counted, never read for anything else
    blind = yaml.safe_load((HERE / "blind.yaml").read_text(encoding="utf-8"))
    blind_on = Counter(item.get("source") for item in blind if "fact" in item)
    blind_kinds = Counter(item.get("kind") for item in blind if "fact" not in item)
    dev_on = Counter(q.source for q in dev if q.on_topic)
    dev_kinds = Counter(q.kind for q in dev if not q.on_topic)
    on = dev_on + blind_on
    kinds = dev_kinds + blind_kinds
    assert len(on) == IMPORTED and all(n >= 70 for n in on.values()), on
    assert sum(on.values()) >= 560
    assert kinds["other-article"] >= 240 and kinds["near-miss"] >= 60, kinds
    assert set(kinds) <= set(OFF_TOPIC_KINDS)
    share = len(dev) / (len(dev) + len(blind))
    assert 0.6 <= share <= 0.7, share
    for item in blind:  # the blind set has the same shape (checked without looking at its text)
        assert set(item) in ({"ask", "fact", "source"}, {"ask", "kind"})


def test_show_refuses_the_blind_encyclopedia_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--corpus", "encyclopedia", "--set", "blind", "--show"]) == 2
    assert "refused" in capsys.readouterr().err
