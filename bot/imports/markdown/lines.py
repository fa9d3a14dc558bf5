"""Markdown read a line at a time (`MarkdownReader`): headings (`#`, underlined, an HTML heading on
a line of its own, a short line all in bold, a box's `<summary>`), paragraphs and list items, code
(fenced or indented), quotes read as the Markdown they hold, and footnotes at the end of the section
that cites them; link definitions, attribute lists and template tag lines left out.
"""

from __future__ import annotations

import re

from bot.answering import INTERROGATIVE
from bot.imports.blocks import Block, code_text, indent_of
from bot.imports.markdown import htmltables
from bot.imports.markdown.inline import NOTE_MARK, inline_markdown
from bot.imports.plaintext import EMPTY_HEADING, SETEXT, md_heading

_ESCAPABLE = re.compile(r"[!-/:-@\[-`{-~]")  # ASCII punctuation: escaped with a backslash, each is itself
MD_ITEM = re.compile(r"^\s*(?:[-*+]|(?P<number>\d{1,3})[.)])\s+(?P<rest>.*)$")


_ANY_FENCE = re.compile(r"^([ \t]*+)(`{3,}|~{3,})")  # how far it is indented, and its mark


def fence_after(line: str, fenced: str, indent: int = 3) -> str:
    """The fence open after `line`, given the one open before it ("" outside code): a fence opens a
    block of code, and only a fence of its own mark, as long or longer and with nothing after it,
    closes it; a shorter one inside ("```python" in a "````" block) is code. A fence may be
    indented up to `indent` spaces (more under a list item: a step's code is indented with it)."""
    found = _ANY_FENCE.match(line)
    if found is None or len(found.group(1).expandtabs(4)) > indent:
        return fenced
    mark = found.group(2)
    if not fenced:
        return mark
    closes = mark[0] == fenced[0] and len(mark) >= len(fenced) and not line[found.end() :].strip()
    return "" if closes else fenced


_MD_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S")


# A footnote: written "[^1]: ..." (GitHub's), or a paragraph that begins with its anchor
# ('<a name="1"><sup>1</sup></a> ...', Homebrew's); cited "[^1]" or "<sup>[1](#1)</sup>".
# (An anchor that holds no <sup> is a place to link to, not a note: its paragraph stays where it is.)
NOTE = re.compile(
    r"^\s{0,3}(?:\[\^([^\]\s]{1,32})\]:\s*"
    r"|<a\b[^<>]{0,200}?\b(?:name|id)=[\"']?([\w.-]{1,32})[\"']?[^<>]{0,200}>\s*<sup>[^<>]{0,32}</sup>\s*</a>\s*)"
)


_MD_ATTRIBUTES = re.compile(r"^\s{0,3}\{:[^{}]*\}\s*$")  # kramdown's attribute list: {:toc}, {: .note}


_MD_TOC = re.compile(r"^\s{0,3}\{:\s*toc\s*\}\s*$")


_MD_LIQUID = re.compile(r"^\s{0,3}\{%.*%\}\s*$")  # a site template's tag line: {% include note.html %}


_RULE = re.compile(r"^\s{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")  # a thematic break: "***", "___", "- - -"
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")  # a quote's marks: "> ", ">> "
_MD_BOLD_LINE = re.compile(r"^(\*\*|__)(?P<title>[^*_].*?)\1$")


_DETAILS_OPEN = re.compile(r"^\s*<details\b[^<>]{0,200}>\s*$", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"^\s*</details\s*>\s*$", re.IGNORECASE)
_SUMMARY = re.compile(r"^\s*<summary\b[^<>]{0,200}>(?P<title>.{0,300}?)</summary\s*>\s*$", re.IGNORECASE)


