"""Plain text read for `kb import`: paragraphs between blank lines, lists, a FAQ's question over its
answer, text saved one paragraph a line; and the headings any article's text may carry (`#`,
lines underlined with `===` or `---`, wiki marks, numbered lines), which Markdown reads too.
"""

from __future__ import annotations

import re

from bot.imports.blocks import Article, Block, decoded, oneline
from bot.search.sentences import split_sentences

# Heading patterns take the rest of the line whole; what closes it (trailing "#" or "=" marks,
# spaces) is cut off in `md_heading` and `_marked_title`: a pattern that weighed every way to
# split a long run of spaces took minutes on one line.
MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>\S.*)$")
# A `#` heading with no title (`##`, or its marks and a no-break space): it titles nothing and is no
# text; it ends the paragraph above it. (Zero-width characters are gone before: `articles.read`.)
EMPTY_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*$")


_NUMBERED_HEADING = re.compile(r"^\s*\d{1,2}[.)]\s+(?P<title>\S.*)$")


SETEXT = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")


_WIKI_HEADING = re.compile(r"^\s*(?P<marks>={1,6})(?P<title>[^=].*)$")  # == History ==


def from_text(text: str) -> Article:
    """Plain text: blocks between blank lines; a one-line block that reads as a heading is one.

    A block whose lines are paragraphs of their own (text saved one paragraph a line, as many
    editors and exports write it; see `_line_blocks`) is read line by line; any other block is one
    paragraph, its lines joined (text wrapped at a fixed width, or written one sentence a line).
    A block whose first line is one question, with more under it, is a FAQ's entry: the question
    heads the answer under it, one paragraph ("Can I invite a friend?" over "Yes, guests may join
    two hikes.").
    HTML entities are their characters, as in every format (text copied from a web page keeps
    them: "Troubleshooting &amp; tips" had the id "troubleshooting-amp-tips-1")."""
    text = decoded(text)
    blocks: list[Block] = []
    for raw in re.split(r"\n\s*\n", _UNDERLINED.sub(_set_apart, text)):
        if not raw.strip() or EMPTY_HEADING.match(raw.strip()):
            continue
        heading = heading_of(raw)
        if heading is not None:
            blocks.append(Block(heading, True))
        elif listed := _list_blocks(raw):
            blocks.extend(listed)
        elif lined := _line_blocks(raw):
            blocks.extend(lined)
        elif (question := _question_over_answer(raw)) is not None:
            blocks.extend([Block(question[0], True), Block(oneline(question[1]))])
        else:
            blocks.append(Block(oneline(raw)))
    return Article(tuple(blocks))


# A line that begins a block, underlined with = or -, the underline perhaps gapped under each word
# ("1.0) About" over "---- -----", as a README of text writes it), with text right under it: set
# apart as a heading. (The last line of a paragraph over a rule is no heading.)
_RULE = r"[ \t]{0,3}(?:=+|-+)(?: (?:=+|-+)){0,20}"  # a line of = or -, perhaps gapped under each word
_UNDERLINED = re.compile(rf"^(?P<title>[^\n]{{1,100}})\n(?P<line>{_RULE})[ \t]*$", re.MULTILINE)
_RULE_LINE = re.compile(rf"{_RULE}[ \t]*")
_LOOK_BACK = 400  # characters read before an underlined line: enough for the line above it


def _set_apart(found: re.Match[str]) -> str:
    """An underlined heading as a block of its own; a rule under a list item or in a table is left as it is."""
    title, line = found.group("title"), found.group("line")
    bare = title.strip()
    gapped = " " in line.strip()
    before = found.string[max(0, found.start() - _LOOK_BACK) : found.start()].rstrip(" \t")
    above = before.rstrip("\n").rpartition("\n")[2]
    if before and not before.endswith("\n\n") and not _RULE_LINE.fullmatch(above):
        return found.group(0)  # the last line of a paragraph over a rule, not a heading
    if _LIST_ITEM.match(bare) or not bare or len(line.strip()) < 3 or set(bare) <= set("=- \t"):
        return found.group(0)
    if gapped and re.search(r"\s\s", bare):  # a text table's header ("Name    Price" over "----    -----")
        return found.group(0)
    return f"\n\n{title}\n{line.strip().replace(' ', '-')}\n\n"


