"""The PostgreSQL backend: schema, seeding and export, instances sharing one database, faults."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot import knowledge
from bot.asker import Asker
from bot.config import Config
from bot.curation import Change, Refused, Request
from bot.service import Service
from bot.storage.records import PostgresGapStore
from tests import pg_support
from tests.conftest import KNOWLEDGE
from tests.pg_support import SERVER, Proxy, run, schema_url, wait_for
from tests.support import Clock

schema, url, services, role = pg_support.schema, pg_support.url, pg_support.services, pg_support.role  # the fixtures

CLI = Asker(platform="cli", user_id="", name="tester")
UNKNOWN = "how do I repair a carburettor on a motorbike"


def test_migrations_apply_in_order_once_and_status_says_so(schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`db init` applies every migration and records it; `db migrate` then applies nothing; status is current."""
    monkeypatch.setenv("QABOT_DATABASE_URL", schema_url(SERVER, schema))
    assert run("db", "status")[0] == 1  # not initialised
    code, out = run("db", "init")
    assert code == 0 and "applied 0001_knowledge" in out
    code, out = run("db", "migrate")
    assert code == 0 and "applied" not in out and "up to date" in out
    code, out = run("db", "status")
    assert code == 0 and "passages: 0" in out


def test_a_schema_newer_than_the_bot_is_called_newer_and_the_bot_runs_on_it(
    url: str, services: Callable[[], Service]
) -> None:
    """A rolling upgrade: a newer version applied a migration this one does not have. `db migrate` and
    `db status` say the schema is newer than this version of the bot (not "behind, run db migrate", advice
    that can never be followed), and an instance of this version starts on it (migrations only add)."""
    import psycopg

    from bot.storage import migrations

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (%s, 'from_the_future')", (migrations.latest() + 1,)
        )
    code, out = run("db", "migrate")
    assert code == 0 and "applied" not in out
    assert "db migrate" not in out and "newer than this version of the bot" in out, out
    assert run("db", "status")[0] == 0
    assert services().passages()


def test_seed_then_export_gives_back_the_bundled_knowledge(url: str, tmp_path: Path) -> None:
    """`db init --seed` then `kb export DIR`: the folder loads to the same passages, synonyms and settings."""
    code, out = run("kb", "export", str(tmp_path / "out"))
    assert code == 0, out
    assert knowledge.load(tmp_path / "out").passages == knowledge.load(KNOWLEDGE).passages
    assert (tmp_path / "out" / "synonyms.yaml").is_file() and (tmp_path / "out" / "settings.yaml").is_file()


