"""The offline harness attacked as an outsider would: transcripts that must fail do, and odd input is named."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import KNOWLEDGE, ROOT
from tests.support import child_env, write_kb


def write(folder: Path, text: str, name: str = "t.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_decline_does_not_meet_contains_through_the_topics_it_offers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A football question is declined with "Who is Yeonmi Park?" among its topics: `contains: [Yeonmi Park]`
    expects an answer, so the turn fails and is no on-topic hit (it had passed, a hit)."""
    text = 'name: t\nturns:\n  - ask: "Who won the football match yesterday?"\n    expect: {contains: [Yeonmi Park]}\n'
    assert main(["replay", str(write(tmp_path, text))]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL [t]") and "declined instead of answering" in out
    assert "on-topic hit rate 0/1" in out


def test_an_answer_does_not_meet_contains_through_its_citation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every answer of the seed ends with its citation, the article's title: `contains` judges what the reply
    says, so a word only the title holds ("Five Things") does not pass it (any answer had)."""
    text = 'name: t\nturns:\n  - ask: "What share of defectors are women?"\n    expect: {contains: [Five Things]}\n'
    assert main(["replay", str(write(tmp_path, text))]) == 1
    assert "reply lacks any of ['Five Things']" in capsys.readouterr().out


def test_contains_with_fallback_true_judges_the_words_of_the_decline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fallback: true` with `contains` still judges what a decline says."""
    text = 'name: t\nturns:\n  - ask: "Best pizza in town?"\n    expect: {fallback: true, contains: ["don\'t know"]}\n'
    assert main(["replay", str(write(tmp_path, text))]) == 0, capsys.readouterr().out


def test_a_korean_question_is_replayed_as_the_bot_answers_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bot declines a Korean question in Korean (`ask` and the platforms do); replay had judged the English."""
    text = 'name: t\nturns:\n  - ask: "피자 맛집 추천해 주세요"\n    expect: {fallback: true, contains: ["죄송"]}\n'
    assert main(["replay", str(write(tmp_path, text))]) == 0, capsys.readouterr().out


def test_the_same_transcript_given_twice_is_replayed_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file named twice (a glob and its own name) is replayed once, said on standard error: its turns had
    counted twice in the summary."""
    text = 'name: t\nturns:\n  - ask: "Best pizza in town?"\n    expect: {fallback: true}\n'
    path = write(tmp_path, text)
    again = os.path.join(tmp_path, ".", "t.yaml")
    assert main(["replay", str(path), again]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("PASS [t]") == 1 and "1 passed, 0 failed" in captured.out
    assert f"note: {again}: the same transcript as {path}: read once" in captured.err


def test_a_copy_of_a_transcript_is_replayed_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """tests/transcripts/ and ../shared/transcripts/ both hold community-questions.yaml: given both (two
    globs), its turns had counted twice; a transcript of the same name and turns is replayed once."""
    text = 'name: t\nturns:\n  - ask: "Best pizza in town?"\n    expect: {fallback: true}\n'
    (tmp_path / "copy").mkdir()
    path, copy = write(tmp_path, text), write(tmp_path / "copy", text)
    assert main(["replay", str(path), str(copy)]) == 0
    captured = capsys.readouterr()
    assert "1 passed, 0 failed" in captured.out and f"{copy}: the same transcript as {path}" in captured.err


def test_calibrate_counts_a_transcript_given_twice_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`calibrate` fits each turn once, however often its file is named."""
    dev = ROOT / "tests" / "transcripts" / "community-dev.yaml"
    assert main(["calibrate", str(dev), str(dev), "--knowledge", str(KNOWLEDGE), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("100 judged turns") and "the same transcript as" in captured.err


@pytest.mark.parametrize("command", [["replay"], ["calibrate", "--dry-run"]])
def test_a_transcript_of_no_turns_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """`turns: []` proves nothing: exit 2 naming the file (replay had passed it, exit 0)."""
    path = write(tmp_path, "name: t\nturns: []\n")
    assert main([*command, str(path), "--knowledge", str(KNOWLEDGE)]) == 2
    assert f"{path} (turns): no turns" in capsys.readouterr().err


def test_json_stays_utf8_for_a_transcript_named_in_other_bytes(tmp_path: Path) -> None:
    """A transcript without `name` is named by its file; a file name not in UTF-8 (b"n\\xff.yaml") had been
    written out as its raw byte, and `--json` was no longer UTF-8 (nor JSON)."""
    name = os.fsdecode(b"n\xff.yaml")
    write(tmp_path, 'turns:\n  - ask: "Best pizza in town?"\n    expect: {fallback: true}\n', name)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "replay", "--json", name],
        cwd=tmp_path,
        capture_output=True,
        env=child_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert rows[0]["transcript"] == "n\\xff"


def test_aliases_that_repeat_a_long_question_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A question of 20,000 characters repeated by an alias in 300 turns (26 KB of YAML) would print 6 MB and
    ask 300 long questions: turns holding more text than their file are refused, naming it."""
    lines = ['name: t\nturns:\n  - ask: &q "' + "why do they flee " * 1200 + '"', *["  - ask: *q"] * 300]
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert main(["replay", str(path), "--knowledge", str(KNOWLEDGE)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and f"{path} (turns): " in captured.err and "aliases" in captured.err


def test_a_few_aliases_are_still_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A turn written once and asked again by its alias is a transcript like any other."""
    text = 'name: t\nturns:\n  - &pizza {ask: "Best pizza in town?", expect: {fallback: true}}\n  - *pizza\n'
    assert main(["replay", str(write(tmp_path, text))]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out


def test_each_reply_of_a_message_shows_on_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A message of two questions shows both passages on its line, so that a change of the second shows
    between two replays (the line had shown the first alone)."""
    text = 'name: t\nturns:\n  - ask: "how many refugees are in south korea? what about the US?"\n'
    assert main(["replay", str(write(tmp_path, text))]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert "-> numbers-south-korea (" in line and "+ numbers-united-states (" in line


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device whose writes fail with ENOSPC")
def test_a_json_summary_that_cannot_be_written_exits_74_not_1(tmp_path: Path) -> None:
    """`replay --json` writes its summary to standard error: on a full disk it had ended in a traceback and
    exit 1, which says a turn failed (every turn passed); it is exit 74, the rows written."""
    path = write(tmp_path, 'name: t\nturns:\n  - ask: "Best pizza in town?"\n    expect: {fallback: true}\n')
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "replay", "--json", str(path)],
            cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=full, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 74
    assert json.loads(done.stdout)["pass"] is True


@pytest.mark.parametrize("ask", ['""', '"  "'])
def test_a_turn_that_asks_nothing_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], ask: str) -> None:
    """No member can send an empty message: a blank `ask` is named (it had passed any `fallback: true`)."""
    path = write(tmp_path, f"name: t\nturns:\n  - ask: {ask}\n    expect: {{fallback: true}}\n")
    assert main(["replay", str(path)]) == 2
    assert f"{path}:3 (turn 1): 'ask' is empty" in capsys.readouterr().err


def test_a_name_too_long_to_print_on_every_line_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The name is printed on each turn's line: one of 100,000 characters over 200 turns (120 KB of YAML) had
    printed 20 MB; a name is refused past 200 characters, naming the file."""
    path = write(tmp_path, f"name: {'n' * 100_000}\nturns:\n" + "  - ask: hello\n" * 200)
    assert main(["replay", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and f"{path} (name): 'name' is 100000 characters" in captured.err


def test_contains_reads_a_passage_across_its_line_breaks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An imported list keeps its line breaks ("...executed:\\n• asdf plugin add"): `contains` compares words
    as the benchmarks do, whitespace taken as one space, so a fact copied from the page as one line passes."""
    kb = write_kb(
        tmp_path / "kb",
        "source: {title: Plugins}\npassages:\n  - id: sync\n    section: Sync\n"
        '    text: "Sync events occur when these commands are executed:\\n• asdf plugin add\\n• asdf plugin list"\n',
    )
    fact = '"executed: • asdf plugin add"'
    text = f'name: t\nturns:\n  - ask: "when do sync events occur?"\n    expect: {{contains: [{fact}]}}\n'
    assert main(["replay", str(write(tmp_path, text)), "--knowledge", str(kb)]) == 0, capsys.readouterr().out


@pytest.mark.parametrize(
    ("command", "turn"),
    [
        (["replay"], '{ask: hi, "\\e]0;owned\\a\\e[2J": 1}'),  # an unknown key, named in the error
        (["calibrate", "--dry-run"], '{ask: hi, expect: {passage: "\\e[2Jx"}}'),  # a passage the knowledge lacks
    ],
)
def test_an_error_shows_a_transcripts_escapes_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], turn: str
) -> None:
    """A transcript someone else wrote is no way into the terminal: the key or id its error names had reached
    standard error raw (ESC]0;...BEL retitled the window, ESC[2J cleared the screen); shown as \\u001b."""
    path = write(tmp_path, f"name: t\nturns:\n  - {turn}\n")
    assert main([*command, str(path), "--knowledge", str(KNOWLEDGE)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\u001b[2J" in err, err


def test_the_rule_written_names_a_transcript_given_twice_once(tmp_path: Path) -> None:
    """The header of the settings.yaml `calibrate` writes names the transcripts it was fitted on, each once."""
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    dev = ROOT / "tests" / "transcripts" / "community-dev.yaml"
    assert main(["calibrate", str(dev), str(dev), "--knowledge", str(folder)]) == 0
    header = (folder / "settings.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert header.count("community-dev.yaml") == 1, header


def test_a_transcript_too_large_to_read_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read as YAML a transcript takes over a hundred times its size in memory (6.5 MB of turns: 800 MB and
    48 s before the first question): one past 4 MiB is refused with its size, as knowledge files past theirs."""
    path = tmp_path / "t.yaml"
    path.write_bytes(b"name: t\nturns:\n  - ask: hi\n" + b"#" * (4 * 1024 * 1024))
    assert main(["replay", str(path)]) == 2
    assert f"{path}: {path.stat().st_size} bytes, more than the limit of 4194304" in capsys.readouterr().err
