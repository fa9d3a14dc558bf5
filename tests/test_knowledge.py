"""Loading the knowledge base: the bundled files load, and every kind of bad file is named."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot import knowledge
from bot.cli import main
from bot.imports.articles import heading_of
from bot.knowledge import KnowledgeError
from bot.search.sentences import split_sentences
from bot.watcher import signature
from tests.conftest import KNOWLEDGE, TRANSCRIPTS
from tests.support import small_kb, write_kb

GOOD_SOURCE = 'source: {title: "T", publisher: "P", url: null}\n'


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(folder: Path) -> str:
    with pytest.raises(KnowledgeError) as caught:
        knowledge.load(folder)
    return str(caught.value)


def test_bundled_knowledge_loads() -> None:
    """The article's passages load with unique ids, sections and a source."""
    kb = knowledge.load(KNOWLEDGE)
    assert len(kb) >= 20
    assert len({p.id for p in kb}) == len(kb)
    assert all(p.section and p.text for p in kb)
    assert kb.sources()[0].title == "Five Things You Need to Know about North Korean Refugees"


def _sentences(text: str) -> list[str]:
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    found: list[str] = []
    for paragraph in paragraphs:
        if heading_of(paragraph) is not None:
            continue  # a heading (title, blog name, section title) is a section, not a sentence
        found.extend(split_sentences(paragraph))
    return found


def test_every_sentence_of_the_article_is_in_a_passage() -> None:
    """Nothing of the original article, introduction and editor's note included, is left out."""
    original = (KNOWLEDGE / "originals" / "five-things-about-north-korean-refugees.txt").read_text(encoding="utf-8")
    passages = " ".join(" ".join(p.text.split()) for p in knowledge.load(KNOWLEDGE))
    sentences = _sentences(original)
    assert len(sentences) >= 30
    missing = [s for s in sentences if " ".join(s.split()) not in passages]
    assert missing == []


def test_passages_are_one_to_three_sentences() -> None:
    """Each passage answers one thing: at most three sentences."""
    for passage in knowledge.load(KNOWLEDGE):
        assert 1 <= len(split_sentences(passage.text)) <= 3, passage.id


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    """A YAML error gives the file and the line."""
    write(tmp_path, "a.yaml", GOOD_SOURCE + "passages:\n  - id: x\n    text: [unclosed\n")
    message = load_error(tmp_path)
    assert "a.yaml:" in message and "invalid YAML" in message
    assert re.search(r"a\.yaml:\d+", message)


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    """An id used twice is refused, naming both files and the entry."""
    entry = "passages:\n  - {id: same, section: S, text: T}\n"
    write(tmp_path, "a.yaml", GOOD_SOURCE + entry)
    write(tmp_path, "b.yaml", GOOD_SOURCE + entry)
    message = load_error(tmp_path)
    assert "b.yaml:3 (same): duplicate id, already used in a.yaml" in message


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        ("{id: x, section: S}", "(x): missing required field 'text'"),
        ("{id: x, text: T}", "(x): missing required field 'section'"),
        ("{section: S, text: T}", "(passage 1): missing required field 'id'"),
        ("{id: x, section: S, text: '  '}", "(x): 'text' is empty"),
        ('{id: x, section: S, text: "\\u200b \\u00ad\\u2060"}', "(x): 'text' is empty: it holds only characters"),
        ('{id: x, section: "\\ufeff", text: T}', "(x): 'section' is empty: it holds only characters"),
        ("{id: x, section: S, text: T, colour: red}", "(x): unknown key colour"),
        ("{id: Bad_Id, section: S, text: T}", "id 'Bad_Id' must be lowercase letters"),
        ("{id: x, section: S, text: T, questions: [1, '']}", "'questions' must be a list of non-empty strings"),
        ("{id: x, section: S, text: [a, b]}", "'text' must be text"),
        ("just a string", "(passage 1): a passage must be a mapping"),
        ('{id: x, section: S, text: "a\\0b"}', "(x): 'text' holds a character that cannot be stored"),
        ('{id: x, section: S, text: T, questions: ["a\\0"]}', "(x): a question holds a character that cannot"),
    ],
)
def test_bad_passage_is_named(tmp_path: Path, passage: str, expected: str) -> None:
    """Each kind of bad passage is refused with the file, the entry, the line and the problem."""
    write(tmp_path, "k.yaml", GOOD_SOURCE + f"passages:\n  - {passage}\n")
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path / 'k.yaml'}:3 ")
    assert expected in message


