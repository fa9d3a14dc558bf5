"""reStructuredText's tables (`bot.imports.restructured`) as Markdown: a simple table
(`=====  =====` borders) and a grid table (`+-----+-----+` borders), a pipe table under a header
row, else a list of rows. Their borders and cells had been paragraphs of "=====" and "+----+".
So are the tables Sphinx pages write as directives: `.. list-table::` (a list of rows, each a list
of cells) and `.. csv-table::`, which had been left out whole."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Mapping

from bot.imports.blocks import indent_of

TABLE_BORDER = re.compile(r"^\s*=+(?:[ ]+=+)+\s*$")  # a simple table's border: "=====  =========="
BOLD = re.compile(r"^\*\*(?P<text>[^*]{1,300})\*\*$")  # a cell, or a line, all in bold


def simple(lines: list[str], at: int, inline: Callable[[str], str]) -> tuple[list[str], int]:
    """The simple table whose border is at `at`, as Markdown: a pipe table when a second border
    sets off a header row, else a list of its rows, cells joined ("string (default): accepts any
    text"); and where the text after it starts. Its borders and cells were a paragraph of "=====".
    The columns are where the border's runs of "=" start; a row whose first cell is empty goes on
    the row above. Each cell's markup is read by `inline`."""
    starts = [m.start() for m in re.finditer(r"=+", lines[at])]
    rows: list[list[str]] = []
    header: list[str] | None = None
    at += 1
    while at < len(lines) and lines[at].strip():
        line = lines[at]
        at += 1
        if TABLE_BORDER.match(line):
            if header is None and rows and at < len(lines) and lines[at].strip():
                header, rows = rows[-1], rows[:-1]  # the border under the header row
                continue
            break
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], len(line)], strict=True)]  # as written
        if rows and not cells[0]:
            rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return _table(header, rows, inline), at


def grid(lines: list[str], at: int, inline: Callable[[str], str]) -> tuple[list[str], int]:
    """The grid table whose border is at `at` ("+-----+----+" over "| a   | b  |"), as `_simple_table`
    gives it, and where the text after it starts. A row's lines, between two borders, are joined
    cell by cell; a border of "=" sets off the header, and so does a first row all in bold. Its
    borders and rows had been one paragraph of "+----+" and "|"."""
    columns = [m.start() for m in re.finditer(r"\+", lines[at])]
    rows: list[list[str]] = []
    header: list[str] | None = None
    row: list[str] = []
    at += 1
    while at < len(lines) and lines[at].strip()[:1] in ("|", "+"):
        line = lines[at].ljust(columns[-1] + 1)
        at += 1
        if line.strip().startswith("+"):
            if row and any(row):
                rows.append(row)
            if "=" in line and header is None and len(rows) == 1:
                header, rows = rows[0], []
            row = []
            continue
        cells = _cells(line, columns)
        row = [f"{old} {new}".strip() for old, new in zip(row, cells, strict=True)] if row else cells
    if row and any(row):
        rows.append(row)
    if header is None and rows and all(BOLD.match(cell) for cell in rows[0] if cell):
        header, rows = [BOLD.sub(r"\g<text>", cell) for cell in rows[0]], rows[1:]
    return _table(header, rows, inline), at


DIRECTIVES = frozenset({"list-table", "csv-table"})  # the tables Sphinx's pages write as directives


def directive(name: str, lines: list[str], options: Mapping[str, str], inline: Callable[[str], str]) -> list[str]:
    """A table written as a directive (one of `DIRECTIVES`, reStructuredText's or MyST's), its body
    `lines` with their common indent dropped, as Markdown: `listed` or `delimited`, by its `options`."""
    return (listed if name == "list-table" else delimited)(lines, options, inline)


_BULLET = re.compile(r"(?P<indent>[ ]*)[*+-](?:[ ]+(?P<rest>.*))?$")  # "* - Day", "  - Hours", "-"


def listed(lines: list[str], options: Mapping[str, str], inline: Callable[[str], str]) -> list[str]:
    """A `.. list-table::`'s body (its common indent dropped) as Markdown: each item of the outer
    list a row, each item of its inner list a cell (`* - Day` over `  - Hours`), a cell's further
    lines joined to it; its `:header-rows:` the header."""
    rows: list[list[list[str]]] = []
    cell_indent: int | None = None  # where the cells' marks stand in the row being read
    for raw in lines:
        line = raw.expandtabs(4).rstrip()
        bullet = _BULLET.match(line)
        if bullet and indent_of(line) == 0:  # a row; "* - Day" holds its first cell too
            rows.append([])
            rest = bullet["rest"] or ""
            cell = _BULLET.match(rest)
            cell_indent = bullet.start("rest") if cell and bullet["rest"] else None
            if cell or rest:
                rows[-1].append([(cell["rest"] or "") if cell else rest])
        elif rows and bullet and cell_indent in (None, indent_of(line)):
            cell_indent = indent_of(line)
            rows[-1].append([bullet["rest"] or ""])
        elif rows and line.strip():  # a cell's further line: more of its text
            if not rows[-1]:
                rows[-1].append([])
            rows[-1][-1].append(line.strip())
    cells = [[" ".join(part for part in cell if part) for cell in row] for row in rows]
    return _headed(cells, _count(options.get("header-rows")), None, inline)


