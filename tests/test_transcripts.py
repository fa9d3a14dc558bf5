"""Transcript replay: its semantics and exit codes, and the quality floor CI holds the bot to."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

from bot import Answerer
from bot.cli import main
from bot.evaluation import transcripts
from tests.conftest import KNOWLEDGE, ROOT, TRANSCRIPTS

# For each transcript: (on-topic hit rate, off-topic decline rate), one question below what was
# measured when the floor was set, so a change that loses two questions in a set fails CI.
# Raise them when the bot gets better. The decline rate counts declines only; NEAR_MISSES holds
# the near misses' rate of declines and hedges (an answer that says it may not answer that).
FLOORS: dict[str, tuple[float | None, float | None]] = {
    "community-questions": (23 / 25, 2 / 3),  # measured 24/25, 3/3
    "community-dev": (72 / 75, 22 / 25),  # 73/75, 22/25 (23/25 now, as before unknown numbers stopped counting)
    "community-heldback": (69 / 75, 23 / 25),  # 70/75, 24/25 (69/75 now: one more lost fails)
    "community-fresh": (78 / 90, 23 / 30),  # 79/90, 24/30
    "community-blind": (67 / 75, 14 / 25),  # 68/75, 15/25
    # Written in session 3 without looking at the bot's answers: near misses only (questions in
    # the article's words it does not answer) and on-topic only. The near misses are the bot's
    # known weakness: lexical signals tell them from right answers hardly at all.
    "community-nearmiss": (None, 9 / 60),  # 10/60
    "community-ontopic2": (56 / 60, None),  # 57/60
}
NEAR_MISSES = 31 / 60  # community-nearmiss declined or hedged: 10 + 22 of 60


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PASSING = """name: passing
turns:
  - ask: "What percentage of defectors are women?"
    expect: {contains: ["70.5"], passage: women-majority, fallback: false}
  - ask: "Best pizza in town?"
    expect: {fallback: true}
  - ask: "Who is Thae Yong-ho?"
