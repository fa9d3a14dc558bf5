"""Sphinx's directives by what their body is, for reStructuredText (`bot.imports.restructured`) and
for MyST Markdown's fences of them (```` ```{note} ````, `bot.imports.markdown.dialects`).

Any other directive (images, tables of contents, includes, raw markup) says nothing a member asks.
A glossary's entries of several terms are read on one line (`glossary_terms`).
"""

from __future__ import annotations

from bot.imports.blocks import indent_of

CODE = frozenset({"code", "code-block", "sourcecode", "code-cell"})
# A box whose body is the page's text; only an admonition's argument is a title.
TEXT = frozenset(
    "note tip hint important attention caution warning danger error admonition seealso topic sidebar rubric".split()
)
# Sphinx's notes of versions, in the words it prints them with.
VERSIONS = {
    "versionadded": "New in version {}",
    "versionchanged": "Changed in version {}",
    "deprecated": "Deprecated since version {}",
    "versionremoved": "Removed in version {}",
}
# Directives whose body is the page's text in a box or a tab, and whose argument is its title.
CONTAINERS = frozenset(
    "tabs tab group-tab tab-set tab-item only container ifconfig dropdown card grid grid-item grid-item-card "
    "compound epigraph pull-quote highlights".split()
)
# Directives that describe an object or a setting: its name over its description.
DESCRIPTIONS = frozenset(
    "data function class method attribute exception decorator describe object option envvar confval "
    "setting program cmdoption".split()
)
# Directives that say nothing a member asks: tables of contents, images, includes, raw markup, an
# index's entries, the module a page documents (and autodoc's `auto...`, which read source code).
SILENT = frozenset(
    "toctree contents image include literalinclude raw index meta highlight currentmodule module "
    "tableofcontents sectionauthor codeauthor".split()
)
# Directives whose body is text and whose argument is not (a figure's image path, a glossary's none,
# a table's caption: MyST's `{table}` over a pipe table, its caption left out as `.. table::`'s is; it
# had been a passage of its own, "Fees by member:").
UNTITLED = frozenset("figure glossary eval-rst margin table".split())
# ... and whose argument is a title.
_TITLED = CONTAINERS | DESCRIPTIONS | {"admonition", "list-table"}


def reading(name: str) -> str:
    """How a directive is read: "code"; "version" (a version note); "silent" (left out); "titled"
    (its argument leads its text: a tab's label, a setting's name); "text" (a box whose argument is
    its first words, as a note's); "untitled" (its text alone). A directive this does not know
    (`{pip-cli}`, a page's own) is code, as it was read before MyST's were."""
    if name in CODE:
        return "code"
    if name in VERSIONS:
        return "version"
    if name in SILENT or name.startswith("auto"):
        return "silent"
    if name in _TITLED or ":" in name:  # `py:function`: a described object
        return "titled"
    if name in TEXT:
        return "text"
    return "untitled" if name in UNTITLED else "code"


def glossary_terms(text: str) -> str:
    """A glossary's text with each entry of several terms, a line each over one definition ("Guest
    pass" over "Day pass" over the indented text, as Sphinx's glossary allows), on one term's line:
    "Guest pass, Day pass". The lines had been read as a paragraph with the definition, "Guest pass
    Day pass Lets a friend in for one day."."""
    lines, out, at = text.split("\n"), [], 0
    while at < len(lines):
        end = at
        while end < len(lines) and lines[end].strip() and not indent_of(lines[end]):
            end += 1
        defined = end < len(lines) and lines[end].strip() and indent_of(lines[end]) > 0
        if end - at > 1 and defined:
            out.append(", ".join(line.strip() for line in lines[at:end]))
        else:
            out += lines[at : max(end, at + 1)]
        at = max(end, at + 1)
    return "\n".join(out)
