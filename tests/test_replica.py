"""This instance's copy of the database's knowledge: loading it into its scratch folder, following the changes.

A full disk is the real OS event: a soft RLIMIT_FSIZE makes a write past it fail with EFBIG.
"""

from __future__ import annotations

import contextlib
import json
import logging
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.service import Service
from bot.storage.replica import Follower
from tests import pg_support
from tests.conftest import KNOWLEDGE
from tests.pg_support import wait_for
from tests.support import child_env, needs_read_only_mount

schema, url, services = pg_support.schema, pg_support.url, pg_support.services  # the fixtures

SMALL_FILES = 8 * 1024  # bytes: the bundled article's knowledge file (30 KB) cannot be written past it


@contextlib.contextmanager
def full_disk() -> Iterator[None]:
    """Writes of this process past SMALL_FILES bytes fail with an OSError, as on a full disk (the
    soft RLIMIT_FSIZE; Python ignores SIGXFSZ, so the write raises instead of the process dying)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (SMALL_FILES, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def _cli(*argv: str, limit: int | None = None, tmp: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGV` in a child process (its writes limited to `limit` bytes, as on a full disk;
    its temporary files in `tmp`)."""

    def limited() -> None:
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (hard if limit is None else limit, hard))

    env = {**child_env(), **({"TMPDIR": str(tmp)} if tmp else {})}
    argv = (sys.executable, "-m", "bot", *argv)
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, preexec_fn=limited)


