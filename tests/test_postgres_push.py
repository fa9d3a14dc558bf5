"""The git round trip on PostgreSQL: `kb export DIR`, edit DIR, `kb push DIR`, and what running instances see."""

from __future__ import annotations

import io
import itertools
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot import knowledge
from bot.asker import Asker
from bot.cli import main
from bot.curation.store import load_whole
from bot.service import Service
from bot.storage import exports
from bot.storage.postgres import Snapshot
from tests import pg_support
from tests.conftest import KNOWLEDGE
from tests.pg_support import run, wait_for
from tests.support import child_env
from tests.test_cli import needs_full, run_into_full
from tests.test_hostile_files import loads_within

schema, url, services = pg_support.schema, pg_support.url, pg_support.services  # the fixtures

CLI = Asker(platform="cli", user_id="", name="tester")

TIPS = (
    'source:\n  title: "Walrus tips"\n  publisher: "The walrus society"\npassages:\n'
    '  - id: walrus-food\n    section: "Walrus food"\n    text: "Walruses eat clams at the bottom of the sea."\n'
    '  - id: walrus-sleep\n    section: "Walrus sleep"\n    text: "Walruses can sleep while floating."\n'
)

CALIBRATED = (  # settings.yaml as `calibrate` writes it for a folder: every signal weighed, band and hedge set
    "ranking: {k1: 1.2, b: 0.75, focus: 0.5}\n"
    "confidence:\n"
    "  weights: {coverage: 3.9123, strength: 1.2345, margin: 0.5432, rivals: -0.1234, kind: 0.8765, score: 2.5432}\n"
    "  threshold: 6.2\n"
    "  min_coverage: 0\n"
    "  hedge: 0.25\n"
    "  band: 0.4\n"
)


