"""Moderation under faults: SIGTERM during a burst of changes finishes or refuses each one; a restart serves them."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import cli, knowledge
from bot.config import Config
from bot.curation import CLI_PLATFORM, store
from bot.curation.edits import Refused
from bot.curation.history import FILE_NAME as HISTORY_FILE
from bot.service import Asker, Service
from tests.conftest import ROOT
from tests.support import child_env, needs_strace

WRITER = Path(__file__).resolve().parent / "kb_writer.py"
CLI = Asker(CLI_PLATFORM, "", name="faults")
ADDED = ["--section", "Parking", "--text", "Bikes go in the racks behind the library."]


def history_adds(kdir: Path) -> list[str]:
    path = kdir.parent / "data" / HISTORY_FILE
    if not path.exists():
        return []
    return [json.loads(line)["passage_id"] for line in path.read_text(encoding="utf-8").split("\n") if line]


def assert_clean(kdir: Path, acknowledged: list[str]) -> None:
    """Valid files holding every acknowledged id; disk and history agree exactly; no temporary file left."""
    on_disk = {p.id for p in knowledge.load(kdir)} - {"meetups", "rules"}  # the two the folder starts with
    assert set(acknowledged) <= on_disk
    assert sorted(history_adds(kdir)) == sorted(on_disk)  # no change without its history line, nor the reverse
    assert not list(kdir.glob(".*.tmp")) and not list(kdir.glob("*.tmp"))
    restarted = Service.from_directory(kdir, Config(data_dir=kdir.parent / "data"))  # a restart serves them all
    try:
        for pid in acknowledged:
            answer = restarted.answerer.answer_passage(pid)
            assert answer is not None and answer.passage_id == pid
    finally:
        restarted.close()


def signalled_mid_change(signal_name: str, data: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """`python ARGV` under strace, sent `signal_name` by strace as it syncs the history (`data`'s history.jsonl):
    the signal arrives in the middle of a change, its history line written, its knowledge file not yet."""
    strace = ["strace", "-f", "-qq", "-o", "/dev/null", "-P", str(data / HISTORY_FILE), "-e", "trace=fsync"]
    return subprocess.run(
        [*strace, "-e", f"inject=fsync:signal={signal_name}:when=1", sys.executable, *argv],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@needs_strace
def test_a_sigterm_in_the_middle_of_a_write_waits_for_the_change_to_finish(kdir: Path) -> None:
    """SIGTERM sent (by strace) as the writer syncs its history line: the writer ends by it only once file
    and history are done (its guard, `changes_finish_first`, is around the change), never between the two."""
    data = kdir.parent / "data"
    done = signalled_mid_change("TERM", data, [str(WRITER), str(kdir), str(data), "a", "3"])
    assert done.returncode == -signal.SIGTERM, done.stderr  # ended by the signal: after the first change
    assert done.stdout == "" and history_adds(kdir) == ["a-0"]  # made and recorded, not yet printed
    assert_clean(kdir, [])


@needs_strace
def test_ctrl_c_during_kb_add_still_tells_the_moderator_the_passage_was_added(kdir: Path) -> None:
    """Ctrl-C (SIGINT, sent by strace as `kb add` syncs its history line): the change is finished and live,
    and the command said nothing before exit 130, so the moderator took it for not made and added it again
    (`parking-2`); it says the reply and the new id first."""
    argv = ["-m", "bot", "kb", "add", *ADDED, "--knowledge", str(kdir)]
    done = signalled_mid_change("INT", kdir.parent / "data", argv)
    assert history_adds(kdir) == ["parking"]  # the change was made, and recorded
    assert done.returncode == 130, done.stderr
    assert done.stdout.splitlines()[-1:] == ["parking"], "nothing told the moderator the passage was added"
    assert "interrupted" in done.stderr
    assert_clean(kdir, ["parking"])


def writer(kdir: Path, prefix: str, count: int) -> subprocess.Popen[str]:
    """The writer, with a temporary folder of its own (a change is checked in a scratch copy there)."""
    scratch = kdir.parent / "tmp"
    scratch.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(kdir), str(kdir.parent / "data"), prefix, str(count)],
        cwd=ROOT, env={**child_env(), "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_sigterm_during_a_burst_of_additions_loses_nothing_acknowledged(kdir: Path) -> None:
    """Writers signalled mid-run, three times over: every acknowledged id on disk and in history, files valid."""
    acknowledged: list[str] = []
    for prefix, before_signal in (("a", 4), ("b", 9), ("c", 15)):
        proc = writer(kdir, prefix, 300)
        assert proc.stdout is not None
        acknowledged += [proc.stdout.readline().strip() for _ in range(before_signal)]
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=60)
        acknowledged += rest.split()
        assert proc.returncode == -signal.SIGTERM, err  # ended by the signal, between changes
        assert "Traceback" not in err
        assert_clean(kdir, acknowledged)
        assert not list((kdir.parent / "tmp").iterdir())  # nor a scratch copy of a change being checked
    assert len(acknowledged) >= 28


def test_a_temporary_file_left_by_a_killed_writer_is_removed_by_the_next_change(kdir: Path) -> None:
    """SIGKILL cannot be held back: a stale temporary file may stay, and the next writer removes it under the lock."""
    stale = kdir / ".moderators.yaml.k1ll3d.tmp"
    stale.write_text("source: {title: half", encoding="utf-8")
    service = Service.from_directory(kdir, Config(data_dir=kdir.parent / "data"))
    try:
        change = service.moderation.add(CLI, section="Parking", text="Bikes go behind the library.")
    finally:
        service.close()
    assert not stale.exists()
    assert_clean(kdir, [change.passage_id])


def _waiting_for_lock(pid: int) -> bool:
    """True when `pid` is blocked waiting for a flock (a '->' line of /proc/locks)."""
    return any(" -> " in line and f" {pid} " in line for line in Path("/proc/locks").read_text().splitlines())


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs /proc/locks to see a process waiting for the lock")
def test_the_cli_stops_cleanly_on_sigterm_while_waiting_for_the_lock(kdir: Path) -> None:
    """`kb add` blocked on the lock, then SIGTERM: exit 143 with one plain line, nothing changed, no traceback."""
    fd = os.open(kdir / store.LOCK_NAME, os.O_RDONLY | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    before = sorted(p.name for p in kdir.iterdir())
    try:
        add = ["kb", "add", "--section", "S", "--text", "Some text.", "--knowledge", str(kdir)]
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *add],
            cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not _waiting_for_lock(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_lock(proc.pid), "the command never waited for the lock"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(fd)
    assert proc.returncode == 143, err
    assert "stopped by SIGTERM" in err and "Traceback" not in err
    assert out == ""
    assert sorted(p.name for p in kdir.iterdir()) == before
    assert knowledge.load(kdir).get("meetups") is not None


@pytest.mark.slow
def test_a_cli_loop_signalled_at_any_moment_finishes_or_refuses_each_change(kdir: Path) -> None:
    """Three `kb add` processes, each sent SIGTERM a little later: each one printed its id or left nothing half-done."""
    acknowledged: list[str] = []
    for n, delay in enumerate((0.3, 0.9, 1.8)):
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "kb", "add", "--section", f"Loop {n}", "--text", f"Loop number {n}.",
             "--id", f"loop{n}-x", "--knowledge", str(kdir)],
            cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(delay)  # not asserted on: the signal may land before, during or after the change
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode in (0, 143, -signal.SIGTERM), err
        assert "Traceback" not in err
        if proc.returncode == 0:
            acknowledged.append(out.split()[-1])
        assert_clean(kdir, acknowledged)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """The knowledge files and their bytes (not the lock file, which any change attempt makes)."""
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device whose writes fail with ENOSPC")
def test_a_full_disk_refuses_the_change_and_leaves_the_knowledge_as_it_was(kdir: Path) -> None:
    """The history write fails with ENOSPC (history.jsonl is /dev/full): the change is refused, nothing changed."""
    data = kdir.parent / "data"
    data.mkdir()
    (data / HISTORY_FILE).symlink_to("/dev/full")
    service = Service.from_directory(kdir, Config(data_dir=data))
    before = folder_bytes(kdir)
    try:
        with pytest.raises(Refused, match=r"the disk is full\. Nothing was changed"):
            service.moderation.add(CLI, section="Parking", text="Bikes go behind the library.", passage_id="bikes")
        assert service.passage("bikes") is None  # not live
    finally:
        service.close()
    assert folder_bytes(kdir) == before


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device whose writes fail with ENOSPC")
def test_kb_add_whose_output_cannot_be_written_does_not_claim_the_change_was_refused(kdir: Path) -> None:
    """`kb add ... > ids.txt` on a full disk: the passage was added, then printing its id ended in a traceback
    and exit 1, which says "a change was refused" (a script retried and added it twice); it is one `error:`
    line and exit 74."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "kb", "add", *ADDED, "--knowledge", str(kdir)],
            cwd=ROOT, env=child_env(), stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert history_adds(kdir) == ["parking"]  # made
    assert result.returncode == 74, result.stderr
    assert result.stderr.startswith("error: the output could not be written (No space left on device)")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


def test_a_torn_last_history_line_is_cut_off_and_history_and_undo_still_work(kdir: Path) -> None:
    """A record cut short mid-line (a crash, a full disk) is cut off at the next change, never glued to it."""
    service = Service.from_directory(kdir, Config(data_dir=kdir.parent / "data"))
    try:
        service.moderation.add(CLI, section="Parking", text="Bikes go behind the library.", passage_id="bikes")
        history = kdir.parent / "data" / HISTORY_FILE
        whole = history.read_bytes()
        with history.open("ab") as file:
            file.write(whole[: len(whole) // 2])  # half of a second line, no newline
        service.moderation.add(CLI, section="Food", text="Snacks are welcome at the meetup.", passage_id="food")
        assert history.read_bytes().startswith(whole)
        assert history_adds(kdir) == ["bikes", "food"]
        shown = service.moderation.history(CLI)
        assert "add food" in shown and "add bikes" in shown
        assert service.moderation.undo(CLI).passage_id == "food"
        assert service.passage("food") is None and service.passage("bikes") is not None
    finally:
        service.close()


def bikes_added_and_edited(kdir: Path) -> tuple[Service, Path]:
    """A bot whose history holds two records: `bikes` added, then edited."""
    service = Service.from_directory(kdir, Config(data_dir=kdir.parent / "data"))
    service.moderation.add(CLI, section="Parking", text="Bikes go behind the library.", passage_id="bikes")
    service.moderation.edit(CLI, "bikes", text="Bikes go in the racks.")
    return service, kdir.parent / "data" / HISTORY_FILE


def damaged_edit(history: Path, **fields: object) -> bytes:
    """The edit's record with some fields replaced, as one line."""
    record = json.loads(history.read_text(encoding="utf-8").split("\n")[1])
    return json.dumps({**record, "id": "damaged", **fields}).encode("utf-8") + b"\n"


@pytest.mark.parametrize(
    "damage",
    [
        "not UTF-8",
        "before and after strings",
        "index not a number",
        "section a list",
        "text null",
        "questions a string",
    ],
)
def test_a_damaged_history_line_is_skipped_with_a_warning_naming_it(
    kdir: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A third line that holds no record `kb history` and `kb undo` can use is skipped with a WARNING
    naming the file and line, as a line that is not JSON was: it had crashed them (UnicodeDecodeError,
    AttributeError, TypeError), or made undo refuse the edit before it."""
    service, history = bikes_added_and_edited(kdir)
    line = {
        "not UTF-8": b"\xff\xfe garbage \x80\n",
        "before and after strings": damaged_edit(history, before="oops", after="oops"),
        "index not a number": damaged_edit(history, kind="remove", index="notint", after=None),
        "section a list": damaged_edit(history, after={"id": "bikes", "section": ["a"], "text": "T."}),
        "text null": damaged_edit(history, after={"id": "bikes", "section": "S", "text": None}),
        "questions a string": damaged_edit(
            history, after={"id": "bikes", "section": "S", "text": "T", "questions": "q"}
        ),
    }[damage]
    with history.open("ab") as file:
        file.write(line)
    try:
        shown = service.moderation.history(CLI)
        assert shown.splitlines()[0].endswith("edit bikes by faults (cli)") and "add bikes" in shown
        assert "oops" not in shown and "['a']" not in shown
        warnings = [r.getMessage() for r in caplog.records if "skipping an unreadable history line" in r.getMessage()]
        assert warnings == [f"{history}:3: skipping an unreadable history line"]
        change = service.moderation.undo(CLI)  # the edit, the last change that was made
        assert change.message.startswith("Undid the edit of `bikes`")
        passage = service.passage("bikes")
        assert passage is not None and passage.text == "Bikes go behind the library."
    finally:
        service.close()


def test_a_record_with_a_key_this_version_does_not_know_is_read_and_undone(
    kdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A record a newer version wrote with one more key ("extra": 1) was dropped as unreadable, and undo
    then refused the add before it ("`bikes` was changed since that add"): the key is left out now."""
    service, history = bikes_added_and_edited(kdir)
    add, edit = history.read_text(encoding="utf-8").split("\n")[:2]
    history.write_text(add + "\n" + json.dumps({**json.loads(edit), "extra": 1}) + "\n", encoding="utf-8")
    try:
        assert service.moderation.history(CLI).splitlines()[0].endswith("edit bikes by faults (cli)")
        assert service.moderation.undo(CLI).message.startswith("Undid the edit of `bikes`")
        assert not [r for r in caplog.records if "unreadable" in r.getMessage()]
    finally:
        service.close()


@pytest.mark.parametrize("where", ["history.jsonl a folder", "the data folder a file"])
def test_a_history_that_cannot_be_read_is_refused_in_one_line_naming_it(
    kdir: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """history.jsonl a folder, or a data folder that is a file: `kb history` printed a traceback
    (IsADirectoryError, NotADirectoryError); it prints one error line naming the file."""
    data = kdir.parent / "data"
    if where == "history.jsonl a folder":
        (data / HISTORY_FILE).mkdir(parents=True)
    else:
        data.write_text("a file, not a folder", encoding="utf-8")
    reason = "is a directory" if where == "history.jsonl a folder" else "not a directory"
    code = cli.main(["kb", "history", "--knowledge", str(kdir), "--data", str(data)])
    assert (code, capsys.readouterr().err) == (
        1,
        f"error: Cannot read the history (history.jsonl in the data folder): {reason}.\n",
    )


_LIMITED_ADD = """
import logging, resource, signal, sys
from bot import cli
logging.basicConfig(level=logging.WARNING)  # the log, which says which write failed: `kb add` says only its error line
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
add = ["kb", "add", "--section", "Long", "--text", sys.argv[2], "--id", "long"]
sys.exit(cli.main([*add, "--knowledge", sys.argv[3]]))
"""


def test_a_change_whose_files_cannot_be_written_takes_its_history_line_back(kdir: Path) -> None:
    """Files bigger than the process may write (RLIMIT_FSIZE): the history line went first and is taken back."""
    notes = kdir / "notes.yaml"
    filler = "Words to make the file big. " * 8
    passages = "".join(f'  - id: filler-{n}\n    section: Filler\n    text: "{filler}"\n' for n in range(40))
    notes.write_text(notes.read_text(encoding="utf-8") + passages, encoding="utf-8")
    before = folder_bytes(kdir)
    limit = 8192  # the history line (about 3 KB) fits; the knowledge file (over 10 KB) does not
    text = "A long passage about bicycles and where they are parked. " * 50
    proc = subprocess.run(
        [sys.executable, "-c", _LIMITED_ADD, str(limit), text, str(kdir)],
        capture_output=True, text=True, env=child_env(), timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "file size limit" in proc.stdout + proc.stderr and "Nothing was changed" in proc.stdout + proc.stderr
    assert "cannot check the change" in proc.stderr or "cannot write" in proc.stderr  # the files failed, after the line
    assert folder_bytes(kdir) == before
    assert history_adds(kdir) == []  # appended first, then taken back