def test_oversized_text_is_refused(tmp_path: Path) -> None:
    """A passage too long for a chat message is refused with its length and the limit."""
    write(tmp_path, "k.yaml", GOOD_SOURCE + f"passages:\n  - {{id: x, section: S, text: {'a' * 3001}}}\n")
    assert "text is 3001 characters, more than the limit of 3000" in load_error(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("passages: []\n", "'source' must be a mapping"),
        (GOOD_SOURCE + "passages: []\n", "'passages' must be a non-empty list"),
        (GOOD_SOURCE + "passages: [{id: x, section: S, text: T}]\nextra: 1\n", "unknown top-level key: extra"),
        (
            'source: {publisher: "P"}\npassages: [{id: x, section: S, text: T}]\n',
            "(source): missing required field 'title'",
        ),
        ("- a\n- b\n", "expected a mapping with 'source' and 'passages'"),
    ],
)
def test_bad_file_shape_is_named(tmp_path: Path, text: str, expected: str) -> None:
    """A file of the wrong shape is refused with what is wrong."""
    write(tmp_path, "k.yaml", text)
    assert expected in load_error(tmp_path)


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 give a clear message, not a traceback."""
    (tmp_path / "k.yaml").write_bytes(b"source: \xff\xfe\n")
    assert "not UTF-8" in load_error(tmp_path)


def test_missing_or_empty_folder(tmp_path: Path) -> None:
    """No folder, or a folder without knowledge files, is an error naming the folder."""
    assert "knowledge folder not found" in load_error(tmp_path / "nope")
    assert "no knowledge files" in load_error(tmp_path)


def test_an_empty_folder_may_be_a_knowledge_base_of_nothing_yet_but_not_a_misnamed_one(tmp_path: Path) -> None:
    """`empty`: the bot's start on a new community's folder; a folder of `faq.yml` alone is a mistake, not empty."""
    assert knowledge.folder_files(tmp_path, empty=True) == []
    (tmp_path / "faq.yml").write_text("source: {title: FAQ}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"not read: faq\.yml"):
        knowledge.folder_files(tmp_path, empty=True)


def test_a_folder_of_drafts_only_says_they_wait_to_be_published(tmp_path: Path) -> None:
    """A new moderator's folder after `kb import` holds only drafts: the error says to publish them."""
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "faq.yaml").write_text("source: {title: FAQ}\npassages: []\n", encoding="utf-8")
    assert "1 draft in drafts/ waits to be published (`kb publish --all`)" in load_error(tmp_path)


def test_an_editors_lock_among_the_drafts_is_not_counted_as_one(tmp_path: Path) -> None:
    """Emacs's lock `.#faq.yaml` (a link to nowhere) beside the draft being edited is no draft waiting."""
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "faq.yaml").write_text("source: {title: FAQ}\npassages: []\n", encoding="utf-8")
    (tmp_path / "drafts" / ".#faq.yaml").symlink_to("ann@host.1234:1700000000")
    assert "1 draft in drafts/ waits to be published" in load_error(tmp_path)


def test_a_macos_resource_fork_file_does_not_stop_the_knowledge_loading(kdir: Path) -> None:
    """A folder copied from a Mac (an archive, a shared drive) holds `._notes.yaml`, the resource fork macOS
    writes beside each file: the folder still loads, as hidden drafts are skipped, and the watcher sees no change."""
    before = signature(kdir)
    (kdir / "._notes.yaml").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02")
    (kdir / "._faq.yml").write_bytes(b"\x00\x05\x16\x07")  # not named among the files it does not read
    assert {p.id for p in knowledge.load(kdir)} == {"meetups", "rules"}
    assert signature(kdir) == before and knowledge.unread(kdir) == []


FAQ = (
    'source: {title: "FAQ"}\npassages:\n  - id: parking\n    section: "Parking"\n'
    '    text: "Free parking is behind the library, entrance on Mill Street."\n'
)


def test_a_hidden_knowledge_file_that_is_no_resource_fork_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A moderator whose passages sit in `.faq.yaml` (served before the upgrade) hears from `kb check` it is unread;
    the resource fork and an editor's lock beside it are still passed over without a word."""
    folder = write_kb(tmp_path / "knowledge", small_kb())
    (folder / ".faq.yaml").write_text(FAQ, encoding="utf-8")
    (folder / "._faq.yaml").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02")
    (folder / ".#faq.yaml").symlink_to("ann@host.1234:1700000000")
    assert main(["kb", "check", "--knowledge", str(folder)], out=io.StringIO()) == 0
    said = capsys.readouterr().err
    assert f"warning: {folder / '.faq.yaml'}: not read (hidden): rename it faq.yaml" in said, said
    assert "._faq.yaml" not in said and ".#faq.yaml" not in said, said
    (folder / "notes.yaml").unlink()  # `.faq.yaml` alone: knowledge meant to be read, no new community's folder
    with pytest.raises(KnowledgeError, match=r"not read: \.faq\.yaml \(name each \*\.yaml, without its leading dot"):
        knowledge.folder_files(folder, empty=True)


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    """Python-object tags are refused: knowledge files cannot run code."""
    write(tmp_path, "k.yaml", "!!python/object/apply:os.system ['true']\n")
    assert "invalid YAML" in load_error(tmp_path)


def test_an_unquoted_date_is_refused_with_how_to_write_it(tmp_path: Path) -> None:
    """`date: 2024-05-01` is a date to YAML, not text (and would not survive the database or the history as one)."""
    (tmp_path / "notes.yaml").write_text(
        "source: {title: Notes, date: 2024-05-01}\npassages:\n  - {id: a, section: S, text: Some text.}\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match=r"'date' must be text: quote it \(\"2024-05-01\"\)"):
        knowledge.load(tmp_path)


def test_a_folder_of_transcripts_given_as_knowledge_is_named_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    """`--knowledge tests/transcripts` had said only "unknown top-level key(s): name, turns": the error says the
    file looks like a transcript, which `replay` takes, not knowledge."""
    assert main(["ask", "hello", "--knowledge", str(TRANSCRIPTS)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {TRANSCRIPTS}/") and "looks like a transcript" in err
    assert "`replay`" in err and len(err.splitlines()) == 1