"""


def test_replay_passes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A transcript whose expectations hold exits 0 with one line per turn and a summary."""
    assert main(["replay", str(write(tmp_path, PASSING))]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("PASS [passing] 'What percentage")
    assert out[2].startswith("---- [passing] 'Who is Thae")
    assert out[3] == (
        "2 passed, 0 failed, 1 not judged; on-topic hit rate 1/1 (100.0%); off-topic declined 1/1 (100.0%), "
        "hedged 0/1 (0.0%); on-topic hedged 0/1 (0.0%)"
    )


def test_replay_failure_exits_1_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A failed expectation exits 1 and names what was missing."""
    failing = 'name: f\nturns:\n  - ask: "Why do North Koreans flee?"\n    expect: {contains: ["bananas"]}\n'
    assert main(["replay", str(write(tmp_path, failing))]) == 1
    out = capsys.readouterr().out
    assert "FAIL [f]" in out and "reply lacks any of ['bananas']" in out


def test_replay_json_says_why_a_turn_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A `--json` row had said `"pass": false` and not why: its `reason` holds the words the text line gives."""
    failing = 'name: f\nturns:\n  - ask: "Why do North Koreans flee?"\n    expect: {contains: ["bananas"]}\n'
    path = write(tmp_path, failing)
    assert main(["replay", str(path)]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert main(["replay", str(path), "--json"]) == 1
    row = json.loads(capsys.readouterr().out)
    assert row["pass"] is False and row["reason"] == "reply lacks any of ['bananas']"
    assert line.endswith("  " + row["reason"])


def _documented_json_keys() -> set[str]:
    """The keys docs/quality.md says each `replay --json` row holds."""
    text = " ".join((ROOT / "docs" / "quality.md").read_text(encoding="utf-8").split())
    listed = text.split("one JSON object per turn with the keys ", 1)[1].split(" (and `also`", 1)[0]
    return set(re.findall(r"`(\w+)`", listed))


def test_replay_json_is_one_object_per_turn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--json` prints exactly one JSON object per turn on stdout, holding exactly the keys
    docs/quality.md lists, and the summary on stderr."""
    assert main(["replay", str(write(tmp_path, PASSING)), "--json"]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["pass"] for r in rows] == [True, True, None]
    documented = {
        "transcript",
        "ask",
        "reply",
        "outcome",
        "passage_id",
        "score",
        "fallback",
        "hedged",
        "read_on",
        "pass",
        "reason",
    }
    assert _documented_json_keys() == documented
    assert all(set(r) == documented for r in rows)
    assert rows[0]["passage_id"] == "women-majority" and rows[1]["fallback"] is True
    assert [r["reason"] for r in rows] == [None, None, None]  # passed, passed, not judged
    assert "2 passed, 0 failed" in captured.err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nturns: [unclosed\n", "t.yaml:"),
        ("name: x\n", "expected a mapping with 'name' and a list of 'turns'"),
        ("name: x\nturns:\n  - {ask: hi}\n  - {question: hi}\n", "t.yaml:4 (turn 2): a turn needs 'ask'"),
        ("name: x\nturns:\n  - {ask: hi, expect: {contain: [a]}}\n", "(turn 1): 'expect' may hold only"),
        ("name: x\nturns:\n  - {ask: hi, expect: {fallback: maybe}}\n", "'fallback' must be true or false"),
        ("name: x\nturns:\n  - {ask: hi, expect: {fallback: no}, also: {contains: a}}\n", "'also' must be a list"),
        ("name: x\nturns:\n  - {ask: hi, expect: {fallback: no}, also: [{contain: a}]}\n", "'also' may hold only"),
        ("name: x\nturns:\n  - {ask: hi, also: [{contains: a}]}\n", "give 'expect' too"),
        # vacuous (any reply holds "") or never met (a decline chooses no passage): refused, not counted
        ("name: x\nturns:\n  - {ask: hi}\n  - {ask: hi, expect: {contains: []}}\n", "(turn 2): 'contains' must hold"),
        (
            'name: x\nturns:\n  - {ask: hi, expect: {contains: ""}}\n',
            "(turn 1): 'contains' must hold strings with text",
        ),
        ("name: x\nturns:\n  - {ask: hi, expect: {fallback: no}, also: [{contains: [a, ' ']}]}\n", "'contains' must"),
        ("name: x\nturns:\n  - {ask: hi, expect: {}}\n", "(turn 1): 'expect' expects nothing"),
        ("name: x\nturns:\n  - {ask: hi, expect: {passage: null}}\n", "(turn 1): 'expect' expects nothing"),
        ("name: x\nturns:\n  - {ask: hi, expect: {fallback: null}}\n", "(turn 1): 'expect' expects nothing"),
        ("name: x\nturns:\n  - {ask: hi, expect: {fallback: no}, also: [{}]}\n", "'also' expects nothing"),
        ("name: x\nturns:\n  - {ask: hi, expect: {passage: rules, fallback: true}}\n", "(turn 1): 'passage' with"),
        # a fourth reply: a message of more than MAX_QUESTIONS questions is answered as one
        (
            "name: x\nturns:\n  - {ask: hi}\n  - {ask: hi, expect: {fallback: no}, also: [{fallback: no}, "
            "{fallback: no}, {fallback: no}]}\n",
            "(turn 2): 'also' lists 3 further replies; a message gets at most 2",
        ),
        ("name: [x, y]\nturns:\n  - {ask: hi}\n", "t.yaml (name): 'name' must be text, not a list"),
    ],
)
def test_unreadable_transcript_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    """A transcript that cannot be read exits 2, naming the file and the turn."""
    assert main(["replay", str(write(tmp_path, text))]) == 2
    assert expected in capsys.readouterr().err


def _alias_bomb(levels: int) -> str:
    """A transcript of a few hundred bytes whose `name` is a YAML alias of 10**levels strings."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    lines.append(f"name: *a{levels - 1}")
    lines.append('turns:\n  - ask: "hello"\n  - ask: "When did the first refugees arrive?"')
    return "\n".join(lines) + "\n"


def test_a_name_that_is_an_alias_bomb_is_refused_not_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A `name` that is a nested list of a million strings (450 bytes of YAML aliases) is refused
    with its file, exit 2, instead of being printed on every turn's line (9 levels: 7 GB)."""
    assert main(["replay", str(write(tmp_path, _alias_bomb(6))), "--knowledge", str(KNOWLEDGE)]) == 2
    captured = capsys.readouterr()
    assert len(captured.out) < 10_000, f"{len(captured.out)} characters printed for two turns"
    assert "t.yaml" in captured.err


def test_missing_transcript_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A transcript file that does not exist exits 2."""
    assert main(["replay", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_contains_is_any_of_and_case_insensitive() -> None:
    """`contains` passes when any one string appears, in any case."""
    answerer = Answerer.from_directory(KNOWLEDGE)
    turn = transcripts.Turn("Who wrote In Order to Live?", transcripts.Expectation(contains=("nobody", "YEONMI PARK")))
    assert transcripts.judge(turn, answerer.answer(turn.ask)) == (True, ())


def test_an_expected_passage_that_does_not_exist_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An `expect: {passage: x}` naming no passage of the knowledge base says so, instead of "chose y, expected x"."""
    text = "name: typo\nturns:\n  - ask: What share of defectors are women?\n    expect: {passage: women-majorty}\n"
    assert main(["replay", str(write(tmp_path, text))]) == 1
    out = capsys.readouterr().out
    assert "expects passage `women-majorty`, which is not in the knowledge base" in out and "chose" not in out


@functools.cache
def bundled_summary(name: str) -> transcripts.Summary:
    """The totals of one transcript of tests/transcripts/, replayed on the bundled knowledge (once per run)."""
    transcript = transcripts.load(TRANSCRIPTS / f"{name}.yaml")
    return transcripts.Summary.of(list(transcripts.replay(Answerer.from_directory(KNOWLEDGE), [transcript])))


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_bundled_transcripts_meet_the_quality_floor(name: str) -> None:
    """Each transcript in tests/transcripts/ is replayed; its hit and decline rates hold its floor."""
    summary = bundled_summary(name)
    on_topic, off_topic = FLOORS[name]
    if on_topic is not None:
        assert summary.on_topic >= 25, str(summary)
        assert summary.on_topic_hits / summary.on_topic >= on_topic - 1e-9, str(summary)
    if off_topic is not None:
        assert summary.off_topic >= 3, str(summary)
        assert summary.off_topic_declined / summary.off_topic >= off_topic - 1e-9, str(summary)
    if name == "community-nearmiss":
        met = summary.off_topic_declined + summary.off_topic_hedged
        assert met / summary.off_topic >= NEAR_MISSES - 1e-9, str(summary)


def test_every_floor_is_a_share_a_transcript_can_miss() -> None:
    """Each floor is a share above 0 and at most 1, and each transcript has one at least: a floor of 26/25, or
    written as text, fails every run whatever the bot answers, and one of 0 or none at all never does."""
    for name, floors in FLOORS.items():
        assert any(floor is not None for floor in floors), name
        for floor in floors:
            assert floor is None or (type(floor) is float and 0 < floor <= 1), (name, floor)
    assert 0 < NEAR_MISSES <= 1


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_quality_table_shows_what_each_transcript_scores(name: str) -> None:
    """docs/quality.md's table of transcripts gives each one's on-topic hits and off-topic declines (+ hedged) today."""
    row = re.search(rf"^\| `{name}\.yaml` \|.*\| (.*?) \| (.*?) \|$", (ROOT / "docs" / "quality.md").read_text(), re.M)
    assert row is not None
    summary = bundled_summary(name)
    hits = f"{summary.on_topic_hits}/{summary.on_topic} ({summary.on_topic_hits / max(summary.on_topic, 1):.0%})"
    declined = f"{summary.off_topic_declined}/{summary.off_topic}"
    hedged = f" (+{summary.off_topic_hedged})" if summary.off_topic > summary.off_topic_declined else ""
    shown = (hits if summary.on_topic else "–", declined + hedged if summary.off_topic else "–")
    assert row.groups() == shown


def test_every_transcript_has_a_floor() -> None:
    """A transcript added to tests/transcripts/ gets a floor, so CI holds the bot to it too."""
    assert {path.stem for path in TRANSCRIPTS.glob("*.yaml")} == set(FLOORS)


def test_every_passage_is_asked_in_the_transcripts() -> None:
    """Each passage is the expected answer of at least one transcript question."""
    answerer = Answerer.from_directory(KNOWLEDGE)
    hit: set[str] = set()
    for path in sorted(TRANSCRIPTS.glob("*.yaml")):
        for result in transcripts.replay(answerer, [transcripts.load(path)]):
            if result.passed and result.answer.passage_id:
                hit.add(result.answer.passage_id)
    assert {p.id for p in answerer.kb} - hit == set()


SEVERAL = """name: several
turns:
  - ask: "how many refugees are in south korea? what about the US?"
    expect: {passage: numbers-south-korea}
    also:
      - {passage: numbers-united-states}
"""


def test_also_judges_each_further_reply_of_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A message of two questions gets two replies; `also` judges the second, as `expect` the first."""
    assert main(["replay", str(write(tmp_path, SEVERAL))]) == 0
    wrong = SEVERAL.replace("numbers-united-states", "women-majority")
    assert main(["replay", str(write(tmp_path, wrong))]) == 1
    assert "reply 2: chose numbers-united-states, expected women-majority" in capsys.readouterr().out


def test_also_fails_a_reply_that_was_never_sent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Expecting a second reply to a message of one question fails, saying how many replies there were."""
    one = SEVERAL.replace("south korea? what about the US?", "south korea?")
    assert main(["replay", str(write(tmp_path, one))]) == 1
    assert "no reply 2: the message was answered in 1" in capsys.readouterr().out
