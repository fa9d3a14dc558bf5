"""Imports of documentation sites' own Markdown and reStructuredText, as the communities corpus
keeps them (benchmarks/communities): MDX help pages with components (Zulip's), boxes written
three ways (Docusaurus, MkDocs, a fence), Sphinx grid tables, comments, linked names and "see
also" boxes. Each case is one that was read wrong; the texts are written for the test in the shape
of the real pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.imports import articles
from bot.imports.drafts import drafts_of


def _imported(path: Path, text: str) -> list[tuple[str, str]]:
    path.write_text(text, encoding="utf-8")
    _, found = drafts_of(articles.read(path))
    return [(d.section, d.text) for d in found]


def _texts(path: Path, text: str) -> list[str]:
    return [t for _, t in _imported(path, text)]


HELP_PAGE = """\
---
title: Edit a message
---

import { Tabs, TabItem } from '@astrojs/starlight/components'
import ZulipTip from '../../components/ZulipTip.astro';
import {
  FlattenedSteps,
  Steps,
} from "../../components";
import EditIcon from "~icons/zulip-icon/edit"

Organization administrators can configure who can edit messages.

<ZulipTip>
  You can also edit message topics.
</ZulipTip>

## Edit a message

<Tabs>
  <TabItem label="Desktop/Web">
    <FlattenedSteps>
      <MessageActions />

      1. Click the **pencil** (<EditIcon />) icon. If you do not see
         the **pencil** icon, you do not have permission.
      1. Click **Save**.
    </FlattenedSteps>
  </TabItem>

  <TabItem label="Mobile">
    1. Tap **Edit message**.
  </TabItem>
</Tabs>

Use `<EditIcon />` in your own pages, not in chat.
"""


@pytest.mark.parametrize("name", ["edit-a-message.mdx", "edit-a-message.md"])
def test_an_mdx_page_is_read_without_its_imports_and_components(tmp_path: Path, name: str) -> None:
    """A help page in MDX (or saved as .md, beginning with its imports): the imports are no passage,
    a tab's steps are steps under its label, not code, and an icon is left out with its brackets."""
    found = _imported(tmp_path / name, HELP_PAGE)
    texts = [t for _, t in found]
    in_code = "Use <EditIcon /> in your own pages, not in chat."
    assert not any("import" in t or "<" in t for t in texts if t != in_code), texts
    assert "You can also edit message topics." in texts
    steps = next(t for s, t in found if s == "Edit a message" and t.startswith("Desktop/Web:"))
    assert "1. Click the pencil icon. If you do not see the pencil icon, you do not have permission." in steps
    assert "2. Click Save." in steps and "```" not in steps
    assert any(t.startswith("Mobile:") and "1. Tap Edit message." in t for t in texts)
    assert in_code in texts  # code is kept as written


def test_a_markdown_page_that_only_mentions_import_is_not_mdx(tmp_path: Path) -> None:
    """A Markdown page that only mentions the word import (and a tag-like word) is read as Markdown, not as MDX."""
    texts = _texts(tmp_path / "notes.md", "# Notes\n\nimport your photos first.\n\n<Tabs> is a word here.\n")
    assert texts == ["import your photos first.", "<Tabs> is a word here."] or texts == [
        "import your photos first.",
        "is a word here.",
    ]


BOXES = """\
# Running tests

:::note[Before you start]
Install **pytest** first.
:::

!!! tip "Faster runs"
    Use `-x` to stop at the first failure.

    It saves time on a long suite.

~~~~exercism/caution
Most things inside angle brackets are placeholders.
~~~~

```note
this fence's language is "note", but it opens at the page's end: code
"""


def test_boxes_are_read_as_the_text_they_hold(tmp_path: Path) -> None:
    """Docusaurus's `:::note`, MkDocs's `!!! tip` and a fence named for a box hold text, not code
    and not marks; a box's title leads it."""
    texts = _texts(tmp_path / "tests.md", BOXES)
    assert not any(":::" in t or "!!!" in t for t in texts), texts
    assert any("Before you start:" in t for t in texts)
    assert "Install pytest first." in " ".join(texts)
    joined = " ".join(texts)
    assert "Faster runs:" in joined and "Use -x to stop at the first failure." in joined
    assert "It saves time on a long suite." in joined and "```\nUse" not in joined
    assert "Most things inside angle brackets are placeholders." in texts


