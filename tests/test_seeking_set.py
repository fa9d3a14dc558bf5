"""The information-seeking encyclopedia set (benchmarks/encyclopedia/seeking): questions written from
each article's title and section headings before its text was read, asked of the encyclopedia's
own sources (`--corpus encyclopedia-seeking`). Every dev fact must occur, verbatim up to case and
whitespace, in one paragraph of its source, and the counts must hold. blind.yaml is read only to
count and to check its shape."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from benchmarks.generalization import OFF_TOPIC_KINDS, load_questions, main, misplaced_facts, source_files

ENCYCLOPEDIA = Path(__file__).resolve().parent.parent / "benchmarks" / "encyclopedia"
HERE = ENCYCLOPEDIA / "seeking"
CORPUS = "encyclopedia-seeking"


def test_the_sources_are_the_encyclopedias() -> None:
    assert source_files(CORPUS) == source_files("encyclopedia")
    assert not (HERE / "sources").exists()


def test_every_dev_fact_is_in_one_paragraph_of_its_source() -> None:
    stems = {p.stem for p in source_files(CORPUS)}
    for q in load_questions("dev", CORPUS):
        if q.fact is None:
            assert q.kind in OFF_TOPIC_KINDS and q.source is None, q
        else:
            assert q.source in stems and q.kind is None, q
    missing = misplaced_facts("dev", CORPUS)
    assert not missing, missing


def test_counts() -> None:
    dev = load_questions("dev", CORPUS)
    # blind.yaml: counted and its shape checked, never read for anything else
    blind = yaml.safe_load((HERE / "blind.yaml").read_text(encoding="utf-8"))
    blind_on = Counter(item.get("source") for item in blind if "fact" in item)
    blind_kinds = Counter(item.get("kind") for item in blind if "fact" not in item)
    dev_on = Counter(q.source for q in dev if q.on_topic)
    dev_kinds = Counter(q.kind for q in dev if not q.on_topic)
    on = dev_on + blind_on
    kinds = dev_kinds + blind_kinds
    assert set(on) == {p.stem for p in source_files(CORPUS)}, on
    assert all(25 <= n <= 40 for n in on.values()), on  # 40 asked per article, the rest near misses
    assert sum(on.values()) == 277
    assert kinds == {"near-miss": 43, "other-article": 60}, kinds
    assert len(dev) == 247 and len(blind) == 133
    for item in blind:  # the blind set has the same shape (checked without looking at its text)
        assert set(item) in ({"ask", "fact", "source"}, {"ask", "kind"})
        assert item.get("kind", "near-miss") in OFF_TOPIC_KINDS
    asks = [q.ask for q in dev] + [str(item["ask"]) for item in blind]
    assert len(set(asks)) == len(asks)  # no question in both sets


def test_show_refuses_the_blind_seeking_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--corpus", CORPUS, "--set", "blind", "--show"]) == 2
    assert "refused" in capsys.readouterr().err
