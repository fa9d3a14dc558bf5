"""Markdown as documentation sites extend it, made the Markdown it holds (`plain`), before the
Markdown reader reads it (`bot.imports.markdown`).

- **Boxes** ("admonitions"): Docusaurus's, Starlight's and VitePress's `:::note[Title]` (or
  `:::note Title`) ... `:::`, MkDocs's `!!! tip "Title"` over a body indented four spaces (boxes
  in boxes too), and a fence whose language is a box (`~~~note`, `~~~~exercism/note`; not
  "error" or "example", which name code as often). Their body is the page's text: it had been
  read as code, or kept the `:::` marks in its passages. A box's title leads its text
  ("Data loss: Back up first."), on a line of its own over a list or code.
- **MDX** (`.mdx`, a page that begins with an `import ... from "..."` line, or one that imports a
  component further down and uses it, as Docusaurus's `.md` pages may): its `import` and
  `export` lines are code of the site, not text (a Zulip help page had six, and every page was a
  passage of them); a line that only opens or closes a component (`<Tabs>`, `</ZulipTip>`,
  `<MessageActions />`) is left out, a tab's label leads its text as a box's title does ("Mobile:"
  over its steps); an `export` of several lines is left out to its last bracket, and a `{/* ... */}`
  comment too; what a component holds is read without the indentation that nests it (MDX has no
  indented code: the steps of every tab had been code); and a component inside a line (an icon,
  `(<EditIcon />)`) is left out with the brackets around it.

- **MyST** (Markdown for Sphinx): a fence of a directive (```` ```{note} ```` ... ```` ``` ````,
  `:::{tip}` ... `:::`) is read as Sphinx shows it: a box's or a tab's text after its title
  (```` ```{tab-item} Linux ````, ```` ```{admonition} Title ````), a version note in Sphinx's
  words ("New in version 3.2: ..."), code as code, a table (```` ```{list-table} ````, `{csv-table}`)
  a table, as reStructuredText's; its options (`:class: tip`) are left out, and so is any other
  directive (```` ```{toctree} ````, images, includes), which says nothing a member asks.
- **MkDocs's content tabs** (`=== "Linux"` over a body indented four spaces): the label leads the
  tab's text, as a box's title does; they had been read as code.

Code is kept as written; code inside a box or a component is read without the indentation
that nests it, so that its closing fence closes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.imports.blocks import closes_fence, code_text
from bot.imports.markdown import myst
from bot.imports.restructured import CODE, TABLES, VERSIONS, directive_table, reading

# the kinds of box the sites name (Docusaurus, Starlight, VitePress, MkDocs Material, GitHub's, Sphinx's)
BOXES = frozenset(
    "note tip info warning caution danger important hint attention seealso abstract summary tldr todo "
    "success check question help failure fail missing bug example quote cite advanced aside error details".split()
)
# a fence whose language is one of these, or ends in "/" and a box ("exercism/note"), is a box:
# "error", "example", "quote" or "info" name code as often as boxes
_BOX_FENCES = frozenset("note tip warning caution danger important hint attention seealso admonition".split())
_FENCE = re.compile(r"^(?P<indent>[ \t]*+)(?P<fence>`{3,}+|~{3,}+)[ \t]*+(?P<info>[^`\s]*+)(?P<rest>[^`]*+)$")
_MYST = re.compile(r"\{(?P<name>[\w:-]{1,40})\}")  # a MyST fence's directive: "{note}" of "```{note}"
_MYST_OPTION = re.compile(r"^[ \t]*+:[\w-]{1,40}:(?:[ \t][^\n]*+)?$")  # ":class: tip" under "```{note}"
_TAB = re.compile(r"^(?P<indent>[ \t]*+)===[!+]{0,2}+[ \t]++\"(?P<label>[^\"\n]{0,200})\"[ \t]*+$")
_BANGS = re.compile(r"^(?P<indent>[ \t]*+)(?:!!!|\?\?\?\+?)[ \t]++(?P<kind>[\w-]++)(?P<rest>[^\n]*+)$")
_KIND = re.compile(r"[\w-]*+")  # a `:::` box's kind: "tip" of ":::tip Title"
_QUOTED = re.compile(r"\"([^\"]{0,200})\"")
_ESM = re.compile(
    r"^(?:import\s[^\n]*?\bfrom\s*['\"]|import\s*['\"]|import\s*\{|export\s+(?:const|let|default|function)\b)"
)
_IMPORTED = re.compile(r"^import[ \t]++([A-Z][\w]{0,60}+)[ \t]++from[ \t]*+['\"]")  # import Tabs from '@theme/Tabs'
_MDX_COMMENT = re.compile(r"^\s*\{/\*.*\*/\}\s*$")  # {/* truncate */}
_COMPONENT_LINE = re.compile(
    r"^\s*<(?P<closing>/)?(?P<name>[A-Z][\w.]*)(?P<attributes>(?:\s[^<>]*)?)(?P<empty>/)?>\s*$"
)
_LABEL = re.compile(r"\b(?:label|title)\s*=\s*(?:\"(?P<double>[^\"]{1,200})\"|'(?P<single>[^']{1,200})')")
_INLINE_COMPONENT = re.compile(
    r"\(\s{0,20}<[A-Z][\w.]*(?:\s[^<>]{0,200})?/>\s{0,20}\)|<[A-Z][\w.]*(?:\s[^<>]{0,200})?/>"
)
_OPENING = str.maketrans({"(": "(", "[": "(", "{": "(", ")": ")", "]": ")", "}": ")"})
_OWN_LINE = re.compile(r"^\s*(?:[-*+]\s|\d{1,3}[.)]\s|#|```|~~~|\||>)")  # what a title goes over, not into


def plain(text: str, *, mdx: bool = False) -> str:
    """`text` with its boxes, and for MDX (`mdx`, or a page that begins as MDX does) its imports and
    components, made Markdown (see the module)."""
    reader = _Plain(mdx or _begins_as_mdx(text), myst.labels_of(text) if myst.writes_myst(text) else None)
    for line in text.split("\n"):
        reader.read(line)
    reader.finish()
    return "\n".join(reader.out)


class _Plain:
    """A page read a line at a time by `plain`: what is open (code, boxes, components, a statement)."""

    def __init__(self, mdx: bool, labels: dict[str, str] | None = None):
        self.mdx = mdx
        self.myst = labels is not None  # a page that writes MyST; `labels`: its labels' titles
        self.labels = labels or {}
        self.out: list[str] = []
        self.fence = ""  # the fence of the code being read, "" outside code
        self.box_fences: list[str] = []  # the fences of the open boxes written as code
        self.boxes: list[int] = []  # how far the body of each open MkDocs box is indented
        self.statement = 0  # inside an MDX import or export: how many brackets it has open
        self.nesting: list[int | None] = []  # per open component, how far its content is indented
        self.title = ""  # a box's or a tab's title, waiting for the first line of its text
        self.skipping = ""  # the fence of a MyST directive that says nothing (a table of contents), "" when none
        self.skipped: list[str] = []  # its lines: read again if it never closes
        self.table = ""  # ... or of a table written as a directive (`{list-table}`), read when it closes
        self.unclosed = False  # one never closed: the others are read as code, as before MyST was read
        self.options = False  # just after a MyST directive opened: its option lines are left out
        self.yaml = False  # inside its options written as a `---` block
        self._offset = 0  # how much indentation `_dedented` took off the line being read

    def read(self, line: str) -> None:
        line = self._dedented(line)
        if self.fence and self.options and _MYST_OPTION.match(line):
            return  # ":linenos:" under "```{code-block} python"
        if self.fence:
            self.options = False
            if not closes_fence(line, self.fence):
                self.out.append(line)
            else:  # a MyST directive's code written with colons closes as Markdown's code does
                self.out.append(line if self.fence[0] != ":" else "```")
                self.fence = ""
            return
        if self.skipping:
            self._skip(line)
            return
        if self.options and (_MYST_OPTION.match(line) or not line.strip() or line.strip() == "---" or self.yaml):
            self.yaml = self.yaml != (line.strip() == "---")  # options as a YAML block, between two "---"
            return
        self.options = False
        if self.mdx and self._mdx_code(line):
            return
        if self.myst and myst.is_markup_line(line):
            return
        found = _FENCE.match(line)
        if found:
            self._fence(line, found)
            return
        if (colons := _colons(line)) is not None:
            kind, title = colons
            if not kind or kind in BOXES:
                self._box(title)
                return
            if directive := _MYST.fullmatch(kind):  # `:::{note}`, `::::{tab-set}`
                self._open(directive["name"], title, line.strip().split("{", 1)[0].strip(), line)
                return
        if tab := _TAB.match(line):
            self.boxes.append(self._offset + len(tab["indent"]) + 4)
            self._box(tab["label"])
            return
        if bangs := _BANGS.match(line):
            self.boxes.append(self._offset + len(bangs["indent"]) + 4)
            quoted = _QUOTED.search(bangs["rest"])
            self._box(quoted[1] if quoted else "")
            return
        if self.mdx and "<" in line:
            line = _outside_code(line, lambda part: _INLINE_COMPONENT.sub("", part))
        if self.myst and "{" in line:
            line = myst.roles_read(line, self.labels)
        self._text(line)

    def finish(self) -> None:
        """The page ended: a directive left out that never closed took only its own line, and the
        rest is read again (a missing closing fence must not lose the rest of the page)."""
        if self.skipping:
            self._read_again()

    def _skip(self, line: str) -> None:
        """A line of a directive left out. Its closing fence ends it; but when it held the opening
        of other code, the fence closed that code, and this directive never closed: read again."""
        self.skipped.append(line)
        if closes_fence(line, self.skipping):
            opened = any((found := _FENCE.match(inner)) and found["info"] for inner in self.skipped[1:-1])
            if opened:
                self._read_again()
            else:
                if self.table:
                    self._table(self.skipped[1:-1])
                self.skipping, self.skipped, self.table = "", [], ""

    def _read_again(self) -> None:
        """A directive left out never closed: it takes only its own line, and what followed is read
        again, any other such directive as code (as before MyST's were read)."""
        rest = self.skipped[1:]
        self.skipping, self.skipped, self.unclosed, self.table = "", [], True, ""
        for line in rest:
            self.read(line)

    def _dedented(self, line: str) -> str:
        """`line` without the indentation of the MkDocs boxes and MDX components it is in; a line
        indented less than a box's body ends the box."""
        lead = len(line) - len(line.lstrip(" \t"))
        line = line[:lead].expandtabs(4) + line[lead:]
        if line.strip():
            while self.boxes and _indent(line) < self.boxes[-1]:
                self.boxes.pop()
        self._offset = min(self.boxes[-1], _indent(line)) if self.boxes and line.strip() else 0
        line = line[self._offset :] if line.strip() else ""
        if self.nesting and line.strip() and not self.fence and self.nesting[-1] is None:
            self.nesting[-1] = _indent(line)  # the first line of a component's content: how far it is indented
        if self.nesting and line.strip():
            cut = min(_indent(line), self.nesting[-1] or 0)
            self._offset += cut
            line = line[cut:]
        return line

    def _mdx_code(self, line: str) -> bool:
        """Whether `line` is MDX's own code (an import, an export, a component's line, a comment),
        which is not text; a tab's label is kept as the title of its text."""
        if self.statement > 0 or (not self.nesting and _ESM.match(line)):
            opened = line.translate(_OPENING)
            self.statement = max(self.statement + opened.count("(") - opened.count(")"), 0)
            return True
        if _MDX_COMMENT.match(line):
            return True
        component = _COMPONENT_LINE.match(line)
        if component is None:
            return False
        if component["closing"]:
            if self.nesting:
                self.nesting.pop()
            self._end()
        elif not component["empty"]:
            self.nesting.append(None)
            label = _LABEL.search(component["attributes"] or "")
            if label:  # a tab: its label leads its text; a box or a wrapper inside it keeps the label waiting
                self._box(label["double"] or label["single"])
        return True

    def _fence(self, line: str, found: re.Match[str]) -> None:
        info = found["info"].casefold()
        if directive := _MYST.fullmatch(info):
            self._open(directive["name"], found["rest"], found["fence"], line, found["indent"])
        elif info in _BOX_FENCES or ("/" in info and info.rsplit("/", 1)[-1] in BOXES):
            self.box_fences.append(found["fence"])
            self._box("")
        elif self.box_fences and not info and closes_fence(line, self.box_fences[-1]):
            self.box_fences.pop()
            self._end()
        else:
            self.fence = found["fence"]
            self._text(line)

    def _open(self, name: str, argument: str, mark: str, line: str, indent: str = "") -> None:
        """A MyST directive opens with `mark` (```` ``` ````, `:::`): code, left out to its closing
        mark, or a box whose text is the page's, a title leading it (a tab's label, an admonition's
        title, a version note in Sphinx's words) or, for a note, its argument its first words."""
        how, argument = reading(name), argument.strip()
        self.options = True
        if name in TABLES and not self.unclosed:  # read whole when it closes, as a table
            self.skipping, self.skipped, self.table = mark, [line], name
        elif how == "silent" and not self.unclosed:
            self.skipping, self.skipped = mark, [line]
        elif how in ("code", "silent"):  # ```{code-block} python, ```{pip-cli}: code as Markdown's
            language = argument.split()[0] if name in CODE and argument else ""
            self.fence = mark
            self._text(f"{indent}{mark if mark[0] != ':' else '```'}{language}")
        else:
            if mark[0] != ":":  # a colon box closes on `:::` as the other `:::` boxes do
                self.box_fences.append(mark)
            if how == "version":
                self._box(VERSIONS[name].format(argument))
            else:
                self._box(argument if how == "titled" else "")
                if how == "text" and argument:
                    self._text(argument)

    def _table(self, lines: list[str]) -> None:
        """A `{list-table}` or a `{csv-table}` (`self.table`), its body `lines`, as Markdown: a pipe
        table under its header, a sentence a row, read by its options as reStructuredText's are; its
        caption left out, as `{table}`'s. Its rows had been a list of items "- Day" and "Hours"."""
        options, body = myst.options_of(code_text("\n".join(lines)).split("\n"))
        table = code_text("\n".join(body)).split("\n")
        self._end()
        self.out += [*directive_table(self.table, table, options, lambda cell: myst.roles_read(cell, self.labels)), ""]

    def _box(self, title: str) -> None:
        """A box opens (or, with no kind, closes): what came before ends; its title leads its text."""
        self._end()
        self.title = title.strip()

    def _end(self) -> None:
        """A block ends: a title that got no text is left out."""
        self.title = ""
        self.out.append("")

    def _text(self, line: str) -> None:
        """A line of the page's text: a waiting title goes before it, on it when it is a paragraph's
        ("Windows: Double-click the installer."), over it when it opens a list, code or a table."""
        if self.title and not line.strip():
            return  # the blank lines between a title and its text
        if self.title:
            if _OWN_LINE.match(line):
                self.out.append(f"{self.title}:")
            else:
                line = f"{self.title}: {line.lstrip()}"
            self.title = ""
        self.out.append(line)


def _colons(line: str) -> tuple[str, str] | None:
    """A `:::` line's box kind and title (`:::tip[Title]`, `:::tip Title`, `::: warning Title`,
    `:::` alone: ("", "")), or None for another line. Read without a pattern: a run of spaces
    after the colons made one slow."""
    mark = line.strip()
    if not mark.startswith(":::") or len(line) - len(line.lstrip()) > 3:
        return None
    rest = mark.lstrip(":").strip()
    if rest.startswith("{") and "}" in rest[:42] and _MYST.fullmatch(rest[: rest.index("}") + 1]):
        return rest[: rest.index("}") + 1].casefold(), rest[rest.index("}") + 1 :].strip()  # MyST's `:::{note} Title`
    kind = found[0] if (found := _KIND.match(rest)) else ""
    title = rest[len(kind) :].strip()
    if title.startswith("[") and "]" in title:
        title = title[1 : title.index("]")]
    elif "{" in title:
        title = title[: title.index("{")]
    return kind.casefold(), title.strip()


def _begins_as_mdx(text: str) -> bool:
    """Whether the page is MDX: its first line of text (after any front matter) is an import or an
    export, or, further down, outside code, a component is imported and then used (a Docusaurus
    `.md` page imports `Tabs` under its title: `import Tabs from '@theme/Tabs';` ... `<Tabs>`)."""
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        body = text[end + 4 :] if end >= 0 else text
    first = next((line for line in body.split("\n") if line.strip()), "")
    if _ESM.match(first) is not None:
        return True
    imported: set[str] = set()
    fence = ""
    for line in body.split("\n"):
        if fence:
            fence = "" if closes_fence(line, fence) else fence
        elif found := _FENCE.match(line):
            fence = found["fence"]
        elif named := _IMPORTED.match(line):
            imported.add(named[1])
        elif imported and (component := _COMPONENT_LINE.match(line)) and component["name"] in imported:
            return True
    return False


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _outside_code(line: str, change: Callable[[str], str]) -> str:
    """`line` with `change` applied to what is not inside backticks."""
    parts = line.split("`")
    return "`".join(change(part) if at % 2 == 0 else part for at, part in enumerate(parts))
