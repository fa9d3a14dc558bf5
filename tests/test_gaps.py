"""Learning from what goes unanswered: gaps grouped and ranked, alias and dismiss, stats, retention, privacy."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import os
import random
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import Outcome, Request, cli, knowledge
from bot.config import Config, CooldownSettings, Moderators
from bot.curation.moderation import Refused
from bot.records.gaps import DAY, USER_KEY_FILE, GapStore, group, message_key
from bot.records.sql import EDITS_FOLLOWED, PICK_WINDOW, QUESTION_COLUMNS
from bot.service import Asker, Service
from bot.storage.protocol import GapRecords
from tests.backends import Backend, backend, files_only
from tests.support import child_env, needs_read_only_mount, on_read_only_mount, write_kb

assert backend  # the fixture: each test taking `backend` runs on the files and on PostgreSQL

PARKING = ["Where can I park my car?", "where can i park my car", "Is there car parking near the library?"]
FOOD = "Is there food at the meetup?"


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def ask_unanswered(backend: Backend) -> Service:
    service = backend.service()
    for n, question in enumerate([*PARKING, FOOD]):
        answer = service.ask(question, Asker("telegram", str(100 + n), "chat", name="Alice Example"))
        assert answer.fallback, question
    service.ask("When does the community meet?", Asker("discord", "5", "g"))  # answered: counted in stats
    backend.written(service)
    return service


def test_gaps_group_similar_questions_and_rank_them_by_count(backend: Backend, kdir: Path) -> None:
    """Parking asked three ways is one gap ranked first; food is a second gap."""
    ask_unanswered(backend)
    code, out = run_cli("kb", "gaps", "--knowledge", str(kdir))
    assert code == 0
    lines = out.splitlines()
    assert re.match(r"1\. g[0-9a-f]{6} ×3 “where can i park my car”|1\. g[0-9a-f]{6} ×3 “Where can I park", lines[1])
    assert re.match(r"2\. g[0-9a-f]{6} ×1 “Is there food at the meetup\?”", lines[2])
    # with the passage its words match best, the id to alias it to; parking matches none
    assert lines[2].endswith(" → closest `meetups`") and "closest" not in lines[1]


def test_a_deleted_message_takes_what_it_asked_and_nothing_else(backend: Backend) -> None:
    """`Service.forget_asked`: the questions of one deleted message leave the gaps, on every backend,
    found by the message's key: the same words the member asked in another message stay, and so do
    another member's and the same message id's in another chat."""
    service = ask_unanswered(backend)
    member, phone = Asker("telegram", "100", "chat"), "Where can I park? My number is 555 0101"
    service.ask(phone, member, message="7")
    service.ask(phone, member, message="8")  # asked again in another message: stays
    service.ask(FOOD, Asker("telegram", "100", "other chat"), message="7")  # message 7 of another chat: stays
    service.forget_asked(member, "7")
    service.forget_asked(Asker("discord", "100", "chat"), "8")  # another platform's chat of that id: nothing goes
    backend.written(service)
    listed = service.moderate(Request("gaps"), Asker("cli", "")).text
    assert "×1 “Where can I park? My number is 555 0101”" in listed and "×2 “Is there food" in listed, listed
    service.forget_asked(member, "8")
    backend.written(service)
    listed = service.moderate(Request("gaps"), Asker("cli", "")).text
    assert "555 0101" not in listed and "×3 “Where can I park my car?”" in listed, listed


def test_a_deleted_message_is_forgotten_though_the_answers_changed_since(backend: Backend, kdir: Path) -> None:
    """What a deleted message asked is found by its key, not by asking its text again: after a reload
    that answers the question now, its recorded gap still goes (asked again, the text found no gap)."""
    service = backend.service()
    member = Asker("telegram", "100", "chat")
    question = "Where can I park my car near the library?"
    assert service.ask(question, member, message="9").fallback
    backend.written(service)
    code, out = run_cli("kb", "add", "--section", "Parking", "--text", "Park there.", "--question", question,
                        "--knowledge", str(kdir))  # fmt: skip
    assert code == 0, out
    service.reload()
    service.forget_asked(member, "9")
    backend.written(service)
    assert "park" not in service.moderate(Request("gaps"), Asker("cli", "")).text.casefold()


def test_aliasing_a_gap_makes_it_answer_and_takes_it_off_the_list(backend: Backend, kdir: Path) -> None:
    """`kb alias ID GAP` attaches the gap's question to the passage: it answers, and the gap is closed."""
    service = ask_unanswered(backend)
    gap_id = re.findall(r"g[0-9a-f]{6}", run_cli("kb", "gaps", "--knowledge", str(kdir))[1])[0]
    code, out = run_cli("kb", "alias", "meetups", gap_id, "--knowledge", str(kdir))
    assert code == 0 and "Attached" in out
    service.reload()  # this service is another process's view; the watcher would do this by itself
    assert service.ask("Where can I park my car?", Asker("telegram", "1")).passage_id == "meetups"
    out = run_cli("kb", "gaps", "--knowledge", str(kdir))[1]
    assert gap_id not in out and "food" in out


def test_alias_closes_only_the_questions_of_a_gap_that_the_passage_now_answers(backend: Backend, kdir: Path) -> None:
    """A gap groups questions that share words. Aliasing it to a passage closed all of them, and a question
    the passage does not answer was gone from the gaps while still declined; it now stays, and alias says so."""
    service = ask_unanswered(backend)
    kids = "Is there free food for kids at the meetup?"
    for n, question in enumerate([FOOD, kids]):
        assert service.ask(question, Asker("telegram", str(200 + n))).fallback
    backend.written(service)
    listing = run_cli("kb", "gaps", "--knowledge", str(kdir))[1]
    [food_gap] = re.findall(r"(g[0-9a-f]{6}) ×3 “Is there food at the meetup\?” \(also “Is there free food", listing)
    code, out = run_cli("kb", "alias", "meetups", food_gap, "--knowledge", str(kdir))
    assert code == 0 and out.startswith("Attached “Is there food at the meetup?” to `meetups`. It answers now.")
    assert out.splitlines()[-1] == f"Still not answered, so left in the gaps: “{kids}”."
    service.reload()
    assert service.ask(kids, Asker("telegram", "9")).fallback
    gaps = run_cli("kb", "gaps", "--knowledge", str(kdir))[1]
    assert kids in gaps and "“Is there food at the meetup?”" not in gaps


PLUGINS = """\
source: {title: "Plugin notes"}
passages:
  - {id: plugins-folder, section: "Plugins", text: "Copy a plugin into the plugin folder of your user directory."}
  - {id: plugin-api, section: "Plugin API", text: "The plugin API lets a plugin read the state of the park."}
  - {id: install-game, section: "Installing", text: "To install the game, run the installer and choose a folder."}
  - {id: updates, section: "Updates", text: "The game updates itself; a plugin you install does not."}
"""


def test_alias_attaches_the_gaps_other_wordings_of_the_same_words(tmp_path: Path) -> None:
    """ "how to install plugins?" has the words of "how do i install plugin?", and a gap keeps questions by
    their words: aliasing the gap closed both, while the second, every passage saying "plugin", was still
    declined (a tester's game community). Both wordings are attached now."""
    kdir = write_kb(tmp_path / "knowledge", PLUGINS)
    service = Service.from_directory(kdir)
    asked = ["how do i install plugin?", "how do i install plugin?", "how to install plugins?"]
    for n, question in enumerate(asked):
        assert service.ask(question, Asker("telegram", str(400 + n))).fallback
    gap = re.findall(r"g[0-9a-f]{6}", run_cli("kb", "gaps", "--knowledge", str(kdir))[1])[0]
    code, out = run_cli("kb", "alias", "plugins-folder", gap, "--knowledge", str(kdir))
    assert code == 0 and "Still not answered" not in out
    assert out.splitlines()[-1] == "Also attached, the same question in other words: “how to install plugins?”."
    service.reload()
    assert [service.ask(q, Asker("telegram", "9")).passage_id for q in asked[1:]] == ["plugins-folder"] * 2
    assert "plugin" not in run_cli("kb", "gaps", "--knowledge", str(kdir))[1]
    service.close()