def test_concurrent_seeds_one_seeds_the_others_say_already_seeded(schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Six `db init --seed` at once on a fresh database: one seeds every passage, each of the others says the
    database was already seeded (none claims a seed of 0 passages), and each passage is seeded once (and
    synonyms.yaml and settings.yaml, one change each)."""
    monkeypatch.setenv("QABOT_DATABASE_URL", schema_url(SERVER, schema))
    start = threading.Barrier(6)
    said: list[tuple[int, str]] = []

    def seed() -> None:
        start.wait()
        said.append(run("db", "init", "--seed", "--knowledge", str(KNOWLEDGE)))

    threads = [threading.Thread(target=seed) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    lines = sorted(line for _, out in said for line in out.splitlines() if "seeded" in line)
    passages = len(knowledge.load(KNOWLEDGE).passages)
    assert [code for code, _ in said] == [0] * 6
    assert lines[5:] == [f"seeded from {KNOWLEDGE}: {passages} passages"], lines
    assert all(line.startswith("not seeded: already seeded") for line in lines[:5]), lines
    code, out = run("db", "status")
    assert code == 0 and f"changes: {passages + 2}" in out, out


def test_push_records_one_change_per_passage_and_undo_takes_it_back(url: str, services: Callable[[], Service],
                                                                    tmp_path: Path) -> None:  # fmt: skip
    """`kb push` of an edited export records the edit; the Service answers with it; undo reverts it."""
    folder = tmp_path / "edited"
    assert run("kb", "export", str(folder))[0] == 0
    name = knowledge.knowledge_files(folder)[0]
    name.write_text(name.read_text(encoding="utf-8").replace("Women make up", "Zebras make up", 1), encoding="utf-8")
    code, out = run("kb", "push", str(folder), "--by", "pusher")
    assert code == 0 and "0 added, 1 edited, 0 removed" in out
    service = services()
    assert any("Zebras" in p.text for p in service.passages())
    records = service.moderation.history_log.records()  # type: ignore[union-attr]
    assert [r.kind for r in records[-1:]] == ["edit"] and records[-1].name == "pusher"
    service.moderation.undo(CLI)
    assert not any("Zebras" in p.text for p in service.passages())


def test_the_default_needs_no_database(kdir: Path) -> None:
    """Without a database setting the Service runs on files, as before (no psycopg, no backend)."""
    service = Service.from_directory(kdir, Config())
    assert service._backend is None and service.moderation.store is not None
    service.close()


def test_every_passage_added_on_one_instance_is_answered_by_the_other(services: Callable[[], Service]) -> None:
    """Two instances on one database: each of forty additions on A is served by B, and asked there, B
    answers with it. How soon is a figure of `python -m benchmarks.propagation` (docs/scaling.md), not
    a timed test: the wait below only stops a hang."""
    a, b = services(), services()
    for n in range(40):
        change = a.moderation.add(CLI, section=f"Walrus feeding {n}", text=f"Walruses number {n} eat clams at dawn.")
        wait_for(lambda pid=change.passage_id: b.passage(pid) is not None, timeout=60.0)
    answer = b.answerer.answer("what do walruses number 7 eat at dawn")
    assert answer.passage_id is not None and answer.passage_id.startswith("walrus-feeding")


def test_two_writers_adding_fifty_each_at_once_lose_nothing(services: Callable[[], Service]) -> None:
    """Two instances add 50 passages each at the same time: all 100 are live on both, each recorded once."""
    a, b = services(), services()
    seeded = len(a.moderation.history_log.records())  # type: ignore[union-attr]
    ids: dict[str, list[str]] = {"a": [], "b": []}

    def write(service: Service, key: str) -> None:
        for n in range(50):
            change = service.moderation.add(CLI, section=f"{key} topic {n}", text=f"Fact {n} from {key}.")
            ids[key].append(change.passage_id)

    threads = [threading.Thread(target=write, args=(s, k)) for s, k in ((a, "a"), (b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    added = set(ids["a"]) | set(ids["b"])
    assert len(added) == 100
    for service in (a, b):
        wait_for(lambda s=service: added <= {p.id for p in s.passages()})
    records = a.moderation.history_log.records()[seeded:]  # type: ignore[union-attr]
    assert sorted(r.passage_id for r in records) == sorted(added) and {r.kind for r in records} == {"add"}


def test_concurrent_edits_of_one_passage_the_second_is_told(services: Callable[[], Service]) -> None:
    """B has not seen A's edit yet: B's edit is refused with a clear sentence; once caught up it goes through."""
    a, b = services(), services()
    assert b._backend is not None and b._backend.follower is not None
    b._backend.follower.stop()
    b._backend.follower.join(timeout=3)
    pid = next(iter(a.passages())).id
    a.moderation.edit(CLI, pid, text="Edited on instance A, first.")
    with pytest.raises(Refused, match="just changed by another moderator"):
        b.moderation.edit(CLI, pid, text="Edited on instance B, without having seen A's edit.")
    b.live.catch_up()
    assert b.passage(pid) is not None and b.passage(pid).text == "Edited on instance A, first."  # type: ignore[union-attr]
    b.moderation.edit(CLI, pid, text="Edited on instance B, after seeing A's edit.")
    wait_for(lambda: a.passage(pid) is not None and "instance B" in a.passage(pid).text)  # type: ignore[union-attr]
    kinds = [r.kind for r in a.moderation.history_log.records() if r.passage_id == pid]  # type: ignore[union-attr]
    assert kinds == ["seed", "edit", "edit"]  # seeded, then A, then B


def test_an_edit_on_an_instance_behind_a_removal_and_its_undo_is_refused(services: Callable[[], Service]) -> None:
    """A edits P, removes it and undoes the removal (P is inserted anew): B, which has not caught up and
    shows P as seeded, is refused its edit, since P's version never repeats (it is not 1 again)."""
    a, b = services(), services()
    assert b._backend is not None and b._backend.follower is not None
    b._backend.follower.stop()
    b._backend.follower.join(timeout=3)
    pid = next(iter(a.passages())).id
    a.moderation.edit(CLI, pid, text="Edited on instance A: the text B never saw.")
    a.moderation.remove(CLI, pid)
    a.moderation.undo(CLI)
    assert a.passage(pid) is not None and "B never saw" in a.passage(pid).text  # type: ignore[union-attr]
    with pytest.raises(Refused, match="just changed by another moderator"):
        b.moderation.edit(CLI, pid, text="Edited on instance B, which still shows the seeded text.")


def test_undo_works_across_instances(services: Callable[[], Service]) -> None:
    """A adds, B undoes: the passage is gone on both."""
    a, b = services(), services()
    pid = a.moderation.add(CLI, section="Undo me", text="A passage to take back.").passage_id
    wait_for(lambda: b.passage(pid) is not None)
    b.moderation.undo(CLI)
    wait_for(lambda: a.passage(pid) is None and b.passage(pid) is None)


def test_database_unreachable_answers_go_on_changes_refused_then_accepted(
    schema: str, url: str, services: Callable[[], Service], caplog: pytest.LogCaptureFixture
) -> None:
    """The line to the server is cut: B answers every question from memory, a change is refused with a
    clear sentence; when the line is back B reconnects by itself, catches up, and changes go through."""
    proxy = Proxy()
    try:
        a, b = services(), services(proxy.url(schema))
        assert b._backend is not None and b._backend.follower is not None
        with pg_support.Questions(b, pause=0.001) as flow:
            proxy.cut()
            with pytest.raises(Refused, match="database is not reachable"):
                b.moderation.add(CLI, section="While down", text="This change must be refused.")
            pid = a.moderation.add(CLI, section="Made meanwhile", text="Added on A while B was cut off.").passage_id
            time.sleep(0.3)
            assert b.passage(pid) is None
            proxy.restore()
            wait_for(lambda: b.passage(pid) is not None, timeout=20)  # keepalives notice the cut line in seconds
            later = accepted_once_the_pool_is_back(b)
            wait_for(lambda: a.passage(later.passage_id) is not None)
        assert flow.asked > 0 and flow.failures == []
    finally:
        proxy.close()


def test_kb_history_while_the_database_is_away_is_refused_in_a_sentence(
    schema: str, url: str, services: Callable[[], Service]
) -> None:
    """A moderator asking for the history while the database is unreachable gets the outage's sentence, as a
    change does, not an exception out of the core."""
    proxy = Proxy()
    try:
        b = services(proxy.url(schema))
        proxy.cut()
        reply = b.moderate(Request("history"), CLI)
        assert reply.refused and "database is not reachable" in reply.text
    finally:
        proxy.close()


def accepted_once_the_pool_is_back(service: Service) -> Change:
    """A change on `service` after an outage: the knowledge is caught up (through the follower's own line) a
    moment before the pool, which waits longer and longer between its attempts, has reconnected; until then
    changes are refused with the outage's sentence."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return service.moderation.add(CLI, section="After the outage", text="Accepted once the database is back.")
        except Refused as exc:
            assert "database is not reachable" in str(exc) and time.monotonic() < deadline, exc


def test_backends_terminated_mid_load_lose_no_question(url: str, role: str, services: Callable[[], Service]) -> None:
    """pg_terminate_backend on every connection of the instances while questions flow: none fails, and the
    next change is accepted and reaches the other instance (only this test's role is touched)."""
    import psycopg

    address = pg_support.as_role(url, role)
    a, b = services(address), services(address)
    errors: list[BaseException] = []
    stop = threading.Event()
    count = 0

    def ask() -> None:
        nonlocal count
        while not stop.is_set():
            try:
                assert b.ask("are most defectors women?", Asker(platform="discord", user_id=str(count))).passage_id
            except BaseException as exc:  # any failure is what the test counts
                errors.append(exc)
            count += 1
            time.sleep(0.001)

    thread = threading.Thread(target=ask)
    thread.start()
    with psycopg.connect(SERVER, autocommit=True) as conn:
        killed = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s", (role,)
        ).fetchone()
    assert killed is not None and killed[0] >= 4  # each instance's pool and follower at least
    pid = a.moderation.add(CLI, section="After the kill", text="Added after every backend was terminated.").passage_id
    wait_for(lambda: b.passage(pid) is not None, timeout=10)
    stop.set()
    thread.join(timeout=5)
    assert errors == [] and count > 0


def test_a_server_side_outage_answers_from_memory_refuses_changes_and_catches_up_losing_no_record(
    url: str, role: str, services: Callable[[], Service]
) -> None:
    """As a restart looks from the server: B's connections are terminated and its logins refused for a while.
    B answers every question meanwhile, refuses a change with a clear sentence, then reconnects by itself,
    applies what A changed meanwhile, accepts changes again, and writes every question's record."""
    import psycopg

    a, b = services(), services(pg_support.as_role(url, role))
    assert b._backend is not None and b._backend.follower is not None and b.gaps is not None
    follower, records = b._backend.follower, b.gaps
    with pg_support.Questions(b, user_prefix="flow-") as flow:
        try:
            assert pg_support.outage(role, down=True) >= 2  # B's pool and its follower at least
            wait_for(lambda: not follower.connected.is_set())
            for n in range(5):
                assert b.ask(UNKNOWN, Asker(platform="discord", user_id=f"down-{n}")).fallback
            with pytest.raises(Refused, match="The database is not reachable right now, so changes are refused"):
                b.moderation.add(CLI, section="While down", text="This change must be refused.")
            pid = a.moderation.add(CLI, section="Made meanwhile", text="Added on A while B was cut off.").passage_id
            assert b.passage(pid) is None and not follower.connected.is_set()
        finally:
            pg_support.outage(role, down=False)
        wait_for(lambda: b.passage(pid) is not None, timeout=20)
        later = accepted_once_the_pool_is_back(b)
        wait_for(lambda: a.passage(later.passage_id) is not None)
    asked, failures = flow.asked, flow.failures
    assert asked > 0 and failures == []
    with psycopg.connect(url, autocommit=True) as conn:

        def stored() -> tuple[int, int]:
            row = conn.execute("SELECT sum(coalesce(n, 1)) FILTER (WHERE passage_id IS NOT NULL), count(*) FILTER"
                               " (WHERE passage_id IS NULL) FROM questions").fetchone()  # fmt: skip
            return (int(row[0] or 0), int(row[1])) if row else (0, 0)

        wait_for(lambda: records.flush() and stored() == (asked, 5), timeout=10)  # type: ignore[attr-defined]
    assert "×5" in a.moderation.gaps(CLI)


def test_doctor_checks_the_database_and_its_schema_version(schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """doctor: an error for a database it cannot reach or whose schema is behind; ok once it is current."""
    from bot import doctor

    def finding(address: str) -> doctor.Finding:
        env = {"QABOT_DATABASE_URL": address, "TELEGRAM_BOT_TOKEN": "1:x"}
        return next(f for f in doctor.run_checks(KNOWLEDGE, env) if f.topic == "database")

    address = schema_url(SERVER, schema)
    unreachable = finding("postgresql://postgres@127.0.0.1:9/test")
    assert unreachable.level is doctor.Level.ERROR and "cannot reach" in unreachable.message
    behind = finding(address)
    assert behind.level is doctor.Level.ERROR and "not initialised" in behind.message
    monkeypatch.setenv("QABOT_DATABASE_URL", address)
    assert run("db", "migrate")[0] == 0
    assert run("db", "init", "--seed", "--knowledge", str(KNOWLEDGE))[0] == 0
    current = finding(address)
    assert current.level is doctor.Level.OK and "up to date" in current.message


def test_doctor_calls_an_unseeded_database_an_error_since_the_bot_will_not_start_on_it(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`db init` without `--seed`: doctor says the bot will not start and what to run, as `run` refuses
    ("holds no knowledge yet"), not "ok ... up to date" and exit 0."""
    address = schema_url(SERVER, schema)
    monkeypatch.setenv("QABOT_DATABASE_URL", address)
    assert run("db", "init")[0] == 0
    code, out = run("ask", "Why do North Koreans flee?")
    assert code == 2  # the bot refuses to start on it: "holds no knowledge yet"
    code, out = run("doctor")
    assert code == 1, out
    line = next(line for line in out.splitlines() if line.startswith("error   database:"))
    assert "holds no knowledge yet" in line and "db init --seed" in line, line


WRITER = """
import sys
from bot.asker import Asker
from bot.config import Config
from bot.service import Service
from bot.storage.records import PostgresGapStore
service = Service.from_directory(sys.argv[1], Config(database_url=sys.argv[2], data_dir=sys.argv[3]))
for n in range(10_000):
    change = service.moderation.add(Asker(platform="cli", user_id="", name="writer"),
                                    section=f"Killed writer {n}", text=f"Written before the kill, number {n}.")
    print(change.passage_id, flush=True)
"""


def test_an_instance_killed_mid_change_loses_nothing_it_acknowledged(url: str, tmp_path: Path) -> None:
    """SIGKILL a process adding passages in a loop: every id it printed (acknowledged) is in the database,
    with its history record, and nothing half-made is left (the knowledge still loads)."""
    import subprocess
    import sys

    import psycopg

    from tests.support import child_env

    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(KNOWLEDGE), url, str(tmp_path / "data")],
        stdout=subprocess.PIPE, text=True, env=child_env(),
    )  # fmt: skip
    assert child.stdout is not None
    acknowledged = [child.stdout.readline().strip() for _ in range(15)]
    child.kill()
    rest, _ = child.communicate(timeout=10)
    acknowledged += rest.split()
    code, out = run("kb", "export", str(tmp_path / "after"))
    assert code == 0, out
    live = {p.id for p in knowledge.load(tmp_path / "after")}
    assert set(acknowledged) <= live
    with psycopg.connect(url, autocommit=True) as conn:
        recorded = {row[0] for row in conn.execute("SELECT passage_id FROM changes WHERE name = 'writer'")}
    assert recorded == {pid for pid in live if pid.startswith("killed-writer")}


def test_start_up_on_an_unready_database_says_what_to_run(schema: str, tmp_path: Path) -> None:
    """No schema: `db init`; a schema but no knowledge: `db init --seed`; each a ConfigError naming the fix."""
    from bot.config import ConfigError

    address = schema_url(SERVER, schema)
    config = Config(database_url=address, data_dir=tmp_path / "data")
    with pytest.raises(ConfigError, match="not initialised"):
        Service.from_directory(KNOWLEDGE, config)
    import psycopg

    from bot.storage import migrations

    with psycopg.connect(address, autocommit=True) as conn:
        migrations.migrate(conn)
    with pytest.raises(
        ConfigError,
        match=r"holds no knowledge yet: seed it from a knowledge folder with `python -m bot db init --seed --knowledge",
    ):
        Service.from_directory(KNOWLEDGE, config)


def _break_a_passage(url: str) -> None:
    """A row the loader refuses (an empty text), as an operator's SQL by hand or another version would write."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE passages SET text = '' WHERE id = (SELECT min(id) FROM passages)")


def test_a_seeded_database_whose_knowledge_does_not_load_is_not_called_empty_at_start(url: str, tmp_path: Path) -> None:
    """An operator whose database holds 60-odd passages, one the loader refuses, is told what fails, not to seed it."""
    from bot.config import ConfigError

    _break_a_passage(url)
    with pytest.raises(ConfigError) as refused:  # the start's one-line error
        Service.from_directory(KNOWLEDGE, Config(database_url=url, data_dir=tmp_path / "data"))
    said = str(refused.value)
    assert "holds no knowledge yet" not in said and "is empty" in said, said
    assert ".yaml:" in said and "kb export" in said and "/qabot-postgres-" not in said, said  # the file, the mend


def test_doctor_reports_a_database_the_bot_will_not_start_on(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator's `doctor` says error, not "ok ... up to date", for a database whose knowledge cannot load,
    naming the file and entry as the start does; it loads it from a temporary copy it removes."""
    import tempfile

    _break_a_passage(url)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))  # TMPDIR, as this process has read it
    code, out = run("doctor", "--knowledge", str(KNOWLEDGE), "--data", str(tmp_path / "data"))
    database = [line for line in out.splitlines() if " database: " in line]
    assert code == 1 and not [line for line in database if line.startswith("ok")], database
    [line] = database
    assert "the bot will not start on it" in line and "'text' is empty" in line and ".yaml:" in line, line
    assert list(temporary.iterdir()) == []


def test_doctor_warns_of_a_database_source_no_instance_reads(url: str, tmp_path: Path) -> None:
    """A database seeded by a version that read hidden files holds `.faq.yaml`, whose passages no instance
    serves: `doctor` warns, naming it and the name to give it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""INSERT INTO sources (name, source) VALUES ('.faq.yaml', '{"title": "FAQ"}')""")
        conn.execute(
            "INSERT INTO passages (id, source, position, section, text, questions) VALUES"
            " ('parking', '.faq.yaml', 0, 'Parking', 'Free parking is behind the library.', '[]')"
        )
    code, out = run("doctor", "--knowledge", str(KNOWLEDGE), "--data", str(tmp_path / "data"))
    [line] = [line for line in out.splitlines() if " database: " in line]
    assert code == 0 and line.startswith("warning"), line
    assert "but the database's .faq.yaml is not read (hidden)" in line and "rename it faq.yaml" in line, line


def test_the_warning_of_sources_no_instance_reads_names_each_and_its_new_name() -> None:
    """One sentence for the start's log and `doctor`: every hidden source, and the name to give each."""
    from bot.storage.database import not_served

    said = not_served([".faq.yaml", ".rules.yml", ".venue.yaml"])
    assert said.startswith("the database's .faq.yaml, .rules.yml and .venue.yaml are not read (hidden)"), said
    assert "so their passages are not served: rename them faq.yaml, rules.yaml and venue.yaml (" in said, said


def test_kb_publish_puts_a_folders_draft_into_the_database(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb import` writes a draft into the local folder; `kb publish` with a database makes it live there
    (recorded like every change, so `kb export` shows it); a second publish finds no draft."""
    article, folder = tmp_path / "bikes.md", tmp_path / "here"
    folder.mkdir()
    article.write_text("# Bikes\n\nBicycles go in the racks behind the library.\n", encoding="utf-8")
    assert run("kb", "import", str(article), "--knowledge", str(folder))[0] == 0
    code, out = run("kb", "publish", "bikes.yaml", "--knowledge", str(folder))
    assert code == 0 and "live now" in out, capsys.readouterr().err
    assert not list(folder.glob("*.yaml"))  # live in the database, not in the folder
    exported = tmp_path / "exported"
    assert run("kb", "export", str(exported))[0] == 0
    assert "racks behind the library" in (exported / "bikes.yaml").read_text(encoding="utf-8")
    code, _ = run("kb", "publish", "bikes.yaml", "--knowledge", str(folder))
    assert code == 1 and "No draft" in capsys.readouterr().err
    article.write_text("# Bikes\n\nBicycles go in the new shed by the gate.\n", encoding="utf-8")
    assert run("kb", "import", str(article), "--update", "--knowledge", str(folder))[0] == 0
    code, out = run("kb", "publish", "bikes.yaml", "--knowledge", str(folder))
    assert code == 0 and "It replaced the earlier version" in out, capsys.readouterr().err
    assert run("kb", "export", str(tmp_path / "again"))[0] == 0
    assert "new shed" in (tmp_path / "again" / "bikes.yaml").read_text(encoding="utf-8")
    assert not [t.name for t in threading.enumerate() if t.name.startswith("qabot-postgres")]  # the command closed


@pytest.mark.allow_error_logs  # the time-outs are logged at ERROR, as a moderator must see them
def test_a_reload_past_reload_timeout_keeps_the_knowledge_and_is_tried_later_and_later(
    url: str, services: Callable[[], Service], tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """An edit makes B reload the database's knowledge; past `reload_timeout` B keeps answering from
    what it had, says so once, tries no reload again before its wait is over (counted: one line per
    reload tried, on a clock the test moves by hand) and waits twice as long after the next time out;
    once a reload fits in the time, the edit is live. B's start-up load is not boxed. (The test had
    slept, and assumed that two catch-ups came within the 0.2 s wait: a slow moment failed it.)"""
    from bot.storage import replica

    monkeypatch.setattr(replica, "CATCH_UP_EVERY", 0.2)  # the first wait, shortened for the test
    a = services()
    b = Service.from_directory(KNOWLEDGE, Config(database_url=url, data_dir=tmp_path / "b", reload_timeout=1e-9))
    try:
        assert b._backend is not None and b._backend.follower is not None
        b._backend.follower.stop()  # this test says when B catches up
        b._backend.follower.join(timeout=3)
        clock = Clock()
        b._backend.replica._backoff.clock = clock  # the only clock its waits are measured on
        pid = next(iter(a.passages())).id
        before = b.passage(pid)
        a.moderation.edit(CLI, pid, text="Edited on A while B's reloads time out.")

        def timeouts() -> list[str]:  # one for each reload tried (each times out)
            return [r.getMessage() for r in caplog.records if "not reloaded from the database" in r.getMessage()]

        b.live.catch_up()
        assert b.passage(pid) == before and len(timeouts()) == 1 and timeouts()[0].endswith("(again in 0.2 s)")
        clock.now += 0.125
        b.live.catch_up()  # within the wait: not tried again
        assert len(timeouts()) == 1
        clock.now += 0.125  # 0.25 s after the first time out: past its wait
        b.live.catch_up()
        assert b.passage(pid) == before and len(timeouts()) == 2 and timeouts()[-1].endswith("(again in 0.4 s)")
        clock.now += 0.375  # past the first wait again, within the doubled one: not tried again
        b.live.catch_up()
        assert len(timeouts()) == 2
        b._backend.replica.time_limit = None  # the moment passes: the next reload fits
        clock.now += 0.125  # past the doubled wait
        b.live.catch_up()
        assert len(timeouts()) == 2
        assert b.passage(pid) is not None and b.passage(pid).text == "Edited on A while B's reloads time out."  # type: ignore[union-attr]
    finally:
        b.close()


def test_an_edit_after_ones_own_edit_whose_catch_up_failed_is_accepted(
    schema: str, url: str, role: str, services: Callable[[], Service], caplog: pytest.LogCaptureFixture
) -> None:
    """A moderator's edit commits but the catch-up right after it cannot read `changes` (the instance's role
    may not, for a while): their next edit of the same passage is accepted, not refused as another
    moderator's; once `changes` can be read again the instance serves that last edit."""
    import psycopg

    b = services(pg_support.as_role(url, role))
    pid = next(iter(b.passages())).id
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"REVOKE SELECT ON {schema}.changes FROM {role}")
        conn.execute(f"GRANT SELECT (seq) ON {schema}.changes TO {role}")  # what writing a change needs
        try:
            b.moderation.edit(CLI, pid, text="First edit; this instance cannot catch up after it.")
            assert "could not catch up with the database" in caplog.text
            assert "First edit" not in b.passage(pid).text  # type: ignore[union-attr]
            b.moderation.edit(CLI, pid, text="Second edit by the same moderator, right after.")
        finally:
            conn.execute(f"GRANT SELECT ON {schema}.changes TO {role}")
    wait_for(lambda: b.passage(pid).text == "Second edit by the same moderator, right after.", timeout=10)  # type: ignore[union-attr]


@pytest.mark.allow_error_logs
def test_a_change_the_database_refuses_is_not_called_an_unreachable_database(
    schema: str, url: str, role: str, services: Callable[[], Service]
) -> None:
    """The database is reached but says no to a change (here the instance's role may not write `changes`):
    the moderator is told the database refused it, not that it cannot be reached."""
    import psycopg

    b = services(pg_support.as_role(url, role))
    pid = next(iter(b.passages())).id
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"REVOKE INSERT ON {schema}.changes FROM {role}")
        with pytest.raises(Refused, match="refused that change") as refused:
            b.moderation.edit(CLI, pid, text="An edit the database will not take.")
    assert "not reachable" not in str(refused.value)


def deaf_to_other_changes(monkeypatch: pytest.MonkeyPatch, schema: str) -> None:
    """The test's instances notify and listen on a channel of the test's own, and check for changes only
    when told (the periodic check is an hour away): a change made by another test on the same server, or
    that check, cannot bring them the change the test is about."""
    from bot.storage import postgres, replica

    channel = f"{postgres.CHANNEL}_{schema}"
    monkeypatch.setattr(postgres, "CHANNEL", channel)  # what a change notifies
    monkeypatch.setattr(replica, "CHANNEL", channel)  # what a follower listens to
    monkeypatch.setattr(replica, "CATCH_UP_EVERY", 3600.0)


def test_after_an_outage_the_log_says_the_database_is_back_only_once_caught_up_and_that_comes_soon(
    schema: str, url: str, role: str, services: Callable[[], Service], monkeypatch: pytest.MonkeyPatch
) -> None:
    """B's connections are terminated and its logins refused while A adds a passage; once logins are allowed
    again, the line saying the database is back is logged only when B has A's passage, which B's follower
    reads through its own line as soon as it reconnects: not through B's pool (still backing off), nor at the
    periodic check, nor on another change's NOTIFY (none can come)."""
    deaf_to_other_changes(monkeypatch, schema)
    a, b = services(), services(pg_support.as_role(url, role))
    assert b._backend is not None and b._backend.follower is not None
    follower, pool = b._backend.follower, b._backend.database.pool
    had_it_when_told: list[bool] = []
    lent_when_told: list[int] = []

    class Told(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "the database is back" in record.getMessage():
                had_it_when_told.append(b.passage(pid) is not None)
                lent_when_told.append(pool.get_stats().get("requests_num", 0))

    told = Told()
    logging.getLogger("bot.storage.replica").addHandler(told)
    try:
        try:
            assert pg_support.outage(role, down=True) >= 2
            wait_for(lambda: not follower.connected.is_set())
            with pytest.raises(Refused, match="database is not reachable"):  # B's pool tries, and backs off
                b.moderation.add(CLI, section="While down", text="This change must be refused.")
            pid = a.moderation.add(CLI, section="Made meanwhile", text="Added on A while B was cut off.").passage_id
            time.sleep(6)  # long enough for B's pool to wait several seconds between its attempts to reconnect
            lent = pool.get_stats().get("requests_num", 0)  # connections B's pool was asked for so far
        finally:
            pg_support.outage(role, down=False)
        wait_for(lambda: bool(had_it_when_told), timeout=20)
    finally:
        logging.getLogger("bot.storage.replica").removeHandler(told)
    assert had_it_when_told == [True]
    assert lent_when_told == [lent]  # B's pool lent no connection for the catch-up


def test_a_failed_catch_up_is_tried_again_every_second_and_logged_once(
    schema: str, url: str, role: str, services: Callable[[], Service], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """B's follower is told of A's edit but cannot read `changes` for a while (B's role may not): it tries
    again on its own every `retry` seconds (no more often), the log says so once, not on every try, and the
    first try after `changes` is readable again brings the edit, with no NOTIFY and no periodic check."""
    import psycopg

    deaf_to_other_changes(monkeypatch, schema)
    a, b = services(), services(pg_support.as_role(url, role))
    assert b._backend is not None and b._backend.follower is not None
    follower = b._backend.follower
    tries: list[tuple[float, bool]] = []  # when each of B's catch-ups began, and whether it caught up
    catch_up = follower.on_change

    def counted(conn: psycopg.Connection[Any]) -> bool:
        began = time.monotonic()
        tries.append((began, catch_up(conn)))
        return tries[-1][1]

    follower.on_change = counted  # the follower's own callback, called through: only counted
    pid = next(iter(a.passages())).id
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"REVOKE SELECT ON {schema}.changes FROM {role}")
        try:
            a.moderation.edit(CLI, pid, text="Edited on A while B cannot read the changes.")
            wait_for(lambda: len(tries) >= 4, timeout=10)  # told once, then three tries of its own
        finally:
            conn.execute(f"GRANT SELECT ON {schema}.changes TO {role}")
    wait_for(lambda: tries[-1][1], timeout=10)  # no NOTIFY comes, nor the periodic check: only a try of its own
    assert "while B cannot" in b.passage(pid).text  # type: ignore[union-attr]
    outcomes = [caught_up for _, caught_up in tries]
    assert outcomes == [False] * (len(outcomes) - 1) + [True] and len(outcomes) >= 5, outcomes
    assert caplog.text.count("could not catch up with the database") == 1
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(tries)]
    assert min(gaps) >= follower.retry, gaps  # each try waited out `retry` after the one before


def test_a_publish_whose_history_cannot_be_read_right_after_its_commit_is_told_made_not_live_yet(
    schema: str, url: str, role: str, tmp_path: Path
) -> None:
    """`kb publish` of a new version reads the history after its commit, to say what it takes back: a database
    that could not be read in that moment raised out of the publish made (a traceback), and its catch-up failing
    there too left "live now" said of what members did not get. Now the reply says it is published, that the
    history could not be read and that it is not live yet; it goes live once the database can be read again.
    (The moment is made by the instance's role losing the right to read `changes`, as the test above does.)"""
    import psycopg

    folder, article = tmp_path / "here", tmp_path / "bikes.md"
    folder.mkdir()
    article.write_text("# Bikes\n\nBicycles go in the racks behind the library.\n", encoding="utf-8")
    assert run("kb", "import", str(article), "--knowledge", str(folder))[0] == 0
    assert run("kb", "publish", "bikes.yaml", "--knowledge", str(folder))[0] == 0
    article.write_text("# Bikes\n\nBicycles go in the new shed by the gate.\n", encoding="utf-8")
    assert run("kb", "import", str(article), "--update", "--knowledge", str(folder))[0] == 0
    config = Config(database_url=pg_support.as_role(url, role), data_dir=tmp_path / "data")
    service = Service.from_directory(folder, config)
    try:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f"REVOKE SELECT ON {schema}.changes FROM {role}")
            conn.execute(f"GRANT SELECT (seq) ON {schema}.changes TO {role}")  # what writing a change needs
            try:
                reply = service.moderate(Request("publish", draft="bikes.yaml"), CLI)
            finally:
                conn.execute(f"GRANT SELECT ON {schema}.changes TO {role}")
        assert not reply.refused and reply.change is not None and not reply.change.live
        assert reply.text.startswith("Published bikes.yaml: 1 passage. It replaced the earlier version;"), reply.text
        assert "The history could not be read just now" in reply.text and "live now" not in reply.text
        assert reply.text.endswith("It is saved, but not live yet: the database cannot be read right now. Members "
                                   "get the earlier knowledge until it can; it goes live then.")  # fmt: skip
        assert not (folder / "drafts" / "bikes.yaml").exists()  # published, not taken back
        wait_for(lambda: any("new shed" in p.text for p in service.passages()), timeout=10)
    finally:
        service.close()


def test_an_alias_whose_gaps_cannot_be_read_right_after_its_commit_is_told_attached_not_refused(
    schema: str, url: str, role: str, services: Callable[[], Service]
) -> None:
    """`kb alias ID --text WORDS` reads the open gaps after its commit, to close those the words answer: a database
    that could not be read in that moment answered the alias, made, as refused ("The database is not reachable
    right now, so changes are refused"), so that the moderator took it for not made. Now it is told attached.
    (The moment is made by the instance's role losing the right to read `questions`.)"""
    import psycopg

    b = services(pg_support.as_role(url, role))
    pid = next(iter(b.passages())).id
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"REVOKE SELECT ON {schema}.questions FROM {role}")
        try:
            reply = b.moderate(Request("alias", pid, text="where do defectors go first"), CLI)
        finally:
            conn.execute(f"GRANT SELECT ON {schema}.questions TO {role}")
    assert not reply.refused and reply.text.startswith(f"Attached “where do defectors go first” to `{pid}`"), reply
    assert "where do defectors go first" in b.passage(pid).questions  # type: ignore[union-attr]


def test_unanswered_questions_are_bounded_on_postgresql_too(services: Callable[[], Service]) -> None:
    """docs/reliability.md: anyone can add to the gaps table, so the bot keeps at most `max_unanswered`
    unanswered questions; on PostgreSQL the records had no such bound, every unanswered question any
    member asked staying for `retention_days`. Held to a bound of 300 here, as tests/test_gaps.py
    holds the SQLite store; a hedged one keeps its count for its passage, without its wording."""
    store = services().gaps
    assert isinstance(store, PostgresGapStore)
    store.max_unanswered = 300  # the bound the docs name, small for the test
    store.record_question("telegram", "hedger", "when is the first meetup", ["first", "meetup"], "meetups", True)
    for n in range(1000):
        store.record_question("telegram", str(n), f"question {n}", [f"term{n}"], None)
    assert store.flush()
    kept = sum(g.count for g in store.gaps(limit=100_000))
    assert 300 <= kept < 300 + 256, f"{kept} unanswered questions kept"
    assert ("meetups", 1, 1) in store.most_asked()  # the hedged one, let go of its wording, still counts
