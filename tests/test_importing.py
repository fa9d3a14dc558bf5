"""`kb import`: an article becomes draft passages, the way the seed article was split."""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import textwrap
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import Answerer, knowledge
from bot.cli import main
from bot.imports import articles, import_article
from bot.imports.drafts import Draft, drafts, drafts_of
from bot.imports.passages import MAX_PASSAGE_CHARS, MAX_SENTENCES, SHORT_PASSAGE_CHARS
from bot.knowledge import ID_PATTERN, Passage
from bot.search.sentences import split_sentences
from bot.yamlfiles import FileError
from tests.conftest import KNOWLEDGE


def knowledge_copy(tmp_path: Path) -> Path:
    """A copy of the project's knowledge folder (without the originals)."""
    target = tmp_path / "knowledge"
    if not target.exists():
        shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns("originals"))
    return target


def _imported(path: Path, text: str) -> tuple[str | None, list[Draft]]:
    path.write_text(text, encoding="utf-8")
    return drafts_of(articles.read(path))


def _drafted(seed_kdir: Path, name: str) -> list[Passage]:
    return [p for p, _ in knowledge.read_file(seed_kdir / "drafts" / f"{name}.yaml")]


def kb(folder: Path, *argv: str) -> tuple[int, str]:
    """Run `kb ...` on `folder` in this process: its exit code and what it printed."""
    out = io.StringIO()
    code = main(["kb", *argv, "--knowledge", str(folder)], out=out)
    return code, out.getvalue()


def test_sentences_split_at_ends_not_at_abbreviations() -> None:
    """Sentences end at . ! ? but not after Mr. or inside U.S."""
    text = "Mr. Kang spent 10 years in a camp. He escaped in 1992! Did he? The U.S. Inc. is real."
    assert split_sentences(text) == [
        "Mr. Kang spent 10 years in a camp.",
        "He escaped in 1992!",
        "Did he?",
        "The U.S. Inc. is real.",
    ]


def test_abbreviations_inside_a_sentence_do_not_end_it() -> None:
    """ "i.e.", "e.g.", "vs." and titles do not cut a sentence (a passage once began "TCP) sockets")."""
    text = "Use STREAM (i.e. TCP) sockets. Some, e.g. UDP, are not covered. Dr. Kang vs. Mr. Lee met."
    assert split_sentences(text) == [
        "Use STREAM (i.e. TCP) sockets.",
        "Some, e.g. UDP, are not covered.",
        "Dr. Kang vs. Mr. Lee met.",
    ]


def test_sentences_end_at_the_marks_of_other_scripts() -> None:
    """Chinese and Japanese sentences end at 。！？ with no space after them, Arabic ones at ؟."""
    assert split_sentences("难民有多少？大约三万人。「他们去了韩国。」然后呢") == [
        "难民有多少？",
        "大约三万人。",
        "「他们去了韩国。」",
        "然后呢",
    ]
    japanese = split_sentences("日本語の文です。 次の文です。 He said so.")
    assert japanese == ["日本語の文です。", "次の文です。", "He said so."]
    assert split_sentences("كم عدد اللاجئين؟ حوالي ثلاثين ألفا.") == ["كم عدد اللاجئين؟", "حوالي ثلاثين ألفا."]


def test_a_long_chinese_paragraph_is_cut_at_its_sentence_ends_and_kept_without_spaces() -> None:
    """A Chinese paragraph of nine sentences makes two passages of whole sentences, no space added."""
    sentences = [f"这是第{n}句话。" for n in "一二三四五六七八九"]
    _, found = drafts("# 常见问题\n\n" + "".join(sentences) + "\n")
    assert [d.text for d in found] == ["".join(sentences[:8]), sentences[8]]


def test_headings_become_sections_and_paragraphs_passages() -> None:
    """Markdown and numbered headings become sections; long paragraphs are cut into passages."""
    article = "# Title\n\nIntro one. Intro two.\n\n## First part\n\nA. B. C. D.\n\n2. Second part\n\nE.\n"
    long_paragraph = "Alpha one. Beta two. Gamma three. Delta four. Eps five. Zeta six. Eta 7. Theta 8. Iota 9."
    title, found = drafts(article.replace("A. B. C. D.", long_paragraph))
    assert title == "Title"
    assert [(d.id, d.section) for d in found] == [
        ("introduction-1", "Introduction"),
        ("first-part-1", "First part"),
        ("first-part-2", "First part"),
        ("second-part-1", "Second part"),
    ]
    assert found[1].text == "Alpha one. Beta two. Gamma three. Delta four. Eps five. Zeta six. Eta 7. Theta 8."


def test_seed_article_drafts_cover_every_section() -> None:
    """The seed article's own text drafts into passages under its five numbered sections."""
    original = (KNOWLEDGE / "originals" / "five-things-about-north-korean-refugees.txt").read_text(encoding="utf-8")
    _, found = drafts(original)
    sections = {d.section for d in found}
    assert {"Who are the North Korean refugees?", "How are things changing?"} <= sections
    assert all(len(split_sentences(d.text)) <= MAX_SENTENCES for d in found)


def test_import_reads_a_saved_html_faq(tmp_path: Path) -> None:
    """An HTML page: <title> is the title, h2s are sections, p/li/dd are passages, chrome is dropped."""
    title, found = _imported(
        tmp_path / "faq.html",
        "<!doctype html><html><head><title>Library FAQ</title><style>p {color: red}</style></head><body>"
        "<header><a href='/'>Home</a></header><nav><ul><li>Menu item</li></ul></nav>"
        "<h1>Library FAQ</h1><h2>Parking</h2><p>Bicycles go in the racks <b>behind</b> the library.</p>"
        "<ul><li>Cars park on Elm Street.</li></ul><h2>Hours</h2><dl><dt>Weekends?</dt>"
        "<dd>We open at 10 on Saturdays &amp; Sundays.</dd></dl><script>alert('x')</script>"
        "<footer>Copyright 2024</footer></body></html>",
    )
    assert title == "Library FAQ"
    assert [(d.id, d.section, d.text) for d in found] == [
        ("parking-1", "Parking", "Bicycles go in the racks behind the library."),
        ("parking-2", "Parking", "Cars park on Elm Street."),
        ("weekends-1", "Weekends?", "We open at 10 on Saturdays & Sundays."),
    ]


