"""A moderator's change reaches the disk whole: each write seen by strace (fsync, then rename, then the
folder's fsync), a real full disk (a small tmpfs) and a real file size limit, a reader of the old file,
and a knowledge file that is a link. Each test here kills a mutant of `write_atomic`, `_keep_mode` or the
commit that the other store tests let live (docs/reliability.md, "What a change's writes promise")."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.curation.atomicfiles import NEW_FILE_MODE
from bot.curation.history import FILE_NAME as HISTORY_FILE
from bot.curation.store import LOCK_NAME
from tests.conftest import ROOT
from tests.support import child_env, needs_read_only_mount, needs_strace

TRACED = "trace=write,fsync,fdatasync,rename,renameat,renameat2,unlink,unlinkat"
_CALL = re.compile(r"^\d+\s+(\w+)\((.*)\)\s+=\s+(-?\d+)")
_TEMP = re.compile(r"/\.([^/]+)\.\w{8}\.tmp$")  # mkstemp's eight random characters


def traced(tmp_path: Path, argv: list[str]) -> list[str]:
    """The calls of `python -m bot ARGV` that write, sync, rename or remove the knowledge folder's files or the
    history, in order, as "call path" relative to `tmp_path` (a temporary file's random part as `*`; a run of
    writes to one file as one)."""
    log = tmp_path / "strace.log"
    command = ["strace", "-f", "-y", "-qq", "-s", "0", "-o", str(log), "-e", TRACED, sys.executable, "-m", "bot"]
    result = subprocess.run(
        [*command, *argv], cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    watched = (f"{tmp_path}/knowledge", f"{tmp_path}/data/{HISTORY_FILE}")
    events: list[str] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        call = _CALL.match(line)
        if call is None or int(call[3]) < 0:
            continue
        quoted = r"<([^>]*)>" if call[1] in ("write", "fsync", "fdatasync") else r'"([^"]*)"'
        paths = [path for path in re.findall(quoted, call[2]) if path.startswith(watched)]
        if paths:
            shown = " -> ".join(_TEMP.sub(r"/.\1.*.tmp", path).removeprefix(f"{tmp_path}/") for path in paths)
            event = f"{call[1]} {shown}"
            if not (events and events[-1] == event == f"write {shown}"):
                events.append(event)
    return events


@needs_strace
def test_an_edit_is_synced_before_its_rename_and_the_folder_after_it(kdir: Path, tmp_path: Path) -> None:
    """`kb edit` under strace: the history line synced first, then the file written and synced under a temporary
    name, renamed over the old one, and the folder synced: no crash can leave the change half made or unrecorded."""
    edit = ["kb", "edit", "rules", "--text", "Be kind to each other.", "--knowledge", str(kdir.resolve())]
    assert traced(tmp_path.resolve(), [*edit, "--data", str(tmp_path.resolve() / "data")]) == [
        f"write data/{HISTORY_FILE}",
        f"fsync data/{HISTORY_FILE}",
        "write knowledge/.notes.yaml.*.tmp",
        "fsync knowledge/.notes.yaml.*.tmp",
        "rename knowledge/.notes.yaml.*.tmp -> knowledge/notes.yaml",
        "fsync knowledge",
    ]


@needs_strace
def test_a_removal_that_deletes_a_file_syncs_the_folder_after_it(kdir: Path, tmp_path: Path) -> None:
    """`kb remove` of the moderators' last passage deletes moderators.yaml: the history line synced first, then
    the file removed and the folder synced, so that the removal outlives a crash."""
    k = ["--knowledge", str(kdir.resolve()), "--data", str(tmp_path.resolve() / "data")]
    assert cli.main(["kb", "add", "--id", "bikes", "--section", "Parking", "--text", "Bikes go in the racks.", *k]) == 0
    assert traced(tmp_path.resolve(), ["kb", "remove", "bikes", *k]) == [
        f"write data/{HISTORY_FILE}",
        f"fsync data/{HISTORY_FILE}",
        "unlink knowledge/moderators.yaml",
        "fsync knowledge",
    ]


@needs_strace
@pytest.mark.parametrize("change", ["edit", "remove"])
def test_a_folder_that_cannot_be_synced_after_the_change_still_tells_it_made_and_keeps_its_line(
    kdir: Path, tmp_path: Path, change: str
) -> None:
    """The knowledge folder's fsync fails (EIO, injected by strace on that folder alone) after the file was renamed
    or removed: the change is there, so the reply says it was made and the history keeps its line; it had said
    "Nothing was changed" and taken the line back, leaving a change in the files that no `kb undo` could find."""
    k = ["--knowledge", str(kdir.resolve()), "--data", str(tmp_path / "data")]
    assert cli.main(["kb", "add", "--id", "bikes", "--section", "Parking", "--text", "Bikes go in the racks.", *k]) == 0
    argv = ["edit", "bikes", "--text", "Bikes go behind the library."] if change == "edit" else ["remove", "bikes"]
    failing = ["strace", "-f", "-qq", "-o", "/dev/null", "-P", str(kdir.resolve()), "-e", "trace=fsync"]
    result = subprocess.run(
        [*failing, "-e", "inject=fsync:error=EIO", sys.executable, "-m", "bot", "kb", *argv, *k],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "could not be synced" in result.stderr and "Traceback" not in result.stderr
    moderators = kdir / "moderators.yaml"
    assert (change == "edit") == moderators.exists()
    assert change == "remove" or b"behind the library" in moderators.read_bytes()
    lines = (tmp_path / "data" / HISTORY_FILE).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["add", change]


def test_a_reader_of_the_old_file_reads_it_whole_and_the_change_is_a_new_file(kdir: Path) -> None:
    """A reader that opened notes.yaml before an edit reads the old bytes whole after it (the file is replaced,
    never rewritten in place, where a reader or a crash meets half of it), and the name holds the new file."""
    notes = kdir / "notes.yaml"
    before = notes.read_bytes()
    with notes.open("rb") as reader:
        assert cli.main(["kb", "edit", "rules", "--text", "Be kind to each other.", "--knowledge", str(kdir)]) == 0
        assert reader.read() == before
        assert os.fstat(reader.fileno()).st_ino != notes.stat().st_ino
    assert b"Be kind to each other." in notes.read_bytes()


_LIMITED_WRITE = """
import resource, signal, sys
from pathlib import Path
from bot.curation.atomicfiles import write_atomic
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    write_atomic(Path(sys.argv[1]), "x" * 10_000)
except OSError as exc:
    print(exc.errno)
