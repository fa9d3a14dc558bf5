"""Reading a saved web page (HTML) for `kb import`: the page's main content as blocks, its chrome
(navigation, banners, cookie notices, footers, a wiki's boxes and marks) left out, its `<title>`
without the site's name. The standard library's `html.parser` reads it: no network, no package.
The parser: `bot.imports.pages.parser`; what is chrome: `chrome`; tables: `tables`.
"""

from __future__ import annotations

import re

from bot.imports.blocks import Article, Block, Notice
from bot.imports.pages.parser import PageParser
from bot.imports.templates import site_page, template_notices, unread_front_matter


def from_html(text: str) -> Article:
    """A saved web page: h1-h6 (and dt, summary) are headings; p, li, dd, td and other blocks are
    paragraphs. Only the page's main content when it marks one (`<main>`, `<article>`,
    `role="main"`, an id such as `content`); scripts, styles, navigation, headers, footers and the
    chrome that wikis and sites mark by class or id (tables of contents, info boxes, navigation
    boxes, edit links, citation marks, reference lists) are left out. A site's page with front
    matter (`bot.imports.templates`) is read as the site shows it, titled by its front matter when
    it has no `<title>`."""
    notices = tuple(filter(None, [unread_front_matter(text)])) + template_notices(text)
    matter_title, page = site_page(text, html=True)
    own = page is not text  # the page's own content: the site's layout puts the chrome around it
    above = text.count("\n") - page.count("\n")  # the lines of front matter over the page (notices' lines)
    parser = _parsed(page, own=own)
    if parser.unclosed_comment:
        notices += (
            Notice(
                above + parser.unclosed_comment, "a comment (<!--) is never closed: the rest of the page is left out"
            ),
        )
    return Article(tuple(parser.content()), _page_title(parser.title) or matter_title, notices)


def html_blocks(fragment: str) -> list[Block]:
    """The blocks of a piece of HTML in another format's page (a `<table>` in Markdown, see
    `bot.imports.markdown.htmltables`), read as a web page's are: a table of data is a sentence a row. It is
    the article's own content, so no class, id or role makes it a site's chrome (a README's
    `<table class="menu">` of dishes was left out whole); `<script>`, `<style>` and the like still are."""
    parser = PageParser(chrome=False)
    parser.feed(_tags_never_ended_as_text(fragment))
    parser.close()
    return parser.content()


def _parsed(page: str, *, own: bool = False) -> PageParser:
    """The parser that has read `page`. Chrome left open to the page's end (a missing end tag) is
    read again as text, up to MAX_REREADS times; then the page is read without chrome rules."""
    text = _tags_never_ended_as_text(page)
    spared: set[tuple[int, int]] = set()
    for _ in range(MAX_REREADS + 1):
        parser = PageParser(spared=spared, own=own)
        parser.feed(text)
        parser.close()
        if parser.swallowed is None:
            return parser
        spared.add(parser.swallowed)
    parser = PageParser(chrome=False)
    parser.feed(text)
    parser.close()
    return parser


def _tags_never_ended_as_text(page: str) -> str:
    """`page` with each `<` after the last `>` written `&lt;`: text, as the parser would read it in
    the end, but for a comment's opening (whose notice says the rest of the page is left out). The
    standard library's parser looks for the `>` of each tag, end tag, declaration or instruction to
    the page's end, so a page of "<a " or "</a " repeated took time quadratic in its size (a minute
    for 48 KB)."""
    end = page.rfind(">") + 1
    return page[:end] + _OPENING.sub("&lt;", page[end:])


_OPENING = re.compile(r"<(?!!--)")


def _page_title(title: str) -> str | None:
    """A page's `<title>` without the site's name after a bar ("Jekyll on macOS | Jekyll • Simple,
    blog-aware, static sites" was every citation's title)."""
    return title.split(" | ")[0].strip() or None if title else None


MAX_REREADS = 8  # chrome elements left open to the end read again as text, before every chrome rule is dropped