def test_a_huge_page_title_is_cut_at_import_and_a_long_one_written_by_hand_is_cut_where_shown(
    seed_kdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 110 KB <title> became the source's title: every answer's citation repeated it, 28 Telegram messages.
    A folder with a long title written by hand loaded before the limit was set, and still loads: members
    are shown the first 200 characters, and `kb check` warns."""
    page = seed_kdir.parent / "club.html"
    page.write_text(f"<title>{'Chess club ' * 10_000}</title><p>We meet on Tuesdays at seven.</p>", encoding="utf-8")
    assert main(["kb", "import", str(page), "--knowledge", str(seed_kdir)]) == 0
    [passage] = _drafted(seed_kdir, "club")
    assert len(passage.source.title) == knowledge.MAX_TITLE_CHARS and passage.source.title.endswith("…")
    drafted = seed_kdir / "drafts" / "club.yaml"
    drafted.write_text(drafted.read_text(encoding="utf-8").replace("…", "Chess club"), encoding="utf-8")
    text = drafted.read_text(encoding="utf-8").replace("url: null", f"url: https://example.org/{'x' * 2000}")
    drafted.unlink()
    (seed_kdir / "club.yaml").write_text(text, encoding="utf-8")  # published by hand: a title of 209 characters
    capsys.readouterr()
    assert main(["kb", "check", "--knowledge", str(seed_kdir)]) == 0
    warned = capsys.readouterr().err
    assert "its title is 209 characters; members are shown the first 200" in warned
    assert "its url is 2020 characters, more than 2000" in warned
    answer = Answerer.from_directory(seed_kdir).answer_passage(passage.id)
    assert answer is not None and answer.citation is not None
    assert len(answer.citation) < 250 and "…, “" in answer.citation


def test_import_reads_markdown_as_plain_text(tmp_path: Path) -> None:
    """Markdown: the first # heading is the title, markup is stripped, a list is one passage, code is kept."""
    title, found = _imported(
        tmp_path / "guide.md",
        "\ufeff# Guide\n\nSee the **[rules](https://example.org/rules)** and _be kind_.\n\n"
        "Meetups\n-------\n- Every `first` Saturday.\n- Bring snacks.\n\n```sh\nrm -rf /\n```\n"
        "**Contact**\n\nWrite to the_admin at the desk.\n",
    )
    assert title == "Guide"
    assert [(d.section, d.text) for d in found] == [
        ("Introduction", "See the rules (https://example.org/rules) and be kind."),
        ("Meetups", "• Every first Saturday.\n• Bring snacks.\n```\nrm -rf /\n```"),
        ("Contact", "Write to the_admin at the desk."),
    ]


@pytest.mark.parametrize(
    ("name", "empty"),
    [
        ("garden.md", "##"),
        ("garden.md", "## \u00a0"),  # a no-break space
        ("garden.md", "## \u200b"),  # a zero-width space
        ("garden.txt", "##"),
        ("garden.html", "<h2></h2>"),
        ("garden.html", "<h2>\u200b</h2>"),
    ],
)
def test_an_empty_heading_makes_no_passage(tmp_path: Path, name: str, empty: str) -> None:
    """A heading with no title ("##" alone, or marks and an invisible space) titles nothing and is no
    text: it was a passage whose text was "##" (in plain text, a section "##")."""
    page = f"# Garden\n\n{empty}\n\nWater the plots every morning. The shed opens at 8.\n"
    if name.endswith(".html"):
        page = f"<main><h1>Garden</h1>{empty}<p>Water the plots every morning. The shed opens at 8.</p></main>"
    title, found = _imported(tmp_path / name, page)
    assert title == "Garden"
    assert [(d.section, d.text) for d in found] == [
        ("Introduction", "Water the plots every morning. The shed opens at 8.")
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "file not found"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", "a PDF document, not a text article; save it as plain text"),
        (b"{\\rtf1\\ansi Hello}", "an RTF document"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive"),
        (b"caf\xe9 au lait", "not UTF-8"),
        (b"\xef\xbb\xbf  \n\n ", "empty"),
        (b"# Only a title\n\n## And a heading\n", "no sentences"),
    ],
)
def test_every_import_error_names_the_file(tmp_path: Path, content: bytes | None, problem: str) -> None:
    """Missing, binary, non-UTF-8, empty and sentence-less files are refused with the file's name."""
    article = tmp_path / "article.md"
    if content is not None:
        article.write_bytes(content)
    with pytest.raises(FileError, match=problem) as raised:
        import_article(article, knowledge_copy(tmp_path))
    assert str(raised.value).startswith(str(article))


def test_a_symbolic_link_loop_is_named_as_one_not_as_a_missing_file(tmp_path: Path) -> None:
    """A symbolic link loop is named as a link that leads nowhere, not as a missing file."""
    article = tmp_path / "loop1.md"
    article.symlink_to(tmp_path / "loop2.md")
    (tmp_path / "loop2.md").symlink_to(article)
    with pytest.raises(FileError, match="a symbolic link that leads nowhere"):
        import_article(article, knowledge_copy(tmp_path))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_article_as_notepad_saves_it_is_read(tmp_path: Path, encoding: str) -> None:
    """Notepad's "Unicode" is UTF-16 with a byte-order mark: it was refused as "a binary file"."""
    text = "# Club\n\nWe meet on Tuesdays — in the café.\n"
    data = text.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + text.encode(encoding)
    article = tmp_path / "club.md"
    article.write_bytes(data)
    assert drafts_of(articles.read(article))[1][0].text == "We meet on Tuesdays — in the café."


def test_a_utf32_file_is_read_or_refused_not_read_as_utf16(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A UTF-32 file begins with UTF-16's mark too (FF FE 00 00): it was read as UTF-16, NULs between its
    letters, so its heading was lost into the text ("# Title Text is here.") and the title was the file's name."""
    article = tmp_path / "club.md"
    article.write_bytes("# Chess club\n\nWe meet on Tuesdays at seven.\n".encode("utf-32"))
    folder = tmp_path / "knowledge"
    code, _ = kb(folder, "import", str(article))
    if code != 0:  # refused: one line naming the file
        assert str(article) in capsys.readouterr().err
        return
    [(passage, _line)] = knowledge.read_file(folder / "drafts" / "club.yaml")
    assert (passage.source.title, passage.text) == ("Chess club", "We meet on Tuesdays at seven.")
    article.write_bytes(b"\x00\x00\xfe\xff" + "# Chess club\n\nWe meet at seven.\n".encode("utf-32-be"))
    big_endian = Draft("introduction-1", "Introduction", "We meet at seven.")
    assert drafts_of(articles.read(article)) == ("Chess club", [big_endian])


MHTML = """From: <Saved by Blink>
Snapshot-Content-Location: https://example.org/faq
Subject: Library FAQ
MIME-Version: 1.0
Content-Type: multipart/related;
\ttype="text/html";
\tboundary="----MultipartBoundary--abc123----"


------MultipartBoundary--abc123----
Content-Type: text/html
Content-Transfer-Encoding: quoted-printable
Content-Location: https://example.org/faq

<!DOCTYPE html><html><head><title>Library FAQ</title></head><body><main><h1>L=
ibrary FAQ</h1><h2>Parking</h2><p>Bicycles go in the racks behind the libra=
ry. Cars park on Elm Street.</p></main></body></html>
------MultipartBoundary--abc123------
"""


def test_a_page_saved_as_a_single_file_is_read_or_refused_not_drafted_as_mime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Chrome's and Edge's "Webpage, Single File" (`.mhtml`) was drafted as plain text: its MIME headers
    and its quoted-printable HTML ("<h1>L= ibrary FAQ</h1>") became passages."""
    article = tmp_path / "saved.mhtml"
    article.write_text(MHTML, encoding="utf-8")
    folder = tmp_path / "knowledge"
    code, _ = kb(folder, "import", str(article))
    if code != 0:  # refused, as a PDF is: one line naming the file
        assert str(article) in capsys.readouterr().err
        return
    [draft] = sorted((folder / "drafts").glob("*.yaml"))
    said = " ".join(p.text for p, _ in knowledge.read_file(draft))
    assert "Content-Type" not in said and "<h1>" not in said
    assert "Bicycles go in the racks behind the library." in said


def test_a_single_file_page_is_known_by_its_headers_and_its_pages_own_charset(tmp_path: Path) -> None:
    """Internet Explorer's `.mht`, or one renamed `.txt`, in the charset the page names: read as the web page."""
    page = "<html><head><meta charset=windows-1252><title>Café</title></head><body><p>Crème brûlée is served.</p>"
    mime = MHTML.split("------MultipartBoundary--abc123----\n")[0].encode()
    part = b"------MultipartBoundary--abc123----\nContent-Type: text/html\n\n" + page.encode("cp1252")
    article = tmp_path / "saved.txt"
    article.write_bytes(mime + part + b"\n------MultipartBoundary--abc123------\n")
    assert drafts_of(articles.read(article)) == (
        "Café",
        [Draft("introduction-1", "Introduction", "Crème brûlée is served.")],
    )
    article.write_bytes(mime)
    with pytest.raises(FileError, match="with no web page in it"):
        articles.read(article)


def _mhtml(part_headers: str, page: bytes) -> bytes:
    """A page saved as a single file, as Chrome writes one: MIME headers, the page's part, the end."""
    head = (
        "From: <Saved by Blink>\nSubject: Club FAQ\nMIME-Version: 1.0\n"
        'Content-Type: multipart/related;\n\ttype="text/html";\n\tboundary="----B0UND----"\n\n\n'
        f"------B0UND----\n{part_headers}\n\n"
    )
    return head.encode() + page + b"\n------B0UND------\n"


def _texts(path: Path) -> list[tuple[str, str]]:
    """The (section, text) of each passage `kb import` would draft from the article at `path`."""
    _title, found = drafts_of(articles.read(path))
    return [(draft.section, draft.text) for draft in found]


CLUB_PAGE = b"<html><body><main><h1>Club FAQ</h1><h2>Fees</h2><p>We meet on Tuesdays at seven.</p></main></body></html>"


@pytest.mark.parametrize("charset", ["undefined", "punycode", "utf-8\x00", "x-no-such-charset"])
def test_a_saved_page_whose_charset_python_cannot_decode_with_is_refused_naming_the_file(
    tmp_path: Path, charset: str
) -> None:
    """A charset Python cannot decode a page with (`undefined`, `punycode`, a NUL) is refused as an unknown one is."""
    article = tmp_path / "saved.mhtml"
    article.write_bytes(_mhtml(f'Content-Type: text/html; charset="{charset}"', CLUB_PAGE))
    with pytest.raises(FileError) as refused:  # raised UnicodeError / ValueError: a traceback from `kb import`
        articles.read(article)
    assert str(refused.value).startswith(str(article))


def test_a_saved_page_labelled_iso_8859_1_is_read_as_browsers_read_it(tmp_path: Path) -> None:
    """A page labelled ISO-8859-1 is windows-1252 to browsers: its ’ € — “ ” are not C1 control characters."""
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "<title>Club FAQ</title></head><body><main><h1>Club FAQ</h1><h2>Fees</h2>"
        "<p>It’s 10 € a year — “cheap”.</p></main></body></html>"
    ).encode("cp1252")
    article = tmp_path / "saved.mhtml"
    article.write_bytes(_mhtml("Content-Type: text/html; charset=ISO-8859-1", page))
    # drafted as "It\x92s 10 \x80 a year \x97 \x93cheap\x94.", and `kb publish` made it live so
    assert _texts(article) == [("Fees", "It’s 10 € a year — “cheap”.")]


# A page in each family of charsets that Python's codec of the label's name decodes otherwise than
# browsers do: the label, the page's words, the bytes it is saved in.
_BROWSERS_CHARSETS = [
    ("gb2312", "朱镕基 10€", "朱镕基".encode("gbk") + b" 10\x80"),  # GBK's 镕, and its € in one byte
    ("x-gbk", "朱镕基 10€", "朱镕基".encode("gbk") + b" 10\x80"),
    ("euc-kr", "똠방각하", "똠방각하".encode("cp949")),  # windows-949's 똠
    ("ks_c_5601-1987", "똠방각하", "똠방각하".encode("cp949")),
    ("iso-8859-9", "İstanbul’da 10 € — “ucuz”", "İstanbul’da 10 € — “ucuz”".encode("cp1254")),  # windows-1254
    ("latin5", "İstanbul’da 10 € — “ucuz”", "İstanbul’da 10 € — “ucuz”".encode("cp1254")),
    ("tis-620", "ราคา 100 € … ‘ดี’", "ราคา 100 € … ‘ดี’".encode("cp874")),  # windows-874
    ("iso-8859-11", "ราคา 100 € … ‘ดี’", "ราคา 100 € … ‘ดี’".encode("cp874")),
    ("shift_jis", "営業時間 9:00～17:00 ①", "営業時間 9:00～17:00 ①".encode("cp932")),  # Windows' ～ and ①
    ("windows-31j", "営業時間 9:00～17:00 ①", "営業時間 9:00～17:00 ①".encode("cp932")),
    ("big5", "佢哋講嘢啱唔啱", "佢哋講嘢啱唔啱".encode("big5hkscs")),  # Big5-HKSCS's Cantonese
]


def _python_reads(data: bytes, label: str) -> str | None:
    """What Python's codec of the label's name makes of the bytes: None when it refuses them or has no such codec."""
    try:
        return data.decode(label)
    except (LookupError, UnicodeDecodeError):
        return None


@pytest.mark.parametrize("where", ["header", "meta", "http-equiv"])
@pytest.mark.parametrize(
    ("label", "words", "data"), _BROWSERS_CHARSETS, ids=[label for label, *_ in _BROWSERS_CHARSETS]
)
def test_a_saved_pages_charset_is_read_as_browsers_read_its_label(
    tmp_path: Path, where: str, label: str, words: str, data: bytes
) -> None:
    """A label was Python's codec of its name, not the encoding browsers read it as: gb2312, euc-kr refused the
    page; iso-8859-9, tis-620, shift_jis and big5 made other characters of it (the WHATWG Encoding Standard)."""
    assert _python_reads(data, label) != words  # the page is one a codec of the label's name misreads
    meta = {
        "header": b"",
        "meta": f"<meta charset={label.upper()}>".encode(),
        "http-equiv": f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'.encode(),
    }[where]
    page = b"<html><head>" + meta + b"<title>FAQ</title></head><body><main><h1>FAQ</h1><h2>Fees</h2><p>"
    header = f"Content-Type: text/html; charset={label}" if where == "header" else "Content-Type: text/html"
    article = tmp_path / "saved.mhtml"
    article.write_bytes(_mhtml(header, page + data + b"</p></main></body></html>"))
    assert _texts(article) == [("Fees", words)]


@pytest.mark.parametrize(
    ("label", "words", "data"), _BROWSERS_CHARSETS, ids=[label for label, *_ in _BROWSERS_CHARSETS]
)
def test_a_web_page_not_in_utf_8_is_read_in_the_charset_its_markup_names(
    tmp_path: Path, label: str, words: str, data: bytes
) -> None:
    """A page saved as "HTML only" keeps its charset (a Chinese page GBK): it was refused as "not UTF-8 text"."""
    page = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={label}">'.encode()
    article = tmp_path / "faq.html"
    article.write_bytes(page + b"</head><body><main><h1>FAQ</h1><h2>Fees</h2><p>" + data + b"</p></main></body></html>")
    assert _texts(article) == [("Fees", words)]


def test_a_web_page_whose_bytes_are_not_in_the_charset_it_names_is_refused_naming_the_file(tmp_path: Path) -> None:
    """A page not in the charset it names, or not UTF-8 and naming none, is refused in one line naming the file."""
    article = tmp_path / "faq.html"
    article.write_bytes(b"<html><head><meta charset=euc-kr></head><body><p>Caf\xe9 \xff</p></body></html>")
    with pytest.raises(FileError, match="its web page is not euc-kr text, as it says; save it as UTF-8") as refused:
        articles.read(article)
    assert str(refused.value).startswith(str(article))
    for head in (b"<html><head>", b"<html><head><meta charset=utf-8>"):
        article.write_bytes(head + b"</head><body><p>Caf\xe9 au lait.</p></body></html>")
        with pytest.raises(FileError, match="not UTF-8 text"):
            articles.read(article)


@pytest.mark.parametrize("charset", ["iso-2022-kr", "hz-gb-2312", "csiso2022kr"])
def test_a_saved_page_in_a_charset_browsers_do_not_read_is_refused_naming_the_file(
    tmp_path: Path, charset: str
) -> None:
    """A charset browsers show as one "�" (the standard's "replacement": ISO-2022-KR, HZ) is refused in one line."""
    article = tmp_path / "saved.mhtml"
    article.write_bytes(_mhtml(f"Content-Type: text/html; charset={charset}", CLUB_PAGE))
    with pytest.raises(FileError, match="which browsers do not read") as refused:
        articles.read(article)
    assert str(refused.value).startswith(str(article))


def test_a_saved_pages_utf_16_label_in_its_markup_is_utf_8_and_a_byte_order_mark_comes_first(tmp_path: Path) -> None:
    """A page that names UTF-16 in its ASCII markup is UTF-8 to a browser, and a byte-order mark outranks any label."""
    article = tmp_path / "saved.mhtml"
    page = "<html><head><meta charset=utf-16></head><body><main><h2>Fees</h2><p>Ten euros (10 €).</p></main></body>"
    article.write_bytes(_mhtml("Content-Type: text/html", page.encode("utf-8")))
    assert _texts(article) == [("Fees", "Ten euros (10 €).")]
    article.write_bytes(_mhtml("Content-Type: text/html; charset=windows-1252", b"\xef\xbb\xbf" + page.encode()))
    assert _texts(article) == [("Fees", "Ten euros (10 €).")]


def test_a_notice_of_a_saved_page_names_a_line_of_the_file_it_is_at(tmp_path: Path) -> None:
    """A notice of an .mhtml names the line of that file it is at, not the line of the page inside it."""
    page = (
        b"<html><head><title>Club FAQ</title></head><body><main>\n<h1>Club FAQ</h1>\n<h2>Fees</h2>\n"
        b"<p>The fee is ten euros a year.</p>\n<!-- old fees\n<h2>Parking</h2>\n<p>Park behind the hall.</p>\n"
        b"</main></body></html>"
    )
    article = tmp_path / "saved.mhtml"
    article.write_bytes(_mhtml("Content-Type: text/html", page))
    [notice] = articles.read(article).notices
    at = next(n for n, line in enumerate(article.read_text(encoding="utf-8").split("\n"), 1) if "<!--" in line)
    assert notice.line == at  # said line 5 of saved.mhtml, which is its "Content-Type: multipart/related" header


def test_a_web_page_saved_under_an_mhtml_name_is_still_read_as_the_page_it_is(tmp_path: Path) -> None:
    """An HTML page named `.mhtml` was read as the page it is; now it is refused, "with no web page in it"."""
    article = tmp_path / "saved.mhtml"
    article.write_bytes(b"<!DOCTYPE html>\n" + CLUB_PAGE)
    assert _texts(article) == [("Fees", "We meet on Tuesdays at seven.")]


def test_a_word_document_is_named_as_such(tmp_path: Path) -> None:
    """A .docx (a ZIP inside) is refused as a Word document, with what to save it as."""
    article = tmp_path / "faq.docx"
    article.write_bytes(b"PK\x03\x04\x14\x00\x06\x00word/document.xml")
    with pytest.raises(FileError, match="a Word document, not a text article; save it as plain text, Markdown"):
        import_article(article, knowledge_copy(tmp_path))


def test_a_folder_is_refused_by_name(tmp_path: Path) -> None:
    """Giving a folder instead of an article says so and names it."""
    with pytest.raises(FileError, match="is a folder") as raised:
        import_article(tmp_path, knowledge_copy(tmp_path))
    assert str(raised.value).startswith(str(tmp_path))


def test_ids_are_unique_across_the_knowledge_folder(tmp_path: Path) -> None:
    """Two articles without sub-headings do not both get `introduction-1` (drafts count as taken)."""
    seed_kdir = knowledge_copy(tmp_path)
    for name in ("first.txt", "second.txt"):
        (tmp_path / name).write_text(f"This is the {name} article. It has no headings at all.", encoding="utf-8")
        import_article(tmp_path / name, seed_kdir)
    found = {p.source.title: p.id for p in (*_drafted(seed_kdir, "first"), *_drafted(seed_kdir, "second"))}
    assert found == {"First": "introduction-1", "Second": "introduction-2"}


def test_two_articles_of_one_name_are_refused_by_the_article_that_came_second(tmp_path: Path) -> None:
    """`faq.rst` then `faq.md` both make drafts/faq.yaml: the error named the draft, not which article failed."""
    folder = tmp_path / "knowledge"
    for name in ("faq.rst", "faq.md"):
        (tmp_path / name).write_text("# FAQ\n\nMembers meet on Fridays.\n", encoding="utf-8")
    import_article(tmp_path / "faq.rst", folder)
    with pytest.raises(FileError) as refused:
        import_article(tmp_path / "faq.md", folder)
    assert str(refused.value).startswith(f"{tmp_path / 'faq.md'}: its draft {folder / 'drafts' / 'faq.yaml'} already")


def test_articles_named_in_chinese_and_japanese_each_get_a_draft(tmp_path: Path) -> None:
    """`kb import docs/*.md` of a community that names its files in its own script: every name was the
    draft `article.yaml`, so all but the first were refused (and the hint, `--update`, would replace it)."""
    first, second = tmp_path / "常见问题.md", tmp_path / "よくある質問.md"
    first.write_text("# 常见问题\n\n## 会员\n\n会员费每年十欧元。\n", encoding="utf-8")
    second.write_text("# よくある質問\n\n## 駐車場\n\n駐車場はありません。\n", encoding="utf-8")
    folder = tmp_path / "knowledge"
    code, _ = kb(folder, "import", str(first), str(second))
    assert code == 0
    assert len(sorted((folder / "drafts").glob("*.yaml"))) == 2


def test_a_name_no_id_can_spell_is_named_after_the_title_or_article_and_never_updated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The title names the draft when the file's name cannot (`bicycles--1.yaml`), else `article`, numbered apart
    from every name an article's own spells; `--update` is refused: such a name is made up, no live file is its."""
    folder = tmp_path / "knowledge"
    (folder / "drafts").mkdir(parents=True)
    (folder / "article.yaml").write_text("source: {title: Old}\npassages: []\n", encoding="utf-8")
    for name, text in [
        ("自行车.md", "# Bicycles\n\nRacks are behind the hall.\n"),
        ("会员.md", "会员费每年十欧元。\n"),
    ]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        code, said = kb(folder, "import", str(tmp_path / name))
        assert code == 0 and "--update" not in said
    assert sorted(p.name for p in (folder / "drafts").glob("*.yaml")) == ["article--1.yaml", "bicycles--1.yaml"]
    capsys.readouterr()
    assert kb(folder, "import", str(tmp_path / "自行车.md"), "--update")[0] == 2
    assert "name the article after the live file it replaces" in capsys.readouterr().err


def test_an_article_is_not_offered_update_of_a_file_another_article_was_named_after(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A live file named after another article's title is not offered to `faq.md` as its own to `--update`."""
    chinese, english = tmp_path / "常见问题.md", tmp_path / "faq.md"
    chinese.write_text("# FAQ\n\n## 会员\n\n会员费每年十欧元。\n", encoding="utf-8")
    english.write_text("# FAQ\n\n## Fees\n\nThe fee is ten euros a year.\n", encoding="utf-8")
    folder = tmp_path / "knowledge"
    assert kb(folder, "import", str(chinese))[0] == 0
    assert kb(folder, "publish", "faq--1")[0] == 0  # (the review published `faq`: a title's name is apart now)
    capsys.readouterr()
    code, _ = kb(folder, "import", str(english))
    # refused: "the live file faq.yaml already exists; ... (`kb import --update` makes a new version of it)";
    # following the hint replaced the Chinese FAQ with the English one ("It replaced the earlier version")
    assert code == 0 or "--update" not in capsys.readouterr().err
    assert code == 0 and sorted(p.name for p in folder.glob("*.yaml")) == ["faq--1.yaml"]
    assert kb(folder, "publish", "faq")[0] == 0 and sorted(p.name for p in folder.glob("*.yaml")) == [
        "faq--1.yaml",
        "faq.yaml",
    ]


def not_utf8_name(tmp_path: Path, stem: bytes, suffix: str) -> Path:
    """A file name holding a Latin-1 byte, as an archive made on Windows unpacks on Linux."""
    return tmp_path / os.fsdecode(stem + suffix.encode())


def test_an_article_whose_file_name_is_not_utf8_drafts_a_file_that_loads(tmp_path: Path) -> None:
    """An article without a heading, its file named `caf\\xe9.txt`, is drafted with a title that can be read back."""
    article = not_utf8_name(tmp_path, b"caf\xe9", ".txt")
    article.write_text("We meet on Tuesdays at seven. Bring a mug.\n", encoding="utf-8")
    folder = tmp_path / "knowledge"
    assert kb(folder, "import", str(article))[0] == 0
    [draft] = sorted((folder / "drafts").glob("*.yaml"))
    passages = knowledge.read_file(draft)  # raised: invalid YAML, "found invalid Unicode character escape code"
    assert passages and "\udce9" not in passages[0][0].source.title
    assert passages[0][0].source.title == "Caf\ufffd"  # the byte no name in UTF-8 has, as an editor shows it


def test_an_article_with_a_warning_and_a_file_name_not_utf8_is_drafted_without_a_traceback(tmp_path: Path) -> None:
    """A warning kept in the draft's header names the file; a name not in UTF-8 must not crash the import."""
    article = not_utf8_name(tmp_path, b"caf\xe9", ".md")
    article.write_text("---\ntitle: [broken\n---\n\n# Caf\n\nWe meet on Tuesdays at seven.\n", encoding="utf-8")
    folder = tmp_path / "knowledge"
    code, _ = kb(folder, "import", str(article))  # raised UnicodeEncodeError from write_atomic
    assert code == 0
    [draft] = sorted((folder / "drafts").glob("*.yaml"))
    assert knowledge.read_file(draft)
    assert "# Review: caf\ufffd.md:2: " in draft.read_text(encoding="utf-8")


def test_a_knowledge_folder_whose_name_is_not_utf8_is_printed_escaped_not_as_a_traceback(tmp_path: Path) -> None:
    """On a terminal that takes only UTF-8, "wrote 1 draft passage to k\\xe9/drafts/..." raised UnicodeEncodeError."""
    article = tmp_path / "club.md"
    article.write_text("# Club\n\nWe meet on Tuesdays at seven.\n", encoding="utf-8")
    shown = io.BytesIO()
    terminal = io.TextIOWrapper(shown, encoding="utf-8", errors="strict", write_through=True)
    folder = not_utf8_name(tmp_path, b"k\xe9", "")
    assert main(["kb", "import", str(article), "--knowledge", str(folder)], out=terminal) == 0
    said = shown.getvalue().decode("utf-8")
    assert f"wrote 1 draft passage to {tmp_path}/k\\udce9/drafts/club.yaml" in said


def test_korean_and_unspellable_sections_get_readable_ids() -> None:
    """A Korean section is romanized, never `10` or `passage`; a Chinese one uses the file's name."""
    article = articles.from_markdown(
        "# 안내\n\n## 10월 모임\n\n모임은 도서관에서 열립니다.\n\n"
        "## 常见问题\n\n请在前台登记。\n\n## Москва\n\nВстреча в центре."
    )
    _, found = drafts_of(article, fallback="library-faq")
    assert [d.id for d in found] == ["10wol-moim-1", "library-faq-1", "moskva-1"]
    assert all(ID_PATTERN.match(d.id) for d in found)


def test_plain_text_headings_underlined_or_in_wiki_marks_become_sections(tmp_path: Path) -> None:
    """A .txt saved from a wiki or written by hand: `== History ==` and a line underlined with === or ---
    are headings, not text."""
    title, found = _imported(
        tmp_path / "glacier.txt",
        "Glacier\n=======\n\nA glacier is a persistent body of dense ice.\n\n"
        "== Etymology ==\n\nThe word glacier is a loanword from French.\n\n"
        "Usage\n-----\n\nIt is used in geology.\n",
    )
    assert title == "Glacier"
    assert [(d.section, d.text) for d in found] == [
        ("Introduction", "A glacier is a persistent body of dense ice."),
        ("Etymology", "The word glacier is a loanword from French."),
        ("Usage", "It is used in geology."),
    ]


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("Guide\n=====\nInstall\n-------\nRun make.\n", [(True, "Guide"), (True, "Install"), (False, "Run make.")]),
        (
            "We meet at the library\non Main Street.\n---\nMore.\n",
            [(False, "We meet at the library on Main Street. --- More.")],
        ),
        ("Name    Price\n----    -----\nTea     2\n", [(False, "Name Price ---- ----- Tea 2")]),
    ],
)
def test_an_underline_under_a_block_s_first_line_or_a_heading_only(text: str, blocks: list[tuple[bool, str]]) -> None:
    """The last line of a paragraph over a rule, and a text table's header, are no headings (a reviewer's)."""
    assert [(b.heading, b.text) for b in articles.from_text(text).blocks] == blocks


