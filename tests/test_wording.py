"""Counts in the lines an operator reads agree with their nouns: "1 open gap", "2 open gaps", never "gap(s)"."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot import knowledge
from bot.answering.confidence import Confidence
from bot.catalogue import counted, noun
from bot.config import ConfigError, load_config
from bot.curation.store import CHECK_PREFIX, remove_stale_checks
from bot.doctor import Finding, Level, check_config, check_knowledge, report
from bot.evaluation import transcripts
from bot.imports.draftfiles import review_points
from bot.knowledge import KnowledgeError, Passage, Source
from bot.yamlfiles import FileError
from tests.support import write_kb


@pytest.mark.parametrize(
    ("count", "said"), [(0, "0 open gaps"), (1, "1 open gap"), (2, "2 open gaps"), (21, "21 open gaps")]
)
def test_a_count_and_its_noun_agree(count: int, said: str) -> None:
    """One is singular, every other count plural (zero too); a plural of its own is used as given."""
    assert counted(count, "open gap") == said
    assert noun(count, "repeats", "repeat") == ("repeats" if count == 1 else "repeat")


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ("colour: blue\n", "(top level): unknown key colour (allowed: "),
        ("colour: blue\nsize: 2\n", "(top level): unknown keys colour, size (allowed: "),
    ],
)
def test_unknown_config_keys_are_counted(tmp_path: Path, extra: str, said: str) -> None:
    """The config's unknown keys: "key" for one, "keys" for two."""
    path = tmp_path / "config.yaml"
    path.write_text(extra, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value).startswith(f"{path} {said}")


GOOD_SOURCE = "source: {title: S}\n"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (GOOD_SOURCE + "passages: [{id: x, section: S, text: T, colour: red}]\n", "unknown key colour (allowed: "),
        (GOOD_SOURCE + "passages: [{id: x, section: S, text: T, colour: red, size: 2}]\n", "unknown keys colour, size"),
        (GOOD_SOURCE + "passages: [{id: x, section: S, text: T}]\nextra: 1\n", "unknown top-level key: extra"),
        (GOOD_SOURCE + "passages: [{id: x, section: S, text: T}]\nextra: 1\nmore: 2\n",
         "unknown top-level keys: extra, more"),
    ],
)  # fmt: skip
def test_unknown_knowledge_keys_are_counted(tmp_path: Path, text: str, said: str) -> None:
    """A knowledge file's unknown keys, of a passage or at the top level: singular for one, plural for two."""
    with pytest.raises(KnowledgeError) as raised:
        knowledge.load(write_kb(tmp_path / "kb", text))
    assert said in str(raised.value)


@pytest.mark.parametrize(
    ("keys", "said"),
    [("colour: red", "unknown key in turn: colour"), ("colour: red, size: 2", "unknown keys in turn: colour, size")],
)
def test_unknown_transcript_keys_are_counted(tmp_path: Path, keys: str, said: str) -> None:
    """A transcript turn's unknown keys: the exact line, singular for one and plural for two."""
    path = tmp_path / "t.yaml"
    path.write_text(f"name: t\nturns:\n  - {{ask: hi, {keys}}}\n", encoding="utf-8")
    with pytest.raises(FileError) as raised:
        transcripts.load(path)
    assert str(raised.value) == f"{path}:3 (turn 1): {said}"


@pytest.mark.parametrize(
    ("weights", "said"),
    [
        ({"colour": 1.0}, "unknown signal colour; known: "),
        ({"colour": 1.0, "size": 1.0}, "unknown signals colour, size; known: "),
    ],
)
def test_unknown_signals_are_counted(weights: dict[str, float], said: str) -> None:
    """A confidence rule's unknown signals: singular for one, plural for two."""
    with pytest.raises(ValueError) as raised:
        Confidence(weights=weights)
    assert str(raised.value).startswith(said)


