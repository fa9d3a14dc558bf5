"""Two moderators grow one community's knowledge over a month, one on Telegram, one on Discord.

Both bots run in one process through the runner's `serve` (the code path of `python -m adapters
run`), against the fake Telegram Bot API and the fake Discord on 127.0.0.1, on one knowledge folder
(or one PostgreSQL schema: the `backend` fixture). Ann moderates on Telegram, Bob on Discord;
members ask on both. Each test is a moderator's month in miniature: what members asked and the bot
could not answer, the passages and wordings the moderators give it, and what members get after.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.config import Moderators
from bot.service import Service
from tests.backends import Backend, backend, files_only
from tests.discord_support import fake_discord_api, on_both_platforms
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import FakeTelegram
from tests.test_discord import EPHEMERAL, TEST_PASSAGES, callback_for, write_knowledge

pytestmark = pytest.mark.timeout(60)
assert backend  # the fixture: each test taking `community` runs on the files and on PostgreSQL

DISCORD_TOKEN = "MTIzNDU2Nzg5.growing-token.NOT-A-REAL-SECRET"
TELEGRAM_TOKEN = "123456:GROWING-token-0123456789abcdefghij"
ANN = {"id": 4242, "is_bot": False, "first_name": "Ann"}  # the Telegram moderator
ANN_CHAT = {"id": 4242, "type": "private", "first_name": "Ann"}
MEMBER = {"id": 5151, "is_bot": False, "first_name": "Mia"}  # a member asking on Telegram
MEMBER_CHAT = {"id": 5151, "type": "private", "first_name": "Mia"}
DISCORD_MEMBER = "900000000000000077"  # a member asking on Discord
TAG = re.compile(r"</?\w+>")


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    """The community's knowledge: the Discord tests' small handbook."""
    return write_knowledge(tmp_path / "kb", TEST_PASSAGES)


@dataclass
class Community:
    """Both platforms' fakes, the one Service both bots run on, and how it is stored."""

    telegram: FakeTelegram
    discord: FakeDiscord
    service: Service
    backend: Backend

    async def ann(self, text: str) -> str:
        """Ann sends `text` in her private chat on Telegram; the bot's reply, as she reads it."""
        return await self._telegram(ANN_CHAT, ANN, text)

    async def mia(self, text: str) -> str:
        """Mia, a member, asks on Telegram; the bot's reply as she reads it."""
        return await self._telegram(MEMBER_CHAT, MEMBER, text)

    async def _telegram(self, chat: dict[str, Any], user: dict[str, Any], text: str) -> str:
        sent = len(self.telegram.called("sendMessage"))
        self.telegram.message(chat, text, user=user)
        call = (await self.telegram.wait_for("sendMessage", count=sent + 1))[sent]
        return html.unescape(TAG.sub("", call.text))

    async def bob(self, name: str, **options: Any) -> str:
        """Bob runs `/kb name options...` on Discord; the reply only he sees."""
        interaction = self.discord.subcommand("kb", name, **options)
        await self.discord.push("INTERACTION_CREATE", interaction)
        call = await callback_for(self.discord, interaction)
        assert call.body["data"]["flags"] & EPHEMERAL
        return str(call.body["data"]["content"])

    async def dan(self, question: str) -> dict[str, Any]:
        """Dan, a member, asks with /ask on Discord; the reply's data."""
        member = self.discord.user(DISCORD_MEMBER, name="dan")
        interaction = self.discord.command("ask", user=member, question=question)
        await self.discord.push("INTERACTION_CREATE", interaction)
        return dict((await callback_for(self.discord, interaction)).body["data"])