def test_a_text_readme_with_gapped_underlines_and_no_title(tmp_path: Path) -> None:
    """A game's README of text: its first line a date, a table of contents, "1.0) About" over "---- -----"
    with the text right under it, and a list opened by a wrapped line. Every heading was glued to its text
    in one "Introduction", and "Last updated: 2026-02-15" was the title of every citation."""
    page = (
        "Last updated:    2026-02-15\n" + "-" * 40 + "\n\n\nTable of contents\n-----------------\n"
        "1.0) About\n2.0) Reporting bugs\n\n1.0) About\n---- -----\nOpenRCT2 is a park game.\n\n"
        "2.0) Reporting bugs\n---- --------------\nAfter that you can report it. Please include the\n"
        "following in your report:\n * The game's version\n * How to reproduce it, with\n   a saved game\n"
    )
    title, found = _imported(tmp_path / "distribution-readme.txt", page)
    assert title is None  # the file's name, when it is imported
    assert [(d.section, d.text) for d in found] == [
        ("1.0) About", "OpenRCT2 is a park game."),
        (
            "2.0) Reporting bugs",
            "After that you can report it. Please include the following in your report:\n"
            "• The game's version\n• How to reproduce it, with a saved game",
        ),
    ]


def test_a_title_with_a_colon_and_a_year_is_still_a_title(tmp_path: Path) -> None:
    """A title holding a colon and a year is still a title; a heading that is a field (Version:, Updated:) is not."""
    assert _imported(tmp_path / "roadmap.md", "# Roadmap: 2025 and beyond\n\nWe ship twice a year.\n")[0] == (
        "Roadmap: 2025 and beyond"
    )
    for field in ("Version: 1.2.3-beta", "Updated: 15 Feb 2026"):
        assert _imported(tmp_path / "notes.md", f"# {field}\n\nWe ship twice a year.\n")[0] is None


