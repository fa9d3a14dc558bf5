"""What the tests of the encyclopedia's question sets share (benchmarks/encyclopedia and its seeking/
and paraphrase/ sets): the dev questions checked against the sources, and both parts counted.
blind.yaml is only counted and its shape checked, never read for anything else."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import yaml

from benchmarks.generalization import (
    OFF_TOPIC_KINDS,
    Question,
    corpus_dir,
    load_questions,
    misplaced_facts,
    source_files,
)


def assert_dev_facts_in_place(corpus: str) -> None:
    """Every dev question is on-topic (a fact from one paragraph of one source) or of an off-topic kind."""
    stems = {p.stem for p in source_files(corpus)}
    for q in load_questions("dev", corpus):
        if q.fact is None:
            assert q.kind in OFF_TOPIC_KINDS and q.source is None, q
        else:
            assert q.source in stems and q.kind is None, q
    missing = misplaced_facts("dev", corpus)
    assert not missing, missing


@dataclass(frozen=True)
class Parts:
    """Both parts of a set, counted."""

    dev: list[Question]
    blind: list[dict[str, Any]]
    on: Counter[str | None]  # on-topic questions per source, both parts
    kinds: Counter[str | None]  # off-topic questions per kind, both parts

    @property
    def asks(self) -> list[str]:
        return [q.ask for q in self.dev] + [str(item["ask"]) for item in self.blind]


def parts(corpus: str) -> Parts:
    """The set's parts counted, blind.yaml's shape checked (keys and kinds, never its text)."""
    dev = load_questions("dev", corpus)
    blind = list(yaml.safe_load((corpus_dir(corpus) / "blind.yaml").read_text(encoding="utf-8")))
    for item in blind:
        assert set(item) in ({"ask", "fact", "source"}, {"ask", "kind"})
        assert item.get("kind", "near-miss") in OFF_TOPIC_KINDS
    on = Counter(q.source for q in dev if q.on_topic) + Counter(i.get("source") for i in blind if "fact" in i)
    kinds = Counter(q.kind for q in dev if not q.on_topic) + Counter(i.get("kind") for i in blind if "fact" not in i)
    return Parts(dev, blind, on, kinds)