GRID = """\
Release support
===============

+--------------+----------------+---------------------------------+
| **Version**  | **Released**   | **Support level**               |
+--------------+----------------+---------------------------------+
| Godot 4.3    | August 2024    | Receives fixes for bugs and     |
|              |                | security issues.                |
+--------------+----------------+---------------------------------+
| Godot 4.0    | March 2023     | No longer supported.            |
+--------------+----------------+---------------------------------+

+-----+-----+
| a   | b   |
+=====+=====+
| one | two |
+-----+-----+
"""


def test_a_grid_table_is_a_table(tmp_path: Path) -> None:
    """A grid table's rows read as rows, a cell's lines joined; a first row all in bold is its
    header. Its borders had been a passage of "+----+" and "|"."""
    texts = _texts(tmp_path / "release.rst", GRID)
    joined = " ".join(texts)
    assert "+--" not in joined and "|" not in joined, texts
    row = "Version: Godot 4.3, Released: August 2024, Support level: Receives fixes for bugs and security issues."
    assert row in joined
    assert "Version: Godot 4.0" in joined and "a: one, b: two" in joined


RST_ROOMS = "Venue guide\n===========\n\nRooms\n-----\n\n{table}\nThe hall is on the ground floor.\n"
SIMPLE_TABLE = "=====  ========\nRoom   Capacity\n=====  ========\nHall   200\nAttic  12\n=====  ========\n"


def test_a_simple_table_in_a_table_directive_is_read_as_the_table_alone_is(tmp_path: Path) -> None:
    """Sphinx pages put a caption on a table with `.. table::`; the table it holds was dropped whole."""
    indented = "".join(f"   {line}\n" for line in SIMPLE_TABLE.splitlines())
    bare = _imported(tmp_path / "bare.rst", RST_ROOMS.format(table=SIMPLE_TABLE))
    captioned = _imported(tmp_path / "captioned.rst", RST_ROOMS.format(table=f".. table:: Our rooms\n\n{indented}"))
    assert ("Rooms", "Room: Hall, Capacity: 200. Room: Attic, Capacity: 12.") in bare
    assert any("Room: Hall, Capacity: 200." in text for _, text in captioned)
    assert captioned == bare  # its options too (`:widths: auto`) are left out, and its caption, a name for the table


def test_a_grid_table_in_a_table_directive_is_a_table(tmp_path: Path) -> None:
    """A grid table under `.. table::`, its options left out, reads as the grid table alone does."""
    table = GRID.split("\n\n")[1]  # Godot's releases
    indented = "".join(f"   {line}\n" for line in table.splitlines())
    captioned = _texts(
        tmp_path / "captioned.rst", f"Releases\n========\n\n.. table:: Godot\n   :widths: auto\n\n{indented}"
    )
    assert captioned == _texts(tmp_path / "release.rst", f"Releases\n========\n\n{table}\n")
    assert any(text.startswith("Version: Godot 4.3, Released: August 2024") for text in captioned)


def test_a_list_table_is_not_dropped_whole(tmp_path: Path) -> None:
    """`.. list-table::`, Sphinx's most used table, lost its every cell: the section "Hours" had no passage."""
    found = _imported(
        tmp_path / "venue.rst",
        "Venue guide\n===========\n\nHours\n-----\n\n.. list-table:: Opening hours\n   :header-rows: 1\n\n"
        "   * - Day\n     - Hours\n   * - Monday\n     - 9-17\n   * - Tuesday\n     - closed\n\n"
        "Parking\n-------\n\nPark on Elm Street.\n",
    )
    hours = " ".join(text for section, text in found if section == "Hours")
    assert "Tuesday" in hours and "closed" in hours
    assert hours == "Day: Monday, Hours: 9-17. Day: Tuesday, Hours: closed."  # its header row names each cell


def test_a_list_table_without_a_header_and_a_csv_table_read_as_tables(tmp_path: Path) -> None:
    """A list-table's rows without a header are a list of rows, a cell's lines joined; a csv-table's cells
    are read as CSV (quoted commas, `:header:`, `:delim:`), roles and all. Both had been left out whole."""
    page = (
        "Venue\n=====\n\nHours\n-----\n\n.. list-table::\n   :widths: 20 80\n\n"
        "   * - Monday\n     - 9-17; the café\n       opens at ten.\n   *\n     - Sunday\n     - ``by appointment``\n\n"
        'Fees\n----\n\n.. csv-table:: Fees\n   :header: "Ticket", "Price, euros"\n\n'
        '   "Child, under 12", 5\n   Member, :ref:`free <members>`\n\n'
        "Lockers\n-------\n\n.. csv-table::\n   :header-rows: 1\n   :delim: ;\n\n   Size;Price\n   Small;2\n"
    )
    assert _imported(tmp_path / "venue.rst", page) == [
        ("Hours", "• Monday: 9-17; the café opens at ten.\n• Sunday: by appointment"),
        ("Fees", "Ticket: Child, under 12, Price, euros: 5. Ticket: Member, Price, euros: free."),
        ("Lockers", "Size: Small, Price: 2."),
    ]


