"""The fakes refuse what the real Bot API and Discord refuse: a planted bad request of each kind."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fake_discord import ALL_PERMISSIONS, SEND_MESSAGES, SEND_MESSAGES_IN_THREADS, FakeDiscord
from tests.fake_telegram import FakeTelegram

TOKEN = "1:strict"
GOOD = {"chat_id": "5", "text": "hello"}


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    yield fake
    await fake.stop()
    fake.violations.clear()  # planted on purpose: the strict_fakes check must not fail these tests


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(token="strict")
    await fake.start()
    yield fake
    await fake.close()
    fake.violations.clear()


async def bot_api(fake: FakeTelegram, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST `params` form-encoded, as python-telegram-bot does (objects JSON-encoded)."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with aiohttp.ClientSession() as session, session.post(f"{fake.base_url}{TOKEN}/{method}", data=form) as r:
        return r.status, await r.json()


def keyboard(data: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "Yes", "callback_data": data}]]}


@pytest.mark.parametrize(
    ("method", "params", "status", "words"),
    [
        ("sendMesage", GOOD, 404, "Not Found"),
        ("sendMessage", {**GOOD, "colour": "red"}, 400, "unknown parameter"),
        ("sendMessage", {"chat_id": "5"}, 400, "text is empty"),
        ("sendMessage", {"text": "hi"}, 400, "chat_id is required"),
        ("sendMessage", {**GOOD, "disable_notification": "maybe"}, 400, "Boolean"),
        ("sendMessage", {**GOOD, "message_thread_id": "x1"}, 400, "Integer"),
        ("sendMessage", {**GOOD, "text": "   "}, 400, "text is empty"),
        ("sendMessage", {**GOOD, "text": "x" * 4097}, 400, "too long"),
        ("sendMessage", {**GOOD, "text": "<b>open", "parse_mode": "HTML"}, 400, "end tag"),
        ("sendMessage", {**GOOD, "text": "<blink>x</blink>", "parse_mode": "HTML"}, 400, "Unsupported start tag"),
        ("sendMessage", {**GOOD, "text": "a</i>", "parse_mode": "HTML"}, 400, "Unexpected end tag"),
        ("sendMessage", {**GOOD, "text": "Q&A", "parse_mode": "HTML"}, 400, "reserved"),
        ("sendMessage", {**GOOD, "text": "<b></b>", "parse_mode": "HTML"}, 400, "text is empty"),
        ("sendMessage", {**GOOD, "reply_markup": keyboard("x" * 65)}, 400, "BUTTON_DATA_INVALID"),
        ("sendMessage", {**GOOD, "reply_markup": keyboard("")}, 400, "BUTTON_DATA_INVALID"),
        ("sendMessage", {**GOOD, "reply_markup": {"inline_keyboard": [[{"text": "x"}]]}}, 400, "exactly one"),
        ("sendMessage", {**GOOD, "reply_markup": {"inline_keyboard": [[{"txt": "x"}]]}}, 400, "unknown field"),
        ("setMyCommands", {"commands": [{"command": "help"}]}, 400, "description"),
        ("answerCallbackQuery", {"callback_query_id": "1", "show_alert": "yes"}, 400, "Boolean"),
    ],
)
async def test_telegram_refuses_a_bad_request(
    telegram: FakeTelegram, method: str, params: dict[str, Any], status: int, words: str
) -> None:
    """Each planted bad request gets Telegram's error body and is recorded as a violation."""
    got, body = await bot_api(telegram, method, params)
    assert (got, body["ok"], body["error_code"]) == (status, False, status)
    assert words in body["description"]
    assert body["description"].startswith("Bad Request: " if status == 400 else "Not Found")
    assert len(telegram.violations) == 1


async def test_telegram_accepts_what_the_bot_sends(telegram: FakeTelegram) -> None:
    """Good requests (4096 characters after HTML parsing, a 64-byte button) pass: the checks are not blanket."""
    text = "<b>" + "&lt;" * 4096 + "</b>"
    assert (await bot_api(telegram, "sendMessage", {**GOOD, "text": text, "parse_mode": "HTML"}))[0] == 200
    assert (await bot_api(telegram, "sendMessage", {**GOOD, "reply_markup": keyboard("é" * 32)}))[0] == 200
    assert (await bot_api(telegram, "deleteWebhook", {"drop_pending_updates": "False"}))[0] == 200
    assert telegram.violations == []


