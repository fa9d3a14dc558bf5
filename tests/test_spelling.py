"""Spelling correction of question words against the knowledge base's own words."""

from __future__ import annotations

from bot.knowledge import KnowledgeBase, Passage, Source
from bot.search.retrieval import Index
from bot.search.spelling import Speller
from bot.search.synonyms import Synonyms
from bot.search.text import stem


def speller() -> Speller:
    known = ["refugees", "defectors", "citizenship", "unemployed", "women"]
    return Speller(known, {stem(w) for w in known})


def test_one_edit_is_corrected() -> None:
    """Substitutions, insertions, deletions and swaps one edit away are corrected."""
    s = speller()
    assert s("refugess") == "refugees"
    assert s("defecters") == "defectors"
    assert s("citizenshp") == "citizenship"
    assert s("unemplyoed") == "unemployed"


def test_known_short_and_far_words_are_left_alone() -> None:
    """Known words, short words and words two edits away are not touched."""
    s = speller()
    assert s("refugee") == "refugee"  # its stem is known
    assert s("womn") == "womn"  # four letters: too short to guess safely
    assert s("pizzeria") == "pizzeria"
    assert s("refgeees") == "refgeees"


def test_a_correction_keeps_the_first_letter() -> None:
    """A typo is seldom in the first letter, and a word that differs there is another word: "flight" was
    read as "light", and a pasted "Unable to find ..." as "enable". Two first letters swapped are a typo."""
    known = ["light", "enable", "refugees"]
    s = Speller(known, {stem(w) for w in known})
    assert (s("flight"), s("unable")) == ("flight", "unable")
    assert s("erfugees") == "refugees"


def test_an_irregular_form_is_a_word_not_a_typo() -> None:
    """'wives' is one edit from 'lives', but it is an English word the tokenizer knows, not a typo."""
    s = Speller(["lives", "refugees"], {stem("life"), stem("refugees")})
    assert s("wives") == "wives"
    assert s("refugess") == "refugees"


def test_mistyped_question_words_are_read_as_themselves() -> None:
    """'wht' and 'wher' are 'what' and 'where'; a short content word like 'war' is left alone."""
    s = speller()
    assert s("wht") == "what"
    assert s("wher") == "where"
    assert s("war") == "war"


def test_a_question_word_the_passages_lack_is_itself() -> None:
    """In a folder where no passage says "who", "who made python" was read "why made python", and
    "where" was "there" (a stop word, gone): a question word is one whatever the passages say."""
    s = Speller(["python", "released", "there"], {stem("python"), stem("released"), stem("there")})
    assert [s(w) for w in ("who", "where", "why", "when", "how")] == ["who", "where", "why", "when", "how"]


def test_a_common_word_of_a_closed_class_is_no_typo() -> None:
    """ "pip never asks keyring" was read "pip newer asks keyring": "never" is a word, not a typo of
    the passages' "newer", nor "other" of "otter"; a real typo is still corrected."""
    s = Speller(["newer", "otter", "version", "quiet"], {stem("newer"), stem("otter"), stem("version"), stem("quiet")})
    assert [s(w) for w in ("never", "other", "versoin")] == ["never", "other", "version"]
    assert s("quite") == "quiet"  # "quite hours": as often a typo as the word itself


def test_a_word_only_a_synonym_has_is_a_correction_too() -> None:
    """A misspelt word the passages lack but a synonym group names is corrected, then folded."""
    source = Source(title="Notes")
    kb = KnowledgeBase((Passage("border", "Border", "Border security was tightened in 2015.", source),))
    index = Index(kb, Synonyms.from_groups([["security", "clampdown", "crackdown"]]))
    assert index.analyze("is there a clampdwn at the border") == index.analyze("security at the border")


def test_an_irregular_form_is_never_corrected_to_a_word_it_is_one_edit_from() -> None:
    """ "taken" is not a typo of the passages' "token", nor "chose" of "chase": irregular forms are words."""
    s = Speller(["token", "chase"], {stem("token"), stem("chase")})
    assert (s("taken"), s("chose")) == ("taken", "chose")


def test_of_two_words_one_edit_away_the_commoner_is_chosen() -> None:
    """ "braad" is one edit from "bread" and from "broad": the word the passages use more wins."""
    s = Speller(["bread", "bread", "bread", "broad"], {stem("bread"), stem("broad")})
    assert s("braad") == "bread"
    assert Speller(["broad", "broad", "bread"], {stem("bread"), stem("broad")})("braad") == "broad"


def test_a_typo_may_be_corrected_to_a_four_letter_word() -> None:
    """A five-letter typo is one edit from a four-letter word of the passages too: "parrk" is "park"."""
    assert Speller(["park"], {stem("park")})("parrk") == "park"


def test_an_extended_speller_still_corrects_to_the_words_it_had() -> None:
    """Passages added later share spelling keys with the old words ("brad" of "bread" and "broad"): the
    old words stay candidates, and the commoner wins as in a speller built with all of them."""
    s = Speller(["bread", "bread"], {stem("bread")}).extended(["broad"], {stem("broad")})
    assert s("braad") == "bread" == Speller(["bread", "bread", "broad"], {stem("bread"), stem("broad")})("braad")
