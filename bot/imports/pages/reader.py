"""Reading a saved web page (HTML) for `kb import`: the page's main content as blocks, its chrome
(navigation, banners, cookie notices, footers, a wiki's boxes and marks) left out, its `<title>`
without the site's name. The standard library's `html.parser` reads it: no network, no package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bot.imports.blocks import (
    LINKS_KEPT,
    Article,
    Block,
    Notice,
    address_of,
    code_text,
    oneline,
    row_sentence,
    visible,
)
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
    parser = _PageParser(chrome=False)
    parser.feed(_tags_never_ended_as_text(fragment))
    parser.close()
    return parser.content()


def _parsed(page: str, *, own: bool = False) -> _PageParser:
    """The parser that has read `page`. Chrome left open to the page's end (a missing end tag) is
    read again as text, up to MAX_REREADS times; then the page is read without chrome rules."""
    text = _tags_never_ended_as_text(page)
    spared: set[tuple[int, int]] = set()
    for _ in range(MAX_REREADS + 1):
        parser = _PageParser(spared=spared, own=own)
        parser.feed(text)
        parser.close()
        if parser.swallowed is None:
            return parser
        spared.add(parser.swallowed)
    parser = _PageParser(chrome=False)
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
# Left out with what is inside them; an <iframe>'s, <noembed>'s and <noframes>' content is the text a
# browser shows only when it cannot show the frame ("Your browser does not support iframes." was a
# passage), and so is a <video>'s, an <audio>'s and a <canvas>'s when it cannot play or draw them.
_SKIPPED = frozenset(
    {"script", "style", "nav", "header", "footer", "noscript", "template", "svg", "head", "aside", "dialog",
     "iframe", "noembed", "noframes", "video", "audio", "canvas"}
)  # fmt: skip
# ...but inside the page's main content an <aside> is a note of the article, and a <header> heads an
# article or a section of it (`<section><header><h2>Parking</h2></header>`: its heading was lost).
_OWN_IN_MAIN = frozenset({"aside", "header"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "dt", "summary"})
_BLOCKS = _HEADINGS | set(
    "p li dd td th tr div section article main aside blockquote pre ul ol dl table figcaption br hr body form "
    "details caption".split()
)
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
# Inline elements are chrome only as a citation mark (`<sup class="reference">`), an edit or jump
# link, or a heading's permalink: a link of class "reference" (Sphinx writes every cross-reference so) is text.
# "lang": the language VitePress prints over a code block ("shell"), which had opened every command's passage.
_INLINE_CHROME = frozenset({"mw-editsection", "noprint", "mw-jump-link", "headerlink", "lang"})  # headerlink: ¶
# A footnote's mark in the text and the link back from the note ("↩"), as Markdown's site generators
# write them: DPUB-ARIA's roles (kramdown, so Jekyll; Pandoc), the classes of Python-Markdown (MkDocs),
# markdown-it, kramdown and GitHub, kramdown's `rel="footnote"` and GitHub's `data-footnote-*`. Read
# as text, "Wifi is free1 for members." and a "↩" were served; the note itself is the article's.
_NOTE_MARK_ROLES = frozenset({"doc-noteref", "doc-backlink"})
_NOTE_MARK_CLASSES = frozenset({"footnote-ref", "footnote-backref", "footnote-back", "reversefootnote"})
_NOTE_MARK_ATTRIBUTES = frozenset({"data-footnote-ref", "data-footnote-backref"})
# A heading's permalink ("#", "¶", "§" beside its text), by its class (VuePress's and VitePress's
# `header-anchor`, GitHub's and rustdoc's `anchor`, AnchorJS's, Docusaurus's `hash-link`) or by
# leading to the heading itself: "# Install" and "FAQ ¶" were sections.
_PERMALINK_CLASSES = frozenset({"header-anchor", "anchor", "anchorjs-link", "hash-link"})
_INLINE = frozenset(
    "a abbr b bdi bdo cite code data dfn em i kbd mark q s samp small span strong sub sup time u var".split()
)
# End tags HTML lets authors leave out: such an element also ends where the next block starts (a
# paragraph), where the next of its kind starts (a list item, a cell, a row), or where its parent ends.
_OPTIONAL_END = {"p": _BLOCKS, "li": {"li"}, "dd": {"dd", "dt"}, "dt": {"dd", "dt"}, "td": {"td", "th", "tr"},
                 "th": {"td", "th", "tr"}, "tr": {"tr"}, "head": _BLOCKS | {"body"}}  # fmt: skip
# Class or id words of page chrome: left out with everything inside them. A wiki's boxes and marks (a
# stub's notice, `asbox`; a "Part of a series" sidebar, `nomobile`), a table of contents and the site's
# navigation are chrome wherever they stand...
_CHROME = frozenset(
    """toc navbox vertical-navbox infobox ambox asbox hatnote noprint nomobile mw-editsection mw-jump-link reflist
    refbegin mw-references-wrap catlinks printfooter mw-navigation sitesub contentsub jump-to-nav cookie-banner
    skip-link site-footer site-header cc-window cc-banner cc-revoke""".split()
)
# ...these words only outside the page's main content: inside it they name the article's own parts (a
# café's `<div class="menu">` of dishes was left out, and the "Metadata" keys of a tool's settings).
_CHROME_OUTSIDE_MAIN = frozenset({"menu", "sidebar", "metadata", "reference", "references", "footer"})
# Ids that Sphinx, MkDocs, Hugo and Docusaurus make from a heading's words: a heading is never chrome
# by its id, and neither is docutils' section (`<div class="section">`) nor, inside the main content,
# a `<section>` ("Metadata" and "Sidebar" sections were left out whole, or their text filed under the
# heading before them). Outside it, a `<section id="footer">` or `id="sidebar"` is the site's, as
# HTML5 templates mark their footer and sidebar.
_HEADINGS_BY_ID = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
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
# Roles of chrome; inside the main content only navigation, a search form and a dialog are (a
# `role="note"` there, a menu's allergy warning, is the article's).
_CHROME_ROLES = frozenset({"navigation", "search", "dialog", "alertdialog"})
_CHROME_ROLES_OUTSIDE_MAIN = _CHROME_ROLES | {"banner", "contentinfo", "complementary", "note"}
_MAIN_IDS = frozenset({"content", "main", "main-content", "maincontent", "mw-content-text", "bodycontent", "article"})


def _is_chrome(tag: str, attrs: dict[str, str], *, in_main: bool = False) -> bool:
    named = [*attrs.get("class", "").split(), *_chrome_id(tag, attrs, in_main=in_main)]
    words = {word.lower() for word in named}
    if tag in _INLINE:
        return bool(words & _INLINE_CHROME) or (tag == "sup" and "reference" in words) or _is_note_mark(attrs)
    chrome_words = _CHROME if in_main else _CHROME | _CHROME_OUTSIDE_MAIN
    roles = _CHROME_ROLES if in_main else _CHROME_ROLES_OUTSIDE_MAIN
    if words & chrome_words or attrs.get("role", "").lower() in roles:
        return True
    return any(_is_chrome_name(_name_parts(word), in_main=in_main) for word in named if word)


def _is_note_mark(attrs: dict[str, str]) -> bool:
    """A footnote's mark or the link back from its note (`_NOTE_MARK_ROLES`, ...)."""
    classes = {word.lower() for word in attrs.get("class", "").split()}
    return (
        attrs.get("role", "").lower() in _NOTE_MARK_ROLES
        or bool(classes & _NOTE_MARK_CLASSES)
        or "footnote" in attrs.get("rel", "").lower().split()
        or not _NOTE_MARK_ATTRIBUTES.isdisjoint(attrs)
    )


