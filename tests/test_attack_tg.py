"""Attacks on the Telegram adapter: each test shows one defect found in adapters/tg (it fails until fixed)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram_support import fake_bot_api, handled, running, write_handbook

from bot.config import Config, CooldownSettings, Moderators
from bot.service import Service
from tests.fake_telegram import BOT_USERNAME, FakeTelegram

MODERATOR = {"id": 4242, "is_bot": False, "first_name": "Ann"}
MEMBER = {"id": 4343, "is_bot": False, "first_name": "Bo"}
PRIVATE = {"id": 4242, "type": "private", "first_name": "Ann"}
MEMBER_CHAT = {"id": 4343, "type": "private", "first_name": "Bo"}
GROUP = {"id": -1001234, "type": "supergroup", "title": "Community"}


@pytest.fixture
async def fake(caplog: pytest.LogCaptureFixture) -> AsyncIterator[FakeTelegram]:
    """The fake Bot API (this module's name does not start with test_telegram, so the shared fixture is not used)."""
    async with fake_bot_api(caplog, check_requests=True) as telegram:
        yield telegram


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    return write_handbook(tmp_path / "knowledge")


def service(knowledge: Path, **extra: Any) -> Service:
    moderators = Moderators(telegram_users=frozenset({str(MODERATOR["id"])}), **extra)
    config = Config(moderators=moderators, data_dir=knowledge.parent / "data", cooldown=CooldownSettings(burst=100))
    return Service.from_directory(knowledge, config)


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


BASIC_GROUP = {"id": -4321, "type": "group", "title": "Community (old group)"}
MIGRATED_TO = -1004321


@pytest.mark.allow_error_logs
async def test_an_answer_to_a_group_upgraded_to_a_supergroup_goes_to_the_new_chat(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Input: a member asks "@QABot when do we meet?" in a basic group; before the answer goes out the
    group is upgraded to a supergroup (an admin made it public or turned on topics), so Telegram answers
    sendMessage with 400 "group chat was upgraded to a supergroup chat" and parameters.migrate_to_chat_id.
    Now: python-telegram-bot raises ChatMigrated, which is neither transient nor Forbidden: on_error logs
    "handling Telegram update failed" at ERROR with a traceback, then tries the apology in the old chat
    (refused again) and the answer is lost. Should: send the reply to the new chat id
    (ChatMigrated.new_chat_id), with nothing logged at ERROR."""
    body = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": MIGRATED_TO},
    }
    svc = service(knowledge)
    async with running(fake, svc):
        fake._failures.setdefault("sendMessage", []).extend([(400, body)] * 2)  # the answer, then the apology
        fake.message(BASIC_GROUP, f"@{BOT_USERNAME} when do we meet?", user=MEMBER)
        await handled(fake, BASIC_GROUP)
    svc.close()
    delivered = [c for c in fake.called("sendMessage") if c.params["chat_id"] == str(MIGRATED_TO)]
    assert errors(caplog) == [] and delivered, errors(caplog)


@pytest.mark.allow_error_logs
async def test_a_group_where_the_bot_may_not_write_is_a_warning_not_a_traceback(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Input: the admins of a group took the bot's right to send messages away (or the question is in
    a closed forum topic); a member's "/ask@QABot when do we meet?" still reaches the bot, and Telegram
    answers sendMessage with 400 "Bad Request: not enough rights to send text messages to the chat".
    Now: on_error treats the BadRequest as a bug: "handling Telegram update N failed" at ERROR with a
    traceback for every question, and an apology sent into the same chat (refused again). Should: be
    handled like a chat that blocked the bot (Forbidden): one WARNING line, no apology attempt."""
    svc = service(knowledge)
    async with running(fake, svc):
        for _ in range(2):  # the answer, then the apology
            fake.fail_next("sendMessage", description="Bad Request: not enough rights to send text messages to the chat")
        fake.message(GROUP, f"/ask@{BOT_USERNAME} when do we meet?", user=MEMBER)
        await handled(fake, GROUP)
    svc.close()
    attempts = [c for c in fake.calls_of("sendMessage") if c.params["chat_id"] == str(GROUP["id"])]
    assert errors(caplog) == [] and len(attempts) == 1, (errors(caplog), len(attempts))


async def test_a_bare_mention_replying_to_a_channel_post_gets_the_usage_line_as_a_bare_ask_does(
    fake: FakeTelegram, knowledge: Path
) -> None:
    """Input: in a channel's discussion group, a member replies to the channel's post (its automatic
    forward) with only "@QABot". telegram.md: a bare /ask "or only a mention of the bot" pointed at "a
    channel's post in its discussion group" (or the bot's own answer) holds no question, and "those get
    the usage line". Now: a bare /ask gets it, but the bare mention is asked as the empty question and
    gets the knowledge base's greeting ("I answer questions about …"), since asked_in returns ("", target)
    for a mention that points at nothing. Should: the usage line ("Ask like this …") for both."""
    channel = {"id": -1009999, "type": "channel", "title": "Community news"}
    post = fake.message(
        GROUP, "When do we meet from March? The new schedule is in the handbook.",
        user={"id": 777000, "is_bot": False, "first_name": "Telegram"}, sender_chat=channel,
        is_automatic_forward=True,
        forward_origin={"type": "channel", "date": 1700000000, "message_id": 12, "chat": channel},
    )  # fmt: skip
    svc = service(knowledge)
    async with running(fake, svc):
        fake.message(GROUP, "/ask", user=MEMBER, reply_to=post)
        fake.message(GROUP, f"@{BOT_USERNAME}", user=MEMBER, reply_to=post)
        await handled(fake, GROUP)
    svc.close()
    bare_ask, bare_mention = (c.text for c in fake.called("sendMessage"))
    assert "Ask like this" in bare_ask
    assert "Ask like this" in bare_mention, bare_mention
