"""Building the crowd set (`python -m benchmarks.crowd.prepare GIT_DIR`): a wrong GIT_DIR is a clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.support import child_env


def prepare(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.crowd.prepare", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )


def test_a_folder_that_is_no_clone_of_the_source_is_one_error_line(tmp_path: Path) -> None:
    """A GIT_DIR that is no clone holding the source's commit is one `error:` line naming it and what is
    needed, exit 2, no traceback, and nothing built."""
    result = prepare(str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {tmp_path}: ") and "wuhjie/few_shots_that_matters_wu" in line


def test_help_prints_the_usage() -> None:
    """`--help` prints how to run it (it was taken for GIT_DIR and ended in a traceback)."""
    result = prepare("--help")
    assert result.returncode == 0 and "python -m benchmarks.crowd.prepare GIT_DIR" in result.stdout
