"""Reliability and security of the Telegram adapter: hostile input, platform faults, load, authorization, shutdown.

Everything runs the real python-telegram-bot through `adapters.runner.serve` against the fake
Bot API (`tests/fake_telegram.py`), which can fail any method with a 5xx, a 429, a delay past
the client's timeout or a dropped connection. A test passes only when every accepted question
got its answer and nothing logged an ERROR (see conftest), and no request or log holds the token.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import html
import json
import logging
import os
import re
import signal
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
import telegram_support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram_support import TOKEN, bot_process, write_handbook

from bot import Service
from bot.answering import Answerer
from bot.config import ChatCooldownSettings, Config, CooldownSettings, Moderators
from bot.cooldown import Cooldown
from bot.curation.moderation import NOT_MODERATOR
from bot.messages import COOLDOWN
from tests.fake_telegram import BOT_USERNAME, Call, FakeTelegram, Fault, serving_in_thread
from tests.support import Clock

ALLOWED_TAGS = {"b", "i", "code", "pre"}
MEETING = "When do we meet?"
MEETING_WORDS = "every Thursday"
FAST = {  # quick retries and short timeouts, so faults cost the test little time
    "TELEGRAM_POLL_TIMEOUT": "5",
    "TELEGRAM_RETRY_DELAY": "0.05",
    "TELEGRAM_REQUEST_TIMEOUT": "1",
    "TELEGRAM_GROUP_RATE_LIMIT": "0",  # Telegram's 20 a minute per group would stall the group tests
}
MODERATOR = {"id": 4242, "is_bot": False, "first_name": "Ann"}
GROUP = {"id": -1001234, "type": "supergroup", "title": "Community"}
OTHER_GROUP = {"id": -1005678, "type": "supergroup", "title": "Neighbours"}


def user(n: int) -> dict[str, Any]:
    return {"id": n, "is_bot": False, "first_name": f"U{n}"}


def private(n: int) -> dict[str, Any]:
    return {"id": n, "type": "private", "first_name": f"U{n}"}


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    return write_handbook(tmp_path / "knowledge")


_OPEN: list[Service] = []


def core(
    knowledge: Path,
    *,
    burst: int = 1_000_000,
    chat_burst: int = 1_000_000,
    interval: float = 600.0,
    group_admins: bool = False,
) -> Service:
    """The core with Ann as moderator, data in the test's folder, and the per-user and per-chat cooldowns given."""
    moderators = Moderators(
        telegram_users=frozenset({str(MODERATOR["id"])}),
        telegram_group_admins=group_admins,
        telegram_admin_chats=frozenset({str(GROUP["id"])}),
    )
    config = Config(
        moderators=moderators,
        data_dir=knowledge.parent / "data",
        cooldown=CooldownSettings(burst=burst, interval=interval),
        chat_cooldown=ChatCooldownSettings(burst=chat_burst, interval=interval),
    )
    service = Service.from_directory(knowledge, config)
    _OPEN.append(service)
    return service