async def test_a_second_poller_ends_the_first_with_409(telegram: FakeTelegram) -> None:
    """Two concurrent getUpdates: the held one is ended with 409 Conflict, as Telegram does."""
    first = asyncio.create_task(bot_api(telegram, "getUpdates", {"timeout": "5"}))
    await telegram.wait_for("getUpdates")
    second = asyncio.create_task(bot_api(telegram, "getUpdates", {"timeout": "0"}))
    status, body = await asyncio.wait_for(first, 3)
    assert (status, body["error_code"]) == (409, 409)
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")
    assert (await second)[0] == 200
    assert len(telegram.violations) == 1


async def rest(fake: FakeDiscord, verb: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": "Bot strict"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(verb, fake.api_base + path, json=body, headers=headers) as response,
    ):
        return response.status, json.loads(await response.read() or b"{}")  # a 204 has no body


def button(custom_id: str) -> dict[str, Any]:
    return {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": custom_id}]}


EMBED = {"title": "t", "description": "d"}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"content": "x" * 2001}, "content"),
        ({"content": 5}, "content"),
        ({"content": "hi", "colour": 1}, "unknown field"),
        ({"embeds": [{"title": "t" * 257}]}, "embeds.0.title"),
        ({"embeds": [{"description": "d" * 4097}]}, "embeds.0.description"),
        ({"embeds": [{"color": -1}]}, "embeds.0.color"),
        ({"embeds": [EMBED] * 11}, "embeds"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "MAX_EMBED_SIZE"),
        ({"embeds": [{"fields": [{"name": "n"}]}]}, "value"),
        ({"components": [button("c" * 101)]}, "custom_id"),
        ({"components": [button("")]}, "custom_id"),
        ({"components": [{"type": 1, "components": []}]}, "components"),
        ({"message_reference": {"message_id": "x"}}, "message_id"),
        ({"allowed_mentions": {"parse": ["admins"]}}, "allowed_mentions"),
        ({"embeds": [{**EMBED, "url": "www.example.org/faq"}]}, "embeds.0.url"),
        ({"embeds": [{**EMBED, "url": "javascript:alert(1)"}]}, "embeds.0.url"),
        ({"embeds": [{**EMBED, "url": "https://example.org/" + "a" * 2029}]}, "embeds.0.url"),
    ],
)
async def test_discord_refuses_a_bad_message(discord: FakeDiscord, body: dict[str, Any], words: str) -> None:
    """A bad message body gets 400 Invalid Form Body (50035) and is recorded as a violation."""
    status, answer = await rest(discord, "POST", f"/channels/{discord.channel_id}/messages", body)
    assert (status, answer["code"], answer["message"]) == (400, 50035, "Invalid Form Body"), answer
    assert words in discord.violations[0]
    assert len(discord.violations) == 1


async def test_discord_tolerates_what_discord_py_always_sends(discord: FakeDiscord) -> None:
    """Integer snowflakes in message_reference and `flags` in an embed pass: Discord accepts them."""
    body = {"content": "ok", "embeds": [{**EMBED, "flags": 0}], "message_reference": {"message_id": 1, "channel_id": 2}}
    status, _ = await rest(discord, "POST", f"/channels/{discord.channel_id}/messages", body)
    assert status == 200
    assert discord.violations == []


async def test_discord_refuses_a_reply_to_a_system_message(discord: FakeDiscord) -> None:
    """A reply to a message the bot was shown as a system message ("X started a thread", type 18):
    400 Invalid Form Body (50035), "Cannot reply to a system message"."""
    system = discord.next_id()
    discord.types[system] = 18  # as if pushed to the bot (no gateway needed)
    body = {"content": "an answer", "message_reference": {"message_id": system}}
    status, answer = await rest(discord, "POST", f"/channels/{discord.channel_id}/messages", body)
    assert (status, answer["code"]) == (400, 50035)
    assert "Cannot reply to a system message" in json.dumps(answer["errors"])
    assert len(discord.violations) == 1