"""


def test_a_write_past_the_file_size_limit_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    """`write_atomic` in a process limited to 4 KB files (RLIMIT_FSIZE, a real EFBIG): it raises, the old file is
    there byte for byte, and its temporary file is gone (one left behind on every failure filled the folder)."""
    target = tmp_path / "notes.yaml"
    target.write_text("source: {title: Old}\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", _LIMITED_WRITE, str(target)], cwd=ROOT, env=child_env(), capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.stdout.strip() == str(errno.EFBIG), result.stderr
    assert target.read_text(encoding="utf-8") == "source: {title: Old}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.yaml"]


_REFUSED_MODE = """
import os, sys
from pathlib import Path
from bot.curation.atomicfiles import write_atomic
target = Path(sys.argv[1])
before = len(os.listdir("/proc/self/fd"))
for _ in range(3):
    try:
        write_atomic(target, "source: {title: New}\\n")
    except OSError as exc:
        print(exc.errno)
print(len(os.listdir("/proc/self/fd")) - before)
"""


@needs_strace
def test_a_write_whose_mode_cannot_be_set_leaves_no_descriptor_open(tmp_path: Path) -> None:
    """`write_atomic` on a file system that refuses to set the new file's mode (fchmod's EPERM, as on a CIFS or
    FAT mount; injected by strace), three times: each raises, the old file stays, no temporary file is left, and
    no file descriptor either (each refused change had kept one open, until the bot ran out of them)."""
    target = tmp_path / "notes.yaml"
    target.write_text("source: {title: Old}\n", encoding="utf-8")
    strace = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=fchmod", "-e", "inject=fchmod:error=EPERM"]
    result = subprocess.run(
        [*strace, sys.executable, "-c", _REFUSED_MODE, str(target)], cwd=ROOT, env=child_env(), capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.stdout.split() == [str(errno.EPERM)] * 3 + ["0"], (result.stdout, result.stderr)
    assert target.read_text(encoding="utf-8") == "source: {title: Old}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.yaml"]


_KOREAN_EDIT = """
import sys
from pathlib import Path
from bot.asker import Asker
from bot.config import Config
from bot.curation import Request
from bot.service import Service
service = Service.from_directory(Path(sys.argv[1]), Config(data_dir=Path(sys.argv[2])))
korean = Asker("cli", "", name="t", language="ko")
reply = service.moderate(Request("edit", "rules", text="Be kind to each other."), korean)
print(reply.text)
service.close()
"""


@needs_strace
@pytest.mark.parametrize(
    ("error", "reason"),
    [("EIO", "디스크에서 입출력 오류가 났습니다"), ("EMFILE", "파일 시스템이 쓰기를 거부했습니다(EMFILE)")],
)
def test_a_write_the_disk_fails_is_refused_in_the_moderators_language(
    kdir: Path, tmp_path: Path, error: str, reason: str
) -> None:
    """A Korean moderator's edit whose file cannot be renamed into place (EIO, a failing disk; EMFILE, any other
    failure: strace injects it) is refused all in Korean: the reason in the catalogue's words, naming the error
    if no more is known; it had been the system's English ("Input/output error") inside the Korean sentence."""
    before = (kdir / "notes.yaml").read_bytes()
    strace = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename,renameat,renameat2"]  # the edit's one
    result = subprocess.run(
        [*strace, "-e", f"inject=rename,renameat,renameat2:error={error}", sys.executable, "-c", _KOREAN_EDIT,
         str(kdir), str(tmp_path / "data")], cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"변경을 저장할 수 없습니다: {reason}. 아무것도 바뀌지 않았습니다.\n", result.stdout
    assert (kdir / "notes.yaml").read_bytes() == before


_FILLER = "".join(f"  - id: filler-{n}\n    section: Filler\n    text: Filler passage number {n}.\n" for n in range(90))


@needs_read_only_mount  # root in a mount namespace of its own: the same that mounts a small tmpfs
def test_a_change_on_a_full_disk_is_refused_and_leaves_the_folder_and_the_history_as_they_were(
    kdir: Path, tmp_path: Path
) -> None:
    """The knowledge folder on a real full disk (a 128 KB tmpfs filled up; the check's scratch copy and the history
    elsewhere): the edit is refused as "the disk is full", notes.yaml keeps its bytes, no temporary file stays,
    and the history line, written before the files, is taken back."""
    notes = kdir / "notes.yaml"
    notes.write_text(notes.read_text(encoding="utf-8") + _FILLER, encoding="utf-8")  # two pages, three after the edit
    stash, after, scratch, data = (tmp_path / name for name in ("stash", "after", "scratch", "data"))
    shutil.copytree(kdir, stash)
    after.mkdir()
    scratch.mkdir()
    edit = f"{sys.executable} -m bot kb edit rules --text '{'Rules are long. ' * 180}' --knowledge {kdir} --data {data}"
    script = (
        f"mount -t tmpfs -o size=128k tmpfs {kdir} && cp -a {stash}/. {kdir}/ "
        f"&& {{ dd if=/dev/zero of={kdir}/zz-filler bs=1k 2>/dev/null; {edit}; code=$?; }} "
        f"&& rm {kdir}/zz-filler && cp -a {kdir}/. {after}/ && exit $code"
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], cwd=ROOT, env={**child_env(), "TMPDIR": str(scratch)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "Cannot save the change: the disk is full. Nothing was changed." in result.stderr
    assert sorted(p.name for p in after.iterdir()) == sorted([LOCK_NAME, "notes.yaml"])
    assert (after / "notes.yaml").read_bytes() == notes.read_bytes()
    history = data / HISTORY_FILE
    assert not history.exists() or history.read_text(encoding="utf-8").strip() == ""


def test_a_knowledge_file_that_is_a_link_is_replaced_by_a_file_taking_nothing_from_its_target(kdir: Path) -> None:
    """notes.yaml a link to shared/notes.yaml (another user's, mode 0666): an edit writes a new notes.yaml of the
    bot's user, mode 0644, not the link's 0777 nor the target's 0666 (anyone could then rewrite the knowledge),
    and the file the link pointed to is left as it was."""
    shared = kdir / "shared"
    shared.mkdir()
    target = shared / "notes.yaml"
    (kdir / "notes.yaml").replace(target)
    (kdir / "notes.yaml").symlink_to(target)
    target.chmod(0o666)
    if os.geteuid() == 0:
        os.chown(target, 65534, 65534)
    before = target.read_bytes()
    assert cli.main(["kb", "edit", "rules", "--text", "Be kind to each other.", "--knowledge", str(kdir)]) == 0
    written = (kdir / "notes.yaml").lstat()
    assert (oct(written.st_mode), written.st_uid) == (oct(0o100000 | NEW_FILE_MODE), os.geteuid())
    assert b"Be kind to each other." in (kdir / "notes.yaml").read_bytes()
    assert target.read_bytes() == before and target.stat().st_mode & 0o777 == 0o666


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can write a file another user owns and give it back")
def test_a_file_another_user_owns_keeps_its_owner_and_mode_when_root_rewrites_it(kdir: Path) -> None:
    """Root (a bot run as root, or `kb edit` under sudo) rewriting a file that user 65534 owns, mode 0640: the new
    file is that user's again with that mode, so the bot's own user can still read and change it."""
    notes = kdir / "notes.yaml"
    os.chown(notes, 65534, 65534)
    notes.chmod(0o640)
    assert cli.main(["kb", "edit", "rules", "--text", "Be kind to each other.", "--knowledge", str(kdir)]) == 0
    written = notes.lstat()
    assert (written.st_uid, written.st_gid, written.st_mode & 0o777) == (65534, 65534, 0o640)
    assert b"Be kind to each other." in notes.read_bytes()


# Two changes recorded in a new data folder, the second past `rotate_at`: the old file is set aside, a new one begun.
_TWO_RECORDS = """
import sys
from pathlib import Path
from bot.curation.history import History, Record
history = History(Path(sys.argv[1]), rotate_at=100)
for n in range(2):
    history.check_writable()
    history.append(Record(id=f"r{n}", at="2026-01-01T00:00:00+00:00", platform="cli", user_id="", name="t",
                          chat_id="", kind="add", passage_id=f"p{n}", file="moderators.yaml", index=n, before=None,
                          after={"id": f"p{n}", "section": "S", "text": "T."}))
"""


@needs_strace
def test_a_history_file_made_or_begun_anew_is_synced_into_the_data_folder_before_its_first_line(
    tmp_path: Path,
) -> None:
    """history.jsonl made by the first change (in a new data folder), and made anew once the old one is set aside
    (rotated): the data folder (and a new one's parent) is synced after the name is made and before a line is
    trusted to it; unsynced, a power cut could lose the new file's name and the change recorded in it."""
    root = tmp_path.resolve()
    data, log = root / "data", root / "strace.log"
    command = ["strace", "-f", "-y", "-qq", "-s", "0", "-o", str(log), "-e", "trace=openat,write,fsync,rename"]
    result = subprocess.run(
        [*command, sys.executable, "-c", _TWO_RECORDS, str(data)], cwd=ROOT, env=child_env(), capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    history, names = (
        str(data / HISTORY_FILE),
        {str(data): "data", str(root): "its parent", str(data / HISTORY_FILE): ""},
    )
    events: list[str] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        call = _CALL.match(line)
        if call is None or int(call[3]) < 0:
            continue
        if call[1] == "openat" and f'"{history}"' in call[2] and "O_EXCL" in call[2]:
            events.append("make history.jsonl")
        elif call[1] == "rename" and call[2].startswith(f'"{history}"'):
            events.append("rename history.jsonl aside")
        elif call[1] in ("fsync", "write") and (where := re.search(r"<([^>]*)>", call[2])) and where[1] in names:
            event = f"{call[1]} {names[where[1]] or 'history.jsonl'}"
            if not (events and events[-1] == event == "write history.jsonl"):
                events.append(event)
    made = ["make history.jsonl", "fsync data"]
    assert events == [
        *made, "fsync its parent", "write history.jsonl", "fsync history.jsonl",
        "rename history.jsonl aside", *made, "write history.jsonl", "fsync history.jsonl",
    ]  # fmt: skip
