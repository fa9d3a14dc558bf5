"""Markdown as documentation sites extend it, made the Markdown it holds (`plain`), before the
Markdown reader reads it (`bot.curation.markdown`).

- **Boxes** ("admonitions"): Docusaurus's and Starlight's `:::note` ... `:::`, MkDocs's
  `!!! tip "Title"` over a body indented four spaces, and a fence whose language names a box
  (`~~~~exercism/note`). Their body is the page's text: it had been read as code, or kept the
  `:::` marks in its passages. A box's own title is its first line, with a colon.
- **MDX** (`.mdx`, or a page that begins with an `import ... from "..."` line): its `import` and
  `export` lines are code of the site, not text (a Zulip help page had six, and every page was a
  passage of them); a line that only opens or closes a component (`<Tabs>`, `</ZulipTip>`,
  `<MessageActions />`) is left out, a tab's label kept as its first line ("Mobile:" over its
  steps); what a component holds is read without the indentation that nests it (MDX has no
  indented code: the steps of every tab had been code); and a component inside a line (an icon,
  `(<EditIcon />)`) is left out with the brackets around it.

Code is kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# the kinds of box the sites name (Docusaurus, Starlight, MkDocs Material, GitHub's, Sphinx's)
BOXES = frozenset(
    "note tip info warning caution danger important hint attention seealso abstract summary tldr todo "
    "success check question help failure fail missing bug example quote cite advanced aside error".split()
)
_FENCE = re.compile(r"^(?P<indent>\s{0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_COLONS = re.compile(r"^\s{0,3}:{3,}\s*(?P<kind>[\w-]*)\s*(?:\[(?P<title>[^\]]{0,200})\])?\s*(?:\{[^}]{0,200}\})?\s*$")
_BANGS = re.compile(r"^(?P<indent>\s{0,3})(?:!!!|\?\?\?\+?)\s+(?P<kind>[\w-]+)(?:\s+\"(?P<title>[^\"]{0,200})\")?\s*$")
_ESM = re.compile(
    r"^(?:import\s[^\n]*?\bfrom\s*['\"]|import\s*['\"]|import\s*\{|export\s+(?:const|let|default|function)\b)"
)
_ESM_END = re.compile(r"\bfrom\s*['\"][^'\"]*['\"]\s*;?\s*$|^\s*import\s*['\"][^'\"]*['\"]\s*;?\s*$")
_COMPONENT_LINE = re.compile(
    r"^\s*<(?P<closing>/)?(?P<name>[A-Z][\w.]*)(?P<attributes>(?:\s[^<>]*)?)(?P<empty>/)?>\s*$"
)
_LABEL = re.compile(r"\b(?:label|title)\s*=\s*(?:\"(?P<double>[^\"]{1,200})\"|'(?P<single>[^']{1,200})')")
_INLINE_COMPONENT = re.compile(
    r"\(\s{0,20}<[A-Z][\w.]*(?:\s[^<>]{0,200})?/>\s{0,20}\)|<[A-Z][\w.]*(?:\s[^<>]{0,200})?/>"
)


def plain(text: str, *, mdx: bool = False) -> str:
    """`text` with its boxes, and for MDX (`mdx`, or a page that begins as MDX does) its imports and
    components, made Markdown (see the module)."""
    mdx = mdx or _begins_as_mdx(text)
    out: list[str] = []
    fence = ""  # the fence of the code being read, "" outside code
    box_fences: list[str] = []  # the fences of the boxes written as code that are open
    indented_box = -1  # the indentation of the MkDocs box whose body is being read, -1 outside one
    importing = False  # inside an `import {` that spans lines
    nesting: list[int | None] = []  # per open component, how far its content is indented (None: not yet seen)
    for line in text.split("\n"):
        if fence:
            out.append(line)
            if _closes(line, fence):
                fence = ""
            continue
        if indented_box >= 0:
            if not line.strip() or _indent(line) >= indented_box + 4:
                line = line[indented_box + 4 :] if line.strip() else ""
            else:
                indented_box = -1
        if mdx and importing:
            importing = _ESM_END.search(line) is None
            continue
        if mdx and not nesting and _ESM.match(line):
            importing = _ESM_END.search(line) is None and line.rstrip().endswith(("{", ","))
            continue
        if mdx and (component := _COMPONENT_LINE.match(line)):
            if component["closing"]:
                if nesting:
                    nesting.pop()
            elif not component["empty"]:
                nesting.append(None)
            label = _LABEL.search(component["attributes"] or "")
            out.extend([f"{label['double'] or label['single']}:", ""] if label and not component["closing"] else [""])
            continue
        if nesting and line.strip():
            if nesting[-1] is None:
                nesting[-1] = _indent(line)
            line = line[min(_indent(line), nesting[-1] or 0) :]
        found = _FENCE.match(line)
        if found and _is_box(found["info"]):
            box_fences.append(found["fence"])
            out.append("")
            continue
        if found and box_fences and not found["info"] and _closes(line, box_fences[-1]):
            box_fences.pop()
            out.append("")
            continue
        if found:
            fence = found["fence"]
            out.append(line)
            continue
        if (colons := _COLONS.match(line)) and (not colons["kind"] or colons["kind"].casefold() in BOXES):
            out.extend([f"{colons['title']}:", ""] if colons["title"] else [""])
            continue
        if bangs := _BANGS.match(line):
            indented_box = len(bangs["indent"])
            out.extend([f"{bangs['title']}:", ""] if bangs["title"] else [""])
            continue
        if mdx and "<" in line:
            line = _outside_code(line, lambda part: _INLINE_COMPONENT.sub("", part))
        out.append(line)
    return "\n".join(out)


def _begins_as_mdx(text: str) -> bool:
    """Whether the page's first line of text (after any front matter) is an MDX import or export."""
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        body = text[end + 4 :] if end >= 0 else text
    first = next((line for line in body.split("\n") if line.strip()), "")
    return _ESM.match(first) is not None


def _is_box(info: str) -> bool:
    """Whether a fence's language names a box ("note", "exercism/caution")."""
    return info.rsplit("/", 1)[-1].casefold() in BOXES


def _closes(line: str, fence: str) -> bool:
    """Whether `line` closes code opened with `fence`: the same marks, as many or more, alone."""
    mark = line.strip()
    return len(mark) >= len(fence) and set(mark) == {fence[0]}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _outside_code(line: str, change: Callable[[str], str]) -> str:
    """`line` with `change` applied to what is not inside backticks."""
    parts = line.split("`")
    return "`".join(change(part) if at % 2 == 0 else part for at, part in enumerate(parts))