def _is_permalink(attrs: dict[str, str], heading_id: str) -> bool:
    """A link in a heading that leads to the heading itself (`_PERMALINK_CLASSES`)."""
    classes = {word.lower() for word in attrs.get("class", "").split()}
    return bool(classes & _PERMALINK_CLASSES) or (bool(heading_id) and attrs.get("href") == f"#{heading_id}")


def _chrome_id(tag: str, attrs: dict[str, str], *, in_main: bool) -> list[str]:
    """The element's id, when it may mark chrome: not a heading's, nor a section's whose id
    documentation tools make from its heading's words (see `_HEADINGS_BY_ID`)."""
    documented = "section" in attrs.get("class", "").lower().split() or (tag == "section" and in_main)
    return [] if tag in _HEADINGS_BY_ID or documented else [attrs.get("id", "")]


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


def _is_box_title(attrs: dict[str, str]) -> bool:
    """A box's title ("Note", "Warning"), as documentation sites mark it: VitePress's `custom-block-title`,
    Sphinx's and MkDocs's `admonition-title`, Docusaurus's `admonitionHeading_…`, GitHub's
    `markdown-alert-title`, a `callout-title`. It leads the box's text, as a Markdown box's title does
    ("Note: sudo may be required ..."); alone, "Note" had been a passage of its own."""
    parts = {part for word in attrs.get("class", "").split() for part in _name_parts(word)}
    return bool(parts & {"title", "heading"}) and bool(parts & {"admonition", "custom", "callout", "alert"})


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
        self._skip: _Skipped | None = None  # the element being left out
        self._main: _Open | None = None  # the main element we are in
        self._header: _Open | None = None  # a <header> inside it: only its headings are read
        self._in_title = False
        self._heading = False
        self._heading_id = ""  # the id of the heading being read
        self._permalink: int | None = None  # where the text of a heading's permalink being read starts
        self._permalinks: list[tuple[int, int]] = []  # where the heading's permalinks' texts are
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
        self._box_title = False  # the block being read is a box's title (`_is_box_title`)
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
        by_attributes = self._chrome and tag not in _VOID and tag != "body"
        by_attributes = by_attributes and _is_chrome(tag, named, in_main=self._main is not None)
        by_attributes = by_attributes and self.getpos() not in self._spared
        skipped = tag in _SKIPPED and not (tag in _OWN_IN_MAIN and self._main is not None)
        skipped = skipped and not (tag == "header" and self._own)
        if skipped or by_attributes:
            if tag in _BLOCKS:  # a citation mark (<sup>) leaves its sentence whole
                self._flush()
            self._skip = _Skipped(tag, [])
            self._by_attributes = by_attributes and tag not in _SKIPPED
            self._skip_at = self.getpos()
            return
        if self._header is not None:
            self._header.enter(tag)
        elif tag == "header" and self._main is not None and not self._own:
            self._header = _Open(tag)
        if self._main is not None:
            self._main.enter(tag)
        elif tag not in _VOID and _is_main(tag, named):
            self._flush()
            self._main = _Open(tag)
        if tag == "a" and "href" in named:
            self._link = (named["href"], len(self._text))
        if tag == "a" and self._heading and _is_permalink(named, self._heading_id):
            self._permalink = len(self._text)
        if tag == "br":
            self._line_break()
        elif tag in _BLOCKS:
            self._flush()
            self._box_title = _is_box_title(named)
            self._heading = tag in _HEADINGS
            self._heading_id = named.get("id", "") if self._heading else ""
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
        if tag in _BLOCKS:
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
        if tag == "table":  # a table in a cell is read in it (`_table_end`), unless it lays out the page
            self._tables.append(_Table())
        elif table is not None and tag == "tr":
            table.row()
        elif table is not None and tag in ("td", "th"):
            table.open_cell(tag)
        elif table is not None and table.cell is not None and tag not in ("br", "hr", "div"):
            # a paragraph, list or heading in a cell: not a table of data (but see `_Table`: a cell's one <p>)
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