def test_a_gap_is_aliased_though_one_of_its_wordings_is_over_the_question_limit(backend: Backend) -> None:
    """`kb alias ID 1` attaches a gap's top wording though another member's wording of it is over 300 characters."""
    moderator = Asker("telegram", "1", "1", name="Ann")
    service = backend.service(moderators=Moderators(telegram_users=frozenset({"1"})))
    for user, question in [("1", "where is the wifi password"), ("1", "Where is the wifi password?"),
                           ("2", "where is the wifi password" + "?" * 300)]:  # fmt: skip
        assert service.ask(question, Asker("telegram", user, user)).fallback, question
    backend.written(service)
    reply = service.moderate(Request("alias", passage_id="meetups", question="1"), moderator)
    assert not reply.refused, reply.text  # refused: "The question is 326 characters; the limit is 300."
    stored = backend.load().get("meetups")
    assert stored is not None and "where is the wifi password" in [q.casefold() for q in stored.questions]
    assert not any(len(q) > 300 for q in stored.questions)


def test_a_gap_whose_most_asked_wording_is_over_the_limit_is_aliased_by_its_next(backend: Backend) -> None:
    """A gap's wording too long to store, though asked most, is left out: alias attaches the next one; a
    gap of such wordings alone is refused with the limit."""
    moderator = Asker("telegram", "1", "1", name="Ann")
    service = backend.service(moderators=Moderators(telegram_users=frozenset({"1"})))
    long = "where is the wifi password" + "?" * 300
    for user, question in [("1", long), ("2", long), ("3", "where is the wifi password"),
                           ("4", "is there a dress code" + "!" * 300)]:  # fmt: skip
        assert service.ask(question, Asker("telegram", user, user)).fallback, question
    backend.written(service)
    reply = service.moderate(Request("alias", passage_id="meetups", question="1"), moderator)
    assert reply.text.startswith("Attached “where is the wifi password” to `meetups`."), reply.text
    refused = service.moderate(Request("alias", passage_id="rules", question="1"), moderator)
    assert refused.refused and refused.text == "The question is 321 characters; the limit is 300.", refused.text


def test_alias_of_typed_words_keeps_open_a_recorded_wording_still_not_answered(tmp_path: Path) -> None:
    """`kb alias ID --text WORDS` took a recorded question of the same words off the gaps, still declined."""
    kdir = write_kb(tmp_path / "knowledge", PLUGINS)
    service = Service.from_directory(kdir)
    assert service.ask("how to install plugins?", Asker("telegram", "1")).fallback
    code, out = run_cli("kb", "alias", "plugins-folder", "--text", "how do i install plugin?", "--knowledge", str(kdir))
    assert code == 0 and out.splitlines()[-1] == "Still not answered, so left in the gaps: “how to install plugins?”."
    assert "how to install plugins?" in run_cli("kb", "gaps", "--knowledge", str(kdir))[1]
    service.close()


def test_alias_keeps_open_a_question_the_alias_itself_makes_read_otherwise(backend: Backend, kdir: Path) -> None:
    """Aliasing "Where can I park my kar?" teaches the index "kar", and the other question of the gap is read
    with other terms than were recorded: it is kept open by its recorded terms (a reviewer's case)."""
    service = backend.service()
    overnight = "Where can I park a kar overnight on sundays?"
    for n, question in enumerate(["Where can I park my kar?", "Where can I park my kar?", overnight]):
        assert service.ask(question, Asker("telegram", str(300 + n))).fallback
    backend.written(service)
    gap = re.findall(r"g[0-9a-f]{6}", run_cli("kb", "gaps", "--knowledge", str(kdir))[1])[0]
    code, out = run_cli("kb", "alias", "meetups", gap, "--knowledge", str(kdir))
    assert code == 0 and out.splitlines()[-1] == f"Still not answered, so left in the gaps: “{overnight}”."
    service.reload()
    assert service.ask(overnight, Asker("telegram", "9")).fallback
    assert overnight in run_cli("kb", "gaps", "--knowledge", str(kdir))[1]


def test_a_deleted_chat_takes_what_was_asked_in_it_and_nothing_else(backend: Backend) -> None:
    """`Service.forget_chat`: a chat that is gone (a deleted Discord thread, whose messages' deletions nobody tells)
    takes what was asked in it out of the record, on every backend: its gaps, a slash command's among them, and its
    answered questions' counts; another chat's stay, and so does the same chat id's on another platform. A private
    chat, which never goes (its id the member's), is not recorded at all."""
    service = backend.service()
    thread = Asker("discord", "100", "555")
    assert service.ask("Where can I park? My number is 555 0101", thread, message="7").fallback
    assert service.ask(PARKING[1], thread).fallback  # `/ask` in the thread: no message of its own
    assert service.ask("When does the community meet?", thread, message="9").passage_id is not None
    service.ask(FOOD, Asker("discord", "100", "556"), message="7")  # another chat: stays
    service.ask(FOOD, Asker("telegram", "100", "555"), message="7")  # chat 555 of another platform: stays
    service.ask("Where can I park in winter?", Asker("discord", "555", "555"), message="8")  # member 555's DM
    backend.written(service)
    assert service.gaps is not None and service.gaps.most_asked()
    asked = {question for gap in service.gaps.gaps() for question in gap.questions}
    assert {PARKING[1], "Where can I park? My number is 555 0101"} <= asked
    service.forget_chat(Asker("discord", "", "555"))
    backend.written(service)
    assert {q for gap in service.gaps.gaps() for q in gap.questions} == {FOOD, "Where can I park in winter?"}
    assert sorted(gap.count for gap in service.gaps.gaps()) == [1, 2]
    assert service.gaps.most_asked() == []


def test_an_edited_question_replaces_what_its_message_asked_in_the_records(backend: Backend) -> None:
    """A question edited by its member stayed in the records in its first words too: a gap beside the
    words they settled on, and, edited until answered, still a gap and counted again for its passage."""
    service = backend.service()
    member, elsewhere = Asker("telegram", "7", "-100"), Asker("telegram", "8", "-200")
    assert service.ask(FOOD, member, message="41").fallback
    assert service.ask(PARKING[0], member, message="41", edited=True).fallback
    service.ask(PARKING[1], member, message="41", edited=True, quiet=True)
    service.ask(PARKING[2], member, message="42")  # another message keeps what it asked
    service.ask(FOOD, elsewhere, message="41")  # and so does message 41 of another chat
    answered = service.ask("When does the community meet?", member, message="43")
    service.ask("When does the community meet? Thanks!", member, message="43", edited=True)
    backend.written(service)
    assert service.gaps is not None
    assert {frozenset(gap.questions) for gap in service.gaps.gaps()} == {frozenset({FOOD}), frozenset(PARKING[1:])}
    assert service.gaps.most_asked() == [(str(answered.passage_id), 1, 0)]


def test_an_edited_answered_question_leaves_the_row_it_was_counted_on(backend: Backend) -> None:
    """A member's answered questions of one passage and day are one counted row; an edit of one of them that
    now asks something else takes its count off that row (it had stayed: `kb stats` counted it twice)."""
    service = backend.service()
    member = Asker("telegram", "7", "-100")
    passage_id = service.ask("When does the community meet?", member, message="51").passage_id
    assert passage_id is not None
    for message in ("52", "53"):
        assert service.ask("When does the community meet?", member, message=message).passage_id == passage_id
    assert service.ask(FOOD, member, message="52", edited=True).fallback  # the second, counted on the first's row
    assert service.ask(FOOD, member, message="51", edited=True).fallback  # the first, whose row holds them
    backend.written(service)
    assert service.gaps is not None
    assert service.gaps.most_asked() == [(passage_id, 1, 0)]
    assert [(asked, unanswered) for _, asked, unanswered, _ in service.gaps.fallback_by_day()] == [(3, 2)]


def test_a_members_answered_questions_of_a_passage_and_day_are_one_counted_row(backend: Backend) -> None:
    """On both backends a member's answered questions of one passage in one day are one row with a count
    (PostgreSQL wrote a row each); the message each came from is kept for the hour an edit may reach it."""
    service = backend.service()
    store = service.gaps
    assert store is not None
    for n in range(200):
        store.record_question("discord", "1234", "", [], "meetups", message=f"dm/{n}")
    store.record_question("discord", "1234", "when is the meetup", ["meetup"], "meetups", hedged=True)
    store.record_question("discord", "5678", "", [], "meetups")
    backend.written(service)
    assert store.most_asked() == [("meetups", 202, 1)]
    assert [(asked, unanswered, hedged) for _, asked, unanswered, hedged in store.fallback_by_day()] == [(202, 0, 1)]
    assert backend.rows("questions") == 3  # the hedged one keeps its wording: a row of its own
    assert backend.rows("counted") == 200
    assert backend.age("counted", EDITS_FOLLOWED + 60) == 200  # counted over an hour ago: no edit reaches them now
    store.record_question("discord", "1234", "", [], "meetups", message="dm/200")
    backend.written(service)
    assert backend.rows("counted") == 1 and store.most_asked() == [("meetups", 203, 1)]