def test_a_csv_table_cell_quoted_over_two_lines_stays_one_cell(tmp_path: Path) -> None:
    """A quoted CSV cell may hold a line break (docutils reads it so): its second line became a row of its own."""
    found = _imported(
        tmp_path / "hours.rst",
        "Club\n====\n\nHours\n-----\n\n"
        '.. csv-table:: Opening hours\n   :header: "Day", "Hours"\n\n'
        '   "Monday", "9-12 in the morning\n   and 14-17 in the afternoon"\n'
        '   "Tuesday", "closed"\n',
    )
    # drafted: "Day: Monday, Hours: 9-12 in the morning. Day: and 14-17 in the afternoon. Day: Tuesday, ..."
    assert found == [
        ("Hours", "Day: Monday, Hours: 9-12 in the morning and 14-17 in the afternoon. Day: Tuesday, Hours: closed.")
    ]


def test_a_table_directives_option_continued_on_the_next_line_is_read_whole(tmp_path: Path) -> None:
    """A `:header:` continued on an indented line is read whole; its rest and `:widths:` became rows."""
    found = _imported(
        tmp_path / "fees.rst",
        "Club\n====\n\nFees\n----\n\n"
        ".. csv-table:: Membership fees\n"
        '   :header: "Membership type", "Price per year",\n'
        '            "What it includes"\n'
        "   :widths: 20, 20, 60\n\n"
        '   "Single", "10 euros", "Entry to every meeting"\n',
    )
    assert found == [
        ("Fees", "Membership type: Single, Price per year: 10 euros, What it includes: Entry to every meeting.")
    ]


def test_a_header_rows_option_that_is_no_number_is_no_header_not_a_traceback(tmp_path: Path) -> None:
    """`:header-rows: ²` (a digit to `str.isdigit`, not to `int`) was a ValueError's traceback from `kb import`;
    a count that is no number is no header, as a word there is."""
    found = _imported(
        tmp_path / "lockers.rst",
        "Club\n====\n\nLockers\n-------\n\n.. list-table::\n   :header-rows: ²\n\n"
        "   * - Size\n     - Price\n   * - Small\n     - 2\n",
    )
    assert found == [("Lockers", "• Size: Price\n• Small: 2")]


def test_a_glossary_entry_of_two_terms_keeps_them_apart_from_the_definition(tmp_path: Path) -> None:
    """A glossary entry of several terms, a line each, keeps them out of the definition's sentence."""
    text = "\n".join(
        _texts(
            tmp_path / "glossary.rst",
            "Club\n====\n\nGlossary\n--------\n\n"
            ".. glossary::\n\n"
            "   Guest pass\n   Day pass\n      Lets a friend in for one day.\n\n"
            "   Member card\n      Your card, with your photo.\n",
        )
    )
    # drafted: "Guest pass Day pass Lets a friend in for one day.", the terms glued into the sentence
    assert "Day pass Lets" not in text
    assert "Member card: Your card, with your photo." in text


def test_a_restructuredtext_definition_list_keeps_its_term_apart_from_its_definition(tmp_path: Path) -> None:
    """A glossary's "Guest pass" over its indented definition read "Guest pass Lets a friend in for one day.":
    the term glued into the sentence, as no HTML page's `<dt>` or described setting is."""
    said = _texts(
        tmp_path / "glossary.rst",
        "Glossary\n========\n\nTerms\n-----\n\nMembership\n   Costs ten euros a year.\n\n"
        "Guest pass\n   Lets a friend in for one day.\n",
    )
    assert "Guest pass Lets" not in " ".join(said) and "Membership Costs" not in " ".join(said)
    assert any("Lets a friend in for one day." in text for text in said)
    assert said == ["• Membership: Costs ten euros a year.\n• Guest pass: Lets a friend in for one day."]  # a list


def test_a_sphinx_glossary_reads_its_terms_and_a_notes_argument_goes_on_over_its_body(tmp_path: Path) -> None:
    """`.. glossary::` was left out whole: its terms are a list, a term's classifier in brackets, a definition
    holding a list or code. A note's first words going on over its next line stay one sentence, no term over it."""
    page = (
        "Guide\n=====\n\n.. note:: The server listens\n   on port 80.\n\nFees\n----\n\n.. glossary::\n   :sorted:\n\n"
        "   Fee : euros\n      Ten a year, paid:\n\n      - at the desk\n      - online\n\n"
        "   Locker\n      Lock it with::\n\n         lock --now\n"
    )
    assert _imported(tmp_path / "guide.rst", page) == [
        ("Introduction", "The server listens on port 80."),
        (
            "Fees",
            "• Fee (euros): Ten a year, paid:\n• at the desk\n• online\n• Locker: Lock it with:\n```\nlock --now\n```",
        ),
    ]


