"""Turning an article (plain text, Markdown or a saved HTML page) into draft passages for a
moderator to review.

Headings become sections, paragraphs become passages of up to eight sentences (about 1,000
characters: a paragraph), and ids are made from the section (`bot.ids`), unique across
the whole knowledge folder, drafts included.
A draft is written to `drafts/` in the knowledge folder, which the loader does not read: it is
not served until a moderator publishes it (`bot.curation.publishing`). This is the path the seed article
took.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot import ids, knowledge
from bot.curation import DRAFT_HEADER, OWN_FILES, UPDATE_MARK, KnowledgeStore, StoreError, dump, write_atomic
from bot.imports import articles
from bot.imports.blocks import Article, Block, Notice, visible
from bot.knowledge import MAX_SECTION_CHARS, MAX_TEXT_CHARS, KnowledgeError, Passage, clipped, shown, shows_nothing
from bot.search.text import split_sentences
from bot.yamlfiles import FileError

MAX_SENTENCES = 8
MAX_PASSAGE_CHARS = 1000
SHORT_PASSAGE_CHARS = 400  # short passages of one section with code are packed up to this (`packed`)
MAX_INTRO_CHARS = 200  # a list's opening line ("We serve:") is repeated atop each passage of a long list when shorter
DRAFTS_DIR = knowledge.DRAFTS_DIR
DEFAULT_SECTION = "Introduction"


class NameTaken(FileError):
    """An article refused because the draft or live file of its name exists (`existing`)."""

    def __init__(self, article: Path, existing: Path, message: str):
        super().__init__(article, message)
        self.existing = existing


@dataclass(frozen=True)
class Draft:
    id: str
    section: str
    text: str


@dataclass(frozen=True)
class DraftFile:
    """A draft waiting in `drafts/`: its title and passage count, or what is wrong with it."""

    path: Path
    title: str
    passages: int
    error: str | None = None
    review: tuple[str, ...] = ()  # what to look at before publishing (`review_points`)


@dataclass(frozen=True)
class Imported:
    """What `import_article` did: the draft it wrote, its passage count, and whether it had to make
    the knowledge folder first."""

    draft: Path
    passages: int
    made_folder: bool
    notices: tuple[Notice, ...] = ()  # what the reader left out that the moderator should hear of


def group_sentences(sentences: list[str]) -> list[str]:
    """Passages of at most eight sentences and about 1,000 characters each: a whole paragraph
    where it is not long (on the generalization set, 4.5 points more answered right than with
    three sentences and 400 characters, none more wrong)."""
    passages: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        if current and (len(current) >= MAX_SENTENCES or len(" ".join([*current, sentence])) > MAX_PASSAGE_CHARS):
            passages.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        passages.append(" ".join(current))
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
            heading = _QUESTION_MARK.sub("", uncite(block.text))
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


def title_of_name(stem: str) -> str:
    """An article's title from its file's name: "distribution-readme" is "Distribution readme", and
    a name its author wrote in capitals keeps them ("Welcome to Protospace" was "Welcome to protospace")."""
    words = stem.replace("-", " ").replace("_", " ").strip()
    if any(ch.isupper() for ch in words):
        return words[:1].upper() + words[1:]
    return words.capitalize()


def readable(name: str) -> str:
    """A file's name as a draft can hold it. A name that is not UTF-8 (an archive made on Windows,
    unpacked on Linux: `caf\\xe9.txt`) holds its odd bytes as lone surrogates, which no UTF-8 file
    can: as the title, they made a draft that did not load; in its `# Review:` header, a traceback.
    Each such byte is shown as U+FFFD, the mark an editor shows it with, for the moderator to correct."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        return name.encode("utf-8", "replace").decode("utf-8")


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


# A FAQ's mark before its question: "Q: How do I become a helper?" is the section "How do I become a
# helper?", as it is asked (the question typed word for word was declined: "q" was a word of it).
_QUESTION_MARK = re.compile(r"^(?:Q|Question)\s?[:.)]\s+(?=\S)")

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