@pytest.mark.parametrize(
    ("levels", "said"),
    [
        ([Level.ERROR, Level.WARNING], "doctor: 1 error, 1 warning"),
        ([Level.ERROR, Level.ERROR, Level.OK], "doctor: 2 errors, 0 warnings"),
        ([Level.WARNING, Level.WARNING], "doctor: 0 errors, 2 warnings"),
    ],
)
def test_doctors_verdict_counts_errors_and_warnings(levels: list[Level], said: str) -> None:
    """`doctor`'s last line: each count agrees with its noun."""
    assert report([Finding(level, "t", "m") for level in levels]).splitlines()[-1] == said


@pytest.mark.parametrize(("ids", "said"), [("[1]", "1 moderator id"), ("[1, 2]", "2 moderator ids")])
def test_doctor_counts_the_moderator_ids(tmp_path: Path, ids: str, said: str) -> None:
    """`doctor`'s config line: "1 moderator id", "2 moderator ids"."""
    path = tmp_path / "config.yaml"
    path.write_text(f"moderators:\n  telegram_users: {ids}\n", encoding="utf-8")
    finding = check_config({"QABOT_CONFIG": str(path)})[0]
    assert finding.line() == f"ok      config: {path} is valid: {said}"


@pytest.mark.parametrize(("names", "said"), [(["a"], "1 temporary file"), (["a", "b"], "2 temporary files")])
def test_doctor_counts_the_temporary_files_left(kdir: Path, names: list[str], said: str) -> None:
    """`doctor`'s warning of temporary files left by an interrupted write, counted."""
    for name in names:
        (kdir / f".moderators.yaml.{name}1b2c3.tmp").write_text("half", encoding="utf-8")
    left = [f.message for f in check_knowledge(kdir) if "interrupted write" in f.message]
    shown = ", ".join(f".moderators.yaml.{name}1b2c3.tmp" for name in names)
    assert left == [f"{said} left by an interrupted write ({shown}); the next change removes them"]


def test_a_drafts_review_points_are_counted(tmp_path: Path) -> None:
    """`kb import`'s review points: "1 passage repeats", "2 passages repeat", "2 passages of a few words"."""
    source = Source("S")
    one = [Passage("a-1", "S", "Same text here.", source), Passage("a-2", "S", "Same text here.", source)]
    two = [*one, Passage("a-3", "S", "Same text here.", source), Passage("t-1", "S", "Note", source)]
    two.append(Passage("t-2", "S", "Tips", source))
    path = tmp_path / "draft.yaml"
    path.write_text("", encoding="utf-8")
    assert review_points(path, one) == ("1 passage repeats another word for word, e.g. `a-2` = `a-1`",)
    assert review_points(path, two) == (
        "2 passages of a few words, a topic alone, e.g. `t-1`: “Note”",
        "2 passages repeat another word for word, e.g. `a-2` = `a-1`",
    )


def test_two_drafts_wait_in_the_plural(tmp_path: Path) -> None:
    """A folder of two drafts and no live file: "2 drafts in drafts/ wait to be published"."""
    (tmp_path / "drafts").mkdir()
    for name in ("faq", "rules"):
        (tmp_path / "drafts" / f"{name}.yaml").write_text("source: {title: FAQ}\npassages: []\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        knowledge.load(tmp_path)
    assert "; 2 drafts in drafts/ wait to be published (`kb publish --all`)" in str(raised.value)


@pytest.mark.parametrize(("stale", "said"), [(1, "removed 1 scratch folder"), (2, "removed 2 scratch folders")])
def test_the_scratch_folders_removed_are_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, stale: int, said: str
) -> None:
    """The log line of scratch copies removed (writers gone: old copies without a pid), counted."""
    for n in range(stale):
        folder = tmp_path / f"{CHECK_PREFIX}x{n}y2z3"
        folder.mkdir()
        os.utime(folder, (1, 1))
    with caplog.at_level(logging.INFO, logger="bot.curation.checkcopies"):
        assert remove_stale_checks(tmp_path) == stale
    assert [r.getMessage() for r in caplog.records] == [f"{said} left by writers that were stopped"]