@pytest.fixture
def two_files_url(schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database seeded (by `db init --seed`) from the bundled article and a small second one, `tips.yaml`
    (the folder is tmp_path/seed); the CLI's too."""
    address = pg_support.schema_url(pg_support.SERVER, schema)
    monkeypatch.setenv("QABOT_DATABASE_URL", address)
    folder = tmp_path / "seed"
    shutil.copytree(KNOWLEDGE, folder)
    (folder / "tips.yaml").write_text(TIPS, encoding="utf-8")
    code, out = run("db", "init", "--seed", "--knowledge", str(folder))
    assert code == 0 and "seeded from" in out, out
    return address


def test_undo_of_a_push_that_dropped_a_file_puts_the_file_back(two_files_url: str, tmp_path: Path) -> None:
    """A push of an export without tips.yaml records two removals that keep the file's source: `kb undo`
    puts the file back with its passage (it is not refused as "gone", which blocked every earlier undo)."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / "tips.yaml").unlink()
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "0 added, 0 edited, 2 removed" in out, out
    code, out = run("kb", "undo")
    assert code == 0 and "gone" not in out, out
    assert run("kb", "export", str(tmp_path / "after"))[0] == 0
    after = knowledge.load(tmp_path / "after")
    assert "walrus-sleep" in {p.id for p in after.passages}
    assert after.get("walrus-sleep").source.title == "Walrus tips"  # type: ignore[union-attr]


def test_a_pushed_source_title_reaches_the_running_instances(
    two_files_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A push whose only change is tips.yaml's `source.title` is a recorded change (kind `source`): a
    running instance serves the new title once caught up, and `kb undo` passes over it."""
    from bot.config import Config
    from bot.service import Service

    b = Service.from_directory(tmp_path / "seed", Config(database_url=two_files_url, data_dir=tmp_path / "data-b"))
    try:
        folder = tmp_path / "export"
        assert run("kb", "export", str(folder))[0] == 0
        tips = folder / "tips.yaml"
        tips.write_text(tips.read_text(encoding="utf-8").replace("Walrus tips", "Pinniped tips"), encoding="utf-8")
        code, out = run("kb", "push", str(folder))
        assert code == 0 and "1 source changed" in out, out
        b.live.catch_up()  # what the follower does on a notification, or every 5 s without one
        passage = b.passage("walrus-food")
        assert passage is not None and passage.source.title == "Pinniped tips", passage
        assert run("kb", "undo")[0] != 0 and "Nothing to undo" in capsys.readouterr().err
    finally:
        b.close()


def test_a_passage_pushed_into_the_middle_of_a_section_reads_on_alike_on_every_instance(
    url: str, services: Callable[[], Service], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A step pushed between two passages of one section is offered by "Read on" on the instance that was
    running, as on a new one (it reloads); one pushed at the end of the last file still extends the index."""
    b = services()
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    path = next(p for p in folder.glob("*.yaml") if p.name not in knowledge.NOT_SOURCES)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = data["passages"]
    at = next(i for i in range(len(items) - 1) if items[i]["section"] == items[i + 1]["section"])
    before = items[at]
    items.insert(at + 1, {"id": "a-pushed-step", "section": before["section"], "text": "A step pushed in between."})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "1 added, 0 edited, 0 removed" in out, out
    wait_for(lambda: b.passage("a-pushed-step") is not None)
    fresh = services()
    for instance in (fresh, b):
        following = instance.answerer.kb.following(before["id"])
        assert following is not None and following.id == "a-pushed-step", following
    caplog.set_level(logging.DEBUG, logger="bot.storage.replica")
    items.append({"id": "a-last-step", "section": items[-1]["section"], "text": "A step pushed at the very end."})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert run("kb", "push", str(folder))[0] == 0
    wait_for(lambda: b.passage("a-last-step") is not None)
    assert "by extending the index" in caplog.text


def test_an_export_into_a_folder_exported_before_removes_the_files_the_database_no_longer_holds(
    url: str, services: Callable[[], Service], tmp_path: Path
) -> None:
    """A moderator adds a passage (moderators.yaml appears), REPO is exported, the passage is removed, REPO
    is exported again: moderators.yaml, which the first export wrote, is gone from REPO; a file of REPO
    that no export wrote is left alone."""
    a = services()
    pid = a.moderation.add(CLI, section="Walrus feeding", text="Walruses eat clams at dawn.").passage_id
    repo = tmp_path / "repo"
    assert run("kb", "export", str(repo))[0] == 0
    (repo / "notes.txt").write_text("mine", encoding="utf-8")
    a.moderation.remove(CLI, pid)
    code, out = run("kb", "export", str(repo))
    assert code == 0 and "removed what the database no longer holds: moderators.yaml" in out, out
    assert pid not in {p.id for p in knowledge.load(repo).passages}, sorted(p.name for p in repo.iterdir())
    assert (repo / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_push_of_an_export_older_than_a_moderators_addition_is_refused_unless_forced(
    url: str, services: Callable[[], Service], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb export DIR`; a moderator adds a passage from chat; `kb push DIR` (the export as it was) is refused,
    naming the addition, and the moderator's passage stays; with --force it is pushed (the passage goes, as a
    recorded removal), and DIR is then in step: pushing it again is not refused."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    a = services()
    pid = a.moderation.add(CLI, section="Walrus feeding", text="Walruses eat clams at dawn.").passage_id
    code, out = run("kb", "push", str(folder))
    said = capsys.readouterr().err
    assert code == 1 and f"add {pid} by tester" in said and "--force" in said, said
    a.live.catch_up()
    assert a.passage(pid) is not None, f"the moderator's passage is gone after the push: {out}"
    code, out = run("kb", "push", str(folder), "--force")
    assert code == 0 and "1 removed" in out, out
    a.live.catch_up()
    assert a.passage(pid) is None
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "0 added, 0 edited, 0 removed" in out, out


def test_a_push_after_a_change_and_its_undo_is_not_refused(
    url: str, services: Callable[[], Service], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb export DIR`; a moderator adds a passage and undoes it (the database is again as DIR holds it);
    an edit in DIR is pushed: nothing would be taken back, so the push goes through (it had been refused
    naming the addition and its undo, teaching operators to reach for --force)."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    a = services()
    a.moderation.add(CLI, section="Wifi", text="The wifi is HackNet.")
    a.moderation.undo(CLI)
    source = next(p for p in folder.glob("*.yaml") if "text: " in p.read_text(encoding="utf-8"))
    source.write_text(source.read_text(encoding="utf-8").replace("text: ", "text: Updated. ", 1), encoding="utf-8")
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "1 edited" in out, capsys.readouterr().err


def test_a_nul_in_pushed_text_is_refused_naming_the_file_and_passage(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A passage text holding a NUL (YAML "\\0", which PostgreSQL cannot store): the loader refuses it on
    both backends, naming the file and the passage, and `kb push` says so; it does not call the database
    unreachable."""
    folder = tmp_path / "edited"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / "nul.yaml").write_text(
        'source:\n  title: "T"\npassages:\n  - id: nul-text\n    section: "Nul"\n    text: "hello\\0world"\n',
        encoding="utf-8",
    )
    with pytest.raises(knowledge.KnowledgeError, match="cannot be stored") as refused:
        knowledge.load(folder)
    assert "nul.yaml" in str(refused.value) and "nul-text" in str(refused.value)
    code, _ = run("kb", "push", str(folder))
    said = capsys.readouterr().err
    assert code != 0 and "nul.yaml" in said and "cannot be stored" in said, said
    assert "not reachable" not in said, said


def _snapshot(title: str = "Tips") -> Snapshot:
    data = {"source": {"title": title}, "passages": [{"id": "tip", "section": "Tip", "text": "Tip text."}]}
    return Snapshot(files={"tips.yaml": data}, documents={}, versions={"tip": 1}, seq=7)


def test_an_export_marker_that_is_no_regular_file_is_refused_not_waited_on(tmp_path: Path) -> None:
    """A `.qabot-export` that is a FIFO (a repository can hold one) or a link to /dev/zero is not read, as
    the loader reads no such knowledge file: refused at once, naming it."""
    folder = tmp_path / "export"
    folder.mkdir()
    os.mkfifo(folder / exports.MARKER)
    try:
        outcome = loads_within(5, exports.read, folder)
    finally:  # let a blocked reader go: on Linux a FIFO opened read-write is a writer, never waited on
        os.close(os.open(folder / exports.MARKER, os.O_RDWR))
    (folder / exports.MARKER).unlink()
    (folder / exports.MARKER).symlink_to("/dev/zero")
    refusals = [outcome, loads_within(5, exports.read, folder)]
    assert all(isinstance(r, exports.Unreadable) for r in refusals), refusals
    assert all(exports.MARKER in str(r) and "not a regular file" in str(r) for r in refusals)


def test_a_push_whose_marker_cannot_be_read_is_refused_unless_forced(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A marker there but unreadable (damaged, a FIFO) cannot tell what changed since the export: the
    push is refused in one line, as an old export is, and --force pushes all the same."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / exports.MARKER).write_text("{not json", encoding="utf-8")
    capsys.readouterr()
    assert run("kb", "push", str(folder))[0] == 1
    said = capsys.readouterr().err
    assert said.startswith(f"error: {folder / exports.MARKER}: ") and said.strip().endswith("push with --force")
    assert run("kb", "push", str(folder), "--force")[0] == 0


def test_an_export_replaces_a_symlink_in_its_folder_and_never_writes_through_it(tmp_path: Path) -> None:
    """DIR (a git checkout: git keeps symlinks) whose `tips.yaml` and `.qabot-export` are links to files
    outside it (they could be ~/.bashrc): `kb export DIR` replaces the links with its files, and the
    files outside are left alone; the new files take nothing from them (another user's, mode 0666:
    the exported knowledge had become anyone's to edit)."""
    victim, other = tmp_path / "victim.txt", tmp_path / "other.txt"
    victim.write_text("my own file\n", encoding="utf-8")
    victim.chmod(0o666)
    if os.geteuid() == 0:
        os.chown(victim, 65534, 65534)
    other.write_text("my other file\n", encoding="utf-8")
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "tips.yaml").symlink_to(victim)
    (folder / exports.MARKER).symlink_to(other)
    exports.export(_snapshot(), folder)
    assert victim.read_text(encoding="utf-8") == "my own file\n"
    assert other.read_text(encoding="utf-8") == "my other file\n"
    assert not (folder / "tips.yaml").is_symlink() and "Tip text." in (folder / "tips.yaml").read_text("utf-8")
    assert exports.read(folder) == exports.Marker(7, ("tips.yaml",))
    written = (folder / "tips.yaml").lstat()
    assert written.st_mode & 0o022 == 0 and written.st_uid == os.geteuid()


def test_an_export_passes_over_a_marker_entry_that_is_no_file_it_wrote(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DIR exported once; its `.qabot-export` (a file anyone edits) is made to name `notes.yaml`, a folder in
    DIR, and a name holding a NUL: `kb export DIR` again passes over both (no traceback, the folder kept)."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    marker = json.loads((folder / exports.MARKER).read_text(encoding="utf-8"))
    marker["files"] += ["notes.yaml", "nul\0.yaml"]
    (folder / exports.MARKER).write_text(json.dumps(marker), encoding="utf-8")
    (folder / "notes.yaml").mkdir()
    (folder / "notes.yaml" / "mine.txt").write_text("mine", encoding="utf-8")
    try:
        code, out = run("kb", "export", str(folder))
    except OSError as exc:
        pytest.fail(f"kb export raised {exc!r}")
    assert code == 0 and "removed" not in out, out
    assert (folder / "notes.yaml" / "mine.txt").exists()


def test_an_export_that_cannot_write_a_file_says_which_in_one_line(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder in DIR where the export writes a file: `kb export DIR` fails with one line naming it (exit 1) and
    saying that a push refuses DIR until an export finishes."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    name = exports.read(folder).files[0]  # type: ignore[union-attr]
    (folder / name).unlink()
    (folder / name).mkdir()
    code, _ = run("kb", "export", str(folder))
    said = capsys.readouterr().err.strip()
    finish = f"the export into {folder} did not finish, and `kb push {folder}` refuses it until one does: export again"
    assert code == 1 and said == f"error: {folder / name}: Is a directory: {finish}", said


@pytest.mark.allow_error_logs  # the database's refusal, logged as such
def test_a_push_that_fails_midway_writes_nothing_so_the_folder_is_pushed_again_unrefused(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The database refuses a push's changed synonyms.yaml (here a trigger says no), after its passages were
    written: nothing of the push is kept, so once the fault is gone the same folder is pushed, not refused
    as an export older than its own changes."""
    import psycopg

    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / "tips.yaml").write_text(TIPS, encoding="utf-8")
    _add_group(folder, ["walrus", "sea cow"])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'no documents'; END $$;"
            " CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON documents FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    code, _ = run("kb", "push", str(folder))
    said = capsys.readouterr().err
    assert code == 1 and "refused" in said, said
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM passages WHERE source = 'tips.yaml'").fetchone() == (0,)
        conn.execute("DROP TRIGGER refuse ON documents")
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "2 added" in out, out + capsys.readouterr().err


def test_a_push_of_an_export_beyond_the_databases_last_change_is_refused_unless_forced(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An export whose `.qabot-export` names a change the database does not have (it was restored from a
    backup since, and its new changes reuse the numbers): `kb push` cannot tell what it would take back, so
    it refuses in one line and writes nothing; with --force it is pushed."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    marker = exports.read(folder)
    assert marker is not None
    exports.Marker(marker.taken_at + 5, marker.files).write(folder)
    (folder / "tips.yaml").write_text(TIPS, encoding="utf-8")
    code, _ = run("kb", "push", str(folder))
    said = capsys.readouterr().err.strip()
    assert code == 1 and len(said.splitlines()) == 1 and "restored from a backup" in said, said
    assert f"change {marker.taken_at + 5}" in said and "Nothing was pushed" in said, said
    code, out = run("kb", "push", str(folder), "--force")
    assert code == 0 and "2 added" in out, out


def test_a_push_whose_marker_cannot_be_written_says_it_was_made_and_what_the_next_needs(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A `.qabot-export` that is a folder, pushed with --force (a marker that cannot be read refuses a
    push without it): the push is made, and the one line after says so, naming the marker, and that
    the folder's next push needs --force."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / exports.MARKER).unlink()
    (folder / exports.MARKER).mkdir()
    (folder / "tips.yaml").write_text(TIPS, encoding="utf-8")
    capsys.readouterr()
    code, out = run("kb", "push", str(folder), "--force")
    said = capsys.readouterr().err.strip()
    assert code == 1 and "2 added" in out, out
    assert (
        said == f"error: {folder / exports.MARKER}: Is a directory: pushed, but {exports.MARKER} not updated: "
        f"the next push of {folder} needs --force"
    ), said


def test_a_push_of_a_nul_in_synonyms_is_refused_naming_the_file(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A synonym group holding a NUL ("meet\\0up"), which PostgreSQL refuses: the push is refused before
    the database, in one line naming synonyms.yaml and its group, as a NUL in a passage is (it had been
    an ERROR, and "the database refused that change")."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / "synonyms.yaml").write_text('groups:\n  - ["meet\\0up", gathering]\n', encoding="utf-8")
    capsys.readouterr()
    assert run("kb", "push", str(folder))[0] != 0
    said = capsys.readouterr().err
    assert "synonyms.yaml" in said and "group 1" in said and "NUL" in said, said


def _add_group(folder: Path, group: list[str]) -> None:
    """Append a synonym group to DIR's synonyms.yaml, as an operator edits it."""
    path = folder / "synonyms.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["groups"].append(group)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _set_threshold(folder: Path, threshold: float) -> None:
    path = folder / "settings.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["confidence"]["threshold"] = threshold
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def _stored(url: str, name: str) -> object:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT data FROM documents WHERE name = %s", (name,)).fetchone()
    return None if row is None else row[0]


def test_a_pushed_synonyms_change_is_in_the_history_and_reaches_running_instances_at_once(
    url: str, services: Callable[[], Service], tmp_path: Path
) -> None:
    """A push whose only change is a synonym group added is one recorded change (kind `push`): `kb history
    synonyms.yaml` shows who pushed it and the group, and a running instance has it once caught up (it
    had waited for some later edit); the same folder pushed again records nothing more."""
    b = services()
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    _add_group(folder, ["walrus", "sea cow"])
    code, out = run("kb", "push", str(folder), "--by", "bob")
    assert code == 0 and "0 added, 0 edited, 0 removed, synonyms.yaml changed" in out, out
    code, out = run("kb", "history", "synonyms.yaml")
    assert code == 0 and "push synonyms.yaml by bob (cli)" in out and "+ group: walrus, sea cow" in out, out
    b.live.catch_up()
    assert ("walrus",) in b.answerer.index.synonyms.rewrites
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "changed" not in out, out
    assert [r.kind for r in b.moderation.history_log.records()].count("push") == 1  # type: ignore[union-attr]


def test_a_push_of_an_older_export_that_would_take_back_anothers_synonyms_is_refused_unless_forced(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Operators A and B export; B adds a synonym group and pushes; A's push of the older export (its
    synonyms.yaml without B's group) is refused, naming B's push, and B's group stays; with --force it
    is taken back, as a recorded change."""
    mine, theirs = tmp_path / "a", tmp_path / "b"
    assert run("kb", "export", str(mine))[0] == 0 and run("kb", "export", str(theirs))[0] == 0
    _add_group(theirs, ["walrus", "sea cow"])
    assert run("kb", "push", str(theirs), "--by", "bob")[0] == 0
    capsys.readouterr()
    code, _ = run("kb", "push", str(mine), "--by", "alice")
    said = capsys.readouterr().err
    assert code == 1 and "push synonyms.yaml by bob" in said and "--force" in said, said
    assert ["walrus", "sea cow"] in _stored(url, "synonyms.yaml")["groups"]  # type: ignore[index]
    code, out = run("kb", "push", str(mine), "--by", "alice", "--force")
    assert code == 0 and "synonyms.yaml changed" in out, out
    assert ["walrus", "sea cow"] not in _stored(url, "synonyms.yaml")["groups"]  # type: ignore[index]


def test_undo_of_a_pushed_settings_change_puts_the_old_settings_back_on_every_instance(
    url: str, services: Callable[[], Service], tmp_path: Path
) -> None:
    """settings.yaml pushed with another threshold: a moderator's undo on instance A puts the old settings
    back, and instance B answers by them again once caught up; `kb history` shows the undo."""
    a, b = services(), services()
    before = b.answerer.confidence.threshold
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    _set_threshold(folder, before + 1.5)
    assert run("kb", "push", str(folder))[0] == 0
    b.live.catch_up()
    assert b.answerer.confidence.threshold == before + 1.5
    change = a.moderation.undo(CLI)
    assert change.passage_id == "settings.yaml" and "Undid the push of `settings.yaml`" in change.message
    b.live.catch_up()
    assert b.answerer.confidence.threshold == before
    undo, *put_back = _newest_block("settings.yaml")
    assert undo.endswith(" undo settings.yaml by tester (cli)"), undo
    assert put_back == [f"  confidence.threshold: {before + 1.5} → {before}"], put_back


def test_undo_of_a_push_that_added_synonyms_takes_the_file_out(
    schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database seeded without synonyms.yaml; a push brings one: `kb undo` takes it out again (the next
    export has none and removes the file it wrote), rather than leaving it or failing."""
    monkeypatch.setenv("QABOT_DATABASE_URL", pg_support.schema_url(pg_support.SERVER, schema))
    seed = tmp_path / "seed"
    shutil.copytree(KNOWLEDGE, seed)
    synonyms = (seed / "synonyms.yaml").read_text(encoding="utf-8")
    (seed / "synonyms.yaml").unlink()
    assert run("db", "init", "--seed", "--knowledge", str(seed))[0] == 0
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / "synonyms.yaml").write_text(synonyms, encoding="utf-8")
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "synonyms.yaml changed" in out, out
    code, out = run("kb", "undo")
    assert code == 0 and "Undid the push of `synonyms.yaml`" in out, out
    code, out = run("kb", "export", str(folder))
    assert code == 0 and "removed what the database no longer holds: synonyms.yaml" in out, out


def test_undo_of_a_pushed_synonyms_change_made_over_since_is_refused(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """synonyms.yaml pushed, then replaced without a record (as an instance of the version before pushes):
    `kb undo` refuses in one sentence, naming the file, and leaves the newer synonyms as they are."""
    import psycopg

    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    _add_group(folder, ["walrus", "sea cow"])
    assert run("kb", "push", str(folder))[0] == 0
    newer = {"groups": [["manatee", "sea cow"]]}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE documents SET data = %s WHERE name = 'synonyms.yaml'", (json.dumps(newer),))
    capsys.readouterr()
    code, _ = run("kb", "undo")
    said = capsys.readouterr().err
    assert code != 0 and "synonyms.yaml was changed since that push" in said, said
    assert _stored(url, "synonyms.yaml") == newer


def test_one_person_is_one_name_in_the_history_with_user_unset(
    two_files_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With $USER unset (Docker, systemd), `kb add` and `kb push` record one login name (push had recorded "cli")."""
    monkeypatch.delenv("USER", raising=False)
    monkeypatch.setenv("LOGNAME", "ann")
    assert run("kb", "add", "--section", "Walrus teeth", "--text", "Walruses use their tusks to climb.")[0] == 0
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / "tips.yaml").unlink()
    assert run("kb", "push", str(folder))[0] == 0
    code, out = run("kb", "history")
    made = [line for line in out.splitlines() if " seed " not in line and " by " in line]  # the seed was the fixture's
    assert code == 0 and len(made) == 3 and all(line.endswith(" by ann (cli)") for line in made), out


def test_a_push_of_files_the_loader_accepts_with_a_trailing_tab_is_no_traceback(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """settings.yaml and a source with a tab after a value (a hand edit the bot and `kb check` load) are pushed
    as recorded changes, not a YAML ScannerError traceback (push parsed them with PyYAML's stricter parser)."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    settings = folder / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("threshold: 6.2", "threshold: 6.5\t"), "utf-8")
    article = next(iter(knowledge.knowledge_files(folder)))
    text = article.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("  title: "))
    article.write_text(text.replace(title, title + " (abridged)\t"), encoding="utf-8")
    assert load_whole(folder) is not None  # the bot's own loader takes them
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "1 source changed, settings.yaml changed" in out, out + capsys.readouterr().err


def _newest_block(name: str) -> list[str]:
    """The newest change's block of `kb history NAME`: its head line and the indented lines under it."""
    code, out = run("kb", "history", name)
    assert code == 0, out
    head, *rest = out.splitlines()
    return [head, *itertools.takewhile(lambda line: line.startswith("  "), rest)]


def test_history_of_a_phrase_added_to_a_long_synonym_group_shows_that_phrase(url: str, tmp_path: Path) -> None:
    """A phrase added to the bundled first group (169 characters, clipped in a line) is shown: it had read the same."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    path = folder / "synonyms.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["groups"][0].append("the Hermit North")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "synonyms.yaml changed" in out, out
    block = _newest_block("synonyms.yaml")
    assert " push synonyms.yaml " in block[0] and block[1:] == ["  ~ group North Korea: + the Hermit North"], block


def test_history_of_a_settings_push_shows_the_value_that_changed(url: str, tmp_path: Path) -> None:
    """Calibrated settings pushed, then their threshold changed and pushed: history shows that value, old → new."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / "settings.yaml").write_text(CALIBRATED, encoding="utf-8")
    assert run("kb", "push", str(folder))[0] == 0
    (folder / "settings.yaml").write_text(CALIBRATED.replace("threshold: 6.2", "threshold: 7.5"), encoding="utf-8")
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "settings.yaml changed" in out, out
    block = _newest_block("settings.yaml")
    assert " push settings.yaml " in block[0] and block[1:] == ["  confidence.threshold: 6.2 → 7.5"], block


def test_an_empty_synonyms_pushed_over_an_older_versions_empty_one_records_nothing(url: str, tmp_path: Path) -> None:
    """An empty synonyms.yaml an older version stored (JSON null), exported and pushed unchanged, records nothing."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:  # what the version before stored for an empty file
        conn.execute("UPDATE documents SET data = 'null'::jsonb WHERE name = 'synonyms.yaml'")
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "changed" not in out, out
    code, out = run("kb", "history", "synonyms.yaml")
    assert code == 0 and " push synonyms.yaml " not in out, out


def test_a_synonyms_file_the_loader_accepts_is_pushed_not_refused_as_too_large(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 125 KB synonyms.yaml a group a line (under the loader's 128 KB) is pushed, exported and loaded, as written."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    lines = ["groups:"]
    for g in range(1000):
        lines.append("  - [" + ", ".join(f"w{g:04d}{chr(97 + i) * 3}" for i in range(12)) + "]")
    (folder / "synonyms.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert (folder / "synonyms.yaml").stat().st_size < 128 * 1024
    load_whole(folder)  # the bot loads it
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "synonyms.yaml changed" in out, capsys.readouterr().err
    again = tmp_path / "again"
    assert run("kb", "export", str(again))[0] == 0
    assert (again / "synonyms.yaml").read_text(encoding="utf-8").splitlines()[1] == "- [" + lines[1][5:]
    load_whole(again)  # as every instance loads it


def test_a_synonyms_file_under_the_limit_only_through_aliases_is_refused_naming_it(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Groups repeated by alias (`*a`), over 128 KB once written out as instances load them: refused in one line."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    group = "[" + ", ".join(f"phrase number {i:02d} of the one group" for i in range(50)) + "]"
    (folder / "synonyms.yaml").write_text(f"groups:\n  - &a {group}\n" + "  - *a\n" * 99, encoding="utf-8")
    load_whole(folder)  # the bot loads it
    capsys.readouterr()
    assert run("kb", "push", str(folder))[0] != 0
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "synonyms.yaml: " in said and "more than the limit of 131072" in said, said


def test_a_hidden_source_is_warned_of_at_start_and_never_removed_by_a_push_that_does_not_read_it(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A database seeded before hidden files were skipped holds `.faq.yaml`: an instance starting on it warns
    that its passages are not served; a push of its export (`.faq.yaml` there) is refused rather than removing
    them, and says to rename it; renamed, the push moves them and they are served."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:  # as `db init --seed` of a version before wrote it
        conn.execute("""INSERT INTO sources (name, source) VALUES ('.faq.yaml', '{"title": "FAQ"}')""")
        conn.execute(
            "INSERT INTO passages (id, source, position, section, text, questions) VALUES"
            " ('parking', '.faq.yaml', 0, 'Parking', 'Free parking is behind the library.', '[]')"
        )
    code, out = run("ask", "Where can I park?")
    assert code == 0 and "database's .faq.yaml is not read (hidden)" in caplog.text, caplog.text
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0 and (folder / ".faq.yaml").is_file()
    code, out = run("kb", "push", str(folder))
    said = capsys.readouterr().err
    assert code == 1 and "not read (hidden)" in said and "1 passage from the database" in said, said
    assert "rename it faq.yaml" in said, said
    assert f"warning: {folder / '.faq.yaml'}: not read (hidden): rename it faq.yaml (not pushed)" in said, said
    (folder / ".faq.yaml").rename(folder / "faq.yaml")
    code, out = run("kb", "push", str(folder))
    assert code == 0 and "0 added, 1 edited, 0 removed" in out, out
    code, out = run("ask", "Where can I park?", "--json")
    assert code == 0 and json.loads(out)["passage_id"] == "parking", out


class TermAt(io.StringIO):
    """A command's standard output that brings SIGTERM as the command prints a line holding `said` (the
    signal from outside, at that moment: after what the command changed, before its reply is out)."""

    def __init__(self, said: str):
        super().__init__()
        self.said = said

    def write(self, text: str) -> int:
        written = super().write(text)
        if self.said in text:
            signal.raise_signal(signal.SIGTERM)
        return written


def stopped(capsys: pytest.CaptureFixture[str], said: str, *argv: str) -> str:
    """`python -m bot ARGV` in this process, stopped by SIGTERM as it prints `said`: its error line."""
    capsys.readouterr()
    assert main(list(argv), out=TermAt(said)) == 143
    return capsys.readouterr().err


def test_a_push_stopped_by_sigterm_names_kb_history_only_when_it_changed_something(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM as `kb push` prints what it pushed: a push that changed passages points at `kb history`, as
    `kb add` does (it had said only that nothing was left half-done, as if nothing was made); a push of a
    folder as the database holds it changed nothing, and does not."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    err = stopped(capsys, "pushed ", "kb", "push", str(folder))
    assert err == "error: stopped by SIGTERM; no change was left half-done\n", err
    edited = next(folder.glob("five-things-*.yaml"))
    data = yaml.safe_load(edited.read_text(encoding="utf-8"))
    data["passages"][0]["text"] += " Edited once more."
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    err = stopped(capsys, "pushed ", "kb", "push", "--force", str(folder))
    assert err == "error: stopped by SIGTERM; no change was left half-done (`kb history` shows what was made)\n", err
    assert run("kb", "export", str(tmp_path / "after"))[0] == 0
    assert any("Edited once more." in p.text for p in knowledge.load(tmp_path / "after").passages)


def test_a_seed_stopped_by_sigterm_names_kb_history_only_when_it_seeded(
    schema: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM as `db init --seed` says what it did: the seed, recorded change by change, points at `kb history`;
    a second `db init --seed`, which finds the database seeded and writes nothing, does not."""
    monkeypatch.setenv("QABOT_DATABASE_URL", pg_support.schema_url(pg_support.SERVER, schema))
    seed = ("db", "init", "--seed", "--knowledge", str(KNOWLEDGE))
    err = stopped(capsys, "seeded from", *seed)
    assert err == "error: stopped by SIGTERM; no change was left half-done (`kb history` shows what was made)\n", err
    err = stopped(capsys, "not seeded", *seed)
    assert err == "error: stopped by SIGTERM; no change was left half-done\n", err


def test_a_sigterm_during_a_push_waits_for_it_and_its_reply(url: str, tmp_path: Path) -> None:
    """A real SIGTERM sent to `python -m bot kb push` while its write waits in the database (on a row another
    connection holds): the push is made whole and its reply printed before the command stops, and the stop
    names `kb history`, as a SIGTERM during `kb add` does."""
    import psycopg

    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / "tips.yaml").write_text(TIPS, encoding="utf-8")
    with psycopg.connect(url) as holder:  # its tips.yaml, inserted and not committed: the push's own waits on it
        holder.execute("INSERT INTO sources (name, source) VALUES ('tips.yaml', '{}')")
        blocker = holder.info.backend_pid
        push = subprocess.Popen(
            [sys.executable, "-m", "bot", "kb", "push", str(folder)],
            cwd=tmp_path, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            with psycopg.connect(url, autocommit=True) as watcher:
                waiting = "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
                wait_for(lambda: push.poll() is not None or watcher.execute(waiting, (blocker,)).fetchone() == (1,), 60)
            assert push.poll() is None, push.communicate()
            push.send_signal(signal.SIGTERM)  # arrives mid-push: its INSERT of tips.yaml is waiting
            holder.rollback()
            out, err = push.communicate(timeout=60)
        finally:
            push.kill()
            push.wait()
    assert push.returncode == 143, (out, err)
    assert out.startswith(f"pushed {folder}: 2 added"), out
    assert err == "error: stopped by SIGTERM; no change was left half-done (`kb history` shows what was made)\n", err
    assert run("kb", "export", str(tmp_path / "after"))[0] == 0
    assert {"walrus-food", "walrus-sleep"} <= {p.id for p in knowledge.load(tmp_path / "after").passages}


@needs_full
def test_a_push_or_seed_whose_reply_a_full_disk_refuses_names_kb_history_only_after_a_change(
    schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`db init --seed` and `kb push` with standard output on a full disk: exit 74, and the line points at
    `kb history` when the command changed something (it had not, as for a command that changes nothing), and
    not when it did not (a second seed, a push of the folder as the database holds it)."""
    monkeypatch.setenv("QABOT_DATABASE_URL", pg_support.schema_url(pg_support.SERVER, schema))
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)  # standard output on a file is buffered, as it is run
    seed = ("db", "init", "--seed", "--knowledge", str(KNOWLEDGE))
    folder = tmp_path / "export"
    lines = []
    for argv in (seed, seed, ("kb", "export", str(folder)), ("kb", "push", str(folder))):
        if argv[1] == "export":
            assert run(*argv)[0] == 0
            continue
        done = run_into_full(*argv, stream="stdout")
        lines.append(done.stderr)
        assert done.returncode == 74 and "could not be written" in done.stderr, done.stderr
    assert ["`kb history` shows the change made" in line for line in lines] == [True, False, False], lines
    (folder / "tips.yaml").write_text(TIPS, encoding="utf-8")
    done = run_into_full("kb", "push", str(folder), stream="stdout")
    assert done.returncode == 74 and "`kb history` shows the change made" in done.stderr, done.stderr
