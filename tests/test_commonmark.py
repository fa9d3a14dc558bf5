"""CommonMark's reference links and a list item that opens with a fence, read before the Markdown
reader (bot/imports/markdown/commonmark.py); each case one a reviewer found read wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.imports import articles
from bot.imports.drafts import drafts_of
from bot.imports.markdown.commonmark import MAX_LINKED, written_plainly


def _imported(path: Path, text: str) -> list[tuple[str, str]]:
    path.write_text(text, encoding="utf-8")
    _, found = drafts_of(articles.read(path))
    return [(d.section, d.text) for d in found]


LINKS = "[docs]: https://example.org/docs\n[1]: https://example.org/one\n"


def test_code_is_never_a_link_and_a_definition_in_code_defines_nothing() -> None:
    """Code is never a link, and a link definition inside code defines nothing: brackets in code and in plain words stay
    as written."""
    page = "# T\n\nSee [docs].\n\n    name = sys.argv[1]\n\n> ```\n> x = y[1]\n> ```\n\n<pre>\nz = w[1]\n</pre>\n\n"
    page += "```\n[ERROR]: https://log.example.org\n```\n\nIt said [ERROR] and [[docs]].\n\n" + LINKS
    plain = written_plainly(page)
    assert "See [docs](https://example.org/docs)." in plain
    assert "sys.argv[1]\n" in plain and "x = y[1]\n" in plain and "z = w[1]\n" in plain
    assert "It said [ERROR] and [[docs]]." in plain


def test_an_item_opening_with_inline_code_is_an_item_and_one_opening_a_fence_holds_code(tmp_path: Path) -> None:
    """``- ```foo``` is ...`` is inline code (a fence has no backtick after it): the rest of the page
    had become code. An item that opens a fence is its code, after the paragraph above it, which
    is no heading ("-" alone under it was taken for its underline), whatever its mark's width."""
    page = "# T\n\n## Install\n\n- ```foo``` is the same as `foo`.\n\n"
    page += "Run the following:\n- ```bash\n  pip install x\n  ```\n"
    page += "\nThen:\n\n10. ```\n    pip check\n    ```\n-   ```\n    pip list\n    ```\n\n## Next\n\nDone.\n"
    assert _imported(tmp_path / "t.md", page) == [
        (
            "Install",
            "foo is the same as foo.\n\nRun the following:\n```\npip install x\n```\n\n"
            "Then:\n```\npip check\n```\n```\npip list\n```",
        ),
        ("Next", "Done."),
    ]


def test_a_definition_over_a_word_that_is_no_address_leaves_the_word() -> None:
    """A link definition whose destination is a word, not an address, defines nothing: its lines stay as text."""
    assert "word" in written_plainly("# T\n\n[Bot]:\n    word\n\nText [Bot].\n")


@pytest.mark.timeout(60)
def test_many_uses_of_a_long_address_stay_small() -> None:
    """98 KB: one 50 KB address used 12,000 times made 600 MB of text (and took a minute)."""
    page = "[a]: http://" + "x" * 50_000 + "\n\n" + "[a]\n" * 12_000 + "[b]: http://b.org\n\n" + "[b] " * 5_000
    plain = written_plainly(page)
    assert len(plain) < 2 * len(page) + MAX_LINKED * 20  # the work counted by what it wrote: no 600 MB
    assert plain.count("(http://b.org)") == MAX_LINKED