SPHINX_PAGE = """\
Versioning
==========

We officially support scenes made in Blender_ and maintain plugins for VSCode_.

..
    This is to be added when relevant.

    %FOLDER_FILESYSTEM%
      Filesystem type.

Keep :opt:`~folder.versioning.params.keep` versions, or delete the :stconf:opt:`<password>
<gui.password>` tag. A snake_ case word stays.

.. seealso::
    :ref:`device-ids`

.. seealso::
    The conflicts page explains what happens to both copies.

Nothing more.

______

.. _Blender: https://www.blender.org/
.. _VSCode: https://code.visualstudio.com/
"""


def test_sphinx_names_comments_and_references_read_as_sphinx_prints_them(tmp_path: Path) -> None:
    """Sphinx's named links, comments and references read as Sphinx prints them: comments and see-also references left
    out."""
    texts = _texts(tmp_path / "versioning.rst", SPHINX_PAGE)
    assert (
        "We officially support scenes made in Blender (https://www.blender.org/) and maintain plugins for "
        "VSCode (https://code.visualstudio.com/)." in texts
    )
    assert not any("added when relevant" in t or "FOLDER_FILESYSTEM" in t for t in texts), texts  # a comment
    assert "Keep keep versions, or delete the <password> tag. A snake_ case word stays." in texts
    assert not any("device ids" in t for t in texts)  # a "see also" of a reference only says where to read
    assert any("conflicts page explains" in t for t in texts)


def test_a_rule_of_underscores_is_no_passage(tmp_path: Path) -> None:
    """A thematic break made of underscores (or stars) is no passage."""
    texts = _texts(tmp_path / "tools.md", "# Editors\n\n______\n\nUse any editor.\n\n* * *\n")
    assert texts == ["Use any editor."]


# A reviewer's cases (session 15): each was read wrong by this module's first version.
def test_code_inside_an_indented_box_or_a_tab_closes(tmp_path: Path) -> None:
    """The closing fence kept the box's indentation, and the rest of the page was code."""
    box = "# T\n\n## Run\n\n!!! example\n    ```python\n    print(1)\n    ```\n\n## Next\n\nImportant prose.\n"
    assert _imported(tmp_path / "box.md", box) == [("Run", "```\nprint(1)\n```"), ("Next", "Important prose.")]
    tab = "import Tabs from '@theme/Tabs';\n\n## Install\n\n<Tabs>\n  <TabItem label='Linux'>\n\n    ```bash\n"
    tab += "    apt install x\n    ```\n\n  </TabItem>\n</Tabs>\n\n## After\n\nMore text.\n"
    found = _imported(tmp_path / "tab.mdx", tab)
    assert found == [("Install", "Linux:\n```\napt install x\n```"), ("After", "More text.")]


@pytest.mark.parametrize(
    "code",
    [
        "export const meta = {\n  title: 'x',\n};",
        "export default function Wrapper({children}) {\n  return children;\n}",
        "export const Highlight = ({children, color}) => (\n  <span>{children}</span>\n);",
    ],
)
def test_an_mdx_export_of_several_lines_is_left_out_and_the_page_read(tmp_path: Path, code: str) -> None:
    """An MDX export spanning several lines is left out, and the rest of the page is read."""
    page = (
        f"import Tabs from '@theme/Tabs';\n\n{code}\n\n# Installing\n\nDownload the installer.\n\n{{/* truncate */}}\n"
    )
    assert _texts(tmp_path / "page.mdx", page) == ["Download the installer."]


def test_a_title_leads_the_paragraph_it_is_over(tmp_path: Path) -> None:
    """A tab's label and a box's title were passages of their own, cut off from their text."""
    page = 'import Tabs from \'@theme/Tabs\';\n\n# I\n\n<TabItem value="win" label="Windows">\n\nDouble-click it.\n\n'
    page += "</TabItem>\n\n:::warning[Data loss]\nBack up first.\n:::\n\n:::tip My title\nSome content.\n:::\n\n"
    page += '::: warning Be careful\nWatch out.\n:::\n\n!!! tip "Install"\n    Use pip.\n'
    assert _texts(tmp_path / "t.mdx", page) == [
        "Windows: Double-click it.",
        "Data loss: Back up first.",
        "My title: Some content.",
        "Be careful: Watch out.",
        "Install: Use pip.",
    ]


