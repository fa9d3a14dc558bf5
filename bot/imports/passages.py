"""A section's paragraphs, lists and code cut into passages for `kb import`'s drafts.

A paragraph is a passage of up to eight sentences (about 1,000 characters: a paragraph); a list is
passages of its items with the line that opens it; code stays code, fenced, in the passage of the
line that introduces it. Short passages of a section with code are packed together.
"""

from __future__ import annotations

import re

from bot.imports.blocks import Block
from bot.knowledge import MAX_TEXT_CHARS
from bot.search.sentences import join_sentences, split_sentences

MAX_SENTENCES = 8
MAX_PASSAGE_CHARS = 1000
SHORT_PASSAGE_CHARS = 400  # short passages of one section with code are packed up to this (`packed`)
MAX_INTRO_CHARS = 200  # a list's opening line ("We serve:") is repeated atop each passage of a long list when shorter


def group_sentences(sentences: list[str]) -> list[str]:
    """Passages of at most eight sentences and about 1,000 characters each: a whole paragraph
    where it is not long (on the generalization set, 4.5 points more answered right than with
    three sentences and 400 characters, none more wrong)."""
    passages: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        if current and (len(current) >= MAX_SENTENCES or len(join_sentences([*current, sentence])) > MAX_PASSAGE_CHARS):
            passages.append(join_sentences(current))
            current = []
        current.append(sentence)
    if current:
        passages.append(join_sentences(current))
    return [piece for passage in passages for piece in _within(passage, MAX_TEXT_CHARS)]


def group_items(intro: str, items: list[str]) -> list[str]:
    """A list as passages: the line that opens it ("Besides its kernel, a system has:", or "") and
    its items (each already marked, "• Tea"), a line each, as many as fit in about 1,000 characters
    (a limit of eight items, as a paragraph has sentences, gave 3 more wrong answers on the
    generalization dev set).
    A further passage of a long list starts with that line again, when short, so it reads on its
    own; an item longer than a passage is cut into sentences."""
    if len(intro) > MAX_PASSAGE_CHARS // 2:  # a long paragraph that happens to end with a colon
        return [*group_sentences(split_sentences(intro)), *group_items("", items)]
    head = [intro] if intro else []
    again = head if len(intro) <= MAX_INTRO_CHARS else []
    passages: list[str] = []
    current = list(head)
    for item in items:
        for piece in [item] if len(item) <= MAX_PASSAGE_CHARS else group_sentences(split_sentences(item)):
            if len(current) > len(head) and len("\n".join([*current, piece])) > MAX_PASSAGE_CHARS:
                passages.append("\n".join(current))
                head = list(again)
                current = list(head)
            current.append(piece)
    if len(current) > len(head) or not passages:
        passages.append("\n".join(current))
    return passages


def passages_of(blocks: list[Block]) -> list[str]:
    """The passages of a run of paragraphs and list items under one heading: a paragraph is
    grouped by sentences (`group_sentences`), a list with the paragraph that opens it (`_opens`)
    by items (`group_items`): "Besides its kernel, a system has:" and its items
    were passages of their own, and none of them said what the list was. An item that ends with a
    colon keeps the inner list under it ("- To book:" over "1. Write to us."), and the outer list
    goes on after it; a numbered list is numbered from its first item on ("1." on every item is
    Markdown's way)."""
    found: list[str] = []
    at = 0
    while at < len(blocks):
        block = blocks[at]
        if block.code:
            _with_code(found, block.text, joined=at > 0)
            at += 1
            continue
        intro = ""
        if not block.item:
            listed = at + 1 < len(blocks) and bool(blocks[at + 1].item)
            run, end = _list_run(blocks, at + 1) if listed else ([], at + 1)
            if not run or not _opens(block.text, len(run)):
                found.extend(group_sentences(split_sentences(block.text)))
                at += 1
                continue
            intro, at = block.text, end
        else:
            run, at = _list_run(blocks, at)
        if len(run) == 1 and not intro:  # an item on its own is a paragraph
            found.extend(group_sentences(split_sentences(run[0].text)))
            continue
        marks = _marks(run)
        found.extend(group_items(intro, [f"{mark} {b.text}" for mark, b in zip(marks, run, strict=True)]))
    return [piece for passage in found for piece in _within(passage, MAX_TEXT_CHARS)]


def _opens(text: str, items: int) -> bool:
    """Whether a paragraph right over a list of `items` opens it: it ends with a colon, or it is one
    short sentence that does not ask, over a list of two items or more ("There are 4 easy steps to
    make this happen", "This requires three steps."): each was a passage of its own, and the steps
    one that did not say what they were for. A lone item after a sentence is a paragraph of its own."""
    if text.endswith(":"):
        return True
    short = len(text) <= MAX_INTRO_CHARS and len(split_sentences(text)) == 1
    return short and items >= 2


FENCE = "```"


