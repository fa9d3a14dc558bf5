"""The parser of `kb import`'s web page reader (`PageParser`): the standard library's `html.parser`
collects a page's blocks, noting which are inside its main content, and its `<title>`; list items
are marked, a link keeps its address where a block has few, a box's title leads its text, a heading
loses its permalink, tables are read (`bot.imports.pages.tables`) and the site's chrome is left out
(`bot.imports.pages.chrome`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from bot.imports.blocks import LINKS_KEPT, Block, address_of, code_text, oneline, visible
from bot.imports.pages.chrome import (
    BLOCKS,
    HEADINGS,
    OWN_IN_MAIN,
    SKIPPED,
    VOID,
    Open,
    Skipped,
    is_box_title,
    is_chrome,
    is_main,
    is_permalink,
)
from bot.imports.pages.tables import Table


class PageParser(HTMLParser):
    """Collects a page's blocks (noting which are inside its main content) and `<title>`.

    An element left out is followed with what is open inside it (`Skipped`); the main content by
    its tag's depth: the end tag of the same name at the same depth closes it. An `<aside>` and a
    `<header>` are left out unless they stand inside the main content (a note of the article itself,
    the header of the article or of a section of it); of such a `<header>` only the headings are
    read (a post's date and author under its title, Jekyll's `post-meta`, had been a passage)."""

    def __init__(self, *, chrome: bool = True, spared: set[tuple[int, int]] | None = None, own: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        # A site's page as its repository holds it (front matter, a layout around it): its <header>
        # is the page's own ("Durham Convention Center, 301 W Morgan St" of a venue page), not the site's.
        self._own = own
        self.blocks: list[tuple[Block, bool]] = []  # each block, and whether it is in the main content
        self.title = ""
        self.swallowed: tuple[int, int] | None = None  # where an element left out by class, id or role
        # starts, when it was still open at the end of the page
        self._spared = spared or set()
        self._skip_at: tuple[int, int] | None = None
        self._chrome = chrome
        self._by_attributes = False  # the element being left out was chosen by class, id or role
        self._skip: Skipped | None = None  # the element being left out
        self._main: Open | None = None  # the main element we are in
        self._header: Open | None = None  # a <header> inside it: only its headings are read
        self._in_title = False
        self._heading = False
        self._heading_id = ""  # the id of the heading being read
        self._permalink: int | None = None  # where the text of a heading's permalink being read starts
        self._permalinks: list[tuple[int, int]] = []  # where the heading's permalinks' texts are
        self._level = 0
        self._text: list[str] = []
        self._tables: list[Table] = []  # the tables open, innermost last
        self._lists: list[_List] = []  # the lists open, innermost last
        self._item = ""  # the mark of the list item whose text is being read
        self._broken_at: int | None = None  # where the text after the last <br> starts, until the block ends
        self._pre = 0  # the <pre> elements open: their text is code, kept line by line
        self._link: tuple[str, int] | None = None  # the open link's href, and where its text starts
        self._links: list[tuple[int, str]] = []  # the block's addresses worth showing, and where they go
        self._linked = 0  # the links of the block, counted (any href: a wiki's are mostly on the site)
        self._box_title = False  # the block being read is a box's title (`is_box_title`)
        self._lead = ""  # a box's title read, leading the next paragraph
        self.unclosed_comment = 0  # the line of a comment never closed, which hides the rest of the page

    def content(self) -> list[Block]:
        """The blocks of the main content if the page marks one with text in it, else all of them."""
        inside = [block for block, main in self.blocks if main]
        return inside if any(not b.heading for b in inside) else [block for block, _ in self.blocks]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip is not None and self._skip.start(tag):
            self._skip = None  # its end tag was left out: this tag ends it
        if self._skip is not None:
            self._in_title = self._in_title or (tag == "title" and self._skip.tag == "head")
            return
        self._in_title = self._in_title or (tag == "title" and not self.blocks)
        named = {key: value or "" for key, value in attrs}
        by_attributes = self._chrome and tag not in VOID and tag != "body"
        by_attributes = by_attributes and is_chrome(tag, named, in_main=self._main is not None)
        by_attributes = by_attributes and self.getpos() not in self._spared
        skipped = tag in SKIPPED and not (tag in OWN_IN_MAIN and self._main is not None)
        skipped = skipped and not (tag == "header" and self._own)
        if skipped or by_attributes:
            if tag in BLOCKS:  # a citation mark (<sup>) leaves its sentence whole
                self._flush()
            self._skip = Skipped(tag, [])
            self._by_attributes = by_attributes and tag not in SKIPPED
            self._skip_at = self.getpos()
            return
        if self._header is not None:
            self._header.enter(tag)
        elif tag == "header" and self._main is not None and not self._own:
            self._header = Open(tag)
        if self._main is not None:
            self._main.enter(tag)
        elif tag not in VOID and is_main(tag, named):
            self._flush()
            self._main = Open(tag)
        if tag == "a" and "href" in named:
            self._link = (named["href"], len(self._text))
        if tag == "a" and self._heading and is_permalink(named, self._heading_id):
            self._permalink = len(self._text)
        if tag == "br":
            self._line_break()
        elif tag in BLOCKS:
            self._flush()
            self._box_title = is_box_title(named)
            # Google Docs' title, which it exports as no <title> but `<p class="c3 title">`, is an <h1>
            titled = tag == "p" and "title" in named.get("class", "").split()
            self._heading = tag in HEADINGS or titled
            self._heading_id = named.get("id", "") if self._heading else ""
            self._level = 1 if titled else int(tag[1]) if re.fullmatch(r"h[1-6]", tag) else 6  # dt, summary: deepest
            self._table_start(tag)
            self._list_start(tag, named)
            self._pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip is None and tag == "br":
            self._line_break()
        elif self._skip is None and tag in BLOCKS:
            self._flush()

    def _line_break(self) -> None:
        """`<br>`: the lines of an address or of opening hours read on as one paragraph (each was a
        passage of its own, "Opening hours" one of them); two in a row end the paragraph, as pages
        that separate paragraphs so mean."""
        if self._broken_at is not None and not "".join(self._text[self._broken_at :]).strip():
            self._flush()
            if self._tables:
                self._tables[-1].part()
            return
        self._text.append(" ")
        self._broken_at = len(self._text)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._skip is not None:
            ended = self._skip.end(tag)
            own = ended and tag == self._skip.tag
            if not ended:
                return
            self._skip = None
            if own:
                return  # else a parent's end: it also ends whatever holds the skipped element
        if tag == "a" and self._link is not None:
            self._link_end(*self._link)
        if tag == "a" and self._permalink is not None:
            self._permalinks.append((self._permalink, len(self._text)))
            self._permalink = None
        if tag in BLOCKS:
            self._flush()
            self._pre -= tag == "pre" and self._pre > 0
            self._heading = False
            self._table_end(tag)
            if tag in ("ul", "ol") and self._lists:
                self._lists.pop()
            if tag in ("li", "ul", "ol"):
                self._item = ""  # an item without text (an image) gives its mark to nothing after it
        if self._header is not None and self._header.leave(tag):
            self._header = None
        if self._main is not None and self._main.leave(tag):
            self._flush()
            self._main = self._header = None

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        """`<![if ...]>` and `<![CDATA[...]]>` as the standard parser reads them; any other `<![`
        (`<![ if`, `<![]]>`), which it fails on with an AssertionError, is skipped to its `>`, as
        browsers skip it."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1

    def parse_comment(self, i: int, report: bool = True) -> int:
        """A comment read as HTML5 (and browsers) read it: `<!-->` and `<!--->` are empty comments,
        and `--!>` ends one as `-->` does (Python 3.11's parser looked for `--` and `>` only, and
        read the page after `<!-->` as a comment never closed). A comment never closed (`<!--` and
        no end) hides the rest of the page, as browsers hide it: Python 3.11's parser read it as
        text up to the next `>`, and the tags after it as the page ("<!-- unclosed comment <h2>X"
        was a passage)."""
        rawdata = self.rawdata
        abrupt = _ABRUPT_COMMENT_END.match(rawdata, i + 4)
        found = abrupt or _COMMENT_END.search(rawdata, i + 4)
        if found is None:
            self.unclosed_comment = self.unclosed_comment or self.getpos()[0]
            return len(rawdata)  # the page is fed whole: no more will come
        if report:
            self.handle_comment(rawdata[i + 4 : found.start()])
        return found.end()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = oneline(self.title + " " + data)
        elif self._skip is None and (self._header is None or self._heading):
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()
        self.swallowed = self._skip_at if self._skip is not None and self._by_attributes else None

    def _without_permalinks(self) -> None:
        """The heading's text without its permalinks, unless one holds all of it: mdBook links each
        heading's whole text to the heading itself, and that link is the heading."""
        inside = {at for start, end in self._permalinks for at in range(start, end)}
        if oneline(visible("".join(part for at, part in enumerate(self._text) if at not in inside))):
            for at in inside:
                self._text[at] = ""

    def _link_end(self, href: str, start: int) -> None:
        """A link's end: the place for its address (`address_of`), filled when the block ends with few links."""
        self._link = None
        self._linked += 1
        inside = start <= len(self._text) and not self._pre  # code is kept as written
        address = address_of("".join(self._text[start:]), href) if inside else ""
        if address:
            self._links.append((len(self._text), f" ({address})"))
            self._text.append("")  # the address's place, filled if the block has few links

    def _flush(self) -> None:
        if not self._heading and self._linked <= LINKS_KEPT:  # a wiki's prose of cross-references: text only
            for at, address in self._links:
                self._text[at] = address
        self._links.clear()
        self._linked = 0
        self._link = None
        if self._heading:
            self._without_permalinks()
        self._permalink = None
        self._permalinks.clear()
        code = bool(self._pre) and not self._heading
        text = code_text("".join(self._text)) if code else oneline("".join(self._text))
        self._text.clear()
        self._broken_at = None
        titled, self._box_title = self._box_title, False
        if text and titled and not self._heading and not code and len(text) <= MAX_BOX_TITLE:
            self._lead = text.rstrip(":")
            return
        if text and self._lead:  # the box's title leads its first paragraph (a heading or code: it is dropped)
            lead, self._lead = self._lead, ""
            text = text if self._heading or code else f"{lead[:1].upper()}{lead[1:]}: {text}"
        if self._item == _WORD_ITEM:  # (an empty one marks nothing after it)
            text, self._item = word_item(text) if text else (text, "")
        if text:
            item = "" if self._heading or code else self._item
            block = Block(text, self._heading, self._level if self._heading else 0, item, code)
            self._item = ""
            table = self._tables[-1] if self._tables else None
            if table is not None and table.cell is not None and not self._heading:
                table.take(len(self.blocks), text)
            self.blocks.append((block, self._main is not None))

    def _list_start(self, tag: str, named: dict[str, str]) -> None:
        """Follow lists, so that each item's text is marked as an item ("•", or its number)."""
        if tag in ("ul", "ol"):
            start = _OL_START.fullmatch(named.get("start", "").strip()) if tag == "ol" else None
            self._lists.append(_List(numbered=tag == "ol", next=int(start.group()) if start else 1))
        elif tag == "li":
            listed = self._lists[-1] if self._lists else _List(numbered=False)
            self._item = f"{listed.next}." if listed.numbered else "•"
            listed.next += 1
        elif tag == "p" and any(word.startswith("MsoListParagraph") for word in named.get("class", "").split()):
            self._item = _WORD_ITEM  # Word's list item: its mark is the start of its text (`_flush`)

    def _table_start(self, tag: str) -> None:
        """Follow tables: their rows and cells, and whether a cell holds blocks (a table for layout)."""
        table = self._tables[-1] if self._tables else None
        if tag == "table":  # a table in a cell is read in it (`_table_end`), unless it lays out the page
            self._tables.append(Table())
        elif table is not None and tag == "tr":
            table.row()
        elif table is not None and tag in ("td", "th"):
            table.open_cell(tag)
        elif table is not None and table.cell is not None and tag not in ("br", "hr", "div"):
            # a paragraph, list or heading in a cell: not a table of data (but see `Table`: a cell's one <p>)
            table.layout = table.layout or not (tag == "p" and table.first_paragraph())
        # (a <div> in a cell holds a line of it: "<div>People paying their own way</div><div>...": a
        # price table whose "Who?" cells held two was cut into 44 passages of one cell each)

    def _table_end(self, tag: str) -> None:
        """At a table's end, its cells (a data table's) become one paragraph of a sentence a row."""
        table = self._tables[-1] if self._tables else None
        if table is None:
            return
        if tag in ("td", "th", "tr"):
            table.cell = None
        elif tag == "table":
            self._tables.pop()
            outer = self._tables[-1] if self._tables and self._tables[-1].cell is not None else None
            layout = table.lays_out()
            if layout and outer is not None:
                outer.layout = True  # a cell holding a layout's blocks lays out the page too
            if not layout and table.cells:
                first, made = table.cells[0], set(table.cells)
                main = self.blocks[first][1]
                self.blocks[first:] = [b for at, b in enumerate(self.blocks[first:], first) if at not in made]
                made_text = table.text()
                if made_text and outer is not None:  # a table of data in a cell of another: that cell's text
                    outer.take(len(self.blocks), table.text(within=True))
                if made_text:
                    self.blocks.append((Block(made_text), main))


