"""A saved web page (HTML) read for `kb import`: its main content, its chrome left out.

    reader  the page's blocks and title, and a piece of HTML in another format's page

The rest of `bot.imports` uses only what this face exports.
"""

from bot.imports.pages.reader import from_html, html_blocks

__all__ = ["from_html", "html_blocks"]