def _list_blocks(raw: str) -> list[Block]:
    """A block that is a list ("- Tea" / "2. Pay at the desk", a line each, a wrapped item's
    further lines indented), perhaps under a line that opens it ("We serve:", wrapped over lines
    or not), as that line and its items; [] for any other block."""
    lines = [line.rstrip() for line in raw.strip("\n").splitlines() if line.strip()]
    found: list[Block] = []
    opening = next((at for at, line in enumerate(lines) if _LIST_ITEM.match(line.strip())), 0)
    if opening and lines[opening - 1].endswith(":"):  # the opening line, perhaps wrapped over several
        found.append(Block(oneline(" ".join(lines[:opening]))))
        lines = lines[opening:]
    items: list[list[str]] = []
    for line in lines:
        if _LIST_ITEM.match(line.strip()):
            items.append([line.strip()])
        elif items and line[:1].isspace():
            items[-1].append(line)
        else:
            return []
    if not items:
        return []
    return [*found, *(_item_block(oneline(" ".join(item))) for item in items)]


def _item_block(line: str) -> Block:
    """A list item's line ("- Tea", "2) Pay") as a block marked as an item."""
    mark, _, rest = line.partition(" ")
    return Block(rest.strip(), item=f"{mark[:-1]}." if mark[:1].isdigit() else "•")


def _question_over_answer(raw: str) -> tuple[str, str] | None:
    """A block's first line, when it is one question (a heading of its own) with text under it, and
    the rest; else None. (Asked of a block that is not paragraph lines, `_line_blocks`.)"""
    first, _, rest = raw.strip().partition("\n")
    first = first.strip()
    single = first.endswith("?") and len(split_sentences(_unmarked(first))) == 1 and not _LIST_ITEM.match(first)
    if not single or not rest.strip() or heading_of(first) is None:
        return None
    return first, rest


# A line that ends a sentence (. ! ? … or the colon that opens a list), perhaps inside closing
# quotes or brackets, perhaps followed by citation marks ("... in 1898.[4]").
_ENDS_SENTENCE = re.compile(r"[.!?…:][\"”’')\]]*(?:\[\w{1,4}\])*$")
# A line that ends with the punctuation of a sentence or a clause: no heading. A Chinese FAQ saved
# as text ("会员费每年十欧元。") had been all headings, and refused for want of sentences.
# (Chinese and Japanese write their marks full width, and close quotes with 」 and 』.)
_CLOSED = re.compile(r"[.!:;,。｡．！；：，、…][\"”’')\]」』）】〉》]*$")


# A FAQ's mark before its question: "Q: How do I become a helper?" is the section "How do I become a
# helper?", as it is asked (the question typed word for word was declined: "q" was a word of it), and
# so is "Q1. What age can my child join?" (numbered: "Q1." had been read as a sentence, and the
# question as no heading). In other languages: "Frage", "Pregunta", "Pergunta", "Domanda", "Vraag",
# and their first letters before a question ("F: Wann ist Training?", "P: ¿Cuándo salimos?").
QUESTION_MARK = re.compile(
    r"^(?:(?:Q|Question|Frage|Pregunta|Pergunta|Domanda|Vraag)\d{0,3}\s?(?P<mark>[:.)])\s+(?=\S)"
    r"|[FPDV]\d{0,3}\s?(?P<letter>[:.)])\s+(?=.*[?？]\s*$))"
)
# Its answer's mark, at the start of the first paragraph under such a question: "A: We meet on
# Tuesdays." is "We meet on Tuesdays." (every reply had begun "A: "); "R : Non" of a French FAQ
# (Réponse; Respuesta, Resposta, Risposta), "Antwort", "Antwoord"; "A1." under "Q1.".
_ANSWER_MARK = re.compile(
    r"^(?:A|Answer|R|Antwort|Antwoord|R[ée]ponse|Respuesta|Resposta|Risposta)\d{0,3}\s?(?P<mark>[:.)])\s+(?=\S)"
)


def question_mark(line: str) -> re.Match[str] | None:
    """The mark before a FAQ's question ("Q: ", "Q1. ", "F: "), if the line begins with one."""
    return QUESTION_MARK.match(line)


def _unmarked(line: str) -> str:
    """A question's line without its FAQ's mark: "Q1." is no sentence of "Q1. What age can my child join?"."""
    marked = question_mark(line)
    return line[marked.end() :] if marked else line


def answered(text: str, mark: str) -> str:
    """An answer's text without its mark, under a question marked with `mark` (":", "." or ")"): a
    colon always, "A." or "A)" only after "Q." or "Q)" ("a) the red one" under "Q: Which kit do I
    buy?" is the answer's own list)."""
    found = _ANSWER_MARK.match(text)
    return text[found.end() :] if found and found["mark"] in {":", mark} else text


_LIST_ITEM = re.compile(r"^(?:[-*+•]|\d{1,3}[.)])\s")


LINE_ENDS_SHARE = 0.8  # of a block's lines that must end a sentence for each to be a paragraph


WRAP_WIDTH = 100  # text wrapped at a fixed width has no longer lines