MIN_LAID_OUT = 100  # characters of a cell's paragraphs parted by <br><br> that make a table a page's layout
MAX_BOX_TITLE = 80  # characters: a longer "title" is text of its own

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
    the blocks its cells made, the cell open now, and whether it lays out the page instead.

    A table lays out the page when a cell holds blocks: paragraphs, lists, headings, a layout table,
    or prose of MIN_LAID_OUT characters parted by `<br><br>`, in a table without headers (an old club
    site's content cell beside its links: it was read as one row of data, the links first, its
    paragraphs run together). A cell of two short lines parted so, a name over an email address, is data.
    So is a cell of one paragraph in a table with header cells (Jekyll's docs write each cell's text in
    a `<p>` under "File / Directory" and "Description": laid out, "_config.yml" had been a passage of
    its own, apart from what the file is for); without header cells, a `<p>` in a cell lays it out."""

    rows: list[list[tuple[str, bool]]] = field(default_factory=list)  # each cell's text, and whether a <th>
    cells: list[int] = field(default_factory=list)  # indexes of the blocks its cells made
    cell: str | None = None
    layout: bool = False  # a cell holds blocks
    paragraphs: set[tuple[int, int]] = field(default_factory=set)  # the cells (row, place) that hold a <p>
    parted: bool = False  # a <br><br> ended a paragraph of the open cell
    prose: list[tuple[int, int]] = field(default_factory=list)  # the cells (row, place) of paragraphs parted so

    def row(self) -> None:
        self.rows.append([])
        self.cell = None
        self.parted = False

    def open_cell(self, tag: str) -> None:
        if not self.rows:
            self.rows.append([])
        self.rows[-1].append(("", tag == "th"))
        self.cell = tag
        self.parted = False

    def first_paragraph(self) -> bool:
        """A `<p>` opens in the open cell: True when it is the cell's first."""
        at = (len(self.rows) - 1, len(self.rows[-1]) - 1)
        first = at not in self.paragraphs
        self.paragraphs.add(at)
        return first

    def part(self) -> None:
        """`<br><br>`: it parts paragraphs of the open cell when text stands before it and after it
        (not a cell's `<br>`s around one line)."""
        self.parted = self.cell is not None and bool(self.rows[-1][-1][0])

    def take(self, block: int, text: str) -> None:
        if self.parted:  # a second paragraph after <br><br>
            self.prose.append((len(self.rows) - 1, len(self.rows[-1]) - 1))
        self.cells.append(block)
        held, head = self.rows[-1][-1]
        self.rows[-1][-1] = (f"{held} {text}".strip(), head)

    def lays_out(self) -> bool:
        """Whether the table lays out the page (see the class): a cell holds blocks (a paragraph, in a
        table without a header cell), or, in such a table, a cell of paragraphs parted by `<br><br>` is
        MIN_LAID_OUT characters or more (a page's prose; a contact cell's name over its address is
        shorter). Comparing it with the cells beside it misread an old site's column of nine links as
        data of that length."""
        if self.layout:
            return True
        headed = any(head for row in self.rows for _, head in row)
        if self.paragraphs and not headed:
            return True
        if not self.prose or headed:
            return False
        return any(len(self.rows[at][place][0]) >= MIN_LAID_OUT for at, place in self.prose)

    def text(self, *, within: bool = False) -> str:
        """A sentence a row, cells named by the header row: the first row of headers (an empty corner
        cell allowed) as wide as the table, with rows under it; rows above it (a title spanning the
        columns) and every row of a table without one are sentences of their cells alone. `within` a
        cell of another table, the rows are parted by ";" ("Hours: Morning, 9-12; Afternoon, 14-18."):
        a nested table had made a passage of each cell of the table around it."""
        rows = [row for row in self.rows if any(text for text, _ in row)]
        wide = max(map(len, rows), default=0)
        heads = [
            at
            for at, row in enumerate(rows[:-1])
            if len(row) == wide and all(head or (place == 0 and not text) for place, (text, head) in enumerate(row))
        ]
        at = heads[0] if heads else len(rows)
        header = [text for text, _ in rows[at]] if heads else []
        above = [row_sentence([], [text for text, _ in row]) for row in rows[:at]]
        below = [row_sentence(header, [text for text, _ in row]) for row in rows[at + 1 :]]
        sentences = list(filter(None, above + below))
        return "; ".join(s.removesuffix(".") for s in sentences) if within else " ".join(sentences)
