"""Two CommonMark forms, written the way the Markdown reader (`bot.curation.markdown`) reads them,
before it (and `bot.curation.dialects`) reads the page:

- **Reference links**: `[install Python]`, `[the guide][guide]` and `[guide][]`, with their
  definition (`[install python]: https://...`, the address on the same line or the next), are
  inline links, `[install Python](https://...)`: they had kept their brackets and lost where they
  lead. A definition whose address is on the next line is one line, which the reader leaves out
  (it had been a passage). Brackets no definition names stay as written.
- **A list item that opens with a fence** (`- ```` ` ` ` ````) is the item's mark over the fence,
  indented as its text: the item's code had been read as text, and the page's later fences
  the wrong way round.

Code is left as written.
"""

from __future__ import annotations

import re

_DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]\n^][^\]\n]{0,199})\]:[ \t]*+(?P<address><[^<>\n]*>|\S*+)[ \t]*+$")
_ADDRESS_LINE = re.compile(r"^[ \t]++(?P<address><[^<>\n]*>|\S++)[ \t]*+$")
_FULL = re.compile(r"\[(?P<text>[^\[\]\n]{1,300})\]\[(?P<label>[^\[\]\n]{0,200})\]")
_SHORTCUT = re.compile(r"(?<![\]\\])\[(?P<text>[^\[\]\n^][^\[\]\n]{0,299})\](?![\[(:])")
_FENCE = re.compile(r"^[ \t]*+(`{3,}+|~{3,}+)")
_ITEM_FENCE = re.compile(r"^(?P<lead>[ \t]*+(?:[-*+]|\d{1,9}[.)])[ \t]++)(?P<fence>(?:`{3,}+|~{3,}+)[^\n]*+)$")


def written_plainly(text: str) -> str:
    """`text` with its reference links inline and its list items' opening fences on lines of their own."""
    lines = text.split("\n")
    addresses = _definitions(lines)
    out: list[str] = []
    fence = ""
    for at, line in enumerate(lines):
        if fence:
            out.append(line)
            if _closes(line, fence):
                fence = ""
            continue
        if item := _ITEM_FENCE.match(line):
            out += [item["lead"].rstrip(), " " * len(item["lead"].expandtabs(4)) + item["fence"]]
            fence = _FENCE.match(item["fence"])[1]  # type: ignore[index]  # the pattern matched it
            continue
        if opened := _FENCE.match(line):
            fence = opened[1]
            out.append(line)
            continue
        if (defined := _DEFINITION.match(line)) and not defined["address"] and at + 1 < len(lines):
            address = _ADDRESS_LINE.match(lines[at + 1])
            if address:  # `[label]:` over its address: one line, which the reader leaves out
                out.append(f"[{defined['label']}]: {address['address']}")
                lines[at + 1] = ""
                continue
        out.append(_linked(line, addresses) if addresses and "[" in line and not defined else line)
    return "\n".join(out)


def _definitions(lines: list[str]) -> dict[str, str]:
    """The page's link definitions: label (case and spaces folded) -> address."""
    found: dict[str, str] = {}
    for at, line in enumerate(lines):
        defined = _DEFINITION.match(line)
        if defined is None:
            continue
        address = defined["address"]
        if not address and at + 1 < len(lines) and (following := _ADDRESS_LINE.match(lines[at + 1])):
            address = following["address"]
        if address:
            found.setdefault(_folded(defined["label"]), address.strip("<>"))
    return found


def _linked(line: str, addresses: dict[str, str]) -> str:
    """`line` with its reference links inline, outside code spans."""
    parts = line.split("`")
    for at in range(0, len(parts), 2):
        parts[at] = _SHORTCUT.sub(lambda m: _inline(m, m["text"], addresses), _FULL.sub(
            lambda m: _inline(m, m["label"] or m["text"], addresses), parts[at]))  # fmt: skip
    return "`".join(parts)


def _inline(found: re.Match[str], label: str, addresses: dict[str, str]) -> str:
    address = addresses.get(_folded(label))
    return f"[{found['text']}]({address})" if address and " " not in address else found[0]


def _folded(label: str) -> str:
    return " ".join(label.split()).casefold()


def _closes(line: str, fence: str) -> bool:
    mark = line.strip()
    return len(mark) >= len(fence) and set(mark) == {fence[0]}