def delimited(lines: list[str], options: Mapping[str, str], inline: Callable[[str], str]) -> list[str]:
    """A `.. csv-table::`'s body (its common indent dropped) as Markdown, read as its options say:
    `:header:` (a row of its own, in CSV), `:header-rows:`, `:delim:` (a character, `tab` or
    `space`), `:quote:`, `:escape:`, and `:keepspace:`. A quoted cell may go on over lines, as
    docutils reads it: they are one text. A table kept in another file (`:file:`, `:url:`) has no
    body here, and gives nothing."""
    delim = options.get("delim") or ","
    delim = {"tab": "\t", "space": " ", "comma": ","}.get(delim, delim[0])
    quote, escape = (options.get("quote") or '"')[0], (options.get("escape") or "")[:1] or None

    def read(text: str) -> list[list[str]]:
        found = csv.reader(
            io.StringIO(text),
            delimiter=delim,
            quotechar=quote,
            escapechar=escape,
            skipinitialspace="keepspace" not in options,
        )
        return [[_LINE_BREAK.sub(" ", cell.strip()) for cell in row] for row in found if any(c.strip() for c in row)]

    try:
        rows = read("\n".join(lines))
        header = next(iter(read(options.get("header") or "")), None)  # `:header: "Day", "Hours"`
    except csv.Error:  # a quote never closed past the field limit, a delimiter CSV cannot take
        rows, header = [[line.strip()] for line in lines if line.strip()], None
    return _headed(rows, _count(options.get("header-rows")), header, inline)


_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")  # in a quoted cell: its lines are one text (it had ended the row)


def _count(value: str | None) -> int:
    """A directive's count (`:header-rows: 1`); 0 when it is none (`isdecimal`: "²" is a digit to
    `isdigit`, and `int` refused it with a traceback)."""
    return int(value) if value and value.strip().isdecimal() else 0


def _headed(
    rows: list[list[str]], header_rows: int, header: list[str] | None, inline: Callable[[str], str]
) -> list[str]:
    """A table's rows under its header: `header`, else its first `header_rows` rows, their cells
    joined column by column; every row as wide as the header (a row's cells past it go on its last)."""
    if header is None and header_rows and rows:
        heads, rows = rows[:header_rows], rows[header_rows:]
        width = max(map(len, heads))
        header = [" ".join(h[at] for h in heads if at < len(h) and h[at]) for at in range(width)]
    if header:
        width = len(header)
        rows = [[*row[: width - 1], " ".join(row[width - 1 :])] if len(row) > width else row for row in rows]
        rows = [row + [""] * (width - len(row)) for row in rows]
    return _table(header or None, [row for row in rows if any(row)], inline)


def _cells(line: str, columns: list[int]) -> list[str]:
    """A grid table's row line cut into its columns' cells: at the columns' borders where the line
    has a "|" (a cell that spans columns has none between them, and its text goes to its first
    column); a "|" elsewhere is the cell's text."""
    edges = [c for c in columns if line[c] in "|+"]
    end = len(line.rstrip()) - 1
    if line[end] == "|" and end not in edges:  # a row wider than its border: its text is kept
        edges = [e for e in edges if e < end] + [end]
    cells = dict.fromkeys(columns[:-1], "")
    for a, b in itertools.pairwise(edges):
        cells[a] = line[a + 1 : b].strip()
    return list(cells.values())


def _table(header: list[str] | None, rows: list[list[str]], inline: Callable[[str], str]) -> list[str]:
    """A table's rows as Markdown: a pipe table under its header, else a list of its rows, cells
    joined ("string (default): accepts any text"); each cell's markup read by `inline`."""
    rows = [[inline(cell).replace("|", "\\|") for cell in row] for row in rows]  # a cell's "|" is its text
    if header is not None:
        rule = "|" + "---|" * len(header)
        cells = [inline(cell).replace("|", "\\|") for cell in header]
        return ["| " + " | ".join(cells) + " |", rule, *("| " + " | ".join(r) + " |" for r in rows)]
    return ["- " + (": " if len(r) == 2 else ", ").join(c for c in r if c) for r in rows if any(r)]
