"""Imports of documents as two Discord communities keep them: a library's Sphinx docs
(reStructuredText) and a server's own site pages (Markdown). Each case is one a walk-through found
read wrong; the texts are written for the test in the shape of the real pages."""

from __future__ import annotations

from pathlib import Path

from bot.imports import articles
from bot.imports.drafts import drafts_of


def _imported(path: Path, text: str) -> tuple[str | None, list[tuple[str, str]]]:
    path.write_text(text, encoding="utf-8")
    title, found = drafts_of(articles.read(path))
    return title, [(d.section, d.text) for d in found]


SPHINX_GUIDE = """\
:orphan:

.. currentmodule:: widget
.. _widget-intro:

Creating a Widget Account
=========================

.. versionadded:: 1.5

Creating an account is a pretty straightforward process.

1. Open the `portal <https://widget.example.org>`_.
2. Click on the "New Widget" button.

    .. image:: /images/new.png
        :alt: The button.

3. Copy the token using the "Copy" button.

    - **This is not the Client Secret.**

4. Keep the token secret.

Logging
-------

.. code-block:: python3
   :emphasize-lines: 2

   import logging
   logging.basicConfig()

.. versionchanged:: 2.0

    The library now logs by default.

Where can I use ``await``\\?
----------------------------

Only inside a function defined with ``async def``. See :ref:`widget-intro` and the :doc:`req:index` module.
Pass a :class:`~widget.ext.Context` or read :attr:`~.Context.message`;
the :meth:`.Client.run` call blocks (:issue:`9366`).
Sending ``\\:python3:`` gives ``<:python3:2327>``. A |coro|_ is a function.

.. |coro| replace:: coroutine
"""


def test_a_sphinx_page_reads_as_its_site_shows_it(tmp_path: Path) -> None:
    """discord.py's docs: every article was titled by its file's name and began with a passage
    ":orphan:"; "1.5" was a passage (a version note alone is none now), ":emphasize-lines: 7,9,10"
    a line of code, every line of it one space in; "~ext.commands.Context", "req:index", "await\\?"
    and a role eaten out of a literal ("the message \\ with the client") were in the passages; a bold remark
    under a step was a section, and the steps after it lost their numbers."""
    title, found = _imported(tmp_path / "guide.rst", SPHINX_GUIDE)
    assert title == "Creating a Widget Account"
    assert found == [
        (
            "Introduction",
            "Creating an account is a pretty straightforward process.\n"
            "1. Open the portal (https://widget.example.org).\n"
            '2. Click on the "New Widget" button.\n'
            '3. Copy the token using the "Copy" button.\n'
            "• This is not the Client Secret.\n"
            "4. Keep the token secret.",
        ),
        (
            "Logging",
            "```\nimport logging\nlogging.basicConfig()\n```\n\n"
            "Changed in version 2.0: The library now logs by default.",
        ),
        (
            "Where can I use await?",
            "Only inside a function defined with async def. See Creating a Widget Account and the req module. "
            "Pass a Context or read message; the Client.run call blocks (#9366). "
            "Sending \\:python3: gives <:python3:2327>. A coroutine is a function.",
        ),
    ]


RULES_PAGE = """\
---
title: Server Rules
---
We have a small set of rules. Please read them.

> 1. Follow the [Code of Conduct](https://example.org/coc).
> 2. Use English to the best of your ability. Be polite if someone speaks English imperfectly.
> 3. Do not post unapproved advertising.

# Etiquette

## Things you should do
1. Ask away
    * If you have a question that isn't about Python, just ask it in an off-topic channel.
2. Join in!
    * Don't be scared to hop into the conversation.

## How to Create A New Post

There are 3 easy steps to make this happen

1. Open the **python-help** channel.<br>
![New post button](/static/images/new-post-button.png)
2. Choose a title.
3. Post it.

### Q: How do I become a Helper?
There is no application\u200b.

> #### Example 1:
> A person might ask:
>
>     print(value)
>
> What they mean is: *"How do I return a value?"*
"""


