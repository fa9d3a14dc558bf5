"""A web page's chrome, as `kb import`'s page parser (`bot.imports.pages.parser`) leaves it out: HTML's
elements as the parser sorts them (blocks, inline, void; the end tags HTML lets authors leave out),
what is the site's and not the article's (navigation, banners, cookie notices, footers, a wiki's boxes
and marks) by tag, class, id or role, what marks the page's main content, and following an element
left out, or the main content, to its end (`Skipped`, `Open`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Left out with what is inside them; an <iframe>'s, <noembed>'s and <noframes>' content is the text a
# browser shows only when it cannot show the frame ("Your browser does not support iframes." was a
# passage), and so is a <video>'s, an <audio>'s and a <canvas>'s when it cannot play or draw them.
SKIPPED = frozenset(
    {"script", "style", "nav", "header", "footer", "noscript", "template", "svg", "head", "aside", "dialog",
     "iframe", "noembed", "noframes", "video", "audio", "canvas"}
)  # fmt: skip
# ...but inside the page's main content an <aside> is a note of the article, and a <header> heads an
# article or a section of it (`<section><header><h2>Parking</h2></header>`: its heading was lost).
OWN_IN_MAIN = frozenset({"aside", "header"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "dt", "summary"})
BLOCKS = HEADINGS | set(
    "p li dd td th tr div section article main aside blockquote pre ul ol dl table figcaption br hr body form "
    "details caption".split()
)
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
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
_OPTIONAL_END = {"p": BLOCKS, "li": {"li"}, "dd": {"dd", "dt"}, "dt": {"dd", "dt"}, "td": {"td", "th", "tr"},
                 "th": {"td", "th", "tr"}, "tr": {"tr"}, "head": BLOCKS | {"body"}}  # fmt: skip
# Class or id words of page chrome: left out with everything inside them. A wiki's boxes and marks (a
# stub's notice, `asbox`; a "Part of a series" sidebar, `nomobile`), a table of contents, the site's
# navigation, and a WordPress post's buttons, comments and widgets (themes built on Underscores put the
# sidebar in `<div id="content">`, the main content: a reader's comment had been served as an answer)
# are chrome wherever they stand...
_CHROME = frozenset(
    """toc navbox vertical-navbox infobox ambox asbox hatnote noprint nomobile mw-editsection mw-jump-link reflist
    refbegin mw-references-wrap catlinks printfooter mw-navigation sitesub contentsub jump-to-nav cookie-banner
    skip-link site-footer site-header cc-window cc-banner cc-revoke
    sharedaddy jp-relatedposts jetpack-likes-widget-wrapper comments comments-area comment-respond comment-list
    commentlist widget-area""".split()
)  # WordPress's: Jetpack's sharing and likes and related posts, the comments and their form, a sidebar
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


def is_chrome(tag: str, attrs: dict[str, str], *, in_main: bool = False) -> bool:
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


def is_permalink(attrs: dict[str, str], heading_id: str) -> bool:
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


def is_box_title(attrs: dict[str, str]) -> bool:
    """A box's title ("Note", "Warning"), as documentation sites mark it: VitePress's `custom-block-title`,
    Sphinx's and MkDocs's `admonition-title`, Docusaurus's `admonitionHeading_…`, GitHub's
    `markdown-alert-title`, a `callout-title`. It leads the box's text, as a Markdown box's title does
    ("Note: sudo may be required ..."); alone, "Note" had been a passage of its own."""
    parts = {part for word in attrs.get("class", "").split() for part in _name_parts(word)}
    return bool(parts & {"title", "heading"}) and bool(parts & {"admonition", "custom", "callout", "alert"})


def is_main(tag: str, attrs: dict[str, str]) -> bool:
    role, name = attrs.get("role", "").lower(), attrs.get("id", "").lower()
    return tag in ("main", "article") or role == "main" or name in _MAIN_IDS


@dataclass
class Open:
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
class Skipped:
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
        if tag not in VOID:
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