def test_mkdocs_boxes_nested_inline_in_a_list_or_tabbed(tmp_path: Path) -> None:
    """MkDocs boxes nested, inline or with a tab-indented body each read as their title and text."""
    page = '# N\n\n!!! note "Outer"\n    Outer text.\n\n    !!! warning "Inner"\n        Inner text is here.\n\n'
    page += '!!! info inline end "Side"\n    Side text.\n\n!!! tip\n\tTabbed body.\n'
    assert _texts(tmp_path / "n.md", page) == [
        "Outer: Outer text.",
        "Inner: Inner text is here.",
        "Side: Side text.",
        "Tabbed body.",
    ]


def test_a_fence_named_error_or_example_is_code(tmp_path: Path) -> None:
    """A fence named `error` (or `example`) is code: its lines are kept as they are, not read as headings or lists."""
    page = "# E\n\n## Trace\n\n```error\nTraceback\n# not a heading\n- not a list\n```\n"
    assert _imported(tmp_path / "e.md", page) == [("Trace", "```\nTraceback\n# not a heading\n- not a list\n```")]


def test_sphinx_paths_menus_spans_and_empty_comments(tmp_path: Path) -> None:
    """`~` shortens a dotted name, not a path or a key; a menu path is text; a grid table's cell
    keeps its "|" and a cell spanning columns its text; `..` over a blank line takes nothing."""
    page = "Title\n=====\n\nEdit :file:`~/.config/app` and press :kbd:`~`. Keep :opt:`~folder.params.keep`.\n"
    page += (
        "Open :ref:`Actions > Settings <settings>`. Read `the page <https://x.org/wiki/Python_(lang)>`_ on Python_.\n\n"
    )
    page += "..\n\n   This quote must stay.\n\n"
    page += "+--------+----------------------------+\n| Option | Meaning                    |\n"
    page += "+========+============================+\n| -x     | pick a | b, whichever wins |\n"
    page += "+--------+----------------------------+\n| A note spanning both columns of it  |\n"
    page += "+--------+----------------------------+\n\n.. _Python: https://www.python.org\n"
    texts = _texts(tmp_path / "s.rst", page)
    assert texts[0] == (
        "Edit ~/.config/app and press ~. Keep keep. Open Actions > Settings. Read the page on Python "
        "(https://www.python.org)."
    )
    assert "This quote must stay." in texts
    assert any("Meaning: pick a | b, whichever wins." in t and "A note spanning both columns of it" in t for t in texts)


def test_a_step_s_code_indented_with_the_step_is_code(tmp_path: Path) -> None:
    """A fence indented four spaces under "1. Install it:" was read as prose ("bash pip install x # a
    comment"): under a list item a fence may be indented as far as the item's text, and three more."""
    page = "# T\n\n## Install\n\n1. Install it:\n\n    ```bash\n    pip install x\n    # a comment\n    ```\n\n"
    page += "2. Run it:\n\n   ```bash\n   x serve\n   ```\n\n3. Done.\n"
    assert _texts(tmp_path / "steps.md", page) == [
        "1. Install it:\n```\npip install x\n# a comment\n```\n2. Run it:\n```\nx serve\n```\n3. Done."
    ]


MYST_PAGE = """\
# Install

## Before you start

```{note}
Back up your files first.
```

```{admonition} Data loss
:class: warning

Syncing two empty folders deletes nothing.
```

```{toctree}
:maxdepth: 2

intro
usage
```

## Commands

```{code-block} bash
:linenos:
pip install foo
```

```{versionadded} 3.2
The fast flag skips the checks.
```

:::{tip} Run foo init in your project.
:::

## Platforms

````{tab-set}
```{tab-item} Linux
Use apt.
```
```{tab-item} Windows
Use the installer.
```
````
"""


def test_a_myst_page_reads_its_directives_as_sphinx_shows_them(tmp_path: Path) -> None:
    """MyST's fenced directives were code ("{note}" a language): a note is its text, an admonition's
    title leads it, options and a table of contents are left out, a version note reads as Sphinx
    prints it, a code block is code without its options, a tab's label leads its text."""
    assert _imported(tmp_path / "install.md", MYST_PAGE) == [
        ("Before you start", "Back up your files first."),
        ("Before you start", "Data loss: Syncing two empty folders deletes nothing."),
        (
            "Commands",
            "```\npip install foo\n```\n\nNew in version 3.2: The fast flag skips the checks.\n\n"
            "Run foo init in your project.",
        ),
        ("Platforms", "Linux: Use apt."),
        ("Platforms", "Windows: Use the installer."),
    ]