@pytest.fixture
async def community(backend: Backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Community]:
    """Both bots running on one Service; Ann moderates on Telegram, the fake Discord's user (Bob) on Discord."""
    async with fake_discord_api(monkeypatch, DISCORD_TOKEN) as fake_discord:
        moderators = Moderators(
            telegram_users=frozenset({str(ANN["id"])}), discord_users=frozenset({fake_discord.user_id})
        )
        service = backend.service(moderators=moderators, data_dir=tmp_path / "data")
        both = on_both_platforms(fake_discord, service, discord_token=DISCORD_TOKEN, telegram_token=TELEGRAM_TOKEN)
        async with both as fake_telegram:
            yield Community(fake_telegram, fake_discord, service, backend)


def listed(gaps: str) -> list[str]:
    """The gaps' lines of a `kb gaps` reply (its numbered lines)."""
    return [line for line in gaps.splitlines() if re.match(r"\d+\. g[0-9a-f]{6} ", line)]


BIKES = "Bicycles go in the racks behind the library."


async def test_a_passage_added_with_the_members_question_takes_it_off_the_gaps_on_both_platforms(
    community: Community,
) -> None:
    """A member's question not answered is a gap; Ann adds a passage on Telegram giving those words as its
    question, and Bob's `/kb gaps` on Discord no longer lists it (it had, pointing at Ann's passage)."""
    declined = await community.dan("where do bikes go")
    assert "bikes" not in str(declined.get("embeds")), declined
    assert "where do bikes go" in await community.bob("gaps")

    added = await community.ann(f"/kb_add Bicycles | {BIKES} | Where do bikes go?")
    assert "Added passage bicycles. It is live now." in added, added
    assert (await community.dan("where do bikes go"))["embeds"][0]["description"] == BIKES

    gaps = await community.bob("gaps")
    assert not [line for line in listed(gaps) if "bikes" in line], gaps
    community.backend.written(community.service)


async def test_a_question_given_with_kb_edit_on_the_command_line_takes_its_gap_off_the_list(
    community: Community, tmp_path: Path
) -> None:
    """Mia's question on Telegram is a gap; a moderator gives those words to a passage with `kb edit
    --question` on the command line, and Bob's `/kb gaps` on Discord lists only what is still not answered."""
    assert "Women make up" not in await community.mia("Do more women than men escape?")
    assert "Women make up" not in await community.mia("Do women or men pay the brokers?")
    community.backend.written(community.service)
    out = io.StringIO()
    argv = ["kb", "edit", "women-majority", "--question", "Are most defectors women?"]
    argv += ["--question", "Do more women than men escape?", "--knowledge", str(community.backend.folder)]
    assert main([*argv, "--data", str(tmp_path / "data")], out=out) == 0, out.getvalue()
    community.service.reload()  # the other process's change, as the watcher (or the database's follower) brings it

    assert "Women make up" in await community.mia("Do more women than men escape?")
    gaps = await community.bob("gaps")
    assert "“Do women or men pay the brokers?”" in gaps and "escape" not in gaps, gaps


async def test_a_gap_whose_words_a_hand_edit_gave_the_passage_is_closed_by_alias_not_refused(
    community: Community,
) -> None:
    """Mia's question is a gap; someone adds her words to the passage's questions by hand (the watcher
    loads it); Bob's `/kb alias` of the gap, which still lists it, closes it: it had been refused
    ("already has that question") and the gap stayed listed, with no way but dismiss."""
    files_only(community.backend, "a hand edit of a knowledge file")
    assert "Women make up" not in await community.mia("Do more women than men escape?")
    path = community.backend.folder / "test.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["passages"][0]["questions"].append("Do more women than men escape?")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    community.service.reload()  # as the watcher does
    assert "Women make up" in await community.mia("Do more women than men escape?")
    gaps = await community.bob("gaps")
    assert "1. " in gaps and "escape" in gaps, gaps

    said = await community.bob("alias", id="women-majority", question="1")
    assert "already has" in said and "closed" in said, said
    assert "escape" not in await community.bob("gaps")
    assert community.backend.load().get("women-majority").questions == (
        "Are most defectors women?",
        "Do more women than men escape?",
    )
