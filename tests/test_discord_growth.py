"""What the Discord adapter learns of each channel stays bounded, however many a community opens over weeks:
real discord.py against the fake gateway, the entries counted after hundreds of distinct channels (never timed)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.dc.client import QABot
from bot import Service
from tests.discord_support import connected
from tests.fake_discord import FakeDiscord
from tests.support import live

pytestmark = pytest.mark.timeout(120)

POSTS = 300  # more channels than the adapter remembers of (256)


def closed(fake: FakeDiscord, n: int) -> dict[str, Any]:
    """The THREAD_CREATE payload of a help post already closed as solved (locked): the bot, without Manage
    Threads (the invite grants none), may not send there."""
    thread, _ = fake.post(f"Post {n}", "How educated are defectors?")
    return {**thread, "thread_metadata": {**thread["thread_metadata"], "locked": True}}


async def test_channels_the_bot_may_not_send_in_are_remembered_within_a_bound(
    fake: FakeDiscord, service: Service
) -> None:
    """Members thank the bot in 300 help posts closed as solved: it may not answer there, and says so in the
    log once a channel. It remembers at most 256 such channels (every one had been kept for as long as it
    ran), and a post deleted is forgotten at once."""
    threads = [closed(fake, n) for n in range(POSTS)]
    async with connected(fake, service):
        for thread in threads:
            await fake.push("THREAD_CREATE", thread)
            await fake.push("MESSAGE_CREATE", fake.mention("thanks!", channel_id=thread["id"]))
        await answered(fake)
        deleted, newest = threads[-2], threads[-1]
        await fake.push("THREAD_DELETE", {k: deleted[k] for k in ("id", "guild_id", "parent_id", "type")})
        await answered(fake)
        silenced = live(QABot).replies._silenced
        assert len(silenced) <= 256
        assert int(newest["id"]) in silenced and int(deleted["id"]) not in silenced
    assert [c for c in fake.calls if c.method == "POST" and c.path.split("/")[2] in {t["id"] for t in threads}] == []


async def answered(fake: FakeDiscord) -> None:
    """Return once the bot has handled every event pushed so far: a question asked in the main channel
    after them is answered (the events before it have run their course: none is answered)."""
    before = len(fake.find("POST", f"/channels/{fake.channel_id}/messages"))
    await fake.push("MESSAGE_CREATE", fake.mention("Are most defectors women?"))
    await fake.wait_for(
        lambda c: len([p for p in fake.find("POST", f"/channels/{fake.channel_id}/messages") if p.answered]) > before
    )


@pytest.fixture
def service(tmp_path: Any) -> Service:
    """The bundled knowledge, its data folder in the test's tmp_path."""
    from bot import DEFAULT_KNOWLEDGE, Config

    return Service.from_directory(DEFAULT_KNOWLEDGE, Config(data_dir=tmp_path / "data"))
