"""Calibration: the confidence rule fitted for one knowledge folder from its own transcripts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot import Answerer
from bot.answering import Confidence, tuning
from bot.cli import main
from bot.evaluation import transcripts
from bot.evaluation.calibration import DEFAULT_SIGNALS, Calibration, Cut, calibrate, examples, misleading
from bot.knowledge import KnowledgeError
from tests.conftest import KNOWLEDGE, TRANSCRIPTS
from tests.support import child_env

DEV = [TRANSCRIPTS / "community-dev.yaml", TRANSCRIPTS / "community-questions.yaml"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def test_the_chosen_cut_declines_the_share_of_off_topic_turns_asked_for() -> None:
    """At the chosen threshold at least 90% of the off-topic turns are declined, and no lower cut does so."""
    result = calibrate(Answerer.from_directory(KNOWLEDGE), [transcripts.load(p) for p in DEV], decline=0.9)
    assert result.chosen.declined >= 0.9 * result.chosen.off_topic
    lower = [c for c in result.cuts if c.threshold < result.chosen.threshold]
    assert all(c.declined < 0.9 * c.off_topic for c in lower)
    assert result.chosen.right > 0.8 * result.chosen.on_topic


def test_calibrate_writes_settings_the_bot_then_answers_by(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`calibrate` prints the cuts, writes settings.yaml, and a fresh load uses its rule."""
    (folder / "settings.yaml").unlink()
    assert main(["calibrate", *map(str, DEV), "--knowledge", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "<- chosen" in out and "threshold" in out
    written = tuning.load(folder)
    assert set(written.confidence.weights) == {"coverage", "strength", "margin", "rivals"}
    assert Answerer.from_directory(folder).confidence == written.confidence


def test_calibrate_keeps_the_folders_other_settings(folder: Path) -> None:
    """A folder's hedge and its `names: false` survive a calibration; only the fitted rule changes."""
    settings = folder / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "  hedge: 0.5\n  names: false\n", encoding="utf-8")
    assert main(["calibrate", *map(str, DEV), "--knowledge", str(folder)]) == 0
    written = tuning.load(folder).confidence
    assert written.hedge == 0.5 and written.names is False and written.band is None


def test_plot_draws_a_png(folder: Path, tmp_path: Path) -> None:
    """--plot draws the precision/coverage curve to a PNG file."""
    png = tmp_path / "curve.png"
    assert main(["calibrate", str(DEV[0]), "--knowledge", str(folder), "--plot", str(png), "--dry-run"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["curves.png", "curves"])
def test_a_plot_it_cannot_draw_to_is_an_error_line_not_a_traceback(folder: Path, tmp_path: Path, name: str) -> None:
    """--plot naming a folder, or a name without .png (once drawn to another file than it said):
    one `error:` line naming it and exit 2."""
    plot = tmp_path / name
    plot.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "calibrate", str(DEV[0]),
         "--knowledge", str(folder), "--plot", str(plot), "--dry-run"],
        capture_output=True, text=True, env=child_env(), cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr[-1500:]
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") or "\nerror: " in done.stderr
    assert str(plot) in done.stderr


def test_too_few_turns_are_refused_clearly(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A transcript too small to fit on ends with one clear error, not a traceback."""
    small = tmp_path / "small.yaml"
    small.write_text('name: small\nturns:\n  - ask: "Who is Thae Yong-ho?"\n    expect: {contains: ["ambassador"]}\n')
    assert main(["calibrate", str(small), "--knowledge", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "cannot fit a rule" in err and "have 0 it should answer and 0 it should not" in err
    assert "1 of the 1 judged turns does not count" in err  # the passage's own question: answered whatever the rule


def test_a_turn_that_expects_a_passage_the_knowledge_lacks_is_named_and_nothing_is_written(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A turn expecting a passage id that does not exist (a typo) is named with its file, turn and id, as
    `replay` names it, and no rule fitted on it as a wrong answer is written (exit 2)."""
    before = (folder / "settings.yaml").read_text(encoding="utf-8")
    typo = tmp_path / "typo.yaml"
    typo.write_text(
        'name: typo\nturns:\n  - ask: "Why do North Koreans flee?"\n    expect: {passage: why-they-fleee}\n',
        encoding="utf-8",
    )
    assert main(["calibrate", *map(str, DEV), str(typo), "--knowledge", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{typo}:3 (turn 1): expects passage `why-they-fleee`, which is not in the knowledge base" in err
    assert (folder / "settings.yaml").read_text(encoding="utf-8") == before


ANSWERED = """
  - ask: "do a lot of people in the DPRK actually want to get out?"
    expect: {contains: ["wish to flee"]}
  - ask: "how much do americans usually know about what happens to nk refugees?"
    expect: {contains: ["most americans know little"]}
  - ask: "is the world hearing more about escapee stories these days?"
    expect: {contains: ["slowly becoming more familiar"]}
  - ask: "biggest reason ppl leave nk?"
    expect: {contains: ["economic hardship"]}
"""
DECLINED = """
  - ask: "what's a good recipe for banana bread?"
    expect: {fallback: true}
  - ask: "who won the football world cup in 2018?"
    expect: {fallback: true}
  - ask: "how do I reset my router password?"
    expect: {fallback: true}
  - ask: "what time does the pharmacy close on sundays?"
    expect: {fallback: true}
"""


@pytest.mark.parametrize(
    ("turns", "counts", "add", "missing"),
    [
        (ANSWERED, "have 4 it should answer and 0 it should not", "Add 3 or more off-topic", "knowledge answers"),
        (DECLINED, "have 0 it should answer and 3 it should not", "Add 3 or more questions the knowledge", "off-topic"),
    ],
    ids=["all-right", "all-declined"],  # of the declined, one no passage matches at all does not count
)
def test_a_one_sided_fit_says_what_is_missing_and_what_to_add(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], turns: str, counts: str, add: str, missing: str
) -> None:
    """Turns all answered right, or all to decline: the refusal counts each kind and names only the kind to add."""
    one_sided = tmp_path / "one-sided.yaml"
    one_sided.write_text("name: one-sided\nturns:" + turns, encoding="utf-8")
    assert main(["calibrate", str(one_sided), "--knowledge", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot fit a rule: that needs at least 3 turns the bot should answer and 3 it")
    assert counts in err and add in err and missing not in err and len(err.splitlines()) == 1, err


def test_a_fit_that_weighs_a_closer_match_against_answering_is_named() -> None:
    """A fit on few or alike turns can weigh strength below 0: the rule would decline a better match sooner."""
    cut = Cut(1.0, 5, 1, 8, 4, 5)
    fitted = Calibration(Confidence(weights={"coverage": 2.0, "strength": -0.76}, threshold=1.0), (cut,), cut, 13)
    assert misleading(fitted) == ["strength"]
    assert misleading(replace(fitted, confidence=Confidence())) == []  # rivals weighs against answering by design


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("ranking: {k1: .nan}\n", "ranking.k1"),
        ("ranking: {b: .inf}\n", "ranking.b"),
        ("confidence:\n  weights: {coverage: 1}\n  threshold: .nan\n", "confidence.threshold"),
        ("confidence:\n  weights: {coverage: .nan}\n  threshold: 1\n", "confidence.weights.coverage"),
        (f"ranking: {{k1: {'9' * 400}}}\n", "ranking.k1"),
    ],
)
def test_a_number_that_is_not_finite_is_refused(folder: Path, text: str, entry: str) -> None:
    """`.nan` passed every range check (and made every answer "I don't know"); `.inf` made scores NaN."""
    (folder / "settings.yaml").write_text(text)
    with pytest.raises(KnowledgeError, match=rf"settings\.yaml \({re.escape(entry)}\): expected a finite number"):
        Answerer.from_directory(folder)


def test_a_number_written_with_an_exponent_is_read_as_the_number(folder: Path) -> None:
    """YAML 1.1 reads `1e-1` and `1.5e0` as text: "expected a number, got str" while `1.0e-1` was one."""
    (folder / "settings.yaml").write_text(
        "ranking: {k1: 1.5e0, focus: 5e-1, title: 1E0}\nconfidence:\n  weights: {coverage: 2e0}\n  threshold: 1e0\n"
    )
    written = tuning.load(folder)
    assert (written.ranking.k1, written.ranking.focus, written.ranking.title) == (1.5, 0.5, 1.0)
    assert (written.confidence.weights["coverage"], written.confidence.threshold) == (2.0, 1.0)


@pytest.mark.parametrize(
    ("text", "entry", "bounds"),
    [
        ("ranking: {focus: 1e308}\n", "ranking.focus", "from 0 to 100, got 1e+308"),
        ("ranking: {k1: 1.0e+308}\n", "ranking.k1", "from 0 to 100, got 1e+308"),
        ("ranking: {title: -1}\n", "ranking.title", "from 0 to 100, got -1"),
        ("ranking: {b: 1.5}\n", "ranking.b", "from 0 to 1, got 1.5"),
        (
            "confidence:\n  weights: {coverage: 1e300}\n  threshold: 1\n",
            "confidence.weights.coverage",
            "from -10000 to 10000, got 1e+300",
        ),
        (
            "confidence:\n  weights: {coverage: 1}\n  threshold: -1e12\n",
            "confidence.threshold",
            "from -10000 to 10000, got -1e+12",
        ),
        (
            "confidence:\n  weights: {coverage: 1}\n  threshold: 1\n  min_coverage: 2\n",
            "confidence.min_coverage",
            "from 0 to 1",
        ),
    ],
)
def test_a_number_out_of_its_range_is_refused(folder: Path, text: str, entry: str, bounds: str) -> None:
    """`k1: 1.0e+308` passed and made ranking's products overflow (answers with the wrong passage)."""
    (folder / "settings.yaml").write_text(text)
    with pytest.raises(
        KnowledgeError, match=rf"settings\.yaml \({re.escape(entry)}\): expected a number {re.escape(bounds)}"
    ):
        Answerer.from_directory(folder)


def test_a_bad_settings_file_names_the_file_and_the_entry(folder: Path) -> None:
    """An unknown signal in settings.yaml stops the load with the file and the entry named."""
    (folder / "settings.yaml").write_text("confidence:\n  weights: {colour: 1}\n  threshold: 1\n")
    with pytest.raises(KnowledgeError, match=r"settings\.yaml \(confidence\.weights\.colour\): unknown signal"):
        Answerer.from_directory(folder)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            "ranking: {k1: 1}\nconfidense: {}\n",
            r"settings\.yaml: expected a mapping with 'ranking' and/or 'confidence'",
        ),
        (
            "confidence:\n  weights: {coverage: 1}\n",
            r"settings\.yaml \(confidence\): expected 'weights' \(a mapping\), 'threshold'",
        ),
    ],
)
def test_a_misspelt_key_or_a_rule_without_its_threshold_is_named(folder: Path, text: str, named: str) -> None:
    """A misspelt top-level key is refused, not ignored; a rule with no threshold names its entry, no crash."""
    (folder / "settings.yaml").write_text(text)
    with pytest.raises(KnowledgeError, match=named):
        Answerer.from_directory(folder)


