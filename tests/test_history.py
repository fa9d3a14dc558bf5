"""`kb history`'s account of a change (bot.curation.historytext.render), read as a moderator reads it, and the
history file that knowledge folders side by side share."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest

from bot import messages
from bot.config import Config, Moderators
from bot.curation import Request
from bot.curation.history import DOCUMENT, PUSH, Record
from bot.curation.historytext import render
from bot.service import Asker, Service
from tests.conftest import ROOT
from tests.support import needs_strace, small_kb, stopped_at, write_kb

BEFORE_PUSHES = "dbf8c5a^"  # the version before `kb push` recorded synonyms.yaml and settings.yaml


def _push(name: str, before: Any, after: Any) -> Record:
    """A recorded `kb push` of synonyms.yaml or settings.yaml (None: the file was not there)."""
    return Record(id=Record.new_id(), at="2026-01-01T00:00:00+00:00", platform="cli", user_id="", name="bob",
                  chat_id="", kind=PUSH, passage_id=name, file=name, index=0,
                  before=None if before is None else {DOCUMENT: before},
                  after=None if after is None else {DOCUMENT: after})  # fmt: skip


def test_a_phrase_moved_between_groups_shows_as_two_changed_groups_beside_those_taken_out_and_put_in() -> None:
    """Each group changed is named by a phrase it keeps, with its phrases out and in; others are whole lines."""
    before = {"groups": [["photo", "pics", "images"], ["compose", "docker-compose"], ["cloud", "hosted"]]}
    after = {"groups": [["photo", "pics"], ["compose", "docker-compose", "images"], ["meetup", "gathering"]]}
    assert render([_push("synonyms.yaml", before, after)]).splitlines()[1:] == [
        "  - group: cloud, hosted",
        "  + group: meetup, gathering",
        "  ~ group photo: - images",
        "  ~ group compose: + images",
    ]


def test_a_question_aliased_from_a_gap_is_one_line_of_the_history() -> None:
    """A member's question with a line break, attached by `kb alias`, is one `+ question` line: it adds none."""
    before = {"id": "meetups", "section": "Meetups", "text": "Every first Saturday."}
    after = {**before, "questions": ["Where can I charge my laptop?\n2026-01-02T00:00:00+00:00 remove rules by ann"]}
    record = Record(id=Record.new_id(), at="2026-01-01T00:00:00+00:00", platform="telegram", user_id="1", name="bob",
                    chat_id="", kind="alias", passage_id="meetups", file="moderators.yaml", index=0,
                    before=before, after=after)  # fmt: skip
    lines = render([record]).splitlines()[1:]
    assert lines[0] == "  + question: “Where can I charge my laptop? 2026-01-02T00:00:00+00:00 remove rules by ann”"
    assert [line[:9] for line in lines] == ["  + quest", "  after: "], lines


def test_a_files_change_reads_in_the_moderators_language_and_english_stays_as_it_was() -> None:
    """A push of synonyms.yaml or settings.yaml, and a draft published, labelled in Korean for a Korean moderator
    (groups, counts, defaults, "and N more", the kind); the same records read in English exactly as before."""
    groups = {"groups": [["photo", "pics"], ["a", "b"], *([f"w{n}", f"v{n}"] for n in range(6))]}
    records = [
        _push("synonyms.yaml", {"groups": [["photo", "pics", "images"]]}, groups),
        _push("synonyms.yaml", None, groups),
        _push("settings.yaml", {"confidence": {"threshold": 6.2}}, {"ranking": {"k1": 1.5}}),
        _push("settings.yaml", {"ranking": {}}, {}),
        replace(_push("faq.yaml", None, None), kind="publish", after={"source": {"title": "FAQ"}, "passages": [{}]}),
    ]
    with messages.speaking("en"):
        english = render(records).splitlines()
    with messages.speaking("ko"):
        korean = render(records)
    assert english == [
        "2026-01-01T00:00:00+00:00 publish faq.yaml by bob (cli)",
        "  after:  FAQ (1 passage)",
        "2026-01-01T00:00:00+00:00 push settings.yaml by bob (cli)",
        "  (the same settings, written otherwise)",
        "2026-01-01T00:00:00+00:00 push settings.yaml by bob (cli)",
        "  confidence.threshold: 6.2 → (default)",
        "  ranking.k1: (default) → 1.5",
        "2026-01-01T00:00:00+00:00 push synonyms.yaml by bob (cli)",
        "  after:  8 synonym groups",
        "2026-01-01T00:00:00+00:00 push synonyms.yaml by bob (cli)",
        "  + group: a, b",
        "  + group: w0, v0",
        "  + group: w1, v1",
        "  + group: w2, v2",
        "  + group: w3, v3",
        "  + … and 2 more",
        "  ~ group photo: - images",
    ]
    labels = re.sub(r"\b[\w-]+\.yaml\b", "", korean)  # the files' names are names
    for english_word in ("after", "passage", "settings", "default", "synonym", "group", "more", "publish", "push"):
        assert english_word not in labels, (english_word, korean)
    assert "변경 후: FAQ (항목 1개)" in korean and "동의어 묶음 8개" in korean and "(기본값)" in korean, korean
    assert "  + … 외 2개" in korean and "  ~ 묶음 photo: - images" in korean, korean


