"""Reading an article for `kb import`: plain text, Markdown or a saved HTML page, as headings and
paragraphs of plain text.

`read` checks the file first and raises `FileError` naming it: missing, a folder, binary (NUL
bytes, or not UTF-8), empty. A byte-order mark is dropped. The format comes from the name
(`.md`, `.html`), or from the text when it starts like an HTML page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from bot.yamlfiles import FileError

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_NUMBERED_HEADING = re.compile(r"^\s*\d{1,2}[.)]\s+(?P<title>.{3,120}?)\s*$")
_MD_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(?P<rest>.*)$")
_MD_SETEXT = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
_MD_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_MD_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S")
_WIKI_HEADING = re.compile(r"^\s*(?P<marks>={1,6})\s*(?P<title>[^=].*?)\s*(?P=marks)\s*$")  # == History ==
_MD_BOLD_LINE = re.compile(r"^(\*\*|__)(?P<title>[^*_].*?)\1$")


@dataclass(frozen=True)
class Block:
    """A heading or a paragraph, in plain text."""

    text: str
    heading: bool = False
    level: int = 0  # a heading's level, 1-6, where the format gives one


@dataclass(frozen=True)
class Article:
    """An article's blocks in order, and its title when the format names one apart (`<title>`)."""

    blocks: tuple[Block, ...]
    title: str | None = None


def read(path: Path) -> Article:
    """The article in the file at `path`; raises FileError naming the file."""
    text = read_text(path)
    if path.suffix.lower() in HTML_SUFFIXES or re.match(r"\s*<(!doctype html|html)\b", text, re.IGNORECASE):
        return from_html(text)
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        return from_markdown(text)
    return from_text(text)


def read_text(path: Path) -> str:
    """The file's text without a byte-order mark; FileError when it is not a text file with content."""
    if path.is_dir():
        raise FileError(path, "is a folder; give an article file (.txt, .md or .html)")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileError(path, "file not found") from None
    except OSError as exc:
        raise FileError(path, f"cannot read the file ({(exc.strerror or 'error').lower()})") from None
    if b"\x00" in data:
        raise FileError(path, "a binary file (it holds NUL bytes), not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(path, f"not UTF-8 text (byte {exc.start}); save it as UTF-8 first") from None
    if not text.strip():
        raise FileError(path, "the file is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def from_text(text: str) -> Article:
    """Plain text: blocks between blank lines; a one-line block that reads as a heading is one."""
    blocks = []
    for raw in re.split(r"\n\s*\n", text):
        if raw.strip():
            heading = heading_of(raw)
            blocks.append(Block(heading, True) if heading is not None else Block(_oneline(raw)))
    return Article(tuple(blocks))


def heading_of(block: str) -> str | None:
    """The heading a one-line block stands for (or a line underlined with === or ---), or None for a paragraph."""
    lines = block.strip().splitlines()
    if len(lines) == 2 and _MD_SETEXT.match(lines[1]) and lines[0].strip():
        return lines[0].strip()
    if len(lines) != 1:
        return None
    line = lines[0]
    match = _MD_HEADING.match(line) or _WIKI_HEADING.match(line) or _NUMBERED_HEADING.match(line)
    if match:
        return match.group("title").strip()
    if len(line) <= 100 and not re.search(r"[.!:;,]$", line.strip()):
        return line.strip()  # a short line without closing punctuation reads as a heading
    return None


def from_markdown(text: str) -> Article:
    """Markdown: `#` and underlined headings, paragraphs and list items, markup made plain text.
    Fenced code, link definitions and HTML comments are left out; a line all in bold is a heading."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    blocks: list[Block] = []
    lines: list[str] = []
    fenced = False

    def flush() -> None:
        if lines:
            plain = inline_markdown(" ".join(lines))
            bold = _MD_BOLD_LINE.match(" ".join(lines).strip())
            if plain:
                blocks.append(Block(inline_markdown(bold.group("title")), True) if bold else Block(plain))
            lines.clear()

    for line in text.split("\n"):
        if _MD_FENCE.match(line):
            flush()
            fenced = not fenced
        elif fenced or _MD_REFERENCE.match(line):
            continue
        elif heading := _MD_HEADING.match(line):
            flush()
            level = len(line.lstrip().split(" ", 1)[0])
            blocks.append(Block(inline_markdown(heading.group("title")), True, level))
        elif len(lines) == 1 and _MD_SETEXT.match(line):
            blocks.append(Block(inline_markdown(lines.pop()), True, 1 if "=" in line else 2))
        elif not line.strip() or _MD_SETEXT.match(line):  # a blank line, or a rule
            flush()
        elif item := _MD_ITEM.match(line):
            flush()
            lines.append(item.group("rest"))
        else:
            lines.append(re.sub(r"^\s{0,3}(>\s?)+", "", line))
    flush()
    return Article(tuple(b for b in blocks if b.text))


def inline_markdown(text: str) -> str:
    """Markdown inline markup as the reader sees it: link and image text kept, marks dropped."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](url), ![alt](src)
    text = re.sub(r"!?\[([^\]]*)\]\[[^\]]*\]", r"\1", text)  # [text][ref]
    text = re.sub(r"<((?:https?|mailto):[^>\s]+)>", r"\1", text)  # <https://...>
    text = re.sub(r"</?[a-zA-Z][^>]*>", "", text)  # inline HTML tags
    text = re.sub(r"(`+)(.+?)\1", r"\2", text)
    text = re.sub(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!>~|])", r"\1", text)
    return _oneline(text)


def from_html(text: str) -> Article:
    """A saved web page: h1-h6 (and dt, summary) are headings; p, li, dd, td and other blocks are
    paragraphs; scripts, styles, navigation, headers and footers are left out."""
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    return Article(tuple(parser.blocks), parser.title or None)


_SKIPPED = frozenset({"script", "style", "nav", "header", "footer", "noscript", "template", "svg", "head"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "dt", "summary"})
_BLOCKS = _HEADINGS | set(
    "p li dd td th tr div section article main aside blockquote pre ul ol dl table figcaption br hr body form "
    "details caption".split()
)


class _PageParser(HTMLParser):
    """Collects a page's blocks and `<title>`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title = ""
        self._skipping: list[str] = []
        self._in_title = False
        self._heading = False
        self._level = 0
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_title = self._in_title or tag == "title"
        if self._skipping or tag in _SKIPPED:
            if tag in _SKIPPED:
                self._skipping.append(tag)
            return
        if tag in _BLOCKS:
            self._flush()
            self._heading = tag in _HEADINGS
            self._level = int(tag[1]) if re.fullmatch(r"h[1-6]", tag) else 6  # dt, summary: the deepest

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping and tag in _BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.pop()
            return
        if tag in _BLOCKS:
            self._flush()
            self._heading = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = _oneline(self.title + " " + data)
        elif not self._skipping:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        text = _oneline("".join(self._text))
        self._text.clear()
        if text:
            self.blocks.append(Block(text, self._heading, self._level if self._heading else 0))


def _oneline(text: str) -> str:
    return " ".join(text.split())
