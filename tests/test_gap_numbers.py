"""A gap's number means the gap it showed in the list its moderator last saw, not in today's order.

Two moderators on each platform work the same gaps: Ann and Cy on Telegram, Bob and Eve on Discord,
through the fake Telegram Bot API and the fake Discord on 127.0.0.1 (the runner's `serve`, both bots
on one Service), on the knowledge files and on PostgreSQL (the `backend` fixture). When one closes a
gap, the numbers the other read a moment before no longer follow today's order: a number is read in
the reader's own last list, and a gap closed since is refused by name, never another acted on.
"""

from __future__ import annotations

import contextlib
import html
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import Moderators
from bot.curation import Request
from bot.curation.listings import MAX_MODERATORS
from bot.service import Asker, Service
from tests.backends import Backend, backend, files_only
from tests.discord_support import fake_discord_api, on_both_platforms
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import FakeTelegram
from tests.test_discord import EPHEMERAL, TEST_PASSAGES, callback_for, write_knowledge

pytestmark = pytest.mark.timeout(60)
assert backend  # the fixture: each test runs on the knowledge files and on PostgreSQL

DISCORD_TOKEN = "MTIzNDU2Nzg5.gapnum-token.NOT-A-REAL-SECRET"
TELEGRAM_TOKEN = "123456:GAPNUM-token-0123456789abcdefghijkl"
ANN = {"id": 4242, "is_bot": False, "first_name": "Ann"}
CY = {"id": 4343, "is_bot": False, "first_name": "Cy"}
EVE = "900000000000000099"  # Discord's second moderator; Bob is the fake's own user
TAG = re.compile(r"</?\w+>")

# Three gaps, most asked first: each asked by that many members, so the order is known.
CLOAKROOM, BIKES, DOG = "Is there a cloakroom?", "where do I park my bike", "can I bring my dog"
ASKED = [(CLOAKROOM, 3), (BIKES, 2), (DOG, 1)]


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    """The community's knowledge: the Discord tests' small handbook."""
    return write_knowledge(tmp_path / "kb", TEST_PASSAGES)


def seeded(service: Service, backend: Backend) -> Service:
    """`service` with the three gaps recorded, as members on Telegram asked them."""
    member = 100
    for question, times in ASKED:
        for _ in range(times):
            member += 1
            assert service.ask(question, Asker("telegram", str(member), str(member))).fallback, question
    backend.written(service)
    return service


@dataclass
class Desk:
    """Both platforms' fakes and the one Service both bots run on."""

    telegram: FakeTelegram
    discord: FakeDiscord
    service: Service

    async def telegram_says(self, user: dict[str, Any], text: str) -> str:
        """A Telegram moderator sends `text` in their private chat; the reply as they read it."""
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        sent = len(self.telegram.called("sendMessage"))
        self.telegram.message(chat, text, user=user)
        call = (await self.telegram.wait_for("sendMessage", count=sent + 1))[sent]
        return html.unescape(TAG.sub("", call.text))

    async def discord_says(self, user: str | None, name: str, **options: Any) -> str:
        """A Discord moderator (None: Bob) runs `/kb name options...`; the reply only they see."""
        who = self.discord.user(user, name="eve") if user else None
        interaction = self.discord.subcommand("kb", name, user=who, **options)
        await self.discord.push("INTERACTION_CREATE", interaction)
        call = await callback_for(self.discord, interaction)
        assert call.body["data"]["flags"] & EPHEMERAL
        return str(call.body["data"]["content"])


@pytest.fixture
async def desk(backend: Backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Desk]:
    """Both bots on one Service with the three gaps recorded; two moderators on each platform."""
    async with fake_discord_api(monkeypatch, DISCORD_TOKEN) as fake_discord:
        moderators = Moderators(
            telegram_users=frozenset({str(ANN["id"]), str(CY["id"])}),
            discord_users=frozenset({fake_discord.user_id, EVE}),
        )
        service = seeded(backend.service(moderators=moderators, data_dir=tmp_path / "data"), backend)
        both = on_both_platforms(fake_discord, service, discord_token=DISCORD_TOKEN, telegram_token=TELEGRAM_TOKEN)
        async with both as fake_telegram:
            yield Desk(fake_telegram, fake_discord, service)


def listed(gaps: str) -> list[str]:
    """The numbered lines of a gaps listing."""
    return [line for line in gaps.splitlines() if re.match(r"\d+\. g[0-9a-f]{6} ", line)]


def gap_of(gaps: str, words: str) -> str:
    """The id of the listed gap whose line holds `words`."""
    [line] = [line for line in listed(gaps) if words in line]
    return line.split()[1]


