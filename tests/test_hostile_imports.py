"""Hostile articles given to `kb import`: every one is refused with one line naming the file, or
read in time linear in its size; never a traceback, a hang, or minutes on a few kilobytes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, FrameType

import pytest

from bot import ids
from bot.imports import articles
from bot.imports.drafts import drafts_of
from bot.yamlfiles import FileError
from tests.test_hostile_files import loads_within, watching

# Each of these took seconds to minutes (some cubic, the others quadratic in the size) before its
# pattern was made linear; at this size they would not end within the test's limit.
SLOW_ONCE = {
    "a heading line with a long run of spaces": ("slow.md", "# a" + " " * 100_000 + "x\n\nText.\n"),
    "the same in plain text": ("slow.txt", "# a" + " " * 100_000 + "x\n"),
    "a wiki heading with a long run of spaces": ("wiki.txt", "= a" + " " * 100_000 + "x\n"),
    "brackets never closed": ("brackets.md", "[" * 200_000),
    "bold marks never closed": ("bold.md", "**x " * 50_000),
    "italic marks never closed": ("italic.md", "*x " * 60_000),
    "underscores never closed": ("under.md", "_x " * 60_000),
    "comments never closed": ("comments.md", "Text.\n\n" + "<!--" * 50_000),
    "tags never closed": ("tags.md", "<a" * 100_000),
    "backticks never closed": ("ticks.md", "a " + "`" * 100_000),
    "a link's address of spaces": ("spaces.md", "See [x](" + " " * 100_000 + "a\n"),
    "a link's title never closed": ("title.md", 'See [x](a "' + " " * 100_000 + "b\n"),
    "code fences never closed": ("fences.md", "```\n" * 50_000),
    "an anchor of many names": ("anchors.md", "<a " + "name=x " * 20_000),
    "an attribute list never closed": ("attributes.md", "Text {:" + " " * 100_000 + "x\n"),
    "many footnotes cited and written": (
        "notes.md",
        "# T\n\nText"
        + "".join(f"[^{i}]" for i in range(20_000))
        + "\n\n"
        + "Para.\n\n" * 20_000
        + "".join(f"[^{i}]: n\n\n" for i in range(20_000)),
    ),
    "a role never closed": ("role.rst", ":ref:`" + " " * 100_000 + "x\n"),
    "a reference never closed": ("reference.rst", "`a" + " " * 100_000 + "<b\n"),
    "a literal never closed": ("literal.rst", "``" + " " * 100_000 + "x\n"),
    "a directive of spaces": ("directive.rst", ".." + " " * 100_000 + "x::\n"),
    # session 14's: boxes in boxes, tables of one border, a paragraph of one long line
    "boxes nested thousands deep": ("boxes.rst", "".join(" " * i + ".. tab:: t\n\n" for i in range(3_000)) + "x\n"),
    "table borders without rows": ("table.rst", "===== =====\n" * 50_000),
    "a paragraph of roles on many lines": ("roles.rst", ":class:`~a.b`\n" * 50_000),
    # session 13's patterns: a site's templates, metadata, wiki links, quoted questions, underlines
    "template openers never closed": ("site.md", "---\ntitle: x\n---\n" + "{% comment %}{%{{<pre <code `` " * 8_000),
    "template tags of spaces": ("tags.html", "---\ntitle: x\n---\n" + "{%" + " " * 100_000 + "{{" + " " * 100_000),
    "metadata lines of spaces": ("meta.md", "Title:" + " " * 100_000 + "x\nDate: 2020-01-01\n\nText.\n"),
    "wiki links never closed": ("wiki.md", "[[a|" * 50_000),
    "a quoted line of spaces": ("quote.md", "> How" + " " * 100_000 + "x?\n\nAnswer.\n"),
    "gapped underlines": ("under.txt", ("Title\n" + "- " * 5_000 + "\n\n") * 20),
    "many underlined headings": ("headings.txt", "Title\n-----\nText.\n\n" * 50_000),
    "mail addresses never closed": ("mail.md", "<a@b" * 50_000),
    "badges never closed": ("badges.md", "[![" * 50_000),
    # session 15's: MDX components and imports, boxes, grid tables
    "components nested thousands deep": ("deep.mdx", "".join(" " * i + "<Tabs>\n" for i in range(5_000)) + "x\n"),
    "an icon after a long run of spaces": ("icons.mdx", "import A from 'a'\n\n(" + " " * 100_000 + "<A />\n"),
    "an import never ended": ("imports.mdx", "import {\n" + "  A,\n" * 50_000),
    "a component's attributes never closed": ("attrs.mdx", "import A from 'a'\n\n<A " + "x" * 100_000 + "\n"),
    "box marks of many colons": ("colons.md", ":" * 100_000 + "\n" + ":::note\n" * 20_000),
    "a grid table of many columns": ("grid.rst", "+" + "-+" * 20_000 + "\n|" + " |" * 20_000 + "\n"),
    "grid borders without rows": ("borders.rst", "+---+---+\n" * 50_000),
    "a box mark and a run of spaces": ("marks.md", ":::" + " " * 100_000 + "!\n"),
    "a fence and a run of spaces": ("fence.md", "```" + " " * 100_000 + "`\n"),
    "an import and a run of spaces": ("spaces.mdx", "import 'a'" + " " * 100_000 + "x\n"),
    "a box of many words": ("bangs.md", '!!! note "' + "a " * 50_000 + "\n"),
    "code spans of many lengths never closed": (
        "spans.md",
        "---\ntitle: x\n---\n" + "".join("`" * k + "x " for k in range(1, 800)) + "a" * 200_000,
    ),
    # session 21's: a saved page's start tags never ended (the standard library's parser looked for
    # each one's ">" to the page's end)
    "a saved page's tags never ended": ("ended.html", "<html><body><p>" + "<a " * 100_000),
    "a saved page's tags of quoted attributes never ended": ("quotes.html", "<p>" + "<a b='" * 50_000),
    "a saved page's end tags never ended": ("ends.html", "<html><body><p>Text.</p>" + "</a " * 130_000),
    "a saved page's instructions never ended": ("marks.html", "<p>Text.</p>" + "<? " * 100_000 + "<![ " * 100_000),
    # session 16's: MyST directives and MkDocs tabs
    "tables of contents never closed": ("toc.md", "```{toctree}\n" * 50_000),
    "notes nested thousands deep": ("notes.md", "".join("`" * (3 + i) + "{note}\n" for i in range(3_000)) + "x\n"),
    "a directive of many braces": ("braces.md", "```{" + "{" * 100_000 + "}\n"),
    "tab labels never closed": ("tabs.md", '=== "' * 50_000 + "\n" + '=== "a"\n    x\n' * 20_000),
    "options without a directive": ("options.md", "```{note}\n" + ":class: x\n" * 50_000),
    "roles never closed": ("roles.md", "```{note}\nx\n```\n" + "{doc}`" * 50_000 + "\n"),
    "roles of long bodies": ("bodies.md", "{doc}`x`\n" + ("{py:func}`~" + "a." * 140 + "b`" + " " * 50) * 2_000),
    "colon directives never closed": ("colons2.md", ":::{toctree}\n" * 30_000 + ":::{code-block} x\n" * 30_000),
    "reference brackets never closed": ("refs.md", "[a]: https://a\n\n" + "[x " * 60_000 + "\n" + "[" * 100_000),
    "references of many labels": (
        "labels.md",
        "".join(f"[l{i}]: https://a/{i}\n" for i in range(20_000)) + "[l1] " * 20_000,
    ),
    "items opening fences": ("itemfences.md", "- ```\n" * 50_000),
    "imports late, of many names": (
        "late.md",
        "# T\n\n" + "".join(f"import A{i} from 'a'\n<B{i}>\n" for i in range(20_000)),
    ),
    # session 18's: entities in plain text; scripts, boxes and struck text in Markdown
    "entities never ended": ("entities.txt", "&#" + "1" * 100_000 + " &a" * 50_000),
    "scripts never closed": ("scripts.md", "<script>x " * 30_000 + "<style " * 30_000),
    "scripts in code spans": ("spanned.md", "`<script>` " * 50_000 + "</script>"),
    "summaries never closed": ("summaries.md", "<details><summary>" * 50_000),
    "details boxes thousands deep": ("details.md", "<details><summary>a</summary>\n\nx\n" * 20_000),
    "strike marks never closed": ("strike.md", "~~x " * 60_000),
}


@pytest.mark.parametrize(("name", "text"), SLOW_ONCE.values(), ids=SLOW_ONCE.keys())
def test_pathological_markup_is_read_in_linear_time(tmp_path: Path, name: str, text: str) -> None:
    """Markup that once made an import's patterns backtrack (cubic or quadratic time) is read without error within
    the test's limit."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    error = loads_within(20, articles.read, path)
    assert error is None


