"""HTML tables in a Markdown page (`bot.imports.markdown`), read as a saved web page's are
(`bot.imports.pages`): a README's `<table>` of opening hours reads "Day: Tuesday, Hours: closed."
as a pipe table's row does; its tags dropped, it had been one run of words ("Day Hours Monday 9-17
Tuesday closed Wednesday 10-14") in which no row said what it was.

A table is read so from a line that begins with `<table` (outside code) to the line that ends it,
nested tables counted, when what it holds is HTML as CommonMark reads it: a blank line ends an HTML
block, and a line after it that does not begin with a tag is Markdown (GitHub shows the Markdown of
a cell set off by blank lines, a README's `<td>` over a blank line and `- item`) or, indented,
code. Such a table is left to the Markdown reader, as before, and so is a table never ended. Each
line is looked at once. A table comes with how far its first line is indented: under a list item
it is the item's (`bot.imports.markdown`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.imports.blocks import Block
from bot.imports.markdown import commonmark
from bot.imports.pages import html_blocks

_START = re.compile(r"^ {0,3}<table\b", re.IGNORECASE)
_OPENS = re.compile(r"<table\b", re.IGNORECASE)
_CLOSES = re.compile(r"</table\s*>", re.IGNORECASE)
_TAG = re.compile(r"^ {0,3}<")  # after a blank line, a line that goes on with the table's HTML


@dataclass(frozen=True)
class Table:
    """An HTML table read: its blocks, and how far its first line is indented."""

    blocks: tuple[Block, ...]
    indent: int


def read(lines: list[str]) -> Iterator[str | Table]:
    """`lines`, each HTML table among them as a `Table` of its blocks (`bot.imports.pages.html_blocks`)."""
    code = commonmark.code_lines(lines)
    at = 0
    while at < len(lines):
        if code[at] or not _START.match(lines[at]):
            yield lines[at]
            at += 1
            continue
        end, html = _table_end(lines, at)
        if html:
            yield Table(tuple(html_blocks("\n".join(lines[at:end]))), len(lines[at]) - len(lines[at].lstrip(" ")))
        else:
            yield from lines[at:end]
        at = end


def _table_end(lines: list[str], start: int) -> tuple[int, bool]:
    """Where the table that starts at `start` ends (the line after its `</table>`), and whether it is
    HTML; else where its reading stopped: at Markdown inside it, or at the page's end."""
    depth = 0
    for at in range(start, len(lines)):
        line = lines[at]
        if at > start and not lines[at - 1].strip() and line.strip() and not _TAG.match(line):
            return at, False
        depth += len(_OPENS.findall(line)) - len(_CLOSES.findall(line))
        if depth <= 0:
            return at + 1, True
    return len(lines), False