def test_a_counted_questions_message_is_kept_as_long_as_the_adapters_follow_its_edits() -> None:
    """The core keeps the message of a question counted on a row at least as long as an edit of it is followed."""
    from adapters.answered import WINDOW

    assert WINDOW.total_seconds() <= EDITS_FOLLOWED


def test_an_edit_of_the_first_message_on_a_row_counted_by_session_25_takes_one_off_it(tmp_path: Path) -> None:
    """Session 25's gaps database kept the first message's key on the row its later questions were counted
    on: an edit of that message deleted the row, and every question on it. Now it takes its own one off."""
    store = GapStore(tmp_path / "data")
    try:
        key = message_key("telegram", "-100/51", store._key)
        store._db.execute(
            f"INSERT INTO questions ({QUESTION_COLUMNS}, n)"
            " VALUES (?, ?, 'telegram', 'h', '', '', 'meetups', 0, '', ?, 3)",
            (time.time(), time.strftime("%Y-%m-%d", time.gmtime()), key),
        )
        store.forget_asked("telegram", "-100/51")
        assert store.most_asked() == [("meetups", 2, 0)]
        store.forget_asked("telegram", "-100/51")  # no longer its key: nothing more goes
        assert store.most_asked() == [("meetups", 2, 0)]
    finally:
        store.close()


def test_dismissing_a_gap_by_number(backend: Backend, kdir: Path) -> None:
    """`kb dismiss 2` takes the second gap off the list and leaves the first."""
    ask_unanswered(backend)
    code, out = run_cli("kb", "dismiss", "2", "--knowledge", str(kdir))
    assert code == 0 and re.fullmatch(
        r"Dismissed gap g[0-9a-f]{6} “Is there food at the meetup\?” \(1 question\)\.\n", out
    )
    out = run_cli("kb", "gaps", "--knowledge", str(kdir))[1]
    assert "food" not in out and "park" in out
    assert run_cli("kb", "dismiss", "g000000", "--knowledge", str(kdir))[0] == 1
    assert run_cli("kb", "dismiss", "²", "--knowledge", str(kdir))[0] == 1  # a digit int() refuses: no such gap


def test_a_dismissed_question_asked_again_later_is_a_gap_again(backend: Backend, kdir: Path) -> None:
    """Dismissing closes the questions asked until then. Closed by its words for good, the food gap
    never showed again however often members asked it, and `kb gaps` said "No unanswered questions
    recorded" while `kb stats` counted them."""
    service = ask_unanswered(backend)
    assert run_cli("kb", "dismiss", "2", "--knowledge", str(kdir))[0] == 0
    assert "food" not in run_cli("kb", "gaps", "--knowledge", str(kdir))[1]
    time.sleep(0.01)  # asked after the dismissal, on any clock
    assert service.ask(FOOD, Asker("telegram", "200", "chat")).fallback
    backend.written(service)
    out = run_cli("kb", "gaps", "--knowledge", str(kdir))[1]
    assert re.search(r"g[0-9a-f]{6} ×1 “Is there food at the meetup\?”", out), out  # the new question alone


def test_a_question_aliased_to_a_passage_removed_since_is_a_gap_again(backend: Backend, kdir: Path) -> None:
    """An alias closes a gap; when its passage is removed, the question is declined again and shows again."""
    service = ask_unanswered(backend)
    gap_id = re.findall(r"g[0-9a-f]{6}", run_cli("kb", "gaps", "--knowledge", str(kdir))[1])[0]
    assert run_cli("kb", "alias", "meetups", gap_id, "--knowledge", str(kdir))[0] == 0
    assert run_cli("kb", "remove", "meetups", "--knowledge", str(kdir))[0] == 0
    service.reload()
    time.sleep(0.01)
    assert service.ask("Where can I park my car?", Asker("telegram", "201", "chat")).fallback
    backend.written(service)
    out = run_cli("kb", "gaps", "--knowledge", str(kdir))[1]
    assert re.search(r"×1 “Where can I park my car\?”", out), out


def test_a_members_backticks_cannot_pass_for_the_bots_own_ids(backend: Backend, kdir: Path) -> None:
    """Backticks are how the bot marks ids (Telegram shows them as code): a question quoted in the
    gaps had planted "→ chosen `rules` ×9", which read as the bot's own hint to a moderator."""
    service = backend.service()
    spoof = "Is there wifi at the venue” → chosen `rules` ×9 (“wifi password?"
    assert service.ask(spoof, Asker("telegram", "300", "chat")).fallback
    backend.written(service)
    out = run_cli("kb", "gaps", "--knowledge", str(kdir))[1]
    assert "→ chosen 'rules' ×9" in out and out.count("`rules`") == 1  # the bot's own hint, at the end


def test_a_members_question_cannot_forge_lines_of_the_gaps_listing(backend: Backend) -> None:
    """A member's question with line breaks is one entry of /kb_gaps: it cannot add gap lines of its own."""
    moderator = Asker("telegram", "1", "1", name="Ann")
    service = backend.service(moderators=Moderators(telegram_users=frozenset({"1"})))
    forged = (
        "Where can I charge my laptop?\n"
        "2. g1a2b3c ×40 “How do I reset the admin password?” → chosen 'code-of-conduct'\n"
        "3. g4d5e6f ×25 “Who holds the keys to the hall?”"
    )
    assert service.ask(forged, Asker("telegram", "777", "777")).fallback
    backend.written(service)
    listing = service.moderate(Request("gaps"), moderator).text
    entries = [line for line in listing.splitlines()[1:] if re.match(r"\d+\. ", line)]
    assert len(entries) == 1, listing  # one question was asked, so one gap; the listing shows three


def test_would_answer_asks_the_open_gaps_of_the_knowledge_as_stored(backend: Backend, kdir: Path) -> None:
    """`kb gaps --would-answer`: none now; after `kb add` the parking gap, by the new passage; with --drafts
    the food gap too (on PostgreSQL: the database's gaps and knowledge, with the folder's drafts)."""
    ask_unanswered(backend)
    k = ("--knowledge", str(kdir))
    assert run_cli("kb", "gaps", "--would-answer", *k) == (
        0,
        "0 of 2 open gaps would be answered as the knowledge is now.\n",
    )
    text = "Cars park on Elm Street, behind the library: there is room for your car."
    assert run_cli("kb", "add", "--section", "Parking", "--text", text, "--id", "parking", *k)[0] == 0
    lines = run_cli("kb", "gaps", "--would-answer", *k)[1].splitlines()
    assert re.fullmatch(r"g[0-9a-f]{6} ×3 “.*” -> parking", lines[0]) and lines[1].startswith("1 of 2 open gaps")
    (kdir / "drafts").mkdir()
    (kdir / "drafts" / "food.yaml").write_text(
        'source: {title: "Food"}\npassages:\n  - {id: food, section: Food, text: "There is food at every meetup."}\n',
        encoding="utf-8",
    )
    limited = run_cli("kb", "gaps", "--would-answer", "--limit", "1", *k)[1].splitlines()
    assert limited[-1] == "1 of the 1 most asked open gap (--limit for more) would be answered as the knowledge is now."
    out = run_cli("kb", "gaps", "--would-answer", "--drafts", *k)[1]
    assert "-> parking" in out and "-> food" in out and "2 of 2 open gaps would be answered with the drafts" in out


def test_a_hedged_answer_is_a_gap_too(backend: Backend, kdir: Path) -> None:
    """The member gets the closest passage, marked as such; the moderator sees the question among the gaps,
    `--would-answer` says it would still only be hedged, and the stats count it for its passage, as hedged."""
    service = backend.service()
    answer = service.ask("When does the community meet in winter?", Asker("telegram", "7", "chat"))
    assert answer.passage_id == "meetups" and answer.hedged
    assert not service.ask("When does the community meet?", Asker("telegram", "8", "chat")).hedged
    backend.written(service)
    k = ("--knowledge", str(kdir))
    assert re.search(r"1\. g[0-9a-f]{6} ×1 “When does the community meet in winter\?”", run_cli("kb", "gaps", *k)[1])
    lines = run_cli("kb", "gaps", "--would-answer", *k)[1].splitlines()
    assert re.fullmatch(r"g[0-9a-f]{6} ×1 “.*” -> meetups \(hedged\)", lines[0])
    assert lines[1] == "0 of 1 open gap would be answered as the knowledge is now (1 more only with a hedge)."
    stats = run_cli("kb", "stats", *k)[1]
    assert "   2  meetups (1 hedged)" in stats
    assert re.search(r"\d{4}-\d\d-\d\d  0/2 \(0%\) \(1 hedged\)", stats)


