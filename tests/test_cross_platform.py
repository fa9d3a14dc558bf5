"""Both platforms in one process on one core: a change made on Discord is answered on Telegram.

`adapters.runner.serve` (the code path of `python -m adapters run`) starts the Discord and the Telegram
adapters together, with both tokens set and both fakes (tests/fake_discord.py,
tests/fake_telegram.py) running on 127.0.0.1; the knowledge and data folders are in tmp_path.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import Config, Moderators
from bot.curation.moderation import NOT_MODERATOR
from bot.service import Service
from tests.discord_support import fake_discord_api, on_both_platforms
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import Call as TelegramCall
from tests.fake_telegram import FakeTelegram
from tests.test_discord import EPHEMERAL, TEST_PASSAGES, callback_for, write_knowledge

pytestmark = pytest.mark.timeout(30)

DISCORD_TOKEN = "MTIzNDU2Nzg5.cross-platform-token.NOT-A-REAL-SECRET"
TELEGRAM_TOKEN = "123456:CROSS-platform-token-0123456789abcd"
TELEGRAM_USER = {"id": 4242, "is_bot": False, "first_name": "Ann"}
PRIVATE = {"id": 4242, "type": "private", "first_name": "Ann"}
QUESTION = "Where can I park my bike?"
TAG = re.compile(r"</?\w+>")


@dataclass
class Both:
    """The two fakes, the shared Service, and the running process's task."""

    discord: FakeDiscord
    telegram: FakeTelegram
    service: Service


@pytest.fixture
async def both(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Both]:
    """Both bots running through the runner on one Service; the Discord fake's user is a moderator."""
    async with fake_discord_api(monkeypatch, DISCORD_TOKEN) as fake_discord:
        config = Config(
            moderators=Moderators(discord_users=frozenset({fake_discord.user_id})), data_dir=tmp_path / "data"
        )
        service = Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES), config)
        both = on_both_platforms(fake_discord, service, discord_token=DISCORD_TOKEN, telegram_token=TELEGRAM_TOKEN)
        async with both as fake_telegram:
            yield Both(fake_discord, fake_telegram, service)


async def telegram_reply(fake: FakeTelegram, text: str) -> TelegramCall:
    """Send `text` in the private chat; the bot's first new message, as the user sees it."""
    sent = len(fake.called("sendMessage"))
    fake.message(PRIVATE, text, user=TELEGRAM_USER)
    return (await fake.wait_for("sendMessage", count=sent + 1))[sent]


def visible(call: TelegramCall) -> str:
    return html.unescape(TAG.sub("", call.text))


async def test_passage_added_on_discord_is_answered_on_telegram(both: Both) -> None:
    """/kb add through the Discord modal; the next question on Telegram gets the new passage."""
    before = visible(await telegram_reply(both.telegram, QUESTION))
    assert "behind the library" not in before

    fake = both.discord
    command = fake.subcommand("kb", "add")
    await fake.push("INTERACTION_CREATE", command)
    modal = await callback_for(fake, command)
    assert modal.body["type"] == 9
    values = {
        "section": "Bicycles",
        "text": "Bicycle parking is behind the library, free for everyone.",
        "questions": QUESTION,
    }
    submitted = fake.modal_submit(modal.body["data"], values)
    await fake.push("INTERACTION_CREATE", submitted)
    done = await callback_for(fake, submitted)
    assert done.body["data"]["flags"] & EPHEMERAL and "Added passage" in done.body["data"]["content"]

    after = visible(await telegram_reply(both.telegram, QUESTION))
    assert "Bicycle parking is behind the library, free for everyone." in after
    assert "Bicycles" in after


async def test_non_moderator_is_refused_on_both_platforms(both: Both) -> None:
    """Someone who is not a moderator gets the core's refusal on Discord and on Telegram; nothing changes."""
    fake = both.discord
    stranger = fake.user("900000000000000050", name="stranger")
    command = fake.subcommand("kb", "remove", id="jobs", user=stranger, permissions="0")
    await fake.push("INTERACTION_CREATE", command)
    refused = await callback_for(fake, command)
    assert refused.body["data"]["content"] == NOT_MODERATOR and refused.body["data"]["flags"] & EPHEMERAL

    assert visible(await telegram_reply(both.telegram, "/kb_remove jobs")) == NOT_MODERATOR
    assert both.service.answerer.kb.get("jobs") is not None
