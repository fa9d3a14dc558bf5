"""A question about something the knowledge base never names is declined, however well its other
words match (see `Index.unknown_names` and `Confidence.names`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import Answerer, Outcome
from bot.answering import tuning
from tests.conftest import KNOWLEDGE
from tests.telegram_support import write_handbook


@pytest.fixture(scope="module")
def handbook(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    return Answerer.from_directory(write_handbook(tmp_path_factory.mktemp("handbook") / "knowledge"))


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Where can I park my Tesla?", ("Tesla",)),
        ("When do we meet in Berlin and Oslo?", ("Berlin", "Oslo")),
        ("Is the fee paid to UNESCO?", ("UNESCO",)),
        ("Tesla owners, where can I park?", ()),  # the first word of a sentence is capitalized anyway
        ("where can i park my tesla?", ()),  # written in lower case: not read as a name
        ("Where can I park on Elm street?", ()),  # "I" is a stop word; Elm is in the handbook
        ("Do the Librarians meet on Thursday?", ()),  # shares its stem with a word of the handbook (library)
        ("Where can I park my Bicyle?", ()),  # spelling corrected to a word of the handbook
        ("Hi, I just moved here from Berlin. Where can I park?", ()),  # only the sentences that ask
        ("When do we meet? Is it in the Library?", ()),
    ],
)
def test_the_names_a_question_asks_about_that_no_passage_mentions(
    handbook: Answerer, question: str, names: tuple[str, ...]
) -> None:
    """The names a question asks about that no passage mentions: capitalized words the handbook lacks, not a sentence's
    first word, a lower-case word, a stem or a spelling it knows, nor a name in a sentence that does not ask."""
    assert handbook.index.unknown_names(question) == names


def test_a_question_about_an_unknown_name_is_declined_with_the_closest_topics(handbook: Answerer) -> None:
    """A question about a name no passage mentions is declined with the closest topics, and the name is kept among the
    gap's terms."""
    known = handbook.answer("Where can I park my car?")
    assert known.outcome is Outcome.ANSWERED and known.passage_id == "parking"
    unknown = handbook.answer("Where can I park my Tesla car?")
    assert unknown.outcome is Outcome.FALLBACK and unknown.passage_id is None
    assert [s.passage_id for s in unknown.suggestions][:1] == ["parking"]
    assert "tesla" in unknown.terms  # recorded as a gap, with what was asked


def test_names_false_in_settings_answers_by_the_rule_alone(tmp_path: Path) -> None:
    """`names: false` in settings.yaml answers by the confidence rule alone, and reads back; without it the unknown name
    declines."""
    folder = write_handbook(tmp_path / "knowledge")
    settings = "confidence:\n  weights: {coverage: 1.29, strength: 1.71, margin: 1.8}\n  threshold: 3.1\n"
    (folder / "settings.yaml").write_text(settings + "  names: false\n", encoding="utf-8")
    answer = Answerer.from_directory(folder).answer("Where can I park my Tesla car?")
    assert answer.outcome is Outcome.ANSWERED and answer.passage_id == "parking"
    assert "names: false" in tuning.dump(tuning.load(folder))
    (folder / "settings.yaml").write_text(settings, encoding="utf-8")
    assert Answerer.from_directory(folder).answer("Where can I park my Tesla car?").fallback


@pytest.mark.parametrize(
    "question",
    [
        "Who is Thae Yong-ho?",
        "How long was Kang Cheol-Hwan imprisoned?",
        "Why do North Koreans flee to China?",
        "How many defectors live in the US?",
        "What does the DPRK do to defectors who are sent back?",
    ],
)
def test_names_the_seed_article_knows_in_any_form_are_not_unknown(question: str) -> None:
    """Names the bundled article holds, in any of their forms, are not unknown, and their questions are answered."""
    answerer = Answerer.from_directory(KNOWLEDGE)
    assert answerer.index.unknown_names(question) == ()
    assert answerer.answer(question).outcome is Outcome.ANSWERED


def test_a_passage_added_later_makes_its_names_known(handbook: Answerer) -> None:
    """A passage added later makes the names it mentions known."""
    from bot.knowledge import Passage

    parking = handbook.kb.get("parking")
    assert parking is not None
    tesla = Passage(
        id="chargers", section="Chargers", text="Two Tesla chargers stand in the library yard.", source=parking.source
    )
    assert handbook.index.unknown_names("Are there Tesla chargers?") == ("Tesla",)
    assert handbook.with_added(tesla).index.unknown_names("Are there Tesla chargers?") == ()