@pytest.fixture(autouse=True)
def close_services() -> Iterator[None]:
    """Close every core a test made (the gaps database), after the test."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def running(fake: FakeTelegram, service: Service, **extra: str) -> AbstractAsyncContextManager[Service]:
    """The bot running through the runner against `fake` until the block ends, with FAST settings under `extra`."""
    return telegram_support.running(fake, service, stop_within=20, **{**FAST, **extra})


def sent_to(fake: FakeTelegram, chat: dict[str, Any]) -> list[Call]:
    return [c for c in fake.called("sendMessage") if c.params["chat_id"] == str(chat["id"])]


def visible(call: Call) -> str:
    return html.unescape(re.sub(r"</?(b|i|code)>", "", call.text))


def assert_well_formed(call: Call) -> None:
    """HTML parse mode, only our own tags, every `&` and `<` of the text escaped, within 4096."""
    assert call.params["parse_mode"] == "HTML"
    assert "entities" not in call.params
    assert 0 < len(call.text) <= 4096
    assert set(re.findall(r"</?([^\s>/]*)", call.text)) <= ALLOWED_TAGS
    assert not re.search(r"&(?!amp;|lt;|gt;)", call.text)
    for tag in ALLOWED_TAGS:
        assert call.text.count(f"<{tag}>") == call.text.count(f"</{tag}>")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its content."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


# --- hostile input ------------------------------------------------------------------------------

HOSTILE = [
    " ",
    "   \n\t  ",
    "When do we meet? " * 6000,  # 100 KB
    "\x00\x01\x07\x1b[31mwhen\x7f do we meet?\x1b[0m",
    "w\u200bhen\u200d do\ufeff we\u2060 meet\u200e?",
    "\u202eWhen do we meet?\u202c",
    "متى نلتقي؟ מתי נפגשים?",
    "🤔🤔🔥👍🏽👨‍👩‍👧",
    "회의는 언제 하나요?",
    "<b>bold</b> <a href='tg://user?id=1'>when</a> <script>alert(1)</script> &amp; &#x3c;i&#x3e; do we meet?",
    "*bold* _italic_ __u__ ~s~ ||spoiler|| [link](tg://user?id=1) `code` ```pre``` when do we meet?",
    "@everyone @here @admin when do we meet?",
    "</b></i><b><i>& when do we meet",
]
# text -> a reply is expected (True) or deliberate silence (False)
MALFORMED = {
    "/": True,  # no command entity: plain text, answered with the help
    "/ask": True,
    "/ask    ": True,
    "/ask@": True,
    f"/ask@{BOT_USERNAME}": True,
    "/ask@OtherBot when do we meet?": False,
    "/nosuchcommand please": True,  # an unknown command in private: a pointer to /help
    "/help extra words <b>": True,
    "/kb_add": True,
    "/kb_add |||": True,
    "/kb_add <b>x</b> | <i>y</i> | @everyone": True,
    "/kb_edit": True,
    "/kb_edit ../../etc/passwd | text": True,
    "/kb_remove ../../etc/passwd": True,
    "/kb_remove *": True,
    "/kb_alias": True,
    "/kb_history <b>": True,
    "/kb_gaps 9999": True,
    "/kb_gaps -1": True,
    "/kb_undo now": True,
    "/kb_dismiss": True,
    "/KB_STATS": True,
    "/kb_stats@OtherBot": False,
    "/kb_nonsense x": True,
}


async def test_hostile_messages_get_a_sane_reply_and_inject_nothing(fake: FakeTelegram, knowledge: Path) -> None:
    """Each hostile message, in a private chat and addressed in a group: one well-formed reply or silence.

    After each one the same chat asks a plain question: answers come in order per chat, so when
    that answer is in, the hostile message was handled, and its chat got nothing else.
    """
    before = snapshot(knowledge)
    cases = [(text, True) for text in HOSTILE] + list(MALFORMED.items())
    async with running(fake, core(knowledge)):
        for n, (text, _) in enumerate(cases):
            fake.message(private(9000 + n), text, user=user(9000 + n))
            fake.message(private(9000 + n), MEETING, user=user(9000 + n))
        for n, text in enumerate(HOSTILE):
            group = {"id": -2000 - n, "type": "supergroup", "title": "G"}
            fake.message(group, f"@{BOT_USERNAME} {text}", user=user(9500 + n))
            fake.message(group, text, user=user(9500 + n))  # not addressed: silence
            fake.message(group, f"@{BOT_USERNAME} {MEETING}", user=user(9500 + n))
        expected = sum(1 + replied for _, replied in cases) + 2 * len(HOSTILE)
        await fake.wait_for("sendMessage", expected, timeout=30)
        await asyncio.sleep(0.2)
    sent = fake.called("sendMessage")
    assert len(sent) == expected
    for call in sent:
        assert_well_formed(call)
        assert "@everyone" not in call.text and "tg://" not in call.text  # nothing of the question echoed
    for n, (text, replied) in enumerate(cases):
        replies = sent_to(fake, private(9000 + n))
        assert len(replies) == 1 + replied, text
        assert MEETING_WORDS in replies[-1].text, text
    assert snapshot(knowledge) == before


def test_hypothesis_any_text_through_the_adapter_is_answered_or_ignored(knowledge: Path) -> None:
    """Any Unicode text (but lone surrogates) in a private chat: a well-formed reply, or silence for a command."""
    service = core(knowledge)  # one core for every example: the per-user cooldown is lifted

    @settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        texts=st.lists(
            st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=300)
            | st.sampled_from(HOSTILE + list(MALFORMED)),
            min_size=1,
            max_size=12,
        )
    )
    def check(texts: list[str]) -> None:
        asyncio.run(_run_texts(service, texts))

    check()


async def _run_texts(service: Service, texts: list[str]) -> None:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    try:
        async with running(fake, service):
            for n, text in enumerate(texts):
                fake.message(private(7000 + n), text, user=user(7000 + n))
                fake.message(private(7000 + n), MEETING, user=user(7000 + n))
            await fake.wait_for("sendMessage", len(texts), timeout=20)
            async with asyncio.timeout(20):  # every chat's closing question answered
                while not all(
                    any(MEETING_WORDS in c.text for c in sent_to(fake, private(7000 + n))) for n in range(len(texts))
                ):
                    await asyncio.sleep(0.02)
    finally:
        await fake.stop()
    for n, text in enumerate(texts):
        replies = sent_to(fake, private(7000 + n))
        assert 1 <= len(replies) <= 2, text
        for call in replies:
            assert_well_formed(call)


PASSAGE_TRAPS = (
    "Use <b>bold</b>, *stars*, _under_, [a link](tg://user?id=1), `ticks` & &amp; entities, "
    "<a href='https://evil.example'>click</a>, @everyone and @admin. </i></b>"
)


async def test_passage_text_with_markup_is_shown_as_typed(fake: FakeTelegram, knowledge: Path) -> None:
    """A passage holding HTML, Markdown and mentions reaches the user as plain text, exactly as written."""
    passage = {
        "id": "traps",
        "section": "<i>Traps</i> & *more*",
        "text": PASSAGE_TRAPS,
        "questions": ["Show the traps"],
    }
    (knowledge / "traps.yaml").write_text(
        json.dumps({"source": {"title": "<b>Traps</b>", "publisher": None, "url": None}, "passages": [passage]}),
        encoding="utf-8",
    )
    async with running(fake, core(knowledge)):
        fake.message(private(4242), "Show the traps", user=MODERATOR)
        fake.message(private(4242), "/kb_history traps", user=MODERATOR)
        [answer, _] = await fake.wait_for("sendMessage", 2)
    assert_well_formed(answer)
    assert answer.text.startswith("<b>&lt;i&gt;Traps&lt;/i&gt; &amp; *more*</b>")
    assert PASSAGE_TRAPS in visible(answer)


# --- platform faults ----------------------------------------------------------------------------

SEND_FAULTS = {
    "500 twice": (Fault(status=500), 2),
    "502 HTML page": (Fault(status=502, html=True), 2),
    "503": (Fault(status=503), 1),
    "429 retry_after": (Fault(status=429, retry_after=1), 1),
    "timeout": (Fault(delay=3.0), 2),
    "dropped connection": (Fault(drop=True), 2),
}


@pytest.mark.parametrize("fault, times", SEND_FAULTS.values(), ids=SEND_FAULTS.keys())
async def test_send_faults_are_retried_and_every_question_is_answered_once(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture, fault: Fault, times: int
) -> None:
    """sendMessage failing: the reply is sent again until it goes through; the chat's next answer follows in order."""
    async with running(fake, core(knowledge), TELEGRAM_REQUEST_TIMEOUT="0.5"):
        fake.inject("sendMessage", fault, times)
        fake.message(private(5001), MEETING, user=user(5001))
        fake.message(private(5001), "How much is the membership fee?", user=user(5001))
        fake.message(private(5002), "Where can I park my car?", user=user(5002))
        await fake.wait_for("sendMessage", 3, timeout=15)
        await asyncio.sleep(0.2)
    first, second = sent_to(fake, private(5001))
    assert MEETING_WORDS in first.text and "20 euros" in second.text
    [parking] = sent_to(fake, private(5002))
    assert "Elm street" in parking.text
    attempts = [c.status for c in fake.calls if c.method == "sendMessage"]
    assert len(attempts) == 3 + times and attempts.count(200) == 3
    if fault.status != 429:  # a 429 is waited out by the rate limiter itself (INFO)
        assert any(r.levelname == "WARNING" and "again in" in r.getMessage() for r in caplog.records)


