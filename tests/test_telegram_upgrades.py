"""A group upgraded to a supergroup, and the bot restarted since: what still names the old group reaches the
supergroup. The real bot and core against the fake Bot API, started twice on the same folders.

The bot keeps the old id -> new id of an upgrade in memory only (`adapters.tg.upgrades`); after a restart it
learns it again from Telegram's refusal of the first call naming the old group (400 with
`migrate_to_chat_id`), which is made again at once for the supergroup.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from telegram_support import handled, running, write_handbook

from bot.config import Config, CooldownSettings
from bot.service import Service
from tests.fake_telegram import BOT_USERNAME, Call, FakeTelegram
from tests.test_telegram import OTHER, USER

BASIC = {"id": -4331, "type": "group", "title": "Community (old group)"}
SUPERGROUP = {"id": -1004331, "type": "supergroup", "title": "Community (old group)"}


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """The handbook, a folder of the test's own."""
    return write_handbook(tmp_path / "knowledge")


def core(knowledge: Path) -> Service:
    """A fresh core on the same folders: what a restart starts."""
    config = Config(data_dir=knowledge.parent / "data", cooldown=CooldownSettings(burst=100))
    return Service.from_directory(knowledge, config)


def from_before(fake: FakeTelegram, text: str, user: dict[str, Any]) -> dict[str, Any]:
    """A member's message in the old group, sent before the upgrade: Telegram delivers it again after the
    restart when the bot had not confirmed it (a busy backlog at the stop), or it is the one an edit names."""
    return fake.message(BASIC, text, user=user, date=int(time.time()) - 60)


def sends(fake: FakeTelegram, since: int) -> list[tuple[str, int]]:
    """(chat id, status) of every sendMessage from call `since` on."""
    return [(c.params["chat_id"], c.status) for c in fake.calls[since:] if c.method == "sendMessage"]


def answers(fake: FakeTelegram, since: int) -> list[Call]:
    return [c for c in fake.calls[since:] if c.method == "sendMessage" and c.status == 200]


async def test_after_a_restart_a_question_from_the_old_group_is_answered_in_the_supergroup(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The group is upgraded and Telegram says so; the bot restarts, and forgets it. Two questions from the old
    group that it had not confirmed come again: Telegram refuses the first answer for the old id once, naming the
    supergroup, and both answers go there; no ERROR, no apology, nothing lost."""
    async with running(fake, core(knowledge)):
        fake.upgrade(BASIC, SUPERGROUP["id"], user=USER)
        await handled(fake, SUPERGROUP)
    since = len(fake.calls)
    async with running(fake, core(knowledge)):
        from_before(fake, f"@{BOT_USERNAME} When do we meet?", USER)
        from_before(fake, f"@{BOT_USERNAME} How much is the membership fee?", OTHER)
        await handled(fake, BASIC)
    assert sends(fake, since) == [("-4331", 400), ("-1004331", 200), ("-1004331", 200)]
    first, second = answers(fake, since)
    assert "every Thursday" in first.text and "20 euros" in second.text
    assert "apolog" not in caplog.text.lower() and not any("Sorry" in c.text for c in answers(fake, since))


async def test_after_a_restart_a_topic_pressed_on_an_old_answer_is_sent_to_the_supergroup(
    fake: FakeTelegram, knowledge: Path
) -> None:
    """An "I don't know" answered in the basic group offers topics; the group is upgraded, the bot restarts.
    A member presses a topic under that old answer (and 👍 under another): the passage goes to the supergroup
    after the one refusal, the press is answered, the vote counted."""
    async with running(fake, core(knowledge)):
        from_before(fake, f"@{BOT_USERNAME} What is the wifi password in the hall?", USER)
        from_before(fake, f"@{BOT_USERNAME} When do we meet?", USER)
        await handled(fake, BASIC)
        fallback, answer = fake.called("sendMessage")
        fake.upgrade(BASIC, SUPERGROUP["id"], user=USER)
        await handled(fake, SUPERGROUP)
    topic = next(b["callback_data"] for b in fallback.buttons() if b["callback_data"].startswith("p:"))
    old_fallback, old_answer = (fake.sent[(BASIC["id"], int(c.result["message_id"]))] for c in (fallback, answer))
    since, presses = len(fake.calls), len(fake.called("answerCallbackQuery"))
    async with running(fake, core(knowledge)):
        fake.press(old_fallback, topic, user=OTHER)
        fake.press(old_answer, "v:+:meeting-times", user=OTHER)
        await handled(fake, BASIC)
    assert sends(fake, since) == [("-4331", 400), ("-1004331", 200)]
    [chosen] = answers(fake, since)
    assert chosen.text.startswith("<b>") and chosen.buttons()
    assert len(fake.called("answerCallbackQuery")) == presses + 3  # the two presses and `handled`'s marker
    assert any("Thanks" in str(c.params.get("text")) for c in fake.called("answerCallbackQuery")[presses:])


async def test_after_a_restart_an_edited_question_from_the_old_group_gets_its_answer_in_the_supergroup(
    fake: FakeTelegram, knowledge: Path
) -> None:
    """A question answered in the basic group is edited just before the upgrade, and the bot restarts before it
    handles the edit: the bot no longer remembers its answer (nor could it edit it, in the old group), so the
    new answer goes to the supergroup, after one refusal of the old id; the member sees no error."""
    async with running(fake, core(knowledge)):
        asked = from_before(fake, f"@{BOT_USERNAME} When do we meet?", USER)
        await handled(fake, BASIC)
        fake.upgrade(BASIC, SUPERGROUP["id"], user=USER)
        await handled(fake, SUPERGROUP)
    since = len(fake.calls)
    async with running(fake, core(knowledge)):
        fake.edit(asked, f"@{BOT_USERNAME} How much is the membership fee?")
        await handled(fake, BASIC)
    assert sends(fake, since) == [("-4331", 400), ("-1004331", 200)]
    [answer] = answers(fake, since)
    assert "20 euros" in answer.text
    assert [c for c in fake.calls[since:] if c.method in ("editMessageText", "deleteMessage")] == []