def test_a_myst_directive_left_out_that_never_closes_takes_only_its_own_line(tmp_path: Path) -> None:
    """Without its closing fence, a table of contents does not take the rest of the page with it."""
    page = "# T\n\n## Contents\n\n```{toctree}\n:maxdepth: 2\nintro\n\n## Usage\n\nRun it.\n"
    assert _imported(tmp_path / "t.md", page)[-1] == ("Usage", "Run it.")


def test_mkdocs_content_tabs_are_read_as_their_text_after_the_label(tmp_path: Path) -> None:
    """`=== "Linux"` over a body indented four spaces was read as code; code inside a tab stays code."""
    page = '# I\n\n## Install\n\n=== "Linux"\n\n    Run the script with bash.\n\n=== "macOS"\n\n'
    page += "    Use Homebrew:\n\n    ```\n    brew install foo\n    ```\n\nAfter the tabs.\n"
    assert _texts(tmp_path / "i.md", page) == [
        "Linux: Run the script with bash.\n\nmacOS: Use Homebrew:\n```\nbrew install foo\n```\n\nAfter the tabs."
    ]


def test_a_docusaurus_page_that_imports_its_tabs_under_its_title_is_mdx(tmp_path: Path) -> None:
    """The imports came after the first heading, so the page was not taken for MDX: the imports were
    a passage and the tabs' labels were lost."""
    page = "---\nid: install\n---\n\n# Installation\n\nimport Tabs from '@theme/Tabs';\n"
    page += "import TabItem from '@theme/TabItem';\n\nPick your package manager.\n\n<Tabs>\n"
    page += '  <TabItem value="npm" label="npm">\n\n```bash\nnpm install foo\n```\n\n  </TabItem>\n'
    page += '  <TabItem value="yarn" label="Yarn">\n\n```bash\nyarn add foo\n```\n\n  </TabItem>\n</Tabs>\n'
    assert _texts(tmp_path / "install.md", page) == [
        "Pick your package manager.\n\nnpm:\n```\nnpm install foo\n```\n\nYarn:\n```\nyarn add foo\n```"
    ]


def test_a_page_that_imports_in_its_code_or_names_no_component_is_not_mdx(tmp_path: Path) -> None:
    """An import in a code block, or one in prose with no component of its name, leaves the page Markdown."""
    page = "# Tips\n\n```js\nimport Tabs from 'tabs';\n```\n\n<Tabs>\n\nWrite imports at the top.\n\n"
    page += "import Foo from 'foo' is how you would write it.\n\n<Bar>\n"
    assert _texts(tmp_path / "tips.md", page) == [
        "```\nimport Tabs from 'tabs';\n```\n\nWrite imports at the top.\n\n"
        "import Foo from 'foo' is how you would write it."
    ]


def test_a_myst_directive_is_read_by_what_it_holds_in_either_form(tmp_path: Path) -> None:
    """Code in colons is code; a figure is its caption, not its image's path; a table of contents is
    left out in colons too; a setting is its name over its description, as in reStructuredText; a
    directive of the site's own (pip's `{pip-cli}`) is code, as before MyST's were read; options
    written as a YAML block are no title."""
    page = "# T\n\n## Code\n\n:::{code-block} python\nimport foo\n:::\n\n:::{toctree}\n:maxdepth: 2\n\ninstall\n:::\n\n"
    page += ":::{figure} ../images/install.png\n:alt: The installer\n\nThe installer's first screen.\n:::\n\n"
    page += "## Settings\n\n```{confval} timeout\nThe number of seconds to wait.\n```\n\n"
    page += "```{pip-cli}\n$ pip install sampleproject\n```\n\n"
    page += "```{admonition} Careful\n---\nclass: warning\n---\nBack up first.\n```\n"
    assert _imported(tmp_path / "t.md", page) == [
        ("Code", "```\nimport foo\n```\n\nThe installer's first screen."),
        (
            "Settings",
            "timeout: The number of seconds to wait.\n```\n$ pip install sampleproject\n```\n\nCareful: Back up first.",
        ),
    ]


def test_a_pandoc_fenced_div_is_still_a_box_without_its_attributes(tmp_path: Path) -> None:
    """A Pandoc fenced div is read as a box, its attributes left out."""
    page = "# T\n\n## Backups\n\n::: {.callout-note}\nBack up your data first.\n:::\n"
    assert _imported(tmp_path / "t.md", page) == [("Backups", "Back up your data first.")]