POLL_FAULTS = {
    "500": (Fault(status=500), 1, {}),
    "502 HTML page": (Fault(status=502, html=True), 1, {}),
    "429 retry_after": (Fault(status=429, retry_after=1), 1, {}),
    "timeout": (Fault(delay=4.0), 1, {"TELEGRAM_POLL_TIMEOUT": "1", "TELEGRAM_REQUEST_TIMEOUT": "0.5"}),
    "dropped mid-poll": (Fault(drop=True, delay=0.3), 1, {}),
}


@pytest.mark.parametrize("fault, times, env", POLL_FAULTS.values(), ids=POLL_FAULTS.keys())
async def test_poll_faults_are_survived_and_nothing_is_lost(
    fake: FakeTelegram, knowledge: Path, fault: Fault, times: int, env: dict[str, str]
) -> None:
    """getUpdates failing: polling goes on, and questions sent before and during the fault are answered once."""
    async with running(fake, core(knowledge), **env):
        fake.inject("getUpdates", fault, times)
        fake.message(private(5101), MEETING, user=user(5101))  # wakes the poll in progress; the next ones fail
        await fake.wait_for("sendMessage", 1)
        fake.message(private(5102), "Where can I park my car?", user=user(5102))  # during the fault
        await fake.wait_for("sendMessage", 2, timeout=15)
        assert fake.faults_left("getUpdates") == 0
        fake.message(private(5103), "How much is the membership fee?", user=user(5103))  # after it
        await fake.wait_for("sendMessage", 3, timeout=15)
        await asyncio.sleep(0.2)
    assert [len(sent_to(fake, private(n))) for n in (5101, 5102, 5103)] == [1, 1, 1]
    assert "Elm street" in sent_to(fake, private(5102))[0].text
    failed = [c for c in fake.calls if c.method == "getUpdates" and c.status != 200]
    assert len(failed) == times


START_FAULTS = {
    "getMe 502": ("getMe", Fault(status=502, html=True)),
    "setMyCommands 500": ("setMyCommands", Fault(status=500)),
    "deleteWebhook 503": ("deleteWebhook", Fault(status=503)),
    "deleteWebhook timeout": ("deleteWebhook", Fault(delay=3.0)),
}


@pytest.mark.parametrize("method, fault", START_FAULTS.values(), ids=START_FAULTS.keys())
async def test_faults_at_start_up_are_retried(fake: FakeTelegram, knowledge: Path, method: str, fault: Fault) -> None:
    """Telegram failing once while the bot starts (log in, menu, webhook removal): it starts anyway and answers."""
    fake.inject(method, fault)
    async with running(fake, core(knowledge), TELEGRAM_REQUEST_TIMEOUT="0.5"):
        fake.message(private(5401), MEETING, user=user(5401))
        [reply] = await fake.wait_for("sendMessage")
    assert MEETING_WORDS in reply.text
    assert [c.status for c in fake.calls if c.method == method][:2] == [499 if fault.delay else fault.status, 200]
    assert fake.called("setMyCommands")


