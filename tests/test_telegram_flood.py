"""Floods of commands: every reply passes the core's budget, and one chat's backlog delays no other chat."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import BOT_USERNAME, Call, FakeTelegram, Fault
from telegram_support import handled, running, write_handbook

from bot import Service
from bot.config import ChatCooldownSettings, Config, CooldownSettings
from bot.messages import COOLDOWN

GROUP = {"id": -1009999, "type": "supergroup", "title": "Busy"}
MEMBER = {"id": 5151, "is_bot": False, "first_name": "Flo"}
ASKER = {"id": 5252, "is_bot": False, "first_name": "Pat"}
PRIVATE = {"id": 5252, "type": "private", "first_name": "Pat"}
COMMANDS = [
    "/help",
    f"/help@{BOT_USERNAME}",
    "/sources",
    "/ask",
    "/kb_remove parking",
    "/kb_add no separator",
    "/start",
]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    """The handbook with the default limits: 5 at once per user, 20 per chat, then one every few seconds."""
    config = Config(
        data_dir=tmp_path / "data",
        cooldown=CooldownSettings(burst=5, interval=600.0),
        chat_cooldown=ChatCooldownSettings(burst=20, interval=600.0),
    )
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"), config)
    yield service
    service.close()


def sent_to(fake: FakeTelegram, chat: dict[str, Any]) -> list[Call]:
    return [c for c in fake.called("sendMessage") if c.params["chat_id"] == str(chat["id"])]


async def test_commands_from_one_member_pass_the_cooldown(fake: FakeTelegram, service: Service) -> None:
    """200 commands (help, sources, bare /ask, refused and malformed /kb_*) from one member: 5 replies and one note."""
    async with running(fake, service):
        for n in range(200):
            fake.message(GROUP, COMMANDS[n % len(COMMANDS)], user=MEMBER)
            if n % 50 == 49:  # in waves, as a person's script sends them: none is dropped as a flood
                await handled(fake, GROUP)
        await handled(fake, GROUP)
    in_group = sent_to(fake, GROUP)
    assert len(in_group) == 6
    assert sum(COOLDOWN in c.text for c in in_group) == 1


async def test_unknown_commands_in_a_private_chat_pass_the_cooldown(fake: FakeTelegram, service: Service) -> None:
    """Each unknown /command got its pointer to /help whatever the member's budget: a member already
    over it made the bot send 200 messages, and one 429 on that chat paused every answer of the bot."""
    async with running(fake, service):
        for n in range(200):
            fake.message(PRIVATE, f"/x{n}" if n % 2 else "When do we meet?", user=ASKER)
            if n % 50 == 49:
                await handled(fake, PRIVATE)
        await handled(fake, PRIVATE)
    replies = sent_to(fake, PRIVATE)
    assert len(replies) == 6
    assert sum(COOLDOWN in c.text for c in replies) == 1


async def test_a_group_flood_does_not_delay_a_private_question(
    fake: FakeTelegram, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """4,200 /help in one group, then a private question, then more flood: it is answered while the flood goes on.

    The group's excess is dropped with one WARNING, the group gets at most its budget, and the bot
    stops within its limit right after.
    """
    answered = asyncio.Event()
    fake.on_sent = lambda call: call.params["chat_id"] == str(PRIVATE["id"]) and answered.set()
    flooders = [{"id": 6000 + n, "is_bot": False, "first_name": f"F{n}"} for n in range(300)]
    async with running(fake, service, stop_within=10):
        for n in range(4200):
            fake.message(GROUP, "/help", user=flooders[n % len(flooders)])
        fake.message(PRIVATE, "When do we meet?", user=ASKER)
        more = 0
        async with asyncio.timeout(30):  # the flood goes on until the answer came (or 30 s: failed)
            while not answered.is_set():
                for _ in range(50):
                    fake.message(GROUP, "/help", user=flooders[more % len(flooders)])
                    more += 1
                await asyncio.sleep(0.01)
        assert "every Thursday" in sent_to(fake, PRIVATE)[0].text
    assert len(sent_to(fake, GROUP)) <= 21  # the chat's 20, and one note
    flooding = [r for r in caplog.records if "is flooding" in r.getMessage()]
    assert len(flooding) >= 1 and all(r.levelno == logging.WARNING for r in flooding)


ANONYMOUS = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
OTHER_GROUP = {"id": -1008888, "type": "supergroup", "title": "Quiet"}


async def test_members_posting_as_channels_each_have_their_own_cooldown(fake: FakeTelegram, service: Service) -> None:
    """A message posted as a channel comes `from` Telegram's one placeholder bot: keyed by that, the
    first channel's flood in one group silenced every channel in every other group."""
    loud = {"id": -2001, "type": "channel", "title": "Loud news"}
    quiet = {"id": -2002, "type": "channel", "title": "Quiet news"}
    async with running(fake, service):
        for _ in range(8):  # past the per-user burst of 5
            fake.message(GROUP, f"@{BOT_USERNAME} When do we meet?", user=CHANNEL_BOT, sender_chat=loud)
        await handled(fake, GROUP)
        fake.message(OTHER_GROUP, f"@{BOT_USERNAME} When do we meet?", user=CHANNEL_BOT, sender_chat=quiet)
        await handled(fake, OTHER_GROUP)
    assert len(sent_to(fake, GROUP)) == 6  # five answers and one cooldown note
    [answer] = sent_to(fake, OTHER_GROUP)
    assert "every Thursday" in answer.text


