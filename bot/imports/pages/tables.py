"""A web page's tables as the page parser (`bot.imports.pages.parser`) reads them (`Table`): a table of
data is one paragraph of a sentence a row, each cell named by the header row; a table that lays out
the page is read as the blocks its cells hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.imports.blocks import row_sentence

MIN_LAID_OUT = 100  # characters of a cell's paragraphs parted by <br><br> that make a table a page's layout


@dataclass
class Table:
    """An HTML table being read: its rows of cell texts, which cells are headers (`<th>`, in order),
    the blocks its cells made, the cell open now, and whether it lays out the page instead.

    A table lays out the page when a cell holds blocks: paragraphs, lists, headings, a layout table,
    or prose of MIN_LAID_OUT characters parted by `<br><br>`, in a table without headers (an old club
    site's content cell beside its links: it was read as one row of data, the links first, its
    paragraphs run together). A cell of two short lines parted so, a name over an email address, is data.
    So is a cell of one paragraph in a table with header cells (Jekyll's docs write each cell's text in
    a `<p>` under "File / Directory" and "Description": laid out, "_config.yml" had been a passage of
    its own, apart from what the file is for); without header cells, a `<p>` in a cell lays it out,
    but in a grid of one `<p>` in every cell (`gridded`: Google Docs' tables)."""

    rows: list[list[tuple[str, bool]]] = field(default_factory=list)  # each cell's text, and whether a <th>
    cells: list[int] = field(default_factory=list)  # indexes of the blocks its cells made
    cell: str | None = None
    layout: bool = False  # a cell holds blocks
    paragraphs: set[tuple[int, int]] = field(default_factory=set)  # the cells (row, place) that hold a <p>
    parted: bool = False  # a <br><br> ended a paragraph of the open cell
    prose: list[tuple[int, int]] = field(default_factory=list)  # the cells (row, place) of paragraphs parted so

    def row(self) -> None:
        self.rows.append([])
        self.cell = None
        self.parted = False

    def open_cell(self, tag: str) -> None:
        if not self.rows:
            self.rows.append([])
        self.rows[-1].append(("", tag == "th"))
        self.cell = tag
        self.parted = False

    def first_paragraph(self) -> bool:
        """A `<p>` opens in the open cell: True when it is the cell's first."""
        at = (len(self.rows) - 1, len(self.rows[-1]) - 1)
        first = at not in self.paragraphs
        self.paragraphs.add(at)
        return first

    def part(self) -> None:
        """`<br><br>`: it parts paragraphs of the open cell when text stands before it and after it
        (not a cell's `<br>`s around one line)."""
        self.parted = self.cell is not None and bool(self.rows[-1][-1][0])

    def take(self, block: int, text: str) -> None:
        if self.parted:  # a second paragraph after <br><br>
            self.prose.append((len(self.rows) - 1, len(self.rows[-1]) - 1))
        self.cells.append(block)
        held, head = self.rows[-1][-1]
        self.rows[-1][-1] = (f"{held} {text}".strip(), head)

    def lays_out(self) -> bool:
        """Whether the table lays out the page (see the class): a cell holds blocks (a paragraph, in a
        table without a header cell), or, in such a table, a cell of paragraphs parted by `<br><br>` is
        MIN_LAID_OUT characters or more (a page's prose; a contact cell's name over its address is
        shorter). Comparing it with the cells beside it misread an old site's column of nine links as
        data of that length."""
        if self.layout:
            return True
        headed = any(head for row in self.rows for _, head in row)
        if self.paragraphs and not headed and not self.gridded():
            return True
        if not self.prose or headed:
            return False
        return any(len(self.rows[at][place][0]) >= MIN_LAID_OUT for at, place in self.prose)

    def gridded(self) -> bool:
        """Whether the table is a grid of one paragraph a cell: two rows or more, each of the same two
        cells or more, each cell's text in one `<p>`. Google Docs exports every table so, with no
        header cells: read as a layout, a school's lunch times were a passage a cell ("Grade",
        "11:00 - 11:30"). A page laid out by a table has a cell without a `<p>` (its column of links)
        or a row of another width."""
        rows = [row for row in self.rows if row]
        widths = {len(row) for row in rows}
        cells = {(at, place) for at, row in enumerate(self.rows) for place in range(len(row))}
        return len(rows) >= 2 and len(widths) == 1 and min(widths) >= 2 and cells == self.paragraphs

    def text(self, *, within: bool = False) -> str:
        """A sentence a row, cells named by the header row: the first row of headers (an empty corner
        cell allowed) as wide as the table, with rows under it; rows above it (a title spanning the
        columns) and every row of a table without one are sentences of their cells alone. `within` a
        cell of another table, the rows are parted by ";" ("Hours: Morning, 9-12; Afternoon, 14-18."):
        a nested table had made a passage of each cell of the table around it."""
        rows = [row for row in self.rows if any(text for text, _ in row)]
        wide = max(map(len, rows), default=0)
        heads = [
            at
            for at, row in enumerate(rows[:-1])
            if len(row) == wide and all(head or (place == 0 and not text) for place, (text, head) in enumerate(row))
        ]
        at = heads[0] if heads else len(rows)
        header = [text for text, _ in rows[at]] if heads else []
        above = [row_sentence([], [text for text, _ in row]) for row in rows[:at]]
        below = [row_sentence(header, [text for text, _ in row]) for row in rows[at + 1 :]]
        sentences = list(filter(None, above + below))
        return "; ".join(s.removesuffix(".") for s in sentences) if within else " ".join(sentences)
