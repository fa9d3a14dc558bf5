"""A page of a static site as its source holds it (Jekyll, Hugo): the front matter at its top,
and the template language the site renders it through.

A site's pages are often what a community has of its documents: a moderator imports the
repository's `_pages/tickets.html`, not the page the site shows. The site renders a page with
front matter through its templates (Jekyll renders no other), so for such a page the import
reads what the site shows: a `{% comment %}` block is not shown (a conference site kept last
year's "the grant application is open until May 15th" in one, and the bot said so with
confidence), a `{% tag %}` and a `{{ expression }}` are replaced by what the site fills in, which
the import cannot know, so they are left out; a `{% raw %}` block shows what it holds, as written
(Jekyll's documentation shows its own template language so). A page without front matter is left
as it is: `{{ }}` there is what the page shows (a Vue or Helm guide's code).
"""

from __future__ import annotations

import re
import tomllib

import yaml

_FRONT = re.compile(r"\A(?P<fence>---|\+\+\+)[ \t]*\n(?P<body>.*?)\n(?P=fence)[ \t]*(?:\n|\Z)", re.DOTALL)


_FRONT_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*[:=]")


MAX_FRONT_MATTER = 64 * 1024  # characters; a longer block at the top is no front matter


def front_matter(text: str) -> tuple[str | None, str]:
    """The title of a page's front matter, and the text after it; (None, text) when it has none.

    Front matter is a block between two `---` lines (YAML, as Jekyll and most static sites write
    it) or two `+++` lines (TOML, as Hugo does) at the very top, whose first line is a key
    (`title: ...`, `title = "..."`). A page that merely begins with a rule is left as it is."""
    found = _FRONT.match(text[: MAX_FRONT_MATTER + 8])
    if found is None or not _FRONT_KEY.match(found.group("body").lstrip()):
        return None, text
    try:  # whatever the parser makes of it (deep nesting, huge numbers): a page without front matter
        data = (
            tomllib.loads(found.group("body")) if found.group("fence") == "+++" else yaml.safe_load(found.group("body"))
        )
    except Exception:  # any failure to read it leaves the page as it is
        return None, text
    if not isinstance(data, dict):
        return None, text
    title = data.get("title")
    title = " ".join(title.split()) if isinstance(title, str) else ""
    return title or None, text[found.end() :]


def site_page(text: str) -> tuple[str | None, str]:
    """The title of a page's front matter, and the page as its site shows it (see the module);
    for a page of Pelican's or MultiMarkdown's metadata lines instead (`metadata`), their title and
    the page after them; (None, text) for a page of neither."""
    title, body = front_matter(text)
    if body is text:
        return metadata(text)
    return title, rendered(body)


# A page's metadata as Pelican and MultiMarkdown write it: "Key: value" lines at its very top,
# then a blank line ("Category: recommended" over "Date: 2000-05-01" was a passage, and a topic).
_META_LINE = re.compile(r"[A-Za-z][\w -]{0,30}:[ \t]+\S[^\n]{0,500}")
_META_KEYS = frozenset(
    "title date category categories tags slug author authors summary modified status lang template keywords "
    "description subtitle".split()
)


def metadata(text: str) -> tuple[str | None, str]:
    """The title of a page's metadata lines, and the page after them; (None, text) when the page
    does not begin with such lines, one of them a key these sites know (Title, Date, Category, ...)."""
    head, blank, rest = text.lstrip("\n").partition("\n\n")
    lines = head.split("\n")
    if not blank or len(lines) > 30 or not all(_META_LINE.fullmatch(line.rstrip()) for line in lines):
        return None, text
    fields = {key.strip().casefold(): value.strip() for key, _, value in (line.partition(":") for line in lines)}
    if not _META_KEYS & set(fields):
        return None, text
    return fields.get("title") or None, rest


# A template tag ({% if x %}, {%- include a.html -%}) or expression ({{ page.title }}, Hugo's
# {{< figure >}}), of a line or a few (a formatter wraps long ones); Jekyll's {% highlight %} is
# left for the Markdown reader, which reads it as code.
_TAG = re.compile(r"\{%-?(?!\s*(?:end)?highlight\b)[^%]{0,300}?-?%\}|\{\{[^{}]{0,300}\}\}")
_OPENS = re.compile(r"\{%-?\s*(comment|raw)\s*-?%\}")


def rendered(text: str) -> str:
    """`text` without its template comments, tags and expressions; a raw block's text as written.
    One pass over the text: a comment left open hides the rest of the page, as it does on the site."""
    out: list[str] = []
    at = 0
    while (found := _OPENS.search(text, at)) is not None:
        out.append(_TAG.sub("", text[at : found.start()]))
        closing = re.compile(rf"\{{%-?\s*end{found.group(1)}\s*-?%\}}")
        end = closing.search(text, found.end())
        inner_end, at = (end.start(), end.end()) if end is not None else (len(text), len(text))
        if found.group(1) == "raw":
            out.append(text[found.end() : inner_end])
    out.append(_TAG.sub("", text[at:]))
    return "".join(out)