def test_a_full_temporary_disk_at_start_up_is_one_error_line_not_a_traceback(url: str, tmp_path: Path) -> None:
    """Starting (or asking) with a database while the disk is full: one line naming the scratch folder and
    the reason, exit 2 as every other start that fails, no traceback, and no part-written copy left."""
    done = _cli("ask", "Why do North Koreans flee?", limit=SMALL_FILES, tmp=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr[-600:]
    assert done.returncode == 2, done.stderr[-600:]
    [line] = done.stderr.splitlines()
    assert line.startswith("error: ") and f"into {tmp_path}" in line and "File too large" in line, line
    assert list(tmp_path.iterdir()) == []


def _text(service: Service, pid: str) -> str:
    passage = service.passage(pid)
    return passage.text if passage is not None else ""


@pytest.mark.allow_error_logs  # the full disk is an ERROR: the instance's knowledge falls behind until there is room
def test_a_catch_up_that_hits_a_full_disk_does_not_stop_the_instance_following_for_good(
    services: Callable[[], Service], caplog: pytest.LogCaptureFixture
) -> None:
    """An instance whose temporary folder filled up for a moment applies the moderators' changes again once
    there is room, as after a database outage; the log says so once, naming the folder."""
    b = services()
    pid = next(iter(b.passages())).id
    with full_disk():  # another process (a moderator's `kb edit`) writes normally meanwhile
        assert _cli("kb", "edit", pid, "--text", "The first edit, made while B's disk was full.").returncode == 0
        time.sleep(2)  # B is notified, and its reload cannot write the knowledge into its scratch folder
    assert _cli("kb", "edit", pid, "--text", "The second edit, made once there was room again.").returncode == 0
    wait_for(lambda: "once there was room" in _text(b, pid), timeout=15)
    assert caplog.text.count("cannot copy it into") == 1 and "File too large" in caplog.text


# An instance whose scratch folder (its copy of the knowledge) is a full 16 KB tmpfs makes an edit, then gets room.
_COPY_FULL = """
import json, subprocess, sys, time
from pathlib import Path
from bot.asker import Asker
from bot.config import Config
from bot.curation import Request
from bot.service import Service
service = Service.from_directory(Path(sys.argv[1]), Config(database_url=sys.argv[2], data_dir=Path(sys.argv[3])))
folder = service._backend.scratch.folder
pid = next(iter(service.passages())).id
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)], check=True)
edit = Request("edit", pid, text="Edited while the copy's disk was full.")
reply = service.moderate(edit, Asker("cli", "", name="t"))
subprocess.run(["umount", str(folder)], check=True)
for _ in range(3000):  # up to 30 s for the follower's next try, which has room
    if "disk was full" in service.passage(pid).text:
        break
    time.sleep(0.01)
print(json.dumps([reply.text, reply.refused, reply.change.live, service.passage(pid).text]))
service.close()
"""


@needs_read_only_mount  # root in a mount namespace of its own: the same that mounts a small tmpfs
def test_an_edit_whose_copy_cannot_be_written_is_told_saved_in_the_database_not_that_it_cannot_be_read(
    url: str, tmp_path: Path
) -> None:
    """A moderator's edit committed, then the instance's copy of the knowledge cannot be written (its scratch folder
    a real full tmpfs; the change's check, in another temporary folder, has room): the reply says it is saved in
    the database and not live here yet because of the copy; it had said "the database cannot be read right now"
    of a database just written. It goes live once there is room."""
    done = subprocess.run(
        ["unshare", "-m", sys.executable, "-c", _COPY_FULL, str(KNOWLEDGE), url, str(tmp_path / "data")],
        capture_output=True, text=True, env=child_env(), timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    text, refused, live, now = json.loads(done.stdout)
    assert not refused and not live, text
    assert text.endswith(
        "It is saved in the database, but not live here yet: this instance cannot write its copy of the knowledge "
        "(the bot's log says why). Members it answers get the earlier knowledge until it can; it goes live then."
    ), text
    assert "No space left on device" in done.stderr and now == "Edited while the copy's disk was full."


@pytest.mark.allow_error_logs  # the fault is logged at ERROR, with its traceback
def test_a_follower_whose_catch_up_raises_follows_on(url: str, caplog: pytest.LogCaptureFixture) -> None:
    """An exception out of a catch-up (a fault of the bot's own) is logged once with its traceback, and the
    follower connects and catches up again after `retry` seconds: it never stops following for good."""
    calls: list[int] = []

    def on_change(conn: Any) -> bool:
        calls.append(1)
        if len(calls) <= 2:
            raise RuntimeError("a fault of the bot's own")
        return True

    follower = Follower(url, on_change, retry=0.1)
    follower.start()
    try:
        wait_for(lambda: len(calls) >= 3 and follower.connected.is_set())
        assert follower.is_alive()
        assert caplog.text.count("following the database's changes failed") == 1 and "RuntimeError" in caplog.text
    finally:
        follower.stop()
        follower.join(timeout=2)


def _by_hand(url: str, pid: str, text: str, change: str) -> None:
    """An operator's SQL: `pid`'s text set to `text`, recorded as a change (`change`), and the instances notified."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE passages SET text = %s WHERE id = %s", (text, pid))
        conn.execute(
            "INSERT INTO changes (id, at, platform, user_id, name, chat_id, kind, passage_id, file, position)"
            " SELECT %s, '2026-01-01T00:00:00+00:00', 'cli', '', 'ops', '', 'edit', id, source, position"
            " FROM passages WHERE id = %s",
            (change, pid),
        )
        conn.execute("SELECT pg_notify('qabot_changes', 'x')")


@pytest.mark.allow_error_logs  # one ERROR is expected: the test counts them
def test_a_database_knowledge_that_does_not_load_is_not_reported_again_every_few_seconds(
    url: str, services: Callable[[], Service], caplog: pytest.LogCaptureFixture
) -> None:
    """An operator whose database holds a change the loader refuses gets one ERROR, not one at every quiet
    check (every 5 s); the next change is tried (a mend goes live)."""
    b = services()
    pid = next(iter(b.passages())).id
    _by_hand(url, pid, "", "handmade01")  # a row the loader refuses (an empty text)

    def said() -> list[str]:
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        return [message for message in errors if "does not load" in message]

    wait_for(lambda: len(said()) == 1)
    for _ in range(2):
        b.live.catch_up()  # as the follower's quiet checks do, every 5 s
    assert len(said()) == 1, f"{len(said())} ERRORs: {said()[-1]}"
    assert "'text' is empty" in said()[0] and "kb export" in said()[0], said()[0]
    _by_hand(url, pid, "Mended by hand.", "handmade02")
    wait_for(lambda: _text(b, pid) == "Mended by hand.")


INSTANCE = """
import sys, time
from bot.config import Config
from bot.service import Service
service = Service.from_directory(sys.argv[1], Config(database_url=sys.argv[2], data_dir=sys.argv[3]))
print("ready", flush=True)
if sys.argv[4] == "wait":
    time.sleep(60)
service.close()
"""


def test_an_instance_killed_and_started_again_leaves_no_copy_of_the_knowledge_behind(url: str, tmp_path: Path) -> None:
    """An instance killed (OOM, SIGKILL after a stop timed out) and started again does not leave a copy of the
    knowledge per crash in the temporary folder; a start never removes the copy of an instance that runs."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**child_env(), "TMPDIR": str(temporary)}

    def instance(how: str) -> subprocess.Popen[str]:
        argv = [sys.executable, "-c", INSTANCE, str(KNOWLEDGE), url, str(tmp_path / "data"), how]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)

    def started_and_stopped() -> list[str]:
        restarted = instance("stop")
        out, _ = restarted.communicate(timeout=60)
        assert restarted.returncode == 0 and out.strip() == "ready"
        return sorted(path.name for path in temporary.iterdir())

    running = instance("wait")
    assert running.stdout is not None and running.stdout.readline().strip() == "ready"
    [kept] = started_and_stopped()  # the running instance's copy
    assert any((temporary / kept).iterdir())
    running.kill()
    running.communicate(timeout=10)
    assert started_and_stopped() == []
