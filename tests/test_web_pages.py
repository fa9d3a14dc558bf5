"""`kb import` of a saved web page (`bot.imports.pages`): what a reader sees in a browser is read.

An outside test (session 18) found whole sections of documentation left out as if they were the
site's chrome, a nested table cut into a passage a cell, an old club site's layout table read as one
row of data, and text that browsers never show (an iframe's fallback, an unclosed comment) served.
"""

from __future__ import annotations

from pathlib import Path

from bot.imports import articles
from bot.imports.drafts import drafts_of


def _read(page: str) -> list[tuple[str, str]]:
    """Each block of the page: its heading's level ("h2"), or "" for a paragraph, and its text."""
    return [(f"h{b.level}" if b.heading else "", b.text) for b in articles.from_html(page).blocks]


SPHINX_PAGE = """<html><head><title>Configuration</title></head><body>{open}
<section id="configuration"><h1>Configuration</h1><p>Tool reads tool.toml.</p>
<section id="metadata"><h2>Metadata</h2><p>The name and version keys are required.</p></section>
<section id="menu"><h2>Menu</h2><p>The menu key lists the tray's commands.</p></section>
<section id="reference"><h2>Reference</h2><p>Every setting can be an environment variable.</p></section>
<div class="section" id="footer"><h2>Footer</h2><p>The footer key sets the report's last line.</p></div>
<section id="sidebar"><h2>Sidebar</h2><p>Set sidebar to false to hide it.</p></section>
</section>{close}</body></html>"""


def test_a_section_named_like_chrome_by_its_heading_is_read_whole() -> None:
    """Sphinx gives each section the id of its heading (`<section id="metadata">` in its main content,
    docutils' `<div class="section">` with or without one): sections titled Metadata, Menu, Reference,
    Footer or Sidebar were left out whole, with no warning."""
    docutils = SPHINX_PAGE.replace("<section ", '<div class="section" ').replace("</section>", "</div>")
    for page in [
        SPHINX_PAGE.format(open='<div class="body" role="main">', close="</div>"),
        docutils.format(open="", close=""),
    ]:
        found = _read(page)
        assert [text for level, text in found if level == "h2"] == [
            "Metadata",
            "Menu",
            "Reference",
            "Footer",
            "Sidebar",
        ]
        assert len([text for level, text in found if not level]) == 6


def test_a_sites_footer_and_sidebar_sections_outside_the_main_content_are_left_out() -> None:
    """HTML5 templates (HTML5 UP's) mark the site's parts `<section id="sidebar">` and `<section
    id="footer">`: on a page that marks no main content, its latest posts and copyright line were passages."""
    page = (
        "<body><h1>Chess club</h1><p>We meet every Tuesday evening in the library.</p>"
        '<section id="sidebar"><h3>Latest posts</h3><ul><li>Spring tournament results</li></ul></section>'
        '<section id="footer"><p>Copyright 2024 Chess club. Powered by WordPress.</p></section>'
        '<section id="rules"><h2>Rules</h2><p>Touch a piece, move it.</p></section></body>'
    )
    assert _read(page) == [
        ("h1", "Chess club"),
        ("", "We meet every Tuesday evening in the library."),
        ("h2", "Rules"),
        ("", "Touch a piece, move it."),
    ]


def test_a_heading_named_like_chrome_by_its_id_stays_over_its_text() -> None:
    """MkDocs, Hugo and Docusaurus give headings ids made of their words (`<h2 id="metadata">`): the
    heading was left out, and its text filed under the heading before it."""
    page = (
        '<article class="md-content__inner"><h1 id="configuration">Configuration</h1><h2 id="install">Install</h2>'
        '<p>Install it with pip.</p><h2 id="metadata">Metadata</h2><p>The name key is required.</p>'
        '<h2 id="toc">toc</h2><p>The toc key turns the table of contents on.</p></article>'
    )
    assert _read(page)[3:] == [
        ("h2", "Metadata"),
        ("", "The name key is required."),
        ("h2", "toc"),
        ("", "The toc key turns the table of contents on."),
    ]


