"""Markdown read for `kb import`, and the dialects documentation sites write.

    reader      a Markdown page read: headings, paragraphs, list items, code, tables, footnotes
    commonmark  reference links written inline, a list item's opening fence on its own line
    dialects    documentation sites' Markdown: MDX, boxes (:::, !!!), MyST directives, tabs
    myst        MyST's roles, labels and comments, as Sphinx shows them
    htmltables  HTML tables in a Markdown page, read as a web page's are

The rest of `bot.imports` uses only what this face exports.
"""

from bot.imports.markdown.reader import from_markdown, inline_markdown

__all__ = ["from_markdown", "inline_markdown"]