HONEY_LINES = [
    "Honey is a sweet food made by bees. Bees make it from the nectar of flowers.",
    "It keeps for years. Jars of it were found in Egyptian tombs, still good to eat.",
    "Beekeepers harvest it from hives. They leave some for the bees in winter.",
]


def test_text_saved_one_paragraph_a_line_gives_a_passage_a_line_under_its_headings(tmp_path: Path) -> None:
    """Many editors and exports save a paragraph a line with no blank line between: each line is a
    paragraph, and the short lines among them (the title, a section) are headings."""
    title, found = _imported(tmp_path / "honey.txt", "\n".join(["Honey", *HONEY_LINES[:2], "Harvest", HONEY_LINES[2]]))
    assert title == "Honey"
    assert [(d.section, d.text) for d in found] == [
        ("Introduction", HONEY_LINES[0]),
        ("Introduction", HONEY_LINES[1]),
        ("Harvest", HONEY_LINES[2]),
    ]


FAQ_LAYOUTS = {
    # questions on their own lines, each answer on the line under it, no blank lines
    "a question a line": (
        "Library FAQ\nWhen is the library open?\nThe library is open from nine to five on weekdays.\n"
        "Can I bring food?\nNo food is allowed in the reading rooms.\n",
        [
            ("When is the library open?", "The library is open from nine to five on weekdays."),
            ("Can I bring food?", "No food is allowed in the reading rooms."),
        ],
    ),
    # each question on a line over its answer, a blank line between entries; the answer one
    # sentence, several, or wrapped over several lines
    "a question over each answer": (
        "Library FAQ\n\nDo I need a card?\nNo, anyone may read here.\n\n"
        "What if I am late?\nThe doors close at five sharp. Call the desk.\n\n"
        "Can I bring a friend?\nYes, guests may read here for free before\nbecoming members.\n",
        [
            ("Do I need a card?", "No, anyone may read here."),
            ("What if I am late?", "The doors close at five sharp. Call the desk."),
            ("Can I bring a friend?", "Yes, guests may read here for free before becoming members."),
        ],
    ),
}


@pytest.mark.parametrize(("faq", "expected"), FAQ_LAYOUTS.values(), ids=FAQ_LAYOUTS.keys())
def test_a_faq_in_plain_text_gives_each_answer_under_its_question(faq: str, expected: list[tuple[str, str]]) -> None:
    """A FAQ in plain text, in each layout, gives each answer under its own question."""
    title, found = drafts(faq)
    assert title == "Library FAQ"
    assert [(d.section, d.text) for d in found] == expected


def test_wrapped_prose_with_questions_on_lines_of_their_own_stays_one_paragraph() -> None:
    """Two lines that happen to be whole questions do not make wrapped text a FAQ."""
    text = (
        "Many people ask about the hills and the club\nwho walks them on the weekends of the year.\n"
        "Who walks the hills on weekends?\nThe answer surprised them, because it was not the young but the "
        "retired who\ncame most often.\nWhy would that be?\nPerhaps they simply have more time than others.\n"
    )
    [draft] = drafts(text)[1]
    assert draft.text == " ".join(text.split())


def test_a_link_whose_address_holds_brackets_keeps_all_of_it() -> None:
    """A Markdown link whose address holds brackets keeps the whole address."""
    said = articles.inline_markdown("See [Python](https://docs.example.org/Python_(language)).")
    assert said == "See Python (https://docs.example.org/Python_(language))."


MARKDOWN_LINKS = {
    "a web page": ("Read [the install guide](https://example.org/install) first.",
                   "Read the install guide (https://example.org/install) first."),
    "an email address": ("Or [email us](mailto:help@example.org).", "Or email us (help@example.org)."),
    "a phone number": ("[Call the desk](tel:+44-20-7946-0000).", "Call the desk (+44-20-7946-0000)."),
    "a title after the address": ('[Rules](https://example.org/rules "House rules") apply.',
                                  "Rules (https://example.org/rules) apply."),
    "text that says where already": ("Go to [www.example.org](https://www.example.org/).", "Go to www.example.org."),
    "a page of the same site": ("See [the guide](../docs/guide.md).", "See the guide."),
    "a wiki's other article": ("Made of [ice](https://en.wikipedia.org/wiki/Ice).", "Made of ice."),
    "an image": ("![The logo](https://example.org/logo.png) Welcome.", "The logo Welcome."),
    "a wiki's prose of links": ("[Ice](https://w.org/Ice) and [snow](https://w.org/Snow) make [glaciers](https://w.org/G).",
                                "Ice and snow make glaciers."),
}  # fmt: skip


@pytest.mark.parametrize(("markdown", "plain"), MARKDOWN_LINKS.values(), ids=MARKDOWN_LINKS.keys())
def test_a_link_keeps_where_it_leads_when_a_chat_reply_needs_it(markdown: str, plain: str) -> None:
    """A reply in chat cannot be clicked: "email us" must say which address, unless the paragraph is a wiki's
    cross-references (more than two links) or the link stays within the site."""
    assert articles.inline_markdown(markdown) == plain


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("Photos go to `library/<user>/<year>/` by default.", "Photos go to library/<user>/<year>/ by default."),
        ("Run `rm *.tmp *.bak` or ``a_b_c`` then **go**.", "Run rm *.tmp *.bak or a_b_c then go."),
        ("Not a link: `[x](https://example.org)`.", "Not a link: [x](https://example.org)."),
    ],
)
def test_code_is_kept_as_written(markdown: str, plain: str) -> None:
    """Inside code, `<user>` is a placeholder of a path, not a tag, and `*` a wildcard, not emphasis: it was
    "library////"."""
    assert articles.inline_markdown(markdown) == plain


def test_a_guides_code_is_kept_under_the_line_that_introduces_it(tmp_path: Path) -> None:
    """A fenced block is code, kept line by line (its indent dropped), fenced, under the paragraph before it:
    the commands were left out, and "To update, pull the new images:" was a passage that said nothing. Code
    straight under a heading is a passage of its own; a fence left open runs to the end."""
    page = (
        "# Guide\n\n## Update\n\nTo update, pull the new images:\n\n```sh\n    docker compose pull\n"
        "    docker compose up -d   \n```\n\nMigrations run on their own.\n\n"
        "## Logs\n\n~~~\ndocker compose logs\n~~~\n\n"
        "## Reset\n\nRun:\n\n```\nshutterbox reset --admin\n"
    )
    found = _imported(tmp_path / "guide.md", page)[1]
    assert [(d.id, d.text) for d in found] == [
        (
            "update-1",
            "To update, pull the new images:\n```\ndocker compose pull\ndocker compose up -d\n```\n\n"
            "Migrations run on their own.",
        ),
        ("logs-1", "```\ndocker compose logs\n```"),
        ("reset-1", "Run:\n```\nshutterbox reset --admin\n```"),
    ]


def test_code_indented_under_a_paragraph_is_kept_as_code(tmp_path: Path) -> None:
    """Markdown's first way of writing code, four spaces in (Homebrew's docs): each command was a
    passage of its own, apart from the line that introduces it, and `brew upgrade <formula>` lost its
    placeholder as a tag. An indented line that goes on a paragraph is text; under a list item, code is
    indented four more than the item's text."""
    page = (
        "# FAQ\n\n## How do I update my local packages?\n\nFirst update Homebrew itself:\n\n    brew update\n\n"
        "Or upgrade a specific formula with:\n\n    brew upgrade <formula>\n\tbrew upgrade --greedy\n\n"
        "## Notes\n\nThis line\n    goes on here.\n\n1. Install it:\n\n        brew install foo\n"
    )
    found = _imported(tmp_path / "faq.md", page)[1]
    assert [d.text for d in found] == [
        "First update Homebrew itself:\n```\nbrew update\n```\n\n"
        "Or upgrade a specific formula with:\n```\nbrew upgrade <formula>\nbrew upgrade --greedy\n```",
        "This line goes on here.\n\nInstall it:\n```\nbrew install foo\n```",  # an item alone is a paragraph
    ]


def test_short_steps_with_code_are_one_passage_and_prose_keeps_its_paragraphs(tmp_path: Path) -> None:
    """An answer written as one-line paragraphs, each with its command, is one passage up to
    SHORT_PASSAGE_CHARS: the bot answered "how do I keep old versions?" with the paragraph before the
    command that does it. Paragraphs without code stay passages of their own (an encyclopedia's short
    paragraphs are each a fact), and so does a step past the limit."""
    steps = "".join(f"Step {n} of the upgrade:\n\n    brew step{n}\n\n" for n in range(1, 13))
    page = (
        "# FAQ\n\n## Old versions\n\nHomebrew removes old versions after an upgrade.\n\n"
        "To keep them:\n\n    export HOMEBREW_NO_INSTALL_CLEANUP=1\n\n"
        "## History\n\nHomebrew began in 2009.\n\nIt moved to GitHub later.\n\n## Upgrade\n\n" + steps
    )
    found = _imported(tmp_path / "faq.md", page)[1]
    assert [d.text for d in found[:3]] == [
        "Homebrew removes old versions after an upgrade.\n\n"
        "To keep them:\n```\nexport HOMEBREW_NO_INSTALL_CLEANUP=1\n```",
        "Homebrew began in 2009.",
        "It moved to GitHub later.",
    ]
    upgrade = [d for d in found if d.section == "Upgrade"]
    assert len(upgrade) > 1 and all(len(d.text) <= SHORT_PASSAGE_CHARS for d in upgrade)
    assert "".join(d.text for d in upgrade).count("brew step") == 12


def test_a_footnote_goes_to_the_end_of_the_section_that_cites_it(tmp_path: Path) -> None:
    """The notes at a page's foot were passages of its last section, their marks left in the text ("2 macOS
    14 (Sonoma) or higher is best", cited under "Uninstallation"); a GitHub footnote's text was left out as a
    link definition. Each now ends the section that first cites it, its mark dropped; one nothing cites stays."""
    page = (
        "# Install\n\n## Requirements\n\n* A 64-bit CPU <sup>[1](#1)</sup>\n* macOS 14 or higher<sup>[2](#2)</sup>\n\n"
        "Also a shell[^sh].\n\n## Uninstallation\n\nSee the FAQ.\n\n"
        '<a data-proofer-ignore name="1"><sup>1</sup></a> For 32-bit support see MacPorts.\n\n'
        '<a name="2"><sup>2</sup></a> macOS 13 may work but is unsupported.\n\n'
        "[^sh]: Bash, that is.\n    Zsh will not run the installer.\n\n[^x]: Never cited.\n"
    )
    found = _imported(tmp_path / "install.md", page)[1]
    assert [(d.section, d.text) for d in found] == [
        ("Requirements", "• A 64-bit CPU\n• macOS 14 or higher"),
        ("Requirements", "Also a shell."),
        ("Requirements", "For 32-bit support see MacPorts."),
        ("Requirements", "macOS 13 may work but is unsupported."),
        ("Requirements", "Bash, that is. Zsh will not run the installer."),
        ("Uninstallation", "See the FAQ."),
        ("Uninstallation", "Never cited."),
    ]