async def test_on_telegram_a_number_means_the_gap_the_moderators_own_list_showed(desk: Desk) -> None:
    """Ann lists (2 is bikes); Cy dismisses 1; Ann's `/kb_alias jobs | 2` attaches bikes, not the dog gap."""
    ann_list = await desk.telegram_says(ANN, "/kb_gaps")
    assert [BIKES in line for line in listed(ann_list)] == [False, True, False], ann_list
    await desk.telegram_says(CY, "/kb_gaps")
    assert (await desk.telegram_says(CY, "/kb_dismiss 1")).startswith("Dismissed gap"), "Cy's dismiss"

    aliased = await desk.telegram_says(ANN, "/kb_alias jobs | 2")
    assert aliased.startswith(f"Attached “{BIKES}” to jobs."), aliased
    now = await desk.telegram_says(CY, "/kb_gaps")
    assert DOG in now and BIKES not in now, now


async def test_on_telegram_a_gap_closed_since_the_list_is_refused_by_name(desk: Desk) -> None:
    """Cy dismisses gap 1; Ann's `/kb_dismiss 1` from her earlier list names the closed gap and leaves gap 2 open."""
    ann_list = await desk.telegram_says(ANN, "/kb_gaps")
    cloakroom = gap_of(ann_list, "cloakroom")
    await desk.telegram_says(CY, "/kb_gaps")
    await desk.telegram_says(CY, "/kb_dismiss 1")

    refused = await desk.telegram_says(ANN, "/kb_dismiss 1")
    assert refused == (
        f"Gap 1 ({cloakroom} “{CLOAKROOM}”) was closed since your list: /kb_gaps lists the open gaps now."
    ), refused
    still = await desk.telegram_says(ANN, "/kb_gaps")
    assert [BIKES in line for line in listed(still)][:1] == [True] and DOG in still, still


async def test_on_discord_a_number_means_the_gap_the_moderators_own_list_showed(desk: Desk) -> None:
    """Bob lists; Eve lists and dismisses 1; Bob's `/kb alias question:2` attaches bikes; his dismiss 1 is refused."""
    bob_list = await desk.discord_says(None, "gaps")
    cloakroom = gap_of(bob_list, "cloakroom")
    await desk.discord_says(EVE, "gaps")
    assert (await desk.discord_says(EVE, "dismiss", gap="1")).startswith("Dismissed gap")

    aliased = await desk.discord_says(None, "alias", id="jobs", question="2")
    assert aliased.startswith(f"Attached “{BIKES}” to `jobs`."), aliased
    refused = await desk.discord_says(None, "dismiss", gap="1")
    assert refused == (
        f"Gap 1 ({cloakroom} “{CLOAKROOM}”) was closed since your list: `/kb gaps` lists the open gaps now."
    ), refused
    assert DOG in await desk.discord_says(EVE, "gaps")


async def test_a_list_on_one_platform_is_not_the_list_of_a_moderator_on_the_other(desk: Desk) -> None:
    """Ann lists on Telegram; Bob, who never listed, dismisses 1 on Discord in today's order; Ann's 2 is still bikes."""
    await desk.telegram_says(ANN, "/kb_gaps")
    assert "Is there a cloakroom?" in await desk.discord_says(None, "dismiss", gap="1")
    aliased = await desk.telegram_says(ANN, "/kb_alias jobs | 2")
    assert aliased.startswith(f"Attached “{BIKES}” to jobs."), aliased


def moderated(backend: Backend, *users: str) -> Service:
    """A Service (no platform running) whose Telegram moderators are `users`, with the three gaps."""
    return seeded(backend.service(moderators=Moderators(telegram_users=frozenset(users))), backend)


def mod(service: Service, user: str, command: str, question: str = "", **fields: Any) -> str:
    """Moderator `user` (Telegram, private chat) runs `command` and reads the reply, as an adapter reports it
    (`delivered`: a gaps list it shows is theirs); the reply's text."""
    asker = Asker("telegram", user, user)
    reply = service.moderate(Request(command, question=question, **fields), asker)
    service.delivered(reply, asker)
    return reply.text


def test_without_a_list_kept_a_number_is_read_in_todays_order(backend: Backend) -> None:
    """A moderator who never listed has no list: `/kb_dismiss 1` closes today's first gap and names it, also
    after another moderator's dismissal moved the order."""
    service = moderated(backend, "1", "2")
    mod(service, "2", "gaps")
    mod(service, "2", "dismiss", "1")  # the cloakroom: bikes is first now
    said = mod(service, "1", "dismiss", "1")
    assert said.startswith("Dismissed gap") and BIKES in said, said


def test_a_number_past_the_moderators_list_is_refused_not_read_in_todays_order(backend: Backend) -> None:
    """Ann listed two gaps (`/kb_gaps 2`): her 3 is refused with the list's length, though a third gap is open."""
    service = moderated(backend, "1")
    assert len(listed(mod(service, "1", "gaps", limit=2))) == 2
    said = mod(service, "1", "dismiss", "3")
    assert said == "Your last list (`/kb_gaps`) showed 2 gaps: give one of their numbers, or a gap's id.", said
    assert DOG in mod(service, "1", "gaps")


