"""`kb export DIR` stopped part-way (a real file size limit in a child process), and what `kb push DIR` makes of it."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.storage import exports
from tests import pg_support
from tests.conftest import KNOWLEDGE
from tests.pg_support import run
from tests.support import ROOT, child_env, needs_strace

schema = pg_support.schema  # the fixture

ARTICLE = "five-things-about-north-korean-refugees.yaml"  # about 30 KB as the database writes it out
WALRUSES = "about-walruses.yaml"  # a few hundred bytes, written before the article (names in order)

TIPS = (
    'source:\n  title: "Walrus tips"\npassages:\n'
    '  - id: walrus-food\n    section: "Walrus food"\n    text: "Walruses eat clams at the bottom of the sea."\n'
)

# `python -m bot ARGS` unable to write a file over 16 KB (RLIMIT_FSIZE: a real EFBIG, as a full disk would refuse)
_LIMITED = """
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))
sys.argv = ["bot", *sys.argv[1:]]
runpy.run_module("bot", run_name="__main__")
"""


@pytest.fixture
def seeded(schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database seeded (`db init --seed`) from a folder, returned, of the bundled article and about-walruses.yaml;
    the CLI's database too."""
    monkeypatch.setenv("QABOT_DATABASE_URL", pg_support.schema_url(pg_support.SERVER, schema))
    folder = tmp_path / "checkout"
    shutil.copytree(KNOWLEDGE, folder)
    (folder / WALRUSES).write_text(TIPS, encoding="utf-8")
    code, out = run("db", "init", "--seed", "--knowledge", str(folder))
    assert code == 0 and "seeded from" in out, out
    return folder


def _edit(data: Path, pid: str, text: str) -> None:
    """A moderator's edit of passage `pid`, made on the database (`kb edit`, as from chat)."""
    code, out = run("kb", "edit", pid, "--text", text, "--knowledge", str(KNOWLEDGE), "--data", str(data))
    assert code == 0, out


def _text(folder: Path, name: str, pid: str) -> str:
    passages = yaml.safe_load((folder / name).read_text(encoding="utf-8"))["passages"]
    return str(next(p["text"] for p in passages if p["id"] == pid))


def _database_text(tmp_path: Path, pid: str) -> str:
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    assert run("kb", "export", str(fresh))[0] == 0
    return next(_text(fresh, path.name, pid) for path in fresh.glob("*.yaml") if pid in path.read_text("utf-8"))


def test_an_export_stopped_part_way_is_refused_by_push_so_no_moderators_change_is_taken_back(
    seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DIR, the folder the database was seeded from (no `.qabot-export`), is exported after two moderators' edits;
    the export writes about-walruses.yaml and fails on the article (EFBIG): DIR holds one file of each moment. The
    reply says so, and `kb push DIR` is refused rather than pushing the article nobody edited in DIR (it took back
    the moderator's edit); exported again, DIR is pushed, changing nothing."""
    _edit(tmp_path / "data", "walrus-food", "Walruses eat clams and snails.")
    _edit(tmp_path / "data", "about-this-article", "A post of the foundation's blog.")
    before = (seeded / ARTICLE).read_bytes()
    export = subprocess.run(
        [sys.executable, "-c", _LIMITED, "kb", "export", str(seeded)], cwd=ROOT, env=child_env(),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert export.returncode == 1, export.stderr
    assert export.stderr.startswith(f"error: {seeded / ARTICLE}: {os.strerror(errno.EFBIG)}"), export.stderr
    assert _text(seeded, WALRUSES, "walrus-food") == "Walruses eat clams and snails."  # the new export's
    assert (seeded / ARTICLE).read_bytes() == before  # the seed's
    assert f"did not finish, and `kb push {seeded}` refuses it until one does" in export.stderr, export.stderr
    code, out = run("kb", "push", str(seeded))
    said = capsys.readouterr().err
    assert code == 1 and "did not finish" in said and "Export again" in said, out + said
    assert _database_text(tmp_path, "about-this-article") == "A post of the foundation's blog."
    code, out = run("kb", "export", str(seeded))
    assert code == 0 and out.startswith("wrote 2 source files"), out + capsys.readouterr().err
    assert json.loads((seeded / exports.MARKER).read_text(encoding="utf-8"))["taken_at"] > 0
    code, out = run("kb", "push", str(seeded))
    assert code == 0 and "0 added, 0 edited, 0 removed" in out, out + capsys.readouterr().err


@needs_strace
def test_an_export_killed_between_two_files_is_refused_by_push(
    seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb export DIR` killed (SIGKILL, by strace, at the rename that would put the article in place) after it wrote
    about-walruses.yaml: no reply at all, and `kb push DIR` is refused all the same; the moderator's edit of the
    article, which a push of the seed's copy took back, stays."""
    _edit(tmp_path / "data", "about-this-article", "A post of the foundation's blog.")
    before = (seeded / ARTICLE).read_bytes()
    rehearsal = tmp_path / "rehearsal"  # the same export into a copy: which of its renames puts the article in place
    shutil.copytree(seeded, rehearsal)
    renames = _renames(tmp_path / "rehearsal.log", ["kb", "export", str(rehearsal)], "")
    nth = 1 + next(i for i, line in enumerate(renames) if f', "{rehearsal / ARTICLE}")' in line)
    killed = _renames(tmp_path / "strace.log", ["kb", "export", str(seeded)], f"signal=SIGKILL:when={nth}")
    assert f'"{seeded / ARTICLE}"' in killed[-1] and not killed[-1].endswith("= 0"), killed  # killed at it
    assert (seeded / WALRUSES).read_text(encoding="utf-8") != TIPS  # written by the export
    assert (seeded / ARTICLE).read_bytes() == before  # the seed's
    code, out = run("kb", "push", str(seeded))
    said = capsys.readouterr().err
    assert code == 1 and "did not finish" in said, out + said
    assert _database_text(tmp_path, "about-this-article") == "A post of the foundation's blog."


def _renames(log: Path, argv: list[str], inject: str) -> list[str]:
    """The renames `python -m bot ARGV` made (or was killed at, with `inject`), as strace shows them."""
    injected = ["-e", f"inject=rename:{inject}"] if inject else []
    command = ["strace", "-f", "-qq", "-o", str(log), "-e", "trace=rename", *injected, sys.executable, "-m", "bot"]
    done = subprocess.run([*command, *argv], cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120)
    assert (done.returncode == 0) != bool(inject), done.stderr
    return [line for line in log.read_text(encoding="utf-8").splitlines() if " rename(" in line]


def test_an_export_that_cannot_mark_its_folder_writes_nothing_and_says_so(
    seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DIR whose `.qabot-export` is a folder (the marker cannot be written): `kb export DIR` writes no file and
    says so in one line (it had written every file, then failed naming only the marker)."""
    folder = tmp_path / "export"
    (folder / exports.MARKER).mkdir(parents=True)
    code, out = run("kb", "export", str(folder))
    said = capsys.readouterr().err.strip()
    assert code == 1 and said.endswith(f"Is a directory: nothing was written into {folder}"), out + said
    assert sorted(p.name for p in folder.iterdir()) == [exports.MARKER]
