"""Two CommonMark forms, written the way the Markdown reader (`bot.imports.markdown`) reads them,
before it (and `bot.imports.markdown.dialects`) reads the page:

- **Reference links**: `[install Python]`, `[the guide][guide]` and `[guide][]`, with their
  definition (`[install python]: https://...`, the address on the same line or the next), are
  inline links, `[install Python](https://...)`: they had kept their brackets and lost where they
  lead. A definition whose address is on the next line is one line, which the reader leaves out
  (it had been a passage). Brackets no definition names stay as written, and so do an address
  longer than `MAX_ADDRESS` and uses past `MAX_LINKED` a page (a small file of many uses of a long
  address must not make megabytes of text).
- **A list item that opens with a fence** (`- ```` ` ` ` ````) is its code at the left margin, after
  a blank line: the item's code had been read as text, and the page's later fences the wrong way
  round. (An item that opens with inline code, ``- ```x``` is ...``, is an item.)

Code (fenced, also in a quote, indented four spaces, or in `<pre>`) is left as written, and a
definition inside it defines nothing.
"""

from __future__ import annotations

import re

from bot.imports.blocks import closes_fence

MAX_ADDRESS = 2000
MAX_LINKED = 1000

_DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]\n^][^\]\n]{0,199})\]:[ \t]*+(?P<address><[^<>\n]*>|\S*+)[ \t]*+$")
_ADDRESS_LINE = re.compile(r"^[ \t]++(?P<address><[^<>\n]*>|(?:https?|mailto|ftp):\S++|[./#]\S*+)[ \t]*+$")
_FULL = re.compile(r"\[(?P<text>[^\[\]\n]{1,300})\]\[(?P<label>[^\[\]\n]{0,200})\]")
_SHORTCUT = re.compile(r"(?<![\[\]\\])\[(?P<text>[^\[\]\n^][^\[\]\n]{0,299})\](?![\[(:\]])")
_FENCE = re.compile(r"^[ \t]*+(?:>[ \t]?+)*+(`{3,}+(?=[^`]*+$)|~{3,}+)")
_ITEM_FENCE = re.compile(r"^(?P<lead>[ \t]*+(?:[-*+]|\d{1,9}[.)])[ \t]++)(?P<fence>(?:`{3,}+[^`\n]*+|~{3,}+[^\n]*+))$")
_PRE_OPEN = re.compile(r"^[ \t]{0,3}<pre[\s>]", re.IGNORECASE)
_PRE_CLOSE = re.compile(r"</pre>", re.IGNORECASE)


def written_plainly(text: str) -> str:
    """`text` with its reference links inline and its list items' opening fences on lines of their own."""
    lines = text.split("\n")
    code = code_lines(lines)
    addresses = _definitions(lines, code)
    out: list[str] = []
    linked = [0]
    dedent = 0  # inside the code of an item that opened with its fence: the item's indentation, taken off
    for at, line in enumerate(lines):
        if code[at]:
            out.append(line[min(dedent, len(line) - len(line.lstrip(" "))) :] if dedent else line)
            if dedent and at + 1 < len(lines) and not code[at + 1]:
                dedent = 0
            continue
        if item := _ITEM_FENCE.match(line):
            dedent = len(item["lead"].expandtabs(4))
            out += ["", item["fence"]]
            continue
        dedent = 0
        if (defined := _DEFINITION.match(line)) and not defined["address"] and at + 1 < len(lines):
            address = _ADDRESS_LINE.match(lines[at + 1])
            if address and not code[at + 1]:  # `[label]:` over its address: one line, which the reader leaves out
                out.append(f"[{defined['label']}]: {address['address']}")
                lines[at + 1] = ""
                continue
        indented = len(line) - len(line.lstrip(" ")) >= 4  # code, outside a list; in one, a paragraph left as it is
        if addresses and "[" in line and not defined and not indented and linked[0] < MAX_LINKED:
            line = _linked(line, addresses, linked)
        out.append(line)
    return "\n".join(out)


def code_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it is inside fenced code (its fences too, also in a quote, or opened
    by a list item) or a `<pre>` block."""
    code = [False] * len(lines)
    fence, pre = "", False
    for at, line in enumerate(lines):
        if fence:
            code[at] = True
            if _closes(line, fence):
                fence = ""
        elif pre:
            code[at] = True
            pre = not _PRE_CLOSE.search(line)
        elif (opened := _FENCE.match(line)) or (item := _ITEM_FENCE.match(line)):
            fence = opened[1] if opened else _FENCE.match(item["fence"])[1]  # type: ignore[index]  # it matched
            code[at] = opened is not None  # an item's opening line is rewritten, not kept as code
        elif _PRE_OPEN.match(line):
            code[at] = True
            pre = not _PRE_CLOSE.search(line)
    return code


def _definitions(lines: list[str], code: list[bool]) -> dict[str, str]:
    """The page's link definitions outside code: label (case and spaces folded) -> address."""
    found: dict[str, str] = {}
    for at, line in enumerate(lines):
        defined = None if code[at] else _DEFINITION.match(line)
        if defined is None:
            continue
        address = defined["address"]
        if not address and at + 1 < len(lines) and not code[at + 1]:
            following = _ADDRESS_LINE.match(lines[at + 1])
            address = following["address"] if following else ""
        address = address.strip("<>")
        if address and len(address) <= MAX_ADDRESS and " " not in address:
            found.setdefault(_folded(defined["label"]), address)
    return found


def _linked(line: str, addresses: dict[str, str], linked: list[int]) -> str:
    """`line` with its reference links inline, outside code spans; `linked` counts them on the page."""

    def inline(found: re.Match[str], label: str) -> str:
        address = addresses.get(_folded(label))
        if address is None or linked[0] >= MAX_LINKED:
            return found[0]
        linked[0] += 1
        return f"[{found['text']}]({address})"

    parts = line.split("`")
    for at in range(0, len(parts), 2):
        parts[at] = _FULL.sub(lambda m: inline(m, m["label"] or m["text"]), parts[at])
        parts[at] = _SHORTCUT.sub(lambda m: inline(m, m["text"]), parts[at])
    return "`".join(parts)


def _folded(label: str) -> str:
    return " ".join(label.split()).casefold()


def _closes(line: str, fence: str) -> bool:
    """`blocks.closes_fence`, also for a fence in a quote ("> ```")."""
    return closes_fence(line.lstrip().lstrip(">") if line.lstrip().startswith(">") else line, fence)
