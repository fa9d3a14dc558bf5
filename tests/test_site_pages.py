"""`kb import` of a static site's page as its repository holds it: front matter and templates.

A conference's `_pages/tickets.html` kept last year's announcements in `{% comment %}` blocks; the
import served them ("the grant application is open until May 15th" to "is it still open?"), with
template tags as passages and `{{ site.conduct_email }}` where the address goes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from re import _constants, _parser  # type: ignore[attr-defined]

import pytest

from bot.cli import main
from bot.imports import articles
from bot.imports.draftfiles import title_of_name
from bot.imports.drafts import drafts_of
from bot.imports.templates import rendered

FRONT = "---\nlayout: base\ntitle: Opportunity Grants\npermalink: /grants/\n---\n"


def _passages(path: Path, text: str) -> tuple[str | None, list[str]]:
    path.write_text(text, encoding="utf-8")
    title, drafts = drafts_of(articles.read(path))
    return title, [d.text for d in drafts]


def test_a_markdown_page_reads_as_its_site_shows_it(tmp_path: Path) -> None:
    """A Markdown page of a static site reads as the site shows it: its title from the front matter, comments gone,
    variables left out, the text of an `if` kept."""
    page = FRONT + (
        "{% comment %}\nOur grant application is open until May 15th.\n{% endcomment %}\n"
        "The grant application window is now closed.\n\n"
        "Write to {{ site.grants_email }} with questions.{% if site.show_deadline %} Soon!{% endif %}\n"
    )
    title, texts = _passages(tmp_path / "grants.md", page)
    assert title == "Opportunity Grants"
    assert texts == ["The grant application window is now closed.", "Write to with questions. Soon!"]


def test_front_matter_that_cannot_be_read_is_left_out_and_import_names_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`title: [broken` had made the front matter a passage, "title: [broken x: : :", and nothing
    said so: the block between its `---` lines is left out all the same, and the moderator is told
    where the parser stopped, so the title can be mended."""
    page = "---\ntitle: [broken\n  x: : :\n---\n\n# Heading\n\nSome text here that is real.\n"
    assert _passages(tmp_path / "brokenfm.md", page) == ("Heading", ["Some text here that is real."])
    assert main(["kb", "import", str(tmp_path / "brokenfm.md"), "--knowledge", str(tmp_path / "k")]) == 0
    assert f"warning: {tmp_path / 'brokenfm.md'}:3: the front matter is not valid YAML (" in capsys.readouterr().err
    toml = "+++\ntitle = [\n+++\nTickets cost ten euros.\n"
    assert _passages(tmp_path / "hugo.md", toml) == (None, ["Tickets cost ten euros."])


def test_values_the_site_fills_in_and_a_comment_never_closed_are_named_at_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "The next meetup is on {{ next.date }} at {{ next.venue }}." was served as "The next meetup is on at .",
    and a `{% comment %}` missing its end dropped the code of conduct, without a word to the moderator.
    Values shown as code (`{{ not.this }}` in a fence, a `{% raw %}` block) are no holes."""
    page = (
        "---\ntitle: Meetups\n---\nThe next meetup is on {{ next.date }} at {{ next.venue }}.\n\n"
        "```\n{{ not.this }}\n```\n\n{% raw %}{{ shown }}{% endraw %} Tickets are {{ site.price }} euros.\n\n"
        "{% comment %}\nold plans\n\n## Code of conduct\n\nBe kind.\n"
    )
    (tmp_path / "meet.md").write_text(page, encoding="utf-8")
    assert main(["kb", "import", str(tmp_path / "meet.md"), "--knowledge", str(tmp_path / "k")]) == 0
    err = capsys.readouterr().err
    assert f"{tmp_path / 'meet.md'}:4: 3 values the site fills in ({{{{ ... }}}}) left out of the text;" in err
    assert f"{tmp_path / 'meet.md'}:12: a {{% comment %}} is never closed: the rest of the page is left out" in err
    (tmp_path / "doors.html").write_text(FRONT + "<p>Doors open at {{ site.doors }}.</p>\n", encoding="utf-8")
    assert main(["kb", "import", str(tmp_path / "doors.html"), "--knowledge", str(tmp_path / "k")]) == 0
    assert "1 value the site fills in" in capsys.readouterr().err


def test_an_html_page_loses_its_front_matter_tags_and_comments_and_takes_its_title(tmp_path: Path) -> None:
    """An HTML page of a static site loses its front matter, template tags and comments, and takes its title from the
    front matter."""
    page = FRONT.replace("Opportunity Grants", "Code of Conduct") + (
        "<h1>{{ page.heading }}</h1>\n<p>Be kind to everyone.</p>\n"
        "{% comment %}<p>Call 201-899-4189.</p>{% endcomment %}\n"
        "{% if\n   site.places %}<p>Nearby places.</p>{% endif %}\n"
    )
    title, texts = _passages(tmp_path / "conduct.html", page)
    assert title == "Code of Conduct"
    assert texts == ["Be kind to everyone.", "Nearby places."]


def test_a_raw_block_is_shown_as_written_and_highlight_stays_code(tmp_path: Path) -> None:
    """Jekyll's own documentation shows its template language in `{% raw %}` blocks."""
    page = FRONT + (
        "Print the title:\n\n{% highlight liquid %}\n{% raw %}{{ page.title }}{% endraw %}\n{% endhighlight %}\n"
    )
    assert _passages(tmp_path / "docs.md", page)[1] == ["Print the title:\n```\n{{ page.title }}\n```"]


