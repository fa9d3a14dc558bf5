"""The command line, through its real entry points (`python -m bot` and `bot.cli.main`)."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot import Service
from bot.cli import main
from tests import pg_support
from tests.backends import Backend, backend, files_only
from tests.conftest import KNOWLEDGE, ROOT, TRANSCRIPTS
from tests.support import child_env, small_kb

schema = pg_support.schema  # the fixture: an empty schema of the test's own
assert backend  # the fixture: each test taking `backend` runs on the files and on PostgreSQL ($QABOT_DATABASE_URL)


@pytest.fixture
def kb_folder(request: pytest.FixtureRequest) -> Path:
    """The knowledge `backend` serves here: the project's seed article, or with `small` the test's small
    folder (`meetups` with its question, `rules`)."""
    folder: Path = request.getfixturevalue("kdir" if getattr(request, "param", None) == "small" else "seed_kdir")
    return folder


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_ask_prints_the_reply(backend: Backend) -> None:
    """`ask` prints the passage and its citation."""
    result = run("ask", "What share of defectors are women?")
    assert result.returncode == 0
    assert "70.5 percent" in result.stdout and "—" in result.stdout


def test_ask_json_has_the_documented_keys(backend: Backend) -> None:
    """`ask --json` prints one JSON object with exactly the documented keys."""
    result = run("ask", "pizza recipes?", "--json")
    data = json.loads(result.stdout)
    assert set(data) == {"ask", "reply", "outcome", "passage_id", "score", "fallback", "hedged", "read_on"}
    assert data["outcome"] == "fallback" and data["fallback"] is True
    assert data["hedged"] is False and data["passage_id"] is None


def test_chat_handles_slash_commands_as_a_private_telegram_chat(backend: Backend) -> None:
    """In the console, /start and /help give the help, /sources the sources, an unknown /command a pointer to /help."""
    result = run("chat", stdin="/start\n/sources\n/frobnicate\nthanks!\n")
    replies = result.stdout.strip().split("\n\n")
    assert replies[0].startswith("I answer questions about") and replies[1] == "Just send me your question."
    assert replies[2].startswith("My answers come from:")
    assert replies[3:] == ["I don't know that command. Send /help to see what I can do.", "You're welcome!"]
    assert "Introduction" not in result.stdout


def test_chat_reads_lines_until_end_of_input(backend: Backend) -> None:
    """`chat` answers each piped line and stops at end of input."""
    result = run("chat", stdin="How many refugees live in South Korea?\n\nWho is Thae Yong-ho?\n")
    assert result.returncode == 0
    assert "27,000-30,000" in result.stdout and "Thae Yong-ho" in result.stdout


def test_knowledge_option_after_arguments(backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--knowledge DIR` after the command's arguments points at another knowledge folder."""
    files_only(backend, "with a database the database's knowledge answers, whatever the folder")
    (tmp_path / "k.yaml").write_text(
        "source: {title: Cats}\npassages:\n"
        "  - {id: cats-sleep, section: Sleep, text: Cats sleep sixteen hours a day.}\n"
        "  - {id: cats-eat, section: Food, text: Cats eat meat.}\n",
        encoding="utf-8",
    )
    assert main(["ask", "How long do cats sleep?", "--knowledge", str(tmp_path)]) == 0
    assert "sixteen hours" in capsys.readouterr().out


