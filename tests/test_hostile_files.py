"""Hostile files are bounded: only regular files are read, with size caps, and errors never render unbounded values."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bot import Answerer, cli, knowledge, yamlfiles
from bot.config import ConfigError, load_config
from bot.search import synonyms
from tests.support import write_kb


def loads_within(seconds: float, function: object, *args: object) -> BaseException | None:
    """Run `function(*args)` in a thread; fail unless it ends (returning or raising) within `seconds`."""
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


def test_a_fifo_in_the_knowledge_folder_is_refused_not_waited_on(kdir: Path) -> None:
    """A FIFO named like a knowledge file: refused at once as not a regular file (it used to block for good)."""
    os.mkfifo(kdir / "zz-pipe.yaml")
    error = loads_within(5, knowledge.load, kdir)
    assert isinstance(error, knowledge.KnowledgeError) and "not a regular file" in str(error)


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
    error = loads_within(5, Answerer.from_directory, kdir)
    assert isinstance(error, yamlfiles.FileError) and f"{kdir / name}: not a regular file" in str(error)


def test_a_symlink_to_dev_zero_is_never_read(kdir: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A knowledge file that is a symlink to /dev/zero (out of the folder): skipped with a WARNING,
    never read as an endless stream; the rest of the folder loads."""
    (kdir / "zz-zero.yaml").symlink_to("/dev/zero")
    assert loads_within(5, knowledge.load, kdir) is None
    assert all(path.name != "zz-zero.yaml" for path in knowledge.load(kdir).files)
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
    error = loads_within(10, load_config, config)
    assert isinstance(error, ConfigError)
    assert len(str(error)) < 400


def test_a_folder_over_its_total_size_cap_is_refused_before_reading(
    kdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many files each under their cap: the folder's total is capped too, checked before anything is parsed."""
    monkeypatch.setattr(knowledge.folder, "MAX_FOLDER_BYTES", 1000)
    for n in range(3):
        (kdir / f"extra{n}.yaml").write_text("# " + "x" * 500 + "\n", encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError, match="more than the limit of 1000"):
        knowledge.load(kdir)
