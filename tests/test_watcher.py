"""Live reload: files changed by hand are picked up; a broken file is reported once and answers go on."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

import pytest

from bot.config import ChatCooldownSettings, Config, CooldownSettings
from bot.curation import Request
from bot.knowledge import KnowledgeError
from bot.service import Asker, Service
from bot.watcher import KnowledgeWatcher
from tests.conftest import KNOWLEDGE
from tests.support import needs_strace, stopped_at

NOTES = """\
source: {title: "Test notes"}
passages:
  - id: meetups
    section: "Meetups"
    text: "The community meetup is every first Saturday of the month at the Riverside library."
    questions: ["When is the next community meetup?"]
"""
PARKING = """\
  - id: parking
    section: "Parking"
    text: "Free parking for the meetup is behind the Riverside library, entrance on Mill Street."
    questions: ["Where can I park for the meetup?"]
"""
ASKER = Asker("telegram", "1", "c")


@pytest.fixture
def service(tmp_path: Path) -> Service:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "notes.yaml").write_text(NOTES, encoding="utf-8")
    unlimited = Config(  # these tests ask as often as they need to see a reload: no cooldown in the way
        cooldown=CooldownSettings(burst=1_000_000), chat_cooldown=ChatCooldownSettings(burst=1_000_000)
    )
    return Service.from_directory(folder, unlimited)


def replace_text(path: Path, text: str) -> None:
    """Write the way editors do (new file, then rename), so a poll never sees half a file."""
    temp = path.with_suffix(".partial")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def wait_for(condition: object, timeout: float = 20.0) -> bool:
    """Poll `condition` (a callable) until true; bounded, so a broken watcher fails instead of hanging."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.allow_error_logs
