"""The moderator walkthrough of docs/moderation.md (and docs/telegram.md's example), line by line, through the
fake Telegram, on a copy of the bundled knowledge: every command is accepted, and the member's question is
answered at the end."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from telegram_support import running

from bot.config import Config, CooldownSettings, Moderators
from bot.service import Service
from tests.conftest import KNOWLEDGE, ROOT
from tests.fake_telegram import FakeTelegram
from tests.test_telegram_moderation import MODERATOR, MODERATOR_CHAT, STRANGER, STRANGER_CHAT, say, shown

MEMBER_QUESTION = "Where can I leave my bicycle?"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def commands(doc: str, first: str) -> list[str]:
    """The /commands of the fenced block of `doc` whose first line starts with `first`."""
    blocks = [b for b in FENCE.findall((ROOT / "docs" / doc).read_text(encoding="utf-8")) if b.startswith(first)]
    assert len(blocks) == 1, f"{doc}: no single block starting {first!r}"
    return [line for line in blocks[0].splitlines() if line.startswith("/")]


@pytest.mark.parametrize(
    ("doc", "first"),
    [("moderation.md", "/kb_gaps"), ("telegram.md", "/kb_add Parking")],
    ids=["moderation", "telegram"],
)
async def test_the_documented_walkthrough_works_as_written(
    doc: str, first: str, tmp_path: Path, fake: FakeTelegram
) -> None:
    """Each documented command gets a reply that is not a usage note or a refusal; the gap is answered after."""
    knowledge = shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    moderators = Moderators(telegram_users=frozenset({str(MODERATOR["id"])}))
    config = Config(moderators=moderators, data_dir=tmp_path / "data", cooldown=CooldownSettings(burst=100))
    async with running(fake, Service.from_directory(knowledge, config)):
        before = await say(fake, STRANGER_CHAT, MEMBER_QUESTION, user=STRANGER)
        replies = [shown(await say(fake, MODERATOR_CHAT, line)) for line in commands(doc, first)]
        after = await say(fake, STRANGER_CHAT, MEMBER_QUESTION, user=STRANGER)
    assert "don't know" in shown(before)
    for line, reply in zip(commands(doc, first), replies, strict=True):
        assert not reply.startswith(("Usage:", "Sorry", "No passage", "No open gap")), f"{line}\n-> {reply}"
    assert "Added passage parking." in "\n".join(replies)
    assert "racks behind the library" in shown(after), shown(after)
