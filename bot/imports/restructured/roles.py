"""A role as Sphinx prints it (`role_text`), for reStructuredText's roles (`:ref:`the guide <install>``,
`bot.imports.restructured.reader`) and MyST's (`{ref}`...``, `bot.imports.markdown.myst`): its explicit
text, else its target made readable (the last part of a Python object's name, a label's title, a
document's name, an issue's number).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_PLACEHOLDER = re.compile(r"<[^<>\s]{1,100}>")  # "<password>", not "Actions > Settings"
_DOTTED = re.compile(r"^~[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")  # ~folder.versioning.params.keep
_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]*)>$", re.DOTALL)  # "the guide <install>"
_ISSUE_ROLES = frozenset({"issue", "pr", "ghissue", "gh"})
# Roles that name a Python object, whose target "~" shortens and "." makes relative; a file's
# `:file:`.venv`` keeps its dot.
_OBJECT_ROLES = frozenset("class meth func attr obj data exc mod const type".split())


def role_text(role: str, body: str, labels: Mapping[str, str] | None = None) -> str:
    """A role as Sphinx prints it (reStructuredText's `:ref:`...`` and MyST's `{ref}`...``): its
    explicit text ("the guide" of `the guide <install>`); else its target, only the last part after
    "~" (`~ext.commands.Context` is "Context"), a label by the title it names (`labels`, the page's)
    or its words, a document by its name (`../cli/pip_config` is "pip config", `topics/index`
    "topics"), an issue by its number."""
    body, role = body.strip(), role.casefold()
    explicit = _EXPLICIT.match(body)
    if explicit is not None and explicit["text"]:
        text = explicit["text"]  # "<password>" of `<password> <gui.password>` is a placeholder, not a tag
        return f"`{text}`" if _PLACEHOLDER.search(text) else text
    target = explicit["target"] if explicit is not None else body
    if role in _ISSUE_ROLES:
        return f"#{target}"
    if role == "ref":
        target = target.lstrip("~!")
        return (labels or {}).get(target.casefold(), target.replace("_", " ").replace("-", " "))
    if role == "doc":
        parts = [p for p in re.split(r"[/:]", target.lstrip("~!")) if p.strip(".") and p != "index"]
        return parts[-1].replace("_", " ").replace("-", " ") if parts else target
    if role not in _OBJECT_ROLES and not _DOTTED.match(target):  # "~a.b.c" is "c"; "~/.config" a path
        return target.lstrip("!")
    short = target.startswith("~")
    target = target.lstrip("~!").lstrip(".")
    return target.rsplit(".", 1)[-1] if short else target