def to_yaml(title: str, drafts_: list[Draft], *, update: bool = False, review: Sequence[str] = ()) -> str:
    """The knowledge-file YAML for a set of drafts, ready for review (`update`: marked as a new
    version of the live file of its name; `review`: what the import warned of, kept in the header
    so that `kb drafts` still says it when the draft is reviewed, days later)."""
    data = {
        "source": {"title": title, "publisher": None, "url": None},
        "passages": [{"id": d.id, "section": d.section, "text": d.text, "questions": []} for d in drafts_],
    }
    noted = "".join(f"{REVIEW_MARK}{' '.join(point.split())}\n" for point in review)
    return DRAFT_HEADER + (UPDATE_MARK if update else "") + noted + dump(data)


REVIEW_MARK = "# Review: "  # a header line of a draft: what its import warned of


def review_points(path: Path, passages: Sequence[Passage]) -> tuple[str, ...]:
    """What a moderator should look at in a draft before publishing it: what its import warned of
    (a value a site fills in, front matter left out), passages of a few words (a box's "Note", a
    table's "Day" alone), and passages that repeat another of the draft word for word (a site that
    prints its install steps under every method)."""
    try:
        with path.open(encoding="utf-8") as file:
            head = [line for line in itertools.islice(file, 50) if line.startswith("#")]
    except (OSError, UnicodeDecodeError):
        head = []
    points = [line.removeprefix(REVIEW_MARK).strip() for line in head if line.startswith(REVIEW_MARK)]
    short = [p for p in passages if _topic_alone(p.text)]
    if short:
        points.append(f"{len(short)} passage(s) of a few words, a topic alone, e.g. `{short[0].id}`: “{short[0].text}”")
    seen: dict[str, str] = {}
    repeated: list[tuple[str, str]] = []
    for passage in passages:
        key = " ".join(passage.text.split())
        if key in seen:
            repeated.append((passage.id, seen[key]))
        else:
            seen[key] = passage.id
    if repeated:
        points.append(
            f"{len(repeated)} passage(s) repeat another word for word, e.g. `{repeated[0][0]}` = `{repeated[0][1]}`"
        )
    return tuple(points)


def _topic_alone(text: str) -> bool:
    """A passage of at most three words that ends no sentence: a box's "Note", a table's "Day" alone
    ("Ten euros." is an answer, and so is a Chinese sentence, which has no spaces but ends with "。")."""
    return len(text.split()) <= 3 and not text.rstrip().endswith((".", "!", "?", "。", "！", "？", "```"))


