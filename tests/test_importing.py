"""`kb import`: an article becomes draft passages, the way the seed article was split."""

from __future__ import annotations

from bot.importing import drafts, split_sentences
from tests.conftest import KNOWLEDGE


def test_sentences_split_at_ends_not_at_abbreviations() -> None:
    """Sentences end at . ! ? but not after Mr. or inside U.S."""
    text = "Mr. Kang spent 10 years in a camp. He escaped in 1992! Did he? The U.S. Inc. is real."
    assert split_sentences(text) == [
        "Mr. Kang spent 10 years in a camp.",
        "He escaped in 1992!",
        "Did he?",
        "The U.S. Inc. is real.",
    ]


def test_headings_become_sections_and_paragraphs_passages() -> None:
    """Markdown and numbered headings become sections; long paragraphs are cut into passages."""
    article = "# Title\n\nIntro one. Intro two.\n\n## First part\n\nA. B. C. D.\n\n2. Second part\n\nE.\n"
    title, found = drafts(article.replace("A. B. C. D.", "Alpha one. Beta two. Gamma three. Delta four."))
    assert title == "Title"
    assert [(d.id, d.section) for d in found] == [
        ("introduction-1", "Introduction"),
        ("first-part-1", "First part"),
        ("first-part-2", "First part"),
        ("second-part-1", "Second part"),
    ]
    assert found[1].text == "Alpha one. Beta two. Gamma three."


def test_seed_article_drafts_cover_every_section() -> None:
    """The seed article's own text drafts into passages under its five numbered sections."""
    original = (KNOWLEDGE / "originals" / "five-things-about-north-korean-refugees.txt").read_text(encoding="utf-8")
    _, found = drafts(original)
    sections = {d.section for d in found}
    assert {"Who are the North Korean refugees?", "How are things changing?"} <= sections
    assert all(len(split_sentences(d.text)) <= 3 for d in found)