async def test_discord_refuses_a_reply_without_read_message_history(discord: FakeDiscord) -> None:
    """A bot without Read Message History in the channel may send there, but not as a reply: 403 (160002)."""
    discord.app_permissions = str(int(ALL_PERMISSIONS) & ~(1 << 16))
    path = f"/channels/{discord.channel_id}/messages"
    body = {"content": "an answer", "message_reference": {"message_id": discord.next_id()}}
    status, answer = await rest(discord, "POST", path, body)
    assert (status, answer["code"]) == (403, 160002)
    assert (await rest(discord, "POST", path, {"content": "not a reply"}))[0] == 200
    assert len(discord.violations) == 1


async def test_discord_takes_a_reply_in_a_dm_whatever_the_bots_server_permissions(discord: FakeDiscord) -> None:
    """Read Message History is a server permission: in a DM a bot without it in the server replies all the same."""
    discord.app_permissions = str(int(ALL_PERMISSIONS) & ~(1 << 16))
    body = {"content": "an answer", "message_reference": {"message_id": discord.next_id()}}
    status, answer = await rest(discord, "POST", f"/channels/{discord.dm_channel_id}/messages", body)
    assert status == 200 and discord.violations == [], answer


@pytest.mark.parametrize(("in_thread", "needed", "other"), [(False, SEND_MESSAGES, SEND_MESSAGES_IN_THREADS),
                                                          (True, SEND_MESSAGES_IN_THREADS, SEND_MESSAGES)],
                         ids=["channel", "thread"])  # fmt: skip
async def test_discord_refuses_a_message_from_a_bot_without_send_messages(
    discord: FakeDiscord, in_thread: bool, needed: int, other: int
) -> None:
    """A bot without Send Messages in a channel (in a thread, Send Messages in Threads) gets 403 Missing
    Permissions (50013) for a message there, not 200; without the other one it may send; in a DM, always."""
    channel = discord.next_id() if in_thread else discord.channel_id
    if in_thread:
        discord.threads.add(channel)  # as if pushed to the bot (THREAD_CREATE)
    discord.app_permissions = str(int(ALL_PERMISSIONS) & ~needed)
    status, answer = await rest(discord, "POST", f"/channels/{channel}/messages", {"content": "hi"})
    assert (status, answer["code"]) == (403, 50013)
    assert (await rest(discord, "POST", f"/channels/{discord.dm_channel_id}/messages", {"content": "hi"}))[0] == 200
    discord.app_permissions = str(int(ALL_PERMISSIONS) & ~other)
    assert (await rest(discord, "POST", f"/channels/{channel}/messages", {"content": "hi"}))[0] == 200
    assert len(discord.violations) == 1


async def pushed(fake: FakeDiscord, kind: int = 2) -> dict[str, Any]:
    """An interaction as if pushed to the bot (no gateway needed): the fake now expects its callback."""
    interaction = fake.interaction(kind, {"id": fake.next_id(), "name": "ask", "type": 1})
    fake.interactions[interaction["id"]] = (kind, asyncio.get_running_loop().time())
    fake.tokens[str(interaction["token"])] = asyncio.get_running_loop().time()
    return interaction


def callback_path(interaction: dict[str, Any]) -> str:
    return f"/interactions/{interaction['id']}/{interaction['token']}/callback"


async def test_discord_refuses_a_second_acknowledgement(discord: FakeDiscord) -> None:
    """The same interaction answered twice: 400 with code 40060."""
    interaction = await pushed(discord)
    assert (await rest(discord, "POST", callback_path(interaction), {"type": 5}))[0] == 200
    status, answer = await rest(discord, "POST", callback_path(interaction), {"type": 4, "data": {"content": "x"}})
    assert (status, answer["code"]) == (400, 40060)
    assert len(discord.violations) == 1


@pytest.mark.parametrize(("kind", "callback"), [(2, 7), (2, 6), (5, 9), (2, 99)])
async def test_discord_refuses_a_callback_type_the_interaction_cannot_take(
    discord: FakeDiscord, kind: int, callback: int
) -> None:
    """UPDATE_MESSAGE for a command, a form answering a form, an unknown type: 400 Invalid Form Body."""
    interaction = await pushed(discord, kind)
    status, answer = await rest(discord, "POST", callback_path(interaction), {"type": callback})
    assert (status, answer["code"]) == (400, 50035)
    assert len(discord.violations) == 1


async def test_discord_refuses_a_late_answer(discord: FakeDiscord) -> None:
    """A callback after the 3-second window (here shortened) is 404 Unknown interaction (10062)."""
    discord.answer_window = 0.05
    interaction = await pushed(discord)
    await asyncio.sleep(0.1)
    status, answer = await rest(discord, "POST", callback_path(interaction), {"type": 4, "data": {"content": "x"}})
    assert (status, answer["code"], answer["message"]) == (404, 10062, "Unknown interaction")
    assert len(discord.violations) == 1


