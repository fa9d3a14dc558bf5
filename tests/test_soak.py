"""The long-day benchmark (`benchmarks/soak.py`) runs end to end at a tiny size and reports every figure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import soak


@pytest.mark.slow
def test_the_soak_reports_each_structure_after_each_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two rounds of twenty members: every structure measured after each round (none of them missing, from
    the core, both adapters and their libraries), the memory held, nothing a fake refused, no ERROR."""
    out = tmp_path / "soak.json"
    assert soak.main(["--members", "20", "--rounds", "2", "--json", str(out)]) == 0
    assert "kept between messages" in capsys.readouterr().out
    figures = json.loads(out.read_text(encoding="utf-8"))
    first, second = figures["sizes"]
    assert first.keys() == second.keys() and len(first) > 30
    assert second["core: user cooldowns"] > first["core: user cooldowns"] > 0  # new members each round
    assert second["telegram: answered questions"] > 0 and second["discord: answered questions"] > 0
    assert second["memory held by the bot, KiB"] > 0 and figures["memory"]["end_resident"] > 0
    assert figures["refused"] == [] and not [line for line in figures["logged"] if line.startswith("ERROR")]