def test_comments_are_left_out_and_an_unclosed_opening_is_text(tmp_path: Path) -> None:
    """A `<!--` never closed may be text ("comments start with `<!--`"): nothing after it is lost."""
    path = tmp_path / "page.md"
    path.write_text("Shown. <!-- a note -->Kept.\n\nComments start with `<!--`.\n\n# Dogs\n\nDogs are welcome.\n")
    assert [b.text for b in articles.read(path).blocks] == [
        "Shown. Kept.",
        "Comments start with <!--.",
        "Dogs",
        "Dogs are welcome.",
    ]


@pytest.mark.parametrize(
    "declaration", ["<![ if !supportLists]>", "<![]]>", "<![-- x --]>", "<![ CDATA[x]]>", "<![1]>", "<!["]
)
def test_a_marked_section_the_standard_parser_cannot_read_is_skipped(tmp_path: Path, declaration: str) -> None:
    """`<![ if ...]>` (Word's markup, with a space) made the standard library's parser raise an AssertionError."""
    path = tmp_path / "page.html"
    path.write_text(
        f"<html><body><p>The library opens at nine.</p>{declaration}\n<p>It closes at five.</p></body></html>",
        encoding="utf-8",
    )
    texts = [b.text for b in articles.read(path).blocks]
    assert texts[0] == "The library opens at nine."
    assert texts[-1:] == ["It closes at five."] or declaration == "<!["  # an open `<![` swallows the rest


