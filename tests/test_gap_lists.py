"""A moderator's last gaps list is kept where the gaps are: every instance, and one started since, reads it.

Ann and Cy moderate on Telegram, Bob and Eve on Discord, over the three gaps of `tests/test_gap_numbers.py`
(the cloakroom, asked most, then bikes, then the dog). The gaps database is the knowledge folder's SQLite file
or one PostgreSQL schema (the `backend` fixture); two Services over it are two instances, as
docs/scaling.md runs them. A list is the moderator's once the reply that showed it reached them
(`Service.delivered`, which the adapters call once the platform took the reply), decides what their numbers
mean for 24 hours, and is deleted a week after it was shown. Through the platforms: two Telegram webhook
workers behind one proxy, and replies Telegram and Discord refused.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram_support import TOKEN

from bot.config import Moderators
from bot.curation import Request
from bot.curation.listings import USED_FOR, Listings
from bot.records import LIST_KEPT, GapStore
from bot.records.sql import DAY
from bot.service import Asker, Service
from tests import pg_support
from tests.backends import Backend, backend
from tests.fake_telegram import FakeTelegram, entities
from tests.support import Clock
from tests.test_gap_numbers import (
    ANN,
    BIKES,
    CLOAKROOM,
    CY,
    DOG,
    EVE,
    TAG,
    Desk,
    desk,
    gap_of,
    kb,
    kb_folder,
    listed,
    mod,
    moderated,
)
from tests.test_telegram import GROUP, webhook_workers

pytestmark = pytest.mark.timeout(60)
assert backend and desk and kb_folder  # the fixtures: each test runs on the knowledge files and on PostgreSQL


def another(backend: Backend) -> Service:
    """Another instance on the same knowledge and gaps database; Ann ("1") and Cy ("2") moderate there too."""
    return backend.service(moderators=Moderators(telegram_users=frozenset({"1", "2"})))


def on_clock(*services: Service) -> Clock:
    """A clock the test moves, for the moment each of `services` keeps and reads a list by (now, at first)."""
    clock = Clock()
    clock.now = time.time()
    for service in services:
        service.moderation.listings = Listings(clock=clock)
    return clock


# -- every instance, and a restart --------------------------------------------------------------------


def test_a_list_shown_by_one_instance_is_the_one_another_reads(backend: Backend) -> None:
    """Ann lists on A; Cy dismisses gap 1 on B: Ann's `dismiss 2` on B is her 2, bikes, not today's 2, the dog
    (B had no list of hers, and read her number in today's order)."""
    a, b = moderated(backend, "1", "2"), another(backend)
    assert [BIKES in line for line in listed(mod(a, "1", "gaps"))] == [False, True, False]
    assert CLOAKROOM in mod(b, "2", "dismiss", "1")  # Cy never listed: today's 1
    said = mod(b, "1", "dismiss", "2")
    assert said.startswith("Dismissed gap") and BIKES in said, said
    assert DOG in mod(a, "1", "gaps")


def test_the_last_list_counts_on_every_instance_not_one_shown_before(backend: Backend) -> None:
    """Ann lists on A; Cy dismisses gap 1; Ann lists again on B: her `dismiss 1` on A is B's 1, bikes (A read
    it in its own older list, whose 1 is closed, and refused it)."""
    a, b = moderated(backend, "1", "2"), another(backend)
    mod(a, "1", "gaps")
    assert CLOAKROOM in mod(b, "2", "dismiss", "1")
    assert BIKES in listed(mod(b, "1", "gaps"))[0]
    said = mod(a, "1", "dismiss", "1")
    assert said.startswith("Dismissed gap") and BIKES in said, said


def test_a_list_outlives_a_restart(backend: Backend) -> None:
    """Ann lists; the instance stops and a new one starts; Cy dismisses gap 1 there: Ann's `dismiss 2` is
    still her 2, bikes (after a restart it had been today's 2, the dog)."""
    before = moderated(backend, "1", "2")
    mod(before, "1", "gaps")
    before.close()
    after = another(backend)
    assert CLOAKROOM in mod(after, "2", "dismiss", "1")
    said = mod(after, "1", "dismiss", "2")
    assert said.startswith("Dismissed gap") and BIKES in said, said


# -- only once it reached the moderator ----------------------------------------------------------------


def test_a_list_that_never_reached_the_moderator_is_not_theirs(backend: Backend) -> None:
    """Ann's `kb gaps` is made but its reply never delivered (the platform refused it): after Cy dismisses gap 1,
    her `dismiss 2` is today's 2, the dog, not bikes from a list she never saw."""
    service = moderated(backend, "1", "2")
    reply = service.moderate(Request("gaps"), Asker("telegram", "1", "1"))
    assert reply.listing is not None and BIKES in reply.text
    assert CLOAKROOM in mod(service, "2", "dismiss", "1")
    said = mod(service, "1", "dismiss", "2")
    assert said.startswith("Dismissed gap") and DOG in said, said


# -- for 24 hours -------------------------------------------------------------------------------------


def test_past_a_day_a_list_no_longer_names_a_gap_that_moved(backend: Backend) -> None:
    """A day after Ann's list Cy dismisses gap 1: her `dismiss 2` (bikes in her list, the dog today) is refused,
    saying to list again or give the id, and nothing is dismissed; listed again, her 2 is the dog."""
    a, b = moderated(backend, "1", "2"), another(backend)
    clock = on_clock(a, b)
    bikes = gap_of(mod(a, "1", "gaps"), "bike")
    clock.now += USED_FOR + 1
    assert CLOAKROOM in mod(b, "2", "dismiss", "1")
    said = mod(b, "1", "dismiss", "2")
    assert said == (
        f"Your last list (`/kb_gaps`) is over 24 hours old, and its gap 2 ({bikes} “{BIKES}”) is not gap 2 now:"
        " `/kb_gaps` lists the open gaps again, or give a gap's id."
    ), said
    assert [BIKES in line for line in listed(mod(a, "1", "gaps"))] == [True, False]
    said = mod(a, "1", "dismiss", "2")
    assert said.startswith("Dismissed gap") and DOG in said, said


def test_past_a_day_a_number_is_read_in_todays_order(backend: Backend) -> None:
    """Ann listed two gaps (`kb gaps 2`); a day later her `dismiss 3`, past that list, is today's 3, the dog (it
    had been refused as past her list), and her 1, still the cloakroom today, is the cloakroom."""
    service = moderated(backend, "1")
    clock = on_clock(service)
    assert len(listed(mod(service, "1", "gaps", limit=2))) == 2
    clock.now += USED_FOR + 1
    said = mod(service, "1", "dismiss", "3")
    assert said.startswith("Dismissed gap") and DOG in said, said
    said = mod(service, "1", "dismiss", "1")
    assert said.startswith("Dismissed gap") and CLOAKROOM in said, said


def test_a_list_older_than_a_week_is_none(backend: Backend) -> None:
    """A week after Ann's list, before any purge: her numbers are today's order, not refused as moved."""
    service = moderated(backend, "1", "2")
    clock = on_clock(service)
    mod(service, "1", "gaps")
    clock.now += LIST_KEPT + 1
    mod(service, "2", "dismiss", "1")
    said = mod(service, "1", "dismiss", "1")
    assert said.startswith("Dismissed gap") and BIKES in said, said


def test_the_daily_purge_deletes_a_list_a_week_after_it_was_shown(backend: Backend, tmp_path: Path) -> None:
    """The gaps database deletes a list at the first daily purge a week after it was shown; a later one stays."""
    clock = Clock()
    clock.now = time.time()
    if backend.postgres:
        from bot.storage.database import Database
        from bot.storage.records import PostgresGapStore

        assert backend.database_url is not None
        database = Database(backend.database_url)
        store: Any = PostgresGapStore(database, clock=clock)
    else:
        store = GapStore(tmp_path / "data", clock=clock)
    try:
        later = clock.now + 2 * DAY
        store.keep_list("telegram", "1", clock.now, "shown first")
        store.keep_list("telegram", "2", later, "shown two days later")
        clock.now += LIST_KEPT + DAY
        if backend.postgres:  # its writer purges once a day, on its clock
            pg_support.wait_for(lambda: store.kept_list("telegram", "1") is None)
        else:
            store.purge()
        assert store.kept_list("telegram", "1") is None
        assert store.kept_list("telegram", "2") == (later, "shown two days later")
    finally:
        store.close()
        if backend.postgres:
            database.close()


def test_a_list_that_cannot_be_read_is_none_and_the_log_says_so(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    """A row that holds no list (written by hand) is no list: Ann's number is today's order, and a WARNING says why."""
    service = moderated(backend, "1", "2")
    assert service.gaps is not None
    service.gaps.keep_list("telegram", "1", time.time(), '{"shown": [["g000000", "where"]], "cut": false}')
    mod(service, "2", "dismiss", "1")
    said = mod(service, "1", "dismiss", "1")
    assert said.startswith("Dismissed gap") and BIKES in said, said
    assert "telegram moderator's gaps list is unreadable" in caplog.text


# -- the command line -----------------------------------------------------------------------------------


def shown_earlier(backend: Backend, seconds: float) -> None:
    """Every kept list as if shown `seconds` earlier: its moment moved back in the gaps database itself (the
    SQLite file, or the PostgreSQL table), as a list shown then would be stored."""
    query = "UPDATE gap_lists SET at = at - {p}"
    if not backend.postgres:
        with contextlib.closing(sqlite3.connect(backend.folder.parent / "data" / "gaps.sqlite3")) as db, db:
            assert db.execute(query.format(p="?"), (seconds,)).rowcount == 1
        return
    import psycopg

    assert backend.database_url is not None
    with psycopg.connect(backend.database_url, autocommit=True) as conn:
        assert conn.execute(query.format(p="%s"), (seconds,)).rowcount == 1


def test_past_a_day_the_command_lines_list_no_longer_names_a_gap_that_moved(backend: Backend, kb_folder: Path) -> None:
    """The operator's `kb gaps` was printed a day ago; Cy dismisses gap 1 since: their `kb dismiss 2` (bikes in
    that list, the dog today) is refused as on chat, nothing dismissed (the command line kept no list, and had
    dismissed the dog); listed again, their 2 is the dog."""
    service = moderated(backend, "2")
    code, printed = kb(kb_folder, "gaps")
    assert code == 0 and [BIKES in line for line in listed(printed)] == [False, True, False], printed
    shown_earlier(backend, USED_FOR + 1)
    assert CLOAKROOM in mod(service, "2", "dismiss", "1")
    code, said = kb(kb_folder, "dismiss", "2")
    assert code == 1 and said == (
        f"error: Your last list (`kb gaps`) is over 24 hours old, and its gap 2 ({gap_of(printed, 'bike')}"
        f" “{BIKES}”) is not gap 2 now: `kb gaps` lists the open gaps again, or give a gap's id.\n"
    ), said
    code, printed = kb(kb_folder, "gaps")
    assert [BIKES in line for line in listed(printed)] == [True, False], printed
    code, said = kb(kb_folder, "dismiss", "2")
    assert code == 0 and said.startswith("Dismissed gap") and DOG in said, said


# -- through the platforms -------------------------------------------------------------------------

BOT = {"id": 1, "is_bot": True, "first_name": "QA"}
SECRET = "lists_Secret-1"


@dataclass
class Workers:
    """Two Telegram webhook workers, each an instance of its own on the one gaps database, behind one proxy."""

    fake: FakeTelegram
    http: aiohttp.ClientSession
    ports: tuple[int, int]
    ids: itertools.count[int]

    async def says(self, worker: int, user: dict[str, Any], text: str) -> str:
        """`user` sends `text` in their private chat, and the proxy hands it to `worker` (0 or 1); the reply as they
        read it, once that worker is done with the message (a press in the same chat answered after it: a chat's
        updates are handled in order)."""
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        sent, presses = len(self.fake.called("sendMessage")), len(self.fake.called("answerCallbackQuery"))
        message = {"message_id": next(self.ids), "date": int(time.time()), "chat": chat, "from": user, "text": text}
        await self._post(worker, {"message": {**message, "entities": entities(text)}})
        reply = (await self.fake.wait_for("sendMessage", count=sent + 1))[sent]
        shown = {"message_id": 1, "date": 0, "chat": chat, "from": BOT}
        press = {"id": str(next(self.ids)), "from": user, "chat_instance": "1", "message": shown, "data": "marker"}
        await self._post(worker, {"callback_query": press})
        await self.fake.wait_for("answerCallbackQuery", count=presses + 1)
        return html.unescape(TAG.sub("", reply.text))

    async def _post(self, worker: int, update: dict[str, Any]) -> None:
        url, headers = f"http://127.0.0.1:{self.ports[worker]}/tg", {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with self.http.post(url, json={"update_id": next(self.ids), **update}, headers=headers) as response:
            assert response.status == 200


@asynccontextmanager
async def workers(first: Service, second: Service) -> AsyncIterator[Workers]:
    """`first` as the webhook's owner and `second` as a worker, behind one proxy, on a fake of their own."""
    fake = FakeTelegram(TOKEN)
    await fake.start()
    try:
        async with webhook_workers(fake, first, second, SECRET) as ports, aiohttp.ClientSession() as http:
            yield Workers(fake, http, ports, itertools.count(5000))
    finally:
        await fake.stop()


async def test_two_telegram_workers_read_the_moderators_last_list_wherever_it_was_shown(backend: Backend) -> None:
    """Behind a proxy, Ann's /kb_gaps reaches worker A, Cy's /kb_dismiss 1 worker B, Ann's /kb_gaps again worker
    B, and her /kb_dismiss 1 worker A: it is the 1 of her last list (bikes), not of the one A showed her."""
    ann, cy = str(ANN["id"]), str(CY["id"])
    first = moderated(backend, ann, cy)
    second = backend.service(moderators=Moderators(telegram_users=frozenset({ann, cy})))
    async with workers(first, second) as proxy:
        assert CLOAKROOM in listed(await proxy.says(0, ANN, "/kb_gaps"))[0]
        assert (await proxy.says(1, CY, "/kb_dismiss 1")).startswith("Dismissed gap")
        assert BIKES in listed(await proxy.says(1, ANN, "/kb_gaps"))[0]
        said = await proxy.says(0, ANN, "/kb_dismiss 1")
    assert said.startswith("Dismissed gap") and BIKES in said, said


async def test_a_list_telegram_could_not_send_privately_is_not_the_moderators(desk: Desk) -> None:
    """Ann's /kb_gaps in a group goes to her private chat, which she never opened, and Telegram refuses it (403):
    the group reads how to open it, and after Cy dismisses gap 1, Ann's /kb_dismiss 2 is today's 2, the dog."""
    desk.telegram.never_started(ANN)
    sent = len(desk.telegram.called("sendMessage"))
    desk.telegram.message(GROUP, "/kb_gaps", user=ANN)
    [told] = (await desk.telegram.wait_for("sendMessage", count=sent + 1))[sent:]
    assert str(told.params["chat_id"]) == str(GROUP["id"]) and "press Start" in told.text, told.text
    assert (await desk.telegram_says(CY, "/kb_dismiss 1")).startswith("Dismissed gap")
    said = await desk.telegram_says(ANN, "/kb_dismiss 2")  # her private chat is open now: she wrote to the bot
    assert said.startswith("Dismissed gap") and DOG in said, said


@pytest.mark.allow_error_logs  # the reply that failed: "Discord: interaction ... failed", as for any
async def test_a_list_discord_refused_to_show_is_not_the_moderators(desk: Desk) -> None:
    """Discord refuses Bob's /kb gaps reply (and the apology after it): after Eve dismisses gap 1, Bob's
    `/kb dismiss gap:2` is today's 2, the dog, not bikes from a list he never saw."""
    desk.discord.fail("POST", "/interactions/", status=404, times=2)
    interaction = desk.discord.subcommand("kb", "gaps")
    await desk.discord.push("INTERACTION_CREATE", interaction)
    refused = f"/interactions/{interaction['id']}/"
    await desk.discord.wait_for(lambda _: len([c for c in desk.discord.find("POST", refused) if c.status == 404]) == 2)
    assert (await desk.discord_says(EVE, "dismiss", gap="1")).startswith("Dismissed gap")
    said = await desk.discord_says(None, "dismiss", gap="2")
    assert said.startswith("Dismissed gap") and DOG in said, said
