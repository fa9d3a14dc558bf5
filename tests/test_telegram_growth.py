"""What the Telegram adapter learns of each chat stays bounded, however many chats a community brings over
weeks: the real bot against the fake Bot API, the entries counted after hundreds of distinct chats (never timed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram.ext import Application
from telegram_support import handled, running, write_handbook

from adapters.tg.moderation import _ADMINS_FOUND
from adapters.tg.upgrades import _UPGRADED
from bot.config import Config, CooldownSettings, Moderators
from bot.service import Service
from tests.fake_telegram import BOT_USERNAME, FakeTelegram
from tests.support import live

pytestmark = pytest.mark.timeout(120)

CHATS = 300  # more chats than the adapter remembers of (256)


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    return write_handbook(tmp_path / "knowledge")


def group(n: int, kind: str = "supergroup") -> dict[str, object]:
    return {"id": -1_000_000 - n, "type": kind, "title": f"Group {n}"}


def member(n: int) -> dict[str, object]:
    return {"id": 50_000 + n, "is_bot": False, "first_name": f"M{n}"}


async def test_groups_upgraded_are_remembered_within_a_bound(fake: FakeTelegram, knowledge: Path) -> None:
    """300 basic groups are upgraded to supergroups, each told by Telegram's service messages: the bot
    remembers at most 256 of them (every one had been kept for as long as it ran), the latest among them."""
    service = Service.from_directory(knowledge, Config(data_dir=knowledge.parent / "data"))
    async with running(fake, service):
        for n in range(CHATS):
            fake.upgrade(group(n, "group"), -1_009_000_000 - n, user=member(n))
        await handled(fake, {"id": -1_009_000_000 - (CHATS - 1), "type": "supergroup"})
        upgraded = live(Application).bot_data[_UPGRADED]
        assert len(upgraded) <= 256
        assert upgraded.get(group(CHATS - 1)["id"]) == -1_009_000_000 - (CHATS - 1)


async def test_group_administrators_found_are_remembered_within_a_bound(fake: FakeTelegram, knowledge: Path) -> None:
    """In 300 groups where administrators moderate, each group's administrator sends /kb_gaps and is looked up:
    the bot remembers at most 256 administrators found (every one had been kept for as long as it ran)."""
    admin_chats = frozenset(str(group(n)["id"]) for n in range(CHATS))
    moderators = Moderators(telegram_group_admins=True, telegram_admin_chats=admin_chats)
    config = Config(data_dir=knowledge.parent / "data", moderators=moderators, cooldown=CooldownSettings(burst=100))
    async with running(fake, Service.from_directory(knowledge, config)):
        for n in range(CHATS):
            fake.set_member(group(n), member(n), "administrator")
            fake.message(group(n), f"/kb_gaps@{BOT_USERNAME}", user=member(n))
        await fake.wait_for("getChatMember", CHATS, timeout=60)
        for n in range(CHATS):
            await handled(fake, group(n))
        found = live(Application).bot_data[_ADMINS_FOUND]
        assert len(found) <= 256
        assert (group(CHATS - 1)["id"], member(CHATS - 1)["id"]) in found


async def test_no_chat_or_member_is_marked_for_a_persistence_the_bot_has_none_of(
    fake: FakeTelegram, knowledge: Path
) -> None:
    """300 members each ask in a private chat and in a group of their own: python-telegram-bot's sets of chats
    and users to save to a persistence stay empty (with none set, nothing emptied them: every one stayed)."""
    service = Service.from_directory(knowledge, Config(data_dir=knowledge.parent / "data"))
    async with running(fake, service):
        for n in range(CHATS):
            user = member(n)
            fake.message({"id": user["id"], "type": "private", "first_name": "M"}, "When do we meet?", user=user)
            fake.message(group(n), f"@{BOT_USERNAME} When do we meet?", user=user)
        await fake.wait_for("sendMessage", 2 * CHATS, timeout=60)
        app = live(Application)
        assert app.persistence is None
        assert app._chat_ids_to_be_updated_in_persistence == set()
        assert app._user_ids_to_be_updated_in_persistence == set()
