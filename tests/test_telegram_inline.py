"""Inline mode: `@QABot membership fee` typed in any chat offers the passages that match it, each to
send as the bot answers. The real python-telegram-bot against the fake Bot API, which refuses what
Telegram refuses of an inline query's answer (more than 50 results, ids over 64 bytes or repeated,
text Telegram cannot parse)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from telegram_support import handled, running, write_handbook

from bot import Service
from tests.fake_telegram import BOT_ID, BOT_USERNAME, Call, FakeTelegram, Fault
from tests.test_telegram import PRIVATE, USER, free_port, wait_for_port


@pytest.fixture
async def bot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    async with running(fake, Service.from_directory(write_handbook(tmp_path / "knowledge"))):
        yield fake


def with_passage(folder: Path, passage: dict[str, Any]) -> Path:
    """The handbook in `folder` with one more passage."""
    write_handbook(folder)
    data = yaml.safe_load((folder / "handbook.yaml").read_text(encoding="utf-8"))
    data["passages"].append(passage)
    (folder / "handbook.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


async def answered(fake: FakeTelegram, query: str) -> Call:
    query_id = fake.inline(query, user=USER)
    calls = await fake.wait_for("answerInlineQuery", len(fake.called("answerInlineQuery")) + 1)
    [call] = [c for c in calls if c.params["inline_query_id"] == query_id]
    return call


def results(call: Call) -> list[dict[str, Any]]:
    return list(call.params["results"])


async def test_an_inline_query_offers_the_passages_that_match_it_best_first(bot: FakeTelegram) -> None:
    """An inline query offers the passages that match it, the best first, each an article with its section, the start of
    its text and the message it sends (HTML with the citation, no link preview)."""
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
    """An inline query of nothing, or of nothing the knowledge holds, offers nothing and sends nothing."""
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


async def test_a_recipe_cut_for_inline_mode_is_still_code_not_fence_marks(fake: FakeTelegram, tmp_path: Path) -> None:
    """A block of code cut for one message is closed again: cut with its closing fence off, the
    member's chat had shown "```sh" and every command as plain text."""
    folder = with_passage(tmp_path / "knowledge", {"id": "build-recipe", "section": "Building", "text": RECIPE})
    async with running(fake, Service.from_directory(folder)):
        call = await answered(fake, "build from source")
    [result] = [r for r in call.params["results"] if r["id"] == "build-recipe"]
    text = result["input_message_content"]["message_text"]
    assert "```" not in text
    assert "<pre>" in text


# 𝗠𝗮𝘁𝗵𝗲𝗺𝗮𝘁𝗶𝗰𝗮𝗹 bold letters, as "fancy font" generators paste them: each is one Python character but
# two UTF-16 code units, which is what Telegram counts its 4096 in.
FANCY = "𝗣𝗮𝘆 𝗯𝘆 𝗯𝗮𝗻𝗸 𝘁𝗿𝗮𝗻𝘀𝗳𝗲𝗿 "


async def test_a_passage_of_astral_characters_does_not_spoil_the_whole_inline_answer(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Telegram counts its 4096 in UTF-16 units, where such a letter is two: a passage of them, cut
    by characters, was "too long", and Telegram refused the whole answer, five results with it."""
    text = "The membership fee is paid in January. " + FANCY * (2900 // len(FANCY))
    assert len(text) <= 3000
    folder = with_passage(tmp_path / "knowledge", {"id": "fee-fancy", "section": "Membership fee", "text": text})
    async with running(fake, Service.from_directory(folder)):
        call = await answered(fake, "membership fee")
    assert fake.violations == []
    assert call.status == 200
    assert {r["id"] for r in call.params["results"]} >= {"membership-fee", "fee-fancy"}


async def test_a_members_newest_query_is_answered_even_past_the_per_chat_bound(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """A member's inline queries are not dropped past a chat's bound (256 waiting): the newest, the
    one Telegram shows, had been dropped, and the 255 it overtook all searched and answered."""
    fake.inject("answerInlineQuery", Fault(delay=2.0))  # the first answer is slow: the rest queue behind it
    async with running(fake, Service.from_directory(write_handbook(tmp_path / "knowledge"))):
        typed = "membership fee is paid in january by bank transfer please tell me more about it " * 5
        ids = [fake.inline(typed[: 3 + n], user=USER) for n in range(300)]
        await fake.wait_for("answerInlineQuery", 2, timeout=20)
        await asyncio.sleep(1.0)
        answered_ids = [c.params["inline_query_id"] for c in fake.calls_of("answerInlineQuery")]
    assert ids[-1] in answered_ids
    assert len(answered_ids) <= 3  # overtaken queries are not searched


async def test_an_older_query_arriving_late_does_not_overtake_the_newest(fake: FakeTelegram, tmp_path: Path) -> None:
    """A webhook takes Telegram's POSTs concurrently, so a member's queries can come out of order: the
    newest is the highest update id, not the last to arrive ("membership" had been skipped for "membe")."""
    secret = "review_Secret-19d"
    port = free_port()
    env = {
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg",
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "TELEGRAM_WEBHOOK_SECRET": secret,
    }
    right = {"X-Telegram-Bot-Api-Secret-Token": secret}

    def query(update_id: int, text: str) -> dict[str, Any]:
        return {
            "update_id": update_id,
            "inline_query": {"id": str(update_id), "from": USER, "query": text, "offset": ""},
        }

    fake.inject("answerInlineQuery", Fault(delay=1.0))  # the first answer is slow: the others wait for it
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"))
    async with running(fake, service, ready="setWebhook", **env), aiohttp.ClientSession() as http:
        await wait_for_port(port)
        url = f"http://127.0.0.1:{port}/tg"
        for update in (query(100, "mem"), query(103, "membership"), query(102, "membe")):  # 103 overtook 102 on the way
            async with http.post(url, json=update, headers=right) as posted:
                assert posted.status == 200
        await fake.wait_for("answerInlineQuery", 2)
        await asyncio.sleep(0.5)
        answered_ids = [c.params["inline_query_id"] for c in fake.calls_of("answerInlineQuery")]
    assert "103" in answered_ids