RST_FAQ = """\
.. _faq:

==========================
Frequently Asked Questions
==========================

.. contents:: Table of contents
   :local:

What is Widget?
---------------

Widget makes widgets. See :doc:`the install guide <install>` or the `website <https://widget.example.org>`_.

.. note::
   Widget needs Python 3.9 or newer.

How do I install it?
--------------------

Install it with pip::

    pip install widget

Then run ``widget init``.

.. code-block:: bash

   widget serve --port 8000

.. image:: logo.png
   :alt: logo
"""


def test_restructured_text_is_read_as_the_markdown_it_says(tmp_path: Path) -> None:
    """A Sphinx project's FAQ (`.rst`) was read as plain text: "``widget init``" and ":doc:" leaked into its
    passages, and a code line was a heading. Titles are underlined, "::" opens code, a note is a paragraph,
    images, tables of contents and link targets are left out; roles keep their text, a web link its address."""
    title, found = _imported(tmp_path / "faq.rst", RST_FAQ)
    assert title == "Frequently Asked Questions"
    assert [(d.section, d.text) for d in found] == [
        (
            "What is Widget?",  # a FAQ's answer is one passage (see test_a_faq_answer_is_one_passage)
            "Widget makes widgets. See the install guide or the website (https://widget.example.org).\n\n"
            "Widget needs Python 3.9 or newer.",
        ),
        (
            "How do I install it?",
            "Install it with pip:\n```\npip install widget\n```\n\nThen run widget init.\n"
            "```\nwidget serve --port 8000\n```",
        ),
    ]


FAQ_AND_GUIDE = """\
# Sync FAQ

## I see "folder marker missing". What do I do?

Syncthing keeps a marker in each folder to know the folder is healthy.

If you unmounted the folder, you must remount it for syncing to resume.

## How do I read the logs?

{long}

## Folders

A folder is synced with the devices you share it with.

A folder can be paused.
"""


def test_a_faq_answer_is_one_passage(tmp_path: Path) -> None:
    """Under a FAQ's question the answer's paragraphs are one passage, up to a passage's length: the
    explanation and the fix had been two passages, and the bot answered "folder marker missing"
    with the explanation alone. Elsewhere a paragraph is a passage, as before."""
    long = "\n\n".join(
        f"Step {n} of reading the logs is described in this long paragraph number {n}." * 3 for n in range(6)
    )
    _, found = _imported(tmp_path / "faq.md", FAQ_AND_GUIDE.format(long=long))
    passages = [(d.section, d.text) for d in found]
    marker = [t for s, t in passages if s.startswith("I see")]
    assert marker == [
        "Syncthing keeps a marker in each folder to know the folder is healthy.\n\n"
        "If you unmounted the folder, you must remount it for syncing to resume."
    ]
    logs = [t for s, t in passages if s == "How do I read the logs?"]
    assert len(logs) == 2 and all(len(t) <= 1000 for t in logs)  # a long answer in passages of a passage's length
    assert [t for s, t in passages if s == "Folders"] == [
        "A folder is synced with the devices you share it with.",
        "A folder can be paused.",
    ]


REFERENCE = """\
# Configuration

## Settings

### `cache-dir`

**Type**: `string`

**Environment Variable**: `POETRY_CACHE_DIR`

The path to the cache directory used by Poetry.

- macOS: `~/Library/Caches/pypoetry`
- Unix: `~/.cache/pypoetry`

### Notes

Note: settings are read at start.

Settings written in the local file win.
"""


def test_a_reference_entry_of_fields_is_one_passage(tmp_path: Path) -> None:
    """A setting's entry (Poetry's configuration page): its fields and what it does are one passage.
    "Type: string" had been a passage of its own, like every field of the page's 40 settings. One
    line that reads like a field ("Note: ...") leaves a section's paragraphs as they were."""
    _, found = _imported(tmp_path / "configuration.md", REFERENCE)
    passages = [(d.section, d.text) for d in found]
    assert passages == [
        (
            "cache-dir",
            "Type: string\n\nEnvironment Variable: POETRY_CACHE_DIR\n\n"
            "The path to the cache directory used by Poetry.\n"
            "• macOS: ~/Library/Caches/pypoetry\n• Unix: ~/.cache/pypoetry",
        ),
        ("Notes", "Note: settings are read at start."),
        ("Notes", "Settings written in the local file win."),
    ]


def test_a_readme_s_html_title_badges_and_pictures(tmp_path: Path) -> None:
    """A game's README: its title an HTML <h1> (the file's name, "Readme", was the title), a screenshot's
    description as a passage, and a table of Discord invites as badges, which read "Discord Discord"."""
    page = (
        '<h1 align="center">OpenRCT2</h1>\n\n![Still from the title sequence](https://x.org/still.png)\n\n'
        "### Chat\n\nChat takes place on Discord.\n\n| Language | Help | Developer |\n|---|---|---|\n"
        "| English | [![Discord](https://img.io/a.svg)](https://discord.gg/ZXZ) [![Discord](https://img.io/b.svg)]"
        "(https://discord.gg/vJA) | [![Discord](https://img.io/c.svg)](https://discord.gg/fsE) |\n"
    )
    title, found = _imported(tmp_path / "readme.md", page)
    assert title == "OpenRCT2"
    assert [(d.section, d.text) for d in found] == [
        ("Chat", "Chat takes place on Discord."),
        (
            "Chat",
            "Language: English, Help: Discord (https://discord.gg/ZXZ) Discord (https://discord.gg/vJA), "
            "Developer: Discord (https://discord.gg/fsE).",
        ),
    ]


def test_a_lead_set_as_a_heading_is_a_paragraph(tmp_path: Path) -> None:
    """A blog post's first "##" was three sentences: the section of its every passage, in every citation,
    and every topic button read the same 170 characters. A long question is still a heading."""
    lead = "If you want to network at the conference, then you should volunteer. No, really, sign up now. It helps."
    asked = "How do I get a refund for a ticket that I bought for a friend? And what if they cannot come at all?"
    page = (
        f"---\ntitle: Volunteering\n---\n\n## {lead}\n\nOrganizers remember volunteers.\n\n## {asked}\n\nWrite to us.\n"
    )
    title, found = _imported(tmp_path / "volunteer.md", page)
    assert title == "Volunteering"
    assert [(d.section, d.text) for d in found] == [
        ("Introduction", lead),
        ("Introduction", "Organizers remember volunteers."),
        (asked, "Write to us."),
    ]


def test_a_faq_that_quotes_its_questions_has_them_as_sections(tmp_path: Path) -> None:
    """A plugin guide's FAQ wrote each question as a quote over its answer: each question was a passage
    cut off from its answer, and "why javascript and not lua" got the question back. A quote that
    asks nothing stays a paragraph."""
    page = (
        "# Scripting\n\n## FAQ\n\n> Why was JavaScript chosen instead of LUA or Python.\n\n"
        "JavaScript is mature and has a large resource base.\n\n---\n\n> How safe are\n> scripts?\n\n"
        "Scripts run in a sandbox.\n\n> Scripts are fun, said a player.\n\nThe end.\n\n"
        "> What we do for ourselves dies with us.\n\n> Do the right thing, even when no one is watching\n\n"
        "> How to reset my password.\n\nUse the link.\n"
    )
    found = _imported(tmp_path / "scripting.md", page)[1]
    assert [(d.section, d.text) for d in found] == [
        ("Why was JavaScript chosen instead of LUA or Python.", "JavaScript is mature and has a large resource base."),
        (  # a FAQ's answer is one passage (test_a_faq_answer_is_one_passage)
            "How safe are scripts?",
            "Scripts run in a sandbox.\n\nScripts are fun, said a player.\n\nThe end.\n\n"
            "What we do for ourselves dies with us.\n\nDo the right thing, even when no one is watching",
        ),
        ("How to reset my password.", "Use the link."),
    ]


def test_a_bold_note_of_sentences_is_a_paragraph_and_entities_are_their_characters(tmp_path: Path) -> None:
    """A line all in bold is a heading only when it is short and one sentence: a bold note of three sentences
    was a section cut off at 80 characters. "Jekyll &amp; macOS" was a heading, an id and a topic as written."""
    note = "**Note: From v3.3.0 on, Jekyll skips vendor. An exclude list overrides that. Keep the defaults.**"
    page = f"# Guide\n\n## Jekyll &amp; macOS\n\n{note}\n\n**Short bold heading**\n\nText under it &lt;here&gt;.\n"
    found = _imported(tmp_path / "guide.md", page)[1]
    assert [(d.id, d.section, d.text) for d in found] == [
        (
            "jekyll-macos-1",
            "Jekyll & macOS",
            "Note: From v3.3.0 on, Jekyll skips vendor. An exclude list overrides that. Keep the defaults.",
        ),
        ("short-bold-heading-1", "Short bold heading", "Text under it <here>."),
    ]


def test_a_pages_title_leaves_out_the_sites_name_and_its_edit_link_is_no_passage(tmp_path: Path) -> None:
    """ "Jekyll on macOS | Jekyll • Simple, blog-aware, static sites" was every citation's title, and "Improve
    this page" a passage offered as a topic."""
    page = (
        "<html><head><title>Jekyll on macOS | Jekyll • Simple, blog-aware, static sites</title></head><body><main>"
        "<h2>Install Ruby</h2><p>Use chruby to install Ruby 3.</p>"
        '<p><a href="https://github.com/jekyll/jekyll/edit/master/docs/macos.md">Improve this page</a></p>'
        "<p>Edit on GitHub</p></main></body></html>"
    )
    title, found = _imported(tmp_path / "macos.html", page)
    assert title == "Jekyll on macOS"
    assert [d.text for d in found] == ["Use chruby to install Ruby 3."]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # an anchor to link to is no footnote: its paragraph stays in its section
        (
            '# T\n\n## A\n\n<a id="top"></a>Welcome to the guide.\n\n## B\n\nOther.\n',
            [("A", "Welcome to the guide."), ("B", "Other.")],
        ),
        # a note of two paragraphs is one note, not a note and code
        (
            "# T\n\n## A\n\nSee this[^1].\n\n## B\n\nOther.\n\n[^1]: First part.\n\n    Second part of it.\n",
            [("A", "See this."), ("A", "First part. Second part of it."), ("B", "Other.")],
        ),
        # cited just before a colon, as a line that introduces code is
        (
            "# T\n\n## A\n\nRun it[^1]:\n\n    brew doctor\n\n## B\n\nOther.\n\n[^1]: Needs admin rights.\n",
            [("A", "Run it:\n```\nbrew doctor\n```\n\nNeeds admin rights."), ("B", "Other.")],
        ),
        # what only looks like a footnote or an attribute list is text
        (
            "# T\n\n## A\n\nMatch [^0-9] with {:ok, pid}.\n\nThis explains the protocol.\n{: .protocol}\n",
            [("A", "Match [^0-9] with {:ok, pid}."), ("A", "This explains the protocol.")],
        ),
        # after code indented under a list item, the item's next paragraph is text
        (
            "# T\n\n## Setup\n\n1. Install it:\n\n        brew install x\n\n"
            "    Then run the doctor.\n\n2. Open a shell.\n",
            [("Setup", "Install it:\n```\nbrew install x\n```\n\nThen run the doctor.\n\nOpen a shell.")],
        ),
        # Jekyll's highlight tags are a fence
        (
            "# T\n\n## A\n\nRun:\n\n{% highlight bash %}\njekyll serve\n{% endhighlight %}\n",
            [("A", "Run:\n```\njekyll serve\n```")],
        ),
    ],
)
def test_what_reads_like_a_note_an_attribute_or_code_is_read_as_it_is(
    tmp_path: Path, page: str, expected: list[tuple[str, str]]
) -> None:
    """A reviewer's cases: each of these lost or moved text."""
    assert [(d.section, d.text) for d in _imported(tmp_path / "page.md", page)[1]] == expected


