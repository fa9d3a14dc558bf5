"""Floors on the generalization set (benchmarks/generalization): real documents imported with
`kb import`, questions written by hand. Each floor sits a few points below the figure measured
when the set was made; raise them as the bot improves."""

from __future__ import annotations

import pytest

from benchmarks.generalization import evaluate, main

FLOORS = {
    # set: (right % min, wrong % max, off-topic declined % min, near-miss declined % min)
    "dev": (40.0, 16.0, 85.0, 74.0),  # measured 43.9 right, 12.8 wrong, 88.4 declined, 78.1 near-miss
    "blind": (36.0, 17.0, 87.0, 78.0),  # measured 39.5 right, 13.6 wrong, 90.0 declined, 81.1 near-miss
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("set_name", ["dev", "blind"])
def test_generalization_floors(set_name: str) -> None:
    t = evaluate(set_name)
    right, wrong, declined, near_miss = FLOORS[set_name]
    assert t.on_topic >= 150 and t.off_topic >= 60 and t.near_miss * 2 >= t.off_topic - 10
    assert t.right_pct >= right, t
    assert t.wrong_pct <= wrong, t
    assert t.off_declined_pct >= declined, t
    assert t.near_miss_declined_pct >= near_miss, t


def test_show_refuses_the_blind_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--set", "blind", "--show"]) == 2
    assert "refused" in capsys.readouterr().err
