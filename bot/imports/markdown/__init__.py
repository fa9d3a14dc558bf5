"""Markdown read for `kb import`, and the dialects documentation sites write.

    reader      a Markdown page made ready (front matter, dialects, comments, hidden elements) and read
    lines       Markdown read a line at a time: headings, paragraphs, list items, code, footnotes
    inline      inline markup made plain text, a link keeping its address
    pipetables  pipe tables, a sentence a row
    commonmark  reference links written inline, a list item's opening fence on its own line
    dialects    documentation sites' Markdown: MDX, boxes (:::, !!!), MyST directives, tabs
    myst        MyST's roles, labels and comments, as Sphinx shows them
    htmltables  HTML tables in a Markdown page, read as a web page's are

The rest of `bot.imports` uses only what this face exports.
"""

from bot.imports.markdown.inline import inline_markdown
from bot.imports.markdown.reader import from_markdown

__all__ = ["from_markdown", "inline_markdown"]
