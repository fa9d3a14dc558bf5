"""Outside review of the Telegram side (session 25): each test proves one defect a member, a
moderator or an operator meets, through the real python-telegram-bot against the fake Bot API.

Every test is marked xfail(strict=True) until its defect is mended; the fixer removes the mark.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram_support import fake_bot_api, handled, running, write_handbook

from bot import Service
from bot import knowledge as kb
from bot.config import Config, CooldownSettings, Moderators
from tests.fake_telegram import FakeTelegram

USER = {"id": 4242, "is_bot": False, "first_name": "Ann", "language_code": "en"}
MEMBER = {"id": 4343, "is_bot": False, "first_name": "Bo"}
PRIVATE = {"id": 4242, "type": "private", "first_name": "Ann"}
MEMBER_CHAT = {"id": 4343, "type": "private", "first_name": "Bo"}
GROUP = {"id": -1001234, "type": "supergroup", "title": "Community"}
CHANNEL = {"id": -1009999, "type": "channel", "title": "Community news"}
PHOTO = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]


@pytest.fixture
async def fake(caplog: pytest.LogCaptureFixture) -> AsyncIterator[FakeTelegram]:
    """The fake Bot API; afterwards the token is in no log record and no request."""
    async with fake_bot_api(caplog, check_requests=True) as telegram:
        yield telegram


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    return write_handbook(tmp_path / "knowledge")


def moderated(folder: Path) -> Service:
    """The core on `folder` with Ann as the one moderator by id, no cooldown in the way."""
    config = Config(
        moderators=Moderators(telegram_users=frozenset({str(USER["id"])})),
        data_dir=folder.parent / "data",
        cooldown=CooldownSettings(burst=100),
    )
    return Service.from_directory(folder, config)


def photo(chat: dict[str, Any], message_id: int, **fields: Any) -> dict[str, Any]:
    """A photo message from Ann in `chat`, as Telegram delivers it (`fields`: caption, media_group_id...)."""
    return {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": USER, "photo": PHOTO, **fields}


@pytest.mark.xfail(strict=True, reason="review: a moderator's edited /kb_add is dropped without a word")
async def test_a_moderators_edited_command_is_not_dropped_without_a_word(fake: FakeTelegram, handbook: Path) -> None:
    """A moderator sends "/kb_add Parking | Bikes go in the racks behnd the library.", sees the typo
    and edits the message to fix it, as every Telegram user fixes a typo. docs/telegram.md chose that
    an edited command never runs again, but the moderator is not told: the passage keeps "behnd",
    and nothing shows that the fix was not applied (a moderator's change lost in silence)."""
    async with running(fake, moderated(handbook)):
        sent = fake.message(PRIVATE, "/kb_add Parking | Bikes go in the racks behnd the library.", user=USER)
        await handled(fake, PRIVATE)
        fake.edit(sent, "/kb_add Parking | Bikes go in the racks behind the library.")
        await handled(fake, PRIVATE)
    replies = fake.called("sendMessage") + fake.called("editMessageText")
    fixed = any("racks behind" in p.text for p in kb.load(handbook).passages)
    assert fixed or len(replies) > 1, [c.text for c in replies]
