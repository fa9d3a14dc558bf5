"""MyST's inline markup, as Sphinx shows it (its fenced directives: `bot.curation.dialects`).

- A role (`` {doc}`the install guide <install>` ``, `` {py:func}`~pkg.connect` ``) is its text:
  "the install guide", "connect"; it had been "{doc}the install guide". A page or a label named
  by its path alone (`` {doc}`../cli/pip_config` ``) is its words, "pip config": Sphinx prints the
  title it names, which is in another file.
- A label over a heading (`(install-target)=`) and a comment line (`% a remark`) are not text:
  they had been a passage, and a remark glued to the next paragraph.

Only a page that writes MyST (a directive fence, or a role) is read so: in other Markdown a line
may begin with "%".
"""

from __future__ import annotations

import re

_ROLE = re.compile(r"\{(?P<name>[\w:-]{1,40}+)\}`(?P<body>[^`\n]{0,300}+)`")
_EXPLICIT = re.compile(r"^(?P<text>[^<>]*?)\s*<[^<>]*>$")  # "the install guide <install>"
_OBJECT = re.compile(r"^~?[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*(?:\(\))?$")  # ~pkg.connect, pkg.Client.close()
_OBJECT_ROLES = frozenset("class meth func attr obj data exc mod const type function method".split())
# A page or a label named by its path ({doc}`../cli/pip_config`, {ref}`config-precedence`): the
# document's or the section's title is in another file, so its words stand in ("pip config").
_NAMED_ROLES = frozenset({"doc", "ref"})
_TARGET = re.compile(r"^[\w./-]{1,200}+$")
_SEPARATORS = re.compile(r"[_-]+")
_MARKUP_LINE = re.compile(r"^(?:\([\w .:-]{1,100}+\)=[ \t]*+|%[^\n]*+)$")
_WRITES_MYST = re.compile(r"^[ \t]{0,3}(?:`{3,}|~{3,}|:{3,})[ \t]*\{[\w:-]{1,40}\}|\{[\w:-]{1,40}\}`", re.MULTILINE)


def writes_myst(text: str) -> bool:
    """Whether a page writes MyST: a directive's fence (```` ```{note} ````, `:::{tip}`) or a role."""
    return _WRITES_MYST.search(text) is not None


def is_markup_line(line: str) -> bool:
    """A label over a heading, `(install-target)=`, or a comment, `% a remark`: not the page's text."""
    return _MARKUP_LINE.match(line.strip()) is not None


def roles_read(line: str) -> str:
    """`line` with each role as the text Sphinx prints for it (an object's as code)."""
    return _ROLE.sub(_role, line)


def _role(found: re.Match[str]) -> str:
    body = found["body"].strip()
    explicit = _EXPLICIT.match(body)
    if explicit and explicit["text"]:
        return explicit["text"]
    role = found["name"].rsplit(":", 1)[-1]
    if role in _OBJECT_ROLES and _OBJECT.match(body):
        name = body.lstrip("~").rsplit(".", 1)[-1] if body.startswith("~") else body.lstrip(".")
        return f"`{name}`"
    if role in _NAMED_ROLES and _TARGET.match(body):  # Sphinx prints the title, which is elsewhere: its words
        named = [part for part in body.split("/") if part.strip(".")]
        if len(named) > 1 and named[-1] == "index":  # topics/index: the page of "topics"
            named.pop()
        return _SEPARATORS.sub(" ", named[-1]).strip() if named else body
    return body