def test_a_sites_markup_that_is_not_text_is_left_out(tmp_path: Path) -> None:
    """kramdown's "{:toc}" stands for the list item above it (a table of contents the site draws),
    "{: .note}" and "{#id}" are attributes, "{% include %}" a template's tag: "Table of Contents
    {:toc}" was a passage."""
    page = (
        "# FAQ\n\n* Table of Contents\n{:toc}\n\n## Setup {#setup}\n\nRun the installer.\n{: .note}\n\n"
        "{% include footer.html %}\n"
    )
    found = _imported(tmp_path / "faq.md", page)[1]
    assert [(d.section, d.text) for d in found] == [("Setup", "Run the installer.")]


def test_a_command_between_two_steps_stays_in_its_step_and_the_list_goes_on(tmp_path: Path) -> None:
    """Steps 1-2 with the command and steps 3-4 were two passages: a guide's list was cut at its first command."""
    page = (
        "# Install\n\n## Steps\n\n1. Make a folder.\n2. Download the files:\n\n   ```sh\n   curl -LO https://e.org/a.yml\n"
        "   ```\n\n3. Edit the settings.\n4. Start it.\n"
    )
    [steps] = _imported(tmp_path / "install.md", page)[1]
    assert steps.text == (
        "1. Make a folder.\n2. Download the files:\n```\ncurl -LO https://e.org/a.yml\n```\n3. Edit the settings.\n"
        "4. Start it."
    )


def test_code_that_shows_a_fence_keeps_it(tmp_path: Path) -> None:
    """A "````" block that shows Markdown holds "```python": the inner fence is code, not the block's end, and
    the passage fences the code with a longer fence than any it holds. A link in <pre> is code as written."""
    page = "# Docs\n\n## Writing code\n\nWrite:\n\n````markdown\n```python\nprint(1)\n```\n````\n\nThat is all.\n"
    found = _imported(tmp_path / "docs.md", page)[1]
    assert [d.text for d in found] == ["Write:\n````\n```python\nprint(1)\n```\n````\n\nThat is all."]
    html = (
        "<main><h2>Run</h2><pre>curl <a href='https://example.org/i.sh'>https://example.org/i.sh</a> | sh</pre></main>"
    )
    assert [d.text for d in _imported(tmp_path / "run.html", html)[1]] == [
        "```\ncurl https://example.org/i.sh | sh\n```"
    ]


def test_code_longer_than_a_passage_is_cut_between_lines_each_part_fenced(tmp_path: Path) -> None:
    """Code longer than a passage is cut between its lines, each part fenced, and no line is lost."""
    lines = [f"setting_{n} = {'x' * 60}" for n in range(120)]
    found = _imported(tmp_path / "config.md", "# Config\n\nThe whole file:\n\n```\n" + "\n".join(lines) + "\n```\n")[1]
    assert len(found) > 1 and all(len(d.text) <= 3000 for d in found)
    assert all(d.text.count("```") == 2 and d.text.endswith("\n```") for d in found)
    assert found[0].text.startswith("The whole file:\n```\nsetting_0 = ")
    kept = [line for d in found for line in d.text.split("\n") if line.startswith("setting_")]
    assert kept == lines


def test_a_web_pages_pre_is_code_kept_line_by_line(tmp_path: Path) -> None:
    """A web page's `<pre>` is code kept line by line, in a fence, with its entities decoded."""
    page = (
        "<html><body><main><h1>Guide</h1><h2>Update</h2><p>Then run:</p>"
        "<pre><code>docker compose pull\n  docker compose up -d &amp;&amp; echo ok\n</code></pre>"
        "<p>Done.</p></main></body></html>"
    )
    found = _imported(tmp_path / "guide.html", page)[1]
    assert [d.text for d in found] == [
        "Then run:\n```\ndocker compose pull\n  docker compose up -d && echo ok\n```\n\nDone.",
    ]


def test_a_heading_keeps_only_its_links_text() -> None:
    """A heading that is a link keeps only the link's text."""
    page = articles.from_markdown("# Guide\n\n## [Install](https://example.org/install)\n\nRun the installer.\n")
    assert [b.text for b in page.blocks] == ["Guide", "Install", "Run the installer."]


def test_a_web_page_keeps_the_addresses_of_a_paragraph_with_few_links() -> None:
    """A web page keeps the addresses of a paragraph with few links, and drops those of a paragraph made of links, of an
    image and of a link that is its own text."""
    page = articles.from_html(
        "<main><h2><a href='https://example.org/#plans'>Plans</a></h2>"
        "<p>Read <a href='https://example.org/install'>the guide</a> or "
        "<a href='mailto:help@example.org'>email us</a>.</p>"
        "<p><a href='/wiki/Ice'>Ice</a> and <a href='/wiki/Snow'>snow</a> make <a href='https://w.org/G'>glaciers</a>.</p>"
        "<p><a href='https://example.org/shop'><img src='cart.png'></a> Go to "
        "<a href='https://example.org'>example.org</a>.</p></main>"
    )
    assert [b.text for b in page.blocks] == [
        "Plans",
        "Read the guide (https://example.org/install) or email us (help@example.org).",
        "Ice and snow make glaciers.",
        "Go to example.org.",
    ]


def test_a_paragraph_whose_first_sentence_asks_stays_one_paragraph() -> None:
    """A question that does not stand on a line of its own is the paragraph's first sentence."""
    text = "Why does honey keep? It holds little water,\nand bees add an enzyme that makes it acid.\n"
    assert [(d.section, d.text) for d in drafts(text)[1]] == [
        ("Introduction", "Why does honey keep? It holds little water, and bees add an enzyme that makes it acid.")
    ]


def test_text_wrapped_at_a_width_or_written_a_sentence_a_line_stays_one_paragraph() -> None:
    """Lines broken inside sentences, or one sentence each, are one paragraph: one passage."""
    paragraph = " ".join(HONEY_LINES)
    wrapped = textwrap.fill(paragraph, 40)
    a_sentence_a_line = "\n".join(split_sentences(paragraph))
    short_first_line = "Honey is\n" + textwrap.fill(paragraph[len("Honey is ") :], 60)
    for text in (wrapped, a_sentence_a_line, short_first_line):
        assert [d.text for d in drafts(text)[1]] == [paragraph], text


@pytest.mark.parametrize(
    "text",
    [
        "Camping\n\nBring these:\n- a tent\n- a sleeping bag\n- water for two days. Food is provided.\n- a torch.\n",
        "Steps:\n1. Preheat the oven.\n2. Mix the flour and the sugar in a bowl. Stir well.\n3. Bake it. Then eat.\n",
        "Is there wifi?\nNo\nCan I eat here?\nYes, in the cafe on the ground floor.\n",
        "Honey\nHoney is sweet. Bees make it from nectar.\nIt keeps for years. But why does it never spoil?\n",
    ],
)
def test_no_line_of_a_block_is_lost_to_a_heading(text: str) -> None:
    """List items, numbered steps, a short answer under its question and a paragraph ending in a question
    stay text: every word of the block is in a passage, a section or the title."""
    title, found = drafts(text)
    kept = " ".join([title or "", *(d.section for d in found), *(d.text for d in found)])
    for word in re.findall(r"[A-Za-z]+", text):
        assert word in kept, word


def test_text_wrapped_at_any_width_never_breaks_a_sentence_between_passages() -> None:
    """Paragraphs of short sentences wrapped at 20 to 80 columns: every passage ends a sentence."""
    rng = random.Random(1)
    words = "bees make honey from nectar it keeps for years jars were found still good beekeepers harvest".split()
    for _ in range(1500):
        count = rng.randint(3, 9)
        sentences = [" ".join(rng.choices(words, k=rng.randint(2, 7))).capitalize() + "." for _ in range(count)]
        found = drafts(textwrap.fill(" ".join(sentences), rng.randint(20, 80)))[1]
        assert all(d.text.endswith(".") for d in found), [d.text for d in found]


@pytest.mark.parametrize(
    "front",
    [
        '---\ntitle: "Getting started with the club"\ndate: 2024-05-01\ntags: [guide, newcomers]\n---\n',
        '+++\ntitle = "Getting started with the club"\ndraft = false\n+++\n',
        '+++\ntitle = """Getting started with the club"""  # TOML, read as TOML\n+++\n',
    ],
)
def test_front_matter_of_a_static_site_page_gives_the_title_and_no_passage(tmp_path: Path, front: str) -> None:
    """A Jekyll (YAML) or Hugo (TOML) page: its front matter names the article and is not text."""
    title, found = _imported(
        tmp_path / "guide.md", front + "\nWelcome to the club.\n\n## Joining\n\nFill in the form.\n"
    )
    assert title == "Getting started with the club"
    assert [(d.section, d.text) for d in found] == [
        ("Introduction", "Welcome to the club."),
        ("Joining", "Fill in the form."),
    ]


def test_a_pipe_table_reads_as_a_sentence_a_row_with_its_columns_named(tmp_path: Path) -> None:
    """`| Monday | 9-17 |` under `| Day | Hours |` is "Day: Monday, Hours: 9-17.", not pipes and dashes;
    an empty cell is left out, an escaped pipe is text, and a table in fenced code is code, kept as written."""
    page = (
        "## Opening hours\n\n| Day | Hours |\n|-----|:-----:|\n| Monday | 9-17 |\n| **Sunday** | |\n\n"
        "| Plan \\| tier | Price |\n|---|---|\n| Basic | free |\n\n```\n| a | b |\n|---|---|\n| c | d |\n```\n"
    )
    found = _imported(tmp_path / "hours.md", page)[1]
    assert [d.text for d in found] == [
        "Day: Monday, Hours: 9-17. Day: Sunday.\n\n"  # short, beside code: one passage (see `packed`)
        "Plan | tier: Basic, Price: free.\n```\n| a | b |\n|---|---|\n| c | d |\n```",
    ]


def test_an_html_table_of_data_reads_as_a_sentence_a_row_and_a_layout_table_keeps_its_blocks(tmp_path: Path) -> None:
    """Cells were each a passage ("Day", "Monday", ...). A table of data is now one paragraph, end tags
    left out or not; a table whose cells hold paragraphs lays out the page, and its paragraphs stay."""
    page = (
        "<html><body><main><h1>Library</h1><h2>Hours</h2>"
        "<table><tr><th>Day</th><th>Hours</th></tr><tr><td>Monday</td><td>9-17</td></tr>"
        "<tr><td>Saturday<td>10-14</table>"
        "<table><tr><td><p>Bring your card.</p></td><td><p>Return books on time.</p></td></tr></table>"
        "</main></body></html>"
    )
    found = _imported(tmp_path / "library.html", page)[1]
    assert [d.text for d in found] == [
        "Day: Monday, Hours: 9-17. Day: Saturday, Hours: 10-14.",
        "Bring your card.",
        "Return books on time.",
    ]


def test_lines_of_a_cell_in_divs_leave_a_table_of_data(tmp_path: Path) -> None:
    """A conference's price table held two <div>s in each "Who?" cell, and was cut into 44 passages of one
    cell each ("$449", "Individual"): no passage said what a ticket costs."""
    page = (
        "<html><body><main><h2>Prices</h2><table><tr><th>Type</th><th>Price</th><th>Who?</th></tr>"
        "<tr><td>Individual</td><td>$499</td><td><div>People paying their own way</div><div>Small companies</div>"
        "</td></tr></table></main></body></html>"
    )
    found = _imported(tmp_path / "tickets.html", page)[1]
    assert [d.text for d in found] == [
        "Type: Individual, Price: $499, Who?: People paying their own way Small companies."
    ]


