"""A pasted error message is asked about its error, not about the asker's paths and file names
(see `bot.search.pasted` and `Index.analyze`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import Answerer, Outcome, messages
from bot.search import pasted

GUIDE = """\
source: {title: "Shutterbox install guide"}
passages:
  - id: requirements
    section: "Requirements"
    text: "You need Docker 24 or newer and at least 2 GB of memory. Shutterbox runs on Linux, macOS
      and Windows with WSL2."
  - id: permission-denied
    section: "Permission denied on the library folder"
    text: "If the log shows EACCES permission denied when Shutterbox opens a photo, the container user
      cannot read the library folder. Give the folder to user 1000 with chown on the library path."
  - id: port-in-use
    section: "Port already in use"
    text: "If docker says the port is already allocated, another program listens on 8080. Change the
      published port in the compose file."
  - id: migration-failed
    section: "Database migration failed"
    text: "When the server stops with \\"migration failed: relation already exists\\", restore the
      database backup and run the upgrade again."
  - id: config
    section: "Configuration"
    text: "Settings live in config.yaml next to the compose file. Restart the stack after editing it."
"""


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    folder = tmp_path_factory.mktemp("guide")
    (folder / "guide.yaml").write_text(GUIDE, encoding="utf-8")
    return Answerer.from_directory(folder)


@pytest.mark.parametrize(
    ("question", "passage_id"),
    [
        ("EACCES: permission denied, open '/usr/src/app/library/2023/IMG_0412.jpg'", "permission-denied"),
        ("permission denied opening C:\\Users\\bob\\Pictures\\library\\img_0412.heic", "permission-denied"),
        (
            'server crashed: migration failed: relation "asset_faces" already exists'
            " at /app/node_modules/typeorm/driver.js:219:19",
            "migration-failed",
        ),
    ],
)
def test_a_pasted_error_is_answered_by_the_passage_about_the_error(
    guide: Answerer, question: str, passage_id: str
) -> None:
    """A pasted error with paths and code locations is answered, unhedged, by the passage about the error."""
    answer = guide.answer(question)
    assert answer.outcome is Outcome.ANSWERED and answer.passage_id == passage_id
    assert not answer.hedged


def test_the_same_words_without_the_paths_were_always_answered(guide: Answerer) -> None:
    """The error's own words without the pasted paths find the same passage (what the pasted parts must not take
    away)."""
    # what the pasted parts must not take away: the error's own words alone find the passage
    assert guide.answer("EACCES: permission denied, open photo").passage_id == "permission-denied"


def test_a_pasted_part_the_knowledge_base_knows_still_counts(guide: Answerer) -> None:
    """A pasted part whose words the knowledge holds still counts; the asker's own folders do not."""
    terms = guide.index.analyze("where do I put /opt/shutterbox/config.yaml")
    assert "config" in terms and "yaml" in terms  # words of the guide, kept
    assert "opt" not in terms  # the asker's machine, dropped
    assert guide.answer("where do I put /opt/shutterbox/config.yaml").passage_id == "config"


def test_a_pasted_path_names_nothing_the_question_asks_about(guide: Answerer) -> None:
    """A pasted path names nothing the question asks about; a real unknown name still does."""
    assert guide.index.unknown_names("Permission denied on /Volumes/Photos/Library, why?") == ()
    assert guide.index.unknown_names("Does it run on FreeBSD?") == ("FreeBSD",)


@pytest.mark.parametrize(
    "question",
    [
        "Does Shutterbox run on FreeBSD?",
        "Does Shutterbox run on Node.js?",
        "Does Shutterbox run on Linux/macOS/FreeBSD.",
    ],
)
def test_a_question_about_something_unknown_is_still_declined(guide: Answerer, question: str) -> None:
    """A name written as a file's ("Node.js") and a list of names with a full stop after it are prose: a
    reviewer found both answered with the requirements, the unknown name dropped as pasted."""
    assert guide.answer(question).fallback


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("EACCES: open '/usr/src/app/IMG_0412.jpg'", ["/usr/src/app/IMG_0412.jpg"]),
        ("at node_modules/typeorm/driver.js:219:19", ["node_modules/typeorm/driver.js:219:19"]),
        ("see https://example.org/a?b=1 or mail help@example.org", ["https://example.org/a?b=1", "help@example.org"]),
        ("~/photos and ./run.sh and C:\\Users\\bob", ["~/photos", "./run.sh", "C:\\Users\\bob"]),
        ("os.path.join and asset_faces and commit 3f9c21ab", ["os.path.join", "asset_faces", "3f9c21ab"]),
        # words, not pastes: prose with slashes and dots, a chat command, abbreviations
        ("and/or 24/7 TCP/IP/UDP he/she", []),
        ("type /help or /start", []),
        ("e.g. the U.S.A. or i.e. Mr. Smith", []),
        ("Node.js and Vue.js, cat/dog/bird.", []),
        ("does it run on Node.js? or Vue.js?", []),  # a question mark after a name: no address
        ("on 12/03/2024 or 2024/03/12", []),  # a date: no path
        # a domain and its path, without the scheme, in any script
        ("see youtu.be/x1 or сайт-клуба.рф/новости", ["youtu.be/x1", "сайт-клуба.рф/новости"]),
        ("what is the price?", []),
        # beside a file's name: a chat command is still no path, four hex digits no hash
        ("type /help or /start in config.yaml", ["config.yaml"]),
        ("code b12c in app.py", ["app.py"]),
    ],
)
def test_what_counts_as_pasted(question: str, found: list[str]) -> None:
    """What counts as pasted (paths, addresses, code names, hashes) and what stays words (slashes in prose, chat
    commands, abbreviations, dates); the pieces make up the whole question."""
    assert [piece for piece, was_pasted in pasted.pieces(question) if was_pasted] == found
    assert "".join(piece for piece, _ in pasted.pieces(question)) == question


