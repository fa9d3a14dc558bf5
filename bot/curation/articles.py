"""Reading an article for `kb import`: plain text, Markdown or a saved HTML page, as headings and
paragraphs of plain text.

`read` checks the file first and raises `FileError` naming it: missing, a folder, binary (NUL
bytes, or not UTF-8), empty. A byte-order mark is dropped. The format comes from the name
(`.md`, `.html`), or from the text when it starts like an HTML page.
"""

from __future__ import annotations

import html
import itertools
import re
import textwrap
import tomllib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

from bot.curation import restructured
from bot.search.text import split_sentences
from bot.yamlfiles import FileError, read_bytes

MAX_ARTICLE_BYTES = 16 * 1024 * 1024  # a saved web page is a few megabytes at most
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
RST_SUFFIXES = {".rst", ".rest"}

# Heading patterns take the rest of the line whole; what closes it (trailing "#" or "=" marks,
# spaces) is cut off in `_md_heading` and `_marked_title`: a pattern that weighed every way to
# split a long run of spaces took minutes on one line.
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>\S.*)$")
_NUMBERED_HEADING = re.compile(r"^\s*\d{1,2}[.)]\s+(?P<title>\S.*)$")
_MD_ITEM = re.compile(r"^\s*(?:[-*+]|(?P<number>\d{1,3})[.)])\s+(?P<rest>.*)$")
_MD_SETEXT = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
_MD_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def _fence_after(line: str, fenced: str) -> str:
    """The fence open after `line`, given the one open before it ("" outside code): a fence opens a
    block of code, and only a fence of its own mark, as long or longer and with nothing after it,
    closes it; a shorter one inside ("```python" in a "````" block) is code."""
    found = _MD_FENCE.match(line)
    if found is None:
        return fenced
    mark = found.group(1)
    if not fenced:
        return mark
    closes = mark[0] == fenced[0] and len(mark) >= len(fenced) and not line[found.end() :].strip()
    return "" if closes else fenced


_MD_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S")
# A footnote: written "[^1]: ..." (GitHub's), or a paragraph that begins with its anchor
# ('<a name="1"><sup>1</sup></a> ...', Homebrew's); cited "[^1]" or "<sup>[1](#1)</sup>".
# (An anchor that holds no <sup> is a place to link to, not a note: its paragraph stays where it is.)
_NOTE = re.compile(
    r"^\s{0,3}(?:\[\^([^\]\s]{1,32})\]:\s*"
    r"|<a\b[^<>]{0,200}?\b(?:name|id)=[\"']?([\w.-]{1,32})[\"']?[^<>]{0,200}>\s*<sup>[^<>]{0,32}</sup>\s*</a>\s*)"
)
_NOTE_MARK = re.compile(r"\[\^([^\]\s]{1,32})\]|<sup>\s*\[[^\]]{0,32}\]\(#([\w.-]{1,32})\)\s*</sup>")
_MD_ATTRIBUTES = re.compile(r"^\s{0,3}\{:[^{}]*\}\s*$")  # kramdown's attribute list: {:toc}, {: .note}
_MD_TOC = re.compile(r"^\s{0,3}\{:\s*toc\s*\}\s*$")
# An attribute list inside a line ("## Setup {#setup}", "Text {: .note}"), not "{:ok, pid}".
_MD_INLINE_ATTRIBUTES = re.compile(r"\{:\s*(?:toc|[.#][\w-]+|[\w-]+=)[^{}]{0,200}\}|\{#[\w-]{1,64}\}")
_MD_HIGHLIGHT = re.compile(r"^\s{0,3}\{%-?\s*(?:end)?highlight\b[^%]{0,100}-?%\}\s*$")  # Jekyll's code: a fence
_MD_LIQUID = re.compile(r"^\s{0,3}\{%.*%\}\s*$")  # a site template's tag line: {% include note.html %}
_WIKI_HEADING = re.compile(r"^\s*(?P<marks>={1,6})(?P<title>[^=].*)$")  # == History ==
_MD_BOLD_LINE = re.compile(r"^(\*\*|__)(?P<title>[^*_].*?)\1$")


@dataclass(frozen=True)
class Block:
    """A heading, a paragraph or a list item, in plain text."""

    text: str
    heading: bool = False
    level: int = 0  # a heading's level, 1-6, where the format gives one
    item: str = ""  # a list item's mark as it is printed ("•", or "2." in a numbered list); "" else
    code: bool = False  # lines of code (a fenced block, `<pre>`), kept as written, line by line


@dataclass(frozen=True)
class Article:
    """An article's blocks in order, and its title when the format names one apart (`<title>`)."""

    blocks: tuple[Block, ...]
    title: str | None = None


def read(path: Path) -> Article:
    """The article in the file at `path`; raises FileError naming the file."""
    text = read_text(path)
    if path.suffix.lower() in HTML_SUFFIXES or re.match(r"\s*<(!doctype html|html)\b", text, re.IGNORECASE):
        try:
            return from_html(text)
        except AssertionError as exc:  # the standard library's parser gives up on some markup this way
            raise FileError(path, f"cannot be read as a web page ({exc})") from None
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        return from_markdown(text)
    if path.suffix.lower() in RST_SUFFIXES:
        return from_markdown(restructured.to_markdown(text))
    return from_text(text)