def test_in_the_main_content_a_menu_and_a_note_are_the_articles_own() -> None:
    """A café's `<div class="menu">` of dishes and a `role="note"` allergy warning in `<main>` were left
    out ("how much is the soup?" was not known); the site's menu outside it, a table of contents and
    navigation inside it are still left out."""
    page = (
        '<body><div class="menu"><a href="/">Home</a></div><main><h1>Lunch</h1><div class="toc">Contents</div>'
        '<div class="menu"><h3>Soup</h3><p>Tomato soup, 6 euros.</p></div><div role="navigation">Next page</div>'
        '<div role="note"><p>Dishes may contain nuts.</p></div></main><div role="note">Site news</div></body>'
    )
    assert _read(page) == [
        ("h1", "Lunch"),
        ("h3", "Soup"),
        ("", "Tomato soup, 6 euros."),
        ("", "Dishes may contain nuts."),
    ]


def test_an_iframes_fallback_text_is_not_read() -> None:
    """What an `<iframe>` holds shows only in a browser that cannot show frames: "Your browser does not
    support iframes." was a passage, answered to "where are you?"."""
    page = (
        '<main><h2>Contact</h2><p>12 Elm Street.</p><iframe src="https://maps.example.org/embed">'
        "<p>Your browser does not support iframes.</p></iframe><p>Call us any day.</p></main>"
    )
    assert _read(page) == [("h2", "Contact"), ("", "12 Elm Street."), ("", "Call us any day.")]


def html_texts(page: str) -> list[tuple[str, str]]:
    """The (section, text) of each passage `kb import` would draft from a saved web page."""
    _title, found = drafts_of(articles.from_html(page))
    return [(d.section, d.text) for d in found]


def test_a_video_or_audio_elements_fallback_text_is_not_a_passage() -> None:
    """What `<video>` and `<audio>` hold shows only in a browser that cannot play them, as an iframe's does."""
    page = (
        '<main><h2>Tour</h2><p>Watch the tour of the hall.</p><video controls src="tour.mp4">'
        'Your browser does not support the video tag.</video><audio src="welcome.mp3">'
        "<p>Your browser does not support audio.</p></audio><p>The hall seats 200.</p></main>"
    )
    assert html_texts(page) == [("Tour", "Watch the tour of the hall."), ("Tour", "The hall seats 200.")]


def test_a_jekyll_pages_footnote_mark_and_back_link_are_not_glued_into_the_text() -> None:
    """kramdown's footnotes (Jekyll, DPUB-ARIA `doc-noteref`/`doc-backlink`): "Wifi is free1" and a "↩" were served."""
    page = (
        '<main><h2>Wifi</h2><p>Wifi is free<sup id="fnref:1" role="doc-noteref"><a href="#fn:1" class="footnote" '
        'rel="footnote">1</a></sup> for members.</p><div class="footnotes" role="doc-endnotes"><ol>'
        '<li id="fn:1" role="doc-endnote"><p>Ask the desk for the password.&nbsp;<a href="#fnref:1" '
        'class="reversefootnote" role="doc-backlink">&#8617;</a></p></li></ol></div></main>'
    )
    found = html_texts(page)
    assert [text for _, text in found if "free" in text] == ["Wifi is free for members."]
    assert not any("↩" in text for _, text in found)


def test_footnote_marks_of_other_site_generators_are_left_out_too() -> None:
    """Pandoc, Python-Markdown (MkDocs), markdown-it and GitHub mark a footnote's reference and its back
    link by other classes and attributes; the note's own text stays a passage."""
    marks = [
        ('<a href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref"><sup>1</sup></a>',
         '<a href="#fnref1" class="footnote-back" role="doc-backlink">↩︎</a>'),
        ('<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>',
         '<a class="footnote-backref" href="#fnref:1" title="Jump back">&#8617;</a>'),
        ('<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>',
         '<a href="#fnref1" class="footnote-backref">↩︎</a>'),
        ('<sup><a href="#user-content-fn-1" id="user-content-fnref-1" data-footnote-ref>1</a></sup>',
         '<a href="#user-content-fnref-1" data-footnote-backref class="data-footnote-backref">↩</a>'),
    ]  # fmt: skip
    for mark, back in marks:
        page = f"<main><h2>Wifi</h2><p>Wifi is free{mark} for members.</p><ol><li><p>Ask the desk.{back}</p></li></ol>"
        assert [text for _, text in html_texts(page)] == ["Wifi is free for members.", "Ask the desk."], mark