def test_a_gap_names_the_topic_its_askers_chose_among_the_closest(backend: Backend, kdir: Path) -> None:
    """Two members not answered press the closest topic they were offered: `kb gaps` names it, with the
    presses, where it named the closest by words alone; the chosen id is the one to alias it to."""
    service = backend.service()
    for user in ("31", "32"):
        answer = service.ask(FOOD, Asker("telegram", user, "chat"))
        assert answer.fallback and [s.passage_id for s in answer.suggestions][:1] == ["meetups"]
    assert run_cli("kb", "gaps", "--knowledge", str(kdir))[1].splitlines()[1].endswith(" → closest `meetups`")
    for user in ("31", "32"):
        assert service.choose("meetups", Asker("telegram", user, "chat")).passage_id == "meetups"
    backend.written(service)
    [line] = run_cli("kb", "gaps", "--knowledge", str(kdir))[1].splitlines()[1:]
    assert re.fullmatch(r"1\. g[0-9a-f]{6} ×2 “Is there food at the meetup\?” → chosen `meetups` ×2", line)


def test_a_press_counts_only_for_the_pressers_own_question_that_offered_it(backend: Backend, kdir: Path) -> None:
    """A press by someone who was not offered the topic, of a topic no question offered, or on another
    platform marks no gap; a second press of the asker replaces the first (the last one counts)."""
    service = backend.service()
    asker = Asker("telegram", "41", "chat")
    offered = [s.passage_id for s in service.ask(FOOD, asker).suggestions]
    assert "meetups" in offered and "no-such-topic" not in offered
    service.choose("meetups", Asker("telegram", "42", "chat"))  # another member, who asked nothing
    service.choose("meetups", Asker("discord", "41", "guild"))  # the same number on another platform
    backend.written(service)
    [gap] = service.gaps.gaps()
    assert gap.chosen == ()
    service.choose("meetups", asker)
    if len(offered) > 1:  # then the asker changes their mind: the last press counts
        service.choose(offered[1], asker)
    backend.written(service)
    [gap] = service.gaps.gaps()
    assert gap.chosen == ((offered[-1] if len(offered) > 1 else "meetups", 1),)


def test_a_read_on_press_is_no_topic_chosen(backend: Backend, kdir: Path) -> None:
    """ "Read on ▸" sends the next passage of an answer's section, pressed as a topic is: recorded as one,
    it replaced the topic the member had chosen for their question (a reviewer's step 1, then step 2)."""
    service = backend.service()
    asker = Asker("telegram", "51", "chat")
    offered = [s.passage_id for s in service.ask(FOOD, asker).suggestions]
    assert len(offered) > 1
    service.choose(offered[0], asker)
    assert service.choose(offered[1], asker, reading_on=True).passage_id == offered[1]
    backend.written(service)
    [gap] = service.gaps.gaps()
    assert gap.chosen == ((offered[0], 1),)


def test_a_gap_open_again_counts_only_its_own_presses(tmp_path: Path) -> None:
    """Nine askers pressed `parking`, and the moderator dismissed the gap (parking is not the answer).
    Asked again a day later, the gap showed "×1 ... → chosen `parking` ×9": the presses it closed."""
    now = [1_000_000.0]
    store = GapStore(tmp_path / "data", clock=lambda: now[0])
    for user in range(9):
        store.record_question("telegram", str(user), FOOD, ["food", "meetup"], None, offered=["parking"])
        store.record_pick("telegram", str(user), "parking")
        now[0] += 1
    [gap] = store.gaps()
    assert (gap.count, gap.chosen) == (9, (("parking", 9),))
    store.close_gap(gap.keys, "dismissed")
    now[0] += 24 * 3600
    store.record_question("telegram", "42", FOOD, ["food", "meetup"], None)
    [gap] = store.gaps()
    assert (gap.count, gap.chosen) == (1, ())
    store.close()


def presses_in_time(store: GapRecords, now: list[float]) -> dict[str, tuple[tuple[str, int], ...]]:
    """Questions and presses of one member, an hour apart and within the hour; what each gap was chosen."""
    written = getattr(store, "flush", lambda: True)  # PostgreSQL's store writes its queue then
    store.record_question("telegram", "1", "old food question", ["old", "food"], None, offered=["meetups"])
    now[0] += PICK_WINDOW + 1
    store.record_pick("telegram", "1", "meetups")  # over an hour after it: not its answer
    now[0] += 60  # nor the answer to a question asked after it (PostgreSQL writes both later, in one batch)
    store.record_question("telegram", "1", "food at the meetup?", ["food", "meetup"], None, offered=["meetups"])
    now[0] += 60
    store.record_question("telegram", "1", "bike parking?", ["bike", "park"], None, offered=["meetups", "rules"])
    store.record_question("telegram", "1", "rules?", ["rule", "house"], None, offered=["rules"])
    now[0] += PICK_WINDOW - 180
    store.record_pick("telegram", "1", "meetups")  # the latest question that offered it
    assert written()
    return {g.questions[0]: g.chosen for g in store.gaps()}


PRESSED_IN_TIME = {
    "old food question": (),
    "food at the meetup?": (),
    "bike parking?": (("meetups", 1),),
    "rules?": (),
}


def test_a_press_marks_the_latest_question_that_offered_it_within_the_hour(tmp_path: Path) -> None:
    """The buttons stay under a reply: a press more than PICK_WINDOW after a question is not its
    answer; within it, the press counts for the presser's latest question that offered the topic
    (the button does not say which reply it was under: two questions an hour apart that were both
    offered it cannot be told apart). PostgreSQL: test_records_postgres.py."""
    now = [time.time()]
    store = GapStore(tmp_path / "data", clock=lambda: now[0])
    try:
        assert presses_in_time(store, now) == PRESSED_IN_TIME
    finally:
        store.close()


def test_a_press_for_a_passage_removed_since_names_the_closest_instead(backend: Backend, kdir: Path) -> None:
    """`kb gaps` shows the topic a member pressed; once that passage is removed, it names the closest one instead."""
    service = backend.service()
    asker = Asker("telegram", "51", "chat")
    assert "rules" in [s.passage_id for s in service.ask(FOOD, asker).suggestions]
    service.choose("rules", asker)
    backend.written(service)
    assert run_cli("kb", "gaps", "--knowledge", str(kdir))[1].splitlines()[1].endswith(" → chosen `rules` ×1")
    assert run_cli("kb", "remove", "rules", "--knowledge", str(kdir))[0] == 0
    assert run_cli("kb", "gaps", "--knowledge", str(kdir))[1].splitlines()[1].endswith(" → closest `meetups`")


def test_stats_show_most_asked_downvoted_and_the_fallback_rate(backend: Backend, kdir: Path) -> None:
    """`kb stats` counts answered passages, 👎 votes and unanswered questions per day."""
    service = ask_unanswered(backend)
    service.vote("rules", False, Asker("discord", "5"))
    service.vote("rules", False, Asker("telegram", "6"))
    service.vote("meetups", True, Asker("telegram", "6"))
    backend.written(service)
    code, out = run_cli("kb", "stats", "--knowledge", str(kdir))
    assert code == 0
    asked, rest = out.split("Most downvoted")
    downvoted = rest.split("Unanswered")[0]
    assert "1  meetups" in asked
    assert "2  rules" in downvoted and "meetups" not in downvoted
    assert re.search(r"\d{4}-\d\d-\d\d  4/5 \(80%\)", out)