def _line_blocks(raw: str) -> list[Block]:
    """The block's lines as headings and paragraphs when they are paragraphs of their own, else [].

    They are when nearly all lines (`LINE_ENDS_SHARE`) end a sentence (all of them when no line
    is longer than `WRAP_WIDTH`: text wrapped at a fixed width has none), and most hold two
    sentences or more; or, with headings among them (`_line_headings`), when a quarter hold two
    or more, or when two or more and a quarter of the lines are headings (a FAQ saved a question
    a line, each answer on the line under it). Text wrapped at a fixed width breaks its lines
    inside sentences; text written one sentence a line holds one a line."""
    lines = [line.strip() for line in raw.strip().splitlines() if line.strip()]
    if len(lines) < 2:
        return []
    heads = _line_headings(lines)
    asked = sum(head is not None and line.endswith("?") for line, head in zip(lines, heads, strict=True))
    answers = [line for line, head in zip(lines, heads, strict=True) if head is None]
    whole = all(_ENDS_SENTENCE.search(line) or len(line.split()) <= 3 for line in answers)  # "No", "Yes, free"
    if asked >= 2 and asked * 4 >= len(lines) and whole:  # a FAQ a question a line, not wrapped text
        return _blocks_of(lines, heads)
    body = [line for line, head in zip(lines, heads, strict=True) if head is None]
    ending = [bool(_ENDS_SENTENCE.search(line)) for line in lines]
    body_ending = sum(ends for ends, head in zip(ending, heads, strict=True) if head is None)
    if not body or body_ending < LINE_ENDS_SHARE * len(body):
        return []
    if max(map(len, lines)) <= WRAP_WIDTH and body_ending < len(body):
        return []
    several = sum(len(split_sentences(line)) >= 2 for line in body)
    titled = sum(head is not None for head in heads)
    paragraphs = several * 2 > len(body) or (titled > 0 and several * 4 >= len(body))
    faq = titled >= 2 and titled * 4 >= len(lines)
    if not (paragraphs or faq):
        return []
    return _blocks_of(lines, heads)


def _blocks_of(lines: list[str], heads: list[str | None]) -> list[Block]:
    return [
        Block(oneline(line)) if head is None else Block(head, True) for line, head in zip(lines, heads, strict=True)
    ]


def _line_headings(lines: list[str]) -> list[str | None]:
    """Which lines of a block read as headings among paragraph lines: one that reads as a heading
    (`heading_of`) and is less than half as long as the longest line, or one question on its own;
    never a list item, the last line, or the line under a question: a heading with nothing under
    it, or right under a question, is text (a short answer: "No")."""
    widest = max(map(len, lines))
    heads = [
        None
        if _LIST_ITEM.match(line)
        else heading_of(line)
        if len(line) < widest / 2 or (line.endswith("?") and len(split_sentences(_unmarked(line))) == 1)
        else None
        for line in lines
    ]
    heads[-1] = None
    for at in range(1, len(heads)):
        if lines[at - 1].endswith("?") and heads[at - 1] is not None:
            heads[at] = None
    return heads


def heading_of(block: str) -> str | None:
    """The heading a one-line block stands for (or a line underlined with === or ---), or None for a paragraph."""
    lines = block.strip().splitlines()
    if len(lines) == 2 and SETEXT.match(lines[1]) and lines[0].strip():
        return lines[0].strip()
    if len(lines) != 1:
        return None
    line = lines[0]
    title = _marked_title(line)
    if title is not None:
        return title
    if len(line) <= 100 and not _CLOSED.search(line.strip()):
        return line.strip()  # a short line without closing punctuation reads as a heading
    return None


def md_heading(line: str) -> str | None:
    """The title of a `#` heading line, without the `#` marks that may close it; None for another line."""
    match = MD_HEADING.match(line)
    if match is None:
        return None
    title = match.group("title").rstrip()
    bare = title.rstrip("#")
    if bare != title and (not bare or bare[-1] in " \t"):  # "## Title ##"; "## C#" keeps its mark
        title = bare.rstrip() or title
    return title


def _marked_title(line: str) -> str | None:
    """The title of a line marked as a heading: `# Title`, `== Title ==` or `2. Title` (3 to 120
    characters), else None."""
    title = md_heading(line)
    if title is not None:
        return title
    if wiki := _WIKI_HEADING.match(line):
        marks, rest = wiki.group("marks"), wiki.group("title").rstrip()
        inner = rest[: -len(marks)] if rest.endswith(marks) else ""
        if inner.strip() and not inner.endswith("="):
            return inner.strip()
    if numbered := _NUMBERED_HEADING.match(line):
        title = numbered.group("title").rstrip()
        if 3 <= len(title) <= 120:
            return title
    return None
