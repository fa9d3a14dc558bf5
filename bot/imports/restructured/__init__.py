"""reStructuredText read for `kb import`, as the Markdown it says; and Sphinx's directives and
roles, which MyST Markdown writes too (`bot.imports.markdown`).

    reader      a reStructuredText document as Markdown: titles, directives, lists, inline markup
    tables      its simple, grid, list and CSV tables (and MyST's list and CSV tables)
    directives  Sphinx's directives by what their body is (a box, code, a version note), a glossary's terms
    roles       a role as Sphinx prints it (`:ref:`, `:doc:`, `:class:`), for MyST's roles too

The rest of `bot.imports` uses only what this face exports.
"""

from bot.imports.restructured.directives import CODE, VERSIONS, reading
from bot.imports.restructured.reader import to_markdown
from bot.imports.restructured.roles import role_text
from bot.imports.restructured.tables import DIRECTIVES as TABLES
from bot.imports.restructured.tables import directive as directive_table

__all__ = ["CODE", "TABLES", "VERSIONS", "directive_table", "reading", "role_text", "to_markdown"]
