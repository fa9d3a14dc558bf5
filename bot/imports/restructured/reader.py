"""reStructuredText (`.rst`, Sphinx's docs, a Python project's FAQ) read as the Markdown it says.

A section title is a line underlined (and perhaps overlined) with one punctuation mark, its
level the order in which the styles first appear; a paragraph that ends with "::" opens the
indented block under it as code, and so do the `code-block` directives (their options left out);
an admonition's body (`.. note::`), a tab's and a box's are read as reStructuredText after their
title, a described object or setting (`.. py:data:: SECRET_KEY`) is its name over its description,
a version note is in Sphinx's words ("Changed in version 2.0: ..."), a simple table and a grid
table a table; a "see also" of references only, other directives (images, tables of contents,
includes), comments, link targets and the document's fields (`:orphan:`, and `:Author:` under its
title) are left out, with their indented body; a footnote or a citation is a Markdown footnote, and
a field list in the text a list. What is indented under a list item stays in it, and a paragraph
is read whole. Roles and references keep their text, a web link its
address: ":ref:`the install guide <install>`" is "the install guide", "`Docs
<https://example.org>`_" a link to it, `~a.b.Context` is "Context", a label its title where the
page names it, a name the page links (`Blender_`) its name. Read as plain text, its markup leaked
into the passages ("``brew``", ":doc:") and a code line was read as a heading. Tables:
`bot.imports.restructured.tables`; roles: `roles`; directives: `directives`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.imports.blocks import code_text, indent_of
from bot.imports.restructured import tables
from bot.imports.restructured.directives import CODE, CONTAINERS, DESCRIPTIONS, TEXT, VERSIONS, glossary_terms, reading
from bot.imports.restructured.roles import role_text

MAX_DEPTH = 8  # directives read inside directives; deeper, their text is a paragraph

_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")  # "=====", "-----", "~~~~~"
# a directive, a target or a comment: ".. note::", ".. _install:", ".. a remark", ".." over an indented remark
_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\.(?:\s(?:\s*(?P<name>[\w:.-]{1,40})::(?P<argument>.*)|(?P<rest>.*))|\s*$)")
_OPTION = re.compile(r"^\s*:[\w-]{1,40}:(?:\s.*)?$")  # a directive's option (`:emphasize-lines: 7,9`), a docinfo field
_SUBSTITUTION_DEFINITION = re.compile(r"^\.\.\s+\|(?P<name>[^|]{1,100})\|\s+replace::\s*(?P<text>.+)$")
_TARGET = re.compile(r"^\.\.\s+_(?P<label>[\w .:-]{1,100}):\s*$")  # `.. _install:` over the title it names
_GRID_BORDER = re.compile(r"^\s*\+(?:-+\+)+\s*$|^\s*\+(?:=+\+)+\s*$")  # a grid table's: "+-----+----+"
_LINK_TARGET = re.compile(r"^\.\.\s+_(?P<name>[^:`]{1,100}):\s+(?P<address>(?:https?|mailto|ftp):\S{1,300})$")
# Blender_ of `.. _Blender: https://...`, not in an address ("wiki/Python_(programming_language)")
_REFERENCE = re.compile(r"(?<![\w`/.#=(-])(?P<name>[A-Za-z][\w.+-]{0,99}?)__?(?![\w(])")
_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d{1,3}[.)]|#\.)\s+\S")
_ROLE = re.compile(r"(?::[\w.-]{1,40}){1,2}:`(?P<body>[^`]{0,300})`")  # :ref:`text <target>`, :py:class:`~a.B`
_LINK = re.compile(r"`([^`<]{1,300}?)\s{0,50}<((?:https?|mailto|ftp)://?[^`>]{1,300})>`__?")  # `Docs <https://...>`_
_NAMED = re.compile(r"`([^`<]{1,300}?)\s{0,50}(?:<[^`>]{0,300}>)?`__?")  # `text`_, `text <target>`_
_LITERAL = re.compile(r"``(.{1,300}?)``")
_SUBSTITUTION = re.compile(r"\|([\w -]{1,100})\|_{0,2}")
# A field of a field list, `:Author: Jane Doe`; under the document's title they are its facts (docinfo).
_FIELD = re.compile(r"^:(?P<name>[^:`\s][^:`]{0,59}):(?:\s+(?P<value>.*))?$")
# A footnote or a citation, `.. [#rules] The rules are posted.`, and its mark where it is cited, `[#rules]_`:
# named (`#rules`), numbered (`1`), numbered in order (`#`), a symbol in order (`*`), a citation (`CIT2002`).
_NOTE_LABEL = r"(?P<label>#[\w.-]{0,30}|\*|\d{1,4}|[A-Za-z][\w.-]{0,30})"
_NOTE = re.compile(rf"^\.\.\s+\[{_NOTE_LABEL}\](?:\s+(?P<text>.*))?$")
# The space before it too ("the rules [1]_." is "the rules."), from where the run of spaces begins: a
# search from each of 100,000 spaces was quadratic.
_NOTE_MARK = re.compile(rf"(?<!\s)(?P<space>\s*+)\[{_NOTE_LABEL}\]_")


def to_markdown(text: str, words: _Words | None = None) -> str:
    """The Markdown that `text`, reStructuredText, says (see above); `words`, a document's
    definitions, when `text` is a directive's body."""
    lines = text.split("\n")
    words = words or _Words(lines)
    out: list[str] = []
    styles: list[tuple[str, bool]] = []  # the title styles in the order they appear: their level
    para: list[str] = []  # the lines of the paragraph (or list item) being read, read together
    at = 0
    while at < len(lines) and (_OPTION.match(lines[at]) or not lines[at].strip()):
        at += 1  # the document's fields (`:orphan:`, `:tocdepth: 2`) say how to build it, not what it says
    listed = -1  # the indent of the list item being read, -1 outside a list: what is indented under it is its
    keep = ""  # how far the paragraph being read is indented in the Markdown (under a list item)

    def flush() -> None:
        if para:  # a link or a role wrapped over two lines is read whole ("`Sentry\n<https://...>`_")
            out.append(keep + words.inline(_unbolded(" ".join(para))))
            para.clear()

    while at < len(lines):
        line = lines[at]
        title = _title_at(lines, at)
        if title is not None:
            flush()
            text_of, style, used = title
            if style not in styles:
                styles.append(style)
            first = not any(line.strip() for line in out)
            out += ["", "#" * min(styles.index(style) + 1, 6) + " " + words.inline(text_of), ""]
            at = _after_fields(lines, at + used) if first else at + used
            listed = -1
            continue
        indent = indent_of(line)
        if tables.TABLE_BORDER.match(line) or _GRID_BORDER.match(line):
            flush()
            read = tables.simple if tables.TABLE_BORDER.match(line) else tables.grid
            rows, at = read(lines, at, words.inline)
            out += ["", *(keep + row for row in rows), ""]
            continue
        if not line.strip() or _ADORNMENT.match(line):
            flush()
            out.append("")
            at += 1
            continue
        if (field := _FIELD.match(line)) is not None:  # a field list reads as a list: ":Author: Jane"
            line = f"- {field['name'].strip()}: {field['value'] or ''}".rstrip()
        item = _ITEM.match(line)
        if listed >= 0 and indent <= listed and not item:
            listed = -1  # a paragraph as far left as the list's items ends it
        directive = _DIRECTIVE.match(line)
        if directive is not None or item or not para:
            flush()
            keep = " " * indent if listed >= 0 or (item and indent) else ""  # under a list item: nested there
        bare = directive is not None and directive.group("name") is None and not (directive.group("rest") or "").strip()
        if bare and (at + 1 >= len(lines) or not lines[at + 1].strip()):
            at += 1  # ".." over a blank line is an empty comment: the indented text after it is a quote
            continue
        if (note := _NOTE.match(line)) is not None:  # as Markdown writes a note: at the end of the section citing it
            body, at = _body(lines, at + 1, indent)
            said = " ".join([note["text"] or "", *(b.strip() for b in body)]).strip()
            out += ["", f"[^{words.note(note['label'], cited=False)}]: {words.inline(said)}", ""]
            continue
        if directive is not None:
            body, at = _body(lines, at + 1, len(directive.group("indent")))
            options: dict[str, str] = {}
            while body and _OPTION.match(body[0]):  # the directive's options (`:emphasize-lines:`), not its text
                written = body.pop(0)
                option, _, value = written.strip()[1:].partition(":")
                while body and body[0].strip() and indent_of(body[0]) > indent_of(written):  # its value goes on
                    value = f"{value} {body.pop(0).strip()}"
                options[option.casefold()] = value.strip()
            name = (directive.group("name") or "").casefold()
            out += words.directive(name, directive.group("argument"), body, keep, options)
            continue
        if not para and not item and _defines(lines, at):  # a definition list's entry: "- Term: its definition"
            body, at = _body(lines, at + 1, indent)
            entry = _item(words.led(_term(line), words.nested(code_text("\n".join(body)))))
            out += ["", *(keep + piece if piece.strip() else piece for piece in entry), ""]
            continue
        if item:
            listed = indent if listed < 0 else min(listed, indent)
        if line.rstrip().endswith("::") and not line.strip().startswith(".."):
            kept = line.rstrip()[:-2].rstrip()
            para.append(kept.strip() + (":" if kept.strip() and kept[-1] not in ".:!?;," else ""))
            flush()
            body, at = _body(lines, at + 1, indent)
            if any(b.strip() for b in body):
                out += _code(body)
            continue
        para.append(re.sub(r"^#\.\s", "1. ", line.strip()))
        at += 1
    flush()
    return "\n".join(out)