def test_a_gap_regrouped_since_the_list_under_another_id_is_the_one_acted_on(backend: Backend) -> None:
    """Members ask a listed gap in other words until those lead its group (a new id): its number still names it."""
    service = moderated(backend, "1", "2")
    listing = mod(service, "1", "gaps")
    old = gap_of(listing, "bike")
    for member in range(200, 203):  # the same question, more often, in more words: it leads the group now
        asked = service.ask("where do I park my bike at night", Asker("telegram", str(member), str(member)))
        assert asked.fallback
    backend.written(service)
    now = mod(service, "2", "gaps")  # another moderator's list: Ann's stays the one she read
    assert old not in now and "bike at night" in now, now  # one group, named after its new lead
    said = mod(service, "1", "dismiss", "2")
    assert said.startswith("Dismissed gap") and "bike" in said, said
    assert "bike" not in mod(service, "1", "gaps")


def test_the_lists_kept_are_bounded_the_oldest_deleted(backend: Backend) -> None:
    """Past MAX_MODERATORS listers, the first one's list is deleted: their number is read in today's order again."""
    users = [str(n) for n in range(1, MAX_MODERATORS + 2)]
    service = moderated(backend, *users)
    mod(service, "1", "gaps")
    mod(service, "2", "dismiss", "1")  # the cloakroom, in today's order (2 never listed)
    assert "closed since your list" in mod(service, "1", "dismiss", "1")  # still kept
    for user in users[1:]:
        mod(service, user, "gaps")
    said = mod(service, "1", "dismiss", "1")
    assert said.startswith("Dismissed gap") and BIKES in said, said


def kb(kb_folder: Path, *args: str) -> tuple[int, str]:
    """`python -m bot kb ARGS` on the folder, run by the CLI's main as the operator types it; its exit code and
    what it printed (its output, else its `error:` line)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["kb", *args, "--knowledge", str(kb_folder)], out=out)
    return code, out.getvalue() or err.getvalue()


def test_the_command_line_reads_a_number_in_the_list_it_printed(backend: Backend, kb_folder: Path) -> None:
    """The operator prints `kb gaps`; Ann on Telegram, who never listed, dismisses today's 1: the operator's
    `kb dismiss 2` is bikes, their 2 (it had been today's 2, the dog), and their 1 is refused as closed since."""
    service = moderated(backend, "1")
    code, printed = kb(kb_folder, "gaps")
    assert code == 0 and [BIKES in line for line in listed(printed)] == [False, True, False], printed
    assert CLOAKROOM in mod(service, "1", "dismiss", "1")  # Ann's own numbers: the CLI's list is not hers
    code, said = kb(kb_folder, "dismiss", "2")
    assert code == 0 and said.startswith("Dismissed gap") and BIKES in said, said
    code, said = kb(kb_folder, "dismiss", "1")
    cloakroom = gap_of(printed, "cloakroom")
    assert code == 1 and said == (
        f"error: Gap 1 ({cloakroom} “{CLOAKROOM}”) was closed since your list: `kb gaps` lists the open gaps now.\n"
    ), said
    assert DOG in mod(service, "1", "gaps")


def test_a_list_the_command_line_printed_from_the_data_folder_alone_is_kept(backend: Backend, kb_folder: Path) -> None:
    """With a knowledge file broken by a hand edit, `kb gaps` reads the data folder alone: the list it printed is
    kept all the same, so once the file is mended the operator's `kb dismiss 2` after Ann's dismissal is bikes."""
    files_only(backend, "a broken file in the folder: with a database the database's knowledge loads")
    service = moderated(backend, "1")
    broken = kb_folder / "broken.yaml"
    broken.write_text("source: {title: X}\npassages: [unclosed\n", encoding="utf-8")
    code, printed = kb(kb_folder, "gaps")
    assert code == 0 and [BIKES in line for line in listed(printed)] == [False, True, False], printed
    broken.unlink()
    assert CLOAKROOM in mod(service, "1", "dismiss", "1")
    code, said = kb(kb_folder, "dismiss", "2")
    assert code == 0 and said.startswith("Dismissed gap") and BIKES in said, said


def test_a_number_in_full_width_digits_is_read_in_the_moderators_own_list(backend: Backend) -> None:
    """A Japanese or Chinese keyboard types ２ for 2: Ann's `/kb_dismiss ２` after Cy closed gap 1 is her 2, bikes,
    as her `2` is (it had been read in today's order, where 2 is the dog gap, and dismissed that for good)."""
    service = moderated(backend, "1", "2")
    assert [BIKES in line for line in listed(mod(service, "1", "gaps"))] == [False, True, False]
    mod(service, "2", "gaps")
    assert mod(service, "2", "dismiss", "1").startswith("Dismissed gap")  # Cy: the cloakroom
    said = mod(service, "1", "dismiss", "２")
    assert said.startswith("Dismissed gap") and BIKES in said, said
    assert DOG in mod(service, "1", "gaps")
