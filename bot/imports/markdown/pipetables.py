"""Markdown's pipe tables (`tables_read`), each made one paragraph of a sentence a row, each cell
named by its column, before the Markdown reader reads the page (`bot.imports.markdown.reader`).
"""

from __future__ import annotations

import re

from bot.imports.blocks import LINKS_KEPT, row_sentence, with_address
from bot.imports.markdown.inline import MD_LINK, badges_as_links, inline_markdown
from bot.imports.markdown.lines import MD_ITEM, fence_after
from bot.imports.plaintext import MD_HEADING, SETEXT

_MD_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


_TABLE_CELL_SPLIT = re.compile(r"(?<!\\)\|")


_TABLE_RULE_CELL = re.compile(r"^\s*:?-+:?\s*$")


def _cells(line: str) -> list[str]:
    """The cells of a pipe-table row, as plain text (an escaped pipe, `\\|`, is text)."""
    row = line.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [inline_markdown(cell.replace("\\|", "|")) for cell in _TABLE_CELL_SPLIT.split(row)]


def _is_table_rule(line: str) -> bool:
    """The line under a pipe table's header: `|---|:---:|`."""
    return "|" in line and all(_TABLE_RULE_CELL.match(cell) for cell in _cells(line))


def _starts_block(line: str) -> bool:
    """A line that begins something else than a table row: a heading, a fence, a list item, a quote, a rule."""
    return bool(
        MD_HEADING.match(line) or _MD_FENCE.match(line) or MD_ITEM.match(line) or SETEXT.match(line)
    ) or line.lstrip().startswith(">")


def tables_read(lines: list[str]) -> list[str]:
    """The lines with each pipe table (a header row, its rule, the rows under it) made one
    paragraph of a sentence a row, each cell named by its column: `| Monday | 9-17 |` under
    `| Day | Hours |` reads "Day: Monday, Hours: 9-17." (so a question that names the column finds
    the row, and the reply reads as text, not as pipes and dashes)."""
    out: list[str] = []
    at = 0
    fenced = ""  # code is kept as written, pipes and all
    while at < len(lines):
        was, fenced = fenced, fence_after(lines[at], fenced)
        if not was and not fenced and "|" in lines[at] and at + 1 < len(lines) and _is_table_rule(lines[at + 1]):
            header = _cells(lines[at])
            at += 2
            sentences = []
            while at < len(lines) and "|" in lines[at] and lines[at].strip() and not _starts_block(lines[at]):
                sentences.append(row_sentence(header, [_linked(cell) for cell in _cells(lines[at])]))
                at += 1
            out += ["", " ".join(filter(None, sentences)) or row_sentence([], header), ""]
        else:
            out.append(lines[at])
            at += 1
    return out


def _linked(cell: str) -> str:
    """A table cell with its links as text and address, when it holds at most LINKS_KEPT: a
    README's table of Discord invites read "Non Developer: Discord Discord", counted with the row's
    other links."""
    cell = badges_as_links(cell)
    if len(MD_LINK.findall(cell)) > LINKS_KEPT:
        return cell
    return MD_LINK.sub(lambda m: with_address(m[2], m[3]) if not m[1] else m[0], cell)