def test_answers_opened_from_a_link_count_apart_from_the_questions(backend: Backend, kdir: Path) -> None:
    """An answer opened from a link to its passage (Telegram's start link) counts for it in `kb stats`, under
    its own heading: no question was asked, so neither "Most asked" nor a day's questions count it. One row a
    day, platform and passage holds the count, and no one's pseudonym; a passage gone counts nothing."""
    service = backend.service()
    member, other, third = (Asker("telegram", str(n), str(n)) for n in ("4141", "4242", "4343"))
    for asker in (member, other, third):
        assert service.choose("meetups", asker, linked=True).outcome is Outcome.ANSWERED
    assert service.choose("rules", other, linked=True).outcome is Outcome.ANSWERED
    assert service.choose("no-such-passage", member, linked=True).outcome is Outcome.GONE
    answered = service.ask("When does the community meet?", member)
    backend.written(service)
    store = service.gaps
    assert store is not None and answered.passage_id == "meetups"
    assert store.most_opened() == [("meetups", 3), ("rules", 1)] and store.most_opened(limit=1) == [("meetups", 3)]
    assert store.most_asked() == [("meetups", 1, 0)]
    assert [day[1:] for day in store.fallback_by_day()] == [(1, 0, 0)]
    assert backend.rows("opened") == 2
    code, out = run_cli("kb", "stats", "--knowledge", str(kdir))
    assert code == 0 and "Answers opened from a link:\n     3  meetups\n     1  rules\n" in out, out
    opened = [line for line in backend.stored_records().splitlines() if "opened" in line or "rules" in line]
    assert opened and not any("4141" in line or "4242" in line for line in opened), opened


def test_a_member_opening_a_link_again_and_again_counts_once_a_day(backend: Backend) -> None:
    """One member opens the meetups link five times and the rules link twice, another member once: meetups counts
    2 and rules 1 (it had been 6 and 2: each opening the cooldown let through counted), and no row names either
    member. A second instance on the same database, which remembers only its own, counts the member once more."""
    service = backend.service(cooldown=CooldownSettings(burst=100))  # the openings a slower member gets through
    member, other = Asker("telegram", "4141", "4141"), Asker("telegram", "4242", "4242")
    for passage_id, asker in [*[("meetups", member)] * 5, ("meetups", other), *[("rules", member)] * 2]:
        assert service.choose(passage_id, asker, linked=True).outcome is Outcome.ANSWERED
    backend.written(service)
    assert service.gaps is not None and service.gaps.most_opened() == [("meetups", 2), ("rules", 1)]
    assert not any("4141" in line or "4242" in line for line in backend.stored_records().splitlines())
    second = backend.service(cooldown=CooldownSettings(burst=100))
    for _ in range(3):
        assert second.choose("meetups", member, linked=True).outcome is Outcome.ANSWERED
    backend.written(second)
    assert service.gaps.most_opened() == [("meetups", 3), ("rules", 1)]


def test_every_kb_stats_figure_is_read_once_for_both_databases() -> None:
    """`kb stats`' figures (the record's `most_*` and `fallback_by_day`) are read in `Stats`, once for SQLite and
    PostgreSQL, as docs/architecture.md says: neither store reads one its own way (the links opened had been read
    by each, a read-only database's missing table seen by one)."""
    from bot.records.stats import Stats
    from bot.storage.records import PostgresGapStore

    figures = {name for name in vars(GapRecords) if name.startswith("most_") or name == "fallback_by_day"}
    assert "most_opened" in figures and figures <= set(vars(Stats))
    assert [sorted(figures & set(vars(store))) for store in (GapStore, PostgresGapStore)] == [[], []]


def test_links_opened_count_nothing_older_than_the_retention_period(tmp_path: Path) -> None:
    """A day's count of links opened is out of `kb stats` once that day passed `retention_days`, and deleted
    by the daily purge, as a question is."""
    now = [1_000_000.0]
    store = GapStore(tmp_path, retention_days=2, clock=lambda: now[0])
    store.record_opened("telegram", "meetups")
    now[0] += 1.5 * DAY
    store.record_opened("telegram", "rules")
    assert store.most_opened() == [("meetups", 1), ("rules", 1)]
    now[0] += 0.9 * DAY  # the first is 2.4 days old, the last purge 0.9 days ago
    assert store.most_opened() == [("rules", 1)]
    now[0] += 0.2 * DAY
    store.record_opened("telegram", "rules")  # a day after the last purge: it purges
    assert store._db.execute("SELECT passage_id, n FROM opened").fetchall() == [("rules", 1), ("rules", 1)]
    store.close()


def test_downvotes_count_for_a_passages_text_until_a_moderator_rewrites_it(backend: Backend, kdir: Path) -> None:
    """👎 given to a passage's old text stayed counted after `kb edit` rewrote it: `kb stats` blamed the
    new text for the old one's faults. Now they count for the text voted on; its own text back (an undo),
    they count again, and an edit of its questions alone keeps them."""
    service = backend.service()
    for user in ("1", "2", "3"):
        service.vote("rules", False, Asker("telegram", user))
    backend.written(service)

    def downvoted() -> str:
        code, out = run_cli("kb", "stats", "--knowledge", str(kdir))
        assert code == 0, out
        return out.split("Most downvoted")[1].split("Unanswered")[0]

    assert "3  rules" in downvoted()
    assert run_cli("kb", "edit", "rules", "--question", "What are the rules?", "--knowledge", str(kdir))[0] == 0
    assert "3  rules" in downvoted()  # the same text: its votes stay
    assert run_cli("kb", "edit", "rules", "--text", "Be kind. No spam.", "--knowledge", str(kdir))[0] == 0
    assert "rules" not in downvoted()
    fresh = backend.service()
    fresh.vote("rules", False, Asker("discord", "9"))
    fresh.vote("rules", False, Asker("telegram", "1"))  # a voter of the old text votes on the new one
    backend.written(fresh)
    assert "2  rules" in downvoted()
    assert run_cli("kb", "undo", "--knowledge", str(kdir))[0] == 0  # the old text back, and its votes
    assert "2  rules" in downvoted()  # voter 1's latest vote was on the new text: theirs counts there
    assert downvoted().startswith(" passages (👎 on their text as it is now):")  # the listing says so


def test_the_database_holds_hashed_user_ids_and_never_a_name(backend: Backend) -> None:
    """No raw user id, no display name, and no wording of answered questions is stored."""
    service = ask_unanswered(backend)
    service.vote("meetups", True, Asker("telegram", "100", name="Alice Example"))
    backend.written(service)
    dump = backend.stored_records()
    assert "Where can I park my car?" in dump and "meetups" in dump  # what is kept is there: the check can fail
    assert "Alice" not in dump and "'100'" not in dump and "telegram:100" not in dump
    assert "community meet" not in dump  # an answered question's wording is not kept, only its passage


def test_rows_older_than_the_retention_period_are_deleted(tmp_path: Path) -> None:
    """Opening the database, and recording a day later, deletes rows older than retention_days."""
    now = [1_000_000.0]
    store = GapStore(tmp_path, retention_days=2, clock=lambda: now[0])
    store.record_question("telegram", "1", "old question", ["old"], None)
    now[0] += 1.5 * DAY
    store.record_question("telegram", "1", "newer question", ["newer"], None)
    now[0] += 1.0 * DAY  # the first is 2.5 days old now; recording a day after the last purge purges
    store.record_question("telegram", "1", "newest question", ["newest"], None)
    assert [g.questions[0] for g in store.gaps()] == ["newer question", "newest question"]
    now[0] += 10 * DAY
    store.close()
    reopened = GapStore(tmp_path, retention_days=2, clock=lambda: now[0])
    assert reopened.gaps() == []


def test_a_bot_no_one_asks_lists_no_question_older_than_the_retention_period(tmp_path: Path) -> None:
    """A running bot that records nothing (no one asks) still forgets on time: `kb gaps` and the stats
    read after the retention period list nothing older than it."""
    now = [1_000_000.0]
    store = GapStore(tmp_path, retention_days=2, clock=lambda: now[0])
    store.record_question("telegram", "1", "old question", ["old"], None)
    store.record_question("telegram", "1", "", [], "meeting-times")
    store.record_vote("telegram", "1", "meeting-times", helpful=False)
    now[0] += 3 * DAY
    assert store.gaps() == []
    assert store.most_asked() == [] and store.most_downvoted() == [] and store.votes() == []
    store.close()


def test_kb_gaps_lists_no_question_older_than_the_retention_period_between_daily_purges(tmp_path: Path) -> None:
    """`kb gaps` read after a question passed `retention_days` lists it no more, whenever the last purge
    was: the purge before reading runs at most once a day, so a question up to a day past the period
    is still listed (and `kb stats` counts it)."""
    now = [1_000_000.0]
    store = GapStore(tmp_path, retention_days=2, clock=lambda: now[0])
    store.record_question("telegram", "1", "do you sell tickets at the door", ["ticket", "door"], None)
    now[0] += 1.5 * DAY
    assert [g.questions[0] for g in store.gaps()] == ["do you sell tickets at the door"]  # 1.5 days old: kept
    now[0] += 0.9 * DAY  # 2.4 days old now, past the 2 days; the last purge was 0.9 days ago
    assert store.gaps() == [], [g.questions for g in store.gaps()]
    store.close()


