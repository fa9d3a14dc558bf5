"""Moderation through the real core: who may change what, every kb command, history and undo."""

from __future__ import annotations

import errno
import io
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot import Request, catalogue, cli, knowledge
from bot.config import Config, Moderators
from bot.curation.moderation import Refused
from bot.curation.store import disk_message
from bot.service import Asker, Service
from bot.watcher import KnowledgeWatcher
from tests.backends import Backend, backend, files_only
from tests.conftest import KNOWLEDGE, ROOT
from tests.support import HOUSE_RULES, saving_by_hand, small_kb

assert backend  # the fixture: each test taking `backend` runs on the files and on PostgreSQL

JOBS_TEXT = "Many women who resettle in South Korea find work in restaurants, care homes and factories."
JOBS_QUESTION = "What jobs do refugee women find in the South?"
MEETUP_TEXT = "The community meetup is every first Saturday of the month at the Riverside library."
MEETUP_QUESTION = "When is the next community meetup?"


@pytest.fixture
def kb_folder(seed_kdir: Path) -> Path:
    """The knowledge `backend` serves here: the project's seed article."""
    return seed_kdir


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


def test_cli_add_prints_the_id_last_and_the_passage_answers(seed_kdir: Path) -> None:
    """`kb add` writes moderators.yaml, prints the new id alone last, and `ask` answers with it."""
    code, out = run_cli(
        "kb", "add", "--section", "Work", "--text", JOBS_TEXT, "--question", JOBS_QUESTION,
        "--id", "women-jobs", "--by", "alice", "--knowledge", str(seed_kdir),
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[-1] == "women-jobs"
    data = yaml.safe_load((seed_kdir / "moderators.yaml").read_text(encoding="utf-8"))
    assert data["source"]["title"] == "Moderator notes"
    assert data["passages"][-1]["id"] == "women-jobs"
    code, out = run_cli("ask", JOBS_QUESTION, "--json", "--knowledge", str(seed_kdir))
    assert code == 0 and '"passage_id": "women-jobs"' in out


def test_cli_edit_alias_remove_undo_and_history(seed_kdir: Path) -> None:
    """Each kb command changes the file it should, and history and undo walk back through them."""
    article = next(p for p in seed_kdir.glob("five-things*.yaml"))
    article_text = article.read_text(encoding="utf-8")
    k = ("--knowledge", str(seed_kdir))
    assert run_cli("kb", "add", "--section", "Work", "--text", JOBS_TEXT, "--id", "women-jobs", *k)[0] == 0
    assert article.read_text(encoding="utf-8") == article_text  # additions never touch the article's file
    assert run_cli("kb", "edit", "women-jobs", "--text", "Restaurants and factories.", *k)[0] == 0
    assert run_cli("kb", "alias", "women-jobs", "--text", "where do defector women work", *k)[0] == 0
    kb = knowledge.load(seed_kdir)
    passage = kb.get("women-jobs")
    assert passage is not None and passage.text == "Restaurants and factories."
    assert passage.questions == ("where do defector women work",)
    assert run_cli("kb", "remove", "yeonmi-park", *k)[0] == 0
    assert knowledge.load(seed_kdir).get("yeonmi-park") is None
    code, out = run_cli("kb", "history", *k)
    assert code == 0 and out.index("remove yeonmi-park") < out.index("alias women-jobs") < out.index("add women-jobs")
    assert "before: [" in out and "after:  [" in out
    assert run_cli("kb", "undo", *k)[0] == 0  # the removal
    assert article.read_text(encoding="utf-8") != article_text or knowledge.load(seed_kdir).get("yeonmi-park")
    assert [p.id for p in knowledge.load(seed_kdir)] == [p.id for p in knowledge.load(KNOWLEDGE)] + ["women-jobs"]
    assert run_cli("kb", "undo", *k)[0] == 0  # the alias
    assert run_cli("kb", "undo", *k)[0] == 0  # the edit
    passage = knowledge.load(seed_kdir).get("women-jobs")
    assert passage is not None and passage.text == JOBS_TEXT and passage.questions == ()
    code, out = run_cli("kb", "history", "women-jobs", *k)
    assert out.count("undo women-jobs") == 2


def test_cli_refuses_bad_input_with_one_line(
    backend: Backend, seed_kdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown id, a taken id, an empty text and nothing to undo each get a clear error, exit 1."""
    k = ("--knowledge", str(seed_kdir))
    assert run_cli("kb", "remove", "no-such-passage", *k)[0] == 1
    assert "No passage with the id `no-such-passage`" in capsys.readouterr().err
    assert run_cli("kb", "add", "--section", "S", "--text", "T", "--id", "yeonmi-park", *k)[0] == 1
    assert "already used" in capsys.readouterr().err
    assert run_cli("kb", "add", "--section", "S", "--text", "  ", *k)[0] == 1
    assert "text is empty" in capsys.readouterr().err
    assert run_cli("kb", "undo", *k)[0] == 1
    assert "Nothing to undo" in capsys.readouterr().err


def test_an_id_too_long_is_refused_by_its_length(seed_kdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An id of lowercase letters one over the limit is refused for its length, not as 'not a passage id'."""
    k = ("--knowledge", str(seed_kdir), "--data", str(seed_kdir.parent / "data"))
    assert run_cli("kb", "add", "--section", "S", "--text", "Some text.", "--id", "a" * 65, *k)[0] == 1
    assert capsys.readouterr().err == "error: The id is 65 characters; the limit is 64.\n"
    assert run_cli("kb", "add", "--section", "S", "--text", "Some text.", "--id", "a" * 64, *k)[0] == 0
    assert run_cli("kb", "remove", "Not_An_Id_" + "x" * 40, *k)[0] == 1
    assert f"`Not_An_Id_{'x' * 40}` is not a passage id" in capsys.readouterr().err  # shown whole, not cut at 40


def test_python_m_bot_kb_add_in_a_subprocess(seed_kdir: Path) -> None:
    """`python -m bot kb add` works as a real process and prints the id alone on the last line."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "add", "--section", "Work", "--text", JOBS_TEXT,
         "--knowledge", str(seed_kdir)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    new_id = result.stdout.splitlines()[-1]
    assert knowledge.load(seed_kdir).get(new_id) is not None


def moderated(backend: Backend, **moderators: object) -> Service:
    return backend.service(moderators=Moderators(**moderators))  # type: ignore[arg-type]


def test_non_moderators_are_refused_and_logged(backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    """Someone not in the config gets a short refusal from every method, and the attempt is logged."""
    service = moderated(backend, telegram_users=frozenset({"42"}), discord_roles=frozenset({"777"}))
    stranger = Asker("telegram", "13", "chat-1", name="mallory")
    mod = service.moderation
    calls = [
        lambda: mod.add(stranger, section="S", text="T"),
        lambda: mod.edit(stranger, "yeonmi-park", text="x"),
        lambda: mod.remove(stranger, "yeonmi-park"),
        lambda: mod.alias(stranger, "yeonmi-park", "q"),
        lambda: mod.undo(stranger),
        lambda: mod.history(stranger),
        lambda: mod.gaps(stranger),
        lambda: mod.stats(stranger),
        lambda: mod.dismiss(stranger, "1"),
    ]
    for call in calls:
        with pytest.raises(Refused, match="only moderators"):
            call()
    refusals = [r for r in caplog.records if r.levelno == logging.WARNING and "not a moderator" in r.getMessage()]
    assert len(refusals) == len(calls)
    assert backend.load().get("yeonmi-park") is not None


def test_who_is_a_moderator(backend: Backend) -> None:
    """Listed users and roles are moderators; admins only when the setting says so."""
    strict = moderated(backend, telegram_users=frozenset({"42"}), discord_users=frozenset({"9"}),
                       discord_roles=frozenset({"777"})).moderation  # fmt: skip
    assert strict.is_moderator(Asker("telegram", "42"))
    assert strict.is_moderator(Asker("discord", "9"))
    assert strict.is_moderator(Asker("discord", "1", roles=("5", "777")))
    assert not strict.is_moderator(Asker("discord", "42"))  # a Telegram id is not a Discord id
    assert not strict.is_moderator(Asker("telegram", "1", admin=True))
    assert not strict.is_moderator(Asker("discord", "1", admin=True))
    assert not strict.is_moderator(Asker("console", "42"))
    places = {"telegram_admin_chats": frozenset({"-100"}), "discord_admin_guilds": frozenset({"8"})}
    trusting = moderated(backend, telegram_group_admins=True, discord_manage_server=True, **places).moderation
    assert trusting.is_moderator(Asker("telegram", "1", "-100", admin=True))
    assert trusting.is_moderator(Asker("discord", "1", "c", admin=True, guild_id="8"))
    assert not trusting.is_moderator(Asker("telegram", "1", "-200", admin=True))  # a group the config does not name
    assert not trusting.is_moderator(Asker("discord", "1", "c", admin=True, guild_id="9"))  # another server
    nowhere = moderated(backend, telegram_group_admins=True, discord_manage_server=True).moderation
    assert not nowhere.is_moderator(Asker("telegram", "1", "-100", admin=True))  # flag on, no list: no place
    assert not nowhere.is_moderator(Asker("discord", "1", "c", admin=True, guild_id="8"))


def test_a_change_is_answered_on_the_next_question(backend: Backend) -> None:
    """A moderator's addition, edit and removal are live for the very next question."""
    service = moderated(backend, telegram_users=frozenset({"42"}))
    mod, asker = Asker("telegram", "42", "c", name="mod"), Asker("discord", "7", "d")
    assert service.ask(MEETUP_QUESTION, asker).fallback
    change = service.moderation.add(mod, section="Meetups", text=MEETUP_TEXT, questions=[MEETUP_QUESTION])
    assert change.kind == "add" and change.passage_id in change.message
    assert service.ask(MEETUP_QUESTION, asker).passage_id == change.passage_id
    service.moderation.edit(mod, change.passage_id, text="Meetups moved to Sundays at the Riverside library.")
    answer = service.ask(MEETUP_QUESTION, asker)
    assert answer.passage_id == change.passage_id and "Sundays" in answer.text
    service.moderation.remove(mod, change.passage_id)
    assert service.ask(MEETUP_QUESTION, asker).fallback


@pytest.mark.allow_error_logs  # on PostgreSQL the follower's own catch-up, boxed, may give up and say so
def test_a_change_said_to_be_live_is_live_when_a_reload_would_run_past_reload_timeout(backend: Backend) -> None:
    """A moderator told "It is live now." gets members the new text also when a reload runs past
    `reload_timeout` (a large folder on a busy machine): the reload of a change just checked is not given up."""
    service = backend.service(reload_timeout=1e-9)  # any reload takes longer
    mod, asker = Asker("cli", "", name="ann"), Asker("discord", "7", "d")
    added = service.moderate(Request("add", section="Meetups", text=MEETUP_TEXT, questions=(MEETUP_QUESTION,)), mod)
    passage_id = service.ask(MEETUP_QUESTION, asker).passage_id
    assert not added.refused and passage_id is not None
    edited = service.moderate(Request("edit", passage_id, text="Meetups moved to Sundays at the town hall."), mod)
    assert "It is live now." in edited.text
    assert "Sundays" in service.ask(MEETUP_QUESTION, asker).text


def test_an_added_passages_confirmation_says_when_its_question_still_gets_another_passage(backend: Backend) -> None:
    """`kb add` with a question another passage answers says, as `kb alias` does, which passage it still gets."""
    service = moderated(backend, telegram_users=frozenset({"42"}))
    mod = Asker("telegram", "42", "42", name="Ann")
    reply = service.moderate(
        Request(
            "add",
            section="Winter schedule",
            text="From November to March the group gathers on Sundays at noon in the town hall.",
            questions=("Who published this article?",),
        ),
        mod,
    )
    assert not reply.refused, reply.text
    got = service.ask("Who published this article?", Asker("telegram", "777", "777")).passage_id
    assert got == "winter-schedule" or (got is not None and got in reply.text), (got, reply.text)
    still = f"Asked now, “Who published this article?” still gets `{got}`."
    assert got != "winter-schedule" and reply.text.splitlines()[-1] == still, reply.text
    edited = service.moderate(
        Request("edit", passage_id="winter-schedule", questions=("Who published this article?", "When in winter?")),
        mod,
    )
    assert edited.text.splitlines()[1:] == [still], edited.text


def test_kb_add_says_when_a_question_it_was_given_is_still_not_answered(backend: Backend) -> None:
    """`kb add` asks its questions again and says so of one that, asked now, gets no answer at all, as
    `kb alias` says of the same words ("but asked now it is still not answered"): it said only that the
    passage was live, and members asking that question go on getting "I don't know"."""
    service = backend.service(moderators=Moderators(telegram_users=frozenset({"42"})))
    moderator = Asker("telegram", "42", "42", name="Ann")
    reply = service.moderate(
        Request("add", section="Bikes", text="Bikes go in the racks behind the hall.", questions=("Where is it?",)),
        moderator,
    )
    assert not reply.refused, reply.text
    asked = service.ask("Where is it?", Asker("telegram", "777", "777"))
    assert asked.passage_id is None  # the question given gets no answer at all
    alias = service.moderate(Request("alias", passage_id="bikes", question="Where?"), moderator)
    assert "still not answered" in alias.text  # what kb alias says of such words
    assert "not answered" in reply.text, reply.text


def test_undo_refuses_when_the_passage_changed_since(backend: Backend, seed_kdir: Path) -> None:
    """Undo never overwrites a later change: if the passage was edited since, it refuses."""
    files_only(backend, "the later change is a hand edit of moderators.yaml")
    service = moderated(backend)
    cli_user, other = Asker("cli", "", name="a"), Asker("cli", "", name="b")
    change = service.moderation.add(cli_user, section="Meetups", text=MEETUP_TEXT)
    article = next(seed_kdir.glob("five-things*.yaml"))
    text = article.read_text(encoding="utf-8")
    # someone edits the passage by hand (in the moderators' file) after the add
    notes = seed_kdir / "moderators.yaml"
    notes.write_text(notes.read_text(encoding="utf-8").replace("Riverside", "Lakeside"), encoding="utf-8")
    with pytest.raises(Refused, match="changed since"):
        service.moderation.undo(other)
    assert knowledge.load(seed_kdir).get(change.passage_id) is not None
    assert article.read_text(encoding="utf-8") == text


def test_an_edit_made_on_a_passage_as_it_was_is_refused_over_a_change_made_since(backend: Backend) -> None:
    """An edit that carries the passage as the moderator's form showed it is checked under the
    write's own lock: a field it sets that another moderator changed since (here an alias) is
    refused, and their change stays; a field it leaves alone may have changed."""
    service = moderated(backend)
    a, b = Asker("cli", "", name="a"), Asker("cli", "", name="b")
    pid = service.moderation.add(a, section="Meetups", text=MEETUP_TEXT, questions=[MEETUP_QUESTION]).passage_id
    opened = service.passage(pid)
    assert opened is not None
    service.moderation.alias(b, pid, "Where do we meet?")
    with pytest.raises(Refused, match="changed since you opened"):
        service.moderation.edit(a, pid, questions=[MEETUP_QUESTION, "Is the meetup free?"], opened=opened)
    passage = service.passage(pid)
    assert passage is not None and passage.questions == (MEETUP_QUESTION, "Where do we meet?")
    service.moderation.edit(a, pid, text="The meetup is every first Sunday.", opened=opened)
    passage = service.passage(pid)
    assert passage is not None and passage.text == "The meetup is every first Sunday."
    assert passage.questions == (MEETUP_QUESTION, "Where do we meet?")


def test_a_moderators_name_with_a_lone_surrogate_is_recorded_not_a_traceback(backend: Backend) -> None:
    """Telegram's JSON can carry a lone surrogate in a member's name ("\\ud800"), which no history
    can store: the change was a traceback and not made; it is made, the name written out."""
    service = moderated(backend, telegram_users=frozenset({"42"}))
    mod = Asker("telegram", "42", "chat-1", name="Kim \ud800")
    change = service.moderation.add(mod, section="Meetups", text=MEETUP_TEXT)
    assert service.passage(change.passage_id) is not None
    assert "Kim \\ud800" in service.moderation.history(mod)


def test_a_broken_knowledge_file_blocks_changes_until_fixed(backend: Backend, seed_kdir: Path) -> None:
    """While a file has a YAML error, changes are refused with the file and line; nothing is written."""
    files_only(backend, "a YAML file on disk with a syntax error")
    service = moderated(backend)
    broken = seed_kdir / "broken.yaml"
    broken.write_text("source: {title: x}\npassages: [\n", encoding="utf-8")
    with pytest.raises(Refused, match=r"broken\.yaml:\d+.*invalid YAML"):
        service.moderation.add(Asker("cli", ""), section="S", text="Some text.")
    assert not (seed_kdir / "moderators.yaml").exists()
    broken.unlink()
    assert service.moderation.add(Asker("cli", ""), section="S", text="Some text.").kind == "add"


def test_a_korean_moderator_is_told_in_korean_why_a_change_cannot_be_saved(backend: Backend, seed_kdir: Path) -> None:
    """The store's refusals (a broken file, a file changed while read, a full disk, another moderator's change) are
    catalogue sentences: a Korean moderator had got "The knowledge base has an error, fix it first: ..." in English."""
    files_only(backend, "a YAML file on disk with a syntax error")
    service = moderated(backend)
    (seed_kdir / "broken.yaml").write_text("source: {title: x}\npassages: [\n", encoding="utf-8")
    with catalogue.speaking("ko"), pytest.raises(Refused) as refused:
        service.moderation.add(Asker("cli", ""), section="S", text="Some text.")
    reply = str(refused.value)
    assert reply.startswith("지식 베이스에 오류가 있으니 먼저 고치세요: ") and "broken.yaml" in reply, reply
    with catalogue.speaking("ko"):
        assert disk_message(OSError(errno.ENOSPC, "No space left on device")) == (
            "변경을 저장할 수 없습니다: 디스크가 가득 찼습니다. 아무것도 바뀌지 않았습니다."
        )
    assert disk_message(OSError(errno.ENOSPC, "No space left on device")) == (
        "cannot save the change: the disk is full. Nothing was changed."
    )


def test_an_unwritable_history_refuses_the_change_and_changes_nothing(seed_kdir: Path, tmp_path: Path) -> None:
    """If the change cannot be recorded (data folder blocked by a file), it is not made."""
    (tmp_path / "blocked").write_text("not a folder", encoding="utf-8")
    service = Service.from_directory(seed_kdir, Config(data_dir=tmp_path / "blocked" / "data"))
    with pytest.raises(Refused, match=r"Cannot record the change in the history.*Nothing was changed"):
        service.moderation.add(Asker("cli", ""), section="S", text="Some text.")
    assert not (seed_kdir / "moderators.yaml").exists()


def test_a_korean_moderator_reads_why_the_history_cannot_be_written_in_korean(seed_kdir: Path, tmp_path: Path) -> None:
    """The history's refusal gave the system's English inside the Korean sentence ("...(file exists)...": the data
    folder's parent is a file)."""
    (tmp_path / "blocked").write_text("not a folder", encoding="utf-8")
    service = Service.from_directory(seed_kdir, Config(data_dir=tmp_path / "blocked" / "data"))
    with catalogue.speaking("ko"), pytest.raises(Refused) as refused:
        service.moderation.add(Asker("cli", ""), section="S", text="Some text.")
    reason = "같은 이름의 파일이 이미 있습니다"
    assert str(refused.value) == f"변경을 기록에 남길 수 없습니다({reason}). 아무것도 바뀌지 않았습니다."
    assert not (seed_kdir / "moderators.yaml").exists()


def test_threads_adding_at_once_lose_nothing(backend: Backend) -> None:
    """Four threads of one process adding ten passages each: all forty are there, answerable and stored."""
    service = moderated(backend)
    errors: list[BaseException] = []

    def add_ten(prefix: str) -> None:
        try:
            for n in range(10):
                service.moderation.add(Asker("cli", "", name=prefix), section="T", text="x", passage_id=f"{prefix}-{n}")
        except BaseException as exc:  # collected and failed below
            errors.append(exc)

    threads = [threading.Thread(target=add_ten, args=(p,)) for p in "abcd"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    ids = {p.id for p in service.answerer.kb}
    assert {f"{p}-{n}" for p in "abcd" for n in range(10)} <= ids
    assert {f"{p}-{n}" for p in "abcd" for n in range(10)} <= {p.id for p in backend.load()}


def test_additions_extend_the_live_index_exactly_as_a_rebuild_would(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    """The fast path for additions (Index.with_added; files only, PostgreSQL catches up from the
    changes instead) ranks every question like a fresh load."""
    caplog.set_level(logging.DEBUG, logger="bot.live")
    service = moderated(backend)
    cli_user = Asker("cli", "", name="t")
    service.moderation.add(cli_user, section="Meetups", text=MEETUP_TEXT, questions=[MEETUP_QUESTION])
    service.moderation.add(cli_user, section="Work", text=JOBS_TEXT, questions=[JOBS_QUESTION])
    extended = sum("extended the live index" in r.getMessage() for r in caplog.records)
    assert extended == (0 if backend.postgres else 2)
    fresh = backend.service().answerer
    questions = [MEETUP_QUESTION, JOBS_QUESTION, "Why do North Koreans flee?", "how many refugees are women", "jobs"]
    for question in questions:
        live, rebuilt = service.answerer.index, fresh.index
        assert live.rank(live.analyze(question)) == rebuilt.rank(rebuilt.analyze(question)), question
    assert [p.id for p in service.answerer.kb] == [p.id for p in fresh.kb]


def test_cli_data_option_puts_history_and_gaps_there(seed_kdir: Path, tmp_path: Path) -> None:
    """`--data DIR` chooses where the history is written (instead of data/ beside the knowledge)."""
    data = tmp_path / "elsewhere"
    k = ("--knowledge", str(seed_kdir), "--data", str(data))
    assert run_cli("kb", "add", "--section", "S", "--text", "Some text.", "--by", "carol", *k)[0] == 0
    assert "by carol (cli)" in run_cli("kb", "history", *k)[1]
    assert (data / "history.jsonl").is_file() and not (seed_kdir.parent / "data" / "history.jsonl").exists()


def kb_add_by(kdir: Path, data: Path, *by: str) -> tuple[int, str]:
    """`kb add` of one passage into `kdir`, its history in `data`, with `--by` and its name if given."""
    return run_cli(
        "kb", "add", "--knowledge", str(kdir), "--data", str(data), *(("--by", *by) if by else ()),
        "--section", "Walrus teeth", "--text", "Walruses use their tusks to climb onto the ice.",
    )  # fmt: skip


@pytest.mark.parametrize("given", ["--by", "$USER"])
def test_a_name_that_is_not_utf8_is_recorded_with_its_bytes_written_out(
    kdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    """A `--by` or $USER name from a Latin-1 terminal (b"j\\xf6rg") is recorded as `j\\xf6rg`; kb add had crashed."""
    name = "j\udcf6rg"  # argv's and the environment's b"j\xf6rg", as Python decodes it
    monkeypatch.setenv("USER", name if given == "$USER" else "ann")
    data = tmp_path / "data"
    code, out = kb_add_by(kdir, data, *([name] if given == "--by" else []))
    assert code == 0, out
    assert "by j\\xf6rg (cli)" in run_cli("kb", "history", "--knowledge", str(kdir), "--data", str(data))[1]


@pytest.mark.parametrize(("by", "user", "recorded"), [("   ", "ann", "ann"), (" bob ", "ann", "bob"), ("", " ", "cli")])
def test_a_blank_name_is_not_given_and_a_name_is_stripped(
    kdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by: str, user: str, recorded: str
) -> None:
    """`--by "  "` means the login name, " bob " is bob, and a blank $USER with no other name is "cli", never blank."""
    monkeypatch.setenv("USER", user)
    monkeypatch.setenv("LOGNAME", " ")  # getpass.getuser() takes it before the password database
    data = tmp_path / "data"
    assert kb_add_by(kdir, data, by)[0] == 0
    [record] = [json.loads(line) for line in (data / "history.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["name"] == recorded, record


def test_a_name_is_one_line_in_the_history(kdir: Path, tmp_path: Path) -> None:
    """A newline or escape in `--by` cannot fake a line of `kb history`: one line, control characters as spaces."""
    data = tmp_path / "data"
    fake = "2026-01-01T00:00:00+00:00 remove rules by admin (cli)"
    assert kb_add_by(kdir, data, f"eve\n{fake}\r\x1b[2J")[0] == 0
    code, out = run_cli("kb", "history", "--knowledge", str(kdir), "--data", str(data))
    assert code == 0 and out.splitlines()[0].endswith(f" by eve {fake} [2J (cli)"), out
    assert not any(line.startswith(fake) for line in out.splitlines()), out


def test_cli_add_on_an_empty_folder_writes_its_first_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A new community's first `kb add` creates moderators.yaml (recorded, answering); a refused one writes nothing."""
    folder = tmp_path / "community"
    folder.mkdir()
    k = ("--knowledge", str(folder), "--data", str(tmp_path / "data"))
    assert run_cli("kb", "add", "--section", "Parking", "--text", "  ", *k)[0] == 1
    assert "text is empty" in capsys.readouterr().err and list(folder.glob("*.yaml")) == []
    code, out = run_cli("kb", "add", "--section", "Parking", "--text", "Bicycles go behind the library.", *k)
    assert code == 0 and out.splitlines()[-1] == "parking"
    assert [p.name for p in folder.glob("*.yaml")] == ["moderators.yaml"]
    assert "add parking by" in run_cli("kb", "history", *k)[1]
    code, out = run_cli("ask", "Where do bicycles go?", "--json", *k)
    assert code == 0 and '"passage_id": "parking"' in out


def test_a_bot_started_on_an_empty_folder_answers_its_first_passage_and_keeps_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A new community's bot starts on a folder of no knowledge (its moderators then add the first
    passage from chat): it says it knows nothing yet, and the last passage cannot be taken away, by
    undo, removal or a hand edit, since a running bot keeps its last knowledge rather than load none."""
    folder = tmp_path / "community"
    folder.mkdir()
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        service = Service.from_directory(folder, Config(data_dir=tmp_path / "data"))
    assert "every question is declined until a moderator adds a passage" in caplog.text
    member, mod = Asker("telegram", "7", "c"), Asker("cli", "", name="ann")
    assert service.help_text().startswith("I have nothing to answer from yet")
    asked = "When is the meetup?"
    assert service.ask(asked, member).fallback
    change = service.moderation.add(mod, section="Meetups", text=MEETUP_TEXT)
    assert service.ask(asked, member).passage_id == change.passage_id
    assert "Meetups" in service.help_text()
    with pytest.raises(Refused, match="without a passage"):
        service.moderation.undo(mod)
    with pytest.raises(Refused, match="without a passage"):
        service.moderation.remove(mod, change.passage_id)
    korean = service.moderate(Request("undo"), Asker("cli", "", name="ann", language="ko"))
    assert korean.refused and korean.text.startswith("그렇게 바꾸면 지식 베이스에 항목이 하나도 남지 않아")
    (folder / "moderators.yaml").unlink()  # by hand
    with pytest.raises(knowledge.KnowledgeError, match="no knowledge files"):
        service.reload()
    assert service.ask(asked, member).passage_id == change.passage_id
    service.close()


def test_undo_promises_no_next_undo_that_would_be_refused(tmp_path: Path) -> None:
    """On a new folder: add wifi, add fees, undo. The reply said "kb undo again takes back the add of
    `wifi`", and that undo was refused: it would leave the knowledge base without a passage."""
    folder = tmp_path / "community"
    folder.mkdir()
    service = Service.from_directory(folder, Config(data_dir=tmp_path / "data"))
    mod = Asker("cli", "", name="ann")
    service.moderation.add(mod, section="Wifi", text="The wifi password is on the board.")
    service.moderation.add(mod, section="Fees", text="Membership is ten euros a year.")
    said = service.moderation.undo(mod).message
    assert said.startswith("Undid the add of `fees`") and "again" not in said
    with pytest.raises(Refused, match="without a passage"):
        service.moderation.undo(mod)
    service.close()


def test_undo_of_removing_the_last_moderator_note_recreates_the_file_under_its_own_title(
    kdir: Path, tmp_path: Path
) -> None:
    """moderators.yaml renamed by hand ("Riverside Club notes"), its one passage removed (the file goes),
    then `kb undo`: the file came back as "Moderator notes", and members' citations changed with it.
    An older record, written without the source, still undoes (under the default title)."""
    data = ["--knowledge", str(kdir), "--data", str(tmp_path / "data")]
    notes = kdir / "moderators.yaml"
    notes.write_text(
        'source: {title: "Riverside Club notes", publisher: "Riverside Club"}\n'
        "passages:\n  - id: parking\n    section: Parking\n    text: Bikes go behind the hall.\n",
        encoding="utf-8",
    )
    assert cli.main(["kb", "remove", "parking", *data], io.StringIO()) == 0
    assert not notes.exists()
    assert cli.main(["kb", "undo", *data], io.StringIO()) == 0
    restored = notes.read_text(encoding="utf-8")
    assert "parking" in restored
    assert "Riverside Club notes" in restored and "Moderator notes" not in restored, restored
    assert cli.main(["kb", "remove", "parking", *data], io.StringIO()) == 0
    history = tmp_path / "data" / "history.jsonl"
    lines = history.read_text(encoding="utf-8").splitlines()
    older = {key: value for key, value in json.loads(lines[-1]).items() if key != "source"}
    history.write_text("\n".join([*lines[:-1], json.dumps(older)]) + "\n", encoding="utf-8")
    assert cli.main(["kb", "undo", *data], io.StringIO()) == 0
    assert "Moderator notes" in notes.read_text(encoding="utf-8")


def test_a_folder_of_yml_files_alone_is_no_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Knowledge named `events.yml` is not read: `kb check` named no file, and a first `kb add` wrote
    moderators.yaml beside it as if the folder were empty."""
    folder = tmp_path / "community"
    folder.mkdir()
    (folder / "events.yml").write_text(small_kb(), encoding="utf-8")
    k = ("--knowledge", str(folder), "--data", str(tmp_path / "data"))
    assert run_cli("kb", "check", "--knowledge", str(folder))[0] == 2
    assert "not read: events.yml (name each *.yaml)" in capsys.readouterr().err
    assert run_cli("kb", "add", "--section", "Parking", "--text", "Bicycles go behind the library.", *k)[0] == 2
    assert "events.yml" in capsys.readouterr().err and not (folder / "moderators.yaml").exists()


@pytest.mark.parametrize(
    ("name", "text"), [("settings.yaml", "ranking: {k1: 500}\n"), ("synonyms.yaml", "groups: [[a, b], [b, c]]\n")]
)
def test_cli_add_on_an_empty_folder_with_a_broken_settings_file_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    """A first `kb add` said "It is live now" into a folder whose settings did not load: the bot could not start."""
    folder = tmp_path / "community"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    k = ("--knowledge", str(folder), "--data", str(tmp_path / "data"))
    assert run_cli("kb", "add", "--section", "Parking", "--text", "Bicycles go behind the library.", *k)[0] == 2
    assert name in capsys.readouterr().err and not (folder / "moderators.yaml").exists()


@pytest.mark.parametrize(
    ("name", "text", "entry"),
    [
        ("synonyms.yaml", "groups: [[photo, pics], [pics, images]]\n", "(group 2)"),
        ("settings.yaml", "ranking: {k1: .nan}\n", "(ranking.k1)"),
    ],
)
def test_a_change_while_synonyms_or_settings_are_broken_is_refused_naming_the_file(
    kdir: Path, tmp_path: Path, name: str, text: str, entry: str
) -> None:
    """A running bot's synonyms.yaml or settings.yaml broken by a hand edit, then `kb add`: the change was
    written and said "live now", and the reload after it failed; it is refused, as for a broken knowledge file."""
    service = Service.from_directory(kdir, Config(data_dir=tmp_path / "data"))
    try:
        (kdir / name).write_text(text, encoding="utf-8")
        with pytest.raises(Refused) as refused:
            service.moderation.add(
                Asker("cli", ""), section="Parking", text="Bicycles go in the racks behind the library."
            )
        assert name in str(refused.value) and entry in str(refused.value), refused.value
        assert not (kdir / "moderators.yaml").exists()
    finally:
        service.close()


def test_cli_add_and_edit_leave_out_a_repeated_question_and_say_so(seed_kdir: Path) -> None:
    """`--question` given twice (case aside) is stored once, and the reply names the repeats left out."""
    k = ("--knowledge", str(seed_kdir), "--data", str(seed_kdir.parent / "data"))
    asked = ("--question", "Where?", "--question", "where?", "--question", "Where?")
    code, out = run_cli("kb", "add", "--section", "Dup", "--text", "Dup text here.", *asked, *k)
    assert code == 0 and "Left out as repeats: “where?”; “Where?”." in out.splitlines()
    passage = knowledge.load(seed_kdir).get("dup")
    assert passage is not None and passage.questions == ("Where?",)
    code, out = run_cli("kb", "edit", "dup", "--question", "When?", "--question", "WHEN?", *k)
    assert code == 0 and "Left out as repeats: “WHEN?”." in out.splitlines()  # then "“When?” is still not answered"
    passage = knowledge.load(seed_kdir).get("dup")
    assert passage is not None and passage.questions == ("When?",)


def test_cli_edit_refuses_a_question_together_with_no_questions(
    seed_kdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--question Q --no-questions` says the two do not go together and changes nothing (Q was dropped)."""
    k = ("--knowledge", str(seed_kdir), "--data", str(seed_kdir.parent / "data"))
    assert run_cli("kb", "add", "--section", "S", "--text", "Hello there.", "--question", "Old question?", *k)[0] == 0
    with pytest.raises(SystemExit) as exited:
        run_cli("kb", "edit", "s", "--question", "New question?", "--no-questions", *k)
    assert exited.value.code == 2
    assert "argument --no-questions: not allowed with argument --question" in capsys.readouterr().err
    passage = knowledge.load(seed_kdir).get("s")
    assert passage is not None and passage.questions == ("Old question?",)


def test_default_ids_are_the_sections_slug_numbered_if_taken(backend: Backend, seed_kdir: Path) -> None:
    """`kb add` without --id names the passage after its section: `parking`, then `parking-2`."""
    k = ("--knowledge", str(seed_kdir), "--data", str(seed_kdir.parent / "data"))
    text = "Bicycles go in the racks behind the library."
    code, out = run_cli("kb", "add", "--section", "Parking", "--text", text, *k)
    assert code == 0 and out.splitlines() == ["Added passage `parking`. It is live now.", "parking"]

    def added_id(section: str, text: str) -> str:
        return run_cli("kb", "add", "--section", section, "--text", text, *k)[1].splitlines()[-1]

    assert added_id("Parking", "Cars park on Elm Street.") == "parking-2"
    assert added_id("주차", "자전거는 도서관 뒤에 둡니다.") == "jucha"


def test_cli_find_gives_passage_ids_for_words_or_an_id(seed_kdir: Path) -> None:
    """`kb find` gives passage ids for words or for an id (whatever its case, or its start), and says when nothing
    matches."""
    k = ("--knowledge", str(seed_kdir))
    code, out = run_cli("kb", "find", "In", "Order", "to", "Live", *k)
    assert code == 0 and out.splitlines()[1].startswith("`yeonmi-park` Introduction: ")
    code, out = run_cli("kb", "find", "life-in-south-korea", "--limit", "1", *k)
    assert code == 0 and out.splitlines()[1:] == [out.splitlines()[1]] and "`life-in-south-korea`" in out
    assert run_cli("kb", "find", "zebra", *k) == (0, "No passage matches “zebra”.\n")
    code, out = run_cli("kb", "find", "Life-In-South-Korea", *k)  # as a phone capitalizes it
    assert code == 0 and out.splitlines()[1].startswith("`life-in-south-korea`")
    text = "Take the number 5 bus to the library."
    for n in (1, 2):
        assert (
            run_cli("kb", "add", "--section", "Getting here", "--text", text, "--id", f"getting-here-{n}", *k)[0] == 0
        )
    code, out = run_cli("kb", "find", "getting-here", *k)  # the start of ids: its words are stop words
    assert code == 0 and [line.split("`")[1] for line in out.splitlines()[1:3]] == ["getting-here-1", "getting-here-2"]


def test_find_hands_the_platforms_the_passages_found_as_data(seed_kdir: Path) -> None:
    """`find`'s Reply holds the passages found as data (`found`: each id beside its entry, best first), the
    text made from it, so that a platform adds to each passage (Telegram: its start link) without reading
    the text; a refusal, and every other command, holds none."""
    service = Service.from_directory(seed_kdir, Config(data_dir=seed_kdir.parent / "data"))
    cli_user = Asker(platform="cli", user_id="ann")
    reply = service.moderate(Request("find", question="life in south korea", limit=2), cli_user)
    assert reply.found is not None and reply.text == reply.found.text
    assert reply.text.splitlines() == [reply.found.heading, *(p.entry for p in reply.found.passages)]
    ids = [p.passage_id for p in reply.found.passages]
    assert len(ids) == 2 and ids[0] == "life-in-south-korea"
    assert all(p.entry.startswith(f"`{p.passage_id}` ") for p in reply.found.passages)
    none = service.moderate(Request("find", question="zebra"), cli_user)
    assert none.found is not None and none.found.passages == () and none.text == "No passage matches “zebra”."
    refused = service.moderate(Request("find", question="korea"), Asker(platform="telegram", user_id="1"))
    assert refused.refused and refused.found is None
    assert service.moderate(Request("stats"), cli_user).found is None


def test_kb_history_takes_the_id_as_the_replies_quote_it(kdir: Path) -> None:
    """`kb history` takes a passage id copied from a reply ("Edited passage `rules`."), backticks and all, as
    `kb edit`, `kb remove` and `kb alias` do."""
    k = ("--knowledge", str(kdir))
    code, out = run_cli("kb", "edit", "`rules`", "--text", "Be kind and stay on topic.", *k)
    assert code == 0 and "Edited passage `rules`." in out
    code, out = run_cli("kb", "history", "`rules`", *k)
    assert code == 0 and "edit rules" in out, out


Live = dict[str, knowledge.Passage]
NOT_LIVE: dict[str, tuple[Request, str, Callable[[Live], bool]]] = {  # the command, its reply, the change made live
    "edit": (Request("edit", "meetups", text="On Sundays now."), "Edited passage `meetups`.",
             lambda live: live["meetups"].text == "On Sundays now."),
    "add": (Request("add", section="Parking", text="Park behind the library.", passage_id="parking"), "`parking`",
            lambda live: live["parking"].text == "Park behind the library."),
    "alias": (Request("alias", "meetups", text="where do we gather"), "where do we gather",
              lambda live: "where do we gather" in live["meetups"].questions),
    "remove": (Request("remove", "rules"), "Removed passage `rules`.", lambda live: "rules" not in live),
    "undo": (Request("undo"), "Undid the edit of `meetups`", lambda live: "first Saturday" in live["meetups"].text),
}  # fmt: skip


@pytest.mark.allow_error_logs  # the half-saved file is logged at ERROR, as an operator must see it
@pytest.mark.parametrize("command", list(NOT_LIVE))
def test_a_change_whose_reload_another_files_hand_edit_breaks_is_said_saved_not_live_and_goes_live_once_mended(
    kdir: Path, command: str
) -> None:
    """A change saved while a hand edit half-saved rules.yaml (after its check, before its reload) was told
    "It is live now." while members kept the old text; now it is told saved but not live yet, naming the file,
    and goes live at the watcher's check once the file is mended."""
    rules = kdir / "rules.yaml"
    rules.write_text(HOUSE_RULES, encoding="utf-8")
    hand: list[str] = []
    service = Service.from_directory(kdir, Config(data_dir=kdir.parent / "data"), guard=saving_by_hand(rules, hand))
    ann = Asker("cli", "", name="ann")
    if command == "undo":  # the change to undo, made while nothing is broken
        assert "It is live now." in service.moderate(Request("edit", "meetups", text="Sundays now."), ann).text
    before = {p.id: p for p in service.passages()}
    request, said, made = NOT_LIVE[command]
    hand.append(HOUSE_RULES[:60])  # cut inside the passage: invalid YAML
    reply = service.moderate(request, ann)

    assert not reply.refused and said in reply.text
    assert "live now" not in reply.text and "It answers now" not in reply.text, reply.text
    assert "not live yet" in reply.text and "rules.yaml:" in reply.text, reply.text
    assert reply.change is not None and not reply.change.live
    assert {p.id: p for p in service.passages()} == before  # members get the old knowledge meanwhile
    watcher = KnowledgeWatcher(kdir, reload=service.reload, loaded=lambda: service.live.loaded)
    assert not watcher.poll()  # still broken: nothing goes live
    rules.write_text(HOUSE_RULES, encoding="utf-8")  # mended
    assert watcher.poll()
    live = {p.id: p for p in service.passages()}
    assert made(live) and live == {p.id: p for p in knowledge.load(kdir)}  # the change, not taken back
    service.close()


@pytest.mark.allow_error_logs  # the half-saved file is logged at ERROR, as an operator must see it
def test_with_the_watcher_off_a_change_not_live_yet_is_said_to_go_live_at_the_next_change_and_does(
    kdir: Path,
) -> None:
    """With `watch_interval: 0` nothing loads a mended file by itself, so "it goes live then" would not come
    true: the reply says the next change after the mend (or a restart) makes it live, and the next change does."""
    rules = kdir / "rules.yaml"
    rules.write_text(HOUSE_RULES, encoding="utf-8")
    hand = [HOUSE_RULES[:60]]
    config = Config(data_dir=kdir.parent / "data", watch_interval=0)
    service = Service.from_directory(kdir, config, guard=saving_by_hand(rules, hand))
    ann = Asker("cli", "", name="ann")
    edited = service.moderate(Request("edit", "meetups", text="On Sundays now."), ann)
    assert "not live yet" in edited.text and "at the next change after that, or at a restart" in edited.text
    rules.write_text(HOUSE_RULES, encoding="utf-8")  # mended
    service.start_watching()  # off: nothing watches
    assert service.passage("meetups").text != "On Sundays now."  # type: ignore[union-attr]
    assert "It is live now." in service.moderate(Request("edit", "rules", text="Be kind."), ann).text
    assert service.passage("meetups").text == "On Sundays now."  # type: ignore[union-attr]
    service.close()