def _defines(lines: list[str], at: int) -> bool:
    """Whether the line at `at` is a definition list's term: a line of text with the definition
    indented under it, no blank line between (a glossary's "Guest pass" over "   Lets a friend in").
    Its lines had been read as one paragraph, the term glued into the sentence; now each entry is a
    list's item, "Guest pass: Lets a friend in ...", and the list is read as any list is (one
    passage with the line that opens it: Syncthing's "The following intervals are used ...")."""
    line = lines[at]
    if at + 1 >= len(lines) or not lines[at + 1].strip() or line.rstrip().endswith("::"):
        return False
    return indent_of(lines[at + 1]) > indent_of(line) and _DIRECTIVE.match(line) is None


def _item(lines: list[str]) -> list[str]:
    """Markdown `lines` as a list item: a mark on the first, the others indented under it."""
    lines = lines[next((n for n, line in enumerate(lines) if line.strip()), 0) :]
    return [f"- {line}" if n == 0 else f"  {line}" if line.strip() else line for n, line in enumerate(lines)]


def _term(line: str) -> str:
    """A definition list's term, its classifiers after it in brackets ("Fee : euros" is "Fee (euros)")."""
    term, *classifiers = re.split(r"\s+:\s+", line.strip())
    return f"{term} ({', '.join(classifiers)})" if classifiers else term