def test_a_headings_permalink_is_left_out_of_its_section() -> None:
    """VuePress's `<a class="header-anchor">#</a>` and a "¶" self-link were read into the section ("# Install")."""
    page = (
        '<html><head><title>Guide</title></head><body><div class="theme-default-content">'
        '<h2 id="install"><a href="#install" class="header-anchor">#</a> Install</h2>'
        "<p>Run the installer and follow the prompts.</p>"
        '<h2 id="faq">FAQ <a class="anchor" href="#faq">¶</a></h2><p>Ask us anything at the desk.</p>'
        "</div></body></html>"
    )
    assert [section for section, _ in html_texts(page)] == ["Install", "FAQ"]


def test_a_heading_that_is_all_a_link_to_itself_keeps_its_text() -> None:
    """mdBook links each heading's whole text to the heading (`<a class="header" href="#install">`): that
    link is the heading, not a permalink beside it."""
    page = '<main><h2 id="install"><a class="header" href="#install">Install</a></h2><p>Run the installer.</p></main>'
    assert html_texts(page) == [("Install", "Run the installer.")]


def test_a_sections_own_header_in_the_main_content_keeps_its_heading() -> None:
    """HTML5 heads a section with `<section><header><h2>`: inside `<main>` that header is the section's, not
    the site's; its heading was left out, and every passage fell under "Introduction", which /help does not offer."""
    page = (
        "<html><head><title>Club</title></head><body><header><nav>Home</nav></header><main>"
        "<section><header><h2>Parking</h2></header><p>Park on Elm Street.</p></section>"
        "<section><header><h2>Fees</h2></header><p>A card costs five euros.</p></section></main></body></html>"
    )
    assert html_texts(page) == [("Parking", "Park on Elm Street."), ("Fees", "A card costs five euros.")]


def _texts(path: Path) -> list[tuple[str, str]]:
    """The (section, text) of each passage `kb import` would draft from the article at `path`."""
    _title, found = drafts_of(articles.read(path))
    return [(draft.section, draft.text) for draft in found]


JEKYLL_POST = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Club rules | Chess Club</title></head>
<body><header class="site-header" role="banner"><a class="site-title" href="/">Chess Club</a></header>
<main class="page-content" aria-label="Content"><div class="wrapper">
<article class="post h-entry" itemscope itemtype="http://schema.org/BlogPosting">
  <header class="post-header">
    <h1 class="post-title p-name" itemprop="name headline">Club rules</h1>
    <p class="post-meta"><time class="dt-published" datetime="2024-03-03T10:00:00+00:00">Mar 3, 2024
      </time>• <span itemprop="author"><span class="p-author h-card" itemprop="name">Jane Doe</span></span></p>
  </header>
  <div class="post-content e-content" itemprop="articleBody">
<h2 id="fees">Fees</h2>
<p>The fee is ten euros a year.</p>
  </div>
