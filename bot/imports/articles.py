"""Reading an article for `kb import`: plain text, Markdown, reStructuredText or a saved HTML page,
as headings and paragraphs of plain text (`bot.imports.blocks`), each format by its reader:
`plaintext`, `markdown`, `restructured` (as the Markdown it says) and `pages`.

`read` checks the file first and raises `FileError` naming it: missing, a folder, binary (NUL bytes,
or not UTF-8: a web page may be in the charset its markup names), empty. A byte-order mark is
dropped. The format comes from the name (`.md`, `.html`), or from the text when it starts like an
HTML page. A page saved as a single file (`.mhtml`, `.mht`: a MIME message, the page and its
pictures) is read as the web page it holds (`bot.imports.pages.mhtml`); under such a name, a file
that begins with markup (no MIME headers) is the web page it is.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from bot.imports import restructured
from bot.imports.blocks import Article, Notice, visible
from bot.imports.markdown import from_markdown, inline_markdown
from bot.imports.pages import from_html, is_saved_page, page_in_utf8, saved_page
from bot.imports.plaintext import from_text, heading_of
from bot.yamlfiles import FileError, read_bytes

__all__ = ["MAX_ARTICLE_BYTES", "from_html", "from_markdown", "from_text", "heading_of", "inline_markdown", "read"]

MAX_ARTICLE_BYTES = 16 * 1024 * 1024  # a saved web page is a few megabytes at most
MAX_SAVED_PAGE_BYTES = 64 * 1024 * 1024  # ... and as one file, with its pictures, a few tens
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SAVED_PAGE_SUFFIXES = {".mhtml", ".mht"}  # Chrome's and Edge's "Webpage, Single File"; Internet Explorer's
RST_SUFFIXES = {".rst", ".rest"}
MDX_SUFFIXES = {".mdx"}  # Markdown with components (Docusaurus, Starlight): see `bot.imports.markdown.dialects`


def read(path: Path) -> Article:
    """The article in the file at `path`; raises FileError naming the file."""
    saved = path.suffix.lower() in SAVED_PAGE_SUFFIXES
    data = _read_bytes(path, MAX_SAVED_PAGE_BYTES if saved else MAX_ARTICLE_BYTES)
    if is_saved_page(data) or (saved and not _MARKUP.match(data)):
        page, lines = saved_page(path, data)
        article = _page(path, _text_of(path, page))
        at = [Notice(lines[min(notice.line, len(lines)) - 1], notice.text) for notice in article.notices]
        return dataclasses.replace(article, notices=tuple(at))  # at the lines of the file, not of the page in it
    if len(data) > MAX_ARTICLE_BYTES:  # a web page under a saved page's name, read as the page it is
        raise FileError(path, f"{len(data)} bytes, more than the limit of {MAX_ARTICLE_BYTES}")
    html = path.suffix.lower() in HTML_SUFFIXES or saved
    if html or _PAGE.match(data):  # in the charset its markup names, when it is not UTF-8
        data = page_in_utf8(path, data)
    text = _text_of(path, data)
    if html or re.match(r"\s*<(!doctype html|html)\b", text, re.IGNORECASE):
        return _page(path, text)
    if path.suffix.lower() in MARKDOWN_SUFFIXES | MDX_SUFFIXES:
        return from_markdown(text, mdx=path.suffix.lower() in MDX_SUFFIXES)
    if path.suffix.lower() in RST_SUFFIXES:
        return from_markdown(restructured.to_markdown(text))
    return from_text(text)


def _page(path: Path, text: str) -> Article:
    try:
        return from_html(text)
    except AssertionError as exc:  # the standard library's parser gives up on some markup this way
        raise FileError(path, f"cannot be read as a web page ({exc})") from None


def read_text(path: Path) -> str:
    """The file's text without a byte-order mark; FileError when it is not a text file with content."""
    return _text_of(path, _read_bytes(path, MAX_ARTICLE_BYTES))


def _read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of the file at `path`; FileError when it is missing, a folder, or no regular file of
    at most `limit` bytes (a FIFO, a device or a file past the limit is refused unread)."""
    if path.is_dir():
        raise FileError(path, "is a folder; give an article file (.txt, .md or .html)")
    if not path.exists() and path.is_symlink():  # "file not found" of a link that is there
        raise FileError(path, "a symbolic link that leads nowhere (a loop, or its target is gone)")
    if not path.exists():
        raise FileError(path, "file not found")
    return read_bytes(path, limit)


def _text_of(path: Path, data: bytes) -> str:
    """The text of a file's bytes without a byte-order mark; FileError when it is not text with content."""
    kind = _document_kind(path, data)
    if kind is not None:
        raise FileError(path, f"{kind}, not a text article; save it as plain text, Markdown or a web page (HTML) first")
    text = _unicode(path, data)
    if text is None and b"\x00" in data:
        raise FileError(path, "a binary file (it holds NUL bytes), not a text article")
    try:
        text = data.decode("utf-8-sig") if text is None else text
    except UnicodeDecodeError as exc:
        raise FileError(path, f"not UTF-8 text (byte {exc.start}); save it as UTF-8 first") from None
    text = visible(text)  # a rules page's blank line held a zero-width space, which ended a passage
    if not text.strip():
        raise FileError(path, "the file is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# The byte-order marks of UTF-32 and UTF-16, as Windows' Notepad saves "Unicode" text (its NUL bytes
# had made it "binary"). UTF-32's first: its little-endian mark begins with UTF-16's (FF FE 00 00),
# and a UTF-32 file read as UTF-16 had NULs between its letters and lost its heading into the text.
_MARKS = (
    ((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"), "UTF-32"),
    ((b"\xff\xfe", b"\xfe\xff"), "UTF-16"),
)


def _unicode(path: Path, data: bytes) -> str | None:
    """The text of a file that begins with a UTF-32 or UTF-16 byte-order mark; None for another file."""
    for marks, encoding in _MARKS:
        if data.startswith(marks):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise FileError(
                    path, f"not {encoding} text (byte {exc.start}), though it begins as one; save it as UTF-8"
                ) from None
    return None


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


# A file that begins with markup, not with a MIME message's headers: a web page (under an .mhtml
# name it was refused, "a page saved as a single file with no web page in it").
_MARKUP = re.compile(rb"(?:\xef\xbb\xbf)?\s*<")
# A file that starts like an HTML page, whatever its name.
_PAGE = re.compile(rb"\s*<(!doctype html|html)\b", re.IGNORECASE)