def test_a_community_s_own_pages_keep_their_lists_and_questions(tmp_path: Path) -> None:
    """Python Discord's pages: the rules, a numbered list in a quote, were prose cut mid-rule; each
    thing to do and what it means were passages apart; the steps' opening sentence (no colon) was
    a passage of its own and a screenshot's description was read into a step; "Q: " was part of the
    question; a zero-width space ended a passage; a quote's heading and code were text."""
    title, found = _imported(tmp_path / "rules.md", RULES_PAGE)
    assert title == "Server Rules"
    assert found == [
        ("Introduction", "We have a small set of rules. Please read them."),
        (
            "Introduction",
            "1. Follow the Code of Conduct (https://example.org/coc).\n"
            "2. Use English to the best of your ability. Be polite if someone speaks English imperfectly.\n"
            "3. Do not post unapproved advertising.",
        ),
        (
            "Things you should do",
            "1. Ask away\n• If you have a question that isn't about Python, just ask it in an off-topic channel.\n"
            "2. Join in!\n• Don't be scared to hop into the conversation.",
        ),
        (
            "How to Create A New Post",
            "There are 3 easy steps to make this happen\n"
            "1. Open the python-help channel.\n2. Choose a title.\n3. Post it.",
        ),
        ("How do I become a Helper?", "There is no application."),
        ("Example 1:", 'A person might ask:\n```\nprint(value)\n```\n\nWhat they mean is: "How do I return a value?"'),
    ]


def test_a_sentence_over_one_item_stays_a_paragraph(tmp_path: Path) -> None:
    """Only a list of two items or more takes the sentence over it as its opening."""
    _, found = _imported(tmp_path / "p.md", "# P\n\nBicycles go in the racks.\n\n- Cars park on Elm Street.\n")
    assert found == [("Introduction", "Bicycles go in the racks."), ("Introduction", "Cars park on Elm Street.")]


FLASK_LIKE = """\
Installation
============

Activate the environment
------------------------

Before you work on your project, activate the corresponding environment:

.. tabs::

   .. group-tab:: macOS/Linux

      .. code-block:: text

         $ . .venv/bin/activate

   .. group-tab:: Windows

      .. code-block:: text

         > py -3 -m venv .venv

Keep the :file:`.venv` folder out of git. Errors go to `Sentry
<https://sentry.io/>`_.

.. admonition:: Externally Visible Server

   The server listens on your own computer only.

Settings
--------

.. py:data:: SECRET_KEY

    A secret key that signs the session cookie.

    Default: ``None``

Converter types:

========== ==========================================
``string`` (default) accepts any text without a slash
``int``    accepts positive integers
========== ==========================================
"""


def test_a_sphinx_guide_keeps_its_tabs_settings_boxes_and_tables(tmp_path: Path) -> None:
    """Flask's docs: the tabs holding the activate commands were left out with their body, every
    setting (`.. py:data:: SECRET_KEY`) with its description, and a simple table was a paragraph of
    "====="; ":file:`.venv`" lost its dot, a link wrapped over two lines stayed markup, and a box's
    title was glued to its text."""
    _, found = _imported(tmp_path / "installation.rst", FLASK_LIKE)
    assert found == [
        (
            "Activate the environment",
            "Before you work on your project, activate the corresponding environment:\n\n"
            "macOS/Linux:\n```\n$ . .venv/bin/activate\n```\n\nWindows:\n```\n> py -3 -m venv .venv\n```\n\n"
            "Keep the .venv folder out of git. Errors go to Sentry (https://sentry.io/).\n\n"
            "Externally Visible Server: The server listens on your own computer only.",
        ),
        ("Settings", "SECRET_KEY: A secret key that signs the session cookie. Default: None"),
        (
            "Settings",
            "Converter types:\n• string: (default) accepts any text without a slash\n• int: accepts positive integers",
        ),
    ]


def test_a_list_of_words_in_bold_is_a_list_not_headings(tmp_path: Path) -> None:
    """An open-source guide's "* **Maintainer**", "* **Contributor**", "* **Committer**" were three
    headings: two vanished, and the maintainer's definition stood under "Committer"."""
    page = (
        "# Leadership\n\nHere are a few types of roles you may recognize:\n\n"
        "* **Maintainer**\n* **Contributor**\n* **Committer**\n\n"
        '**For some projects, "maintainers"** are the only people with commit access.\n'
    )
    _, found = _imported(tmp_path / "leadership.md", page)
    assert found == [
        ("Introduction", "Here are a few types of roles you may recognize:\n• Maintainer\n• Contributor\n• Committer"),
        ("Introduction", 'For some projects, "maintainers" are the only people with commit access.'),
    ]


def test_a_simple_table_with_a_header_names_each_cell_by_its_column(tmp_path: Path) -> None:
    """A simple table whose second border sets off its header is a table of data; its cells' markup
    is read like the page's (a literal was left as "``int``")."""
    page = (
        "Converters\n==========\n\n"
        "=========  ================\nType       Accepts\n=========  ================\n"
        "``int``    positive integers\n``path``   text with slashes\n=========  ================\n"
    )
    _, found = _imported(tmp_path / "converters.rst", page)
    assert found == [("Introduction", "Type: int, Accepts: positive integers. Type: path, Accepts: text with slashes.")]