class MarkdownReader:
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
        self.quoted = False  # the paragraph being read is all quoted ("> How safe are scripts?")
        self.fence_quoted = False  # the block of code being read opened in a quote: its lines are quoted too
        self.list_indent: int | None = None  # how far the items of the list being read are indented
        self.fence_indent = 3  # how far the fence of the code being read may be indented
        self.nested = False  # the item being read is inside the one before it
        self.noted = ""  # the footnote read last, which a paragraph indented under it goes on
        self.heading: Block | None = None  # the heading read last
        # a line all in bold that ends with a colon, read last ("**The rules are:**"), and the heading
        # before it: over a list it opens the list, as a paragraph would, and heads nothing
        self.lead: tuple[Block, Block | None] | None = None
        # the boxes (`<details>`) open: the heading each is under, and whether it has a summary
        self.boxes: list[tuple[Block | None, bool]] = []

    def read(self, line: str) -> bool:
        """One more line of the page; whether it is code (fenced, a fence, or indented). A quote's
        lines are read as the Markdown they hold: a rules page's numbered list in a quote was a
        paragraph cut mid-rule, and its code one line."""
        fenced, indented = self.fenced, len(self.indented)
        self._read(line)
        return bool(fenced or self.fenced) or len(self.indented) > indented

    def _read(self, line: str) -> None:
        quoted = _QUOTE.match(line) is not None and (not self.fenced or self.fence_quoted)
        line = _QUOTE.sub("", line, count=1) if quoted else line
        if self.indented and (not line.strip() or indent_of(line) >= self.indent):
            self.indented.append(line)
            return
        if self.indented:
            self._add(Block(code_text("\n".join(self.indented)), code=True))
            self.indented.clear()
        if not self.fenced:  # under a list item a fence may be indented as far as the item's text, and three more
            self.fence_indent = 3 if self.list_indent is None else self.list_indent + 7
        was, self.fenced = self.fenced, fence_after(line, self.fenced, self.fence_indent)
        if was and self.fenced:
            self.code.append(line)
        elif was:
            self._add(Block(code_text("\n".join(self.code)), code=True))
            self.code.clear()
        elif self.fenced:
            self.fence_quoted = quoted
            self.flush()
        elif not self.lines and line.strip() and self.noted and indent_of(line) >= 4:
            self.noting = self.noted  # a footnote's next paragraph
            self.lines.append(line.strip())
        elif not self.lines and line.strip() and indent_of(line) >= self._code_indent():
            self.indent = self._code_indent()
            self.indented.append(line)
        elif note := NOTE.match(line):
            self.flush()
            self.noting = next(filter(None, note.groups()))
            self.lines.append(line[note.end() :])
        elif _DETAILS_OPEN.match(line):
            self.flush()
            self.boxes.append((self.heading, False))
        elif summary := _SUMMARY.match(line):
            self.flush()
            self._summary(summary["title"])
        elif _DETAILS_CLOSE.match(line):
            self.flush()
            self._box_closed()
        elif _MD_REFERENCE.match(line) or _MD_LIQUID.match(line):
            return
        elif _MD_ATTRIBUTES.match(line):
            if _MD_TOC.match(line):  # kramdown's "{:toc}" stands for the list item above it
                self.lines.clear()
                self.mark = ""
        elif EMPTY_HEADING.match(line):
            self.flush()
        elif (found := _heading_line(line)) is not None:
            heading, level = found
            self.flush()
            self._cite(heading)
            self._add(Block(inline_markdown(heading, addresses=False, notes=self.defined), True, level))
        elif len(self.lines) == 1 and SETEXT.match(line) and not (self.mark and line.strip() == "-"):
            heading = self.lines.pop()
            self._cite(heading)
            self._add(
                Block(inline_markdown(heading, addresses=False, notes=self.defined), True, 1 if "=" in line else 2)
            )
            self.mark = ""  # an item read as a heading ("- Tea" over "---") leaves its mark to nothing
        elif not line.strip() or SETEXT.match(line) or _RULE.match(line):  # a blank line, or a rule
            self.flush()
        elif item := MD_ITEM.match(line):
            self.flush()
            indent = indent_of(line)
            if self.list_indent is None or indent < self.list_indent:
                self.list_indent = indent
            self.nested = indent >= self.list_indent + 2  # "1. Ask away" over "    * If you have a question, ..."
            self.mark = f"{item.group('number')}." if item.group("number") else "•"
            self.lines.append(item.group("rest"))
        elif _IMAGES_ONLY.fullmatch(_BREAKS.sub("", line)) and line.strip():
            return  # a picture in a paragraph or a step: its description is a caption the reader cannot see
        else:
            self.quoted = (not self.lines or self.quoted) and quoted
            self.lines.append(line)

    def take(self, table: htmltables.Table) -> None:
        """An HTML table's blocks, read apart (`bot.imports.markdown.htmltables`), after what was open: a
        table ends a paragraph, a list and indented code as any line at the margin does. Indented
        under a list item being read, a table of paragraphs (a table of data: its sentences) is the
        item's, as CommonMark reads it: its text goes on the item's, and the list goes on (the table
        had ended the list, and the item's next line headed the steps after it)."""
        blocks = table.blocks
        plain = all(not block.heading and not block.code for block in blocks)
        if plain and self.mark and self.lines and self.list_indent is not None and table.indent > self.list_indent:
            self.lines += [_ESCAPABLE.sub(r"\\\g<0>", block.text) for block in blocks]  # plain text, not Markdown
            return
        if self.indented:
            self._add(Block(code_text("\n".join(self.indented)), code=True))
            self.indented.clear()
        self.flush()
        self.list_indent = None
        for block in blocks:
            self._add(block)

    def _summary(self, raw: str) -> None:
        """A box's summary as a heading under the one the box is in, as the HTML reader reads it:
        `<summary>Troubleshooting</summary>` had been a passage of its one word, apart from the
        text it is the title of."""
        outer = self.boxes[-1][0] if self.boxes else self.heading
        self._add(Block(inline_markdown(raw, addresses=False), True, min(6, (outer.level if outer else 1) + 1)))
        if self.boxes:
            self.boxes[-1] = (outer, True)

    def _box_closed(self) -> None:
        """The end of a box: the text after it is under the heading the box was under again, not
        under the box's summary."""
        outer, summarized = self.boxes.pop() if self.boxes else (None, False)
        if summarized and outer is not None:
            self._add(outer)

    def _code_indent(self) -> int:
        """How far a line must be indented to open a block of code: four spaces, and four more than
        a list item's text under one (the last block that is not code is an item)."""
        last = next((b for b in reversed(self.blocks) if not b.code), None)
        return 8 if last is not None and last.item else 4

    def _cite(self, raw: str) -> None:
        """Note where the footnotes `raw` cites are cited first: at the block it is about to be."""
        for found in NOTE_MARK.findall(raw):
            name = next(filter(None, found))
            if name in self.defined:
                self.cited.setdefault(name, len(self.blocks))

    def _add(self, block: Block, *, lead: bool = False) -> None:
        """Read `block`; `lead`: a heading that opens the list right under it, if one comes next."""
        self.noted = ""
        if self.lead is not None and block.item and self.blocks and self.blocks[-1] is self.lead[0]:
            self.blocks[-1] = Block(self.lead[0].text)  # "**The point system has a few basic rules:**"
            self.heading = self.lead[1]
        self.lead = None
        if block.heading:
            if lead:
                self.lead = (block, self.heading)
            self.list_indent = None
            self.heading = block
        if block.text:
            self.blocks.append(block)

    def _title(self, raw: str, plain: str) -> str | None:
        """The heading a paragraph of one short sentence stands for: all in bold, or quoted and
        asking, as a FAQ asks its question over the answer ("> How safe are scripts?", "> Why was
        JavaScript chosen instead of LUA or Python.": each was a passage cut off from its answer)."""
        if not _headline(raw):
            return None
        bold = _MD_BOLD_LINE.match(raw.strip())
        if bold is not None:
            return bold.group("title")
        asks = plain.rstrip().endswith("?") or INTERROGATIVE.match(plain) is not None
        return raw.strip() if self.quoted and asks else None

    def flush(self) -> None:
        """The paragraph or list item being read, ended."""
        asked = _asked_in_bold(_without_hard_breaks(self.lines)[0]) if len(self.lines) > 1 and not self.mark else None
        if asked is not None and not self.noting:  # a FAQ's question in bold over its answer: its heading
            self._add(Block(inline_markdown(asked, addresses=False), True))
            del self.lines[0]
        if self.lines:
            raw = " ".join(_without_hard_breaks(self.lines))
            self._cite(raw)
            plain = inline_markdown(raw, notes=self.defined)
            title = None if self.mark else self._title(raw, plain)  # "* **Maintainer**" is an item of a list
            if _IMAGES_ONLY.fullmatch(raw):
                plain = ""  # a picture's description answers nothing: "Still from the v0.5.0 title sequence"
            if plain and self.noting:
                before = self.notes.get(self.noting)
                self.notes[self.noting] = Block(f"{before.text} {plain}" if before else plain)
                self.noted = self.noting
            elif plain and title is not None:
                self._add(Block(inline_markdown(title, addresses=False), True), lead=plain.rstrip().endswith(":"))
            elif plain:
                self._add(Block(plain, item=self.mark, nested=self.nested and bool(self.mark)))
            if not self.mark:
                self.list_indent = None  # a paragraph ends the list
            self.lines.clear()
        self.mark = self.noting = ""
        self.quoted = self.nested = False

    def finish(self) -> list[Block]:
        """The blocks read, with what was left open ended and the footnotes in place."""
        self.flush()
        if self.fenced:  # a fence left open runs to the end
            self._add(Block(code_text("\n".join(self.code)), code=True))
        if self.indented:
            self._add(Block(code_text("\n".join(self.indented)), code=True))
        return _with_notes(self.blocks, self.notes, self.cited)


