"""Synonyms: phrases folded into one term, loaded from a file moderators can extend."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.search import synonyms
from bot.search.synonyms import Synonyms
from bot.yamlfiles import FileError
from tests.conftest import KNOWLEDGE


def test_every_phrase_of_a_group_becomes_one_term() -> None:
    """DPRK, NK and North Korea are the same single term."""
    s = Synonyms.from_groups([["North Korea", "DPRK", "NK"]])
    assert s.terms("DPRK") == s.terms("nk") == s.terms("North Korea") == ["north_korea"]


def test_phrases_match_before_stop_words_are_dropped() -> None:
    """'the US' can be a synonym although 'us' alone is a stop word."""
    s = Synonyms.from_groups([["USA", "the us", "America"]])
    assert s.terms("refugees in the us") == ["refuge", "usa"]
    assert s.terms("tell us") == []


def test_longest_phrase_wins() -> None:
    """A longer phrase is matched before a shorter one inside it."""
    s = Synonyms.from_groups([["North Korea", "North"], ["Korea", "Corea"]])
    assert s.terms("north korea") == ["north_korea"]
    assert s.terms("the north") == ["north_korea"]
    assert s.terms("korea") == ["korea"]


def test_bundled_synonyms_load() -> None:
    """The bundled synonyms file loads and knows the usual abbreviations."""
    s = synonyms.load(KNOWLEDGE)
    assert s.terms("ROK") == s.terms("South Korea")
    assert s.terms("DPRK") == s.terms("North Korean")


def test_missing_file_means_no_synonyms(tmp_path: Path) -> None:
    """The synonyms file is optional."""
    assert synonyms.load(tmp_path).rewrites == {}


def test_a_synonyms_file_linked_from_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    """synonyms.yaml as a link to a file outside the knowledge folder is left unread, as if missing."""
    (tmp_path / "elsewhere.yaml").write_text("groups:\n  - [a, b]\n", encoding="utf-8")
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "synonyms.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    assert synonyms.load(folder).rewrites == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("groups:\n  - [only one]\n", "synonyms.yaml:2 (group 1): a group must be a list of at least two"),
        ("groups:\n  - [a, b]\n  - nope\n", "synonyms.yaml:3 (group 2)"),
        ("groups: [a, b\n", "invalid YAML"),
        ('groups:\n  - ["meet\\0up", gathering]\n', "synonyms.yaml:2 (group 1): a phrase holds a NUL"),
        ("words: []\n", "expected a mapping with one key, 'groups'"),
        ("groups:\n  - [" + "a" * 81 + ", b]\n", "(group 1): a group must be a list of at least two non-empty"),
        ("groups:\n" + "  - [a, b]\n" * 1001, "1001 groups, more than the limit of 1000"),
        (  # "korea" meant north korea, and the second group's "south korea" a term of its own
            'groups: [["north korea", "korea"], ["korea", "south korea"]]\n',
            "synonyms.yaml:1 (group 2): 'korea' is in group 1 (north korea) and group 2 (korea)",
        ),
        (
            "groups:\n  - [USA, the US]\n  - [Britain, UK]\n  - [America, The  US]\n",
            "(group 3): 'The  US' is in group 1",
        ),
    ],
)
def test_bad_synonyms_file_is_named(tmp_path: Path, text: str, expected: str) -> None:
    """A bad synonyms file is refused with the file, the group and the line."""
    (tmp_path / "synonyms.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(FileError) as caught:
        synonyms.load(tmp_path)
    assert expected in str(caught.value)


def test_a_group_that_repeats_an_earlier_groups_term_extends_it(tmp_path: Path) -> None:
    """A later group opening with an earlier group's first phrase adds to it (the seed's file does so)."""
    (tmp_path / "synonyms.yaml").write_text("groups:\n  - [defect, flee]\n  - [defect, defected, bail]\n")
    s = synonyms.load(tmp_path)
    assert s.terms("bail") == s.terms("flee") == s.terms("defected") == ["defect"]
    assert synonyms.clashes(tmp_path) == []


def test_a_phrase_read_as_another_groups_phrase_is_a_warning(tmp_path: Path) -> None:
    """'universally' is stemmed as 'universal': in a group of its own it still means the first group's
    term. Not an error (no word written twice), but `kb check` and `doctor` name both groups."""
    (tmp_path / "synonyms.yaml").write_text("groups:\n  - [universal, global]\n  - [everywhere, universally]\n")
    assert synonyms.load(tmp_path).terms("universally") == ["universal"]
    assert synonyms.clashes(tmp_path) == [
        f"{tmp_path / 'synonyms.yaml'} (group 2): 'universally' reads as 'universal' of group 1, "
        "so it means 'universal', not 'everywhere'"
    ]


def test_the_bundled_synonyms_have_no_phrase_read_as_another_groups() -> None:
    """Every phrase of the seed's file means its own group's term."""
    assert synonyms.clashes(KNOWLEDGE) == []
