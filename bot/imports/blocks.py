"""What an article is read as, whatever its format: blocks of plain text (headings, paragraphs,
list items, code), and how a block writes what plain text cannot show (a link's address, a table's
row, lines of code). Every reader makes these: `plaintext`, `markdown`, `restructured` (through
`markdown`) and `pages` (HTML); `articles` picks the reader for a file.
"""

from __future__ import annotations

import html
import itertools
import re
import textwrap
import urllib.parse
from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    """A heading, a paragraph or a list item, in plain text."""

    text: str
    heading: bool = False
    level: int = 0  # a heading's level, 1-6, where the format gives one
    item: str = ""  # a list item's mark as it is printed ("•", or "2." in a numbered list); "" else
    code: bool = False  # lines of code (a fenced block, `<pre>`), kept as written, line by line
    nested: bool = False  # a list item inside the item before it (indented under it, as Markdown nests it)


@dataclass(frozen=True)
class Article:
    """An article's blocks in order, and its title when the format names one apart (`<title>`)."""

    blocks: tuple[Block, ...]
    title: str | None = None
    notices: tuple[Notice, ...] = ()  # what the reader left out that the moderator should hear of


@dataclass(frozen=True)
class Notice:
    """Something the reader left out of an article, and the line of the file it is at."""

    line: int
    text: str


def code_text(text: str) -> str:
    """Lines of code as a reader copies them: their common indent, blank lines around them and
    spaces at the ends of lines dropped; tabs as four spaces."""
    lines = [line.rstrip() for line in textwrap.dedent(text.expandtabs(4)).split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def indent_of(line: str) -> int:
    """How far `line` is indented, a tab reaching the next multiple of four (as `code_text` reads tabs)."""
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


def closes_fence(line: str, fence: str) -> bool:
    """Whether `line` closes code opened with `fence` (```` ``` ````, `~~~~`, `:::`): the same marks,
    as many or more, alone on the line."""
    mark = line.strip()
    return len(mark) >= len(fence) and set(mark) == {fence[0]}


# Characters that print as nothing and join nothing: zero-width space, word joiner, a byte-order
# mark inside the text, a soft hyphen (the zero-width joiner stays: it makes one emoji of two).
INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")


# An entity as HTML writes one, ended by its semicolon: "&amp;", "&#8203;", "&#x200b;".
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def visible(text: str) -> str:
    """`text` without the characters that print as nothing (`INVISIBLE`): a browser shows
    "half&#8203;price" as "halfprice", and "half\u200bprice" was one word no question found."""
    return INVISIBLE.sub("", text)


def decoded(text: str) -> str:
    """`text` with its HTML entities as their characters, those that print as nothing dropped
    (`visible`). Only an entity ended by its semicolon is one: "AT&T" and "?id=1&copy=2" are as
    typed (Python's `html.unescape` reads "&copy" without one as "©")."""
    if "&" not in text:
        return text
    return visible(_ENTITY.sub(lambda found: html.unescape(found[0]), text))


def oneline(text: str) -> str:
    """`text` on one line, its runs of white space one space each."""
    return " ".join(text.split())


def row_sentence(header: list[str], cells: list[str]) -> str:
    """A table row as a sentence, each cell named by its column's header: "Day: Monday, Hours: 9-17."
    (an empty cell left out; a cell without a header as it is); "" for a row of empty cells."""
    named = [
        f"{name}: {cell}" if name else cell
        for name, cell in itertools.zip_longest(header[: len(cells)], cells, fillvalue="")
        if cell
    ]
    sentence = ", ".join(named)
    return sentence if not sentence or sentence[-1] in ".!?" else sentence + "."


# A paragraph with at most this many links keeps the addresses of those that lead off the page.
LINKS_KEPT = 2


# An address worth keeping: a page on the web, an email address, a phone number.
_ADDRESS = re.compile(r"(?:https?://|mailto:|tel:)[^\s<>]+", re.IGNORECASE)


def address_of(label: str, href: str) -> str:
    """Where a link leads, as a chat reply (where it cannot be clicked) shows it after the link's
    text: a web address, or the email address or phone number of a `mailto:` or `tel:` link; ""
    for a link within the site, a wiki's link to another of its articles (saved pages make them
    absolute), a link without text (an image's), or text that says where already."""
    href = _unredirected(href.strip())
    if not label.strip() or not _ADDRESS.fullmatch(href) or "/wiki/" in href:  # a wiki's link to another article
        return ""
    shown = re.sub(r"^(?:mailto|tel):", "", href, flags=re.IGNORECASE)
    return "" if _bare(label) == _bare(shown) else shown


# Google's redirect, which Google Docs puts around every link of an exported document:
# "https://www.google.com/url?q=https://example.org/&sa=D&source=editors&ust=...&usg=...".
_REDIRECT = re.compile(r"https?://(?:www\.)?google\.[a-z]{2,3}(?:\.[a-z]{2})?/url\?(?P<query>\S*)", re.IGNORECASE)


def _unredirected(href: str) -> str:
    """Where a link through Google's redirect leads (its `q`, or `url`): a reply had shown the
    redirect's tracking address instead of the page the document links."""
    match = _REDIRECT.fullmatch(href)
    if match is None:
        return href
    query = urllib.parse.parse_qs(match["query"])
    target = (query.get("q") or query.get("url") or [""])[0]
    return target if _ADDRESS.fullmatch(target) else href


def _bare(address: str) -> str:
    """An address as its text may say it: "example.org" of "https://www.example.org/"."""
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", address.strip().casefold()).rstrip("/")


def with_address(label: str, href: str) -> str:
    """A link's text, and where it leads in brackets (`address_of`): "email us (help@example.org)"."""
    address = address_of(label, href)
    return f"{label.strip()} ({address})" if address else label.strip()