def test_stats_and_votes_count_nothing_older_than_the_retention_period_between_daily_purges(tmp_path: Path) -> None:
    """Past `retention_days`, a question, its vote and its day are out of `kb stats` and the votes read,
    though the daily purge has not yet deleted them."""
    now = [1_000_000.0]
    store = GapStore(tmp_path, retention_days=2, clock=lambda: now[0])
    store.record_question("telegram", "1", "", [], "meeting-times")
    store.record_question("telegram", "1", "old question", ["old"], None)
    store.record_vote("telegram", "1", "meeting-times", helpful=False)
    now[0] += 1.5 * DAY
    store.record_question("telegram", "2", "newer question", ["newer"], None)  # purges: nothing is 2 days old
    now[0] += 0.9 * DAY  # the first rows are 2.4 days old, the purge 0.9 days ago
    assert [g.questions[0] for g in store.gaps()] == ["newer question"]
    assert store.most_asked() == [] and store.most_downvoted() == [] and store.votes() == []
    assert [(n, f) for _, n, f, _ in store.fallback_by_day()] == [(1, 1)]
    store.close()


def test_kb_gaps_would_answer_keeps_questions_for_the_configured_retention_period(
    tmp_path: Path, kdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `retention_days: 365` in the config, `kb gaps --would-answer` deletes no question younger than
    that: it opens the gaps database with the default 90 days, whose purge deletes what the config keeps."""
    data = tmp_path / "data"
    config = tmp_path / "config.yaml"
    config.write_text(f"retention_days: 365\ndata_dir: {data}\n", encoding="utf-8")
    monkeypatch.setenv("QABOT_CONFIG", str(config))
    old = GapStore(data, retention_days=365, clock=lambda: time.time() - 200 * DAY)
    old.record_question("telegram", "1", "do you sell tickets at the door", ["ticket", "door"], None)
    old.close()
    out = io.StringIO()
    assert cli.main(["kb", "gaps", "--would-answer", "--knowledge", str(kdir)], out=out) == 0, out.getvalue()
    kept = GapStore(data, retention_days=365)
    try:
        assert [g.questions[0] for g in kept.gaps()] == ["do you sell tickets at the door"]
    finally:
        kept.close()


@pytest.mark.parametrize("command", [["gaps"], ["stats"], ["history"]])
def test_kb_commands_reading_the_data_folder_alone_keep_the_configured_retention_period(
    tmp_path: Path, kdir: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """A folder whose knowledge does not load: `kb gaps`, `kb stats` and `kb history` read the data folder
    alone, and open the gaps database with the config's `retention_days`, not the default 90 days, whose
    purge deleted a question the config keeps."""
    data = tmp_path / "data"
    config = tmp_path / "config.yaml"
    config.write_text(f"retention_days: 365\ndata_dir: {data}\n", encoding="utf-8")
    monkeypatch.setenv("QABOT_CONFIG", str(config))
    old = GapStore(data, retention_days=365, clock=lambda: time.time() - 200 * DAY)
    old.record_question("telegram", "1", "do you sell tickets at the door", ["ticket", "door"], None)
    old.close()
    (kdir / "broken.yaml").write_text("passages: [\n", encoding="utf-8")  # a hand edit gone wrong
    out = io.StringIO()
    assert cli.main(["kb", *command, "--knowledge", str(kdir)], out=out) == 0, out.getvalue()
    kept = GapStore(data, retention_days=365)
    try:
        assert [g.questions[0] for g in kept.gaps()] == ["do you sell tickets at the door"]
    finally:
        kept.close()


def test_an_unusable_data_folder_only_warns_and_answering_goes_on(
    backend: Backend, kdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A data folder that cannot be created (a file is in the way): a WARNING, and questions are answered."""
    files_only(backend, "with a database the gaps are in PostgreSQL, not in the data folder")
    blocker = kdir.parent / "blocked"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    service = Service.from_directory(kdir, Config(data_dir=blocker / "data"))
    assert service.gaps is None
    assert any(r.levelno == logging.WARNING and "gaps database unavailable" in r.getMessage() for r in caplog.records)
    assert service.ask("When does the community meet?", Asker("telegram", "1")).passage_id == "meetups"
    assert service.ask("Where can I park?", Asker("telegram", "1")).fallback


def damage_pages(kdir: Path) -> Service:
    """A bot that recorded two gaps, then its gaps database overwritten inside its pages (the questions
    table, page 2): it still opens, and every query of the questions fails with "malformed"."""
    service = Service.from_directory(kdir)
    for question in (PARKING[0], FOOD):
        assert service.ask(question, Asker("telegram", "1")).fallback
    service.close()
    with (kdir.parent / "data" / "gaps.sqlite3").open("r+b") as database:
        database.seek(4096)
        database.write(b"\xa5" * 2000)
    return Service.from_directory(kdir)


DAMAGED = (
    "error: The gaps database (gaps.sqlite3 in the data folder) cannot be used: database disk image is malformed."
    " `doctor` checks it.\n"
)


@pytest.mark.parametrize(
    "command", [["gaps"], ["gaps", "--would-answer"], ["stats"], ["dismiss", "1"], ["alias", "meetups", "1"]]
)
def test_a_gaps_database_damaged_inside_its_pages_is_refused_in_one_line(
    kdir: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Damaged pages: `kb gaps` (also `--would-answer`), `stats`, `dismiss` and `alias` each print one error
    line naming gaps.sqlite3 and SQLite's reason (they had shown a traceback of sqlite3.DatabaseError);
    members are still answered."""
    service = damage_pages(kdir)
    capsys.readouterr()
    code, out = run_cli("kb", *command, "--knowledge", str(kdir))
    assert (code, out, capsys.readouterr().err) == (1, "", DAMAGED)
    assert [p.id for p in knowledge.load(kdir)] == ["meetups", "rules"]  # the alias changed nothing
    assert service.ask(PARKING[0], Asker("telegram", "2")).fallback  # recording fails, answering goes on
    assert service.ask("When does the community meet?", Asker("telegram", "2")).passage_id == "meetups"
    service.close()


def test_a_gaps_database_locked_at_start_is_opened_once_the_lock_is_gone(kdir: Path, tmp_path: Path) -> None:
    """Another process held the gaps database's write lock past SQLite's busy timeout when the service
    started (an `sqlite3` shell with a transaction open): the service then ran without gaps for good.
    A passing lock is no damage: once it is gone, a member's unanswered question is a gap."""
    data = tmp_path / "data"
    GapStore(data).close()  # the database exists, as after any earlier run
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         f"db = sqlite3.connect({str(data / 'gaps.sqlite3')!r}, isolation_level=None)\n"
         "db.execute('BEGIN IMMEDIATE')\n"
         "print('locked', flush=True)\n"
         "sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        service = Service.from_directory(kdir, Config(data_dir=data))
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    try:
        before = service.moderate(Request("gaps"), Asker("cli", ""))  # a moderator's look, before any question
        assert not before.refused and "No unanswered" in before.text, before.text
        answer = service.ask("Where can I buy a railway season ticket?", Asker("telegram", "42", "42"))
        assert answer.passage_id is None  # not answered: a gap
        listing = service.moderation.gaps(Asker("cli", ""))
        assert "railway season ticket" in listing, listing
    finally:
        service.close()


def test_alias_of_typed_words_with_a_damaged_gaps_database_is_made_and_said(kdir: Path) -> None:
    """`kb alias ID --text WORDS` reads the gaps only after the change (to close the same words): with
    damaged pages the alias is made and said, not followed by a traceback."""
    damage_pages(kdir).close()
    code, out = run_cli("kb", "alias", "meetups", "--text", "where can i park my car", "--knowledge", str(kdir))
    assert code == 0 and "Attached" in out
    assert "where can i park my car" in (kdir / "notes.yaml").read_text(encoding="utf-8")


def test_alias_to_a_gap_without_a_gaps_database_says_it_is_not_available(kdir: Path) -> None:
    """No gaps database (its folder cannot be made): `alias ID 1` said "No open gap `1`; `kb gaps` lists
    them", and `kb gaps` then said the database is not available. Both say that now."""
    blocker = kdir.parent / "blocked"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    service = Service.from_directory(kdir, Config(data_dir=blocker / "data"))
    cli_user = Asker("cli", "")
    with pytest.raises(Refused) as alias:
        service.moderation.alias(cli_user, "meetups", "1")
    with pytest.raises(Refused) as gaps:
        service.moderation.gaps(cli_user)
    assert str(alias.value) == str(gaps.value)  # one sentence, whether the damage shows at opening or at a query
    assert str(gaps.value).startswith("The gaps database (gaps.sqlite3 in the data folder) cannot be used: ")
    service.close()


_KILLED_WRITER = """
import os, sys
from collections.abc import Iterator
from pathlib import Path
from bot.records.gaps import GapStore
GapStore(Path(sys.argv[1])).record_question("telegram", "1", "Where can I park my car?", ["park", "car"], None)
os._exit(0)  # killed: the -wal file is left, holding the question
"""


@needs_read_only_mount
@pytest.mark.parametrize("writer", ["closed", "killed"])
def test_gaps_and_stats_read_a_read_only_data_folder(kdir: Path, writer: str) -> None:
    """A data folder mounted read-only (EROFS, also for root): `kb gaps` and `kb stats` read the database
    (they had refused: "unable to open database file"), whether its writer closed it or was killed (its
    -wal left); `kb dismiss` is refused in one line and the gap stays."""
    data = kdir.parent / "data"
    if writer == "closed":
        service = Service.from_directory(kdir)
        assert service.ask(PARKING[0], Asker("telegram", "1")).fallback
        service.close()
    else:
        data.mkdir()
        subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(data)], env=child_env(), check=True, timeout=60)
        assert (data / "gaps.sqlite3-wal").exists()
    kb = f"{sys.executable} -m bot kb"
    shell = (
        f"{kb} gaps --knowledge {kdir} && {kb} stats --knowledge {kdir} && echo '-- dismiss' && "
        f'{kb} dismiss 1 --knowledge {kdir}; echo "rc=$?" && {kb} gaps --knowledge {kdir}'
    )
    result = on_read_only_mount(data, shell, timeout=120)
    assert result.returncode == 0, result.stderr
    listed, dismissed = result.stdout.split("-- dismiss\n")
    assert "“Where can I park my car?”" in listed and "Unanswered questions per day" in listed
    assert dismissed.startswith("rc=1\n") and "“Where can I park my car?”" in dismissed  # still listed
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: The gaps database (gaps.sqlite3 in the data folder) cannot be used: attempt to write a readonly"
        " database. `doctor` checks it."
    ]
    assert "Traceback" not in result.stderr