def test_a_page_without_front_matter_keeps_its_braces(tmp_path: Path) -> None:
    """A Vue or Helm guide shows `{{ }}` as its readers type it: no site renders that page."""
    page = "# Templates\n\nShow a value with {{ message }} in the template.\n"
    assert _passages(tmp_path / "vue.md", page)[1] == ["Show a value with {{ message }} in the template."]


def test_a_comment_left_open_hides_the_rest_as_on_the_site() -> None:
    """A template comment left open hides the rest of the page, as it does on the site."""
    assert rendered("Shown.\n{% comment %}\nNever shown.\n") == "Shown.\n"


# Counted, not timed: a page's reading is linear when the patterns are searched a number of times
# that does not grow with the page and no search can backtrack through a long run.
HOSTILE = ("{% comment %}", "{% raw %}", "{%", "{{", "{% if ", "{{ a ", "{% comment ", "{{< ", "`", "</pre>")
EVERY_KIND = FRONT + (
    "{% comment %}old{% endcomment %} {% raw %}{{ x }}{% endraw %} {{ page.title | upcase }} {% if a %}\n"
    "`code` <pre>{{ p }}</pre> <code>c</code>\n```\nfenced\n```\n{{< note >}}\n~~~\nopen fence\n"
)


def _searches(text: str) -> tuple[int, set[re.Pattern[str]]]:
    """How many times `rendered(text)` calls a compiled pattern's search, match or sub; and the patterns."""
    used: list[re.Pattern[str]] = []

    def count(frame: object, event: str, arg: object) -> None:
        if event == "c_call" and isinstance(pattern := getattr(arg, "__self__", None), re.Pattern):
            used.append(pattern)

    sys.setprofile(count)
    try:
        rendered(text)
    finally:
        sys.setprofile(None)
    return len(used), set(used)


def _unbounded_backtracking(pattern: re.Pattern[str]) -> list[str]:
    """The repeats of `pattern` that have no upper bound and may give back what they took."""
    found: list[str] = []

    def walk(items: Iterable[tuple[object, object]]) -> None:
        for op, av in items:
            if op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and av[1] == _constants.MAXREPEAT:  # type: ignore[index]
                found.append(f"{op} in {pattern.pattern!r}")
            for part in av if isinstance(av, (tuple, list)) else (av,):  # an atomic group's is one SubPattern
                if isinstance(part, _parser.SubPattern):
                    walk(part)
                elif isinstance(part, list):  # a branch's alternatives
                    for branch in part:
                        walk(branch)

    walk(_parser.parse(pattern.pattern, pattern.flags))
    return found


def test_rendering_searches_a_hostile_template_as_often_at_four_times_its_size() -> None:
    """Thousands of unclosed openers, tags, braces and backticks: one pass, not a search from each."""
    for unit in HOSTILE:
        assert _searches(unit * 5_000)[0] == _searches(unit * 20_000)[0], unit


