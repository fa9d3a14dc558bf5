"""A Telegram message edited so that it no longer asks the bot takes what it asked out of the record
(`kb gaps`), by its key: the real python-telegram-bot against the fake Bot API, on both backends.
(Telegram tells a bot of no deletions: its edits are all it has.)"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from telegram_support import handled, running, write_handbook

from bot import Asker, Request, Service
from bot.curation import CLI_PLATFORM
from tests.backends import Backend, backend
from tests.fake_telegram import BOT_USERNAME, FakeTelegram, Fault
from tests.test_telegram import GROUP, OTHER, PRIVATE, USER

assert backend  # the fixture: each test taking `backend` runs on the files and on PostgreSQL

PHONE = "My number is 555 0101, what is the wifi password in the hall?"  # not answered: a gap, in its words


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    """The knowledge `backend` serves here: the handbook."""
    return write_handbook(tmp_path / "knowledge")


def gaps(backend: Backend, service: Service) -> str:
    """`kb gaps` as a moderator reads it, once what the bot recorded is stored."""
    backend.written(service)
    return service.moderate(Request("gaps"), Asker(CLI_PLATFORM, "")).text


def deleted(fake: FakeTelegram) -> list[str]:
    return [str(c.params["message_id"]) for c in fake.called("deleteMessage")]


async def test_a_group_question_whose_mention_is_taken_out_leaves_the_record(
    fake: FakeTelegram, backend: Backend
) -> None:
    """Edited so that it no longer mentions the bot, a group's question loses its reply and its record
    (`kb gaps` had kept the words the member took back from the bot); another message's stay."""
    service = backend.service()
    async with running(fake, service):
        question = fake.message(GROUP, f"@{BOT_USERNAME} {PHONE}", user=USER)
        fake.message(GROUP, f"@{BOT_USERNAME} what is the wifi password in the hall?", user=OTHER)
        await handled(fake, GROUP)
        [answer, _] = fake.called("sendMessage")
        fake.edit(question, PHONE)
        await handled(fake, GROUP)
        assert deleted(fake) == [str(answer.result["message_id"])]
        listed = gaps(backend, service)
    assert "555 0101" not in listed and "×1 “what is the wifi password in the hall?”" in listed, listed


async def test_a_photos_caption_question_removed_leaves_the_record(fake: FakeTelegram, backend: Backend) -> None:
    """A photo whose caption asked, in a private chat, edited to have no caption: its answer and its record go."""
    service = backend.service()
    photo = {"message_id": 32, "date": int(time.time()), "chat": PRIVATE, "from": USER, "caption": PHONE,
             "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]}  # fmt: skip
    async with running(fake, service):
        fake.push({"message": photo})
        [answer] = await fake.wait_for("sendMessage")
        assert "555 0101" in gaps(backend, service)
        fake.push(
            {"edited_message": {**{k: v for k, v in photo.items() if k != "caption"}, "edit_date": int(time.time())}}
        )
        await handled(fake, PRIVATE)
        assert deleted(fake) == [str(answer.result["message_id"])]
        listed = gaps(backend, service)
    assert "555 0101" not in listed, listed


async def test_a_mention_pointing_at_a_question_taken_out_leaves_the_record(
    fake: FakeTelegram, backend: Backend
) -> None:
    """A member who pointed the bot at someone's question (a bare mention in reply to it) takes the
    mention out: the answer goes, and so does the record of that question asked (by its message's key)."""
    service = backend.service()
    async with running(fake, service):
        question = fake.message(GROUP, PHONE, user=OTHER)
        pointer = fake.message(GROUP, f"@{BOT_USERNAME}", user=USER, reply_to=question)
        await handled(fake, GROUP)
        [answer] = fake.called("sendMessage")
        assert "555 0101" in gaps(backend, service)
        fake.edit(pointer, "never mind")
        await handled(fake, GROUP)
        assert deleted(fake) == [str(answer.result["message_id"])]
        listed = gaps(backend, service)
    assert "555 0101" not in listed, listed


@pytest.mark.allow_error_logs
async def test_the_record_goes_though_telegram_fails_to_delete_the_reply(fake: FakeTelegram, backend: Backend) -> None:
    """The mention taken out while Telegram fails every attempt at deleting the reply: the reply stays
    (its failure logged), and the record goes all the same (it had waited on the deletion)."""
    service = backend.service()
    async with running(fake, service, TELEGRAM_SEND_ATTEMPTS="2", TELEGRAM_RETRY_DELAY="0.05"):
        question = fake.message(GROUP, f"@{BOT_USERNAME} {PHONE}", user=USER)
        await handled(fake, GROUP)
        fake.inject("deleteMessage", Fault(status=500), 2)
        fake.edit(question, PHONE)
        await handled(fake, GROUP)
        assert [c.status for c in fake.calls_of("deleteMessage")] == [500, 500] and fake.called("deleteMessage") == []
        listed = gaps(backend, service)
    assert "555 0101" not in listed, listed