def test_a_hand_broken_file_keeps_answers_flowing_and_the_fix_is_picked_up(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """While the watcher runs: broken YAML is logged once with file and line, answers go on, the fix goes live."""
    assert service.knowledge_dir is not None
    notes = service.knowledge_dir / "notes.yaml"
    asked: list[str | None] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            asked.append(service.ask("When is the next community meetup?", ASKER).passage_id)
            time.sleep(0.01)

    asking = threading.Thread(target=keep_asking)
    asking.start()
    service.start_watching(interval=0.05)
    try:
        replace_text(notes, NOTES + "  - id: broken\n    text: [unclosed\n")
        assert wait_for(
            lambda: any("notes.yaml:" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
        )
        time.sleep(0.3)  # several more polls of the same broken file
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "invalid YAML" in errors[0].getMessage()
        assert re.search(r"notes\.yaml:\d+", errors[0].getMessage())  # file and line
        assert service.ask("When is the next community meetup?", ASKER).passage_id == "meetups"
        replace_text(notes, NOTES + PARKING)
        assert wait_for(lambda: service.ask("Where can I park for the meetup?", ASKER).passage_id == "parking")
    finally:
        service.stop_watching()
        stop.set()
        asking.join(timeout=10)
    assert asked and all(pid == "meetups" for pid in asked)


def test_a_file_added_by_another_process_is_picked_up(service: Service) -> None:
    """A new knowledge file appearing in the folder goes live without a restart."""
    assert service.knowledge_dir is not None
    service.start_watching(interval=0.05)
    try:
        replace_text(service.knowledge_dir / "extra.yaml", 'source: {title: "Extra"}\npassages:\n' + PARKING)
        assert wait_for(lambda: service.ask("Where can I park for the meetup?", ASKER).passage_id == "parking")
    finally:
        service.stop_watching()


@pytest.mark.allow_error_logs
def test_an_error_mended_back_to_the_live_state_says_so_and_a_file_renamed_yml_is_named(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """A duplicate id dropped in and deleted again left the ERROR as the last word on the knowledge (the
    folder was as loaded: nothing reloaded, nothing said); a file renamed `.yml` left the bot silently."""
    assert service.knowledge_dir is not None
    folder = service.knowledge_dir
    replace_text(folder / "extra.yaml", 'source: {title: "Extra"}\npassages:\n' + PARKING)
    service.reload()
    caplog.set_level(logging.INFO, logger="bot.watcher")
    service.start_watching(interval=0.05)
    try:
        replace_text(folder / "dup.yaml", 'source: {title: "Dup"}\npassages:\n' + PARKING)
        assert wait_for(lambda: any("duplicate id" in r.getMessage() for r in caplog.records))
        (folder / "dup.yaml").unlink()
        assert wait_for(lambda: any("is as loaded again" in r.getMessage() for r in caplog.records))
        os.replace(folder / "extra.yaml", folder / "extra.yml")
        assert wait_for(lambda: any("extra.yml: not read" in r.getMessage() for r in caplog.records))
        assert service.passage("parking") is None  # gone, and now said
    finally:
        service.stop_watching()


def test_answers_flow_while_a_change_is_applied(service: Service) -> None:
    """Questions asked from other threads during moderators' changes are all answered, none fail."""
    results: list[str | None] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            results.append(service.ask("When is the next community meetup?", ASKER).passage_id)

    asking = threading.Thread(target=keep_asking)
    asking.start()
    moderator = Asker("cli", "", name="t")
    try:
        for n in range(5):
            service.moderation.add(moderator, section="Extra", text=f"Extra passage {n} about gardening.")
    finally:
        stop.set()
        asking.join(timeout=10)
    assert results and set(results) == {"meetups"}


@pytest.mark.allow_error_logs
def test_a_reload_that_runs_past_reload_timeout_gives_up_and_the_last_knowledge_stays(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A reload is time-boxed (`reload_timeout`): past it the load gives up with a clear error naming the
    setting, and the bot answers from the knowledge it had; the first start is not boxed."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "notes.yaml").write_text(NOTES, encoding="utf-8")
    service = Service.from_directory(folder, Config(reload_timeout=1e-9))  # any file read takes longer
    assert service.ask("When is the next community meetup?", ASKER).passage_id == "meetups"
    replace_text(folder / "notes.yaml", NOTES + PARKING)
    with pytest.raises(KnowledgeError, match=r"longer than 1e-09 s \(reload_timeout\)"):
        service.reload()
    assert service.ask("Where can I park for the meetup?", ASKER).passage_id != "parking"
    tries: list[int] = []

    def reload() -> None:
        tries.append(1)
        service.reload()

    watcher = KnowledgeWatcher(folder, reload=reload, loaded=lambda: service.live.loaded, interval=0.5)
    assert not watcher.poll() and not watcher.poll()
    assert len(tries) == 1  # tried again only after a wait (doubling, up to 15 minutes), not at every check
    time.sleep(0.55)
    assert not watcher.poll()
    assert len(tries) == 2  # a timeout is the moment's fault: the same files are tried again, unlike a bad file
    assert sum("reload_timeout" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR) == 2
    assert service.ask("When is the next community meetup?", ASKER).passage_id == "meetups"
    unboxed = Service.from_directory(folder, Config(reload_timeout=0))
    unboxed.reload()
    assert unboxed.ask("Where can I park for the meetup?", ASKER).passage_id == "parking"


def test_a_hand_edit_saved_while_a_moderator_adds_still_goes_live(tmp_path: Path) -> None:
    """A hand edit of another file while a moderator's addition was being checked (a second or more in a
    large folder) had been taken into the watcher's view of what is live without being loaded: the bot
    served the old text until some other file changed. Now the addition reloads instead of extending."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    passages = [{"id": f"filler-{n}", "section": f"Filler {n}", "text": f"Filler passage {n}."} for n in range(20_000)]
    handbook = folder / "handbook.yaml"  # before moderators.yaml, which an addition then extends at the end
    handbook.write_text(json.dumps({"source": {"title": "Handbook"}, "passages": passages}), encoding="utf-8")
    service = Service.from_directory(folder, Config(data_dir=tmp_path / "data"))
    ann = Asker("cli", "", name="ann")
    adding = threading.Thread(target=lambda: service.moderation.add(ann, section="Parking", text="Park behind it."))
    checking = Path(tempfile.gettempdir()).glob
    adding.start()
    try:
        assert wait_for(lambda: any(checking(f"qabot-check-{os.getpid()}-*")) or not adding.is_alive())
        assert adding.is_alive(), "the addition ended before its check was seen"
        replace_text(handbook, handbook.read_text(encoding="utf-8").replace("Filler passage 7.", "Edited by hand."))
        adding.join(timeout=60)
        service.start_watching(interval=0.05)
        assert wait_for(lambda: (live := service.passage("filler-7")) is not None and live.text == "Edited by hand.")
        assert service.passage("parking") is not None
    finally:
        service.stop_watching()
        adding.join(timeout=60)
        service.close()


# The bot started on `argv[1]`, its data in `argv[2]`, watching its folder: it asks until the meetup is on a
# second Sunday (or 20 s have passed) and prints the last answer.
STARTING = """
import sys, time
from bot.config import Config
from bot.service import Asker, Service
service = Service.from_directory(sys.argv[1], Config(data_dir=sys.argv[2]))
service.start_watching(interval=0.05)
deadline, text = time.monotonic() + 20, ""
while "second Sunday" not in text and time.monotonic() < deadline:
    text = service.ask("When is the next community meetup?", Asker("cli", "member")).text  # the console's: no cooldown
    time.sleep(0.05)
service.close()
print(text)
"""


@needs_strace
def test_a_hand_edit_saved_while_the_bot_starts_goes_live(tmp_path: Path) -> None:
    """A knowledge file saved by hand while the bot loads at start-up (seconds on a large folder) goes live at
    the watcher's next check, as a hand edit at any other time does: the watcher had taken it for loaded."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    notes = folder / "notes.yaml"
    notes.write_text(NOTES, encoding="utf-8")
    argv, log = [str(folder), str(tmp_path / "data")], tmp_path / "strace.log"
    # The bot stopped as it opens the file to load it (in its first thread; the watcher's reload opens it in
    # another): the operator saves it then, as an editor does.
    with stopped_at("open,openat", argv, log, path=notes, script=STARTING, main_thread=True) as child:
        assert f'"{notes}", O_RDONLY' in log.read_text(encoding="utf-8")  # opened to be read: the load
        replace_text(notes, NOTES.replace("first Saturday", "second Sunday"))
    try:
        out, err = child.communicate(timeout=60)  # the child asks for 20 s at most
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)  # strace and the bot under it
            child.communicate()
    assert child.returncode == 0, err
    assert "second Sunday" in out, out


@pytest.mark.allow_error_logs  # the defect is an ERROR: the test counts them itself
def test_a_moderators_change_does_not_set_the_watcher_reloading_it_again_and_logging_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator whose reloads outrun reload_timeout gets no "not reloaded" ERROR for a change live already."""
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    service = Service.from_directory(folder, Config(data_dir=tmp_path / "data", reload_timeout=1e-9))
    service.start_watching(interval=0.01)
    moderator = Asker("cli", "", name="ann")
    try:
        pid = next(iter(service.passages())).id
        for n in range(3):
            edited = service.moderate(Request("edit", pid, text=f"Edited by the moderator, take {n}."), moderator)
            assert "It is live now." in edited.text
            assert service.passage(pid).text == f"Edited by the moderator, take {n}."  # type: ignore[union-attr]
        time.sleep(0.3)  # the watcher's checks (every 0.01 s) see each change written
    finally:
        service.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"the watcher reloaded a change already live, and said it was not: {errors[0]}"
