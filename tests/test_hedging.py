"""The hedge: a confident answer whose passage lacks a term the question leans on says it may not
answer exactly what was asked, before the passage (see `Confidence.hedge`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import Answerer, Outcome, messages
from bot.answering import Confidence, tuning
from bot.cli import main
from bot.evaluation import transcripts
from bot.knowledge import KnowledgeBase, KnowledgeError, Passage, Source
from tests.conftest import KNOWLEDGE
from tests.telegram_support import write_handbook

HEDGE = "I'm not sure this answers exactly what you asked. The closest I have:"


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer.from_directory(KNOWLEDGE)


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    return write_handbook(tmp_path / "knowledge")


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("where's the venue for the december 12 voc talk?", "event-kang-cheol-hwan"),  # no venue is given
        ("who is the president of the victims of communism foundation?", "about-this-article"),
        ("how many nk defectors reached south korea in 2016 alone?", "numbers-south-korea"),  # no 2016 figure
    ],
)
def test_a_near_miss_is_answered_with_the_closest_passage_and_a_hedge(
    answerer: Answerer, question: str, passage: str
) -> None:
    """The seed article's near misses that lack the word they turn on are hedged, not answered flat."""
    a = answerer.answer(question)
    assert a.outcome is Outcome.ANSWERED and a.passage_id == passage and a.hedged
    assert a.hedge == HEDGE
    assert a.text == f"{HEDGE}\n\n{a.passage_text}\n\n{a.citation}"
    assert a.terms  # the question as analysed: a hedged answer is recorded as not answered for sure


@pytest.mark.parametrize(
    "question", ["Why do North Koreans flee?", "What percentage of defectors are women?", "Who is Thae Yong-ho?"]
)
def test_a_question_the_passage_holds_is_answered_without_a_hedge(answerer: Answerer, question: str) -> None:
    """A question the passage plainly holds is answered without a hedge."""
    a = answerer.answer(question)
    assert a.outcome is Outcome.ANSWERED and not a.hedged and a.hedge is None
    assert not a.text.startswith(HEDGE)


def test_the_default_rule_hedges_an_imported_folder_too(handbook: Path) -> None:
    """Without a settings file: the handbook gives the fee, not one for students."""
    answerer = Answerer.from_directory(handbook)
    assert answerer.answer("How much is the membership fee for students?").hedged
    assert not answerer.answer("How much is the membership fee?").hedged


def test_the_hedge_is_said_in_the_askers_language(answerer: Answerer) -> None:
    """The hedge is said in the asker's language, ahead of the answer."""
    with messages.speaking("ko"):
        a = answerer.answer("who is the president of the victims of communism foundation?")
    assert a.hedged and a.hedge == messages.say(messages.HEDGE, "ko") != HEDGE
    assert a.text.startswith(a.hedge)


def test_hedge_1_in_settings_never_hedges(tmp_path: Path) -> None:
    """`hedge: 1` in settings.yaml turns hedging off: a question that is hedged by default is answered plainly."""
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    settings = folder / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "  hedge: 1\n", encoding="utf-8")
    a = Answerer.from_directory(folder).answer("who is the president of the victims of communism foundation?")
    assert a.outcome is Outcome.ANSWERED and not a.hedged


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        *(("hedge", value) for value in ("0", "1.5", "-0.2", "lots")),
        ("band", "-1"),
        *(("names", value) for value in ("1", "'yes'", "[]")),  # names: true or false only
    ],
)
def test_a_bad_rule_setting_names_the_file_and_the_entry(tmp_path: Path, setting: str, value: str) -> None:
    """A bad hedge, band or names setting fails the load, naming settings.yaml and the entry."""
    folder = write_handbook(tmp_path / "knowledge")
    (folder / "settings.yaml").write_text(
        f"confidence:\n  weights: {{coverage: 1}}\n  threshold: 0.5\n  {setting}: {value}\n", encoding="utf-8"
    )
    with pytest.raises(KnowledgeError, match=rf"settings\.yaml \(confidence\.{setting}\)"):
        Answerer.from_directory(folder)


def test_a_hedged_answer_meets_an_expected_decline_and_an_expected_answer(answerer: Answerer) -> None:
    """A near miss is met by a decline or a hedge; an on-topic turn by the hedged passage too."""
    question = "where's the venue for the december 12 voc talk?"
    hedged = answerer.answer(question)
    declined = transcripts.Turn(question, transcripts.Expectation(fallback=True))
    answered = transcripts.Turn(question, transcripts.Expectation(passage="event-kang-cheol-hwan", fallback=False))
    assert transcripts.judge(declined, hedged) == (True, ())
    assert transcripts.judge(answered, hedged) == (True, ())
    flat = answerer.answer("Why do North Koreans flee?")
    assert transcripts.judge(transcripts.Turn("Why?", transcripts.Expectation(fallback=True)), flat) == (
        False,
        ("answered instead of declining",),
    )


