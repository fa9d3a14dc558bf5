"""Floors on the generalization corpora: benchmarks/generalization (six Debian and Python
documents, community-style questions) and benchmarks/encyclopedia (eight Wikipedia articles,
questions written the crowd-sourced way from one paragraph each, questions about four other
articles to decline), with two more question sets on the same articles: `encyclopedia-seeking`
(by someone who had read only their headings) and `encyclopedia-paraphrase` (the crowd-sourced
way, in the writer's own words). Each imported with `kb import`; each floor sits a few points
below the figure measured; raise them as the bot improves."""

from __future__ import annotations

import pytest

from benchmarks.generalization import CORPORA, DEFAULT_CORPUS, evaluate, main

FLOORS = {
    # (corpus, set): (right % min, wrong % max, off-topic declined % min, off-topic declined or
    # hedged % min, near misses declined or hedged % min); a hedged answer says it may not answer
    # exactly what was asked (bot.confidence.Confidence.hedge and .band)
    ("generalization", "dev"): (44.0, 13.0, 86.0, 93.0, 87.0),  # measured 46.6, 11.2, 88.4, 95.2, 90.4
    ("generalization", "blind"): (37.0, 15.5, 81.5, 91.5, 85.0),  # measured 39.5, 13.6, 84.3, 94.3, 89.2
    ("encyclopedia", "dev"): (82.5, 4.5, 87.5, 94.5, 79.0),  # measured 85.0, 2.8, 89.7, 96.7, 83.3
    ("encyclopedia", "blind"): (75.5, 5.0, 86.0, 94.0, 78.0),  # measured 78.5, 3.0, 88.7, 96.5, 83.3
    # the same articles asked by people who had read only the headings (see encyclopedia/SOURCES.md)
    ("encyclopedia-seeking", "dev"): (17.0, 14.0, 87.5, 93.0, 90.0),  # measured 20.0, 11.4, 90.3, 97.2, 96.7
    ("encyclopedia-seeking", "blind"): (21.0, 15.0, 84.0, 90.0, 76.0),  # measured 24.5, 11.8, 87.1, 93.5, 84.6
    # the same articles asked the crowd-sourced way, in the writer's own words
    ("encyclopedia-paraphrase", "dev"): (50.0, 5.5, 84.0, 86.0, 52.0),  # measured 53.2, 3.5, 86.8, 88.7, 59.3
    ("encyclopedia-paraphrase", "blind"): (47.0, 7.5, 84.0, 91.0, 69.0),  # measured 50.0, 5.1, 87.0, 94.4, 76.9
}
# fewer questions than the others' minimum per part (380 and 600 in all)
SMALL = {"encyclopedia-seeking", "encyclopedia-paraphrase"}


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("corpus", "set_name"), sorted(FLOORS))
def test_generalization_floors(corpus: str, set_name: str) -> None:
    t = evaluate(set_name, corpus)
    right, wrong, declined, met, near_miss_met = FLOORS[(corpus, set_name)]
    if corpus in SMALL:
        assert t.on_topic >= 100 and t.off_topic >= 30 and t.near_miss >= 10
    else:
        assert t.on_topic >= 150 and t.off_topic >= 60 and t.near_miss >= 20
    assert t.right_pct >= right, t
    assert t.wrong_pct <= wrong, t
    assert t.off_declined_pct >= declined, t
    assert t.off_met_pct >= met, t
    assert t.near_miss_met_pct >= near_miss_met, t


def test_show_refuses_the_blind_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--set", "blind", "--show"]) == 2
    assert "refused" in capsys.readouterr().err


@pytest.mark.parametrize("corpus", [c for c in CORPORA if c != DEFAULT_CORPUS])
def test_show_refuses_every_blind_set(corpus: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--corpus", corpus, "--set", "blind", "--show"]) == 2
    assert "refused" in capsys.readouterr().err