CALLBACK_FAULTS = {
    "500 twice": (Fault(status=500), 2, [500, 500, 200]),
    "502 HTML page": (Fault(status=502, html=True), 1, [502, 200]),
    "429 retry_after": (Fault(status=429, retry_after=1), 1, [429, 200]),
    "timeout": (Fault(delay=3.0), 1, [499, 200]),
    "dropped connection": (Fault(drop=True), 1, [0, 200]),
}
FALLBACK = "What is the wifi password in the hall?"  # not in the handbook: suggestion buttons


async def press_a_suggestion(fake: FakeTelegram, asker: dict[str, Any]) -> Call:
    """Ask something the bot does not know in `asker`'s private chat, press the first suggestion; the passage sent."""
    fake.message(private(asker["id"]), FALLBACK, user=asker)
    [fallback] = await fake.wait_for("sendMessage")
    fake.press(fallback.result, fallback.buttons()[0]["callback_data"], user=asker)
    _, chosen = await fake.wait_for("sendMessage", 2, timeout=15)
    return chosen


@pytest.mark.parametrize("fault, times, statuses", CALLBACK_FAULTS.values(), ids=CALLBACK_FAULTS.keys())
async def test_button_answers_are_retried_through_faults(
    fake: FakeTelegram, knowledge: Path, fault: Fault, times: int, statuses: list[int]
) -> None:
    """answerCallbackQuery failing: answered again until it goes through (the spinner stops); the passage follows."""
    async with running(fake, core(knowledge), TELEGRAM_REQUEST_TIMEOUT="0.5"):
        fake.inject("answerCallbackQuery", fault, times)
        chosen = await press_a_suggestion(fake, user(5501))
    assert [c.status for c in fake.calls if c.method == "answerCallbackQuery"] == statuses
    [ack] = fake.called("answerCallbackQuery")
    assert fake.calls.index(ack) < fake.calls.index(chosen) and chosen.text.startswith("<b>")