def test_the_replay_summary_counts_hedges_apart(answerer: Answerer) -> None:
    """The replay summary counts hedged answers apart: off-topic declined, off-topic hedged and on-topic hedged."""
    turns = (
        transcripts.Turn("where's the venue for the december 12 voc talk?", transcripts.Expectation(fallback=True)),
        transcripts.Turn("What's the best pizza in town?", transcripts.Expectation(fallback=True)),
        transcripts.Turn("Why do North Koreans flee?", transcripts.Expectation(fallback=False)),
    )
    summary = transcripts.Summary.of(transcripts.replay(answerer, [transcripts.Transcript("t", Path("t.yaml"), turns)]))
    assert (summary.passed, summary.off_topic_declined, summary.off_topic_hedged, summary.on_topic_hedged) == (
        3,
        1,
        1,
        0,
    )
    assert "off-topic declined 1/2 (50.0%), hedged 1/2 (50.0%); on-topic hedged 0/1 (0.0%)" in str(summary)


def test_answers_just_above_the_threshold_are_hedged_by_the_band(handbook: Path) -> None:
    """With a band as wide as any value, every answer is hedged; without one, only for a lacking term."""
    question = "What is the yearly membership fee?"  # not the passage's own question, which is answered outright
    wide = Answerer.from_directory(handbook, confidence=Confidence(band=100.0)).answer(question)
    none = Answerer.from_directory(handbook, confidence=Confidence(band=None)).answer(question)
    assert wide.outcome is none.outcome is Outcome.ANSWERED and wide.passage_id == none.passage_id
    assert wide.hedged and not none.hedged
    assert (
        Answerer.from_directory(handbook, confidence=Confidence(band=None))
        .answer("How much is the membership fee for students?")
        .hedged
    )


def test_a_rule_is_checked_when_made() -> None:
    """A confidence rule is checked when it is made: a hedge outside (0, 1] or a negative band is refused; the band
    defaults to 0.4."""
    assert Confidence(threshold=6.2).band == 0.4  # the band is above any threshold
    for bad in ({"hedge": 0.0}, {"hedge": 1.5}, {"band": -0.1}):
        with pytest.raises(ValueError, match=r"hedge|band"):
            Confidence(**bad)


@pytest.mark.parametrize("band", [None, 0.4, 1.25])
def test_the_settings_file_keeps_the_band(tmp_path: Path, band: float | None) -> None:
    """A confidence rule written to settings.yaml reads back the same, its band (set or not) included."""
    rule = Confidence(weights={"coverage": 1.0, "margin": 2.0}, threshold=2.5, min_coverage=0.3, hedge=0.3, band=band)
    folder = write_handbook(tmp_path / "knowledge")
    (folder / "settings.yaml").write_text(tuning.dump(tuning.Tuning(confidence=rule)), encoding="utf-8")
    assert tuning.load(folder).confidence == rule


@pytest.mark.parametrize("filler", ["exactly", "roughly", "nowadays"])
def test_a_filler_adverb_does_not_hedge(answerer: Answerer, filler: str) -> None:
    """A filler adverb (exactly, roughly, nowadays) in a question does not make its answer hedged."""
    assert not answerer.answer(f"Who {filler} is Thae Yong-ho?").hedged
    assert not answerer.answer(f"What percentage of defectors are women, {filler}?").hedged


def test_replay_marks_a_hedged_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`replay` marks a hedged answer as hedged in its output."""
    path = tmp_path / "t.yaml"
    path.write_text(
        'name: t\nturns:\n  - ask: "where\'s the venue for the december 12 voc talk?"\n    expect: {fallback: true}\n',
        encoding="utf-8",
    )
    assert main(["replay", str(path)]) == 0
    assert "-> event-kang-cheol-hwan (hedged)" in capsys.readouterr().out


def test_a_question_worded_as_its_passages_section_is_not_hedged() -> None:
    """An imported FAQ's own question ("Can I bring my own games?", the heading over its answer)
    asked word for word, or in its words alone ("can I bring games"), is answered without a doubt; a
    question with a word more ("... to the table") keeps the hedge. (With a band this wide the rule hedges
    every answer; in a 51-passage cafe FAQ the default did.)"""
    source = Source(title="Cafe FAQ")
    kb = KnowledgeBase(
        (
            Passage(
                "own-games-1", "Can I bring my own games?", "Yes! Bring your own games; the table fee applies.", source
            ),
            Passage("shop-1", "Do you sell games?", "Our shop corner sells about 150 titles.", source),
        )
    )
    answerer = Answerer(kb, confidence=Confidence(band=100.0))
    asked = answerer.answer("can i bring my own games")
    assert asked.passage_id == "own-games-1" and not asked.hedged
    assert not answerer.answer("can I bring games").hedged
    other = answerer.answer("can I bring games to the table")
    assert other.passage_id == "own-games-1" and other.hedged