def read_text(path: Path) -> str:
    """The file's text without a byte-order mark; FileError when it is not a text file with content."""
    if path.is_dir():
        raise FileError(path, "is a folder; give an article file (.txt, .md or .html)")
    if not path.exists():
        raise FileError(path, "file not found")
    data = read_bytes(path, MAX_ARTICLE_BYTES)  # a FIFO, a device or a file past the limit is refused unread
    kind = _document_kind(path, data)
    if kind is not None:
        raise FileError(path, f"{kind}, not a text article; save it as plain text, Markdown or a web page (HTML) first")
    if b"\x00" in data:
        raise FileError(path, "a binary file (it holds NUL bytes), not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(path, f"not UTF-8 text (byte {exc.start}); save it as UTF-8 first") from None
    if not text.strip():
        raise FileError(path, "the file is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Documents people save articles in that are not text, by how their bytes begin.
_DOCUMENTS = (
    (b"%PDF-", "a PDF document"),
    (b"{\\rtf", "an RTF document"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
)
_ZIPPED = {".docx": "a Word document", ".odt": "an OpenDocument text", ".epub": "an e-book (EPUB)",
           ".pptx": "a PowerPoint file", ".xlsx": "an Excel file", ".pages": "a Pages document"}  # fmt: skip


def _document_kind(path: Path, data: bytes) -> str | None:
    """What kind of document a file that is not text is (a PDF, a Word document, ...), or None."""
    for start, kind in _DOCUMENTS:
        if data.startswith(start):
            return kind
    if data.startswith(b"PK\x03\x04"):
        return _ZIPPED.get(path.suffix.lower(), "a ZIP archive")
    return None


def from_text(text: str) -> Article:
    """Plain text: blocks between blank lines; a one-line block that reads as a heading is one.

    A block whose lines are paragraphs of their own (text saved one paragraph a line, as many
    editors and exports write it; see `_line_blocks`) is read line by line; any other block is one
    paragraph, its lines joined (text wrapped at a fixed width, or written one sentence a line).
    A block whose first line is one question, with more under it, is a FAQ's entry: the question
    heads the answer under it, one paragraph ("Can I invite a friend?" over "Yes, guests may join
    two hikes.")."""
    blocks: list[Block] = []
    for raw in re.split(r"\n\s*\n", text):
        if not raw.strip():
            continue
        heading = heading_of(raw)
        if heading is not None:
            blocks.append(Block(heading, True))
        elif listed := _list_blocks(raw):
            blocks.extend(listed)
        elif lined := _line_blocks(raw):
            blocks.extend(lined)
        elif (question := _question_over_answer(raw)) is not None:
            blocks.extend([Block(question[0], True), Block(_oneline(question[1]))])
        else:
            blocks.append(Block(_oneline(raw)))
    return Article(tuple(blocks))


def _list_blocks(raw: str) -> list[Block]:
    """A block that is a list ("- Tea" / "2. Pay at the desk", a line each, a wrapped item's
    further lines indented), perhaps under a line that opens it ("We serve:"), as that line and
    its items; [] for any other block."""
    lines = [line.rstrip() for line in raw.strip("\n").splitlines() if line.strip()]
    found: list[Block] = []
    if lines and not _LIST_ITEM.match(lines[0].strip()) and lines[0].rstrip().endswith(":"):
        found.append(Block(_oneline(lines.pop(0))))
    items: list[list[str]] = []
    for line in lines:
        if _LIST_ITEM.match(line.strip()):
            items.append([line.strip()])
        elif items and line[:1].isspace():
            items[-1].append(line)
        else:
            return []
    if not items:
        return []
    return [*found, *(_item_block(_oneline(" ".join(item))) for item in items)]


def _item_block(line: str) -> Block:
    """A list item's line ("- Tea", "2) Pay") as a block marked as an item."""
    mark, _, rest = line.partition(" ")
    return Block(rest.strip(), item=f"{mark[:-1]}." if mark[:1].isdigit() else "•")


def _question_over_answer(raw: str) -> tuple[str, str] | None:
    """A block's first line, when it is one question (a heading of its own) with text under it, and
    the rest; else None. (Asked of a block that is not paragraph lines, `_line_blocks`.)"""
    first, _, rest = raw.strip().partition("\n")
    first = first.strip()
    single = first.endswith("?") and len(split_sentences(first)) == 1 and not _LIST_ITEM.match(first)
    if not single or not rest.strip() or heading_of(first) is None:
        return None
    return first, rest


# A line that ends a sentence (. ! ? … or the colon that opens a list), perhaps inside closing
# quotes or brackets, perhaps followed by citation marks ("... in 1898.[4]").
_ENDS_SENTENCE = re.compile(r"[.!?…:][\"”’')\]]*(?:\[\w{1,4}\])*$")
_LIST_ITEM = re.compile(r"^(?:[-*+•]|\d{1,3}[.)])\s")
LINE_ENDS_SHARE = 0.8  # of a block's lines that must end a sentence for each to be a paragraph
WRAP_WIDTH = 100  # text wrapped at a fixed width has no longer lines


def _line_blocks(raw: str) -> list[Block]:
    """The block's lines as headings and paragraphs when they are paragraphs of their own, else [].

    They are when nearly all lines (`LINE_ENDS_SHARE`) end a sentence (all of them when no line
    is longer than `WRAP_WIDTH`: text wrapped at a fixed width has none), and most hold two
    sentences or more; or, with headings among them (`_line_headings`), when a quarter hold two
    or more, or when two or more and a quarter of the lines are headings (a FAQ saved a question
    a line, each answer on the line under it). Text wrapped at a fixed width breaks its lines
    inside sentences; text written one sentence a line holds one a line."""
    lines = [line.strip() for line in raw.strip().splitlines() if line.strip()]
    if len(lines) < 2:
        return []
    heads = _line_headings(lines)
    asked = sum(head is not None and line.endswith("?") for line, head in zip(lines, heads, strict=True))
    answers = [line for line, head in zip(lines, heads, strict=True) if head is None]
    whole = all(_ENDS_SENTENCE.search(line) or len(line.split()) <= 3 for line in answers)  # "No", "Yes, free"
    if asked >= 2 and asked * 4 >= len(lines) and whole:  # a FAQ a question a line, not wrapped text
        return _blocks_of(lines, heads)
    body = [line for line, head in zip(lines, heads, strict=True) if head is None]
    ending = [bool(_ENDS_SENTENCE.search(line)) for line in lines]
    body_ending = sum(ends for ends, head in zip(ending, heads, strict=True) if head is None)
    if not body or body_ending < LINE_ENDS_SHARE * len(body):
        return []
    if max(map(len, lines)) <= WRAP_WIDTH and body_ending < len(body):
        return []
    several = sum(len(split_sentences(line)) >= 2 for line in body)
    titled = sum(head is not None for head in heads)
    paragraphs = several * 2 > len(body) or (titled > 0 and several * 4 >= len(body))
    faq = titled >= 2 and titled * 4 >= len(lines)
    if not (paragraphs or faq):
        return []
    return _blocks_of(lines, heads)


def _blocks_of(lines: list[str], heads: list[str | None]) -> list[Block]:
    return [
        Block(_oneline(line)) if head is None else Block(head, True) for line, head in zip(lines, heads, strict=True)
    ]


def _line_headings(lines: list[str]) -> list[str | None]:
    """Which lines of a block read as headings among paragraph lines: one that reads as a heading
    (`heading_of`) and is less than half as long as the longest line, or one question on its own;
    never a list item, the last line, or the line under a question: a heading with nothing under
    it, or right under a question, is text (a short answer: "No")."""
    widest = max(map(len, lines))
    heads = [
        None
        if _LIST_ITEM.match(line)
        else heading_of(line)
        if len(line) < widest / 2 or (line.endswith("?") and len(split_sentences(line)) == 1)
        else None
        for line in lines
    ]
    heads[-1] = None
    for at in range(1, len(heads)):
        if lines[at - 1].endswith("?") and heads[at - 1] is not None:
            heads[at] = None
    return heads


def heading_of(block: str) -> str | None:
    """The heading a one-line block stands for (or a line underlined with === or ---), or None for a paragraph."""
    lines = block.strip().splitlines()
    if len(lines) == 2 and _MD_SETEXT.match(lines[1]) and lines[0].strip():
        return lines[0].strip()
    if len(lines) != 1:
        return None
    line = lines[0]
    title = _marked_title(line)
    if title is not None:
        return title
    if len(line) <= 100 and not re.search(r"[.!:;,][\"”’')\]]*$", line.strip()):
        return line.strip()  # a short line without closing punctuation reads as a heading
    return None


def _without_comments(text: str) -> str:
    """`text` without its HTML comments (`<!-- ... -->`); a `<!--` never closed stays as written
    (it may be text: "comments start with `<!--`"). A pattern would search every opening for its
    end: quadratic on many openings."""
    kept: list[str] = []
    at = 0
    while (start := text.find("<!--", at)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        kept.append(text[at:start])
        at = end + 3
    kept.append(text[at:])
    return "".join(kept)


def _md_heading(line: str) -> str | None:
    """The title of a `#` heading line, without the `#` marks that may close it; None for another line."""
    match = _MD_HEADING.match(line)
    if match is None:
        return None
    title = match.group("title").rstrip()
    bare = title.rstrip("#")
    if bare != title and (not bare or bare[-1] in " \t"):  # "## Title ##"; "## C#" keeps its mark
        title = bare.rstrip() or title
    return title


def _marked_title(line: str) -> str | None:
    """The title of a line marked as a heading: `# Title`, `== Title ==` or `2. Title` (3 to 120
    characters), else None."""
    title = _md_heading(line)
    if title is not None:
        return title
    if wiki := _WIKI_HEADING.match(line):
        marks, rest = wiki.group("marks"), wiki.group("title").rstrip()
        inner = rest[: -len(marks)] if rest.endswith(marks) else ""
        if inner.strip() and not inner.endswith("="):
            return inner.strip()
    if numbered := _NUMBERED_HEADING.match(line):
        title = numbered.group("title").rstrip()
        if 3 <= len(title) <= 120:
            return title
    return None


def from_markdown(text: str) -> Article:
    """Markdown: `#` and underlined headings, paragraphs and list items, markup made plain text.
    Fenced code, and code indented four spaces, is kept line by line as a block of code; link
    definitions and HTML comments are left out; a short line all in bold is a heading; a footnote
    ends the section that cites it (`_with_notes`).
    Front matter (the `---` YAML or `+++` TOML block that static-site pages begin with) is left
    out too, and its `title` is the article's. A pipe table is a paragraph of a sentence a row
    (`_tables_read`)."""
    title, text = front_matter(text)
    lines = [_MD_HIGHLIGHT.sub("```", line) for line in _without_comments(text).split("\n")]
    defined = frozenset(next(filter(None, found.groups())) for found in map(_NOTE.match, lines) if found)
    reader = _MarkdownReader(defined)
    for line in _tables_read(lines):
        reader.read(line)
    return Article(tuple(b for b in reader.finish() if b.text), title)


class _MarkdownReader:
    """Markdown read a line at a time (`from_markdown`): the blocks so far and what is open."""

    def __init__(self, defined: frozenset[str]):
        self.blocks: list[Block] = []
        self.lines: list[str] = []  # the paragraph or list item being read
        self.mark = ""  # its list mark
        self.fenced = ""  # the fence of the block of code being read ("```", "~~~~"), "" outside one
        self.code: list[str] = []  # the lines of the fenced block being read
        self.indented: list[str] = []  # the lines of the indented block of code being read
        self.indent = 0  # how far that block is indented: its lines are indented as far
        self.defined = defined  # the marks of the footnotes the page writes
        self.notes: dict[str, Block] = {}  # a footnote's mark -> its text
        self.cited: dict[str, int] = {}  # a footnote's mark -> where the first block that cites it is
        self.noting = ""  # the footnote being read: its mark
        self.noted = ""  # the footnote read last, which a paragraph indented under it goes on

    def read(self, line: str) -> None:
        if self.indented and (not line.strip() or _indent(line) >= self.indent):
            self.indented.append(line)
            return
        if self.indented:
            self._add(Block(code_text("\n".join(self.indented)), code=True))
            self.indented.clear()
        was, self.fenced = self.fenced, _fence_after(line, self.fenced)
        if was and self.fenced:
            self.code.append(line)
        elif was:
            self._add(Block(code_text("\n".join(self.code)), code=True))
            self.code.clear()
        elif self.fenced:
            self.flush()
        elif not self.lines and line.strip() and self.noted and _indent(line) >= 4:
            self.noting = self.noted  # a footnote's next paragraph
            self.lines.append(line.strip())
        elif not self.lines and line.strip() and _indent(line) >= self._code_indent():
            self.indent = self._code_indent()
            self.indented.append(line)
        elif note := _NOTE.match(line):
            self.flush()
            self.noting = next(filter(None, note.groups()))
            self.lines.append(line[note.end() :])
        elif _MD_REFERENCE.match(line) or _MD_LIQUID.match(line):
            return
        elif _MD_ATTRIBUTES.match(line):
            if _MD_TOC.match(line):  # kramdown's "{:toc}" stands for the list item above it
                self.lines.clear()
                self.mark = ""
        elif (heading := _md_heading(line)) is not None:
            self.flush()
            self._cite(heading)
            level = len(line.lstrip()) - len(line.lstrip().lstrip("#"))
            self._add(Block(inline_markdown(heading, addresses=False, notes=self.defined), True, level))
        elif len(self.lines) == 1 and _MD_SETEXT.match(line):
            heading = self.lines.pop()
            self._cite(heading)
            self._add(
                Block(inline_markdown(heading, addresses=False, notes=self.defined), True, 1 if "=" in line else 2)
            )
            self.mark = ""  # an item read as a heading ("- Tea" over "---") leaves its mark to nothing
        elif not line.strip() or _MD_SETEXT.match(line):  # a blank line, or a rule
            self.flush()
        elif item := _MD_ITEM.match(line):
            self.flush()
            self.mark = f"{item.group('number')}." if item.group("number") else "•"
            self.lines.append(item.group("rest"))
        else:
            self.lines.append(re.sub(r"^\s{0,3}(>\s?)+", "", line))

    def _code_indent(self) -> int:
        """How far a line must be indented to open a block of code: four spaces, and four more than
        a list item's text under one (the last block that is not code is an item)."""
        last = next((b for b in reversed(self.blocks) if not b.code), None)
        return 8 if last is not None and last.item else 4

    def _cite(self, raw: str) -> None:
        """Note where the footnotes `raw` cites are cited first: at the block it is about to be."""
        for found in _NOTE_MARK.findall(raw):
            name = next(filter(None, found))
            if name in self.defined:
                self.cited.setdefault(name, len(self.blocks))

    def _add(self, block: Block) -> None:
        self.noted = ""
        if block.text:
            self.blocks.append(block)

    def flush(self) -> None:
        """The paragraph or list item being read, ended."""
        if self.lines:
            raw = " ".join(self.lines)
            self._cite(raw)
            plain = inline_markdown(raw, notes=self.defined)
            bold = _MD_BOLD_LINE.match(raw.strip()) if _headline(raw) else None
            if plain and self.noting:
                before = self.notes.get(self.noting)
                self.notes[self.noting] = Block(f"{before.text} {plain}" if before else plain)
                self.noted = self.noting
            elif plain and bold:
                self._add(Block(inline_markdown(bold.group("title"), addresses=False), True))
            elif plain:
                self._add(Block(plain, item=self.mark))
            self.lines.clear()
        self.mark = self.noting = ""

    def finish(self) -> list[Block]:
        """The blocks read, with what was left open ended and the footnotes in place."""
        self.flush()
        if self.fenced:  # a fence left open runs to the end
            self._add(Block(code_text("\n".join(self.code)), code=True))
        if self.indented:
            self._add(Block(code_text("\n".join(self.indented)), code=True))
        return _with_notes(self.blocks, self.notes, self.cited)


def _with_notes(blocks: list[Block], notes: dict[str, Block], cited: dict[str, int]) -> list[Block]:
    """`blocks` with each footnote at the end of the section that first cites it: the notes at a
    page's foot were passages of its last section ("2 macOS 14 (Sonoma) or higher is best", cited
    under "Uninstallation" though the requirements cite it). A note nothing cites stays at the end.
    One pass back over the blocks finds where each section ends."""
    ends = [len(blocks)] * (len(blocks) + 1)  # for each block, where the next heading after it is
    for at in range(len(blocks) - 1, 0, -1):
        ends[at - 1] = at if blocks[at].heading else ends[at]
    placed: dict[int, list[Block]] = {}
    for name, note in notes.items():
        placed.setdefault(ends[cited[name]] if name in cited else len(blocks), []).append(note)
    found: list[Block] = []
    for at, block in enumerate([*blocks, None]):
        found.extend(placed.get(at, ()))
        if block is not None:
            found.append(block)
    return found


MAX_BOLD_HEADING = 100  # characters of a line all in bold that is a heading; longer, it is a paragraph


def _headline(text: str) -> bool:
    """True when a line all in bold can be a heading: short, one sentence at most. A bold note of
    three sentences ("**Note: From v3.3.0 onward, ...**") became a section cut off at 80 characters."""
    return len(text.strip()) <= MAX_BOLD_HEADING and not re.search(r"[.!?]\s+\S", text.strip())


def _indent(line: str) -> int:
    """How far `line` is indented, a tab reaching the next multiple of four."""
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


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


def _row_sentence(header: list[str], cells: list[str]) -> str:
    """A table row as a sentence, each cell named by its column's header: "Day: Monday, Hours: 9-17."
    (an empty cell left out; a cell without a header as it is); "" for a row of empty cells."""
    named = [
        f"{name}: {cell}" if name else cell
        for name, cell in itertools.zip_longest(header[: len(cells)], cells, fillvalue="")
        if cell
    ]
    sentence = ", ".join(named)
    return sentence if not sentence or sentence[-1] in ".!?" else sentence + "."


def _starts_block(line: str) -> bool:
    """A line that begins something else than a table row: a heading, a fence, a list item, a quote, a rule."""
    return bool(
        _MD_HEADING.match(line) or _MD_FENCE.match(line) or _MD_ITEM.match(line) or _MD_SETEXT.match(line)
    ) or line.lstrip().startswith(">")


def _tables_read(lines: list[str]) -> list[str]:
    """The lines with each pipe table (a header row, its rule, the rows under it) made one
    paragraph of a sentence a row, each cell named by its column: `| Monday | 9-17 |` under
    `| Day | Hours |` reads "Day: Monday, Hours: 9-17." (so a question that names the column finds
    the row, and the reply reads as text, not as pipes and dashes)."""
    out: list[str] = []
    at = 0
    fenced = ""  # code is kept as written, pipes and all
    while at < len(lines):
        was, fenced = fenced, _fence_after(lines[at], fenced)
        if not was and not fenced and "|" in lines[at] and at + 1 < len(lines) and _is_table_rule(lines[at + 1]):
            header = _cells(lines[at])
            at += 2
            sentences = []
            while at < len(lines) and "|" in lines[at] and lines[at].strip() and not _starts_block(lines[at]):
                sentences.append(_row_sentence(header, _cells(lines[at])))
                at += 1
            out += ["", " ".join(filter(None, sentences)) or _row_sentence([], header), ""]
        else:
            out.append(lines[at])
            at += 1
    return out


_FRONT = re.compile(r"\A(?P<fence>---|\+\+\+)[ \t]*\n(?P<body>.*?)\n(?P=fence)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*[:=]")
MAX_FRONT_MATTER = 64 * 1024  # characters; a longer block at the top is no front matter


def front_matter(text: str) -> tuple[str | None, str]:
    """The title of a page's front matter, and the text after it; (None, text) when it has none.

    Front matter is a block between two `---` lines (YAML, as Jekyll and most static sites write
    it) or two `+++` lines (TOML, as Hugo does) at the very top, whose first line is a key
    (`title: ...`, `title = "..."`). A page that merely begins with a rule is left as it is."""
    found = _FRONT.match(text[: MAX_FRONT_MATTER + 8])
    if found is None or not _FRONT_KEY.match(found.group("body").lstrip()):
        return None, text
    try:  # whatever the parser makes of it (deep nesting, huge numbers): a page without front matter
        data = (
            tomllib.loads(found.group("body")) if found.group("fence") == "+++" else yaml.safe_load(found.group("body"))
        )
    except Exception:  # any failure to read it leaves the page as it is
        return None, text
    if not isinstance(data, dict):
        return None, text
    title = data.get("title")
    title = " ".join(title.split()) if isinstance(title, str) else ""
    return title or None, text[found.end() :]


SPAN = 300  # characters an emphasis or code span may hold; a longer one is left as written


# A paragraph with at most this many links keeps the addresses of those that lead off the page.
LINKS_KEPT = 2
# An address worth keeping: a page on the web, an email address, a phone number.
_ADDRESS = re.compile(r"(?:https?://|mailto:|tel:)[^\s<>]+", re.IGNORECASE)
_MD_LINK = re.compile(
    r"(!?)\[([^\[\]]*)\]\(\s*+<?([^()\s<>]*+(?:\([^()\s]*\)[^()\s<>]*+)*+)>?(?:\s++(?:\"[^\"]*+\"|'[^']*+'|\([^()]*+\)))?\s*+\)"
)


def address_of(label: str, href: str) -> str:
    """Where a link leads, as a chat reply (where it cannot be clicked) shows it after the link's
    text: a web address, or the email address or phone number of a `mailto:` or `tel:` link; ""
    for a link within the site, a wiki's link to another of its articles (saved pages make them
    absolute), a link without text (an image's), or text that says where already."""
    href = href.strip()
    if not label.strip() or not _ADDRESS.fullmatch(href) or "/wiki/" in href:  # a wiki's link to another article
        return ""
    shown = re.sub(r"^(?:mailto|tel):", "", href, flags=re.IGNORECASE)
    return "" if _bare(label) == _bare(shown) else shown


def _bare(address: str) -> str:
    """An address as its text may say it: "example.org" of "https://www.example.org/"."""
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", address.strip().casefold()).rstrip("/")


def with_address(label: str, href: str) -> str:
    """A link's text, and where it leads in brackets (`address_of`): "email us (help@example.org)"."""
    address = address_of(label, href)
    return f"{label.strip()} ({address})" if address else label.strip()


def inline_markdown(text: str, *, addresses: bool = True, notes: frozenset[str] = frozenset()) -> str:
    """Markdown inline markup as the reader sees it: link and image text kept, marks dropped. With
    `addresses`, a paragraph of at most LINKS_KEPT links keeps where they lead (`with_address`); a
    paragraph with more is a wiki's or a README's prose of cross-references, and keeps their text.
    A footnote's mark is dropped where the page writes the note (`notes`): "[^0-9]" is a pattern."""
    # Each pattern stops at what cannot be inside its span (another bracket, another tag) or after
    # SPAN characters: one left open ("[[[[", "**x **x ...") must not make the search quadratic.
    # Code is read first and kept as written: `library/<user>/` is a path, not a tag to drop.
    code: list[str] = []
    text = re.sub(rf"(`{{1,3}})([^`].{{0,{SPAN}}}?)\1(?!`)", lambda m: _held(code, m[2]), text.replace("\0", ""))
    if notes:  # a footnote's mark: the note follows its section (`_with_notes`)
        text = _NOTE_MARK.sub(lambda m: "" if (m[1] or m[2]) in notes else m[0], text)
    keep = addresses and len(_MD_LINK.findall(text)) <= LINKS_KEPT
    text = _MD_LINK.sub(lambda m: with_address(m[2], m[3]) if keep and not m[1] else m[2], text)
    text = re.sub(r"!?\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)", r"\1", text)  # [text](url) that the above did not read
    text = re.sub(r"!?\[([^\[\]]*)\]\[[^\[\]]*\]", r"\1", text)  # [text][ref]
    text = re.sub(r"<((?:https?|mailto):[^<>\s]+)>", r"\1", text)  # <https://...>
    text = re.sub(r"</?[a-zA-Z][^<>]*>", "", text)  # inline HTML tags
    text = _MD_INLINE_ATTRIBUTES.sub("", text)
    text = re.sub(rf"(\*\*|__|~~)(?=\S)(.{{1,{SPAN}}}?)(?<=\S)\1", r"\2", text)
    text = re.sub(rf"(?<![\w*])\*(?=\S)(.{{1,{SPAN}}}?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(rf"(?<!\w)_(?=\S)(.{{1,{SPAN}}}?)(?<=\S)_(?!\w)", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!>~|])", r"\1", text)
    text = html.unescape(text)  # "Jekyll &amp; macOS", after tags: "&lt;here&gt;" is text (code is as written)
    return _oneline(re.sub(r"\0(\d+)\0", lambda m: code[int(m[1])], text))


def _held(code: list[str], span: str) -> str:
    """A code span set aside while the markup around it is read, and the mark of its place."""
    code.append(span)
    return f"\0{len(code) - 1}\0"


def from_html(text: str) -> Article:
    """A saved web page: h1-h6 (and dt, summary) are headings; p, li, dd, td and other blocks are
    paragraphs. Only the page's main content when it marks one (`<main>`, `<article>`,
    `role="main"`, an id such as `content`); scripts, styles, navigation, headers, footers and the
    chrome that wikis and sites mark by class or id (tables of contents, info boxes, navigation
    boxes, edit links, citation marks, reference lists) are left out."""
    spared: set[tuple[int, int]] = set()
    for _ in range(MAX_REREADS + 1):
        parser = _PageParser(spared=spared)
        parser.feed(text)
        parser.close()
        if parser.swallowed is None:
            break
        spared.add(parser.swallowed)  # chrome left open to the end (a missing end tag): read again, as text
    else:
        parser = _PageParser(chrome=False)
        parser.feed(text)
        parser.close()
    return Article(tuple(parser.content()), _page_title(parser.title))


def _page_title(title: str) -> str | None:
    """A page's `<title>` without the site's name after a bar ("Jekyll on macOS | Jekyll • Simple,
    blog-aware, static sites" was every citation's title)."""
    return title.split(" | ")[0].strip() or None if title else None


MAX_REREADS = 8  # chrome elements left open to the end read again as text, before every chrome rule is dropped
_SKIPPED = frozenset(
    {"script", "style", "nav", "header", "footer", "noscript", "template", "svg", "head", "aside", "dialog"}
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "dt", "summary"})
_BLOCKS = _HEADINGS | set(
    "p li dd td th tr div section article main aside blockquote pre ul ol dl table figcaption br hr body form "
    "details caption".split()
)
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
# Inline elements are chrome only as a citation mark (`<sup class="reference">`), an edit or jump
# link, or a heading's permalink: a link of class "reference" (Sphinx writes every cross-reference so) is text.
_INLINE_CHROME = frozenset({"mw-editsection", "noprint", "mw-jump-link", "headerlink"})  # headerlink: Sphinx's ¶
_INLINE = frozenset(
    "a abbr b bdi bdo cite code data dfn em i kbd mark q s samp small span strong sub sup time u var".split()
)
# End tags HTML lets authors leave out: such an element also ends where the next block starts (a
# paragraph), where the next of its kind starts (a list item, a cell, a row), or where its parent ends.
_OPTIONAL_END = {"p": _BLOCKS, "li": {"li"}, "dd": {"dd", "dt"}, "dt": {"dd", "dt"}, "td": {"td", "th", "tr"},
                 "th": {"td", "th", "tr"}, "tr": {"tr"}, "head": _BLOCKS | {"body"}}  # fmt: skip
# Class or id words of page chrome: left out with everything inside them.
_CHROME = frozenset(
    """toc navbox vertical-navbox sidebar infobox metadata ambox hatnote noprint mw-editsection mw-jump-link
    reference references reflist refbegin catlinks printfooter mw-navigation sitesub contentsub jump-to-nav
    cookie-banner skip-link footer site-footer site-header menu cc-window cc-banner cc-revoke""".split()
)
# The parts of a class or id (split at "-", "_" and inner capitals, any case) mark chrome too:
# anywhere, a navbar, breadcrumbs or a consent manager's box ("main-navbar", "CybotCookiebotDialog",
# "onetrust-consent-sdk"); outside the page's main content, the site's footer ("SITE_FOOTER",
# "footer-widgets", not a "card-footer" that holds prices) and a cookie or consent notice, a
# name with "cookie" or "consent" beside a notice's word ("cookie-law-info-bar", "BorlabsCookieBox";
# not a bakery's "cookies-menu" or an "event-consent-note").
_CHROME_PARTS = frozenset({"navbar", "breadcrumb", "breadcrumbs", "gdpr", "cookiebot", "cookieconsent", "cookiebanner",
                           "onetrust", "cmplz"})  # fmt: skip
_NOT_SITE_FOOTER = frozenset({"card", "modal", "panel", "table", "article", "post", "entry", "comment"})
_COOKIE_PARTS = frozenset({"cookie", "cookies", "consent"})
_NOTICE_PARTS = frozenset(
    {"banner", "bar", "notice", "popup", "dialog", "law", "window", "modal", "overlay", "alert", "box", "disclaimer",
     "choice", "info", "sdk"}
)  # fmt: skip
_CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "note", "dialog", "alertdialog"}
)
_MAIN_IDS = frozenset({"content", "main", "main-content", "maincontent", "mw-content-text", "bodycontent", "article"})


def _is_chrome(tag: str, attrs: dict[str, str], *, in_main: bool = False) -> bool:
    named = [*attrs.get("class", "").split(), attrs.get("id", "")]
    words = {word.lower() for word in named}
    if tag in _INLINE:
        return bool(words & _INLINE_CHROME) or (tag == "sup" and "reference" in words)
    if words & _CHROME or attrs.get("role", "").lower() in _CHROME_ROLES:
        return True
    return any(_is_chrome_name(_name_parts(word), in_main=in_main) for word in named if word)


def _name_parts(word: str) -> set[str]:
    """A class or id's parts: split at "-", "_" and inner capitals, lower case ("SITE_FOOTER" ->
    site, footer; "CybotCookiebotDialog" -> cybot, cookiebot, dialog)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", word)
    return {part.lower() for part in re.split(r"[-_]", spaced) if part}


def _is_chrome_name(parts: set[str], *, in_main: bool) -> bool:
    if parts & _CHROME_PARTS:
        return True
    if in_main:
        return False
    if "footer" in parts and not parts & _NOT_SITE_FOOTER:
        return True
    return bool(parts & _COOKIE_PARTS) and len(parts & (_COOKIE_PARTS | _NOTICE_PARTS)) >= 2


def _is_main(tag: str, attrs: dict[str, str]) -> bool:
    role, name = attrs.get("role", "").lower(), attrs.get("id", "").lower()
    return tag in ("main", "article") or role == "main" or name in _MAIN_IDS


@dataclass
class _Open:
    """An element being followed to its end: its tag, and how many of that tag are open in it."""

    tag: str
    depth: int = 1

    def enter(self, tag: str) -> None:
        self.depth += tag == self.tag

    def leave(self, tag: str) -> bool:
        """True when this ends the element."""
        self.depth -= tag == self.tag
        return self.depth <= 0


@dataclass
class _Skipped:
    """An element being left out: its tag, and the elements open inside it, innermost last.

    It ends at its own end tag once everything inside it is closed; an element whose end tag HTML
    lets authors omit also ends where HTML ends it (`_OPTIONAL_END`): at a tag that starts where
    it stands (no element of its own open), or at a parent's end tag."""

    tag: str
    inside: list[str]

    def start(self, tag: str) -> bool:
        """Take in a start tag; True when it ends this element instead."""
        enders = _OPTIONAL_END.get(self.tag, ())
        if tag in enders and all(t in _INLINE for t in self.inside) and not (self.tag == "p" and tag == "br"):
            return True
        if tag not in _VOID:
            self.inside.append(tag)
        return False

    def end(self, tag: str) -> bool:
        """Take in an end tag; True when it ends this element."""
        if tag in self.inside:  # closes it, and whatever inside it was left unclosed
            del self.inside[len(self.inside) - 1 - self.inside[::-1].index(tag) :]
            return False
        if tag == self.tag:
            return True
        return self.tag in _OPTIONAL_END and not self.inside  # a parent's end (a stray end tag else)


class _PageParser(HTMLParser):
    """Collects a page's blocks (noting which are inside its main content) and `<title>`.

    An element left out is followed with what is open inside it (`_Skipped`); the main content by
    its tag's depth: the end tag of the same name at the same depth closes it. An `<aside>` is left
    out unless it stands inside the main content (a note of the article itself)."""

    def __init__(self, *, chrome: bool = True, spared: set[tuple[int, int]] | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[Block, bool]] = []  # each block, and whether it is in the main content
        self.title = ""
        self.swallowed: tuple[int, int] | None = None  # where an element left out by class, id or role
        # starts, when it was still open at the end of the page
        self._spared = spared or set()
        self._skip_at: tuple[int, int] | None = None
        self._chrome = chrome
        self._by_attributes = False  # the element being left out was chosen by class, id or role
        self._skip: _Skipped | None = None  # the element being left out
        self._main: _Open | None = None  # the main element we are in
        self._in_title = False
        self._heading = False
        self._level = 0
        self._text: list[str] = []
        self._tables: list[_Table] = []  # the tables open, innermost last
        self._lists: list[_List] = []  # the lists open, innermost last
        self._item = ""  # the mark of the list item whose text is being read
        self._broken_at: int | None = None  # where the text after the last <br> starts, until the block ends
        self._pre = 0  # the <pre> elements open: their text is code, kept line by line
        self._link: tuple[str, int] | None = None  # the open link's href, and where its text starts
        self._links: list[tuple[int, str]] = []  # the block's addresses worth showing, and where they go
        self._linked = 0  # the links of the block, counted (any href: a wiki's are mostly on the site)

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
        by_attributes = self._chrome and tag not in _VOID and tag != "body"
        by_attributes = by_attributes and _is_chrome(tag, named, in_main=self._main is not None)
        by_attributes = by_attributes and self.getpos() not in self._spared
        if (tag in _SKIPPED and not (tag == "aside" and self._main is not None)) or by_attributes:
            if tag in _BLOCKS:  # a citation mark (<sup>) leaves its sentence whole
                self._flush()
            self._skip = _Skipped(tag, [])
            self._by_attributes = by_attributes and tag not in _SKIPPED
            self._skip_at = self.getpos()
            return
        if self._main is not None:
            self._main.enter(tag)
        elif tag not in _VOID and _is_main(tag, named):
            self._flush()
            self._main = _Open(tag)
        if tag == "a" and "href" in named:
            self._link = (named["href"], len(self._text))
        if tag == "br":
            self._line_break()
        elif tag in _BLOCKS:
            self._flush()
            self._heading = tag in _HEADINGS
            self._level = int(tag[1]) if re.fullmatch(r"h[1-6]", tag) else 6  # dt, summary: the deepest
            self._table_start(tag)
            self._list_start(tag, named)
            self._pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip is None and tag == "br":
            self._line_break()
        elif self._skip is None and tag in _BLOCKS:
            self._flush()

    def _line_break(self) -> None:
        """`<br>`: the lines of an address or of opening hours read on as one paragraph (each was a
        passage of its own, "Opening hours" one of them); two in a row end the paragraph, as pages
        that separate paragraphs so mean."""
        if self._broken_at is not None and not "".join(self._text[self._broken_at :]).strip():
            self._flush()
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
        if tag in _BLOCKS:
            self._flush()
            self._pre -= tag == "pre" and self._pre > 0
            self._heading = False
            self._table_end(tag)
            if tag in ("ul", "ol") and self._lists:
                self._lists.pop()
            if tag in ("li", "ul", "ol"):
                self._item = ""  # an item without text (an image) gives its mark to nothing after it
        if self._main is not None and self._main.leave(tag):
            self._flush()
            self._main = None

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        """`<![if ...]>` and `<![CDATA[...]]>` as the standard parser reads them; any other `<![`
        (`<![ if`, `<![]]>`), which it fails on with an AssertionError, is skipped to its `>`, as
        browsers skip it."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = _oneline(self.title + " " + data)
        elif self._skip is None:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()
        self.swallowed = self._skip_at if self._skip is not None and self._by_attributes else None

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
        code = bool(self._pre) and not self._heading
        text = code_text("".join(self._text)) if code else _oneline("".join(self._text))
        self._text.clear()
        self._broken_at = None
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

    def _table_start(self, tag: str) -> None:
        """Follow tables: their rows and cells, and whether a cell holds blocks (a table for layout)."""
        table = self._tables[-1] if self._tables else None
        if tag == "table":
            if table is not None:
                table.layout = True  # a table in a table: the outer one lays out the page
            self._tables.append(_Table())
        elif table is not None and tag == "tr":
            table.row()
        elif table is not None and tag in ("td", "th"):
            table.open_cell(tag)
        elif table is not None and table.cell is not None and tag not in ("br", "hr"):
            table.layout = True  # a paragraph, list or heading in a cell: not a table of data

    def _table_end(self, tag: str) -> None:
        """At a table's end, its cells (a data table's) become one paragraph of a sentence a row."""
        table = self._tables[-1] if self._tables else None
        if table is None:
            return
        if tag in ("td", "th", "tr"):
            table.cell = None
        elif tag == "table":
            self._tables.pop()
            if not table.layout and table.cells:
                first, made = table.cells[0], set(table.cells)
                main = self.blocks[first][1]
                self.blocks[first:] = [b for at, b in enumerate(self.blocks[first:], first) if at not in made]
                made_text = table.text()
                if made_text:
                    self.blocks.append((Block(made_text), main))


_OL_START = re.compile(r"[+-]?[0-9]{1,6}")  # ASCII digits: "²" is a digit to str.isdigit, not to int()


@dataclass
class _List:
    """A list being read: numbered (`<ol>`) or not, and the number its next item gets (an
    `<ol reversed>` is numbered upwards too: its items stay one list)."""

    numbered: bool
    next: int = 1


@dataclass
class _Table:
    """An HTML table being read: its rows of cell texts, which cells are headers (`<th>`, in order),
    the blocks its cells made, the cell open now, and whether it lays out the page instead."""

    rows: list[list[tuple[str, bool]]] = field(default_factory=list)  # each cell's text, and whether a <th>
    cells: list[int] = field(default_factory=list)  # indexes of the blocks its cells made
    cell: str | None = None
    layout: bool = False

    def row(self) -> None:
        self.rows.append([])
        self.cell = None

    def open_cell(self, tag: str) -> None:
        if not self.rows:
            self.rows.append([])
        self.rows[-1].append(("", tag == "th"))
        self.cell = tag

    def take(self, block: int, text: str) -> None:
        self.cells.append(block)
        held, head = self.rows[-1][-1]
        self.rows[-1][-1] = (f"{held} {text}".strip(), head)

    def text(self) -> str:
        """A sentence a row, cells named by the header row: the first row of headers (an empty corner
        cell allowed) as wide as the table, with rows under it; rows above it (a title spanning the
        columns) and every row of a table without one are sentences of their cells alone."""
        rows = [row for row in self.rows if any(text for text, _ in row)]
        wide = max(map(len, rows), default=0)
        heads = [
            at
            for at, row in enumerate(rows[:-1])
            if len(row) == wide and all(head or (place == 0 and not text) for place, (text, head) in enumerate(row))
        ]
        at = heads[0] if heads else len(rows)
        header = [text for text, _ in rows[at]] if heads else []
        above = [_row_sentence([], [text for text, _ in row]) for row in rows[:at]]
        below = [_row_sentence(header, [text for text, _ in row]) for row in rows[at + 1 :]]
        return " ".join(filter(None, above + below))


def code_text(text: str) -> str:
    """Lines of code as a reader copies them: their common indent, blank lines around them and
    spaces at the ends of lines dropped; tabs as four spaces."""
    lines = [line.rstrip() for line in textwrap.dedent(text.expandtabs(4)).split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _oneline(text: str) -> str:
    return " ".join(text.split())