def test_an_unclosed_directive_left_out_is_not_closed_by_the_next_code(tmp_path: Path) -> None:
    """Its fence would close at the next code's closing fence, and the heading and text between
    were lost: that code's opening shows the directive never closed."""
    page = "# T\n\nIntro.\n\n```{toctree}\nintro\n\n## Usage\n\nRun it.\n\n```bash\nx serve\n```\n\nMore.\n"
    assert _imported(tmp_path / "t.md", page)[-1] == ("Usage", "Run it.\n```\nx serve\n```\n\nMore.")


def test_myst_roles_labels_and_comments_read_as_sphinx_shows_them(tmp_path: Path) -> None:
    """MyST roles, target labels and comments read as Sphinx shows them: a role's text or its target's title, no label
    or comment."""
    page = "# T\n\n(install-target)=\n## Install\n\n% a remark for the writers\n"
    page += "Read the {doc}`install guide <installation>` and call {py:func}`~pkg.connect`, see {term}`wheel`.\n"
    page += "Use the {doc}`../cli/pip_config` command, in {doc}`topics/index`, and {ref}`install-target`.\n\n"
    page += "```{note}\nA note.\n```\n"
    assert _imported(tmp_path / "t.md", page) == [
        (
            "Install",
            "Read the install guide and call connect, see wheel. Use the pip config command, in topics, and Install.",
        ),
        ("Install", "A note."),
    ]


def test_mkdocs_tabs_open_or_selected_are_tabs() -> None:
    """MkDocs tabs marked open or selected (`===+!`, `===!+`) read as tabs: the title, then the body."""
    from bot.imports.markdown.dialects import plain

    assert plain('===+! "uv"\n\n    Run uv add foo.\n').strip() == "uv: Run uv add foo."
    assert plain('===!+ "pip"\n\n    Run pip install foo.\n').strip() == "pip: Run pip install foo."


def test_reference_links_read_as_links_and_their_definitions_are_left_out(tmp_path: Path) -> None:
    """`[install Python]` kept its brackets and lost its address; a definition whose address is on
    the next line was a passage. Brackets no definition names, and code, stay as written."""
    page = (
        "# T\n\n## Start\n\nYou should [install Python] first.\n\nSee [the guide][guide] or [Guide][] and [Other][].\n"
    )
    page += "Run `pip install [extra]` and read [not a link] too.\n\n"
    page += "[install python]: https://example.org/python\n[guide]:\n  https://example.org/guide\n"
    page += "[other]: <https://example.org/other>\n"
    assert _imported(tmp_path / "t.md", page) == [
        ("Start", "You should install Python (https://example.org/python) first."),
        # a paragraph of more than two links keeps their text (see inline_markdown)
        ("Start", "See the guide or Guide and Other. Run pip install [extra] and read [not a link] too."),
    ]


def test_a_list_item_that_opens_with_a_fence_holds_code(tmp_path: Path) -> None:
    """pip's "- ```" item: its code was read as text, and the page's later fences the wrong way round
    (a note box after it came out as raw MyST)."""
    page = "# T\n\n## Variables\n\n- `PIP_TIMEOUT=60` is the same as `--timeout=60`\n"
    page += '- ```\n  PIP_FIND_LINKS="a b"\n  ```\n\n  is the same as\n\n  ```\n  --find-links=a\n  ```\n\n'
    page += "```{note}\nEmpty values are **not** false.\n```\n"
    found = _imported(tmp_path / "t.md", page)
    assert {section for section, _ in found} == {"Variables"}  # the item's mark alone underlines no heading
    texts = [text for _, text in found]
    assert '```\nPIP_FIND_LINKS="a b"\n```' in "\n".join(texts)
    assert texts[-1].endswith("Empty values are not false.") and "{note}" not in "".join(texts)


def test_a_documents_fields_are_left_out_and_its_footnotes_read_as_markdowns(tmp_path: Path) -> None:
    """`:Author: Jane Doe` under the title was a passage of raw fields, and "[#f1]_" a mark shown as
    typed, its note left out: the fields under the title describe the document; a footnote or a
    citation ends the section that cites it, its mark dropped (notes numbered in order matched in
    order), as Markdown's; a field list in the text is a list."""
    page = (
        "Rules\n=====\n\n:Author: Club board\n:Last updated: 2024-01-01\n\n"
        "Fees\n----\n\nThe fee is due in May [#]_ and the rules [#rules]_ say so [CIT2002]_.\n\n"
        ".. [#] Or June, with the board's leave.\n.. [#rules] The rules are posted\n   on the board.\n"
        ".. [CIT2002] Club statutes, 2002 edition.\n\n"
        "Board\n-----\n\nThe board:\n\n:Chair: Jane\n:Treasurer: Tom\n"
    )
    assert _imported(tmp_path / "rules.rst", page) == [
        ("Fees", "The fee is due in May and the rules say so."),
        ("Fees", "Or June, with the board's leave."),
        ("Fees", "The rules are posted on the board."),
        ("Fees", "Club statutes, 2002 edition."),
        ("Board", "The board:\n• Chair: Jane\n• Treasurer: Tom"),
    ]


