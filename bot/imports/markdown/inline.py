"""Markdown's inline markup made plain text (`inline_markdown`): link and image text kept, marks
dropped, a link keeping its address where a chat reply needs it; code spans and escaped punctuation
kept as written.
"""

from __future__ import annotations

import re

from bot.imports.blocks import LINKS_KEPT, decoded, oneline, with_address

NOTE_MARK = re.compile(r"\[\^([^\]\s]{1,32})\]|<sup>\s*\[[^\]]{0,32}\]\(#([\w.-]{1,32})\)\s*</sup>")


# An attribute list inside a line ("## Setup {#setup}", "Text {: .note}"), not "{:ok, pid}".
_MD_INLINE_ATTRIBUTES = re.compile(r"\{:\s*(?:toc|[.#][\w-]+|[\w-]+=)[^{}]{0,200}\}|\{#[\w-]{1,64}\}")


SPAN = 300  # characters an emphasis or code span may hold; a longer one is left as written
# A code span as the reader reads one (`inline_markdown`): its lines in one paragraph, no blank line in it.
CODE_SPAN = re.compile(rf"(`{{1,3}})([^`\0\n](?:[^\0\n]|\n(?![ \t]*\n)){{0,{SPAN}}}?)\1(?!`)")


# An image that is a link, as a README's badges are: `[![Discord](badge.svg)](https://discord.gg/x)`.
_LINKED_IMAGE = re.compile(r"\[!\[(?P<alt>[^\[\]]{0,200})\]\([^()\s]{0,2000}\)\]\((?P<href>[^()\s]{1,2000})\)")


def badges_as_links(text: str) -> str:
    """Each linked image as a link by its description: a badge says where it leads."""
    return _LINKED_IMAGE.sub(lambda m: f"[{m['alt']}]({m['href']})", text)


MD_LINK = re.compile(
    r"(!?)\[([^\[\]]*)\]\(\s*+<?([^()\s<>]*+(?:\([^()\s]*\)[^()\s<>]*+)*+)>?(?:\s++(?:\"[^\"]*+\"|'[^']*+'|\([^()]*+\)))?\s*+\)"
)


# A wiki's link (MediaWiki, Gollum, Obsidian): `[[Vetting|vetted]]` reads "vetted", `[[Incubation Room]]` its name.
_WIKI_LINK = re.compile(r"\[\[(?P<target>[^\[\]|]{1,200})(?:\|(?P<label>[^\[\]|]{1,200}))?\]\]")


def inline_markdown(text: str, *, addresses: bool = True, notes: frozenset[str] = frozenset()) -> str:
    """Markdown inline markup as the reader sees it: link and image text kept, marks dropped, text
    struck out left out (`~~Saturday~~ Sunday`: it is no longer so), tags that end a line or a
    cell read as a space (`_BREAKING`). With
    `addresses`, a paragraph of at most LINKS_KEPT links keeps where they lead (`with_address`); a
    paragraph with more is a wiki's or a README's prose of cross-references, and keeps their text.
    A footnote's mark is dropped where the page writes the note (`notes`): "[^0-9]" is a pattern."""
    # Each pattern stops at what cannot be inside its span (another bracket, another tag) or after
    # SPAN characters: one left open ("[[[[", "**x **x ...") must not make the search quadratic.
    # Code is read first and kept as written: `library/<user>/` is a path, not a tag to drop. So is
    # punctuation escaped with a backslash, which no mark then reads: "\*special\*" is "*special*".
    code: list[str] = []
    text = _ESCAPE_OR_CODE.sub(lambda m: _held(code, m["escaped"] or m["code"]), text.replace("\0", ""))
    if notes:  # a footnote's mark: the note follows its section (`lines._with_notes`)
        text = NOTE_MARK.sub(lambda m: "" if (m[1] or m[2]) in notes else m[0], text)
    text = badges_as_links(text)
    keep = addresses and len(MD_LINK.findall(text)) <= LINKS_KEPT
    text = MD_LINK.sub(lambda m: with_address(m[2], m[3]) if keep and not m[1] else m[2], text)
    text = re.sub(r"!?\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)", r"\1", text)  # [text](url) that the above did not read
    text = re.sub(r"!?\[([^\[\]]*)\]\[[^\[\]]*\]", r"\1", text)  # [text][ref]
    text = re.sub(r"<((?:https?|mailto):[^<>\s]+)>", r"\1", text)  # <https://...>
    text = re.sub(r"<(?:mailto:)?([^<>\s@]{1,64}@[^<>\s@]{1,255}\.[^<>\s@]{1,63})>", r"\1", text)  # <info@example.org>
    text = _WIKI_LINK.sub(lambda m: m["label"] or m["target"], text)
    text = _TAG.sub(lambda m: " " if m[1].lower() in _BREAKING else "", text)  # inline HTML tags
    text = _MD_INLINE_ATTRIBUTES.sub("", text)
    text = re.sub(rf"~~(?=\S).{{1,{SPAN}}}?(?<=\S)~~", "", text)  # struck out: no longer so
    text = re.sub(rf"(\*\*|__)(?=\S)(.{{1,{SPAN}}}?)(?<=\S)\1", r"\2", text)
    text = re.sub(rf"(?<![\w*])\*(?=\S)(.{{1,{SPAN}}}?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(rf"(?<!\w)_(?=\S)(.{{1,{SPAN}}}?)(?<=\S)_(?!\w)", r"\1", text)
    text = decoded(text)  # "Jekyll &amp; macOS", after tags: "&lt;here&gt;" is text (code is as written)
    return oneline(re.sub(r"\0(\d+)\0", lambda m: code[int(m[1])], text))


# Punctuation escaped with a backslash ("Where can I use await\?"), or a code span, whichever starts
# first: "\`" opens no code span, and in "`C:\*`" the backslash is code.
_ESCAPE_OR_CODE = re.compile(rf"\\(?P<escaped>[!-/:-@\[-`{{-~])|(`{{1,3}})(?P<code>[^`].{{0,{SPAN}}}?)\2(?!`)")
_TAG = re.compile(r"</?([a-zA-Z][\w-]*)[^<>]*>")
# Tags that set apart what is on either side of them, as a browser shows them: "555-1234<br>or
# email" and "<td>cell one</td><td>cell two</td>" had read "555-1234or" and "cell onecell two".
_BREAKING = frozenset(
    "br p div li ul ol dl dt dd table tr td th thead tbody tfoot caption h1 h2 h3 h4 h5 h6 hr "
    "blockquote pre section article aside header footer main nav figure figcaption details summary center".split()
)


def _held(code: list[str], span: str) -> str:
    """A code span set aside while the markup around it is read, and the mark of its place."""
    code.append(span)
    return f"\0{len(code) - 1}\0"