async def test_a_groups_anonymous_admins_have_their_own_cooldown_and_the_groups(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Posted as the group, an anonymous admin is keyed apart from the chat (whose id a private chat's
    user would share) so the group's own limit holds for them too: here 2, under the user's 5."""
    config = Config(
        data_dir=tmp_path / "data",
        cooldown=CooldownSettings(burst=5, interval=600.0),
        chat_cooldown=ChatCooldownSettings(burst=2, interval=600.0),
    )
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"), config)
    try:
        async with running(fake, service):
            for _ in range(5):
                fake.message(GROUP, f"@{BOT_USERNAME} When do we meet?", user=ANONYMOUS, sender_chat=GROUP)
            await handled(fake, GROUP)
    finally:
        service.close()
    assert len(sent_to(fake, GROUP)) == 3  # the group's two answers and one note


async def test_a_busy_groups_chatter_during_a_slow_reply_does_not_drop_a_later_question(
    fake: FakeTelegram, service: Service
) -> None:
    """With privacy mode off (docs/telegram.md allows it: the bot then receives all the group's
    traffic and answers only what is addressed to it), a busy group chats on while one answer is held
    up by Telegram (a slow sendMessage). Every message waited for its chat's turn, and past 256
    waiting the bot dropped whatever came: the question addressed to it after the chatter was never
    answered, nor told anything, though the chatter needed no reply."""
    fake.inject("sendMessage", Fault(delay=8.0))  # the first answer is slow to go out (answered after 8 s)
    async with running(fake, service, TELEGRAM_REQUEST_TIMEOUT="30"):
        fake.message(GROUP, f"@{BOT_USERNAME} When do we meet?", user=ASKER)
        for i in range(300):
            fake.message(GROUP, f"chatting among ourselves, line {i}", user=MEMBER)
        last = fake.message(GROUP, f"@{BOT_USERNAME} How much is the membership fee?", user=MEMBER)
        await fake.wait_for("sendMessage", timeout=30)  # the slow answer is out: the chat's queue drains
        await handled(fake, GROUP)
    answered = [c for c in fake.called("sendMessage") if c.params.get("reply_parameters")]
    replied_to = [int(c.params["reply_parameters"]["message_id"]) for c in answered]
    assert last["message_id"] in replied_to, replied_to
    assert len(answered) == 2  # the chatter got no reply