def _after_fields(lines: list[str], at: int) -> int:
    """Where the text under the document's title starts, after its fields (`:Author: Jane Doe`,
    `:Date: 2024-01-01`, docutils' docinfo): they describe the document, and were a passage
    ":Author: Jane Doe :Date: 2024-01-01"."""
    start = at
    while at < len(lines) and not lines[at].strip():
        at += 1
    if at >= len(lines) or not _FIELD.match(lines[at]):
        return start
    while at < len(lines) and (_FIELD.match(lines[at]) or (lines[at][:1].isspace() and lines[at].strip())):
        at += 1
    return at


def _code(body: list[str]) -> list[str]:
    """Lines of code as Markdown's fenced block, set apart by blank lines."""
    return ["", "```", *code_text("\n".join(body)).split("\n"), "```", ""]


def _prose_joined(lines: list[str]) -> list[str]:
    """Markdown `lines` with the blank lines between two paragraphs of prose taken out: one
    paragraph. Code is left as it is."""
    found: list[str] = []
    fenced = False
    for line in lines:
        opens = line.lstrip().startswith("```")
        if fenced or opens:
            fenced = fenced != opens  # a fence opens or closes the code
        elif len(found) > 1 and not found[-1].strip() and _prose(found[-2]) and _prose(line):
            found.pop()  # the blank line between two paragraphs
        found.append(line)
    return found


def _prose(line: str) -> bool:
    """A Markdown line of a paragraph: not blank, code, a heading, a table's row or a list item."""
    return bool(line.strip()) and not line.lstrip().startswith(("```", "#", "|")) and not _ITEM.match(line)


def _says_more(text: str) -> bool:
    """Whether `text` says anything besides its references: roles, links and linked names."""
    for pattern in (_ROLE, _LINK, _NAMED, _REFERENCE):
        text = pattern.sub(" ", text)
    return re.search(r"[^\W_]", text) is not None


def _unbolded(line: str) -> str:
    """A paragraph all in bold without its marks: reStructuredText's sections are underlined, and a
    bold line is a remark, not the heading Markdown would read it as (a list item in bold is an item)."""
    bold = tables.BOLD.match(line)
    return bold["text"] if bold else line


