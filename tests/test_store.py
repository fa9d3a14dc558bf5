"""Nothing lost: concurrent writers, a writer killed mid-run, a full disk and a read-only folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from bot import cli, knowledge
from bot.config import Config
from bot.curation import Reply, Request
from bot.curation.history import FILE_NAME as HISTORY_FILE
from bot.curation.store import KnowledgeStore, StoreError
from bot.service import Asker, Service
from tests.conftest import ROOT
from tests.support import child_env, needs_read_only_mount, on_read_only_mount

WRITER = Path(__file__).resolve().parent / "kb_writer.py"


def writer(kdir: Path, prefix: str, count: int) -> subprocess.Popen[str]:
    data = kdir.parent / "data"
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(kdir), str(data), prefix, str(count)],
        cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != ".kb.lock"}


@pytest.mark.slow
def test_two_processes_adding_50_each_leave_all_100(kdir: Path) -> None:
    """Two writer processes at once: all 100 passages are there, the files load, history has 100 lines."""
    procs = [writer(kdir, "a", 50), writer(kdir, "b", 50)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert len(out.split()) == 50
    ids = {p.id for p in knowledge.load(kdir)}
    assert {f"a-{n}" for n in range(50)} | {f"b-{n}" for n in range(50)} <= ids
    assert len(ids) == 102
    lines = (kdir.parent / "data" / HISTORY_FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 100 and all(json.loads(line)["kind"] == "add" for line in lines)
    assert not list(kdir.glob("*.tmp"))


def test_a_writer_killed_mid_run_keeps_every_acknowledged_addition(kdir: Path) -> None:
    """SIGKILL in the middle of a run of additions: valid files holding every acknowledged id."""
    proc = writer(kdir, "k", 400)
    assert proc.stdout is not None
    acknowledged = [proc.stdout.readline().strip() for _ in range(15)]
    proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    acknowledged += rest.split()  # lines already written before the kill were acknowledged too
    assert proc.returncode == -signal.SIGKILL
    assert len(acknowledged) < 400, "the writer finished before it was killed"
    ids = {p.id for p in knowledge.load(kdir)}  # loads: no half-written file
    assert set(acknowledged) <= ids


def test_disk_full_simulated_with_a_file_size_limit_refuses_and_loses_nothing(kdir: Path) -> None:
    """RLIMIT_FSIZE makes every write past a few bytes fail (EFBIG, as on a full disk): refused, nothing lost."""
    k = ["--knowledge", str(kdir)]
    add = [sys.executable, "-m", "bot", "kb", "add", "--section", "Meetups", "--text", "Bring snacks.", *k]
    first = subprocess.run(add, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    before = snapshot(kdir)
    limited = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64)); "
        "from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    for argv in (add[3:], ["kb", "remove", "meetups", *k], ["kb", "edit", "rules", "--text", "New rules.", *k]):
        result = subprocess.run(
            [sys.executable, "-c", limited, *argv], cwd=ROOT, env=child_env(), capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert "error: Cannot save the change: the disk is full" in result.stderr
        assert "Traceback" not in result.stderr
        assert snapshot(kdir) == before
    assert not list(kdir.glob(".*.tmp"))


@needs_read_only_mount
def test_a_read_only_mounted_folder_refuses_and_loses_nothing(kdir: Path) -> None:
    """A real read-only bind mount (EROFS, also for root): the change is refused clearly, the files stay."""
    before = snapshot(kdir)
    result = on_read_only_mount(
        kdir, f'exec {sys.executable} -m bot kb add --section S --text "Some text." --knowledge {kdir}'
    )
    assert result.returncode == 1, result.stderr
    assert "read-only" in result.stderr and "Nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(kdir) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="chmod does not stop root; see the read-only mount test")
def test_a_folder_without_write_permission_refuses_and_loses_nothing(kdir: Path) -> None:
    """chmod 0555 on the knowledge folder (EACCES for a normal user): refused, the files stay."""
    before = snapshot(kdir)
    kdir.chmod(0o555)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "kb", "add", "--section", "S", "--text", "T.", "--knowledge", str(kdir)],
            cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        kdir.chmod(0o755)
    assert result.returncode == 1 and "not writable" in result.stderr
    assert snapshot(kdir) == before


def test_a_rewritten_file_keeps_its_permissions_and_a_new_one_is_readable(kdir: Path) -> None:
    """Atomic replacement keeps the old file's mode (not mkstemp's 0600); moderators.yaml is created 0644."""
    notes = kdir / "notes.yaml"
    notes.chmod(0o640)
    k = ["--knowledge", str(kdir)]
    assert cli.main(["kb", "edit", "rules", "--text", "Be kind.", *k]) == 0
    assert cli.main(["kb", "add", "--section", "S", "--text", "Some text.", *k]) == 0
    assert notes.stat().st_mode & 0o777 == 0o640
    assert (kdir / "moderators.yaml").stat().st_mode & 0o777 == 0o644


def test_hold_changes_waits_for_a_change_being_written_and_then_keeps_others_out(kdir: Path) -> None:
    """A process about to exit: `hold_changes` is not granted while a change holds the store's lock,
    is granted once it is done, and from then on no other thread can take the lock."""
    service = Service.from_directory(kdir)
    store = service.moderation.store
    assert store is not None

    def hold_elsewhere(timeout: float) -> bool:
        granted: list[bool] = []
        thread = threading.Thread(target=lambda: granted.append(service.hold_changes(timeout)))
        thread.start()
        thread.join()
        return granted[0]

    with store.locked():  # a change being written, in this thread
        assert hold_elsewhere(0.05) is False
    assert service.hold_changes(5) is True
    assert hold_elsewhere(0.05) is False  # held for good: no change starts before the exit
    service.close()


def test_a_change_killed_while_it_is_checked_is_neither_made_nor_recorded(kdir: Path, tmp_path: Path) -> None:
    """SIGKILL while a change is checked (a copy of the whole folder loaded, the slow part of a change):
    the history line had gone in before the check, so `kb history` showed an edit never made and every
    later `kb undo` refused it. The line now goes in after the check: history and files agree."""
    big = [{"id": f"filler-{n}", "section": f"Filler {n}", "text": f"Filler passage {n}."} for n in range(20_000)]
    (kdir / "filler.yaml").write_text(json.dumps({"source": {"title": "Filler"}, "passages": big}), encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    edit = [sys.executable, "-m", "bot", "kb", "edit", "rules", "--text", "Phantom rules.", "--knowledge", str(kdir)]
    proc = subprocess.Popen(edit, cwd=ROOT, env={**child_env(), "TMPDIR": str(scratch)}, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(scratch.glob(f"qabot-check-{proc.pid}-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the change ended before its check was seen"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    made = knowledge.load(kdir).get("rules").text == "Phantom rules."  # type: ignore[union-attr]
    history = kdir.parent / "data" / HISTORY_FILE
    recorded = history.exists() and "Phantom rules." in history.read_text(encoding="utf-8")
    assert made == recorded
    if not made:  # the usual case: killed during the check
        result = subprocess.run(
            [sys.executable, "-m", "bot", "kb", "undo", "--knowledge", str(kdir)], cwd=ROOT, env=child_env(),
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert "was changed since" not in result.stderr


def test_a_commit_of_synonyms_is_checked_with_them_not_the_folders_own(kdir: Path) -> None:
    """A commit that replaces synonyms.yaml (as the undo of a pushed one does) is checked with the new file,
    not with the folder's: a broken one is refused and the folder keeps its own; a good one is written."""
    (kdir / "synonyms.yaml").write_text("groups:\n  - [meetup, gathering]\n", encoding="utf-8")
    store = KnowledgeStore(kdir)
    with store.locked():
        store.read_files()
        with pytest.raises(StoreError, match="a group must be"):
            store.commit({"synonyms.yaml": {"groups": [["lonely"]]}})
        assert store.read_documents() == {"synonyms.yaml": {"groups": [["meetup", "gathering"]]}}
        store.commit({"synonyms.yaml": {"groups": [["meetup", "get-together"]]}})
        assert store.read_documents() == {"synonyms.yaml": {"groups": [["meetup", "get-together"]]}}