@pytest.mark.parametrize(
    ("page", "texts"),
    [
        ("| Day | Hours |\n|---|---|\n\nAfter.\n", ["Day, Hours.", "After."]),  # a header and no row
        ("| Day | Hours |\n|---|---|\n| Mon | 9 |\n## Next\nText.\n", ["Day: Mon, Hours: 9.", "Text."]),
        (  # a title spanning the columns, then the header row
            "<main><table><tr><th colspan=2>Opening</th></tr><tr><th>Day</th><th>Hours</th></tr>"
            "<tr><td>Mon</td><td>9</td></tr></table></main>",
            ["Opening. Day: Mon, Hours: 9."],
        ),
        (  # an empty corner cell: the first row names the columns, the first column the rows
            "<main><table><tr><td></td><th>Mon</th></tr><tr><th>Open</th><td>9</td></tr></table></main>",
            ["Open, Mon: 9."],
        ),
        ("<main><table><tr><th>Day</th><th>Hours</th></tr></table><p>After.</p></main>", ["Day, Hours.", "After."]),
    ],
)
def test_tables_of_odd_shapes_keep_every_word(tmp_path: Path, page: str, texts: list[str]) -> None:
    """A header without rows, a table followed at once by a heading, a spanning title row, an empty corner."""
    suffix = ".html" if page.startswith("<") else ".md"
    assert [d.text for d in _imported(tmp_path / f"table{suffix}", page)[1]] == texts


@pytest.mark.parametrize(
    "front",
    [
        "---\ntitle: x\nk: " + "[" * 5000 + "\n---\n",  # nested too deep for the YAML parser
        "---\ntitle: x\nk: " + "9" * 5000 + "\n---\n",  # a number too long for Python's int
    ],
)
def test_front_matter_that_cannot_be_read_leaves_the_page_as_it_was(tmp_path: Path, front: str) -> None:
    """Whatever the parser makes of it, the import goes on, with the block as text."""
    title, found = _imported(tmp_path / "odd.md", front + "Body text.\n")
    assert title is None and found[-1].text == "Body text."


def test_a_page_that_begins_with_a_rule_keeps_its_text(tmp_path: Path) -> None:
    """Two rules around an ordinary paragraph are no front matter: the paragraph stays."""
    found = _imported(tmp_path / "notes.md", "---\n\nWelcome to the club, all of you.\n\n---\n\nMore text here.\n")[1]
    assert [d.text for d in found] == ["Welcome to the club, all of you.", "More text here."]


def test_a_one_line_paragraph_ending_inside_quotes_is_no_heading() -> None:
    """A short line reads as a heading only without closing punctuation, quotes or brackets after it."""
    assert articles.heading_of('He said: "think of that."') is None
    assert articles.heading_of("It was built in 1890 (by hand.)") is None
    assert articles.heading_of("Why does ice float?") == "Why does ice float?"


def test_a_chinese_sentence_in_plain_text_is_a_passage_not_a_heading(tmp_path: Path) -> None:
    """A short line ending with "。" is a sentence, as one ending with "." is: a Chinese FAQ saved as text
    was all headings, and refused ("no sentences found")."""
    article = tmp_path / "faq.txt"
    article.write_text(
        "俱乐部常见问题\n\n会员\n\n会员费每年十欧元。\n\n停车\n\n自行车停在图书馆后面。\n", encoding="utf-8"
    )
    _title, found = drafts_of(articles.read(article))
    assert [(d.section, d.text) for d in found] == [("会员", "会员费每年十欧元。"), ("停车", "自行车停在图书馆后面。")]


@pytest.mark.parametrize(
    "line",
    ["会员费每年十欧元。", "入场免费！", "请注意：", "他说：「好。」", "会员、访客，", "会員は無料です．", "続きは…"],
)
def test_a_line_ending_with_full_width_punctuation_is_no_heading(line: str) -> None:
    """Chinese and Japanese close sentences and clauses with their own marks, inside their own quotes too."""
    assert articles.heading_of(line) is None


def test_citation_marks_go_only_where_an_article_is_cited_and_reference_sections_with_their_parts() -> None:
    """`[1]` after a word is a citation in a cited article ([1], [2] and [3] all there), and text otherwise;
    after a name with a dot or an underscore it is code and stays; a References section goes with its parts."""
    code = "The name is sys.argv[0], then sys.argv[1], sys.argv[2], sys.argv[3]."
    assert [d.text for d in drafts_of(articles.from_markdown(f"# CLI\n\n{code}\n"))[1]] == [code]
    wiki = articles.from_markdown(
        "# Glacier\n\nIce moves.[1] It is dense.[2] Snow falls[3] [citation needed]; row_ids[2] stays.\n\n"
        "## References\n\n"
        "Smith (2001).\n\n### Books\n\nA book on ice.\n\n## Uses\n\nMelt water.[4]\n"
    )
    assert [(d.section, d.text) for d in drafts_of(wiki)[1]] == [
        ("Introduction", "Ice moves. It is dense. Snow falls ; row_ids[2] stays."),
        ("Uses", "Melt water."),
    ]


def test_a_heading_is_the_title_again_only_when_the_title_names_it_whole() -> None:
    """`<h1>Glacier</h1>` under "Glacier - Wikipedia" is the title; `<h1>Install</h1>` under
    "Installation guide" is a section."""
    page = articles.from_html("<title>Installation guide</title><h1>Install</h1><p>Run it.</p>")
    assert drafts_of(page) == ("Installation guide", [Draft(id="install-1", section="Install", text="Run it.")])
    page = articles.from_html("<title>Glacier - Wikipedia</title><h1>Glacier</h1><p>Ice.</p>")
    assert drafts_of(page)[0] == "Glacier"
    page = articles.from_html("<title>Installation guide — Foo 1.0</title><h1>Installation</h1><p>Run it.</p>")
    assert drafts_of(page)[0] == "Installation guide — Foo 1.0"


HARD_PAGES = [
    ('<div role="main"><p>Read the <a class="reference internal" href="t.html">tutorial</a> first.</p></div>',
     ["Read the tutorial first."]),
    ('<p class="hatnote">See also<p>Glaciers move slowly.</p><p>Ice is dense.</p>',
     ["Glaciers move slowly.", "Ice is dense."]),
    ('<ul><li class="menu">Home<li>About</ul><p>Glaciers move.</p>', ["About", "Glaciers move."]),
    ('<table><tr><td class="navbox">Nav<td>Glaciers move.</table><p>Ice is dense.</p>',
     ["Glaciers move.", "Ice is dense."]),
    ('<html><head><title>T</title><body><p>Hi there.</p>', ["Hi there."]),
    ('<div class="post"><p>Real content.</p></div><aside><article><p>Related post.</p></article></aside>',
     ["Real content."]),
    ('<div id="toc"><p>Contents</p></div><div class="infobox"><div>Type</div><div>Area</table></div><p>Move.</p>',
     ["Type", "Area", "Move."]),
]  # fmt: skip


@pytest.mark.parametrize(("page", "texts"), HARD_PAGES)
def test_html_that_leaves_end_tags_out_or_marks_links_like_chrome_keeps_its_text(page: str, texts: list[str]) -> None:
    """A Sphinx link of class "reference" is text; a left-out element whose end tag is missing ends where HTML
    says (the next block, the next item or cell, the parent's end, <body>); an <article> in an <aside> is not
    the main content; chrome left open to the end is read again as text, the page's other chrome still left out."""
    assert [b.text for b in articles.from_html(page).blocks] == texts


CONSENT_AND_SITE_CHROME = [
    '<div class="cc-window cc-banner">We use cookies. <a>OK, got it</a></div>',
    '<div id="cookie-law-info-bar">This website uses cookies.</div>',
    '<div id="CybotCookiebotDialog">Allow all cookies?</div>',
    '<section class="gdpr-popup">Your privacy matters.</section>',
    '<div role="dialog">Sign up for our newsletter!</div>',
    '<div class="navbar"><a>Home</a> <a>FAQ</a></div>',
    '<div id="SITE_FOOTER">© 2024 Meeple Corner, created with Wix.com</div>',
    '<div id="onetrust-consent-sdk">We and our partners use cookies.</div>',
    '<div class="cmplz-cookiebanner">Manage consent.</div>',
    '<div class="BorlabsCookieBox">Privacy preference.</div>',
    '<div class="footer-widgets">Copyright 2024. All rights reserved.</div>',
]


@pytest.mark.parametrize("chrome", CONSENT_AND_SITE_CHROME)
def test_cookie_notices_dialogs_menus_and_footers_are_left_out_by_their_usual_names(chrome: str) -> None:
    """A page without <main>: its cookie or consent notice (by any class or id that says cookie,
    consent or gdpr), a dialog, a navbar and a site footer are not passages ("do you sell cookies?"
    was answered with the cookie notice)."""
    page = f"<body>{chrome}<h1>Meeple Corner</h1><p>Dogs are welcome.</p>{chrome}</body>"
    assert [b.text for b in articles.from_html(page).blocks] == ["Meeple Corner", "Dogs are welcome."]


@pytest.mark.parametrize(
    "content",
    [
        '<section class="cookies-menu"><p>Chocolate chip cookies cost 2 pounds.</p></section>',
        '<div class="event-consent-note"><p>Parents sign the form at the desk.</p></div>',
        '<div class="card-footer"><p>Lessons from 5 pounds an hour.</p></div>',
    ],
)
def test_content_named_like_chrome_in_part_is_kept(content: str) -> None:
    """A bakery's "cookies-menu", a consent note of an event and a card's footer are content: a
    cookie notice needs a notice's word beside "cookie", and a footer the site's."""
    page = f"<body><h1>Bakery</h1><p>Fresh bread daily.</p>{content}</body>"
    texts = [b.text for b in articles.from_html(page).blocks]
    assert texts[:2] == ["Bakery", "Fresh bread daily."] and len(texts) == 3


def test_lines_broken_with_br_are_one_paragraph_and_two_breaks_end_it() -> None:
    """An address or opening hours written with <br> is one paragraph (each line was a passage, one
    of them only "Opening hours"); <br><br>, as old pages separate paragraphs, ends it."""
    page = "<p>Opening hours<br>Mon-Fri 10:00-22:00<br/>Sat 9:00-23:00</p><p>One.<br><br>Two.<br> <br />Three.</p>"
    assert [b.text for b in articles.from_html(page).blocks] == [
        "Opening hours Mon-Fri 10:00-22:00 Sat 9:00-23:00",
        "One.",
        "Two.",
        "Three.",
    ]


def test_import_into_a_new_folder_makes_it_and_the_draft_publishes_there(tmp_path: Path) -> None:
    """A new community's first article: `kb import` makes the knowledge folder, `kb publish` makes it live."""
    article, folder = tmp_path / "faq.md", tmp_path / "new" / "knowledge"
    article.write_text("# FAQ\n\n## Parking\n\nBicycles go in the racks behind the library.\n", encoding="utf-8")
    assert main(["kb", "import", str(article), "--knowledge", str(folder)]) == 0
    assert main(["kb", "publish", "faq.yaml", "--knowledge", str(folder), "--data", str(tmp_path / "data")]) == 0
    assert Answerer.from_directory(folder).answer("where do bicycles go?").passage_id == "parking-1"
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    with pytest.raises(FileError, match="is not a folder"):
        import_article(article, tmp_path / "a-file")


WIKI_PAGE = """<!DOCTYPE html><html><head><title>Glacier - Wikipedia</title><script>var a = 1;</script></head>
<body><div id="mw-navigation"><a href="#">Jump to navigation</a></div>
<div id="content" role="main"><h1>Glacier</h1><div id="siteSub">From Wikipedia, the free encyclopedia</div>
<div class="hatnote">For other uses, see Glacier (disambiguation).</div>
<table class="infobox"><tr><td>Type</td><td>Ice</td></tr></table>
<p>A <b>glacier</b> is a body of dense ice.<sup class="reference"><a href="#c1">[1]</a></sup> It moves slowly.[1]</p>
<div id="toc"><h2>Contents</h2><ul><li>1 Etymology</li></ul></div>
<div><div><p>Snow becomes firn[2]<p>and then ice.</div></div>
<h2>Etymology<span class="mw-editsection">[<a href="#">edit</a>]</span></h2>
<p>The word is a loanword from French.[3]</p>
<h2>References</h2><p>Smith, J. (2001). Ice. Journal of Ice. 12: 1-3.</p>
</div>
<div class="navbox">Glaciology terms</div><div id="footer">Text is available under CC BY-SA.</div></body></html>"""