async def test_button_answers_give_up_after_a_few_quick_tries(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """answerCallbackQuery failing for good: three quick tries, one WARNING, no ERROR; the passage still goes."""
    async with running(fake, core(knowledge)):
        fake.inject("answerCallbackQuery", Fault(status=500), 10)
        chosen = await press_a_suggestion(fake, user(5502))
    assert [c.status for c in fake.calls if c.method == "answerCallbackQuery"] == [500, 500, 500]
    assert chosen.text.startswith("<b>")
    assert any(r.levelname == "WARNING" and "could not answer button press" in r.getMessage() for r in caplog.records)


async def test_a_button_press_telegram_no_longer_takes_is_not_retried(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """ "query is too old" (400): one try, one WARNING, no ERROR and no apology; the chosen passage is still sent."""
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    async with running(fake, core(knowledge)):
        fake.fail_next("answerCallbackQuery", description=too_old)
        chosen = await press_a_suggestion(fake, user(5503))
        fake.message(private(5503), MEETING, user=user(5503))
        await fake.wait_for("sendMessage", 3)
    assert [c.status for c in fake.calls if c.method == "answerCallbackQuery"] == [400]
    assert chosen.text.startswith("<b>") and MEETING_WORDS in sent_to(fake, private(5503))[-1].text
    [warning] = [r for r in caplog.records if "could not answer button press" in r.getMessage()]
    assert warning.levelname == "WARNING" and "query is too old" in warning.getMessage().lower()


@pytest.mark.allow_error_logs
async def test_a_reply_lost_for_good_is_one_error_line_and_the_bot_goes_on(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram failing past every retry: one ERROR line without a traceback; the next question is answered."""
    async with running(fake, core(knowledge), TELEGRAM_SEND_ATTEMPTS="3"):
        fake.inject("sendMessage", Fault(status=500), 3)
        fake.message(private(5201), MEETING, user=user(5201))
        async with asyncio.timeout(10):
            while fake.faults_left("sendMessage"):
                await asyncio.sleep(0.02)
        fake.message(private(5201), "Where can I park my car?", user=user(5201))
        [reply] = await fake.wait_for("sendMessage")
    assert "Elm street" in reply.text
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "reply lost" in error.getMessage() and error.exc_info is None


async def test_a_user_who_blocked_the_bot_is_a_warning_not_an_error(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """403 Forbidden (the user blocked the bot): a WARNING, no apology attempt, nothing retried."""
    async with running(fake, core(knowledge)):
        fake.inject("sendMessage", Fault(status=403))
        fake.message(private(5301), MEETING, user=user(5301))
        fake.message(private(5302), MEETING, user=user(5302))
        await fake.wait_for("sendMessage")
        await asyncio.sleep(0.2)
    assert [c.status for c in fake.calls if c.method == "sendMessage"].count(403) == 1
    assert len(fake.called("sendMessage")) == 1
    assert any(r.levelname == "WARNING" and "not allowed to reply" in r.getMessage() for r in caplog.records)


async def test_a_group_where_the_bot_may_not_write_is_a_warning_not_an_error(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The group's admins took the bot's right to send (or the topic is closed): Telegram's 400 "not
    enough rights" is a WARNING with no apology attempt, as a chat that blocked the bot (it had been
    an ERROR with a traceback for every question, and an apology refused again)."""
    async with running(fake, core(knowledge)):
        fake.fail_next("sendMessage", description="Bad Request: not enough rights to send text messages to the chat")
        fake.message(GROUP, f"/ask@{BOT_USERNAME} {MEETING}", user=user(5303))
        await telegram_support.handled(fake, GROUP)
    assert len(fake.calls_of("sendMessage")) == 1
    assert any(r.levelname == "WARNING" and "not allowed to reply" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("gone", ["closed", "deleted"])
async def test_a_forum_topic_closed_or_deleted_before_the_answer_is_a_warning_not_an_error(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture, gone: str
) -> None:
    """A question asked in a forum topic that an admin then closes or deletes (Telegram refuses the
    answer: TOPIC_CLOSED, "message thread not found"): one WARNING, no apology sent after it into the
    General topic or anywhere, no ERROR (a deleted topic had been an ERROR with a traceback, and the
    fake had taken the apology into the topic gone)."""
    forum = {**GROUP, "is_forum": True}
    async with telegram_support.running(fake, core(knowledge)):
        fake.message(forum, f"@{BOT_USERNAME} {MEETING}", user=user(5309), message_thread_id=7, is_topic_message=True)
        (fake.close_topic if gone == "closed" else fake.delete_topic)(forum, 7)
        await telegram_support.handled(fake, forum)
    assert [c.status for c in fake.calls_of("sendMessage")] == [400]
    assert any(r.levelname == "WARNING" and "not allowed to reply" in r.getMessage() for r in caplog.records)


async def test_the_bot_removed_from_a_group_and_added_again_answers_there_again(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An admin removes the bot from a group while two questions from it wait for their answers, then adds
    it again: the two answers Telegram refuses (403, kicked) are a WARNING each, with no retry, no apology
    and no ERROR; the question asked once it is back is answered there as usual."""
    async with telegram_support.running(fake, core(knowledge)):
        fake.message(GROUP, f"@{BOT_USERNAME} {MEETING}", user=user(5310))
        fake.message(GROUP, f"@{BOT_USERNAME} Where can I park my car?", user=user(5311))
        fake.remove_bot(GROUP, by=user(5312))
        await telegram_support.handled(fake, GROUP)
        fake.add_bot(GROUP, by=user(5312))
        fake.message(GROUP, f"@{BOT_USERNAME} {MEETING}", user=user(5310))
        await telegram_support.handled(fake, GROUP)
    assert [c.status for c in fake.calls_of("sendMessage")] == [403, 403, 200]
    assert MEETING_WORDS in fake.called("sendMessage")[0].text
    refused = [r for r in caplog.records if r.levelname == "WARNING" and "not allowed to reply" in r.getMessage()]
    assert len(refused) == 2 and all("kicked" in r.getMessage() for r in refused)


async def test_an_answer_to_a_group_upgraded_to_a_supergroup_goes_to_the_supergroup(
    fake: FakeTelegram, knowledge: Path
) -> None:
    """A basic group upgraded to a supergroup before the answer went out: Telegram refuses the old id
    and names the new one, and the answer goes there (it had been lost, with an ERROR)."""
    basic = {"id": -4321, "type": "group", "title": "Community (old group)"}
    async with running(fake, core(knowledge)):
        fake.message(basic, f"@{BOT_USERNAME} {MEETING}", user=user(5304))
        fake.migrate(basic, -1004321)
        await telegram_support.handled(fake, basic)
    [answer] = fake.called("sendMessage")
    assert answer.params["chat_id"] == "-1004321" and MEETING_WORDS in answer.text
    assert "reply_parameters" not in answer.params  # the question's id was the old group's


async def test_an_answer_of_several_messages_to_an_upgraded_group_is_refused_once(
    fake: FakeTelegram, knowledge: Path
) -> None:
    """An answer of two messages to a group upgraded meanwhile: Telegram's refusal of the old id is
    heard once, and both messages go to the supergroup (the second was not sent to the old id again),
    as does the answer to a question still queued from the old group."""
    basic = {"id": -4322, "type": "group", "title": "Community (old group)"}
    async with running(fake, core(knowledge)):
        fake.message(basic, f"@{BOT_USERNAME} {MEETING} How much is the membership fee?", user=user(5305))
        fake.message(basic, f"@{BOT_USERNAME} Where can I park my car?", user=user(5306))
        fake.migrate(basic, -1004322)
        await telegram_support.handled(fake, basic)
    assert [c.status for c in fake.calls_of("sendMessage")] == [400, 200, 200, 200]
    assert {c.params["chat_id"] for c in fake.called("sendMessage")} == {"-1004322"}


@pytest.mark.parametrize("said", ["migrate_to_chat_id", "migrate_from_chat_id"])
async def test_an_upgrade_telegram_announced_sends_the_answer_to_the_supergroup_without_a_refusal(
    fake: FakeTelegram, knowledge: Path, said: str
) -> None:
    """A basic group upgraded to a supergroup while a question from it waits for its answer: Telegram
    says so in a service message (in the old group, or in the supergroup), and the answer goes straight
    to the supergroup; the bot had learnt it only from the refusal of a send to the old id."""
    basic = {"id": -4325, "type": "group", "title": "Community (old group)"}
    async with running(fake, core(knowledge)):
        fake.message(basic, f"@{BOT_USERNAME} {MEETING}", user=user(5307))
        fake.upgrade(basic, -1004325, user=user(5308), said=(said,))
        await telegram_support.handled(fake, basic)
        await telegram_support.handled(fake, {"id": -1004325, "type": "supergroup"})
    assert [(c.params["chat_id"], c.status) for c in fake.calls_of("sendMessage")] == [("-1004325", 200)]
    assert MEETING_WORDS in fake.called("sendMessage")[0].text


# --- load ---------------------------------------------------------------------------------------

LOAD_QUESTIONS = [
    (MEETING, MEETING_WORDS),
    ("How much is the membership fee?", "20 euros"),
    ("Where can I park my car?", "Elm street"),
    ("What are the rules of the group?", "Be kind"),
]


@pytest.mark.slow
async def test_load_50_chats_5000_questions_each_answered_once_in_order(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture, record_property: Any
) -> None:
    """50 chats (25 private, 25 groups) keep up to 4 questions in flight each, 5,000 in all.

    Every question is answered exactly once and in order within its chat; throughput and p99
    latency (question pushed -> reply received by the fake) are reported, not asserted.
    """
    caplog.set_level(logging.WARNING)  # the core logs every question at INFO
    chats = 50
    per_chat = int(os.environ.get("TELEGRAM_LOAD_QUESTIONS", "5000")) // chats  # more or fewer, for a run by hand
    window = 4
    pushed: dict[tuple[int, int], float] = {}  # (chat, question number) -> when
    latencies: list[float] = []
    expected: dict[int, list[str]] = {}
    received: dict[int, list[str]] = {c: [] for c in range(chats)}
    slots = [asyncio.Semaphore(window) for _ in range(chats)]
    group_question: dict[int, tuple[int, int]] = {}  # message_id -> (chat, number)
    chat_ids = [6000 + c if c % 2 == 0 else -6000 - c for c in range(chats)]
    index = {chat_id: c for c, chat_id in enumerate(chat_ids)}
    done = asyncio.Event()

    def on_sent(call: Call) -> None:
        c = index[int(call.params["chat_id"])]
        if "reply_parameters" in call.params:
            chat, number = group_question[call.params["reply_parameters"]["message_id"]]
            assert chat == c
        else:
            number = len(received[c])
        received[c].append(call.text)
        latencies.append(time.monotonic() - pushed[(c, number)])
        slots[c].release()
        if len(latencies) == chats * per_chat:
            done.set()

    async def chat(c: int) -> None:
        chat_id = chat_ids[c]
        for number in range(per_chat):
            await slots[c].acquire()
            question, words = LOAD_QUESTIONS[(number + c) % len(LOAD_QUESTIONS)]
            expected.setdefault(c, []).append(words)
            pushed[(c, number)] = time.monotonic()
            if chat_id > 0:
                fake.message(private(chat_id), question, user=user(chat_id))
            else:
                group = {"id": chat_id, "type": "group", "title": f"G{c}"}
                shown = fake.message(group, f"@{BOT_USERNAME} {question}", user=user(10_000 + number % 7))
                group_question[shown["message_id"]] = (c, number)

    fake.on_sent = on_sent
    async with running(fake, core(knowledge), TELEGRAM_RATE_LIMIT="0", TELEGRAM_GROUP_RATE_LIMIT="0"):
        started = time.monotonic()
        await asyncio.gather(*(chat(c) for c in range(chats)))
        await asyncio.wait_for(done.wait(), 90)
        elapsed = time.monotonic() - started
        await asyncio.sleep(0.2)
    total = chats * per_chat
    assert len(fake.called("sendMessage")) == total  # exactly once: nothing extra came after the last
    for c in range(chats):
        assert len(received[c]) == per_chat
        assert all(words in text for words, text in zip(expected[c], received[c], strict=True)), (
            f"chat {c} out of order"
        )
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    line = (
        f"telegram load: {total} questions, {chats} chats, {total / elapsed:.0f} answers/s, "
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
    )
    record_property("throughput_per_s", round(total / elapsed, 1))
    record_property("p99_ms", round(p99 * 1000, 1))
    print(line)
    logging.getLogger(__name__).warning(line)


# --- security -----------------------------------------------------------------------------------

COMMANDS = {
    "kb_add": "Bikes | Bicycles go in the racks. | Where do bikes go?",
    "kb_edit": "meeting-times | We meet on Fridays now.",
    "kb_remove": "parking",
    "kb_alias": "parking | where do cars go",
    "kb_history": "",
    "kb_undo": "",
    "kb_gaps": "",
    "kb_stats": "",
    "kb_dismiss": "1",
}
ADMIN = {"id": 4545, "is_bot": False, "first_name": "Cy"}
MEMBER = {"id": 4343, "is_bot": False, "first_name": "Bo"}


@pytest.mark.parametrize("group_admins", [False, True], ids=["admins-off", "admins-on"])
async def test_authorization_matrix(fake: FakeTelegram, knowledge: Path, group_admins: bool) -> None:
    """Every /kb_* command x who sends it: non-moderators are refused and change nothing on disk.

    A member in private and in the group, and the group's admin in private, are always refused; the
    admin in the group only with telegram_group_admins off. The moderator is never refused.
    """
    fake.set_member(GROUP, ADMIN, "administrator")
    service = core(knowledge, group_admins=group_admins)
    data = knowledge.parent / "data"
    async with running(fake, service):
        before = snapshot(knowledge), snapshot(data)
        refused = [
            (private(MEMBER["id"]), MEMBER),
            (GROUP, MEMBER),
            (private(ADMIN["id"]), ADMIN),
        ] + ([] if group_admins else [(GROUP, ADMIN)])
        count = 0
        for chat, sender in refused:
            for command, args in COMMANDS.items():
                fake.message(chat, f"/{command}@{BOT_USERNAME} {args}".strip(), user=sender)
                count += 1
        sent = await fake.wait_for("sendMessage", count)
        await asyncio.sleep(0.2)
        assert all(visible(c) == NOT_MODERATOR for c in sent)
        assert (snapshot(knowledge), snapshot(data)) == before
        allowed_chat, allowed = (GROUP, ADMIN) if group_admins else (private(4242), MODERATOR)
        for command, args in COMMANDS.items():
            fake.message(allowed_chat, f"/{command} {args}".strip(), user=allowed)
        sent = await fake.wait_for("sendMessage", count + len(COMMANDS))
    replies = sent[count:]
    assert len(replies) == len(COMMANDS)
    assert not any(NOT_MODERATOR in visible(c) for c in replies)
    assert snapshot(knowledge) != before[0]  # the allowed ones did change it


async def test_one_users_flood_is_held_back_while_others_are_answered(fake: FakeTelegram, knowledge: Path) -> None:
    """30 questions from one user in a group: 5 answers and one note; the others in that group still get theirs."""
    async with running(fake, core(knowledge, burst=5)):
        for _ in range(30):
            fake.message(GROUP, f"@{BOT_USERNAME} {MEETING}", user=MEMBER)
        fake.message(GROUP, f"@{BOT_USERNAME} Where can I park my car?", user=ADMIN)
        fake.message(private(4242), "How much is the membership fee?", user=MODERATOR)
        await fake.wait_for("sendMessage", 8)
        await asyncio.sleep(0.3)
    in_group = sent_to(fake, GROUP)
    notes = [c for c in in_group if visible(c) == COOLDOWN]
    assert len(in_group) == 7 and len(notes) == 1
    assert any("Elm street" in c.text for c in in_group)
    assert "20 euros" in sent_to(fake, private(4242))[0].text


async def test_a_groups_flood_is_held_back_while_other_chats_are_answered(fake: FakeTelegram, knowledge: Path) -> None:
    """25 users asking at once in one group: the core's per-chat limit lets 10 through, one note for the group."""
    async with running(fake, core(knowledge, chat_burst=10)):
        for n in range(25):
            fake.message(GROUP, f"@{BOT_USERNAME} {MEETING}", user=user(8000 + n))
        fake.message(OTHER_GROUP, f"@{BOT_USERNAME} Where can I park my car?", user=user(8100))
        fake.message(private(8200), "How much is the membership fee?", user=user(8200))
        in_group = await everything_sent(fake, GROUP)
        await fake.wait_for("sendMessage", 13)  # with the two other chats' answers
    assert sum(MEETING_WORDS in c.text for c in in_group) == 10
    assert sum(visible(c) == COOLDOWN for c in in_group) == 1
    assert len(in_group) == 11
    assert "Elm street" in sent_to(fake, OTHER_GROUP)[0].text
    assert "20 euros" in sent_to(fake, private(8200))[0].text


def clocked_core(knowledge: Path, clock: Clock, *, burst: int, chat_burst: int, interval: float) -> Service:
    """The core with both limits on `clock`, which the test moves: the cooldown passes without waiting."""
    service = Service(
        Answerer.from_directory(knowledge),
        knowledge_dir=knowledge,
        cooldown=Cooldown(burst=burst, interval=interval, clock=clock),
        chat_cooldown=Cooldown(burst=chat_burst, interval=interval, clock=clock),
    )
    _OPEN.append(service)
    return service


async def everything_sent(fake: FakeTelegram, chat: dict[str, Any]) -> list[Call]:
    """What the bot sent to `chat` for every update queued so far (see `telegram_support.handled`)."""
    await telegram_support.handled(fake, chat)
    return sent_to(fake, chat)


def notes_and_answers(calls: list[Call]) -> tuple[int, int]:
    return sum(visible(c) == COOLDOWN for c in calls), sum(MEETING_WORDS in c.text for c in calls)


async def test_a_flooding_user_is_told_once_per_cooldown(fake: FakeTelegram, knowledge: Path) -> None:
    """A private flood: 3 answers, one note; one interval later a question is answered, the next flood told once."""
    clock = Clock()
    chat, asker = private(6001), user(6001)
    async with running(fake, clocked_core(knowledge, clock, burst=3, chat_burst=100, interval=10.0)):
        for _ in range(8):
            fake.message(chat, MEETING, user=asker)
        assert notes_and_answers(await everything_sent(fake, chat)) == (1, 3)
        clock.now += 10.0  # one question back
        fake.message(chat, MEETING, user=asker)
        assert notes_and_answers(await everything_sent(fake, chat)) == (1, 4)
        for _ in range(5):
            fake.message(chat, MEETING, user=asker)
        assert notes_and_answers(await everything_sent(fake, chat)) == (2, 4)


async def test_a_flooding_group_is_told_once_not_once_per_member(fake: FakeTelegram, knowledge: Path) -> None:
    """Five members asking three times each: 4 answers and one note; while the flood goes on no second note;
    once the group's limit has refilled, a question is answered and the next flood is told once again."""
    clock = Clock()
    members = [user(7000 + n) for n in range(5)]
    async with running(fake, clocked_core(knowledge, clock, burst=2, chat_burst=4, interval=10.0)):
        for _ in range(3):
            for member in members:
                fake.message(GROUP, f"@{BOT_USERNAME} {MEETING}", user=member)
        assert notes_and_answers(await everything_sent(fake, GROUP)) == (1, 4)
        clock.now += 10.0  # the group gets one question back, but its flood is not over
        for member in members:
            fake.message(GROUP, f"@{BOT_USERNAME} {MEETING}", user=member)
        assert notes_and_answers(await everything_sent(fake, GROUP)) == (1, 5)
        clock.now += 40.0  # the group's whole allowance back: the flood is over
        fake.message(GROUP, f"@{BOT_USERNAME} {MEETING}", user=members[0])
        assert notes_and_answers(await everything_sent(fake, GROUP)) == (1, 6)
        for member in members[1:] * 2:
            fake.message(GROUP, f"@{BOT_USERNAME} {MEETING}", user=member)
        assert notes_and_answers(await everything_sent(fake, GROUP)) == (2, 9)


# --- graceful shutdown --------------------------------------------------------------------------


def test_sigterm_lets_replies_in_flight_go_out_then_exits_0(knowledge: Path) -> None:
    """`python -m adapters run` gets SIGTERM while six slow replies are on their way: all six arrive, exit code 0."""
    with serving_in_thread(TOKEN) as fake:
        with bot_process(fake, knowledge) as process:
            deadline = time.monotonic() + 30
            while not fake.called("getUpdates") and time.monotonic() < deadline:
                time.sleep(0.05)
            fake.loop_call(fake.inject, "sendMessage", Fault(delay=1.5), 6)
            for n in range(6):
                fake.loop_call(fake.message, private(3000 + n), MEETING, user=user(3000 + n))
            while len([c for c in fake.calls if c.method == "sendMessage"]) < 6 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert not fake.called("sendMessage")  # all six still in flight
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=20)
        replies = fake.called("sendMessage")
    assert process.returncode == 0, err
    assert len(replies) == 6 and all(MEETING_WORDS in c.text for c in replies)
    assert TOKEN not in err and "Traceback" not in err and " ERROR " not in err


async def test_a_long_poll_that_times_out_as_the_bot_stops_is_read_not_left_to_asyncio(
    fake: FakeTelegram, knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The event loop held up past a hanging long poll's read timeout, then the bot told to stop: the poll's
    TimedOut is read and said in one INFO line, not left for asyncio's "Task exception was never retrieved"."""
    async with running(fake, core(knowledge), TELEGRAM_POLL_TIMEOUT="1"):  # a poll's read timeout: 1 + 1 s
        polls = len(fake.calls_of("getUpdates"))
        fake.inject("getUpdates", Fault(hang=True))  # one: the last getUpdates, at stop, is answered
        while len(fake.calls_of("getUpdates")) == polls:  # until a poll that is never answered has come
            await asyncio.sleep(0.05)
        time.sleep(3)  # held up past its read timeout; the stop comes right after, in the same turn of the loop
    gc.collect()  # asyncio says an unread failure when its task is collected
    said = [r.getMessage() for r in caplog.records]
    assert not [line for line in said if "never retrieved" in line]
    assert [line for line in said if line.startswith("the long poll under way at stop ended with TimedOut")]


def test_a_bot_whose_log_a_full_disk_refuses_still_stops_with_0(knowledge: Path) -> None:
    """A bot's exit code tells its supervisor why it stopped: a clean stop is 0 though its log lines went
    nowhere (standard error on a full disk), not 74, which would have it restarted into the same disk."""
    with serving_in_thread(TOKEN) as fake, open("/dev/full", "w") as disk, bot_process(fake, knowledge, disk) as bot:
        deadline = time.monotonic() + 30
        while not fake.called("getUpdates") and time.monotonic() < deadline:
            time.sleep(0.05)
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=20)
    assert bot.returncode == 0


def test_updates_pulled_while_stopping_are_an_info_line_not_critical(caplog: pytest.LogCaptureFixture) -> None:
    """PTB's CRITICAL for a poll that returned a busy chat's backlog after stop was called is INFO:
    nothing is lost (Telegram sends them again at the next start), and it had failed a flood test."""
    import adapters.tg.app  # noqa: F401  (installs the filter, as running the bot does)

    updater = logging.getLogger("telegram.ext.Updater")
    updater.critical("Updater stopped unexpectedly. Pulled updates will be ignored and pulled again on restart.")
    updater.critical("Something else went wrong")
    levels = [(r.levelname, r.getMessage().split(".")[0]) for r in caplog.records if r.name == "telegram.ext.Updater"]
    assert levels == [("INFO", "Updater stopped unexpectedly"), ("CRITICAL", "Something else went wrong")]
    caplog.clear()  # the second line is this test's own, not an unexpected one
