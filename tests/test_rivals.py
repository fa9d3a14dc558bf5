"""When other passages hold the question's words as fully as the best one, the words do not tell
which passage is asked about: the rule weighs the best passage's rivals (`Ranked.rivals`, the
`rivals` signal of `bot.answering.confidence`) against answering, and the asker gets the closest topics
instead of a guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import Answerer, Outcome
from bot.answering import Confidence, signals

GARDEN = """\
source: {title: "Garden Club Notes", publisher: "The Garden Club", url: null}
passages:
  - id: watering
    section: "Watering"
    text: "Water the tomato beds every morning before nine. The hose is kept in the shed by the gate."
  - id: tools
    section: "Tools"
    text: "Spades, rakes and gloves are lent out on Saturdays. Bring them back clean."
  - id: compost
    section: "Compost"
    text: "Kitchen scraps go in the green bins. Turn the heap once a month."
  - id: fees
    section: "Fees"
    text: "A plot costs 30 euros a season, paid at the spring meeting."
"""
# two more passages that hold "water" and "tomato" as fully as the watering passage does
RIVALS = """\
  - id: seedlings
    section: "Seedlings"
    text: "Tomato seedlings need water and warmth: keep them indoors until May."
  - id: rain-barrel
    section: "Rain barrel"
    text: "Rain water from the roof fills the barrel that serves the tomato beds."
"""
QUESTION = "When do I water the tomatoes?"


def garden_folder(folder: Path, text: str) -> Path:
    """`folder` made, holding `text` as its one knowledge file."""
    folder.mkdir()
    (folder / "garden.yaml").write_text(text, encoding="utf-8")
    return folder


def garden(folder: Path, text: str) -> Answerer:
    return Answerer.from_directory(garden_folder(folder, text))


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    return garden(tmp_path_factory.mktemp("garden") / "alone", GARDEN)


@pytest.fixture(scope="module")
def rivalled(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    return garden(tmp_path_factory.mktemp("garden") / "rivalled", GARDEN + RIVALS)


def test_rivals_are_the_next_passages_holding_as_much_of_the_question(alone: Answerer, rivalled: Answerer) -> None:
    """A passage's rivals are the next passages holding as much of the question, counted in its signals."""
    [best, *_] = alone.index.rank(alone.index.analyze(QUESTION))
    assert (best.passage.id, best.coverage, best.rivals) == ("watering", 1.0, 0)
    ranked = rivalled.index.rank(rivalled.index.analyze(QUESTION))
    assert {r.passage.id for r in ranked} == {"watering", "seedlings", "rain-barrel"}
    assert all(r.coverage == 1.0 for r in ranked)
    assert ranked[0].rivals == 2  # both next passages hold every word of the question
    assert signals(QUESTION, ranked[0], len(rivalled.kb))["rivals"] == 1.0


def test_one_passage_holding_the_question_is_answered(alone: Answerer) -> None:
    """A question only one passage holds whole is answered with that passage."""
    answer = alone.answer(QUESTION)
    assert answer.outcome is Outcome.ANSWERED and answer.passage_id == "watering"


def test_passages_holding_the_question_alike_are_offered_as_topics_not_guessed(rivalled: Answerer) -> None:
    """Passages holding the question alike are offered as topics, not guessed between."""
    answer = rivalled.answer(QUESTION)
    assert answer.outcome is Outcome.FALLBACK and answer.passage_id is None
    assert {s.passage_id for s in answer.suggestions} == {"watering", "seedlings", "rain-barrel"}


def test_the_rivals_weigh_only_as_the_rule_says(rivalled: Answerer) -> None:
    """Rivals lower the rule's value by the signal's weight; a rule without the signal (a folder
    calibrated before it existed) is not touched by them."""
    [best, *_] = rivalled.index.rank(rivalled.index.analyze(QUESTION))
    weights = dict(Confidence().weights)
    assert weights["rivals"] < 0
    found = signals(QUESTION, best, len(rivalled.kb))
    without = Confidence(weights={k: v for k, v in weights.items() if k != "rivals"})
    assert without.value(found) - Confidence().value(found) == pytest.approx(-weights["rivals"])


def test_a_rival_of_the_same_section_counts_half(tmp_path: Path) -> None:
    """Passages of one section are often one text cut in pieces, each with its heading's words: the
    two rivals of "Watering" under the same heading weigh as one rival from another section."""
    same = RIVALS.replace('"Seedlings"', '"Watering"').replace('"Rain barrel"', '"Watering"')
    answerer = garden(tmp_path / "sections", GARDEN + same)
    ranked = answerer.index.rank(answerer.index.analyze(QUESTION))
    assert {r.passage.section for r in ranked} == {"Watering"} and all(r.coverage == 1.0 for r in ranked)
    assert ranked[0].rivals == 1.0
    assert signals(QUESTION, ranked[0], len(answerer.kb))["rivals"] == 0.5


def test_a_passage_printed_twice_is_no_rival_of_itself(tmp_path: Path) -> None:
    """A community's rules and its code of conduct print one appeal procedure word for word: "how do i
    appeal my ban" was declined for the copy, which gives the same answer."""
    appeal = "If you wish to appeal a ban, send a direct message to ModMail or join the appeals server."
    rules = (
        'source: {title: "Rules", publisher: null, url: null}\npassages:\n'
        f'  - {{id: rules-1, section: "Rules", text: "Be kind. Do not advertise."}}\n'
        f'  - {{id: infractions-1, section: "Infractions", text: "{appeal}"}}\n'
    )
    conduct = (
        'source: {title: "Code of Conduct", publisher: null, url: null}\npassages:\n'
        f'  - {{id: scope-1, section: "Scope", text: "This code applies to every channel."}}\n'
        f'  - {{id: appeal-1, section: "Appeal procedure", text: "{appeal.upper()}"}}\n'
    )
    folder = tmp_path / "k"
    folder.mkdir()
    (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    (folder / "conduct.yaml").write_text(conduct, encoding="utf-8")
    answerer = Answerer.from_directory(folder)
    question = "how do i appeal my ban"
    [best, copy, *_] = answerer.index.rank(answerer.index.analyze(question), question=question)
    assert {best.passage.id, copy.passage.id} == {"infractions-1", "appeal-1"}
    assert best.rivals == 0.0 and best.runner_up < copy.matched
    assert answerer.answer(question).outcome is Outcome.ANSWERED
