"""An article's draft passages for `kb import`: its title, its sections, and the passages under each
(`bot.imports.passages`) with ids made from the section (`bot.ids`), unique across the whole
knowledge folder, drafts included. What is no knowledge is left out: sections that list sources or
links, citation and edit marks, a site's link to edit the page.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot import ids
from bot.imports import articles
from bot.imports.blocks import Article, Block, visible
from bot.imports.passages import MAX_PASSAGE_CHARS, packed, passages_of
from bot.imports.plaintext import answered, question_mark
from bot.knowledge import MAX_SECTION_CHARS, clipped, shows_nothing
from bot.search.sentences import split_sentences

DEFAULT_SECTION = "Introduction"


@dataclass(frozen=True)
class Draft:
    id: str
    section: str
    text: str


def drafts(text: str, *, default_section: str = DEFAULT_SECTION) -> tuple[str | None, list[Draft]]:
    """The title (its first heading, if any) and draft passages of a plain-text article."""
    return drafts_of(articles.from_text(text), default_section=default_section)


def drafts_of(
    article: Article,
    *,
    taken: Iterable[str] = (),
    fallback: str = "passage",
    default_section: str = DEFAULT_SECTION,
) -> tuple[str | None, list[Draft]]:
    """The article's title and its draft passages, with ids not in `taken`. A section whose name
    cannot be spelled in ids (Chinese, say) gets ids from `fallback` (the file's name). Whatever
    the reader, characters that print as nothing are dropped (`blocks.visible`: an HTML page's
    `<p>&#8203;</p>` was a passage that looked empty), and a block, a heading or a title that then
    shows nothing, as the loader judges it (`knowledge.shows_nothing`: a left-to-right mark,
    `&lrm;`, alone), is none: the loader refused the draft the import wrote."""
    shown = visible(article.title) if article.title is not None else ""
    title = None if shows_nothing(shown) else shown.strip()
    section = default_section
    found: list[Draft] = []
    used = set(taken)
    numbering: dict[str, Iterator[str]] = {}  # per id base, the ids still free
    uncite = _uncite_for(article)
    skipping: int | None = None  # the level of a section that lists sources or links, while inside it
    run: list[Block] = []  # the paragraphs and list items read since the last heading
    sectioned = False  # a section has begun
    answering = ""  # the mark after "Q" of a section that is a question so marked, its answer not yet read

    def take_run() -> None:
        base = _id_base(section, fallback)
        free = numbering.setdefault(base, ids.numbers(base, used))
        pieces = passages_of(run)
        # a FAQ's question, or a reference entry ("Type: string" over "Default: true" over what the
        # setting does): one passage, where it is short enough
        whole = section.endswith("?") or sum(bool(_FIELD_LINE.fullmatch(p)) for p in pieces) >= 2
        pieces = packed(pieces, MAX_PASSAGE_CHARS, always=True) if whole else packed(pieces)
        for passage in pieces:
            pid = next(free)
            used.add(pid)
            found.append(Draft(id=pid, section=section, text=passage))
        run.clear()

    for block in _shown(article.blocks):
        if block.heading and _lead(block.text):
            block = Block(block.text)  # a page's lead set as a heading: a paragraph of the section it is in
        if block.heading:
            marked = question_mark(uncite(block.text))
            heading = uncite(block.text)[marked.end() :] if marked else uncite(block.text)
            answering = (marked["mark"] or marked["letter"]) if marked else ""
            if shows_nothing(heading):
                continue  # a heading of citation marks alone heads nothing
            take_run()
            if skipping is not None and block.level > skipping:
                continue  # a part of that section ("Books" under "References")
            skipping = None
            listing = " ".join(re.findall(r"\w+", heading.casefold())) in NOT_KNOWLEDGE
            opening = not found and not sectioned and block.level <= 1 and not _FIELD.match(heading) and not listing
            if opening and title is None:
                title = heading
            elif opening and title and _names(title, heading):
                title = heading  # the title again, as pages print it ("Glacier" of "Glacier - Wikipedia")
            else:
                section = clipped(heading, MAX_SECTION_CHARS)
                sectioned = True  # a heading after a section is no title, passages under it or not
                if listing:
                    skipping = block.level
            continue
        if skipping is not None:
            continue
        text = block.text if block.code else uncite(block.text)
        if answering and not block.code:
            text = answered(text, answering)
        answering = ""
        if _symbols_only(text, block):
            continue  # a callout's icon ("💡", beside its text in Notion's export) says nothing
        if not shows_nothing(text) and not _EDIT_LINK.match(text):
            run.append(Block(text, item=block.item, code=block.code, nested=block.nested))
    take_run()
    return title, found


def _shown(blocks: Iterable[Block]) -> Iterator[Block]:
    """The blocks as a reader sees them: without the characters that print as nothing, those
    that show nothing so left out."""
    for block in blocks:
        text = visible(block.text)
        if not shows_nothing(text):
            yield block if text == block.text else dataclasses.replace(block, text=text)


def _symbols_only(text: str, block: Block) -> bool:
    """True for a paragraph of no letter or digit, neither code nor a list's item: an icon, an arrow,
    a row of stars ("💡", "→"). It had been a passage, and /help offered it as a topic."""
    return not block.code and not block.item and re.search(r"\w", text) is None


def _lead(heading: str) -> bool:
    """True for a heading that is a paragraph set large: two sentences or more, over 100 characters
    (a blog post's "## If you want to network ... you should volunteer. No, really, click that sign
    up form ..." was the section of its every passage, and every topic button read the same). A
    FAQ's question of two sentences ("What is the difference ...? Why should I choose Debian?") stays."""
    return len(heading) > 100 and len(split_sentences(heading)) >= 2 and not heading.rstrip().endswith("?")


# A paragraph of one field of a reference entry: "Type: string", "Environment Variable: POETRY_CACHE_DIR";
# not a sentence, as a box's text after its title is ("Windows: Double-click the installer.").
_FIELD_LINE = re.compile(r"[A-Z][A-Za-z]{0,20}(?: [A-Za-z]{1,20}){0,2}: [^\n]{0,79}[^\s.!?:]")

# A line of a document's facts, not its title: "Last updated: 2026-02-15", "Version: 0.4.1" (a
# README's first line was the title of every citation and topic). It is a section, as it was.
_FIELD = re.compile(  # a date or a version after the colon; not "Roadmap: 2025 and beyond"
    r"^[A-Za-z][A-Za-z ]{0,30}:\s+(?:v?\d+(?:[./:-]\d+)*(?:[-+.]?[A-Za-z]+\d*)?"
    r"|\d{1,2}\s+[A-Za-z]{3,9}\.?,?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})\s*$"
)


def _names(title: str, heading: str) -> bool:
    """True when `title` is `heading`, or `heading` and then a separator and a site's name
    ("Glacier - Wikipedia", "FAQ | Our library"), not a longer name ("Installation guide")."""
    folded, head = title.casefold().strip(), heading.casefold().strip()
    return bool(head) and (folded == head or bool(re.match(re.escape(head) + r"\s*[-|–—:·•]\s", folded + " ")))


# A site's link to edit the page, alone in its paragraph: "Improve this page (https://github.com/...)".
_EDIT_LINK = re.compile(
    r"^(?:improve|edit|suggest (?:an )?edits? (?:to|on)|view (?:the )?source of|report an issue (?:with|on))"
    r" this (?:page|article|doc(?:ument)?)\b[.!]?(?: \([^()\s]*\))?$|^edit (?:on|in) github(?: \([^()\s]*\))?$",
    re.IGNORECASE,
)
# Sections of an article that list sources, links or contents rather than say anything.
NOT_KNOWLEDGE = frozenset(
    {
        "references", "footnotes", "citations", "sources", "bibliography", "see also", "external links",
        "further reading", "contents", "table of contents", "notes and references", "references and notes",
    }
)  # fmt: skip
# Marks pasted with wiki text that are never part of a sentence.
_EDIT_MARKS = re.compile(r"\[(?:citation needed|edit|clarification needed)\]", re.IGNORECASE)
# Citation marks ([1], [12]) right after a word or punctuation, in an article cited as wikis cite:
# [1], [2] and [3] all there. A mark after a name with a dot, an underscore or a bracket in it is
# code (`sys.argv[1]`, `row_ids[2]`) and stays; so does [0], which is never a citation.
_CITATION = re.compile(r"(?<=[^\s\[(])\[([1-9]\d{0,2})\]")


def _uncite_for(article: Article) -> Callable[[str], str]:
    """How to clean the article's text: edit marks always, citation marks when the article is cited."""
    marks = {m.group(1) for b in article.blocks for m in _CITATION.finditer(b.text)}
    cited = {"1", "2", "3"} <= marks

    def keep_code(match: re.Match[str]) -> str:
        before = match.string[: match.start()].rsplit(None, 1)[-1] if match.start() else ""
        name = before.rstrip(".,;:!?)")
        return match.group() if re.search(r"[._\[\]]", name) else ""

    def uncite(text: str) -> str:
        text = _EDIT_MARKS.sub("", text)
        return " ".join((_CITATION.sub(keep_code, text) if cited else text).split())

    return uncite


def _id_base(section: str, fallback: str) -> str:
    return ids.slug(section) or ids.slug(" ".join([fallback, *re.findall(r"[0-9]+", section)]))