def test_a_citation_another_page_defines_keeps_its_mark_as_the_page_shows_it(tmp_path: Path) -> None:
    """A Sphinx citation defined in another file (`[CIT2019]_`), and a numbered mark past the notes the
    page writes, were "[^CIT2019]" glued to the word before it: a mark is a Markdown footnote's only
    where the page writes its note."""
    page = (
        "Guide\n=====\n\nFees\n----\n\nThe fee was decided at the 2019 meeting [CIT2019]_.\n"
        "It is paid at the desk [#]_, in cash [#]_.\n\n.. [#] Or by card.\n"
    )
    assert _imported(tmp_path / "fees.rst", page) == [
        ("Fees", "The fee was decided at the 2019 meeting [CIT2019]. It is paid at the desk, in cash [#]."),
        ("Fees", "Or by card."),
    ]


MYST_HOURS = """\
# Venue guide

## Hours

```{list-table} Opening hours
:header-rows: 1
:widths: 20 40

* - Day
  - Hours
* - Monday
  - 9-17, closed for
    {doc}`lunch <lunch>`
- - Saturday
  - Closed
```

After the table.
"""


def test_a_myst_list_table_is_a_table_a_sentence_a_row(tmp_path: Path) -> None:
    """MyST's ```` ```{list-table} ```` was a titled box over a list: its caption a line of its own and
    each cell an item ("- Day", "Hours"); it reads as reStructuredText's `.. list-table::` does."""
    rst = "Venue guide\n===========\n\nHours\n-----\n\n.. list-table:: Opening hours\n   :header-rows: 1\n\n"
    rst += "   * - Day\n     - Hours\n   * - Monday\n     - 9-17, closed for\n       lunch\n"
    rst += "   * - Saturday\n     - Closed\n\nAfter the table.\n"
    expected = [
        ("Hours", "Day: Monday, Hours: 9-17, closed for lunch. Day: Saturday, Hours: Closed."),
        ("Hours", "After the table."),
    ]
    assert _imported(tmp_path / "rst.rst", rst) == expected
    assert _imported(tmp_path / "hours.md", MYST_HOURS) == expected
    colons = MYST_HOURS.replace("```{list-table}", ":::{list-table}").replace("```\n", ":::\n")
    yaml_options = colons.replace(":header-rows: 1\n:widths: 20 40\n", "---\nheader-rows: 1\nwidths: 20 40\n---\n")
    assert _imported(tmp_path / "colons.md", yaml_options) == expected
    headless = MYST_HOURS.replace(":header-rows: 1\n", "")
    assert _texts(tmp_path / "headless.md", headless)[0] == (
        "• Day: Hours\n• Monday: 9-17, closed for lunch\n• Saturday: Closed"
    )


def test_a_myst_table_and_csv_table_are_tables_without_their_caption(tmp_path: Path) -> None:
    """A `{table}`'s caption was a passage of its own ("Fees by member:"), and a `{csv-table}` was code."""
    page = "# Library\n\n## Fees\n\n```{table} Fees by member\n:align: center\n\n| Member | Fee |\n|---|---|\n"
    page += '| Adult | 10 € |\n| Child | free |\n```\n\n## Rooms\n\n```{csv-table} Rooms\n:header: "Room", "Seats"\n'
    page += ':widths: 10 10\n\n"Blue", 12\n"Red, upstairs", 30\n```\n'
    assert _imported(tmp_path / "library.md", page) == [
        ("Fees", "Member: Adult, Fee: 10 €. Member: Child, Fee: free."),
        ("Rooms", "Room: Blue, Seats: 12. Room: Red, upstairs, Seats: 30."),
    ]


def test_a_myst_list_table_that_never_closes_takes_only_its_own_line(tmp_path: Path) -> None:
    """Without its closing fence, a list-table is read as before and does not take the rest of the page."""
    page = MYST_HOURS.replace("```\n\nAfter", "\n## Parking\n\nPark behind the hall.\n\nAfter")
    assert _imported(tmp_path / "t.md", page)[-2:] == [
        ("Parking", "Park behind the hall."),
        ("Parking", "After the table."),
    ]
