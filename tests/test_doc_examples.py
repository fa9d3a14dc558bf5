"""Every command example in a fenced block of README.md and docs/*.md runs as written (or is skipped, with why),
on a temporary copy of the knowledge folder, its data folder beside it; so does every fenced Python example."""

from __future__ import annotations

import glob
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import KNOWLEDGE, ROOT, TRANSCRIPTS
from tests.support import child_env

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
COMMAND = re.compile(r"(?:\.venv/bin/)?python3? -m (bot|adapters)\b(.*)")
SKIPPED = {  # what an example starts with -> why it is not run here
    "adapters run": "starts the bots against the real platforms; tests/test_runner.py runs it against the fakes",
    "bot db": "needs a PostgreSQL database (QABOT_DATABASE_URL); tests/test_postgres.py runs each db command",
}
ARTICLE = """<html><head><title>Library FAQ</title></head><body>
<h1>Library FAQ</h1>
<h2>Opening hours</h2><p>The library opens at nine and closes at six, Monday to Saturday.</p>
<h2>Borrowing</h2><p>Members borrow up to five books for three weeks.</p>
</body></html>
"""


def examples() -> list[tuple[str, str]]:
    """(where, command) for each `python -m bot|adapters ...` line of a fenced shell block, in document order."""
    found = []
    for doc in DOCS:
        for lang, body in FENCE.findall(doc.read_text(encoding="utf-8")):
            if lang not in ("", "sh", "bash", "console"):
                continue
            for line in body.splitlines():
                command = line.split("&&")[-1].split(" #")[0].strip()
                if COMMAND.fullmatch(command):
                    found.append((doc.name, command))
    return found


def test_the_docs_have_examples_to_run() -> None:
    """The extraction finds the Quickstart's `chat` and the importing walkthrough (a broken pattern finds nothing)."""
    commands = [command for _, command in examples()]
    assert ".venv/bin/python -m bot chat" in commands
    assert "python -m bot kb publish --all" in commands


def test_every_documented_command_runs(tmp_path: Path) -> None:
    """In document order (import, then drafts, then publish), each example exits 0 without a traceback; the
    skipped ones are listed in SKIPPED with their reason."""
    knowledge = shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    shutil.copytree(TRANSCRIPTS, tmp_path / "tests" / "transcripts")
    (tmp_path / "saved-faq.html").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "articles").mkdir()
    for name, text in (("parking", "Bicycles go in the racks."), ("events", "Readings are on Fridays.")):
        (tmp_path / "articles" / f"{name}.md").write_text(f"# {name.title()}\n\n{text}\n", encoding="utf-8")
    ran, skipped = 0, set()
    for where, command in examples():
        match = COMMAND.fullmatch(command)
        assert match is not None
        module, rest = match.groups()
        words = shlex.split(rest)
        reason = next((why for start, why in SKIPPED.items() if f"{module} {' '.join(words)}".startswith(start)), None)
        if reason:
            skipped.add(command)
            continue
        args = [expanded for word in words for expanded in (sorted(glob.glob(word, root_dir=tmp_path)) or [word])]
        result = subprocess.run(
            [sys.executable, "-m", module, *args, "--knowledge", str(knowledge)],
            cwd=tmp_path,
            input="Who is Thae Yong-ho?\n",
            capture_output=True,
            text=True,
            timeout=120,
            env=child_env(),
        )
        ok = (0, 1) if words[:1] == ["replay"] else (0,)  # 1: a judged turn failed (the floors are checked elsewhere)
        assert result.returncode in ok and "Traceback" not in result.stderr, f"{where}: {command}\n{result.stderr}"
        ran += 1
    assert ran >= 6 and ".venv/bin/python -m adapters run" in skipped, (ran, skipped)
    assert (knowledge / "saved-faq.yaml").exists()  # the importing example published its draft
    assert not (ROOT / "knowledge" / "saved-faq.yaml").exists()


@pytest.mark.parametrize("start", sorted(SKIPPED))
def test_each_skip_matches_a_documented_example(start: str) -> None:
    """A reason to skip is kept only while an example it covers is in the docs."""
    assert any(COMMAND.fullmatch(c) and re.sub(r".*-m ", "", c).startswith(start) for _, c in examples())


@pytest.mark.parametrize("start", sorted(SKIPPED))
def test_testing_md_names_each_skip(start: str) -> None:
    """docs/testing.md's account of this test names every kind of example it skips (`adapters run`, `db`)."""
    account = (
        (ROOT / "docs" / "testing.md").read_text(encoding="utf-8").partition("**The documentation's examples run.**")
    )
    assert f"`{start.removeprefix('bot ')}`" in account[2].split("\n\n")[0]


def test_every_python_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Each fenced `python` block of README.md and docs/*.md runs as written, from the project's root (the README's
    Python API: `Answerer.from_directory("knowledge")`, an answer's fields, a reply for each question)."""
    monkeypatch.chdir(ROOT)
    blocks = [
        (doc.name, body) for doc in DOCS for lang, body in FENCE.findall(doc.read_text("utf-8")) if lang == "python"
    ]
    for where, body in blocks:
        exec(compile(body, where, "exec"), {"__name__": "__doc_example__"})
    assert blocks and "North Korean refugees" in capsys.readouterr().out