def import_article(path: Path, knowledge_dir: Path, *, update: bool = False) -> Imported:
    """Write `knowledge_dir/drafts/<name>.yaml` from the article at `path` (making the knowledge
    folder if there is none yet). Raises FileError naming the file or folder that is wrong.
    `update`: the article is a new version of the live file of its name (an events page that
    changes every month; with a database the file is there, not in the folder): the draft may have
    that name, its ids are numbered as if that file were gone, and `kb publish` replaces the file
    (or makes it live as any draft, if there is none by then). An article whose name spells no
    draft's name (`常见问题.md`) is named after its title, or `article`, numbered apart (`_named`)."""
    article = articles.read(path)
    spelled = ids.slug(path.stem, 60)
    if update and not spelled:  # its name is made up anew each time: no live file is its own
        raise FileError(
            path,
            "--update replaces the live file of the article's name, and this name has no letter a file's name is "
            "spelled in; name the article after the live file it replaces (events.md for events.yaml)",
        )
    made_folder = not knowledge_dir.exists()
    if made_folder:  # a new community starts from an imported article
        try:
            knowledge_dir.mkdir(parents=True)
        except OSError as exc:
            reason = (exc.strerror or "error").lower()
            raise FileError(knowledge_dir, f"cannot make the knowledge folder ({reason})") from None
    elif not knowledge_dir.is_dir():
        raise FileError(knowledge_dir, "is not a folder; give the knowledge folder")
    name = f"{spelled or 'article'}.yaml"
    if name in OWN_FILES:  # an article named settings.md is not the folder's settings
        name = f"{name.removesuffix('.yaml')}-article.yaml"
    target, live = knowledge_dir / DRAFTS_DIR / name, knowledge_dir / name
    try:
        with KnowledgeStore(knowledge_dir).locked():  # ids are checked against what is there now
            for existing in ((target,) if update else (target, live)) if spelled else ():
                if existing.exists():
                    hint = "" if existing == target else " (`kb import --update` makes a new version of it)"
                    kind = "its draft" if existing == target else "the live file"
                    raise NameTaken(
                        path,
                        existing,
                        f"{kind} {existing} already exists; publish or remove it, or rename the article{hint}",
                    )
            fallback = ids.slug(path.stem, 24) or "passage"
            taken = taken_ids(knowledge_dir, leaving=live if update else None)
            title, found = drafts_of(article, taken=taken, fallback=fallback)
            if not found:
                raise FileError(path, "no sentences found to make passages from")
            title = shown(title or title_of_name(readable(path.stem)))
            if not spelled:
                target = knowledge_dir / DRAFTS_DIR / _named(knowledge_dir, ids.slug(title, 60) or "article")
            if target.parent.exists() and not target.parent.is_dir():
                raise FileError(target.parent, "is a file, not the drafts folder; move it away and import again")
            target.parent.mkdir(exist_ok=True)
            review = [f"{readable(path.name)}:{notice.line}: {notice.text}" for notice in article.notices]
            write_atomic(target, to_yaml(title, found, update=update, review=review))
    except (StoreError, OSError) as exc:
        raise FileError(target, f"cannot write the draft: {exc}") from None
    except UnicodeError:  # a character no UTF-8 file holds: one line naming the article, never a traceback
        raise FileError(path, "cannot be drafted: it holds a character that a UTF-8 file cannot") from None
    return Imported(target, len(found), made_folder, article.notices)


def _named(knowledge_dir: Path, base: str) -> str:
    """The first name of `base--1`, `base--2`, ... that no draft or live file has: for an article whose
    file's name spells none. Every such article had been `article.yaml`, and `kb import docs/*.md` of
    a community that names its files in Chinese drafted only the first (suggesting `--update`, which
    would have replaced it with the next). The two hyphens keep such names apart from every name an
    article's own spells (`ids.slug` joins words with one): `常见问题.md`, titled "FAQ", had taken
    `faq.yaml`, and `kb import faq.md` was then offered `--update` of it, which replaced that FAQ."""
    n = 1
    while True:
        name = f"{base}--{n}.yaml"
        places = (knowledge_dir / DRAFTS_DIR / name, knowledge_dir / name)
        if not any(os.path.lexists(place) for place in places):
            return name
        n += 1


draft_files = knowledge.draft_files


def taken_ids(knowledge_dir: Path, *, leaving: Path | None = None) -> set[str]:
    """Every passage id of the live files and the drafts (but `leaving`, a file a new version
    will replace); a file that does not load is skipped (publishing checks the whole folder again)."""
    found: set[str] = set()
    for path in [*knowledge.knowledge_files(knowledge_dir), *draft_files(knowledge_dir)]:
        if leaving is not None and path.name == leaving.name and path.parent == leaving.parent:
            continue
        try:
            found.update(passage.id for passage, _ in knowledge.read_file(path))
        except KnowledgeError:
            continue
    return found


def list_drafts(knowledge_dir: Path) -> list[DraftFile]:
    """The drafts with their titles and passage counts; a draft that does not load says why."""
    listed = []
    for path in draft_files(knowledge_dir):
        try:
            passages = knowledge.read_file(path)
        except KnowledgeError as exc:
            listed.append(DraftFile(path, "", 0, error=str(exc)))
        else:
            read = [passage for passage, _ in passages]
            listed.append(DraftFile(path, read[0].source.title, len(read), review=review_points(path, read)))
    return listed