@needs_read_only_mount
def test_stats_read_a_read_only_database_the_version_before_made(kdir: Path) -> None:
    """A gaps database made before links opened were counted (no `opened` table), in a data folder mounted
    read-only, where opening it cannot add the table: `kb stats` reads it all the same, with no links opened
    (it would have been refused: "no such table: opened")."""
    data = kdir.parent / "data"
    service = Service.from_directory(kdir)
    assert service.ask("When does the community meet?", Asker("telegram", "1")).passage_id == "meetups"
    service.close()
    with sqlite3.connect(data / "gaps.sqlite3") as db:
        db.execute("DROP TABLE opened")
    result = on_read_only_mount(data, f"{sys.executable} -m bot kb stats --knowledge {kdir}", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "1  meetups" in result.stdout and "opened" not in result.stdout, result.stdout


def test_user_pseudonyms_are_keyed_with_a_secret_of_the_data_folder(tmp_path: Path) -> None:
    """The stored pseudonym is an HMAC under a 0600 key made on first start: not sha256("telegram:<id>"),
    the same after a restart, different in another data folder."""
    first, other = GapStore(tmp_path / "a"), GapStore(tmp_path / "b")
    first.record_vote("telegram", "4242", "rules", False)
    other.record_vote("telegram", "4242", "rules", False)
    [stored] = first.votes()
    key = tmp_path / "a" / USER_KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    assert stored.user_id != hashlib.sha256(b"telegram:4242").hexdigest()[:16]  # the old, reversible pseudonym
    assert stored.user_id == hmac.new(key.read_bytes(), b"telegram:4242", "sha256").hexdigest()[:16]
    assert other.votes()[0].user_id != stored.user_id
    first.close()
    again = GapStore(tmp_path / "a")
    again.record_vote("telegram", "4242", "rules", True)  # the same user: it replaces the first vote
    assert [(v.user_id, v.helpful) for v in again.votes()] == [(stored.user_id, True)]
    again.close()
    other.close()


def _quadratic_group(rows: list[tuple[str, str, int]]) -> list[tuple[str, int, frozenset[str]]]:
    """The grouping as first written, each term set compared with every group: the definition."""
    by_key: dict[str, Counter[str]] = {}
    for key, question, count in rows:
        by_key.setdefault(key, Counter())[question] += count
    groups: list[tuple[str, set[str], list[str]]] = []
    for key in sorted(by_key, key=lambda k: (-sum(by_key[k].values()), k)):
        terms = set(key.split())
        for _, group_terms, members in groups:
            shared = len(terms & group_terms)
            if shared >= 2 and shared / len(terms | group_terms) >= 0.5:
                members.append(key)
                break
        else:
            groups.append((key, terms, [key]))
    return sorted(
        (rep, sum(sum(by_key[k].values()) for k in members), frozenset(members)) for rep, _, members in groups
    )


def _random_rows(rng: random.Random, n: int, vocabulary: int) -> list[tuple[str, str, int]]:
    rows = []
    for i in range(n):
        terms = sorted({f"t{rng.randrange(vocabulary)}" for _ in range(rng.randint(1, 5))})
        rows.append((" ".join(terms), f"question {i}", rng.randint(1, 3)))
    return rows


def test_questions_that_share_only_one_word_are_two_gaps() -> None:
    """'hours?' and 'opening hours' share one word: aliasing one closed the other, which was still
    not answered; so with 'bring my own games' and 'how many games do you have'. Two shared words
    of three still make one gap ('bring own games' with 'bring my own games')."""
    rows = [("hour", "hours?", 3), ("hour open", "opening hours", 2), ("bring game", "can i bring my own games??", 2),
            ("game", "how many games do u have", 1), ("bring game own", "bring own games?", 1)]  # fmt: skip
    assert sorted(sorted(g.questions) for g in group(rows)) == [
        ["bring own games?", "can i bring my own games??"],
        ["hours?"],
        ["how many games do u have"],
        ["opening hours"],
    ]


def test_grouping_is_the_same_as_comparing_with_every_group() -> None:
    """Prefix filtering finds exactly the groups the all-pairs comparison finds."""
    rng = random.Random(11)
    for vocabulary in (8, 30, 200):
        rows = _random_rows(rng, 400, vocabulary)
        expected = sorted((count, sorted(members)) for _, count, members in _quadratic_group(rows))
        assert sorted((g.count, sorted(g.keys)) for g in group(rows)) == expected


@pytest.mark.timeout(60)
def test_a_hundred_thousand_distinct_questions_group_without_comparing_every_pair() -> None:
    """100,000 distinct unanswered questions group in bounded time (the all-pairs grouping took minutes at 30,000)."""
    rows = _random_rows(random.Random(5), 100_000, 20_000)
    started = time.process_time()
    gaps = group(rows)
    assert time.process_time() - started < 20  # about 1 s here; all-pairs would take hours
    assert sum(g.count for g in gaps) == sum(count for _, _, count in rows)


def test_a_gaps_database_made_before_hedges_were_kept_opens_and_keeps_its_rows(tmp_path: Path) -> None:
    """A gaps.sqlite3 without the `hedged`, `offered` and `picked` columns gets them on opening; its rows
    stay as they were."""
    (tmp_path / "data").mkdir()
    old = sqlite3.connect(tmp_path / "data" / "gaps.sqlite3")
    old.execute(
        "CREATE TABLE questions (at REAL NOT NULL, day TEXT NOT NULL, platform TEXT NOT NULL, user_hash TEXT NOT NULL,"
        " question TEXT NOT NULL, terms TEXT NOT NULL, passage_id TEXT)"
    )
    now = time.time()
    today = time.strftime("%Y-%m-%d", time.gmtime(now))
    old.execute("INSERT INTO questions VALUES (?, ?, 'telegram', 'h', 'where to park', 'park', NULL)", (now, today))
    old.commit()
    old.close()
    store = GapStore(tmp_path / "data")
    try:
        store.record_question("telegram", "1", "when in winter", ["winter"], "meetups", hedged=True)
        store.record_question("telegram", "1", "food?", ["food"], None, offered=["meetups"])
        store.record_pick("telegram", "1", "meetups")
        assert sorted(g.questions[0] for g in store.gaps()) == ["food?", "when in winter", "where to park"]
        assert [g.chosen for g in store.gaps() if g.questions[0] == "food?"] == [(("meetups", 1),)]
        assert store.most_asked() == [("meetups", 1, 1)]
        assert [day[1:] for day in store.fallback_by_day()] == [(3, 2, 1)]
    finally:
        store.close()


def test_votes_of_a_gaps_database_made_before_they_kept_their_text_count_for_the_text_now(tmp_path: Path) -> None:
    """A gaps.sqlite3 whose votes kept no text gets the column on opening; its votes count for the
    passage's text as it is now, and a vote on another text does not."""
    (tmp_path / "data").mkdir()
    old = sqlite3.connect(tmp_path / "data" / "gaps.sqlite3")
    old.execute(
        "CREATE TABLE votes (at REAL NOT NULL, day TEXT NOT NULL, platform TEXT NOT NULL, user_hash TEXT NOT NULL,"
        " passage_id TEXT NOT NULL, helpful INTEGER NOT NULL)"
    )
    old.execute("INSERT INTO votes VALUES (?, '2026-01-01', 'telegram', 'h', 'rules', 0)", (time.time(),))
    old.commit()
    old.close()
    store = GapStore(tmp_path / "data")
    try:
        store.record_vote("telegram", "2", "rules", False, "Be kind.")
        store.record_vote("telegram", "3", "rules", False, "Be kind, and no spam.")
        assert store.most_downvoted(current={"rules": "Be kind, and no spam."}.get) == [("rules", 2)]
        assert store.most_downvoted() == [("rules", 3)]  # no text known: every vote counts
    finally:
        store.close()


def test_a_gaps_database_made_before_chats_were_kept_gets_them_and_forgets_a_chat_asked_in_since(
    tmp_path: Path,
) -> None:
    """A gaps.sqlite3 whose questions and `counted` entries kept no chat gets the column on opening; a chat that goes
    then takes what was asked in it since, and the rows written before stay."""
    GapStore(tmp_path / "data").close()
    with sqlite3.connect(tmp_path / "data" / "gaps.sqlite3") as conn:
        for table in ("questions", "counted"):
            conn.execute(f"DROP INDEX {table}_asked_chat")
            conn.execute(f"ALTER TABLE {table} DROP COLUMN asked_chat")
        conn.execute(
            "INSERT INTO questions (at, day, platform, user_hash, question, terms, passage_id, asked_in)"
            " VALUES (?, ?, 'discord', 'h', 'where to park', 'park', NULL, 'k')",
            (time.time(), time.strftime("%Y-%m-%d", time.gmtime())),
        )
    store = GapStore(tmp_path / "data")
    try:
        store.record_question("discord", "1", "food?", ["food"], None, message="555/1", chat="555")
        store.record_question("discord", "1", "", [], "meetups", message="555/2", chat="555")
        store.forget_chat("discord", "555")
        assert [g.questions for g in store.gaps()] == [("where to park",)] and store.most_asked() == []
    finally:
        store.close()


def test_an_old_gaps_database_opened_by_several_at_once_gets_its_column_once(tmp_path: Path) -> None:
    """The bot and a `kb stats` opening an old gaps.sqlite3 together both open it: one adds the column."""
    for trial in range(10):
        folder = tmp_path / f"data{trial}"
        folder.mkdir()
        old = sqlite3.connect(folder / "gaps.sqlite3")
        old.execute(
            "CREATE TABLE questions (at REAL NOT NULL, day TEXT NOT NULL, platform TEXT NOT NULL,"
            " user_hash TEXT NOT NULL, question TEXT NOT NULL, terms TEXT NOT NULL, passage_id TEXT)"
        )
        old.commit()
        old.close()
        GapStore(folder).close()  # makes the key file: only the column is left to race for
        with sqlite3.connect(folder / "gaps.sqlite3") as conn:
            conn.execute("ALTER TABLE questions DROP COLUMN hedged")
        stores: list[GapStore] = []
        errors: list[BaseException] = []

        def open_store(
            folder: Path = folder, stores: list[GapStore] = stores, errors: list[BaseException] = errors
        ) -> None:
            try:
                stores.append(GapStore(folder))
            except BaseException as exc:  # the test reports whatever opening raised
                errors.append(exc)

        threads = [threading.Thread(target=open_store) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for store in stores:
            store.close()
        assert errors == [] and len(stores) == 4


def test_trimming_lets_hedged_wording_go_and_keeps_its_count_for_the_passage(tmp_path: Path) -> None:
    """Past max_unanswered, a hedged answer loses its wording (no longer a gap) but still counts for its passage."""
    store = GapStore(tmp_path / "data", max_unanswered=10)
    try:
        for n in range(20):
            store.record_question("telegram", str(n), "", [], "p1")
        for n in range(300):
            store.record_question("telegram", str(n), f"hedged question {n}", [f"term{n}"], "meetups", hedged=True)
        assert store.most_asked() == [("meetups", 300, 300), ("p1", 20, 0)]
        assert [day[1:] for day in store.fallback_by_day()] == [(320, 0, 300)]
        assert 10 <= sum(g.count for g in store.gaps(limit=1000)) < 10 + 256
    finally:
        store.close()


def test_the_unanswered_questions_kept_are_bounded(tmp_path: Path) -> None:
    """Past max_unanswered, the oldest unanswered questions are let go; answered ones are untouched."""
    store = GapStore(tmp_path / "data", max_unanswered=300)
    try:
        store.record_question("telegram", "1", "", [], "meetups")
        for n in range(1000):
            store.record_question("telegram", str(n), f"question {n}", [f"term{n}"], None)
        assert 300 <= sum(g.count for g in store.gaps(limit=100_000)) < 300 + 256
        assert "question 999" in {q for g in store.gaps(limit=100_000) for q in g.questions}
        assert "question 0" not in {q for g in store.gaps(limit=100_000) for q in g.questions}
    finally:
        store.close()


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask of most systems' users and services (022): new files readable by everyone."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.mark.usefixtures("usual_umask")
def test_what_members_asked_is_not_readable_by_other_users_of_the_machine(kdir: Path, tmp_path: Path) -> None:
    """The gaps database, which holds what members asked word for word (a phone number), and the
    history beside it had been made with the process's umask, 0644 in a 0755 folder under the usual
    022, readable by every user of a shared host: they are made 0600 in a 0700 folder, as `user-key`."""
    folder = tmp_path / "data"
    service = Service.from_directory(kdir, Config(data_dir=folder, moderators=Moderators()))
    try:
        service.ask("My phone is +31 6 1234 5678, when are the meetups?", Asker("telegram", "4343", "4343"))
        service.moderate(Request("alias", "meetups", question="when do people gather"), Asker("cli", ""))
    finally:
        service.close()
    made = [folder / name for name in ("gaps.sqlite3", "gaps.sqlite3-wal", "history.jsonl") if (folder / name).exists()]
    assert folder / "history.jsonl" in made and folder / "gaps.sqlite3" in made
    assert {oct(stat.S_IMODE(path.stat().st_mode)) for path in made} == {"0o600"}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_answered_questions_do_not_grow_the_gaps_database_without_bound(tmp_path: Path) -> None:
    """Unanswered questions are capped, but every answered question had added a row of its own for the
    whole retention period (one account asking at its cooldown: 2.6 million rows in 90 days). What the
    stats need (questions per passage, per day) is kept as counts: one row per member, passage and day."""
    store = GapStore(tmp_path / "data", max_unanswered=100)
    try:
        for _ in range(3000):
            store.record_question("discord", "1234", "", [], "meetups")
        store.record_question("discord", "1234", "when is the meetup", ["meetup"], "meetups", hedged=True)
        store.record_question("discord", "5678", "", [], "meetups")
        assert store.most_asked() == [("meetups", 3002, 1)]
        [(_, asked, unanswered, hedged)] = store.fallback_by_day()
        assert (asked, unanswered, hedged) == (3002, 0, 1)
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "data" / "gaps.sqlite3") as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = sum(db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables)
    assert rows <= 10, f"{rows} rows for 3,002 answered questions of two members"