def _without_hard_breaks(lines: list[str]) -> list[str]:
    """A paragraph's lines, a backslash that ends one before the next left out: CommonMark's hard line
    break, read as a space as `<br>` is ("Visit us at:\\ 12 Elm Street\\" had kept them). An escaped
    backslash ("C:\\\\") and one that ends the paragraph are text."""
    last = len(lines) - 1
    return [
        line[:-1] if at < last and (len(line) - len(line.rstrip("\\"))) % 2 else line for at, line in enumerate(lines)
    ]


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


# A heading written in HTML on a line of its own, as READMEs center their title: `<h1 align="center">Name</h1>`.
_HTML_HEADING = re.compile(
    r"^\s{0,3}<h(?P<level>[1-6])(?:\s[^<>]{0,200})?>(?P<title>[^<>]{1,300})</h(?P=level)>\s*$", re.I
)
# A paragraph of pictures alone (a screenshot; a linked one, a badge, says where it leads).
_IMAGES_ONLY = re.compile(  # each perhaps with its title: ![The form](form.png "The form")
    r"(?:\s*+!\[[^\[\]]{0,200}\]\([^()\s]{0,2000}(?:\s++(?:\"[^\"\n]{0,300}\"|'[^'\n]{0,300}'))?\s*+\))+\s*"
)
_BREAKS = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _heading_line(line: str) -> tuple[str, int] | None:
    """A heading line's title and level: `## Title`, or one written in HTML on a line of its own."""
    title = md_heading(line)
    if title is not None:
        return title, len(line.lstrip()) - len(line.lstrip().lstrip("#"))
    html = _HTML_HEADING.match(line)
    return (html["title"].strip(), int(html["level"])) if html else None


def _asked_in_bold(line: str) -> str | None:
    """The question of a paragraph's first line all in bold that asks, over the answer on the lines
    under it ("**How do I join?**" over "Fill in the form ..."): a FAQ so written had been an
    "Introduction" of question-and-answer passages. A bold line that asks nothing opens its paragraph."""
    bold = _MD_BOLD_LINE.match(line.strip())
    asked = bold is not None and _headline(line) and bold.group("title").rstrip().endswith("?")
    return bold.group("title") if bold is not None and asked else None


def _headline(text: str) -> bool:
    """True when a line all in bold can be a heading: short, one sentence at most. A bold note of
    three sentences ("**Note: From v3.3.0 onward, ...**") became a section cut off at 80 characters."""
    return len(text.strip()) <= MAX_BOLD_HEADING and not re.search(r"[.!?]\s+\S", text.strip())
