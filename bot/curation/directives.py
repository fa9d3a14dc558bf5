"""Sphinx's directives by what their body is, for reStructuredText (`bot.curation.restructured`) and
for MyST Markdown's fences of them (```` ```{note} ````, `bot.curation.dialects`).

Any other directive (images, tables of contents, includes, raw markup) says nothing a member asks.
"""

from __future__ import annotations

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
