"""An outside review of the operator's command line (`python -m bot ...`, `python -m adapters ...`): each test
shows one defect found by using it as an operator or moderator would, and fails until it is mended."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import ROOT, TRANSCRIPTS
from tests.support import child_env, small_kb, write_kb

DEV = TRANSCRIPTS / "community-dev.yaml"
ADDED = ["--section", "Parking", "--text", "Bikes go in the racks behind the library."]


def run(*args: str | bytes, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    """`python -m bot ARGS` in a fresh interpreter, as an operator runs it (bytes: a name not in UTF-8)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT, env=child_env(), stdout=stdout, stderr=subprocess.PIPE, timeout=120, check=False,
    )  # fmt: skip


def history(kdir: Path) -> str:
    out = io.StringIO()
    assert main(["kb", "history", "--knowledge", str(kdir)], out) == 0
    return out.getvalue()


@pytest.mark.xfail(
    strict=True, reason="review: every change in a knowledge folder whose path is not UTF-8 is a traceback"
)
def test_a_change_in_a_folder_whose_path_is_not_utf8_is_made(tmp_path: Path) -> None:
    """A community's folder copied from a Latin-1 machine, `/srv/caf\\xe9-club/knowledge`: every `kb add`, `kb edit`,
    `kb publish` (and every change from chat) ends in a UnicodeEncodeError traceback while the history line, which
    records the folder's path, is written, so no moderator can change anything. The path should be recorded
    written out (as a moderator's name not in UTF-8 is: `j\\xf6rg`), and the change made."""
    home = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9-club"))
    home.mkdir()
    kdir = write_kb(home / "knowledge", small_kb())
    out = io.StringIO()
    try:
        code = main(["kb", "add", *ADDED, "--knowledge", str(kdir)], out)
    except UnicodeError as exc:
        pytest.fail(f"a traceback: {exc!r}")
    assert code == 0
    assert out.getvalue().splitlines()[-1] == "parking"
    assert "add parking" in history(kdir)