def test_a_change_in_a_folder_whose_path_is_not_utf8_is_made_and_recorded(tmp_path: Path) -> None:
    """In `/srv/caf\\xe9-club/knowledge` (a folder copied from a Latin-1 machine) every change ended in a
    UnicodeEncodeError while its history line, which names the folder, was written: no moderator could change
    anything. The path is recorded written out (`caf\\xe9`), the change made, and undone by that folder."""
    home = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9-club"))
    home.mkdir()
    kdir = write_kb(home / "knowledge", small_kb())
    service, ann = Service.from_directory(kdir, Config(data_dir=home / "data")), Asker("cli", "", name="ann")
    try:
        added = service.moderate(Request("add", section="Parking", text="Bikes go in the racks."), ann)
        (line,) = (home / "data" / "history.jsonl").read_text(encoding="utf-8").splitlines()
        undone = service.moderate(Request("undo"), ann)
    finally:
        service.close()
    assert not added.refused and added.change is not None and added.change.passage_id == "parking", added.text
    assert json.loads(line)["folder"] == f"{tmp_path.resolve()}/caf\\xe9-club/knowledge"
    assert not undone.refused, undone.text  # the record is this folder's


def test_scaling_md_says_what_an_older_instances_history_shows_of_a_push(tmp_path: Path) -> None:
    """The lines the version before shows under a push and its undo are those docs/scaling.md quotes (not "none")."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE_PUSHES, "bot"], capture_output=True)
    if archive.returncode != 0:
        pytest.skip(f"no {BEFORE_PUSHES} in this checkout (a shallow clone?)")
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive.stdout, check=True)
    groups, settings = {"groups": [["a", "b"]]}, {"ranking": {"k1": 1.5}}
    records = [
        _push("synonyms.yaml", {"groups": []}, groups),
        _push("settings.yaml", None, settings),
        replace(_push("synonyms.yaml", groups, {"groups": []}), kind="undo"),
        replace(_push("settings.yaml", settings, None), kind="undo"),
    ]
    script = "import json, sys\nfrom bot.curation.history import Record, render\n" \
             "print(render([Record(**r) for r in json.load(sys.stdin)]))"  # fmt: skip
    shown = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True,
                           input=json.dumps([asdict(r) for r in records]))  # fmt: skip
    under = {" ".join(line.split()) for line in shown.stdout.splitlines() if line.startswith("  ")}
    said = " ".join((ROOT / "docs" / "scaling.md").read_text(encoding="utf-8").split())
    assert under and all(f"`{line}`" in said for line in under), (under, shown.stdout)
    assert "by its first line only" not in said


@needs_strace
def test_a_change_refused_in_one_folder_keeps_the_history_line_of_a_sibling_folder(tmp_path: Path) -> None:
    """Two knowledge folders sharing the data folder (a live one and a staging copy): a change refused in one,
    whose history line is taken back, never takes back the line of a change made meanwhile in the other."""
    live = write_kb(tmp_path / "live", small_kb(questions=True, rules=True))
    staging = write_kb(tmp_path / "staging", small_kb(questions=True, rules=True))
    data, ann, log = tmp_path / "data", Asker("cli", "", name="ann"), tmp_path / "strace.log"
    staging_service = Service.from_directory(staging, Config(data_dir=data))
    edit = ["kb", "edit", "meetups", "--text", "Meetups moved online.", "--knowledge", str(live), "--data", str(data)]
    try:
        # `kb edit` of the live folder, its history line written: the rename of its file is refused (EACCES, as in
        # a folder that is not writable), and the command stopped there until the staging copy's change is made.
        with stopped_at("rename,renameat,renameat2", edit, log, error="EACCES") as child:
            assert f'"{live}/notes.yaml") = -1 EACCES' in log.read_text(encoding="utf-8")  # its file's, no other
            staged = staging_service.moderate(Request("edit", "rules", text="Be kind, always."), ann).text
        _, err = child.communicate(timeout=60)
        assert child.returncode == 1 and "not writable" in err and "Edited" in staged, (err, staged)
        history = staging_service.moderate(Request("history"), ann).text
        undo = staging_service.moderate(Request("undo"), ann)
    finally:
        staging_service.close()
    live_service = Service.from_directory(live, Config(data_dir=data))
    try:
        assert "meetups" not in live_service.moderate(Request("history"), ann).text  # the refused change's is gone
    finally:
        live_service.close()
    assert "edit rules" in history, f"the staging copy's change left the history: {history!r}"
    assert not undo.refused and "edit of `rules`" in undo.text, undo.text


def test_a_members_question_aliased_is_not_shown_to_a_group_by_kb_history(tmp_path: Path) -> None:
    """A member's question asked in a private chat and aliased from its gap was quoted by `/kb_history` run
    in a group, to the whole group; its words are shown in a private chat with the moderator only."""
    kdir = write_kb(tmp_path / "knowledge", small_kb(rules=True))
    service = Service.from_directory(kdir, Config(moderators=Moderators(telegram_users=frozenset({"42"}))))
    secret = "Can I bring my cousin Jae-won who just got out of prison?"
    try:
        assert service.ask(secret, Asker("telegram", "7", "7")).fallback  # in the member's private chat
        moderator, in_group = Asker("telegram", "42", "42", name="mod"), Asker("telegram", "42", "-1001", name="mod")
        assert not service.moderate(Request("alias", "rules", question="1"), moderator).refused
        changed = service.moderate(Request("edit", "rules", text="Be kind. Guests are welcome."), moderator)
        assert not changed.refused
        in_private = service.moderate(Request("history"), moderator).text
        shown = service.moderate(Request("history"), in_group).text
        one = service.moderate(Request("history", "rules"), in_group).text
    finally:
        service.close()
    assert "Jae-won" in in_private  # the moderator's own chat: in full
    assert "Jae-won" not in shown and "Jae-won" not in one  # the alias line, and the edit's questions after it
    assert "alias rules" in shown and "edit rules" in shown and "Guests are welcome" in shown
    assert "private chat" in shown.splitlines()[-1]  # and it says where they are shown
    assert shown.count("/kb_history") == 1
