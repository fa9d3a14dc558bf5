"""What a member shares that holds no text (a location, a venue, a contact, a poll, a dice): one line back in a
private chat, silence in a group. The real bot and core against the fake Bot API."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from telegram_support import handled, running, write_handbook

from adapters.tg.shared import CONTACT_SHARED, LOCATION_SHARED, POLL_SHARED
from bot import messages
from bot.config import Config
from bot.service import Service
from tests.fake_telegram import SHARED, FakeTelegram
from tests.spec_check import telegram_spec
from tests.test_telegram import GROUP, PRIVATE, USER

KINDS = ["location", "venue", "contact", "poll", "dice"]
KOREAN_USER = {**USER, "language_code": "ko"}


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """The handbook, a folder of the test's own."""
    return write_handbook(tmp_path / "knowledge")


def core(knowledge: Path) -> Service:
    return Service.from_directory(knowledge, Config(data_dir=knowledge.parent / "data"))


async def notes_for(fake: FakeTelegram, chat: dict[str, Any], user: dict[str, Any]) -> list[str]:
    """Share each of KINDS from `user` in `chat`; the bot's replies, as the member reads them."""
    before = len(fake.called("sendMessage"))
    for kind in KINDS:
        fake.share(chat, kind, user=user)
    await handled(fake, chat)
    return [html.unescape(c.text) for c in fake.called("sendMessage")[before:]]


async def test_a_location_venue_contact_poll_or_dice_in_a_private_chat_gets_one_line(
    fake: FakeTelegram, knowledge: Path
) -> None:
    """A member shares a location, a venue, a contact or a poll with the bot, or throws a dice: each had got no
    reply at all; now one line says what the bot cannot use and how to ask (a dice, an emoji, gets what a 🎲 typed
    gets). In a group, where nothing of the kind is for the bot, all five stay unanswered."""
    async with running(fake, core(knowledge)):
        in_group = await notes_for(fake, GROUP, USER)
        private = await notes_for(fake, PRIVATE, USER)
    location, contact, poll = (messages.say(s, "en") for s in (LOCATION_SHARED, CONTACT_SHARED, POLL_SHARED))
    assert in_group == []
    assert private == [location, location, contact, poll, messages.say(messages.BANTER, "en")]
    assert all("\n" not in note for note in private)


async def test_the_notes_are_in_the_members_language(fake: FakeTelegram, knowledge: Path) -> None:
    """A member whose Telegram speaks Korean reads each of those lines in Korean."""
    async with running(fake, core(knowledge)):
        notes = await notes_for(fake, PRIVATE, KOREAN_USER)
    korean = [messages.say(s, "ko") for s in (LOCATION_SHARED, LOCATION_SHARED, CONTACT_SHARED, POLL_SHARED)]
    assert notes == [*korean, messages.say(messages.BANTER, "ko")]
    assert messages.say(LOCATION_SHARED, "ko") != messages.say(LOCATION_SHARED, "en")


async def test_a_live_location_gets_one_note_not_one_per_move(fake: FakeTelegram, knowledge: Path) -> None:
    """A member shares their live location for an hour: Telegram sends each move as an edit of that message.
    The bot says once that it cannot use a location; the moves get nothing (a note a minute would be a flood)."""
    async with running(fake, core(knowledge)):
        live = fake.share(PRIVATE, "location", user=USER, live_period=3600)
        for step in range(5):
            fake.move(live, 52.3731 + step / 1000, 4.8922)
        await handled(fake, PRIVATE)
    assert [html.unescape(c.text) for c in fake.called("sendMessage")] == [messages.say(LOCATION_SHARED, "en")]


def test_the_fake_shares_what_the_bot_api_describes() -> None:
    """Each object the fake shares has every field the Bot API requires of its type (tests/specs), and no other."""
    types = telegram_spec()["types"]
    named = {"location": "Location", "venue": "Venue", "contact": "Contact", "poll": "Poll", "dice": "Dice"}

    def check(value: dict[str, Any], type_name: str) -> None:
        fields = {f["name"]: f for f in types[type_name]["fields"]}
        assert set(value) <= set(fields), (type_name, set(value) - set(fields))
        assert {n for n, f in fields.items() if f["required"]} <= set(value), type_name
        for name, field in fields.items():
            kind = field["types"][0]
            if name in value and kind in types:
                check(value[name], kind)
            elif name in value and kind.startswith("Array of ") and kind[9:] in types:
                for item in value[name]:
                    check(item, kind[9:])

    for kind, type_name in named.items():
        check(SHARED[kind], type_name)
