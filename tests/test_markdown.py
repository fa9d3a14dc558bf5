"""HTML and GitHub's marks inside a Markdown page, read as a browser shows the page
(bot/curation/markdown.py); each case one an outside tester found read wrong."""

from __future__ import annotations

from pathlib import Path

from bot.curation import articles
from bot.curation.importing import drafts_of


def _imported(path: Path, text: str) -> list[tuple[str, str]]:
    path.write_text(text, encoding="utf-8")
    _, found = drafts_of(articles.read(path))
    return [(d.section, d.text) for d in found]


def test_scripts_and_styles_are_left_out_with_what_they_hold_and_code_keeps_them(tmp_path: Path) -> None:
    """A calendar widget's script and style were a passage members were served; `<template>` and
    `<noscript>` are not shown either. In code a `<script>` is what the page teaches, as written."""
    page = (
        "# Events\n\n## Calendar\n\nOur events are listed below.\n\n"
        '<script src="https://widget.example.org/cal.js"></script>\n<script>\n  window.calendar = { theme: "dark" };\n'
        "</script>\n<style>\n.cal { color: red; }\n</style>\n<template><p>Row</p></template>\n"
        "<noscript>Turn on JavaScript.</noscript>\n\n<div>Important <script>alert(1)</script>text.</div>\n\n"
        "## Embedding\n\nPaste this, and write `<script>` tags yourself:\n\n```html\n<script>load()</script>\n```\n"
    )
    assert _imported(tmp_path / "events.md", page) == [
        ("Calendar", "Our events are listed below."),
        ("Calendar", "Important text."),
        ("Embedding", "Paste this, and write <script> tags yourself:\n```\n<script>load()</script>\n```"),
    ]


def test_a_line_break_or_a_block_tag_keeps_the_words_on_either_side_apart(tmp_path: Path) -> None:
    """`<br>` in a table's cell is GitHub's way to break a line, and a cell of HTML is a cell: they
    read "MondayTuesday", "555-1234or email" and "cell onecell two", and no question found them."""
    page = (
        "# Venue\n\n## Hours\n\n| Day | Hours |\n|---|---|\n| Monday<br>Tuesday | 9-17<br/>closed at noon |\n\n"
        "## Contact\n\nCall us at 555-1234<br>or email <help@example.org>.<br/>We answer within a day.\n\n"
        "<table><tr><td>cell one</td><td>cell two</td></tr></table>\n\n"
        "Press <kbd>Ctrl</kbd>+<kbd>C</kbd> to stop.\n"
    )
    assert _imported(tmp_path / "venue.md", page) == [
        ("Hours", "Day: Monday Tuesday, Hours: 9-17 closed at noon."),
        ("Contact", "Call us at 555-1234 or email help@example.org. We answer within a day."),
        ("Contact", "cell one cell two"),
        ("Contact", "Press Ctrl+C to stop."),
    ]