</article>
</div></main><footer class="site-footer h-card"></footer></body></html>
"""


def test_a_posts_date_and_author_in_its_header_are_not_a_passage(tmp_path: Path) -> None:
    """The date and author in a post's `<header>` (Jekyll's default theme) are not a passage, as before."""
    article = tmp_path / "rules.html"
    article.write_text(JEKYLL_POST, encoding="utf-8")
    # drafted: ("Introduction", "Mar 3, 2024 • Jane Doe") before the rules; before today's change, only the rules
    assert _texts(article) == [("Fees", "The fee is ten euros a year.")]


def test_a_comment_never_closed_hides_the_rest_of_the_page_as_in_a_browser() -> None:
    """A `<!--` without its `-->` hides everything after it in a browser; the import read it as the text
    "<!-- unclosed comment <h2>X" and the page after it. A closed comment is left out as before."""
    page = (
        "<main><!-- <h2>Secret</h2><p>Hidden.</p> --><h2>Open</h2><p>Visible text.</p>"
        "<!-- unclosed comment <h2>X</h2><p>after</p></main>"
    )
    assert _read(page) == [("h2", "Open"), ("", "Visible text.")]


def test_comments_ended_the_html5_way_hide_only_themselves() -> None:
    """Browsers read `<!-->` and `<!--->` as empty comments and `--!>` as a comment's end: the import
    read each as a comment never closed, and left out the rest of the page without a word."""
    for comment in ["<!-->", "<!--->", "<!-- old -- text --!>"]:
        page = f"<main><h2>Open</h2><p>Visible text.</p>{comment}<p>Text after the comment.</p></main>"
        assert _read(page) == [("h2", "Open"), ("", "Visible text."), ("", "Text after the comment.")]


def test_a_comment_never_closed_is_named_at_its_line() -> None:
    """The moderator hears of a comment that hides the rest of the page, as of a `{% comment %}` never closed."""
    page = "<main>\n<h2>Open</h2>\n<p>Visible text.</p>\n<!-- unclosed\n<p>after</p></main>"
    assert [(n.line, n.text) for n in articles.from_html(page).notices] == [
        (4, "a comment (<!--) is never closed: the rest of the page is left out")
    ]
    assert articles.from_html("<main><p>Text.</p><!-- closed --></main>").notices == ()


def test_a_table_in_a_cell_of_a_table_of_data_is_read_in_that_cell() -> None:
    """A table of opening hours with a nested table for Tuesday was cut into a passage a cell ("Day",
    "9-17", "closed" were answers of their own): it is one paragraph, the nested rows in their cell."""
    page = (
        "<main><h2>Hours</h2><table><tr><th>Day</th><th>Hours</th></tr><tr><td>Monday</td><td>9-17</td></tr>"
        "<tr><td>Tuesday</td><td><table><tr><td>Morning</td><td>9-12</td></tr><tr><td>Afternoon</td>"
        "<td>14-18</td></tr></table></td></tr><tr><td>Wednesday</td><td>closed</td></tr></table></main>"
    )
    assert _read(page) == [
        ("h2", "Hours"),
        ("", "Day: Monday, Hours: 9-17. Day: Tuesday, Hours: Morning, 9-12; Afternoon, 14-18. "
             "Day: Wednesday, Hours: closed."),
    ]  # fmt: skip


def test_a_table_with_header_cells_whose_cells_each_hold_one_paragraph_is_data() -> None:
    """Jekyll's docs write each cell's text in a `<p>` under a header row: read as a layout, "_config.yml"
    was a passage of one word, apart from what the file is for. A cell of two paragraphs still lays out."""
    data = (
        "<main><table><tr><th>File</th><th>Description</th></tr>"
        "<tr><td><p><code>_config.yml</code></p></td><td><p>Stores configuration data.</p></td></tr>"
        "<tr><td><p><code>_drafts</code></p></td><td><p>Drafts are unpublished posts.</p></td></tr></table></main>"
    )
    assert _read(data) == [
        ("", "File: _config.yml, Description: Stores configuration data. File: _drafts, Description: Drafts are "
         "unpublished posts."),
    ]  # fmt: skip
    two = data.replace(
        "<p>Drafts are unpublished posts.</p>", "<p>Drafts are unpublished.</p><p>They have no date.</p>"
    )
    assert ("", "_drafts") in _read(two)


def test_a_table_holding_a_layout_table_lays_out_the_page_too() -> None:
    """A page laid out by tables in tables keeps its paragraphs, the inner table's and the outer's (a
    row of the outer table is not read as a row of data)."""
    page = (
        "<table><tr><td><table><tr><td><p>Welcome to the club.</p><p>We meet on Tuesdays.</p></td></tr></table>"
        "</td></tr><tr><td>Boards are provided.</td><td>Tea is free.</td></tr></table>"
    )
    assert [text for _, text in _read(page)] == [
        "Welcome to the club.",
        "We meet on Tuesdays.",
        "Boards are provided.",
        "Tea is free.",
    ]


OLD_CLUB_SITE = """<html><head><title>Old Club Site</title></head><body>
<table width="100%"><tr><td width="150" valign="top"><a href="index.html">Home</a><br><a href="news.html">News</a></td>
<td valign="top"><font face="Arial"><b>Welcome to the chess club!</b><br><br>
We meet every Tuesday at 19:00 in the community centre.<br><br>
<b>Membership</b><br>Membership costs 30 pounds a year.<br><br>
<b>Tournaments</b><br>Our spring tournament is held in April.
</font></td></tr></table></body></html>"""


def test_a_layout_table_of_paragraphs_parted_by_two_breaks_keeps_its_paragraphs() -> None:
    """An old club site's links beside its content, paragraphs parted by `<br><br>`, was read as one row
    of data: one passage that began "Home News, Welcome to the chess club!"."""
    assert [text for _, text in _read(OLD_CLUB_SITE)] == [
        "Home News",
        "Welcome to the chess club!",
        "We meet every Tuesday at 19:00 in the community centre.",
        "Membership Membership costs 30 pounds a year.",
        "Tournaments Our spring tournament is held in April.",
    ]
    links = "<br>".join(f'<a href="p{n}.html">Page number {n}</a>' for n in range(9))  # a longer column of links
    many = OLD_CLUB_SITE.replace('<a href="index.html">Home</a><br><a href="news.html">News</a>', links)
    assert [text for _, text in _read(many)][1:3] == [
        "Welcome to the chess club!",
        "We meet every Tuesday at 19:00 in the community centre.",
    ]


def test_a_table_of_data_with_two_breaks_in_its_cells_stays_a_table_of_data() -> None:
    """A contacts table's cells hold a name and an email address parted by `<br><br>`: it was read as a
    layout, "Team" and "Contact" passages of one word each. With a header row, or without one when no
    cell is long prose beside short ones, it is data."""
    rows = (
        "<tr><td>Membership</td><td>Anna Berg<br><br>anna@example.org</td></tr>"
        "<tr><td>Events</td><td>Tom Lee<br><br>tom@example.org</td></tr></table>"
    )
    headed = f"<main><h2>Contacts</h2><table><tr><th>Team</th><th>Contact</th></tr>{rows}</main>"
    assert _read(headed) == [
        ("h2", "Contacts"),
        ("", "Team: Membership, Contact: Anna Berg anna@example.org. Team: Events, Contact: Tom Lee tom@example.org."),
    ]
    assert _read(f"<main><table>{rows}</main>") == [
        ("", "Membership, Anna Berg anna@example.org. Events, Tom Lee tom@example.org.")
    ]


def test_breaks_around_one_line_of_a_cell_leave_a_table_of_data() -> None:
    """Only text on both sides of a `<br><br>` makes paragraphs: lines broken with one `<br>`, or breaks
    before or after a cell's line, are still a row of data."""
    page = (
        "<table><tr><th>Day</th><th>Hours</th></tr><tr><td><br><br>Monday</td><td>9-12<br>14-18<br><br></td></tr>"
        "</table>"
    )
    assert [text for _, text in _read(page)] == ["Day: Monday, Hours: 9-12 14-18."]


