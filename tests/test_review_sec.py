"""An outside review of security and abuse: what a hostile or careless member, moderator or
operator can make the bot do. Each test proves one defect found today and is marked xfail (strict)
until it is mended; its docstring says the defect. The real python-telegram-bot and discord.py
against the fakes in tests/, the core through its public face, nothing of ours mocked."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot import Answerer, Service
from bot.config import Config, CooldownSettings, Moderators
from tests import pg_support
from tests.discord_support import connected, fake_discord_api
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import fake_bot_api, handled, running, write_handbook
from tests.test_discord import TEST_PASSAGES, write_knowledge

pytestmark = pytest.mark.timeout(60)
schema, url, services = pg_support.schema, pg_support.url, pg_support.services  # the PostgreSQL fixtures


@pytest.fixture
def dc_service(tmp_path: Path) -> Service:
    """A small knowledge base of the test's own, its gaps database beside it; nobody a moderator."""
    return Service(Answerer.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES)))


@pytest.fixture
async def discord_online(monkeypatch: pytest.MonkeyPatch, dc_service: Service) -> AsyncIterator[FakeDiscord]:
    """The bot on `dc_service`, connected to a fresh fake Discord."""
    async with fake_discord_api(monkeypatch) as fake, connected(fake, dc_service):
        yield fake


# Telegram: Ann moderates (listed by id), Bo is a member; the group is a supergroup.
ANN = {"id": 4242, "is_bot": False, "first_name": "Ann"}
ANN_CHAT = {"id": 4242, "type": "private", "first_name": "Ann"}
BO = {"id": 4343, "is_bot": False, "first_name": "Bo"}
BO_CHAT = {"id": 4343, "type": "private", "first_name": "Bo"}
GROUP = {"id": -1001234, "type": "supergroup", "title": "Community"}
BOS_PRIVATE_QUESTION = "My phone is +31 6 1234 5678, can someone call me about the wifi password?"


@pytest.fixture
async def telegram(caplog: pytest.LogCaptureFixture) -> AsyncIterator[FakeTelegram]:
    """A fresh fake Bot API; afterwards, the token is in no log record nor request."""
    async with fake_bot_api(caplog, check_requests=True) as fake:
        yield fake


def tg_service(tmp_path: Path, **config: Any) -> Service:
    """The handbook, Ann the one moderator by id, a data folder of the test's own, no cooldown in the way."""
    moderators = Moderators(telegram_users=frozenset({str(ANN["id"])}))
    settings = Config(moderators=moderators, data_dir=tmp_path / "data", cooldown=CooldownSettings(burst=100))
    return Service.from_directory(write_handbook(tmp_path / "knowledge"), dataclasses.replace(settings, **config))


async def said(fake: FakeTelegram, chat: dict[str, Any], text: str, user: dict[str, Any]) -> list[str]:
    """Send one message and return the text of every message the bot sent for it, as a user reads it."""
    before = len(fake.called("sendMessage"))
    fake.message(chat, text, user=user)
    await fake.wait_for("sendMessage", before + 1)
    await handled(fake, chat)
    return [html.unescape(re.sub(r"<[^>]+>", "", call.text)) for call in fake.called("sendMessage")[before:]]


@pytest.mark.xfail(strict=True, reason="review: /kb_history in a group publishes members' private questions")
async def test_kb_history_in_a_group_does_not_publish_what_members_asked_in_private(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    """A member asks the bot privately with their phone number in the question; the moderator aliases
    that gap (in private, as /kb_alias of a gap sent in a group would be). Later the moderator sends
    /kb_history in the group: the history's "+ question:" line quotes the member's words to the whole
    group, the very words /kb_gaps, /kb_dismiss and /kb_alias keep out of groups. Its reply should go
    to the moderator's private chat as theirs do."""
    async with running(telegram, tg_service(tmp_path)):
        await said(telegram, BO_CHAT, BOS_PRIVATE_QUESTION, BO)
        await said(telegram, ANN_CHAT, "/kb_alias code-of-conduct | 1", ANN)
        shown = await said(telegram, GROUP, "/kb_history", ANN)
    to_group = [call.text for call in telegram.called("sendMessage") if str(call.params["chat_id"]) == str(GROUP["id"])]
    assert shown and not any("1234 5678" in text for text in to_group), to_group
