"""Inline mode: `@QABot membership fee` typed in any chat offers the passages that match it, each to
send as the bot answers. The real python-telegram-bot against the fake Bot API, which refuses what
Telegram refuses of an inline query's answer (more than 50 results, ids over 64 bytes or repeated,
text Telegram cannot parse)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram_support import running, write_handbook

from bot import Service
from tests.fake_telegram import Call, FakeTelegram
from tests.test_telegram import USER


@pytest.fixture
async def bot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    async with running(fake, Service.from_directory(write_handbook(tmp_path / "knowledge"))):
        yield fake


async def answered(fake: FakeTelegram, query: str) -> Call:
    query_id = fake.inline(query, user=USER)
    calls = await fake.wait_for("answerInlineQuery", len(fake.called("answerInlineQuery")) + 1)
    [call] = [c for c in calls if c.params["inline_query_id"] == query_id]
    return call


def results(call: Call) -> list[dict[str, Any]]:
    return list(call.params["results"])


async def test_an_inline_query_offers_the_passages_that_match_it_best_first(bot: FakeTelegram) -> None:
    [first, *rest] = results(await answered(bot, "membership fee"))
    assert first["type"] == "article" and first["id"] == "membership-fee"
    assert first["title"] == "Membership"
    assert first["description"].startswith("The yearly membership fee is 20 euros")
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML" and content["link_preview_options"] == {"is_disabled": True}
    assert content["message_text"].startswith("<b>Membership</b>")
    assert "<i>— Community Handbook, “Membership”</i>" in content["message_text"]
    assert "membership-fee" not in {r["id"] for r in rest}
    assert bot.violations == []


async def test_an_inline_query_of_nothing_known_offers_nothing_and_sends_nothing(bot: FakeTelegram) -> None:
    assert results(await answered(bot, "")) == []
    assert results(await answered(bot, "quantum chromodynamics")) == []
    assert bot.called("sendMessage") == []


async def test_inline_queries_are_a_search_and_cost_no_cooldown(bot: FakeTelegram) -> None:
    """A member typing `@QABot ...` sends a query a keystroke; none of them spends a question."""
    for typed in ("m", "me", "mee", "meet", "meeting", "meeting t", "meeting ti", "meeting tim", "meeting time"):
        await answered(bot, typed)
    bot.message({"id": 4242, "type": "private", "first_name": "Ann"}, "When do we meet?", user=USER)
    [reply] = await bot.wait_for("sendMessage")
    assert "every Thursday" in reply.text
