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
as it is: `{{ }}` there is what the page shows (a Vue or Helm guide's code). A Hugo page (TOML
front matter, or a shortcode on a line of its own) renders no template, only its shortcodes
(`hugo`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from bot.imports.blocks import Notice

_FRONT = re.compile(r"\A(?P<fence>---|\+\+\+)[ \t]*\n(?P<body>.*?)\n(?P=fence)[ \t]*(?:\n|\Z)", re.DOTALL)


_FRONT_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*[:=]")


MAX_FRONT_MATTER = 64 * 1024  # characters; a longer block at the top is no front matter


@dataclass(frozen=True)
class _Matter:
    """A page's front matter read: its fields, whether it was TOML (`+++`, Hugo's), and the page after it."""

    data: dict[str, object]
    toml: bool
    body: str


def _matter(text: str) -> _Matter | None:
    """A page's front matter: a block between two `---` lines (YAML, as Jekyll and most static
    sites write it) or two `+++` lines (TOML, as Hugo does) at the very top, whose first line is a
    key (`title: ...`, `title = "..."`); None for a page without (one that merely begins with a
    rule). A block that cannot be read is front matter without fields: it had been a passage
    ("title: [broken x: : :"); `unread_front_matter` says what is wrong with it."""
    found = _front(text)
    if found is None:
        return None
    data = _read(found)
    if isinstance(data, Notice):
        data = {}
    if not isinstance(data, dict):
        return None
    return _Matter({str(k): v for k, v in data.items()}, found.group("fence") == "+++", text[found.end() :])


def unread_front_matter(text: str) -> Notice | None:
    """Why the page's front matter cannot be read, at the line it goes wrong; None for a page
    whose front matter reads, or that has none. `_matter` leaves it out all the same, so the
    moderator hears of it: the page's title and settings in it are not read."""
    found = _front(text)
    data = _read(found) if found is not None else None
    return data if isinstance(data, Notice) else None


def _front(text: str) -> re.Match[str] | None:
    """The block at the page's top that is front matter if anything is (see `_matter`)."""
    found = _FRONT.match(text[: MAX_FRONT_MATTER + 8])
    return found if found is not None and _FRONT_KEY.match(found.group("body").lstrip()) else None


def _read(found: re.Match[str]) -> object:
    """What the parser makes of the front matter block `found`, or a Notice of why it cannot."""
    body = found.group("body")
    try:
        return tomllib.loads(body) if found.group("fence") == "+++" else yaml.safe_load(body)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = 2 + mark.line if mark is not None else 1  # the block's first line is the file's second
        return Notice(line, f"the front matter is not valid YAML ({exc.problem or exc.context}); it was left out")
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\bline (\d+)", str(exc))
        return Notice(1 + int(at[1]) if at else 1, f"the front matter is not valid TOML ({exc}); it was left out")
    except Exception:  # whatever else the parser makes of it: deep nesting, huge numbers
        return Notice(1, "the front matter cannot be read; it was left out")


def site_page(text: str, *, html: bool = False) -> tuple[str | None, str]:
    """The title of a page's front matter, and the page as its site shows it (see the module);
    for a page of Pelican's or MultiMarkdown's metadata lines instead (`metadata`), their title and
    the page after them; (None, text) for a page of neither."""
    matter = _matter(text)
    if matter is None:
        return metadata(text)
    title = matter.data.get("title")
    title = " ".join(title.split()) or None if isinstance(title, str) else None
    body = matter.body
    if matter.toml or (not html and _writes_hugo(body)):  # Hugo renders no template, only its shortcodes
        return title, hugo(body) if not html else _outside_code(body, lambda plain: _SHORTCODE.sub("", plain))
    if matter.data.get("render_with_liquid") is False:  # Jekyll's own switch
        return title, body
    return title, rendered(body, spans=not html)


def template_notices(text: str) -> tuple[Notice, ...]:
    """What a page rendered through Liquid (see `site_page`) loses that the moderator should hear
    of, at its line: the values the site fills in (`{{ next.date }}`), left out of the sentences
    they stood in ("The next meetup is on at ." was served without a word), and a `{% comment %}`
    never closed, which hides the rest of the page."""
    matter = _matter(text)
    if matter is None or matter.toml or _writes_hugo(matter.body) or matter.data.get("render_with_liquid") is False:
        return ()
    start = len(text) - len(matter.body)
    body = _outside_code(matter.body, str, code=_blanked)  # code blanked, every position kept
    notices: list[Notice] = []
    values: list[int] = []
    at = 0
    while (found := _OPENS.search(body, at)) is not None:
        values += [m.start() for m in _EXPRESSION.finditer(body, at, found.start())]
        end = _closing(found.group(1)).search(body, found.end())
        if end is None and found.group(1) == "comment":
            line = text.count("\n", 0, start + found.start()) + 1
            notices.append(Notice(line, "a {% comment %} is never closed: the rest of the page is left out"))
        at = end.end() if end is not None else len(body)
    values += [m.start() for m in _EXPRESSION.finditer(body, at)]
    if values:
        line = text.count("\n", 0, start + values[0]) + 1
        count = len(values)
        said = f"{count} value{'s' if count > 1 else ''} the site fills in ({{{{ ... }}}}) left out of the text"
        notices.insert(0, Notice(line, f"{said}; review the sentences they stood in"))
    return tuple(notices)


def _blanked(code: str) -> str:
    return re.sub(r"[^\n]", " ", code)


# A page's metadata as Pelican and MultiMarkdown write it: "Key: value" lines at its very top,
# then a blank line ("Category: recommended" over "Date: 2000-05-01" was a passage, and a topic).
_META_LINE = re.compile(r"[A-Za-z][\w -]{0,30}:[ \t]+\S[^\n]{0,500}")
_META_KEYS = frozenset("title date modified category tags slug author authors lang template status summary".split())
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def metadata(text: str) -> tuple[str | None, str]:
    """The title of a page's metadata lines, and the page after them; (None, text) when the page
    does not begin with such lines, each a key these sites know (Title, Date, Category, ...) and
    one a Title or a Date that is a date: "Status: The meetup on 14 June is cancelled." and
    "Date: Saturday 14 June" over "Place: ..." are the page's text."""
    head, blank, rest = text.lstrip("\n").partition("\n\n")
    lines = head.split("\n")
    if not blank or len(lines) > 30 or not all(_META_LINE.fullmatch(line.rstrip()) for line in lines):
        return None, text
    fields = {key.strip().casefold(): value.strip() for key, _, value in (line.partition(":") for line in lines)}
    if not set(fields) <= _META_KEYS or not ("title" in fields or _DATE.match(fields.get("date", ""))):
        return None, text
    return fields.get("title") or None, rest


# The patterns that read a template never backtrack far: a repeat gives back what it took only
# within a bound ({0,300}?); an open-ended one (`\s*+`, `[^\n]*+`) keeps what it took (possessive),
# so no hostile page makes a match try its ways through a long run (tests/test_site_pages.py).
# A Liquid tag ({% if x %}, {%- include a.html -%}), of a line or a few (a formatter wraps long
# ones); Jekyll's {% highlight %} is left for the Markdown reader, which reads it as code.
_TAG = re.compile(r"\{%-?(?!\s*+(?:end)?highlight\b)[^%]{0,300}?-?%\}")
# A Liquid expression: an object's path, perhaps with filters ({{ page.title }}, {{ site.email |
# downcase }}); not a Go template's ({{ .Values.drink }}, {{ if .x }}), which a page may show.
_EXPRESSION = re.compile(r"\{\{-?\s*+[A-Za-z_'\"][\w.'\"\[\]-]{0,200}\s*+(?:\|[^{}]{0,200})?-?\}\}")
# Hugo's shortcodes: {{< figure src="x" >}}, {{% note %}}, and their ends.
_SHORTCODE = re.compile(r"\{\{<[^{}]{0,300}?>\}\}|\{\{%[^{}]{0,300}?%\}\}")
_OPENS = re.compile(r"\{%-?\s*+(comment|raw)\s*+-?%\}")


def _closing(name: str) -> re.Pattern[str]:
    """The tag that ends a `{% comment %}` or `{% raw %}` block: `{% endcomment %}`, `{%- endraw -%}`."""
    return re.compile(rf"\{{%-?\s*+end{name}\s*+-?%\}}")


# A Hugo shortcode on a line of its own, opening or closing one that holds text ({{% note %}} ...
# {{% /note %}}, {{< tab tabID="pipx" >}}) or standing alone ({{< figure src="x" >}}).
_HUGO_LINE = re.compile(
    r"^[ \t]{0,3}\{\{[<%][ \t]*+(?P<end>/?)[ \t]*+(?P<name>[\w-]{1,40})(?P<args>[^{}\n]{0,2000}?)[ \t]*[>%]\}\}[ \t]*$",
    re.MULTILINE,
)
# Hugo's links to a page of the site: [Introduction]({{< relref "docs" >}}) links to "docs".
_REF = re.compile(r"\{\{[<%][ \t]*+(?:rel)?ref[ \t]++\"(?P<target>[^\"\n]{0,300})\"[ \t]*[>%]\}\}")
_TAB_FIELD = re.compile(r"\btab(?P<field>ID|Name)(?P<number>\d{1,2})=\"(?P<value>[^\"\n]{0,200})\"")
_ARG = re.compile(r"\b(?P<key>tabID|title|name)=\"(?P<value>[^\"\n]{0,200})\"")
# Hugo shortcodes that hold text as a box does (themes name theirs: Docsy's alert, Hextra's callout)
_HUGO_BOXES = frozenset(
    "note tip info warning caution danger important hint attention alert callout admonition".split()
)


def _writes_hugo(text: str) -> bool:
    """Whether a page writes a Hugo shortcode on a line of its own, outside code: a Jekyll page that
    shows `{{< figure >}}` in a fence is still rendered through Liquid."""
    return bool(_HUGO_LINE.search(_outside_code(text, str, code=lambda block: "")))


def hugo(text: str) -> str:
    """A Hugo page's Markdown as the site shows it: a box's shortcodes ({{% note %}} ...
    {{% /note %}}, {{% warning title="x" %}}) and a tab's ({{< tab tabID="pipx" >}}, named in its
    {{< tabs tabID1="pipx" tabName1="With pipx" >}}) made `:::` boxes, which the Markdown reader
    reads as text after its title (`bot.imports.markdown.dialects`); a link to a page of the site
    ({{< relref "docs" >}}) links to it; any other shortcode is left out. Poetry's notes had each
    made a passage "{} ... {}", and its links "[Introduction]( "Introduction")"."""
    names: dict[str, str] = {}
    for tabs in _HUGO_LINE.finditer(text):
        if tabs["name"] == "tabs" and not tabs["end"]:
            fields: dict[tuple[str, str], str] = {
                (f["field"], f["number"]): f["value"] for f in _TAB_FIELD.finditer(tabs["args"])
            }
            names.update({v: fields.get(("Name", n), "") for (kind, n), v in fields.items() if kind == "ID"})

    def box(found: re.Match[str]) -> str:
        name = found["name"].casefold()
        if name not in _HUGO_BOXES and name != "tab":
            return ""
        if found["end"]:
            return ":::"
        args = {a["key"]: a["value"] for a in _ARG.finditer(found["args"])}
        title = names.get(args.get("tabID", ""), "") if name == "tab" else args.get("title", "")
        title = " ".join(title.replace("[", "(").replace("]", ")").split())
        return f":::note[{title}]" if title else ":::note"

    def plain(chunk: str) -> str:
        return _SHORTCODE.sub("", _REF.sub(lambda f: f["target"], _HUGO_LINE.sub(box, chunk)))

    return _outside_code(text, plain)


def rendered(text: str, *, spans: bool = True) -> str:
    """`text` without its template comments, tags and expressions; code (see `_outside_code`;
    `spans`: inline code spans too, as in Markdown) as written, but for the `{% raw %}` marks
    around it, which the site does not show."""
    return _outside_code(text, _liquid, code=lambda block: _RAW_MARK.sub("", block), spans=spans)


_RAW_MARK = re.compile(r"\{%-?\s*+(?:end)?raw\s*+-?%\}")


def _liquid(text: str) -> str:
    """Text that is not code without its comments, tags and expressions; a raw block's text as
    written. One pass: a comment left open hides the rest of the text, as it does on the site."""
    out: list[str] = []
    at = 0
    while (found := _OPENS.search(text, at)) is not None:
        out.append(_without_tags(text[at : found.start()]))
        end = _closing(found.group(1)).search(text, found.end())
        inner_end, at = (end.start(), end.end()) if end is not None else (len(text), len(text))
        if found.group(1) == "raw":
            out.append(text[found.end() : inner_end])
    out.append(_without_tags(text[at:]))
    return "".join(out)


def _without_tags(text: str) -> str:
    return _SHORTCODE.sub("", _EXPRESSION.sub("", _TAG.sub("", text)))


# Where code begins: a fence line, an inline code span, or an HTML <pre> or <code>.
_CODE = re.compile(
    r"^[ \t]{0,3}(?P<fence>`{3,}+|~{3,}+)[^\n]*+$|(?P<span>`++)|<(?P<tag>pre|code)\b", re.MULTILINE | re.IGNORECASE
)
SPAN_CHARS = 1_000  # an inline code span ends within this many characters, in its paragraph


def _outside_code(
    text: str, change: Callable[[str], str], *, code: Callable[[str], str] = str, spans: bool = True
) -> str:
    """`text` with `change` made to what is not code and `code` to what is: a fenced block, an
    inline code span (with `spans`: Markdown's, within its paragraph), a <pre> or <code> element (a
    Helm page's `{{ .Values.drink }}`). A fence left open is code to the end, as Markdown reads
    it; a lone backtick or an unclosed <code> is text. A missing end tag is searched for once."""
    out: list[str] = []
    at = 0
    missing: set[str] = set()  # the end tags not found from some place on: none is found from later either
    while (found := _CODE.search(text, at)) is not None:
        out.append(change(text[at : found.start()]))
        end: re.Match[str] | None
        if found.group("fence"):
            fence = found.group("fence")
            closing = rf"^[ \t]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}+[ \t]*+$"
            end = re.compile(closing, re.MULTILINE).search(text, found.end())
        elif found.group("span"):  # within its paragraph, and short: a span is a few words of code
            window = text[found.end() : found.end() + SPAN_CHARS].split("\n\n", 1)[0] if spans else ""
            inner = re.compile(rf"(?<!`){found.group('span')}(?!`)").search(window)
            end = None
            if inner is not None:
                end = re.compile(re.escape(found.group("span"))).match(text, found.end() + inner.start())
        else:
            closing = rf"</{found.group('tag').lower()}\s*+>"
            end = None if closing in missing else re.compile(closing, re.IGNORECASE).search(text, found.end())
            if end is None:
                missing.add(closing)
        if end is None and not found.group("fence"):
            out.append(change(found.group(0)))
            at = found.end()
            continue
        stop = end.end() if end is not None else len(text)
        out.append(code(text[found.start() : stop]))
        at = stop
    out.append(change(text[at:]))
    return "".join(out)