async def test_discord_refuses_a_follow_up_after_the_token_expired(discord: FakeDiscord) -> None:
    """An interaction's token takes follow-ups for 15 minutes (here shortened): after, 401 Invalid Webhook Token."""
    interaction = await pushed(discord)
    assert (await rest(discord, "POST", callback_path(interaction), {"type": 5}))[0] == 200
    follow_up = f"/webhooks/{discord.app_id}/{interaction['token']}"
    assert (await rest(discord, "POST", follow_up, {"content": "in time"}))[0] == 200
    discord.followup_window = 0.05
    await asyncio.sleep(0.1)
    status, answer = await rest(discord, "POST", follow_up, {"content": "too late"})
    assert (status, answer["code"], answer["message"]) == (401, 50027, "Invalid Webhook Token")
    assert len(discord.violations) == 1


async def test_discord_shows_the_first_follow_up_after_a_public_deferral_to_everyone(discord: FakeDiscord) -> None:
    """A "thinking…" deferral's first follow-up becomes its message, as visible as the deferral: asked
    to be ephemeral after a public one, it is shown to everyone (a violation); the next one is a
    message of its own, as visible as it asks."""
    interaction = await pushed(discord)
    assert (await rest(discord, "POST", callback_path(interaction), {"type": 5}))[0] == 200
    follow_up = f"/webhooks/{discord.app_id}/{interaction['token']}"
    status, first = await rest(discord, "POST", follow_up, {"content": "a note", "flags": 64})
    assert status == 200 and not first["flags"] & 64
    assert len(discord.violations) == 1 and "shown to everyone" in discord.violations[0]
    assert (await rest(discord, "POST", follow_up, {"content": "another", "flags": 64}))[1]["flags"] & 64


async def test_discord_makes_a_follow_up_after_the_deferral_is_deleted_a_message_of_its_own(
    discord: FakeDiscord,
) -> None:
    """The deferral's message deleted, a follow-up keeps its own flags; a second deletion finds nothing (10008)."""
    interaction = await pushed(discord)
    assert (await rest(discord, "POST", callback_path(interaction), {"type": 5}))[0] == 200
    follow_up = f"/webhooks/{discord.app_id}/{interaction['token']}"
    assert (await rest(discord, "DELETE", f"{follow_up}/messages/@original", None))[0] == 204
    status, note = await rest(discord, "POST", follow_up, {"content": "a note", "flags": 64})
    assert status == 200 and note["flags"] & 64 and discord.violations == []
    status, answer = await rest(discord, "DELETE", f"{follow_up}/messages/@original", None)
    assert (status, answer["code"]) == (404, 10008)
    assert len(discord.violations) == 1


async def test_discord_refuses_a_bad_command_sync(discord: FakeDiscord) -> None:
    """A command with an upper-case name or a 101-character description is refused at sync."""
    path = f"/applications/{discord.app_id}/guilds/{discord.guild_id}/commands"
    for command in ({"name": "Ask", "description": "d"}, {"name": "ask", "description": "d" * 101}):
        discord.violations.clear()
        status, answer = await rest(discord, "PUT", path, [command])
        assert (status, answer["code"]) == (400, 50035), command
        assert len(discord.violations) == 1


@pytest.mark.parametrize(
    "choices",
    [
        [{"name": "Are most defectors women?", "value": "w" * 101}],
        [{"name": f"q{n}", "value": f"q{n}"} for n in range(26)],
    ],
    ids=["value-over-100", "26-choices"],
)
async def test_discord_refuses_an_autocomplete_choice_over_its_limits(
    discord: FakeDiscord, choices: list[dict[str, str]]
) -> None:
    """Discord takes a string choice's value up to 100 characters (its vendored OpenAPI says 6000, for
    an option's typed value), and 25 choices: the fake answers more as Discord does, 400 (50035)."""
    typed = await pushed(discord, kind=4)
    status, answer = await rest(discord, "POST", callback_path(typed), {"type": 8, "data": {"choices": choices}})
    assert (status, answer.get("code")) == (400, 50035), answer
    assert len(discord.violations) == 1
