"""What Discord's autocomplete of /ask offers while a member types (`Answerer.completions`): questions
the knowledge answers, the word still being typed read as the words it begins, and no heading the
bot would then decline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import Answerer, Outcome
from bot.curation.importing import import_article
from tests.test_discord import TEST_PASSAGES, write_knowledge

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    return Answerer.from_directory(write_knowledge(tmp_path_factory.mktemp("completions") / "kb", TEST_PASSAGES))


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("are most wom", "Are most defectors women?"),
        ("defect", "Are most defectors women?"),
        ("refug", "What happens to refugees caught in China?"),
        ("what happens to refugees caught in china", "What happens to refugees caught in China?"),
    ],
)
def test_the_word_still_being_typed_counts_as_the_words_it_begins(answerer: Answerer, typed: str, offered: str) -> None:
    """Discord asks at every keystroke, so the last word is nearly always half typed: "are most wom"
    had offered nothing, and the list flickered away until a word was finished."""
    assert offered in answerer.completions(typed)


def test_with_nothing_typed_the_topics_the_help_lists_are_offered(answerer: Answerer) -> None:
    assert answerer.completions("") == ["Who are the refugees?", "Life in hiding", "Schooling", "Work"]
    assert answerer.completions("zzzz qqqq") == []


def test_each_wording_is_offered_once_at_most_as_many_as_asked(answerer: Answerer) -> None:
    offered = answerer.completions("defectors", limit=3)
    assert len(offered) == len({o.casefold() for o in offered}) <= 3


def imported(name: str, folder: Path) -> Path:
    """One of benchmarks/communities' folders, imported and published."""
    folder.mkdir()
    for source in sorted((ROOT / "benchmarks" / "communities" / name / "sources").iterdir()):
        import_article(source, folder)
    for draft in (folder / "drafts").glob("*.yaml"):
        shutil.move(str(draft), folder / draft.name)
    return folder


@pytest.mark.parametrize(("community", "typed"), [("zulip", "edit"), ("zulip", "search"), ("asdf", "install")])
def test_every_question_offered_is_answered(tmp_path: Path, community: str, typed: str) -> None:
    """A heading whose passages the rule declines (zulip's "Edit a message", asdf's "Installation")
    had been offered, and picking it got "Sorry, I don't know that one"."""
    answerer = Answerer.from_directory(imported(community, tmp_path / community))
    offered = answerer.completions(typed)
    assert offered
    assert [q for q in offered if answerer.answer(q).outcome is not Outcome.ANSWERED] == []
