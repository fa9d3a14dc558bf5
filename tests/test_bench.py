"""The benchmark runs end to end at a tiny size and reports every figure (never judged on time)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import bench


def test_bench_reports_every_figure_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run at 200 passages prints a table and writes JSON with latencies, agreement, start and change."""
    out = tmp_path / "bench.json"
    assert bench.main(["--sizes", "200", "--questions", "20", "--json", str(out)]) == 0
    assert "passages" in capsys.readouterr().out
    (size,) = json.loads(out.read_text(encoding="utf-8"))["sizes"]
    assert size["passages"] == 200
    assert size["questions"] == 20
    for figures in (size["answer"], size["rank_bm25"]):
        assert set(figures) == {"median_ms", "p99_ms", "max_ms"}
        assert figures["median_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert size["agreement"] == 1.0
    for figure in ("cold_start_s", "warm_start_s", "peak_rss_mib", "speedup_median"):
        assert size[figure] > 0
    change = size["change"]
    assert change["added_answered"] is True
    assert change["answerable_after_s"] > 0 and change["worst_answer_meanwhile_ms"] >= 0


def test_bench_through_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m adapters bench` hands its options to the benchmark."""
    from adapters.cli import main

    out = tmp_path / "bench.json"
    assert main(["bench", "--sizes", "100", "--questions", "10", "--json", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["sizes"][0]["passages"] == 100


@pytest.mark.parametrize("sizes", ["abc", "0", "100,-5", ","])
def test_bad_sizes_are_one_usage_error(sizes: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`bench --sizes abc` (or 0, or a negative) ends in argparse's usage error, exit 2, no traceback."""
    from adapters.cli import main

    with pytest.raises(SystemExit) as ended:
        main(["bench", "--sizes", sizes])
    assert ended.value.code == 2
    assert "error: argument --sizes:" in capsys.readouterr().err.splitlines()[-1]


def test_bench_json_to_a_folder_that_does_not_exist_is_one_error_line_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bench --million --json results/bench.json` without a results/ folder ran to the end (many minutes) and
    then died in a FileNotFoundError traceback, the figures lost: it is one `error:` line, exit 2, before the run."""
    from adapters.cli import main

    target = tmp_path / "results" / "bench.json"
    assert main(["bench", "--sizes", "100", "--questions", "5", "--json", str(target)]) == 2
    said = capsys.readouterr()
    assert said.err == f"error: --json {target}: the folder {target.parent} does not exist\n"
    assert said.out == ""  # nothing was run