def test_a_word_longer_than_the_patterns_read_is_pasted_whole_when_it_looks_pasted() -> None:
    """A word of more than 200 characters is not searched (the patterns would read it at length): with a
    slash or a dot between letters it is pasted whole, else it is words."""
    long_path = "/".join(["folder"] * 40)
    assert [p for p, was_pasted in pasted.pieces(f"why does {long_path} fail") if was_pasted] == [long_path]
    assert [p for p, was_pasted in pasted.pieces(f"why does {'x' * 300} fail") if was_pasted] == []


def test_a_message_that_is_only_a_video_link_is_not_answered_with_a_passage(seed_kdir: Path) -> None:
    """A member who sends only a YouTube link asks nothing: no passage about women defectors for it."""
    answer = Answerer.from_directory(seed_kdir).answer("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert answer.outcome is not Outcome.ANSWERED, answer.text


@pytest.mark.parametrize(
    "sent",
    ["https://www.youtube.com/watch?v=dQw4w9WgXcQ", "(https://example.org/a)!", "/usr/src/app/library/", "a@b.org"],
)
def test_a_link_or_path_sent_alone_gets_a_note_that_the_bot_cannot_open_it(guide: Answerer, sent: str) -> None:
    """Nothing but an address or a path: a short note (the bot reads no links), not a passage, nor a gap to record."""
    answer = guide.answer(sent)
    assert answer.outcome is Outcome.EMPTY and answer.text.startswith("I can't open links or files.")


@pytest.mark.parametrize("link", ["youtube.com/watch?v=dQw4w9WgXcQ", "m.youtube.com/watch?v=dQw4w9WgXcQ"])
def test_a_link_without_its_scheme_sent_alone_gets_the_links_note(seed_kdir: Path, link: str) -> None:
    """A video's link sent alone, as a phone's share sheet or a typist writes it (no "https://"), asks
    nothing: it gets "I can't open links or files", as the same link with its scheme does, not topics
    chosen by a word of the address ("watch")."""
    answer = Answerer.from_directory(seed_kdir).answer(link)
    assert answer.text == messages.say(messages.LINK_ALONE), answer.text


@pytest.mark.parametrize("date", ["12/03/2024", "2024-03-12"])
def test_a_date_sent_alone_is_no_link_nor_a_question_about_its_numbers(guide: Answerer, date: str) -> None:
    """A date alone is no path ("I can't open links or files" had answered it), nor a question about its
    numbers (the seed's "December 12" had): it asks nothing, and gets the help as punctuation alone does."""
    answer = guide.answer(date)
    assert (answer.outcome, answer.text) == (Outcome.EMPTY, guide.help_text()), answer.text


@pytest.mark.parametrize(
    "asked", ["config.yaml", "EACCES: open '/usr/src/app/IMG_0412.jpg'", "is www.example.org safe?"]
)
def test_a_file_name_alone_or_a_link_with_words_is_still_a_question(guide: Answerer, asked: str) -> None:
    """A file's name may be what is asked about, and words around a link ask about it: each is read as a question."""
    assert guide.answer(asked).outcome in (Outcome.ANSWERED, Outcome.FALLBACK)


def test_a_technology_name_with_a_slash_is_no_link(tmp_path: Path) -> None:
    """ "Node.js/Express" sent alone is a question about Node.js and Express, answered as before, not a link."""
    (tmp_path / "kb.yaml").write_text(
        'source: {title: "T", publisher: "P", url: null}\n'
        "passages:\n"
        "  - id: nodejs\n"
        '    section: "Stack"\n'
        '    text: "The site is built with Node.js and Express, deployed on Fly."\n'
        '    questions: ["Which framework does the site use?"]\n',
        encoding="utf-8",
    )
    answer = Answerer.from_directory(tmp_path).answer("Node.js/Express")
    assert answer.outcome is Outcome.ANSWERED and answer.passage_id == "nodejs", answer.text
