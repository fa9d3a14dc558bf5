"""Markdown read for `kb import` (`from_markdown`): headings, paragraphs and list items, code
(fenced or indented), tables as a sentence a row, footnotes at the end of the section that cites
them; front matter, link definitions, comments, scripts and styles and a site's template tags
left out; inline markup made plain text (`inline_markdown`), a link keeping its address where a
chat reply needs it.

Here the page is made ready (front matter, dialects, comments, what a browser never shows), then
read a line at a time (`bot.imports.markdown.lines`); its inline markup: `inline`, its pipe tables:
`pipetables`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.imports.blocks import Article
from bot.imports.markdown import commonmark, dialects, htmltables
from bot.imports.markdown.inline import CODE_SPAN
from bot.imports.markdown.lines import NOTE, MarkdownReader
from bot.imports.markdown.pipetables import tables_read
from bot.imports.templates import site_page, template_notices, unread_front_matter

_MD_HIGHLIGHT = re.compile(r"^\s{0,3}\{%-?\s*(?:end)?highlight\b[^%]{0,100}-?%\}\s*$")  # Jekyll's code: a fence


def _without_comments(text: str) -> str:
    """`text` without its HTML comments (`<!-- ... -->`); a `<!--` never closed stays as written
    (it may be text: "comments start with `<!--`"). A pattern would search every opening for its
    end: quadratic on many openings."""
    kept: list[str] = []
    at = 0
    while (start := text.find("<!--", at)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        kept.append(text[at:start])
        at = end + 3
    kept.append(text[at:])
    return "".join(kept)


# HTML elements a browser never shows, left out with what they hold: a calendar widget's script and
# style were a passage members were served. (Written in a code span, "`<script>`", a tag is text.)
_HIDDEN = re.compile(r"(?<!`)<(script|style|template|noscript)\b[^<>]{0,2000}>", re.IGNORECASE)


def _without_hidden(text: str) -> str:
    """`text` without its `_HIDDEN` elements, from the tag that opens one to the tag that ends it;
    one never ended stays as written. A missing end tag is searched for once."""
    kept: list[str] = []
    at = 0
    missing: set[str] = set()
    while (found := _HIDDEN.search(text, at)) is not None:
        name = found[1].lower()
        end = None if name in missing else re.compile(rf"</{name}\s*>", re.IGNORECASE).search(text, found.end())
        if end is None:
            missing.add(name)
            kept.append(text[at : found.end()])
        else:
            kept.append(text[at : found.start()])
        at = found.end() if end is None else end.end()
    kept.append(text[at:])
    return "".join(kept)


# A box's tags (`<details>`, `<summary>Troubleshooting</summary>`, `</details>`), each set on a line of
# its own for the reader (`MarkdownReader.read`), which reads the summary as a heading.
_DETAILS_TAG = re.compile(r"<details\b[^<>]{0,200}>|</details\s*>|<summary\b[^<>]{0,200}>.{0,300}?</summary\s*>", re.I)


def _details_apart(text: str) -> str:
    """`text` with a box's tags on lines of their own (`_DETAILS_TAG`)."""
    return _DETAILS_TAG.sub(lambda found: f"\n{found[0]}\n", text)


def _in_prose(text: str, change: Callable[[str], str]) -> str:
    """`text` with `change` made to its prose: its code, as the reader reads it (`_code_lines`: fenced,
    in `<pre>`, indented; and its code spans), is set aside and put back as written, so that a
    `<script>` in code, which a README's "paste this into your page" shows, stays in it. Code inside
    what `change` takes out (a script's indented lines) goes with it."""
    held: list[str] = []

    def hold(code: str) -> str:
        held.append(code)
        return f"\0{len(held) - 1}\0"

    lines = text.split("\n")
    prose = "\n".join(
        hold(line) if code else line.replace("\0", "\0x\0")
        for line, code in zip(lines, _code_lines(lines), strict=True)
    )
    prose = CODE_SPAN.sub(lambda found: hold(found[0]), prose)
    return re.sub(r"\0(\d+|x)\0", lambda found: "\0" if found[1] == "x" else held[int(found[1])], change(prose))


def _code_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it is code as the reader reads it: fenced or in `<pre>`
    (`commonmark.code_lines`), or indented code where no paragraph goes on (`MarkdownReader.read`)."""
    reader = MarkdownReader(frozenset())
    fenced = commonmark.code_lines(lines)
    return [reader.read(_MD_HIGHLIGHT.sub("```", line)) or pre for line, pre in zip(lines, fenced, strict=True)]


def from_markdown(text: str, *, mdx: bool = False) -> Article:
    """Markdown: `#` and underlined headings, paragraphs and list items, markup made plain text.
    Fenced code, and code indented four spaces, is kept line by line as a block of code; link
    definitions, HTML comments and what a browser never shows (`_without_hidden`) are left out; a
    short line all in bold is a heading, and so is a box's `<summary>` (`MarkdownReader._summary`);
    a footnote ends the section that cites it (`lines._with_notes`).
    Front matter (the `---` YAML or `+++` TOML block that static-site pages begin with) is left
    out too, and its `title` is the article's. A pipe table is a paragraph of a sentence a row
    (`tables_read`). Boxes, and MDX's imports and components (`mdx`, or a page that begins as
    MDX does), are read as the Markdown they hold (`bot.imports.markdown.dialects`)."""
    notices = tuple(filter(None, [unread_front_matter(text)])) + template_notices(text)
    title, text = site_page(text)
    text = dialects.plain(commonmark.written_plainly(text), mdx=mdx)
    text = _in_prose(_without_comments(text), lambda prose: _details_apart(_without_hidden(prose)))
    lines = [_MD_HIGHLIGHT.sub("```", line) for line in text.split("\n")]
    defined = frozenset(next(filter(None, found.groups())) for found in map(NOTE.match, lines) if found)
    reader = MarkdownReader(defined)
    for line in htmltables.read(tables_read(lines)):
        if isinstance(line, str):
            reader.read(line)
        else:
            reader.take(line)
    return Article(tuple(b for b in reader.finish() if b.text), title, notices)