class _Words:
    """How a document's inline markup reads: with its substitutions (`.. |name| replace:: text`) and
    the titles its link targets name (`.. _install:` over "Installing"), where it defines them."""

    def __init__(self, lines: list[str]):
        self.depth = 0  # how many directives deep the text being read is
        self.substitutions: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.addresses: dict[str, str] = {}  # the web addresses of the names a page links (`Blender_`)
        self.numbered = {True: {"#": 0, "*": 0}, False: {"#": 0, "*": 0}}  # notes numbered in order: cited, written
        self.notes: dict[str, int] = {}  # the labels of the page's footnotes and citations: how many it writes
        for at, line in enumerate(lines):
            if note := _NOTE.match(line.strip()):
                self.notes[note["label"]] = self.notes.get(note["label"], 0) + 1
            elif defined := _SUBSTITUTION_DEFINITION.match(line.strip()):
                self.substitutions[defined["name"].strip()] = defined["text"].strip()
            elif linked := _LINK_TARGET.match(line.strip()):
                self.addresses[linked["name"].strip().casefold()] = linked["address"]
            elif target := _TARGET.match(line.strip()):
                after = next((n for n in range(at + 1, min(at + 4, len(lines))) if _title_at(lines, n)), None)
                found = _title_at(lines, after) if after is not None else None
                if found is not None:
                    self.labels[target["label"].casefold()] = found[0]

    def directive(
        self, name: str, argument: str | None, body: list[str], keep: str, options: Mapping[str, str] | None = None
    ) -> list[str]:
        """The Markdown lines a directive says: code as code; a note's text and a tab's or a
        container's contents, read as the reStructuredText they are; a version note in Sphinx's
        words; a described object as its name over its description (`.. confval:: DEBUG`); a table
        as a table (`.. table::`, `.. list-table::`, `.. csv-table::`, by its `options`); nothing
        for the others (images, tables of contents, includes, comments)."""
        argument = (argument or "").strip()
        if name in CODE or name == "code-tab":
            return _code(body)
        if name in VERSIONS:  # alone ("New in version 1.5." under a title) it answers nothing
            said = " ".join(b.strip() for b in body).strip()
            return ["", keep + self.inline(f"{VERSIONS[name].format(argument)}: {said}"), ""] if said else []
        if name == "seealso" and not _says_more(" ".join([argument, *body])):
            return []  # "See also" over references only says where to read ("device ids"), not what
        if name == "table":  # a caption over a simple or a grid table: the table, read as it is alone
            read = self.nested(code_text("\n".join(body)))
            return ["", *(keep + line if line.strip() else line for line in read), ""]
        if name in tables.DIRECTIVES:  # its caption left out, as `.. table::`'s is
            table = code_text("\n".join(body)).split("\n")
            return ["", *(keep + row for row in tables.directive(name, table, options or {}, self.inline)), ""]
        described = ":" in name or name in DESCRIPTIONS
        if name in TEXT or name in CONTAINERS or described or name == "glossary":
            # a title ("Externally Visible Server", a tab's "Windows", a setting's name) leads its text
            titled = bool(argument) and reading(name) == "titled"
            inner = [argument] if argument and not titled else []
            # the body without its indent, so that an argument going on over it is not a term over a definition
            apart = "\n\n" if body and not body[0].strip() else "\n"
            text = code_text("\n".join(body))
            read = self.nested(apart.join([*inner, glossary_terms(text) if name == "glossary" else text]))
            if described:  # a setting's description, its warning and its default are one answer
                read = _prose_joined(read)
            if titled:
                read = self.led(argument, read)
            return ["", *(keep + line if line.strip() else line for line in read), ""]
        return []

    def led(self, title: str, read: list[str]) -> list[str]:
        """Markdown lines `read` led by `title` (its inline markup read): on the first paragraph
        ("Windows: Double-click the installer."), over code, a heading, a list or a table."""
        first = next((n for n, line in enumerate(read) if line.strip()), None)
        lead = self.inline(title).rstrip(":") + ":"
        if first is None or read[first].lstrip().startswith(("```", "#", "|")) or _ITEM.match(read[first]):
            return [lead, *read]
        return [*read[:first], f"{lead} {read[first].strip()}", *read[first + 1 :]]

    def nested(self, said: str) -> list[str]:
        """The Markdown lines of a directive's body, `said` in reStructuredText; past `MAX_DEPTH`
        (boxes in boxes, hundreds deep) the rest as a paragraph."""
        if self.depth >= MAX_DEPTH:
            return [self.inline(" ".join(said.split()))]
        self.depth += 1
        read = to_markdown(said, self).split("\n")
        self.depth -= 1
        return read

    def inline(self, text: str) -> str:
        """reStructuredText's inline markup as Markdown's: literals as code, roles and references
        as their text, a web link as a link. A literal is read first and kept as written: in
        "``\\:python3:``" a role's mark is what the reader types."""
        literals: list[str] = []

        def held(match: re.Match[str]) -> str:
            literals.append(match[1])
            return f"\0{len(literals) - 1}\0"

        text = _LITERAL.sub(held, text.replace("\0", ""))
        text = _NOTE_MARK.sub(self._note_mark, text)
        text = _ROLE.sub(self._role, text)
        text = _LINK.sub(lambda m: f"[{m[1]}]({m[2]})", text)
        text = _NAMED.sub(lambda m: m[1], text)
        if self.addresses:
            text = _REFERENCE.sub(self._reference, text)
        text = _SUBSTITUTION.sub(lambda m: self.substitutions.get(m[1], m[1].replace("_", " ")), text)
        text = re.sub(r"\\\s", "", text)  # an escaped space is nothing: it joins markup to a word
        return re.sub(r"\0(\d+)\0", lambda m: f"`{literals[int(m[1])]}`", text)

    def note(self, label: str, *, cited: bool) -> str:
        """A footnote's name as Markdown's footnotes have it, by its label: "#rules" is "rules"; the
        notes numbered in order (`[#]_`, `[*]_`) are the first written, the second, ... as cited."""
        if label not in ("#", "*"):
            return label.removeprefix("#")
        self.numbered[cited][label] += 1
        return f"{'note' if label == '#' else 'symbol'}-{self.numbered[cited][label]}"

    def _note_mark(self, match: re.Match[str]) -> str:
        """A footnote's or a citation's mark as Markdown's, where the page writes the note (`[#]_`: as
        many as it writes); another (a Sphinx citation another page defines, `[CIT2019]_`) as the page
        shows it, "[CIT2019]" after its space: it had been "[^CIT2019]" glued to the word before it."""
        label = match["label"]
        cited = self.numbered[True][label] if label in ("#", "*") else 0
        if cited >= self.notes.get(label, 0):
            return f"{match['space']}[{label}]"
        return f"[^{self.note(label, cited=True)}]"

    def _reference(self, match: re.Match[str]) -> str:
        """A name the page links (`Blender_` of `.. _Blender: https://www.blender.org/`) as a link;
        another word before "_" as written."""
        address = self.addresses.get(match["name"].casefold())
        return f"[{match['name']}]({address})" if address else match[0]

    def _role(self, match: re.Match[str]) -> str:
        role = match[0].split(":`")[0].rsplit(":", 1)[-1]
        return role_text(role, match["body"], self.labels)