def test_no_pattern_of_the_template_reader_can_backtrack_through_a_long_run() -> None:
    """Every pattern rendering uses gives back only what a bounded repeat took: no catastrophic backtracking."""
    count, patterns = _searches(EVERY_KIND)
    assert count and len(patterns) >= 8
    assert [problem for pattern in patterns for problem in _unbounded_backtracking(pattern)] == []


def test_a_site_pages_own_header_is_its_content(tmp_path: Path) -> None:
    """The venue's address was in the page's <header>, left out as a site's chrome: the site's layout
    puts its chrome around a page with front matter, and the page's header is its own."""
    header = "<header><h1>{{ page.heading }}</h1><p>Durham Convention Center<br>301 W Morgan St</p></header>"
    page = FRONT.replace("Opportunity Grants", "Venue") + header + "<h2>Hotels</h2><p>Book early.</p>\n"
    title, texts = _passages(tmp_path / "venue.html", page)
    assert title == "Venue"
    assert texts == ["Durham Convention Center 301 W Morgan St", "Book early."]
    saved = "<html><body><header><p>Site menu</p></header><main><p>Book early.</p></main></body></html>"
    assert _passages(tmp_path / "saved.html", saved)[1] == ["Book early."]


def test_pelican_metadata_lines_are_no_passage(tmp_path: Path) -> None:
    """A makerspace's guide book (Pelican): "Category: recommended" over "Date: 2000-05-01" was a passage,
    offered as a topic; a page that begins with a sentence and a colon is text."""
    page = "Title: Member Dues\nCategory: recommended\nDate: 2000-05-01\n\nDues are $55 a month.\n"
    assert _passages(tmp_path / "dues.md", page) == ("Member Dues", ["Dues are $55 a month."])
    plain = "Note: dues are due on the first.\n\nPay them online.\n"
    assert _passages(tmp_path / "note.md", plain)[1] == ["Note: dues are due on the first.", "Pay them online."]
    status = "Status: The meetup on 14 June is cancelled because the venue flooded.\n\nSorry!\n"
    assert _passages(tmp_path / "status.md", status)[1][0].startswith("Status: The meetup on 14 June")
    pelican = "Title: Member Dues\nDate: 2020-01-01\nStatus: published\nSummary: Pay them.\n\nDues are $55.\n"
    assert _passages(tmp_path / "pelican.md", pelican) == ("Member Dues", ["Dues are $55."])
    event = "Date: Saturday 14 June\nPlace: Durham Convention Center\n\nBring a friend.\n"
    assert _passages(tmp_path / "event.md", event)[1][0].startswith("Date: Saturday 14 June")


def test_wiki_links_and_mail_autolinks_read_as_their_words(tmp_path: Path) -> None:
    """`[[The Useless Room|electronics room]]` showed as written in replies, and `<info@example.org>` was
    deleted as a tag: "send an email to to let them know"."""
    page = "Check the [[The Useless Room|electronics room]] and [[Incubation Room]].\n\nWrite to <info@example.org>.\n"
    assert _passages(tmp_path / "Lockup Procedure.md", page) == (
        None,
        ["Check the electronics room and Incubation Room.", "Write to info@example.org."],
    )


def test_a_title_from_a_files_name_keeps_its_capitals() -> None:
    """A title made from a file's name keeps its capitals, and a slug gets a capital first letter."""
    assert title_of_name("Welcome to Protospace") == "Welcome to Protospace"
    assert title_of_name("distribution-readme") == "Distribution readme"


