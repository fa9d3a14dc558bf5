"""Passage ids from sections in any script: short, readable, valid, unique."""

from __future__ import annotations

import pytest

from bot.ids import numbered, romanize, slug
from bot.knowledge import ID_PATTERN, MAX_ID_CHARS


def test_hangul_is_romanized_from_each_syllables_jamo() -> None:
    """Korean headings spell out in Revised Romanization instead of vanishing."""
    assert romanize("북한") == "bukhan"
    assert slug("탈북자 정착 지원") == "talbukja-jeongchak-jiwon"
    assert slug("10월 모임") == "10wol-moim"  # never the bare number `10`


def test_cyrillic_greek_and_accented_latin_are_transliterated() -> None:
    """Russian, Ukrainian, Greek and accented Latin headings give plain ASCII slugs."""
    assert slug("Москва и Київ") == "moskva-i-kiyiv"
    assert slug("Ελληνικά νέα") == "ellinika-nea"
    assert slug("Café résumé Straße") == "cafe-resume-strasse"


@pytest.mark.parametrize("heading", ["常见问题", "よくある質問", "2024", "10", "—", ""])
def test_what_cannot_be_spelled_gives_no_slug(heading: str) -> None:
    """Scripts without a table, and bare numbers, give "" so the caller picks a readable fallback."""
    assert slug(heading) == ""


def test_slugs_are_valid_ids_cut_at_a_word_end() -> None:
    """A long heading is cut at a word end within 40 characters and matches the id pattern."""
    made = slug("What jobs do refugees find? Many of them work in restaurants and factories")
    assert made == "what-jobs-do-refugees-find-many-of-them"
    assert ID_PATTERN.match(made) and len(made) <= 40
    assert len(numbered(slug("x" * 100), set())) <= MAX_ID_CHARS


def test_numbering_skips_taken_ids() -> None:
    """A free base is used as it is; a taken one gets the next free number."""
    assert numbered("parking", set()) == "parking"
    assert numbered("parking", {"parking", "parking-2"}) == "parking-3"
    assert numbered("sleep", {"sleep-1"}, bare=False) == "sleep-2"


def test_numbering_a_long_id_stays_within_the_id_limit() -> None:
    """A 64-character base is cut short for its number (`a...a-1` had been 66 characters), and stays unique."""
    long = "a" * MAX_ID_CHARS
    first = numbered(long, {long}, bare=False)
    assert first == "a" * (MAX_ID_CHARS - 2) + "-1" and ID_PATTERN.match(first)
    assert numbered(long, {long, first}, bare=False) == "a" * (MAX_ID_CHARS - 2) + "-2"
    assert len(numbered("b-" * 40, set(), bare=False)) <= MAX_ID_CHARS  # cut at a hyphen: no "--"
    assert ID_PATTERN.match(numbered("ab-" * 30, set(), bare=False))


def test_a_heading_of_exactly_the_limit_is_kept_whole() -> None:
    """A slug as long as the limit is not cut: only one longer loses its last word."""
    assert slug("Refugees settle in South Korea each year") == "refugees-settle-in-south-korea-each-year"
    assert slug("Refugees settle in South Korea each years") == "refugees-settle-in-south-korea-each"


def test_a_first_word_longer_than_the_limit_is_cut_not_dropped() -> None:
    """A heading made of one very long word still gives a readable slug: the word cut at the limit."""
    word = "pneumonoultramicroscopicsilicovolcanoconiosis"
    assert slug(f"{word.capitalize()} explained") == word[:40]


def test_the_first_number_of_a_taken_id_is_two() -> None:
    """`base` taken and nothing else: the next id is `base-2`, not a later number."""
    assert numbered("parking", {"parking"}) == "parking-2"
