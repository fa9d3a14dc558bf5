"""reStructuredText (`.rst`, Sphinx's docs, a Python project's FAQ) read as the Markdown it says.

A section title is a line underlined (and perhaps overlined) with one punctuation mark, its
level the order in which the styles first appear; a paragraph that ends with "::" opens the
indented block under it as code, and so do the `code-block` directives; an admonition's body
(`.. note::`) is a paragraph; other directives (images, tables of contents, includes), comments
and link targets are left out, with their indented body. Roles and references keep their text,
a web link its address: ":ref:`the install guide <install>`" is "the install guide", and
"`Docs <https://example.org>`_" a link to it. Read as plain text, its markup leaked into the
passages ("``brew``", ":doc:") and a code line was read as a heading.
"""

from __future__ import annotations

import re

from bot.curation.blocks import code_text, indent_of

_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")  # "=====", "-----", "~~~~~"
_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\.\s(?:\s*(?P<name>[\w:.-]{1,40})::(?P<argument>.*)|(?P<rest>.*))$")
_CODE_DIRECTIVES = frozenset({"code", "code-block", "sourcecode"})
_TEXT_DIRECTIVES = frozenset(
    "note tip hint important attention caution warning danger error admonition seealso versionadded "
    "versionchanged deprecated topic sidebar rubric".split()
)
_ROLE = re.compile(
    r":[\w:.-]{1,40}:`([^`<]{0,300}?)\s{0,50}(?:<[^`>]{0,300}>)?`"
)  # :ref:`text <target>`, :doc:`install`
_LINK = re.compile(r"`([^`<]{1,300}?)\s{0,50}<((?:https?|mailto|ftp)://?[^`>]{1,300})>`__?")  # `Docs <https://...>`_
_NAMED = re.compile(r"`([^`<]{1,300}?)\s{0,50}(?:<[^`>]{0,300}>)?`__?")  # `text`_, `text <target>`_
_LITERAL = re.compile(r"``(.{1,300}?)``")
_SUBSTITUTION = re.compile(r"\|([\w -]{1,100})\|_{0,2}")


def to_markdown(text: str) -> str:
    """The Markdown that `text`, reStructuredText, says (see above)."""
    lines = text.split("\n")
    out: list[str] = []
    styles: list[tuple[str, bool]] = []  # the title styles in the order they appear: their level
    at = 0
    while at < len(lines):
        line = lines[at]
        title = _title_at(lines, at)
        if title is not None:
            text_of, style, used = title
            if style not in styles:
                styles.append(style)
            out += ["", "#" * min(styles.index(style) + 1, 6) + " " + inline(text_of), ""]
            at += used
            continue
        directive = _DIRECTIVE.match(line)
        if directive is not None:
            body, at = _body(lines, at + 1, len(directive.group("indent")))
            name = (directive.group("name") or "").casefold()
            if name in _CODE_DIRECTIVES:
                out += ["", "```", *code_text("\n".join(body)).split("\n"), "```", ""]
            elif name in _TEXT_DIRECTIVES:
                said = " ".join([directive.group("argument") or "", *(b.strip() for b in body)]).strip()
                out += ["", inline(said), ""]
            continue
        if line.rstrip().endswith("::") and not line.strip().startswith(".."):
            kept = line.rstrip()[:-2].rstrip()
            out.append(inline(kept + ":" if kept and not kept.endswith(":") else kept))
            body, at = _body(lines, at + 1, indent_of(line))
            if any(b.strip() for b in body):
                out += ["", "```", *code_text("\n".join(body)).split("\n"), "```", ""]
            continue
        out.append(inline(re.sub(r"^#\.\s", "1. ", line.strip())) if not _ADORNMENT.match(line) else "")
        at += 1
    return "\n".join(out)


def inline(text: str) -> str:
    """reStructuredText's inline markup as Markdown's: literals as code, roles and references
    as their text, a web link as a link."""
    text = _LITERAL.sub(lambda m: f"`{m[1]}`", text)
    text = _ROLE.sub(lambda m: m[1], text)
    text = _LINK.sub(lambda m: f"[{m[1]}]({m[2]})", text)
    text = _NAMED.sub(lambda m: m[1], text)
    return _SUBSTITUTION.sub(lambda m: m[1], text)


def _title_at(lines: list[str], at: int) -> tuple[str, tuple[str, bool], int] | None:
    """The section title at line `at` (its text, its style: mark and whether overlined, and the
    lines it takes), or None. An underline at least as long as the title's text, of one mark."""
    line = lines[at]
    over = _ADORNMENT.match(line)
    overlined = over and at + 2 < len(lines) and lines[at + 1].strip() and _ADORNMENT.match(lines[at + 2])
    if over and overlined and lines[at + 2].strip()[0] == over.group(1):
        return lines[at + 1].strip(), (over.group(1), True), 3
    if not line.strip() or line[:1].isspace() or at + 1 >= len(lines):
        return None
    under = _ADORNMENT.match(lines[at + 1])
    if under and len(lines[at + 1].rstrip()) >= len(line.rstrip()) and (at == 0 or not lines[at - 1].strip()):
        return line.strip(), (under.group(1), False), 2
    return None


def _body(lines: list[str], at: int, indent: int) -> tuple[list[str], int]:
    """The lines indented more than `indent` from `at` on (blank lines among them), and where the
    text after them starts."""
    body: list[str] = []
    while at < len(lines) and (not lines[at].strip() or indent_of(lines[at]) > indent):
        body.append(lines[at])
        at += 1
    while body and not body[-1].strip():
        body.pop()
    return body, at