def test_code_and_go_templates_keep_their_braces_and_hugo_loses_only_its_shortcodes(tmp_path: Path) -> None:
    """A Helm page with front matter lost `{{ .Values.favoriteDrink }}` from its code and its prose; a
    Hugo page (TOML front matter) lost a `{% if %}` it shows, though Hugo renders only its shortcodes."""
    helm = FRONT + (
        "Write `{{ .Values.drink }}` here, or {{ .Values.drink }} in prose, and {{ site.email }} goes.\n\n"
        "```yaml\nname: {{ .Release.Name }}-configmap\n```\n"
    )
    assert _passages(tmp_path / "values.md", helm)[1] == [
        "Write {{ .Values.drink }} here, or {{ .Values.drink }} in prose, and goes.\n"
        "```\nname: {{ .Release.Name }}-configmap\n```"
    ]
    hugo = '+++\ntitle = "Shop"\n+++\n{{< figure src="a.png" >}}Write {% if vip %} in the form.\n'
    assert _passages(tmp_path / "shop.md", hugo) == ("Shop", ["Write {% if vip %} in the form."])
    off = "---\ntitle: Liquid\nrender_with_liquid: false\n---\nUse {{ page.title }} in a layout.\n"
    assert _passages(tmp_path / "liquid.md", off)[1] == ["Use {{ page.title }} in a layout."]


HUGO_DOCS = (
    '---\ntitle: "Introduction"\nmenu:\n  docs:\n    weight: 10\n---\n'
    'If you have not installed it, see the [basic usage]({{< relref "basic-usage#setup" >}} "Basic usage") chapter.\n\n'
    "{{% note %}}\nThe installer needs Python 3.9 or newer.\n{{% /note %}}\n\n"
    '{{< tabs tabTotal="2" tabID1="with-pipx" tabID2="manually" '
    'tabName1="With pipx" tabName2="Manually (advanced)">}}\n'
    '{{< tab tabID="with-pipx" >}}\npipx installs command-line applications in their own environment.\n{{< /tab >}}\n'
    '{{< tab tabID="manually" >}}\n{{< steps >}}\n{{< step >}}\nCreate a virtual environment first.\n{{< /step >}}\n'
    "{{< /steps >}}\n{{< /tab >}}\n{{< /tabs >}}\n\n"
    '{{% warning title="Lock files" %}}\nCommit the lock file, and `{{% note %}}` in code stays.\n{{% /warning %}}\n'
)


def test_hugo_docs_with_yaml_front_matter_read_their_boxes_tabs_and_page_links(tmp_path: Path) -> None:
    """Poetry's documentation (Hugo, YAML front matter) was read as a Jekyll page: each note became
    a passage "{} ... {}", a tab's label was lost and a link to another page kept "( "Basic usage")"."""
    title, texts = _passages(tmp_path / "introduction.md", HUGO_DOCS)
    assert title == "Introduction"
    assert texts == [
        "If you have not installed it, see the basic usage chapter.",
        "The installer needs Python 3.9 or newer.",
        "With pipx: pipx installs command-line applications in their own environment.",
        "Manually (advanced): Create a virtual environment first.",
        "Lock files: Commit the lock file, and {{% note %}} in code stays.",
    ]
    assert not any("{" in t.replace("{{% note %}}", "") for t in texts)


def test_a_jekyll_page_that_shows_a_hugo_shortcode_in_code_is_still_read_through_liquid(tmp_path: Path) -> None:
    """A shortcode shown in a fence made the page read as Hugo's: its `{% comment %}` block was a passage."""
    page = FRONT + (
        "{% comment %}\nOur grant application is open until May 15th.\n{% endcomment %}\n"
        'Hugo writes a figure so:\n\n```\n{{< figure src="a.png" >}}\n```\n'
    )
    texts = _passages(tmp_path / "hugo-vs-jekyll.md", page)[1]
    assert not any("May 15th" in t for t in texts) and any("{{< figure" in t for t in texts)


def test_raw_in_a_fence_and_lone_backticks_leave_the_rest_of_the_page_read(tmp_path: Path) -> None:
    """A `{% raw %}` inside a fence made its closing fence read as an opening one, and the rest of the
    page as code; a backtick used as an apostrophe paired with the next one, keeping a tag between."""
    page = FRONT + "Show:\n\n```liquid\n{% raw %}{{ page.title }}{% endraw %}\n```\n\nWrite to {{ site.email }} now.\n"
    assert _passages(tmp_path / "docs.md", page)[1] == ["Show:\n```\n{{ page.title }}\n```\n\nWrite to now."]
    html = FRONT + "<p>Don`t forget: {% include signup.html %} here. It`s free</p>\n"
    assert _passages(tmp_path / "signup.html", html)[1] == ["Don`t forget: here. It`s free"]