def test_settings_file_is_not_a_source(folder: Path) -> None:
    """settings.yaml is read as settings, never as a knowledge source."""
    assert all(p.name != "settings.yaml" for p in Answerer.from_directory(folder).kb.files)


def test_a_long_question_is_not_more_confident_for_its_length(folder: Path) -> None:
    """Words from all over the knowledge base, strung into one long question, are declined by the
    default rule: every known word no longer adds to every passage's confidence."""
    (folder / "settings.yaml").unlink()
    answerer = Answerer.from_directory(folder)
    words = []
    for passage in answerer.kb.passages[::3]:
        long_words = [w for w in passage.text.split() if len(w) > 8 and w.isalpha()]
        if long_words:
            words.append(long_words[0])
    question = "what about " + " ".join(words[:25])
    assert answerer.answer(question).fallback


def test_a_question_naming_something_unknown_is_not_fitted_on(tmp_path: Path) -> None:
    """The names rule declines it whatever the weights, so the fit leaves it out, as it leaves out
    a question too little covered; with `names: false` it is fitted on like any other."""
    turns = tmp_path / "names.yaml"
    turns.write_text(
        'name: names\nturns:\n  - ask: "How many refugees live in Kathmandu?"\n    expect: {fallback: true}\n',
        encoding="utf-8",
    )
    answerer = Answerer.from_directory(KNOWLEDGE)
    [named] = examples(answerer, [transcripts.load(turns)], DEFAULT_SIGNALS)
    assert named.values is None and not named.on_topic
    answerer.confidence = replace(answerer.confidence, names=False)
    [fitted] = examples(answerer, [transcripts.load(turns)], DEFAULT_SIGNALS)
    assert fitted.values is not None