def _title_at(lines: list[str], at: int) -> tuple[str, tuple[str, bool], int] | None:
    """The section title at line `at` (its text, its style: mark and whether overlined, and the
    lines it takes), or None. An underline at least as long as the title's text, of one mark."""
    line = lines[at]
    over = _ADORNMENT.match(line)
    overlined = over and at + 2 < len(lines) and lines[at + 1].strip() and _ADORNMENT.match(lines[at + 2])
    if over and overlined and lines[at + 2].strip()[0] == over.group(1):
        return lines[at + 1].strip(), (over.group(1), True), 3
    if not line.strip() or line[:1].isspace() or at + 1 >= len(lines):
        return None
    under = _ADORNMENT.match(lines[at + 1])
    if under and len(lines[at + 1].rstrip()) >= len(line.rstrip()) and (at == 0 or not lines[at - 1].strip()):
        return line.strip(), (under.group(1), False), 2
    return None


def _body(lines: list[str], at: int, indent: int) -> tuple[list[str], int]:
    """The lines indented more than `indent` from `at` on (blank lines among them), and where the
    text after them starts."""
    body: list[str] = []
    while at < len(lines) and (not lines[at].strip() or indent_of(lines[at]) > indent):
        body.append(lines[at])
        at += 1
    while body and not body[-1].strip():
        body.pop()
    return body, at
