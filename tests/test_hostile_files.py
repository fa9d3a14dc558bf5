"""Hostile files are bounded: only regular files are read, with size caps, and errors never render unbounded values."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import Answerer, cli, knowledge, yamlfiles
from bot.config import ConfigError, load_config
from bot.search import synonyms
from tests.support import write_kb


def loads_within(seconds: float, function: object, *args: object) -> BaseException | None:
    """Run `function(*args)` in a thread; fail unless it ends (returning or raising) within `seconds`.
    Left only for the markup of test_hostile_imports.SLOW_ONCE: a pattern's backtracking inside one
    call of the regex engine is work no counter here can see (see docs/testing.md)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            function(*args)  # type: ignore[operator]
            outcome.append(None)
        except BaseException as exc:  # what it raised is the test's to check
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still running after {seconds} s"
    return outcome[0]


class Opens:
    """The opens of one file (its links followed) while watched, counted by a Python audit hook. An open
    that would wait (without O_NONBLOCK: a FIFO's waits for a writer for good) is counted in `waiting`
    and refused with an OSError, so that the defect fails the test instead of hanging it."""

    def __init__(self, path: Path):
        self.target = os.path.realpath(path)
        self.count = 0
        self.waiting = 0

    def saw(self, name: str | bytes | os.PathLike[str], flags: int) -> None:
        if os.path.realpath(name) != self.target:
            return
        self.count += 1
        if not flags & os.O_NONBLOCK:
            self.waiting += 1
            raise OSError(errno.EWOULDBLOCK, "the test refused an open that would wait on this file")


_WATCHED: list[Opens] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    """The interpreter's "open" event (builtins.open and os.open alike): path, mode, flags."""
    if event == "open" and _WATCHED and isinstance(args[0], (str, bytes, os.PathLike)):
        for opens in _WATCHED:
            opens.saw(args[0], int(args[2] or 0))  # type: ignore[call-overload]


sys.addaudithook(_audit)  # a hook cannot be removed: it watches only inside `watching`


@contextlib.contextmanager
def watching(path: Path) -> Iterator[Opens]:
    """Count the opens of `path` inside the block (see Opens)."""
    opens = Opens(path)
    _WATCHED.append(opens)
    try:
        yield opens
    finally:
        _WATCHED.remove(opens)


def test_a_fifo_in_the_knowledge_folder_is_refused_not_waited_on(kdir: Path) -> None:
    """A FIFO named like a knowledge file: refused as not a regular file, opened only without waiting (it used to
    block for good): no open of it waits, counted."""
    os.mkfifo(kdir / "zz-pipe.yaml")
    with watching(kdir / "zz-pipe.yaml") as opens, pytest.raises(knowledge.KnowledgeError) as raised:
        knowledge.load(kdir)
    assert "not a regular file" in str(raised.value)
    assert opens.waiting == 0


@pytest.mark.parametrize(
    "command",
    [
        ["kb", "check"],
        ["ask", "hi"],
        ["kb", "gaps", "--would-answer", "--drafts"],
        ["replay", "{folder}"],
        ["calibrate", "{folder}", "--dry-run"],
    ],
)
def test_a_folder_named_like_a_yaml_file_is_one_line_not_a_traceback(
    kdir: Path, tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder `extra.yaml` among the knowledge files (or `drafts/dir.yaml`, or given to replay as
    a transcript) made every command that reads it end in IsADirectoryError's traceback, and the bot
    could not start; a FIFO was already refused with one line."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    if "--drafts" in command:
        (kdir / "drafts" / "dir.yaml").mkdir(parents=True)
    elif "{folder}" not in command[1]:
        (kdir / "extra.yaml").mkdir()
    argv = [part.format(folder=folder) for part in command]
    data = ["--data", str(tmp_path / "d")] if "gaps" in argv else []
    assert cli.main([*argv, "--knowledge", str(kdir), *data]) == 2
    err = capsys.readouterr().err
    assert "a folder, not a file" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["settings.yaml", "synonyms.yaml"])
def test_settings_or_synonyms_that_are_no_file_are_refused_by_name(kdir: Path, name: str) -> None:
    """A folder named settings.yaml was silently no settings (the folder's rule dropped), one named
    synonyms.yaml a traceback; a FIFO is refused too, never waited on."""
    (kdir / name).mkdir()
    with pytest.raises(knowledge.KnowledgeError if name == "settings.yaml" else yamlfiles.FileError) as raised:
        Answerer.from_directory(kdir)
    assert str(raised.value) == f"{kdir / name}: a folder, not a file: remove it, or make it a YAML file"
    (kdir / name).rmdir()
    os.mkfifo(kdir / name)
    with watching(kdir / name) as opens, pytest.raises(yamlfiles.FileError) as refused:
        Answerer.from_directory(kdir)
    assert f"{kdir / name}: not a regular file" in str(refused.value)
    assert opens.waiting == 0  # opened only as one that cannot wait