def test_a_fit_that_declines_closer_matches_is_not_written_without_force(folder: Path, tmp_path: Path) -> None:
    """Turns made to mislead: close wordings expected elsewhere, loose ones expected right: coverage
    comes out below 0. The rule the folder has stays, unless --force."""
    answerer = Answerer.from_directory(folder)
    passages = list(answerer.kb)
    turns = [
        {"ask": p.questions[0].rstrip("?") + " today?", "expect": {"passage": passages[(n + 5) % len(passages)].id}}
        for n, p in enumerate(passages[:6])
    ] + [{"ask": p.questions[1].rstrip("?") + " zebras giraffes?", "expect": {"passage": p.id}} for p in passages[6:12]]
    transcript = tmp_path / "misleading.yaml"
    transcript.write_text(yaml.safe_dump({"name": "misleading", "turns": turns}), encoding="utf-8")
    before = (folder / "settings.yaml").read_bytes()
    assert main(["calibrate", str(transcript), "--knowledge", str(folder)]) == 1
    assert (folder / "settings.yaml").read_bytes() == before
    assert main(["calibrate", str(transcript), "--knowledge", str(folder), "--force"]) == 0
    assert tuning.load(folder).confidence.weights["coverage"] < 0


def test_a_fit_that_tells_no_turn_from_another_is_not_written_without_force(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One question expected as two passages fits every weight to 0: a rule that would answer anything.
    It is named in a warning and the folder's rule stays, unless --force."""
    turns = [{"ask": "Why do North Koreans flee?", "expect": {"passage": p}} for p in ["reasons-for-fleeing"] * 3]
    turns += [{"ask": "Why do North Koreans flee?", "expect": {"passage": "women-majority"}}] * 3
    turns += [{"ask": "What is the capital of Peru?", "expect": {"fallback": True}}]
    transcript = tmp_path / "alike.yaml"
    transcript.write_text(yaml.safe_dump({"name": "alike", "turns": turns}), encoding="utf-8")
    before = (folder / "settings.yaml").read_bytes()
    assert main(["calibrate", str(transcript), "--knowledge", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "warning: the fit tells no turn from another" in err and "not written" in err
    assert (folder / "settings.yaml").read_bytes() == before


def test_a_fit_without_off_topic_turns_is_not_written_without_force(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no turn expected to be declined, nothing sets the threshold: named, and not written
    unless --force; a forced write keeps the rule it replaces in settings.yaml.bak."""
    turns = [t for path in DEV for t in yaml.safe_load(path.read_text(encoding="utf-8"))["turns"]]
    turns = [t for t in turns if "fallback" not in t.get("expect", {})]
    transcript = tmp_path / "on-topic.yaml"
    transcript.write_text(yaml.safe_dump({"name": "on-topic", "turns": turns}), encoding="utf-8")
    before = (folder / "settings.yaml").read_bytes()
    assert main(["calibrate", str(transcript), "--knowledge", str(folder)]) == 1
    assert "warning: no off-topic turn" in capsys.readouterr().err
    assert (folder / "settings.yaml").read_bytes() == before
    assert main(["calibrate", str(transcript), "--knowledge", str(folder), "--force"]) == 0
    assert "kept in" in capsys.readouterr().out
    assert (folder / "settings.yaml.bak").read_bytes() == before
    assert (folder / "settings.yaml").read_bytes() != before


def test_a_hand_written_settings_file_survives_calibrate_run_twice(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hand-written settings.yaml survives calibrate run twice (the first run's fit had been kept as .bak by the
    second, the hand-written rule and its comments gone): the output names the file each replaced one went to."""
    settings = folder / "settings.yaml"
    hand = "# tuned by hand for our community, see the wiki\n" + settings.read_text(encoding="utf-8")
    settings.write_text(hand, encoding="utf-8")
    outs = []
    for _ in range(3):
        assert main(["calibrate", *map(str, DEV), "--knowledge", str(folder)]) == 0
        outs.append(capsys.readouterr().out)
    assert (folder / "settings.yaml.bak").read_text(encoding="utf-8") == hand
    assert f"kept in {folder / 'settings.yaml.bak'}:" in outs[0]
    fitted = (folder / "settings.yaml").read_text(encoding="utf-8")
    assert (folder / "settings.yaml.bak.1").read_text(encoding="utf-8") == fitted  # the third run's: no .bak.2
    assert tuning.calibrated(fitted) and not tuning.calibrated(hand)
    assert not tuning.calibrated(fitted.replace("\nconfidence:", "\n# ours\nconfidence:"))  # a comment by hand
    assert all(f"kept in {folder / 'settings.yaml.bak.1'}:" in out for out in outs[1:])
    assert sorted(p.name for p in folder.glob("settings.yaml*")) == [
        "settings.yaml",
        "settings.yaml.bak",
        "settings.yaml.bak.1",
    ]


def test_calibrate_never_writes_over_a_rule_edited_by_hand(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rule calibrate wrote, then tuned by hand (threshold 5.0), was kept in .bak.1 by the next run and written
    over by the one after, taken for calibrate's own output since it kept calibrate's header and layout."""
    settings = folder / "settings.yaml"
    assert main(["calibrate", str(DEV[0]), "--knowledge", str(folder)]) == 0
    text = settings.read_text(encoding="utf-8")
    fitted = next(line for line in text.splitlines() if line.strip().startswith("threshold:"))
    hand = text.replace(fitted, "  threshold: 5.0")
    assert hand != text and tuning.calibrated(text) and not tuning.calibrated(hand)
    settings.write_text(hand, encoding="utf-8")
    for _ in range(2):
        assert main(["calibrate", str(DEV[0]), "--knowledge", str(folder)]) == 0
    capsys.readouterr()
    assert (folder / "settings.yaml.bak.1").read_text(encoding="utf-8") == hand
    assert sorted(p.name for p in folder.glob("settings.yaml*")) == [
        "settings.yaml",
        "settings.yaml.bak",  # the seed's own rule
        "settings.yaml.bak.1",  # the hand-tuned one
        "settings.yaml.bak.2",  # the second run's fit, which the third replaced
    ]


def test_calibrate_with_a_database_says_kb_push_puts_the_rule_live(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With QABOT_DATABASE_URL set every instance loads settings.yaml from the database, yet `calibrate` said
    "a running bot reloads by itself" of the folder's file: the operator waited for a rule that never went live."""
    monkeypatch.setenv("QABOT_DATABASE_URL", "postgresql://qabot@127.0.0.1:1/qabot")  # calibrate connects to nothing
    assert main(["calibrate", str(DEV[0]), "--knowledge", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "reloads by itself" not in out, out
    assert f"`python -m bot kb push {folder}` puts it live" in out, out


def test_calibrate_on_a_transcript_whose_name_is_not_utf8_writes_the_rule(folder: Path, tmp_path: Path) -> None:
    """A transcript saved as `caf\\xe9.yaml` on a Latin-1 machine: `calibrate` wrote settings.yaml.bak, then crashed
    in a traceback (exit 1, "a fit refused") on the name in settings.yaml's header; it writes it out (`caf\\xe9`)."""
    transcript = os.fsencode(tmp_path) + b"/caf\xe9.yaml"
    with open(transcript, "wb") as file:
        file.write(DEV[0].read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "bot", "calibrate", transcript, "--knowledge", str(folder)],
        env=child_env(), cwd=tmp_path, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0 and "Traceback" not in err, err
    written = (folder / "settings.yaml").read_text(encoding="utf-8")
    assert written.startswith("# Written by `python -m bot calibrate caf\\xe9.yaml` ")
    assert tuning.calibrated(written) and tuning.load(folder).confidence.threshold != 0
