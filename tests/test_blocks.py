"""What every reader makes of an article's text, whatever its format (bot/imports/blocks.py):
entities are their characters, and characters that print as nothing are dropped; each case one
an outside tester found read wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.imports import articles
from bot.imports.blocks import decoded
from bot.imports.drafts import drafts_of

INVISIBLE = ("&#8203;", "&#x200b;", "&ZeroWidthSpace;", "&#xFEFF;", "&#x2060;", "&shy;")


def _imported(path: Path, text: str) -> tuple[str | None, list[tuple[str, str]]]:
    path.write_text(text, encoding="utf-8")
    title, found = drafts_of(articles.read(path))
    return title, [(d.section, d.text) for d in found]


# Each format a page is imported from: its file's suffix, how it writes a title "Club", a heading and a paragraph.
FORMATS = [
    ("md", "# Club", "## {}", "{}"),
    ("txt", "Club", "{}", "{}"),
    ("html", "<h1>Club</h1>", "<h2>{}</h2>", "<p>{}</p>"),
    ("rst", "Club\n====", "{}\n" + "-" * 20, "{}"),
]


def _page(suffix: str, parts: list[str], head: str = "") -> str:
    """The parts as a page in the format of `suffix`: blocks apart, in an HTML page's main content."""
    page = "\n\n".join(parts) + "\n"
    return f"<html><head>{head}</head><body><main>{page}</main></body></html>" if suffix == "html" else page


@pytest.mark.parametrize(("suffix", "title", "heading", "paragraph"), FORMATS)
def test_invisible_characters_written_as_entities_are_dropped_in_every_format(
    tmp_path: Path, suffix: str, title: str, heading: str, paragraph: str
) -> None:
    """`&#8203;` was decoded after the clean-up, so WordPress's `<p>&#8203;</p>` was a passage that
    looked empty, a heading of one a topic that looked empty, and "half&#8203;price" one word with
    a character in it no member types: a browser shows "halfprice", and so does the import."""
    parts = [
        title,
        heading.format("Rules"),
        paragraph.format("Students pay half&#8203;price and seniors pay&#x200b; nothing."),
        *(paragraph.format(entity) for entity in INVISIBLE),
        paragraph.format("".join(INVISIBLE)),
        heading.format("&ZeroWidthSpace;"),
        paragraph.format("Members vote&#x2060;yearly, on Sun&shy;day."),
    ]
    title_read, found = _imported(tmp_path / f"fees.{suffix}", _page(suffix, parts))
    assert title_read == "Club"
    assert found == [
        ("Rules", "Students pay halfprice and seniors pay nothing."),
        ("Rules", "Members voteyearly, on Sunday."),
    ]


# Marks that print as nothing and that `visible` keeps (a left-to-right mark inside Hebrew text sets
# its direction), which the loader refuses alone: every character of Unicode's category Cf.
MARKS = ("&lrm;", "&rlm;", "&#x200c;", "&#x202b;", "&#x2067;", "&#x2069;")


@pytest.mark.parametrize(("suffix", "title", "heading", "paragraph"), FORMATS)
def test_a_block_or_heading_of_marks_alone_that_the_loader_refuses_is_left_out(
    tmp_path: Path, suffix: str, title: str, heading: str, paragraph: str
) -> None:
    """A Hebrew page's `<p>&lrm;</p>` and `<h2>&rlm;</h2>` were a passage and a section that
    `kb import` wrote and `kb publish` refused, since the loader refuses what shows nothing: the
    import leaves out what the loader would refuse, by the loader's own rule."""
    parts = [
        title,
        heading.format("Joining"),
        paragraph.format("Anyone may join &lrm;the club."),
        *(paragraph.format(mark) for mark in MARKS),
        heading.format("".join(MARKS)),
        paragraph.format("Meetings are every Tuesday."),
    ]
    assert _imported(tmp_path / f"rules.{suffix}", _page(suffix, parts, head="<title>&rlm;</title>")) == (
        "Club",
        [("Joining", "Anyone may join \u200ethe club."), ("Joining", "Meetings are every Tuesday.")],
    )


def test_an_imported_page_of_marks_that_print_as_nothing_publishes(tmp_path: Path) -> None:
    """The page the reviewer imported: its draft is published, titled by the file's name (its `<title>`
    is a mark alone)."""
    page = (
        "<html><head><title>&rlm;</title></head><body><main><h2>Joining</h2><p>Anyone may join.</p>"
        "<p>&lrm;</p><h2>&rlm;</h2><p>Meetings are every Tuesday.</p></main></body></html>"
    )
    (tmp_path / "rules.html").write_text(page, encoding="utf-8")
    folder = str(tmp_path / "k")
    assert main(["kb", "import", str(tmp_path / "rules.html"), "--knowledge", folder]) == 0
    assert main(["kb", "publish", "rules.yaml", "--knowledge", folder]) == 0
    assert "title: Rules" in (tmp_path / "k" / "rules.yaml").read_text(encoding="utf-8")


def test_plain_text_reads_entities_as_every_format_does_and_an_ampersand_as_typed(tmp_path: Path) -> None:
    """Text copied from a web page into a `.txt` kept "&amp;" and "&mdash;", though every other
    format reads them (and the section's id had "amp" in it); an ampersand that begins no entity
    ended by its semicolon is text ("AT&T", an address's "&copy=2")."""
    page = (
        "Jekyll &amp; macOS\n\nInstall Ruby &amp; Bundler first, then run the setup.\n\n"
        "Troubleshooting &amp; tips\n\nRun bundle exec jekyll serve &mdash; it rebuilds on save. "
        "AT&T users open https://example.org/?id=1&copy=2 first.\n"
    )
    path = tmp_path / "jekyll.txt"
    path.write_text(page, encoding="utf-8")
    title, found = drafts_of(articles.read(path))
    assert title == "Jekyll & macOS"
    assert [(d.id, d.section, d.text) for d in found] == [
        ("introduction-1", "Introduction", "Install Ruby & Bundler first, then run the setup."),
        (
            "troubleshooting-tips-1",
            "Troubleshooting & tips",
            "Run bundle exec jekyll serve \u2014 it rebuilds on save. "
            "AT&T users open https://example.org/?id=1&copy=2 first.",
        ),
    ]


def test_only_an_entity_ended_by_its_semicolon_is_decoded() -> None:
    """Markdown decodes as CommonMark says: "&copy" without its semicolon is text, not "©"."""
    assert decoded("&copy; 2024, &copy=2, &amp AT&T, &bogus;, half&#8203;price") == (
        "\u00a9 2024, &copy=2, &amp AT&T, &bogus;, halfprice"
    )