class RunawayWork(Exception):
    """More calls of a function than the input's size allows."""


@contextmanager
def calls_of(code: CodeType, budget: int) -> Iterator[list[int]]:
    """Count the calls of the function of `code` inside the block (the interpreter's profile hook, which
    only watches); past `budget` the call raises RunawayWork, so that runaway work ends the test at once."""
    counted = [0]

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code is code:
            counted[0] += 1
            if counted[0] > budget:
                raise RunawayWork(f"more than {budget} calls of {code.co_name}")

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield counted
    finally:
        sys.setprofile(previous)


def test_an_article_of_many_passages_is_numbered_in_linear_time() -> None:
    """Each passage's id used to be searched from `-1` up: quadratic in a section's passages. The ids tried
    (`ids.with_number` calls) are counted: at most two per passage."""
    article = articles.from_text("\n\n".join(f"Paragraph number {n} says something." for n in range(30_000)))
    with calls_of(ids.with_number.__code__, budget=60_000) as tried:
        found = drafts_of(article)[1]
    assert 30_000 <= tried[0] <= 60_000
    ids_ = [d.id for d in found]
    assert ids_[:2] == ["introduction-1", "introduction-2"] and ids_[-1] == "introduction-30000"
    assert len(set(ids_)) == 30_000


def test_numbering_skips_ids_that_are_taken_and_goes_on_after_them() -> None:
    """An import's numbering skips the ids already taken and goes on after them."""
    article = articles.from_text("One a.\n\nTwo b.\n\nThree c.\n\nFour d.")
    ids = [d.id for d in drafts_of(article, taken={"introduction-2", "introduction-3"})[1]]
    assert ids == ["introduction-1", "introduction-4", "introduction-5", "introduction-6"]


@pytest.mark.parametrize("kind", ["fifo", "device", "large"])
def test_only_a_regular_file_of_bounded_size_is_read(tmp_path: Path, kind: str) -> None:
    """A FIFO blocked the import for good, /dev/zero filled the memory: both are refused unread, and no open of
    them waits (counted)."""
    if kind == "fifo":
        path = tmp_path / "pipe.md"
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    else:
        path = tmp_path / "huge.txt"
        with path.open("wb") as file:
            file.truncate(articles.MAX_ARTICLE_BYTES + 1)  # sparse: no disk needed
    with watching(path) as opens, pytest.raises(FileError) as raised:
        articles.read(path)
    error = raised.value
    assert error.path == path and opens.waiting == 0
    assert ("not a regular file" if kind != "large" else "more than the limit") in str(error)