def test_a_symlink_to_dev_zero_is_never_read(kdir: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A knowledge file that is a symlink to /dev/zero (out of the folder): skipped with a WARNING,
    never opened, so never read as an endless stream (opens counted); the rest of the folder loads."""
    (kdir / "zz-zero.yaml").symlink_to("/dev/zero")
    with watching(kdir / "zz-zero.yaml") as opens:
        loaded = knowledge.load(kdir)
    assert opens.count == 0
    assert all(path.name != "zz-zero.yaml" for path in loaded.files)
    assert any("zz-zero.yaml" in record.getMessage() for record in caplog.records)


def test_a_file_over_the_size_cap_is_refused_before_parsing(tmp_path: Path) -> None:
    """A file larger than its cap is refused by its size alone."""
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * 2000 + b"\n")
    with pytest.raises(yamlfiles.FileError, match="more than the limit of 1000"):
        yamlfiles.read(big, limit=1000)


def test_alias_amplified_questions_are_refused_at_the_first_passage(tmp_path: Path) -> None:
    """60 passages aliasing one list of 2,000 questions (once 3 GB and 27 s): refused by the per-passage cap."""
    questions = "\n".join(f"    - question number {n} about something" for n in range(2000))
    passages = "\n".join(
        f"  - {{id: p{n}, section: S, text: T, questions: *q}}" if n else
        f"  - id: p0\n    section: S\n    text: T\n    questions: &q\n{questions}"
        for n in range(60)
    )  # fmt: skip
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "bomb.yaml").write_text(f"source: {{title: X}}\npassages:\n{passages}\n", encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError, match=f"more than the limit of {knowledge.MAX_QUESTIONS}") as refused:
        knowledge.load(folder)
    assert (refused.value.entry, refused.value.line) == ("p0", 3)  # at the first passage: no alias of it is read


def test_a_passage_at_the_question_cap_still_loads(tmp_path: Path) -> None:
    """The cap is not a blanket refusal: exactly MAX_QUESTIONS questions load."""
    questions = ", ".join(f'"question {n}"' for n in range(knowledge.MAX_QUESTIONS))
    text = f"source: {{title: X}}\npassages:\n  - {{id: p, section: S, text: T, questions: [{questions}]}}\n"
    loaded = knowledge.load(write_kb(tmp_path / "kb", text))
    assert max(len(p.questions) for p in loaded) == knowledge.MAX_QUESTIONS


def test_a_large_synonyms_file_is_refused(tmp_path: Path) -> None:
    """A synonyms file over its cap (a 330 KB one cost 10 s of CPU per load) is refused by its size."""
    groups = "\n".join(f"  - [word{n}, other{n} phrase]" for n in range(12_000))
    (tmp_path / synonyms.FILE_NAME).write_text(f"groups:\n{groups}\n", encoding="utf-8")
    assert (tmp_path / synonyms.FILE_NAME).stat().st_size > 300_000
    with pytest.raises(yamlfiles.FileError, match="more than the limit"):
        synonyms.load(tmp_path)


def test_the_config_alias_bomb_error_message_is_short(tmp_path: Path) -> None:
    """688 bytes of nested aliases as a moderator id: one short error line, not a 3 GB repr."""
    levels = ["&a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"&a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 9)]
    lines = ["moderators:", "  telegram_users:", "    - [" + ", ".join(levels) + "]"]
    config = tmp_path / "config.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert "is not an id (a number)" in str(raised.value) and len(str(raised.value)) < 400


class Leaf:
    """An element that counts how often it is shown; past `BUDGET` times the showing is runaway work."""

    BUDGET = 1000
    shown = 0

    def __repr__(self) -> str:
        Leaf.shown += 1
        assert Leaf.shown <= Leaf.BUDGET, "an error message showed more than 1,000 elements of one value"
        return "x"


def test_a_value_is_shown_by_a_bounded_count_of_its_elements() -> None:
    """The alias bomb's shape (9 levels of 9 references: 387 million elements) in an error message: a few of its
    elements are shown, counted, never all of them (which had been the 3 GB repr)."""
    Leaf.shown = 0
    value: object = [Leaf()] * 9
    for _ in range(8):
        value = [value] * 9
    said = yamlfiles.shown(value)
    assert Leaf.shown <= 20 and len(said) < 200


def test_a_folder_over_its_total_size_cap_is_refused_before_reading(
    kdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many files each under their cap: the folder's total is capped too, checked before anything is parsed."""
    monkeypatch.setattr(knowledge.folder, "MAX_FOLDER_BYTES", 1000)
    for n in range(3):
        (kdir / f"extra{n}.yaml").write_text("# " + "x" * 500 + "\n", encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError, match="more than the limit of 1000"):
        knowledge.load(kdir)