def packed(pieces: list[str], limit: int = SHORT_PASSAGE_CHARS, *, always: bool = False) -> list[str]:
    """Passages of one section, each packed into the one before it when either holds code (or
    `always`) and together they stay within `limit` characters: a FAQ's answer written as four
    one-line paragraphs, each with its command ("Upgrade everything with:" over `brew upgrade`), was
    four passages, and the bot answered with the first of them alone. Under a FAQ's question every
    paragraph is packed so, up to a passage's length: "folder marker missing. What do I do?" is
    answered by its explanation and its fix together, and each alone had been half the answer."""
    found: list[str] = []
    for piece in pieces:
        joins = always or FENCE in piece or (bool(found) and FENCE in found[-1])
        if found and joins and len(found[-1]) + 2 + len(piece) <= limit:
            found[-1] = f"{found[-1]}\n\n{piece}"
        else:
            found.append(piece)
    return found


def _with_code(found: list[str], code: str, *, joined: bool) -> None:
    """A block of code, fenced, added to the passage before it when `joined` and there is room
    ("To update:" and its commands were two passages, and the first said only "To update:"), else
    a passage of its own; code longer than a passage is cut between lines (a line longer than a
    passage is cut short). Code that holds a fence itself is fenced with a longer one."""
    fence = _fence_for(code)
    room = MAX_TEXT_CHARS - 2 * len(fence) - 2  # the fences, a line each
    pieces: list[list[str]] = [[]]
    size = 0
    for line in code.split("\n"):
        line = line[:room]
        if pieces[-1] and size + 1 + len(line) > room:
            pieces.append([])
            size = 0
        pieces[-1].append(line)
        size += 1 + len(line)
    for number, lines in enumerate(pieces):
        fenced = _fenced("\n".join(lines))
        if joined and number == 0 and found and len(found[-1]) + 1 + len(fenced) <= MAX_TEXT_CHARS:
            found[-1] = f"{found[-1]}\n{fenced}"
        else:
            found.append(fenced)


def _fenced(code: str) -> str:
    """Lines of code as a passage holds them: between fences longer than any run of backticks in them."""
    fence = _fence_for(code)
    return f"{fence}\n{code}\n{fence}"


def _fence_for(code: str) -> str:
    """The fence for a block of code: longer than any run of backticks in it."""
    runs = [len(run) for run in re.findall(r"`{3,}", code)]
    return "`" * (max(runs) + 1) if runs else FENCE


def _list_run(blocks: list[Block], at: int) -> tuple[list[Block], int]:
    """The items of the list that starts at `at`, with the inner lists of items that end with a
    colon, and where the blocks after it start. Code between two items is the first one's ("2.
    Download the files:" and its commands), and the list goes on after it: a guide's steps were
    cut in two at their first command."""
    run = [blocks[at]]
    outer: Block | None = None  # the outer list's last item, while in an inner list
    at += 1
    while at < len(blocks) and (blocks[at].item or _code_between_items(blocks, at, run[-1])):
        if blocks[at].code:
            run[-1] = Block(f"{run[-1].text}\n{_fenced(blocks[at].text)}", item=run[-1].item, nested=run[-1].nested)
            at += 1
            continue
        block, last = blocks[at], run[-1]
        if _same_list(last.item, block.item) and block.nested == last.nested:
            pass
        elif (last.text.endswith(":") or block.nested) and outer is None and not last.nested:
            outer = last  # an inner list, under the item that opens it or indented under it
        elif outer is not None and not block.nested and _same_list(outer.item, block.item):
            outer = None  # back in the outer list
        else:
            break
        run.append(block)
        at += 1
    return run, at


def _marks(run: list[Block]) -> list[str]:
    """The marks a list's items are printed with: a numbered list numbered from its first item on
    ("1." on every item is Markdown's way), the items inside an item as they are marked."""
    outer = [b for b in run if not b.nested or b is run[0]]
    first = _number(outer[0].item)
    if first is None or any(_number(b.item) is None for b in outer):
        return [b.item for b in run]
    numbers = iter(range(first, first + len(outer)))
    return [f"{next(numbers)}." if not b.nested or b is run[0] else b.item for b in run]


def _code_between_items(blocks: list[Block], at: int, item: Block) -> bool:
    """Whether the block at `at` is code that an item is followed by, the list going on after it,
    and short enough to stay in the item whole (a longer item is cut into sentences)."""
    block = blocks[at]
    return (
        block.code
        and at + 1 < len(blocks)
        and bool(blocks[at + 1].item)
        and len(item.text) + 1 + len(_fenced(block.text)) <= MAX_PASSAGE_CHARS
    )


def _number(mark: str) -> int | None:
    """The number of a numbered item's mark ("3." -> 3), None for a bullet."""
    return int(mark[:-1]) if mark != "•" and mark[:-1].lstrip("-").isdigit() else None


def _same_list(mark: str, next_mark: str) -> bool:
    """Whether an item marked `next_mark` goes on the list of one marked `mark`: a bulleted list
    ends where a numbered one starts, and a numbered one where its numbers go back ("1." after
    "2."; "1." after "1." is Markdown's lazy numbering, one list)."""
    if not next_mark or not mark:
        return False
    number, next_number = _number(mark), _number(next_mark)
    if number is None or next_number is None:
        return number is None and next_number is None
    return next_number >= number


def _within(text: str, limit: int) -> list[str]:
    """`text` cut at spaces into pieces of at most `limit` characters (a table cell can be long)."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit + 1)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    return [*pieces, text] if text else pieces
