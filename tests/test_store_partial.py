"""A change of several files that fails part-way (a real failed rename, injected by strace: the change's second)
is all or nothing: the files already written are put back and the reply says nothing changed; when putting them
back fails too, the reply and the history say the change was saved in part (docs/reliability.md, "What a change's writes
promise"). No moderator command writes two files yet: the change is made through `transaction.apply`, as they do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.curation.history import FILE_NAME as HISTORY_FILE
from bot.curation.store import LOCK_NAME
from tests.conftest import ROOT
from tests.support import child_env, needs_strace

RENAMES = "rename,renameat,renameat2"

# A change of a.yaml (rewritten, removed, or c.yaml made first) and then b.yaml, made as a moderator's change is.
_CHANGE = """
import contextlib, logging, sys
from pathlib import Path
from bot.asker import Asker
from bot.curation import transaction
from bot.curation.edits import Edit, Refused
from bot.curation.history import History
from bot.curation.store import KnowledgeStore
logging.basicConfig(level=logging.WARNING)
kdir, data, first = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

def plan(files):
    item = files["b.yaml"]["passages"][0]
    after = {**item, "text": "Bikes go behind the library now."}
    b = {**files["b.yaml"], "passages": [after]}
    a = {
        "rewritten": {**files["a.yaml"], "passages": [{**files["a.yaml"]["passages"][0], "text": "Tea is free."}]},
        "removed": None,
        "made": {"source": {"title": "New"}, "passages": [{"id": "c1", "section": "New", "text": "A new passage."}]},
    }[first]
    return Edit({"c.yaml" if first == "made" else "a.yaml": a, "b.yaml": b}, "b.yaml", 0, item, after, "b1")

try:
    store = KnowledgeStore(kdir)
    transaction.apply(store, History(data, knowledge=kdir), Asker("cli", "", name="partial"), "edit", plan,
                      guard=contextlib.nullcontext)
except Refused as exc:
    print(exc)
    sys.exit(1)
print("made")
"""


def two_files(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "source: {title: A}\npassages:\n  - id: a1\n    section: Tea\n    text: Tea costs a coin.\n", encoding="utf-8"
    )
    (folder / "b.yaml").write_text(
        "source: {title: B}\npassages:\n  - id: b1\n    section: Bikes\n    text: Bikes go in the racks.\n",
        encoding="utf-8",
    )
    return folder


def changed(tmp_path: Path, first: str, failing: list[str]) -> subprocess.CompletedProcess[str]:
    """The change made under strace, `failing` the strace options that make some of its renames fail."""
    kdir = tmp_path / "knowledge"
    strace = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", f"trace={RENAMES}", *failing]
    return subprocess.run(
        [*strace, sys.executable, "-c", _CHANGE, str(kdir), str(tmp_path / "data"), first],
        cwd=ROOT, env={**child_env(), "TMPDIR": str(tmp_path)}, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def history_kinds(tmp_path: Path) -> list[str]:
    path = tmp_path / "data" / HISTORY_FILE
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [json.loads(line)["kind"] for line in text.splitlines() if line.strip()]


@needs_strace
@pytest.mark.parametrize("first", ["rewritten", "removed", "made"])
def test_a_change_whose_second_file_cannot_be_written_puts_the_first_back(tmp_path: Path, first: str) -> None:
    """b.yaml's rename fails (ENOSPC) after a.yaml was rewritten or removed, or c.yaml made: that file is put back
    (its old bytes, or no file), so "Nothing was changed" is true; it had stayed changed, live at the next reload
    and out of the history, whose line was taken back."""
    kdir = two_files(tmp_path)
    before = {p.name: p.read_bytes() for p in kdir.iterdir()}
    second = 1 if first == "removed" else 2  # a.yaml removed is an unlink: b.yaml's rename is the first
    result = changed(tmp_path, first, ["-e", f"inject={RENAMES}:error=ENOSPC:when={second}"])
    assert result.returncode == 1, result.stderr
    assert f"cannot write {kdir.resolve() / 'b.yaml'}: [Errno 28]" in result.stderr
    assert result.stdout == "Cannot save the change: the disk is full. Nothing was changed.\n"
    assert {p.name: p.read_bytes() for p in kdir.iterdir() if p.name != LOCK_NAME} == before
    assert history_kinds(tmp_path) == []  # taken back
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr


@needs_strace
def test_a_change_that_cannot_be_put_back_either_is_told_saved_in_part_and_stays_in_the_history(
    tmp_path: Path,
) -> None:
    """b.yaml's rename fails, then so does putting a.yaml back: the reply says the change was saved in part, naming
    both files and what to do, an ERROR names them, and the history keeps its line for `kb undo`; it had said
    "Nothing was changed" of a change half in the files, and taken its line back."""
    kdir = two_files(tmp_path)
    old_b = (kdir / "b.yaml").read_bytes()
    result = changed(tmp_path, "rewritten", ["-e", f"inject={RENAMES}:error=ENOSPC:when=2+"])  # b.yaml's, a.yaml's
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(
        "The change was saved only in part: a.yaml changed, but b.yaml could not be written (the disk is full), "
        "and putting a.yaml back failed too."
    ), result.stdout
    assert "`kb undo`" in result.stdout and "Nothing was changed" not in result.stdout
    assert "ERROR" in result.stderr and "saved in part: a.yaml changed" in result.stderr
    assert b"Tea is free." in (kdir / "a.yaml").read_bytes() and (kdir / "b.yaml").read_bytes() == old_b
    assert history_kinds(tmp_path) == ["edit"]
    assert not list(kdir.glob(".*.tmp"))