def test_kb_check_summary_and_error(backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`kb check` prints a summary when all is well, and the named error (exit 2) when not."""
    files_only(backend, "`kb check` validates a folder's files (as before `kb push`)")
    assert main(["kb", "check"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    shutil.copytree(KNOWLEDGE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "zz-broken.yaml").write_text(
        "source: {title: x}\npassages:\n  - {id: women-majority, section: s, text: t}\n"
    )
    assert main(["kb", "check", "--knowledge", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "zz-broken.yaml:3 (women-majority): duplicate id, already used in five-things" in err
    assert "Traceback" not in err


def test_broken_knowledge_refuses_to_start_without_traceback(backend: Backend, tmp_path: Path) -> None:
    """A bad knowledge file stops every command with one line naming it, not a traceback."""
    files_only(backend, "a broken YAML file in the folder")
    (tmp_path / "k.yaml").write_text("source: {title: x}\npassages:\n  - {id: a, text: t}\n")
    result = run("ask", "hello?", "--knowledge", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "missing required field 'section'" in result.stderr


def test_kb_list_shows_every_passage(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    """`kb list` prints one line per passage: id, section, text."""
    assert main(["kb", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("women-majority\tWho are the North Korean refugees?\t") for line in lines)
    assert len(lines) >= 20


def test_kb_import_writes_a_loadable_draft(
    backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb import` turns a Markdown article into a YAML file that loads and answers."""
    files_only(backend, "`kb check` reads the folder (publishing into a database: test_postgres.py)")
    article = tmp_path / "cats.md"
    article.write_text(
        "# All about cats\n\n## Sleep\n\nCats sleep sixteen hours a day. Kittens sleep even more.\n\n"
        "## Food\n\nCats eat meat. They need taurine. Milk upsets their stomach. Water matters too.\n",
        encoding="utf-8",
    )
    knowledge = tmp_path / "imported"
    knowledge.mkdir()
    assert main(["kb", "import", str(article), "--knowledge", str(knowledge)]) == 0
    assert "wrote 2 draft passages" in capsys.readouterr().out  # up to five sentences each
    assert main(["kb", "check", "--knowledge", str(knowledge)]) == 0  # a draft is not live: the folder is empty
    assert capsys.readouterr().out.startswith("ok: 0 passages")
    assert main(["kb", "drafts", "--knowledge", str(knowledge)]) == 0
    assert capsys.readouterr().out == "cats.yaml\t2\tAll about cats\n"
    assert main(["kb", "publish", "cats.yaml", "--knowledge", str(knowledge), "--data", str(tmp_path / "data")]) == 0
    assert main(["kb", "check", "--knowledge", str(knowledge)]) == 0
    assert main(["ask", "do kittens sleep a lot?", "--knowledge", str(knowledge), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["passage_id"] == "sleep-1"


def test_ask_chat_and_kb_list_answer_from_the_knowledge_as_stored(backend: Backend) -> None:
    """After `kb add`, `ask`, `chat` and `kb list` know the new passage: on PostgreSQL they read the
    database, not the folder `--knowledge` names (which the addition did not touch there)."""
    k = ("--knowledge", str(backend.folder))
    added = run("kb", "add", "--section", "Walruses", "--text", "Walruses eat clams at dawn.", "--id", "walrus", *k)
    assert added.returncode == 0, added.stderr
    assert (backend.folder / "moderators.yaml").exists() != backend.postgres  # on PostgreSQL: only in the database
    asked = run("ask", "what do walruses eat?", "--json", *k)
    assert json.loads(asked.stdout)["passage_id"] == "walrus", asked.stderr
    assert "clams at dawn" in run("chat", *k, stdin="what do walruses eat?\n").stdout
    assert "walrus\tWalruses\tWalruses eat clams at dawn." in run("kb", "list", *k).stdout.splitlines()


def test_ask_on_a_database_not_initialised_says_what_to_run(schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a database whose schema is empty, `ask` is one line naming `db init`, exit 2: not the folder's answer."""
    monkeypatch.setenv("QABOT_DATABASE_URL", pg_support.schema_url(pg_support.SERVER, schema))
    result = run("ask", "What share of defectors are women?")
    assert (result.returncode, result.stdout) == (
        2,
        "",
    ) and "not initialised (run `python -m bot db init`)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_kb_import_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Importing a file that does not exist is a clear error."""
    assert main(["kb", "import", str(tmp_path / "nope.md"), "--knowledge", str(tmp_path)]) == 2
    assert "nope.md" in capsys.readouterr().err


def test_kb_import_of_a_binary_or_missing_file_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A binary file or a missing one is one `error:` line with the file's name, no codec or errno text."""
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    for path, problem in ((binary, "a binary file"), (tmp_path / "nope.md", "file not found")):
        assert main(["kb", "import", str(path), "--knowledge", str(tmp_path)]) == 2
        assert capsys.readouterr().err == f"error: {path}: {problem}" + (
            " (it holds NUL bytes), not a text article\n" if path == binary else "\n"
        )


def test_ask_replies_in_the_questions_language(capsys: pytest.CaptureFixture[str]) -> None:
    """The platforms reply in the asker's language; the command line replied to a Korean question in English."""
    assert main(["ask", "북한 음식 가격은?", "--knowledge", str(KNOWLEDGE)]) == 0
    assert "죄송합니다" in capsys.readouterr().out


def test_ask_and_chat_record_gaps_only_when_asked_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A moderator trying the gaps loop from the command line found `kb gaps` empty: `--record` records a
    question not answered for sure, as the platforms do; without it nothing is written."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "notes.yaml").write_text(small_kb(), encoding="utf-8")
    data = str(tmp_path / "data")
    question = "Where do I park my bicycle?"
    assert main(["ask", question, "--knowledge", str(folder), "--data", data]) == 0
    assert not (tmp_path / "data").exists()
    assert main(["ask", question, "--knowledge", str(folder), "--data", data, "--record"]) == 0
    capsys.readouterr()
    assert main(["kb", "gaps", "--knowledge", str(folder), "--data", data]) == 0
    assert f"“{question}”" in capsys.readouterr().out


def test_a_piped_chat_that_records_is_never_throttled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A moderator piped 100 questions into `chat --record`: from the sixth on the replies were "You're
    asking quickly" and nothing was recorded. The console's own user has no flood to hold back."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "notes.yaml").write_text(small_kb(), encoding="utf-8")
    data = str(tmp_path / "data")
    questions = [f"Where do I park bicycle number {n}?" for n in range(12)]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    assert main(["chat", "--knowledge", str(folder), "--data", data, "--record"]) == 0
    assert "asking quickly" not in capsys.readouterr().out
    assert main(["kb", "gaps", "--knowledge", str(folder), "--data", data]) == 0
    assert "×12" in capsys.readouterr().out


def test_ask_typed_in_a_recording_console_chat_is_recorded_as_a_gap(
    kdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`chat --record` records a question not answered, typed plain or as `/ask ...`, as the platforms do."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("what is the wifi password?\n/ask where is the bicycle parking?\n"))
    out = io.StringIO()
    assert main(["chat", "--record", "--knowledge", str(kdir)], out=out) == 0
    service = Service.from_directory(kdir)
    try:
        assert service.gaps is not None
        asked = [q for gap in service.gaps.gaps() for q in gap.questions]
    finally:
        service.close()
    assert "what is the wifi password?" in asked
    assert "where is the bicycle parking?" in asked


def test_kb_import_makes_a_missing_folder_or_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing knowledge folder is made and said so (an existing one is not), the one passage drafted called
    "it"; a folder that cannot be made, or a file given as the folder, is one `error:` line naming the folder."""
    article, folder = tmp_path / "faq.md", tmp_path / "new" / "knowledge"
    article.write_text("# FAQ\n\n## Parking\n\nBicycles go in the racks behind the library.\n", encoding="utf-8")
    assert main(["kb", "import", str(article), "--knowledge", str(folder)]) == 0
    draft = folder / "drafts" / "faq.yaml"
    assert capsys.readouterr().out.splitlines() == [
        f"made the knowledge folder {folder} (it did not exist)",
        f"wrote 1 draft passage to {draft}; review it, then `kb publish faq.yaml --knowledge {folder}`",
    ]  # the hint runs as written: without --knowledge it looked in the seed article's folder
    other = tmp_path / "hours.md"
    other.write_text("# Hours\n\n## Opening\n\nThe library opens at nine every morning.\n", encoding="utf-8")
    assert main(["kb", "import", str(other), "--knowledge", str(folder)]) == 0
    assert "made the knowledge folder" not in capsys.readouterr().out
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    for given, problem in (
        (a_file / "knowledge", "cannot make the knowledge folder (not a directory)"),
        (a_file, "is not a folder; give the knowledge folder"),
    ):
        assert main(["kb", "import", str(article), "--knowledge", str(given)]) == 2
        assert capsys.readouterr().err == f"error: {given}: {problem}\n"


def test_kb_import_of_several_articles_drafts_each_and_names_the_one_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb import a.md b.pdf c.md` drafts a and c, says b on one `error:` line, and exits 2; a folder that
    cannot be made stops at the first article, with one line."""
    folder = tmp_path / "knowledge"
    first, bad, last = tmp_path / "a.md", tmp_path / "b.pdf", tmp_path / "c.md"
    first.write_text("# A\n\nBicycles go in the racks behind the library.\n", encoding="utf-8")
    bad.write_bytes(b"%PDF-1.7\n")
    last.write_text("# C\n\nThe library opens at nine every morning.\n", encoding="utf-8")
    assert main(["kb", "import", str(first), str(bad), str(last), "--knowledge", str(folder)]) == 2
    captured = capsys.readouterr()
    assert sorted(p.name for p in (folder / "drafts").iterdir()) == ["a.yaml", "c.yaml"]
    assert captured.err.splitlines() == [f"error: {bad}: a PDF document, not a text article; {SAVE_AS}"]
    assert (
        captured.out.splitlines()[-1]
        == f"2 of 3 articles drafted; `kb publish --all --knowledge {folder}` publishes them"
    )
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    assert main(["kb", "import", str(first), str(last), "--knowledge", str(a_file)]) == 2
    assert capsys.readouterr().err == f"error: {a_file}: is not a folder; give the knowledge folder\n"


def test_kb_import_of_two_articles_of_one_name_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`kb import a/faq.md b/faq.md`: the second's draft would be the first's; a file named `drafts` stops it."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "faq.md", tmp_path / "b" / "faq.md"
    first.write_text("# A\n\nBicycles go in the racks.\n", encoding="utf-8")
    second.write_text("# B\n\nBooks go back in three weeks.\n", encoding="utf-8")
    folder = tmp_path / "knowledge"
    assert main(["kb", "import", str(first), str(second), "--knowledge", str(folder)]) == 2
    assert capsys.readouterr().err == (
        f"error: {second}: its draft faq.yaml was just written from {first}; rename one of the two articles\n"
    )
    other = tmp_path / "other"
    other.mkdir()
    (other / "drafts").write_text("not a folder", encoding="utf-8")
    assert main(["kb", "import", str(first), str(second), "--knowledge", str(other)]) == 2
    assert (
        capsys.readouterr().err
        == f"error: {other / 'drafts'}: is a file, not the drafts folder; move it away and import again\n"
    )


SAVE_AS = "save it as plain text, Markdown or a web page (HTML) first"


def test_run_without_tokens_says_which_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """`run` with no token set exits at once with one line naming the variables."""
    env = {k: v for k, v in __import__("os").environ.items() if not k.endswith("_BOT_TOKEN")}
    result = subprocess.run(
        [sys.executable, "-m", "adapters", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "DISCORD_BOT_TOKEN" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["run"], ["discord", "sync"], ["bench"]])
def test_the_core_command_line_points_platform_commands_to_the_adapters(args: list[str]) -> None:
    """`python -m bot run` (or `discord sync`, `bench`) says in one line to use `python -m adapters`, and exits 2."""
    result = run(*args)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: `{' '.join(args)}` is part of the full command line: "
        f"use `python -m adapters {' '.join(args)}` (or `qabot {' '.join(args)}`)"
    ]


def test_the_full_command_line_has_the_core_commands(backend: Backend) -> None:
    """`python -m adapters ask` answers like `python -m bot ask`."""
    result = subprocess.run(
        [sys.executable, "-m", "adapters", "ask", "Who is Yeonmi Park?"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout == run("ask", "Who is Yeonmi Park?").stdout


def test_console_script_is_installed() -> None:
    """The `qabot` console script runs the same command line."""
    script = shutil.which("qabot", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("package not installed with its console script")
    result = subprocess.run([script, "ask", "Who is Yeonmi Park?"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Yeonmi Park" in result.stdout


def test_the_console_script_calls_itself_qabot_in_its_usage() -> None:
    """`qabot --help` and a usage error of `qabot` name `qabot` (they said `python -m adapters`, a command the
    operator of an installed bot had not typed); `python -m adapters` keeps its own name."""
    script = shutil.which("qabot", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("package not installed with its console script")
    helped = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    refused = subprocess.run([script, "kb", "edit"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: qabot "), helped.stdout
    assert refused.returncode == 2 and refused.stderr.startswith("usage: qabot kb edit "), refused.stderr
    module = subprocess.run([sys.executable, "-m", "adapters", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert module.stdout.startswith("usage: python -m adapters ")


@pytest.mark.parametrize("kb_folder", ["small"], indirect=True)
def test_alias_takes_an_open_gap_or_explicit_text(backend: Backend, kdir: Path, tmp_path: Path) -> None:
    """`kb alias P 99` with no gap 99 is refused; words are attached only with --text; history shows what differs."""
    k = ["--knowledge", str(kdir), "--data", str(tmp_path / "data")]
    for ref in ("99", "g000000"):
        refused = run("kb", "alias", "meetups", ref, *k)
        assert refused.returncode == 1 and f"No open gap `{ref}`" in refused.stderr
    words = run("kb", "alias", "meetups", "when do we meet", *k)
    assert words.returncode == 2 and "--text" in words.stderr
    attached = run("kb", "alias", "meetups", "--text", "99", *k)
    assert attached.returncode == 0 and "Attached “99” to `meetups`" in attached.stdout
    history = run("kb", "history", "meetups", *k).stdout
    assert "+ question: “99”" in history and "before:" not in history
    assert run("kb", "history", "nope", *k).stdout.strip() == "No changes recorded for `nope`."
    negative = run("kb", "history", "--limit", "-1", *k)
    assert negative.returncode == 2 and "at least 1" in negative.stderr
    cleared = run("kb", "edit", "meetups", "--no-questions", *k)
    assert cleared.returncode == 0 and "- question: “When is the meetup?”" in run("kb", "history", *k).stdout


def run_into_closed_pipe(module: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run `python -m MODULE ARGS` with standard output a pipe whose reader has gone, as in `... | head -0`."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=cwd,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("module", ["bot", "adapters"])
@pytest.mark.parametrize(
    "args",
    [
        ("replay", *sorted(str(p) for p in TRANSCRIPTS.glob("*.yaml"))),
        ("replay", str(TRANSCRIPTS / "community-dev.yaml"), "--json"),
        ("ask", "Why do North Koreans flee?"),
        ("kb", "history"),
    ],
    ids=["replay", "replay-json", "ask", "kb-history"],
)
def test_a_closed_pipe_ends_quietly(module: str, args: tuple[str, ...], tmp_path: Path) -> None:
    """Piped into a reader that has gone (`| head -1`), a command stops with 141 and no traceback."""
    data = ("--data", str(tmp_path)) if args[0] == "kb" else ()
    result = run_into_closed_pipe(module, *args, *data)
    assert result.returncode == 141, result.stderr
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_a_file_given_as_the_knowledge_folder_is_named_a_file() -> None:
    """`--knowledge README.md` says it is a file, not a folder (it used to say "folder not found")."""
    result = run("ask", "x", "--knowledge", "README.md")
    assert result.returncode == 2
    assert result.stderr == "error: README.md: this is a file, not a knowledge folder (give the folder that holds it)\n"


def test_history_gaps_and_stats_read_the_data_folder_when_a_file_is_broken(
    kdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A knowledge file broken by a hand edit refused `kb history` too, though the history of recent
    changes is what the moderator then needs; a change is still refused, naming the file."""
    data = ["--knowledge", str(kdir), "--data", str(tmp_path / "data")]
    assert main(["kb", "add", "--section", "Parking", "--text", "Bikes go behind the hall.", *data], io.StringIO()) == 0
    (kdir / "broken.yaml").write_text("source: {title: X}\npassages: [unclosed\n", encoding="utf-8")
    capsys.readouterr()
    for command, said in (("history", "add parking by"), ("gaps", "No unanswered"), ("stats", "Most asked")):
        out = io.StringIO()
        assert main(["kb", command, *data], out) == 0
        err = capsys.readouterr().err
        assert said in out.getvalue() and "broken.yaml" in err and "reads the data folder alone" in err
    assert main(["kb", "remove", "parking", *data], io.StringIO()) == 2
    assert "broken.yaml" in capsys.readouterr().err
    mistyped = ["--knowledge", str(kdir) + "-typo", "--data", str(tmp_path / "data")]
    assert main(["kb", "history", *mistyped], io.StringIO()) == 2  # a path mistyped is no broken file
    assert "not found" in capsys.readouterr().err


def test_history_of_a_broken_folder_needs_no_gaps_database_and_gaps_refuse_in_one_line(
    kdir: Path, tmp_path: Path
) -> None:
    """With a knowledge file broken and a gaps.sqlite3 that is no database, `kb history` still shows the
    history (it needs no gaps database), and `kb gaps` and `kb stats` refuse in one line, never a traceback."""
    data = tmp_path / "data"
    common = ["--knowledge", str(kdir), "--data", str(data)]
    added = ["kb", "add", "--section", "Parking", "--text", "Bikes go behind the hall.", *common]
    assert main(added, io.StringIO()) == 0
    (data / "gaps.sqlite3").write_bytes(b"this is not an SQLite database, just text " * 50)
    (kdir / "broken.yaml").write_text("source: {title: X}\npassages: [unclosed\n", encoding="utf-8")
    history = run("kb", "history", *common)
    assert "Traceback" not in history.stderr, history.stderr
    assert history.returncode == 0 and "add parking" in history.stdout
    for command in ("gaps", "stats"):
        result = run("kb", command, *common)
        assert "Traceback" not in result.stderr, result.stderr
        assert "The gaps database (gaps.sqlite3 in the data folder) cannot be used" in result.stderr


def test_kb_check_warns_of_a_source_address_discord_cannot_link(kdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`url: www.example.org/faq` passed `kb check`, and Discord then refused every answer of that source."""
    notes = kdir / "notes.yaml"
    text = notes.read_text(encoding="utf-8")
    notes.write_text(text.replace('{title: "Test notes"}', '{title: "Test notes", url: www.example.org/faq}'), "utf-8")
    assert main(["kb", "check", "--knowledge", str(kdir)], io.StringIO()) == 0
    err = capsys.readouterr().err
    assert "source “Test notes”: url 'www.example.org/faq' is not a web address (http:// or https://)" in err


def test_qabot_knowledge_names_the_folder_once_for_every_command(
    kdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A moderator who forgot `--knowledge` once had `kb gaps` list their community's questions against
    the bundled article, and `kb alias` attach one there. `QABOT_KNOWLEDGE` sets the folder once."""
    monkeypatch.setenv("QABOT_KNOWLEDGE", str(kdir))
    out = io.StringIO()
    assert main(["ask", "When does the community meet?", "--json", "--data", str(tmp_path / "d")], out) == 0
    assert json.loads(out.getvalue())["passage_id"] == "meetups"  # the folder's own passage
    out = io.StringIO()
    assert main(["kb", "check"], out) == 0 and "2 passages in 1 file," in out.getvalue()
    assert main(["kb", "check", "--knowledge", str(KNOWLEDGE)], io.StringIO()) == 0  # the flag still wins


def test_chat_and_ask_record_their_gaps_on_either_backend(backend: Backend) -> None:
    """`chat --record` and `ask --record`, then `kb gaps`, the step before going live, on files and on
    PostgreSQL alike: the command closes its service, which writes the database's queued records (they
    had been lost at the exit, nearly always)."""
    asked = ["Is there a soldering iron I can borrow?", "Do you sell beer?"]
    for question in asked[:1]:
        chat = run("chat", "--record", "--knowledge", str(backend.folder), stdin=question + "\n")
        assert chat.returncode == 0, chat.stderr
    ask = run("ask", "--record", asked[1], "--knowledge", str(backend.folder))
    assert ask.returncode == 0, ask.stderr
    gaps = run("kb", "gaps", "--knowledge", str(backend.folder))
    assert gaps.returncode == 0 and all(f"“{q}”" in gaps.stdout for q in asked), gaps.stdout


needs_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, whose writes fail with ENOSPC")


def run_into_full(*args: str, stream: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` with `stream` ("stdout" or "stderr") written to a full disk, the other kept."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        outputs = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, stream: full}
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT, env=child_env(), text=True, timeout=120, check=False, **outputs,  # type: ignore[call-overload]
        )  # fmt: skip


@needs_full
def test_an_error_line_a_full_disk_refuses_leaves_the_commands_own_exit_code(tmp_path: Path) -> None:
    """`kb check` of a folder not there, its error line refused (2>/dev/full), had ended in a traceback and exit 1
    ("a change was refused"); it is exit 2, unusable input, as with the line written."""
    done = run_into_full("kb", "check", "--knowledge", str(tmp_path / "missing"), stream="stderr")
    assert done.returncode == 2 and done.stdout == ""


@needs_full
def test_a_warning_a_full_disk_refuses_after_the_work_is_done_is_exit_74(kdir: Path) -> None:
    """`kb check` warns of `faq.yml` (not read) on standard error: refused there, it had been a traceback and exit 1
    after the summary was printed; the check was done, nothing could be said: exit 74, the summary kept."""
    (kdir / "faq.yml").write_text("passages: []\n", encoding="utf-8")
    done = run_into_full("kb", "check", "--knowledge", str(kdir), stream="stderr")
    assert done.returncode == 74 and done.stdout.startswith("ok: 2 passages")


@needs_full
def test_a_full_disk_names_kb_history_only_after_a_change(kdir: Path) -> None:
    """`replay > file` on a full disk changed nothing: its line had pointed at `kb history` as `kb add`'s does."""
    transcript = kdir.parent / "t.yaml"
    transcript.write_text('name: t\nturns:\n  - ask: "When does the community meet?"\n', encoding="utf-8")
    replayed = run_into_full("replay", str(transcript), "--knowledge", str(kdir), stream="stdout")
    assert replayed.returncode == 74 and "could not be written" in replayed.stderr
    assert "kb history" not in replayed.stderr
    add = ["kb", "add", "--section", "S", "--text", "Some text.", "--knowledge", str(kdir)]
    added = run_into_full(*add, stream="stdout")
    assert added.returncode == 74 and "`kb history` shows the change made" in added.stderr


# A command added as `adapters.cli` adds `run`: it warns on standard error and succeeds.
DECLARED = """
import sys
from bot import cli

parser, commands, command = cli.build_parser()
command(commands, "tail", lambda args, out: print("warning: a line", file=sys.stderr) or 0, "h", output=cli.Output.{0})
sys.exit(cli.main(["tail"], parser=parser))
"""


@needs_full
@pytest.mark.parametrize(("declared", "code"), [("LOG", 0), ("PRODUCT", 74)])
def test_a_command_declaring_its_output_a_log_keeps_its_code_when_its_lines_are_lost(declared: str, code: int) -> None:
    """A new command that declares its output a log (as `run` does) ends with its own code though standard error
    refused its line; the same command declaring its output its product ends with 74. No command is named."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run(
            [sys.executable, "-c", DECLARED.format(declared)],
            cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=full, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == code, done.stdout


def test_ctrl_c_names_kb_history_only_after_a_change(kdir: Path) -> None:
    """Ctrl-C in `chat` (which changes nothing) had pointed at `kb history` for "what was made"; it says only
    that nothing was left half-done."""
    chat = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--knowledge", str(kdir)],
        cwd=ROOT, env=child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert chat.stdin is not None and chat.stdout is not None
    chat.stdin.write("When does the community meet?\n")
    chat.stdin.flush()
    while chat.stdout.readline().strip():  # the reply, up to the blank line after it: chat waits for the next
        pass
    chat.send_signal(signal.SIGINT)
    err = chat.communicate(timeout=60)[1]
    assert chat.returncode == 130, err
    assert err == "error: interrupted; no change was left half-done\n"


def test_a_data_folder_that_is_a_file_is_one_error_line_not_a_log_record(tmp_path: Path) -> None:
    """`kb gaps --data FILE` says why in its one `error:` line; the gaps store's log record ("gaps database
    unavailable", with its time and logger) that had come before it, saying the same, is left out."""
    (tmp_path / "afile").write_text("", encoding="utf-8")
    done = run("kb", "gaps", "--data", str(tmp_path / "afile"))
    assert done.returncode == 1
    assert done.stderr.startswith("error: The gaps database") and len(done.stderr.splitlines()) == 1, done.stderr


def test_the_first_passage_of_an_empty_folder_is_added_without_a_warning(tmp_path: Path) -> None:
    """`kb add` on a folder of no knowledge yet: the log's "every question is declined until a moderator adds a
    passage", moot as it adds one, had been printed as a WARNING record; standard error stays empty."""
    (tmp_path / "kb").mkdir()
    add = [
        "kb",
        "add",
        "--section",
        "S",
        "--text",
        "Hello.",
        "--knowledge",
        str(tmp_path / "kb"),
        "--data",
        str(tmp_path),
    ]
    done = run(*add)
    assert done.returncode == 0 and done.stdout.startswith("Added passage"), done.stderr
    assert done.stderr == ""


def test_a_one_shot_commands_warning_is_a_plain_note(tmp_path: Path) -> None:
    """`kb list` of a folder of no knowledge yet says so in one `warning:` line: no time, no level, no logger."""
    (tmp_path / "kb").mkdir()
    done = run("kb", "list", "--knowledge", str(tmp_path / "kb"))
    declined = f"warning: {tmp_path / 'kb'}: no knowledge files (*.yaml) in this folder: every question is declined"
    assert done.returncode == 0 and done.stderr.startswith(declined) and len(done.stderr.splitlines()) == 1, done.stderr


def test_a_note_is_said_before_the_output_that_follows_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bot.cli.main` says a warning logged during the command, as a note, before the output written after it."""
    (tmp_path / "kb").mkdir()
    seen: list[str] = []

    class Watched(io.StringIO):
        def write(self, text: str) -> int:
            seen.append(capsys.readouterr().err)  # standard error so far, at the output's first line
            return super().write(text)

    assert main(["ask", "Anything?", "--knowledge", str(tmp_path / "kb")], Watched()) == 0
    assert seen[0].startswith(f"warning: {tmp_path / 'kb'}: no knowledge files"), seen
