"""This instance's copy of the database's knowledge: loading it into its scratch folder, following the changes.

A full disk is the real OS event: a soft RLIMIT_FSIZE makes a write past it fail with EFBIG.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from tests import pg_support
from tests.support import child_env

schema, url, services = pg_support.schema, pg_support.url, pg_support.services  # the fixtures

SMALL_FILES = 8 * 1024  # bytes: the bundled article's knowledge file (30 KB) cannot be written past it


def _cli(*argv: str, limit: int | None = None, tmp: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGV` in a child process (its writes limited to `limit` bytes, as on a full disk;
    its temporary files in `tmp`)."""

    def limited() -> None:
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (hard if limit is None else limit, hard))

    env = {**child_env(), **({"TMPDIR": str(tmp)} if tmp else {})}
    argv = (sys.executable, "-m", "bot", *argv)
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, preexec_fn=limited)


def test_a_full_temporary_disk_at_start_up_is_one_error_line_not_a_traceback(url: str, tmp_path: Path) -> None:
    """Starting (or asking) with a database while the disk is full: one line naming the scratch folder and
    the reason, exit 2 as every other start that fails, no traceback, and no part-written copy left."""
    done = _cli("ask", "Why do North Koreans flee?", limit=SMALL_FILES, tmp=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr[-600:]
    assert done.returncode == 2, done.stderr[-600:]
    [line] = done.stderr.splitlines()
    assert line.startswith("error: ") and f"into {tmp_path}" in line and "File too large" in line, line
    assert list(tmp_path.iterdir()) == []