def test_a_hand_edit_saved_while_a_moderator_changes_the_same_file_is_not_overwritten(tmp_path: Path) -> None:
    """An operator's hand edit, saved while a moderator's edit of another passage of the file is being checked,
    is still in the file afterwards and the change is refused: it is never silently written over."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    passages = [{"id": f"filler-{n}", "section": f"Filler {n}", "text": f"Filler passage {n}."} for n in range(20_000)]
    handbook = folder / "handbook.yaml"  # large enough that checking a change takes a while, as a real handbook
    handbook.write_text(json.dumps({"source": {"title": "Handbook"}, "passages": passages}), encoding="utf-8")
    service = Service.from_directory(folder, Config(data_dir=tmp_path / "data"))
    replies: list[Reply] = []
    editing = threading.Thread(
        target=lambda: replies.append(
            service.moderate(Request("edit", "filler-1", text="Edited from chat."), Asker("cli", "", name="ann"))
        )
    )
    checking = Path(tempfile.gettempdir()).glob
    editing.start()
    try:
        deadline = time.monotonic() + 30
        while not any(checking(f"qabot-check-{os.getpid()}-*")) and editing.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert editing.is_alive(), "the change ended before its check was seen"
        edited = handbook.read_text(encoding="utf-8").replace("Filler passage 7.", "Edited by hand.")
        handbook.with_suffix(".partial").write_text(edited, encoding="utf-8")
        os.replace(handbook.with_suffix(".partial"), handbook)  # saved as editors save: a new file, then rename
    finally:
        editing.join(timeout=120)
        service.close()
    saved = knowledge.load(folder)
    hand = saved.get("filler-7")
    assert hand is not None and hand.text == "Edited by hand.", "the operator's hand edit was written over"
    assert replies[0].refused and "changed by hand" in replies[0].text, replies[0].text
    assert saved.get("filler-1").text == "Filler passage 1."  # type: ignore[union-attr]
    history = tmp_path / "data" / HISTORY_FILE
    assert not history.exists() or "Edited from chat." not in history.read_text(encoding="utf-8")
