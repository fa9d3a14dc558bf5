"""A saved web page (HTML) read for `kb import`: its main content, its chrome left out.

    reader  the page's blocks and title, and a piece of HTML in another format's page
    parser  the standard library's HTML parser, collecting blocks, title, lists, links and tables
    chrome  HTML's elements by kind, and what of a page is the site's chrome, not the article
    tables  a table of data a sentence a row; a table that lays out the page read as its blocks
    mhtml   a page saved as a single file (MHTML): the web page in it, and where its lines are
    charsets  a page's charset label as browsers read it (the WHATWG Encoding Standard), and its bytes decoded so

The rest of `bot.imports` uses only what this face exports.
"""

from bot.imports.pages.charsets import page_in_utf8
from bot.imports.pages.mhtml import is_saved_page, saved_page
from bot.imports.pages.reader import from_html, html_blocks

__all__ = ["from_html", "html_blocks", "is_saved_page", "page_in_utf8", "saved_page"]
