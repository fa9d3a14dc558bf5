"""What Discord's autocomplete of /ask offers while a member types (`Answerer.completions`): questions
the knowledge answers, the word still being typed read as the words it begins, and no heading the
bot would then decline."""

from __future__ import annotations

import dataclasses
import itertools
import shutil
from pathlib import Path

import pytest

from bot import Answerer, Outcome
from bot.imports import import_article
from bot.knowledge import KnowledgeBase, Passage, Source
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
    """With nothing typed, the topics the help lists are offered; words that match nothing get none."""
    assert answerer.completions("") == ["Who are the refugees?", "Life in hiding", "Schooling", "Work"]
    assert answerer.completions("zzzz qqqq") == []


def test_each_wording_is_offered_once_at_most_as_many_as_asked(answerer: Answerer) -> None:
    """Each wording is offered once (whatever its case), and no more are offered than asked for."""
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


@pytest.mark.parametrize(
    ("community", "typed"),
    [
        ("zulip", "edit"),
        ("zulip", "search"),
        ("asdf", "install"),
        ("asdf", ""),
        ("zulip", ""),
        ("hackerspace_gent", ""),
    ],
)
def test_every_question_offered_is_answered(tmp_path: Path, community: str, typed: str) -> None:
    """A heading whose passages the rule declines (zulip's "Edit a message", asdf's "Installation",
    the handbook's "How?") had been offered, and picking it got "Sorry, I don't know that one"; with
    nothing typed too, the first list a member sees."""
    answerer = Answerer.from_directory(imported(community, tmp_path / community))
    offered = answerer.completions(typed)
    assert offered
    assert [q for q in offered if answerer.answer(q).outcome is not Outcome.ANSWERED] == []


def test_the_word_being_typed_reads_as_the_commonest_words_it_begins(tmp_path: Path) -> None:
    """In a knowledge base of some size many words begin alike ("con" begins hundreds): the commonest
    come first, not the first in the alphabet (only the first 1,000 had been looked at)."""
    rare = ["coz" + "".join(t) for t in itertools.product("bdfgkmpt", repeat=4)][:1100]  # all before "cozy"
    passages = [
        {"id": f"rare-{n}", "section": f"Rare {n}", "text": " ".join(rare[n * 100 : (n + 1) * 100]) + "."}
        for n in range(11)
    ] + [
        {"id": f"cozy-{n}", "section": f"Room {n}", "text": f"The cozy room number {n} has a sofa."} for n in range(20)
    ]
    answerer = Answerer.from_directory(write_knowledge(tmp_path / "kb", passages))
    [cozy] = answerer.index.analyze("cozy")
    assert answerer.index.beginning("coz")[0] == cozy
    assert answerer.index.beginning("co") == []  # two letters begin too much to mean a word


def test_what_is_offered_follows_a_rule_set_on_the_answerer(tmp_path: Path) -> None:
    """Which headings are answered is kept once per knowledge and rule: a rule set on a live answerer
    (as `calibrate` fits one) is followed, not the verdicts of the rule before."""
    folder = imported("asdf", tmp_path / "asdf")
    answerer = Answerer.from_directory(folder)
    assert "Install" not in answerer.completions("install")  # declined by the folder's rule
    answerer.confidence = dataclasses.replace(answerer.confidence, threshold=-100.0, min_coverage=0.0, names=False)
    assert answerer.answer("Install").outcome is Outcome.ANSWERED
    assert "Install" in answerer.completions("install")


def test_a_word_being_typed_reads_as_the_commonest_of_thousands_it_begins() -> None:
    """Every word it begins is weighed, not the first 5,000 in the alphabet: "cou" had never offered
    "council", held by every passage, behind 6,000 rarer "coua..." words."""
    source = Source(title="Notes")
    letters = "abcdefghijklmnopqrst"
    rare = [f"coua{a}{b}{c}{d}" for a in letters for b in letters for c in letters for d in letters][:6000]
    passages = [
        Passage(
            id=f"p{n}",
            section=f"Part {n}",
            text=f"The council decided {' '.join(rare[n * 50 : n * 50 + 50])}.",
            source=source,
        )
        for n in range(120)
    ]
    answerer = Answerer(KnowledgeBase(tuple(passages)))
    assert answerer.index.knows("council")
    assert answerer.index.beginning("cou", 3)[0] == "council"
    assert len(answerer.index.beginning("cou", 3)) == 3  # at most `limit`, however many words begin so


def test_a_word_being_typed_reads_as_a_synonym_groups_term_and_as_words_added_since() -> None:
    """The passages' words, as written, are what a word being typed begins: the seed's "refug" is its
    synonym group's term (it had completed to nothing), and a moderator's new word counts at once."""
    answerer = Answerer.from_directory(ROOT / "knowledge")
    assert answerer.index.analyze("refugees")[0] in answerer.index.beginning("refug")
    assert answerer.index.beginning("zebr") == []
    source = answerer.kb.passages[0].source
    grown = answerer.with_added(Passage("zebra-1", "Zebras", "Zebras are striped horses.", source))
    assert grown.index.beginning("zebr") == grown.index.analyze("zebras")