def test_a_wikis_sidebar_and_stub_notice_in_the_article_are_still_left_out() -> None:
    """Inside a wiki article's main content, its "Part of a series" sidebar and its stub notice are chrome
    by the marks MediaWiki gives them, now that "sidebar" and "metadata" alone mark nothing there."""
    page = (
        '<div id="mw-content-text"><table class="sidebar nomobile nowraplinks"><tr><td>Part of a series on ice'
        '</td></tr></table><p>A glacier is dense ice.</p><div role="note" class="metadata plainlinks asbox stub">'
        "This article is a stub.</div></div>"
    )
    assert _read(page) == [("", "A glacier is dense ice.")]


def test_a_boxs_title_leads_its_text_as_the_documentation_sites_mark_it() -> None:
    """VitePress's `custom-block-title`, Sphinx's `admonition-title`, Docusaurus's `admonitionHeading_…`:
    "Note" was a passage of its own (asdf's real pages, session 18), its sentence another."""
    boxes = [
        '<div class="tip custom-block"><p class="custom-block-title">Note</p><p><code>sudo</code> may be'
        " required.</p></div>",
        '<div class="admonition warning"><p class="admonition-title">Warning</p><p>sudo may be required.</p></div>',
        '<div class="theme-admonition"><div class="admonitionHeading_Gvgb"><span class="admonitionIcon_Rf37">'
        "</span>note</div><div><p>sudo may be required.</p></div></div>",
    ]
    leads = ["Note", "Warning", "Note"]
    for box, lead in zip(boxes, leads, strict=True):
        found = _read(f"<main><h2>Install</h2>{box}<p>Then run it.</p></main>")
        assert found == [("h2", "Install"), ("", f"{lead}: sudo may be required."), ("", "Then run it.")], box


def test_the_language_over_a_code_block_is_not_read_as_its_first_line() -> None:
    """VitePress prints the code's language ("shell") and a copy button over each block: "shell" had
    opened every command's passage."""
    page = (
        '<main><p>Clone it:</p><div class="language-shell vp-adaptive-theme"><button title="Copy Code" class="copy">'
        '</button><span class="lang">shell</span><pre class="shiki"><code><span class="line">git clone x</span>'
        "</code></pre></div></main>"
    )
    assert [text for _, text in _read(page)] == ["Clone it:", "git clone x"]
