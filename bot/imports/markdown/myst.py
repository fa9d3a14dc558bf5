"""MyST's inline markup, as Sphinx shows it (its fenced directives: `bot.imports.markdown.dialects`).

- A role (`` {doc}`the install guide <install>` ``, `` {py:func}`~pkg.connect` ``) is its text:
  "the install guide", "connect"; it had been "{doc}the install guide". A page or a label named
  by its path alone (`` {doc}`../cli/pip_config` ``) is its words, "pip config": Sphinx prints the
  title it names, which is in another file.
- A label over a heading (`(install-target)=`) and a comment line (`% a remark`) are not text:
  they had been a passage, and a remark glued to the next paragraph.
- A directive's options (`:header-rows: 1` lines, or a `---` YAML block of `header-rows: 1`), which
  a table's directive is read by (`options_of`).

Only a page that writes MyST (a directive fence, or a role) is read so: in other Markdown a line
may begin with "%".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.imports.restructured import role_text

_ROLE = re.compile(r"\{(?P<name>[\w:-]{1,40}+)\}`(?P<body>[^`\n]{0,300}+)`")
_LABEL = re.compile(r"^\(([\w .:-]{1,100}+)\)=$")
_HEADING = re.compile(r"^#{1,6}[ \t]++([^\n]{1,300}+)$")
_MARKUP_LINE = re.compile(r"^(?:\([\w .:-]{1,100}+\)=[ \t]*+|%[^\n]*+)$")
_OPTION = re.compile(r"^[ \t]*+:(?P<name>[\w-]{1,40}+):(?:[ \t]++(?P<value>[^\n]*+))?$")  # ":header-rows: 1"
_WRITES_MYST = re.compile(r"^[ \t]{0,3}(?:`{3,}|~{3,}|:{3,})[ \t]*\{[\w:-]{1,40}\}|\{[\w:-]{1,40}\}`", re.MULTILINE)


def writes_myst(text: str) -> bool:
    """Whether a page writes MyST: a directive's fence (```` ```{note} ````, `:::{tip}`) or a role."""
    return _WRITES_MYST.search(text) is not None


def is_markup_line(line: str) -> bool:
    """A label over a heading, `(install-target)=`, or a comment, `% a remark`: not the page's text."""
    return _MARKUP_LINE.match(line.strip()) is not None


def labels_of(text: str) -> dict[str, str]:
    """The page's labels (`(install-target)=` over `## Installing`), by label: the title a
    `{ref}` to them prints, as reStructuredText's `.. _install-target:` is read."""
    found: dict[str, str] = {}
    label = ""
    for line in text.split("\n"):
        if marked := _LABEL.match(line.strip()):
            label = marked[1].casefold()
        elif label and (heading := _HEADING.match(line)):
            found.setdefault(label, heading[1].strip())
            label = ""
        elif line.strip():
            label = ""
    return found


def roles_read(line: str, labels: Mapping[str, str] | None = None) -> str:
    """`line` with each role as the text Sphinx prints for it, read as reStructuredText's are
    (`bot.imports.restructured.role_text`); `labels`: the page's (`labels_of`)."""
    return _ROLE.sub(lambda m: role_text(m["name"].rsplit(":", 1)[-1], m["body"], labels), line)


def options_of(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """A directive's options, by name, and the lines of its body after them: `:name: value` lines
    at its start, or a YAML block of `name: value` lines between two `---` lines."""
    options: dict[str, str] = {}
    at = 0
    closing = next((n for n in range(1, len(lines)) if lines[n].strip() == "---"), 0) if lines[:1] == ["---"] else 0
    if closing:
        for line in lines[1:closing]:
            name, colon, value = line.partition(":")
            if colon and name.strip():
                options[name.strip()] = value.strip()
        at = closing + 1
    while at < len(lines) and (option := _OPTION.match(lines[at])):
        options[option["name"]] = (option["value"] or "").strip()
        at += 1
    return options, lines[at:]