def test_a_saved_wiki_page_gives_its_article_without_the_pages_chrome(tmp_path: Path) -> None:
    """Only the page's main content; navigation, hatnotes, info boxes, the table of contents, edit links,
    citation marks, the references and the footer are left out; nested and unclosed tags end where they do."""
    title, found = _imported(tmp_path / "glacier.html", WIKI_PAGE)
    assert title == "Glacier"
    assert [(d.section, d.text) for d in found] == [
        ("Introduction", "A glacier is a body of dense ice. It moves slowly."),
        ("Introduction", "Snow becomes firn"),
        ("Introduction", "and then ice."),
        ("Etymology", "The word is a loanword from French."),
    ]


def test_a_page_without_a_marked_main_content_keeps_all_its_text(tmp_path: Path) -> None:
    """No <main>, <article> or main id: every paragraph outside the chrome is kept."""
    _, found = _imported(
        tmp_path / "faq.html",
        "<html><body><nav>Home</nav><p>Open daily.</p><div><p>Closed on Mondays.</p></div></body></html>",
    )
    assert [d.text for d in found] == ["Open daily.", "Closed on Mondays."]


_PLAIN_TAGS = ["p", "div", "li", "ul", "ol", "td", "th", "tr", "table", "span", "a", "b", "section", "dd", "dl"]
_PIECES = st.one_of(
    st.sampled_from([f"<{t}>" for t in _PLAIN_TAGS] + [f"</{t}>" for t in _PLAIN_TAGS] + ["<br>", "<hr/>"]),
    st.from_regex(r"[A-Za-z]{3,8}", fullmatch=True),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=60))
def test_tag_soup_without_chrome_loses_no_word(pieces: list[str]) -> None:
    """Any nesting, unclosed or stray end tags of ordinary elements: every word of the page is kept, none crashes
    (a table's cells are joined into sentences that name each cell's column, "Day: Monday, Hours: nine.", so
    words are compared without punctuation, and a header's words may come more than once)."""
    words = [p for p in pieces if not p.startswith("<")]
    blocks = articles.from_html(" ".join(pieces)).blocks
    assert all(b.text for b in blocks)
    kept = Counter(re.findall(r"[A-Za-z]+", " ".join(b.text for b in blocks)))
    assert not Counter(words) - kept and set(kept) == set(words)


_CHROME_PIECES = st.one_of(
    _PIECES,
    st.sampled_from(['<div class="toc">', '<sup class="reference">', "</sup>", "<head>", "</head>", "<aside>",
                     "</aside>", "<script>", "</script>", '<table class="infobox">', "<main>", "</main>", "<title>",
                     "</title>", '<p class="hatnote">', '<span class="mw-editsection">', "</span>"]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHROME_PIECES, max_size=60))
def test_tag_soup_with_chrome_never_crashes_and_invents_nothing(pieces: list[str]) -> None:
    """Chrome, main content and skipped elements in any order: the reader ends, and keeps only the page's words."""
    words = {p for p in pieces if not p.startswith("<")}
    article = articles.from_html(" ".join(pieces))
    assert set(" ".join(b.text for b in article.blocks).split()) <= words


LIST_ARTICLES = {
    "kernel.md": "# Linux\n\n## Parts\n\nBesides its kernel, a system has:\n\n- a file system.\n- many *utilities*.\n\n"
    "To install:\n\n1. Download it.\n2. Run it.\n\nThat is all.\n",
    "kernel.txt": "Linux\n\nParts\n\nBesides its kernel, a system has:\n- a file system.\n- many utilities.\n\n"
    "To install:\n1. Download it.\n2. Run it.\n\nThat is all.\n",
    "kernel.html": "<h1>Linux</h1><h2>Parts</h2><p>Besides its kernel, a system has:</p><ul><li>a file system.</li>"
    "<li>many <em>utilities</em>.</li></ul><p>To install:</p><ol><li><p>Download it.</p></li><li>Run it.</li></ol>"
    "<p>That is all.</p>",
}


@pytest.mark.parametrize("name", sorted(LIST_ARTICLES))
def test_a_list_is_one_passage_with_the_line_that_opens_it(tmp_path: Path, name: str) -> None:
    """A list and the line that opens it ("... has:") are one passage, an item a line, in every
    format: the items alone did not say what they list, and the opening line said nothing."""
    _, found = _imported(tmp_path / name, LIST_ARTICLES[name])
    assert [(d.section, d.text) for d in found] == [
        ("Parts", "Besides its kernel, a system has:\n• a file system.\n• many utilities."),
        ("Parts", "To install:\n1. Download it.\n2. Run it."),
        ("Parts", "That is all."),
    ]


def test_a_question_over_a_list_opens_it() -> None:
    """ "Why this process?" over the reasons was packed into the passage before, the steps' end, and the
    reasons were a passage that did not say what they were reasons for (a hackerspace's handbook)."""
    page = "# T\n\n## Joining\n\nTwo steps.\n\nWhy this process?\n\n- Sponsors vouch.\n- The meeting decides.\n"
    _, found = drafts_of(articles.from_markdown(page))
    assert [d.text for d in found][-1] == "Why this process?\n• Sponsors vouch.\n• The meeting decides."


@pytest.mark.parametrize(
    ("page", "sections"),
    [
        ("# T\n\n## Votes\n\nA last resort.\n\n**The rules are:**\n\n- Each voter has points.\n- Most points win.\n\n"
         "Ties re-vote.\n",
         [("Votes", "A last resort."), ("Votes", "The rules are:\n• Each voter has points.\n• Most points win."),
          ("Votes", "Ties re-vote.")]),
        ("# T\n\n## Setup\n\n**Windows:**\n\nDouble-click the installer.\n",
         [("Windows:", "Double-click the installer.")]),
    ],
)  # fmt: skip
def test_a_bold_line_ending_with_a_colon_opens_the_list_under_it_and_heads_nothing(
    page: str, sections: list[tuple[str, str]]
) -> None:
    """ "**The point system has a few basic rules:**" over its list was the section of the list and of
    every paragraph after it; over a paragraph, a bold line is a heading still."""
    assert [(d.section, d.text) for d in drafts_of(articles.from_markdown(page))[1]] == sections


def test_a_long_list_is_cut_and_each_part_says_what_it_lists() -> None:
    """A list longer than a passage is cut between items, and each part starts with its opening line."""
    line = "is a fairly long line that describes one thing of the list in detail."
    items = "".join(f"- Item {n} {line}\n" for n in range(30))
    _, found = drafts(f"# Notes\n\nThe rules:\n\n{items}")
    assert len(found) > 1
    assert all(d.text.startswith("The rules:\n• Item ") and len(d.text) <= MAX_PASSAGE_CHARS for d in found)
    listed = [item for d in found for item in d.text.splitlines()[1:]]
    assert listed == [f"• Item {n} {line}" for n in range(30)]


def test_a_bulleted_and_a_numbered_list_stay_apart() -> None:
    """Items of a bulleted list and of a numbered one under it are two lists, as are two numbered ones."""
    _, found = drafts("# Notes\n\n- Tea\n- Cake\n\n1. Sit.\n2. Order.\n\n1. Pay.\n2. Leave.\n")
    assert [d.text for d in found] == ["• Tea\n• Cake", "1. Sit.\n2. Order.", "1. Pay.\n2. Leave."]


def test_a_list_draft_is_written_a_line_an_item(tmp_path: Path) -> None:
    """The draft file holds a list as a literal block, a line an item, and loads back the same."""
    source = tmp_path / "rules.md"
    source.write_text(LIST_ARTICLES["kernel.md"], encoding="utf-8")
    draft = import_article(source, tmp_path / "knowledge").draft
    written = draft.read_text(encoding="utf-8")
    assert "  text: |-\n    Besides its kernel, a system has:\n    • a file system.\n" in written
    assert yaml.safe_load(written)["passages"][0]["text"] == (
        "Besides its kernel, a system has:\n• a file system.\n• many utilities."
    )


def test_markdowns_lazy_numbering_is_one_list_numbered_in_order() -> None:
    """ "1." on every item is how Markdown is often written, and renders 1, 2, 3: one list."""
    _, found = drafts("# T\n\nTo install:\n\n1. Download.\n1. Unpack.\n1. Run.\n")
    assert [d.text for d in found] == ["To install:\n1. Download.\n2. Unpack.\n3. Run."]


@pytest.mark.parametrize(
    ("page", "passage"),
    [
        (
            "# T\n\n- To book a table:\n  1. Write us an e-mail.\n  2. Pay the deposit.\n- Parking is free.\n",
            "• To book a table:\n1. Write us an e-mail.\n2. Pay the deposit.\n• Parking is free.",
        ),
        (
            "# T\n\nHow to visit us:\n\n1. To book a table:\n   - Write us an e-mail.\n   - Pay the deposit.\n"
            "2. Parking is free.\n",
            "How to visit us:\n1. To book a table:\n• Write us an e-mail.\n• Pay the deposit.\n2. Parking is free.",
        ),
    ],
)
def test_an_item_that_opens_an_inner_list_keeps_it_and_the_list_goes_on(page: str, passage: str) -> None:
    """ "- To book a table:" over numbered steps was a passage that said nothing, and the steps one
    that did not say what they were for; with a paragraph over the list, too."""
    for found in (drafts(page)[1], drafts_of(articles.from_markdown(page))[1]):
        assert [d.text for d in found] == [passage]


@pytest.mark.parametrize(
    ("start", "marks"), [('"²"', ["1.", "2."]), ("0", ["0.", "1."]), ("-2", ["-2.", "-1."]), ("abc", ["1.", "2."])]
)
def test_a_numbered_lists_start_is_read_as_a_number_or_left_out(start: str, marks: list[str]) -> None:
    """`<ol start>` that int() refuses ("²" is a digit to str.isdigit) was a traceback that stopped the import."""
    page = f"<p>Do this:</p><ol start={start}><li>Pay.</li><li>Sit.</li></ol>"
    assert [b.item for b in articles.from_html(page).blocks] == ["", *marks]


def test_an_item_read_as_a_heading_gives_its_mark_to_nothing() -> None:
    """Markdown reads "- Tea" over "---" as a heading; the paragraph after it is no item."""
    assert [(b.text, b.item) for b in articles.from_markdown("- Tea\n---\nText here.").blocks] == [
        ("Tea", ""),
        ("Text here.", ""),
    ]


def test_an_item_without_text_gives_its_mark_to_nothing_after_it() -> None:
    """An <li> holding only an image ends with its list: the paragraph after is no item."""
    page = "<p>We serve:</p><ul><li>Tea</li><li><img src=x></li></ul><p>Parking is free at the back.</p>"
    assert [d.text for d in drafts_of(articles.from_html(page))[1]] == [
        "We serve:\n• Tea",
        "Parking is free at the back.",
    ]


def test_inside_the_main_content_only_a_navbar_breadcrumbs_or_a_consent_box_are_chrome_by_name() -> None:
    """Within <main> a card's footer or a "cookie-info" box is the article's; breadcrumbs and a
    consent manager's dialog are chrome wherever they stand."""
    page = (
        '<main><h1>Bakery</h1><div class="breadcrumb-trail">Home › Bakery</div><p>Fresh bread daily.</p>'
        '<div id="CybotCookiebotDialog">Allow all cookies?</div><div class="card-footer">Loaves from 3 pounds.</div>'
        '<div class="cookie-info">Our cookies are baked with butter.</div></main>'
    )
    assert [b.text for b in articles.from_html(page).blocks] == [
        "Bakery",
        "Fresh bread daily.",
        "Loaves from 3 pounds.",
        "Our cookies are baked with butter.",
    ]