# A comment's end as HTML5 reads it: "-->" or "--!>"; right after "<!--", ">" and "->" end an empty one.
_COMMENT_END = re.compile(r"--!?>")
_ABRUPT_COMMENT_END = re.compile(r"-?>")

MAX_BOX_TITLE = 80  # characters: a longer "title" is text of its own

# Word's "Save as Web Page" writes a list's item as a paragraph (`class=MsoListParagraphCxSpFirst`) that
# begins with its bullet (Symbol's "·", Wingdings' "§" or "Ø", Courier's "o") or its number, then spaces:
# each item had been a passage of its own, "· Each booking is for one hour." alone.
_WORD_ITEM = "\0word"
_WORD_MARK = re.compile(r"(?:[·•§Øo▪■□◦\-–]|\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)])\s+(?=\S)")


def word_item(text: str) -> tuple[str, str]:
    """A Word list paragraph's text and its item's mark ("•", or "2." as numbered), or its text and ""
    when it begins with no mark (a paragraph Word styled as a list's)."""
    mark = _WORD_MARK.match(text)
    if mark is None:
        return text, ""
    shown = mark.group().strip()
    return text[mark.end() :], shown if shown[0].isalnum() or shown[0] == "(" else "•"


_OL_START = re.compile(r"[+-]?[0-9]{1,6}")  # ASCII digits: "²" is a digit to str.isdigit, not to int()


@dataclass
class _List:
    """A list being read: numbered (`<ol>`) or not, and the number its next item gets (an
    `<ol reversed>` is numbered upwards too: its items stay one list)."""

    numbered: bool
    next: int = 1
