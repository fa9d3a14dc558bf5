"""Inline mode: `@QABot membership fee` typed in any chat offers the passages that match it, each to
send as the bot answers. The real python-telegram-bot against the fake Bot API, which refuses what
Telegram refuses of an inline query's answer (more than 50 results, ids over 64 bytes or repeated,
text Telegram cannot parse)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from telegram_support import handled, running, write_handbook

from bot import Service
from tests.fake_telegram import BOT_ID, BOT_USERNAME, Call, FakeTelegram, Fault
from tests.test_telegram import PRIVATE, USER


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


# A passage within the knowledge files' 3,000 characters: a build recipe, whose `&&` and `<...>`
# Telegram's HTML must escape (`&amp;&amp;`, `&lt;...&gt;`), so that as HTML it no longer fits one message.
RECIPE = (
    "Build it from source:\n```sh\n"
    + "\n".join(
        f"make -C <src>/part{n} build && make -C <src>/part{n} test && make install <prefix>" for n in range(36)
    )
    + "\n```"
)


async def test_a_passage_too_long_for_one_message_goes_inline_cut_with_its_citation(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Inline mode sends one message: the first of the two the passage takes had gone, without the
    rest of the recipe, without its source (a CC BY-SA text needs its attribution), and no sign of a cut."""
    folder = write_handbook(tmp_path / "knowledge")
    data = yaml.safe_load((folder / "handbook.yaml").read_text(encoding="utf-8"))
    data["passages"].append({"id": "build-recipe", "section": "Building", "text": RECIPE})
    (folder / "handbook.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    async with running(fake, Service.from_directory(folder)):
        found = results(await answered(fake, "build from source"))
    [result] = [r for r in found if r["id"] == "build-recipe"]
    recipe = result["input_message_content"]["message_text"]
    assert "make -C" in recipe and "…" in recipe
    assert recipe.endswith("<i>— Community Handbook, “Building”</i>")
    assert "```" not in result["description"]
    assert fake.violations == []


async def test_an_answer_sent_inline_into_the_bots_own_chat_is_no_question(bot: FakeTelegram) -> None:
    """Picked in the bot's own chat, a result arrives as the member's message `via_bot` the bot: it
    had been answered again, below itself (a question of the cooldown spent, one more in the gaps)."""
    text = "Membership\n\nThe yearly membership fee is 20 euros, paid in January by bank transfer."
    via = {"id": BOT_ID, "is_bot": True, "first_name": "QA", "username": BOT_USERNAME}
    bot.message(PRIVATE, text, user=USER, via_bot=via)
    await handled(bot, PRIVATE)
    assert bot.called("sendMessage") == []


async def test_a_members_queries_wait_for_each_other_and_only_the_newest_is_answered(bot: FakeTelegram) -> None:
    """Telegram sends a query a keystroke and shows the last one's results: while one is answered,
    the member's next ones wait, and those a newer one overtook are not searched at all."""
    bot.inject("answerInlineQuery", Fault(delay=0.5))  # the first answer is slow to arrive
    ids = [bot.inline(typed, user=USER) for typed in ("mem", "memb", "membe", "member", "membership")]
    await bot.wait_for("answerInlineQuery", 2)
    await asyncio.sleep(0.3)
    answered_ids = [c.params["inline_query_id"] for c in bot.calls_of("answerInlineQuery")]
    assert answered_ids == [ids[0], ids[-1]]
