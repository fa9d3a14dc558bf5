"""End-to-end tests of the Telegram adapter: the real python-telegram-bot against a fake Bot API.

Each test starts the bot through `adapters.runner.serve` (the code path of `python -m adapters run`)
with TELEGRAM_API_BASE_URL pointing at `tests/fake_telegram.py` on 127.0.0.1, feeds updates
through getUpdates (or POSTs them to the webhook), and asserts on the calls the fake receives.
"""

from __future__ import annotations

import asyncio
import html
import io
import logging
import re
import signal
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram_support import TOKEN, assert_no_token, bot_process, handled, running, write_handbook

from adapters import runner
from adapters.platform import StartupError, TokenRevoked
from adapters.tg import render
from adapters.tg.settings import Settings as TelegramSettings
from bot import Answer, Outcome, Service, cli, start_errors
from bot.knowledge import Passage, Source
from bot.messages import APOLOGY, ASK_USAGE, COOLDOWN, LINK_ALONE
from tests.fake_telegram import BOT_USERNAME, Call, FakeTelegram, serving_in_thread

USER = {"id": 4242, "is_bot": False, "first_name": "Ann"}
OTHER = {"id": 4343, "is_bot": False, "first_name": "Bo"}
PRIVATE = {"id": 4242, "type": "private", "first_name": "Ann"}
GROUP = {"id": -1001234, "type": "supergroup", "title": "Community"}
ANSWERED_QUESTION = "When do we meet?"
ANSWERED_WORDS = "every Thursday"
FALLBACK_QUESTION = "What is the wifi password in the hall?"
TAG = re.compile(r"</?(b|i)>")


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    """A small knowledge folder of our own, so these tests do not move with the bundled one."""
    return write_handbook(tmp_path / "knowledge")  # its data folder goes beside it, in this test's tmp_path


def running_bot(
    fake: FakeTelegram, knowledge: Path, ready: str = "getUpdates", **extra: str
) -> AbstractAsyncContextManager[Service]:
    """The bot running a fresh Service on `knowledge` through the runner against `fake` until the block ends."""
    return running(fake, Service.from_directory(knowledge), ready=ready, **extra)


def visible(call: Call) -> str:
    """The text a user sees: markup removed, entities unescaped."""
    return html.unescape(TAG.sub("", call.text))


async def test_private_question_is_answered_with_section_citation_and_feedback(
    fake: FakeTelegram, handbook: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A private message is a question: the passage in HTML, section bold, citation, 👍/👎."""
    async with running_bot(fake, handbook):
        fake.message(PRIVATE, ANSWERED_QUESTION, user=USER)
        [reply] = await fake.wait_for("sendMessage")
    assert reply.params["parse_mode"] == "HTML"
    assert reply.text.startswith("<b>Meetings</b>")
    assert ANSWERED_WORDS in reply.text
    assert "<i>— Community Handbook, “Meetings”</i>" in reply.text
    assert "reply_parameters" not in reply.params  # no quoting in a private chat
    assert [b["callback_data"] for b in reply.buttons()] == ["v:+:meeting-times", "v:-:meeting-times"]
    commands = [c["command"] for c in fake.called("setMyCommands")[0].params["commands"]]
    assert commands == ["start", "help", "ask", "sources"]
    assert_no_token(caplog)


async def test_a_hedged_answer_says_so_in_italics_before_the_passage(fake: FakeTelegram, handbook: Path) -> None:
    """The handbook gives the fee, not one for students: the passage comes after the hedge."""
    async with running_bot(fake, handbook):
        fake.message(PRIVATE, "How much is the membership fee for students?", user=USER)
        [reply] = await fake.wait_for("sendMessage")
    assert reply.text.startswith("<i>I'm not sure this answers exactly what you asked. The closest I have:</i>")
    assert "<b>Membership</b>" in reply.text and "20 euros" in reply.text
    assert [b["callback_data"] for b in reply.buttons()] == ["v:+:membership-fee", "v:-:membership-fee"]


async def test_a_message_of_two_questions_gets_a_reply_for_each(fake: FakeTelegram, handbook: Path) -> None:
    """Each answer is a message of its own, with its own 👍/👎 (see tests/test_several_questions.py)."""
    async with running_bot(fake, handbook):
        fake.message(PRIVATE, "When do we meet? and how much is the membership fee?", user=USER)
        first, second = await fake.wait_for("sendMessage", count=2)
    assert first.text.startswith("<b>Meetings</b>") and "every Thursday" in first.text
    assert second.text.startswith("<b>Membership</b>") and "20 euros" in second.text
    assert [b["callback_data"] for b in second.buttons()] == ["v:+:membership-fee", "v:-:membership-fee"]


async def test_telegram_a_screenshot_sent_with_its_question_as_caption_is_answered(
    fake: FakeTelegram, handbook: Path
) -> None:
    """A member sends the bot a photo captioned "How much is the membership fee?" in a private chat: it is
    answered, as the same caption is when someone points the bot at it (it was ignored, no reply at all)."""
    photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
    async with running_bot(fake, handbook):
        fake.push({"message": {"message_id": 7, "date": int(time.time()), "chat": PRIVATE, "from": USER,
                               "photo": photo, "caption": "How much is the membership fee?"}})  # fmt: skip
        await handled(fake, PRIVATE)
    replies = [call.text for call in fake.called("sendMessage")]
    assert any("20 euros" in text for text in replies), replies


async def test_a_caption_addressed_to_the_bot_in_a_group_is_answered_and_one_that_is_not_is_left(
    fake: FakeTelegram, handbook: Path
) -> None:
    """In a group a caption is read as a text is: answered when it mentions the bot, silence when it does not."""
    photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
    mention = {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}
    async with running_bot(fake, handbook):
        fake.push({"message": {"message_id": 8, "date": int(time.time()), "chat": GROUP, "from": USER,
                               "photo": photo, "caption": "When do we meet?"}})  # fmt: skip
        fake.push({"message": {"message_id": 9, "date": int(time.time()), "chat": GROUP, "from": USER,
                               "photo": photo, "caption": f"@{BOT_USERNAME} How much is the membership fee?",
                               "caption_entities": [mention]}})  # fmt: skip
        await handled(fake, GROUP)
    [answer] = fake.called("sendMessage")
    assert "20 euros" in answer.text and answer.params["reply_parameters"]["message_id"] == 9


async def test_telegram_a_file_sent_alone_in_a_private_chat_gets_a_reply(fake: FakeTelegram, handbook: Path) -> None:
    """A member sends the bot a log file (or a screenshot) without a caption in a private chat: it says it
    cannot open files ("I can't open links or files. Ask me your question in words"), not nothing at all."""
    document = {"file_id": "d1", "file_unique_id": "u1", "file_name": "error.log", "mime_type": "text/plain"}
    async with running_bot(fake, handbook):
        fake.push({"message": {"message_id": 7, "date": int(time.time()), "chat": PRIVATE, "from": USER,
                               "document": document}})  # fmt: skip
        await handled(fake, PRIVATE)
    [note] = fake.called("sendMessage")
    assert html.unescape(note.text) == LINK_ALONE, note.text


async def test_a_sticker_or_a_round_video_in_a_private_chat_gets_a_reply(fake: FakeTelegram, handbook: Path) -> None:
    """A member answers the bot with a 👍 sticker, or records a round video message (a video note), in a
    private chat: the sticker is taken as its emoji ("You're welcome!", as a 👍 typed is), the video gets the
    note a voice message gets; both had got nothing at all. In a group, both stay unanswered."""
    sticker = {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
               "is_animated": False, "is_video": False, "emoji": "👍"}  # fmt: skip
    video_note = {"file_id": "v1", "file_unique_id": "u2", "length": 240, "duration": 4}
    async with running_bot(fake, handbook):
        for n, (chat, sent) in enumerate(
            [(chat, sent) for chat in (GROUP, PRIVATE) for sent in ({"sticker": sticker}, {"video_note": video_note})]
        ):
            fake.push({"message": {"message_id": 70 + n, "date": int(time.time()), "chat": chat, "from": USER, **sent}})
        await handled(fake, GROUP)
        await handled(fake, PRIVATE)
    thanks, note = (html.unescape(c.text) for c in fake.called("sendMessage"))
    assert thanks == "You're welcome!" and note == LINK_ALONE


def album_photo(message_id: int, album: str, **fields: Any) -> dict[str, Any]:
    """One photo of album `album` from USER in the private chat, as Telegram delivers an album's parts."""
    shot = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
    return {"message_id": message_id, "date": int(time.time()), "chat": PRIVATE, "from": USER, "photo": shot,
            "media_group_id": album, **fields}  # fmt: skip


async def test_an_album_of_screenshots_is_one_question_not_a_note_per_photo(fake: FakeTelegram, handbook: Path) -> None:
    """A member sends the bot three screenshots at once captioned "How much is the membership fee?":
    Telegram delivers an album as one message per photo (one media_group_id), the caption on the
    first. The bot answered, then told the member twice "I can't open links or files. Ask me your
    question in words", which they just did; four screenshots without a caption got four such notes."""
    async with running_bot(fake, handbook):
        fake.push({"message": album_photo(7, "a1", caption="How much is the membership fee?")})
        for i in range(2):
            fake.push({"message": album_photo(8 + i, "a1")})
        await handled(fake, PRIVATE)
        captioned = [html.unescape(c.text) for c in fake.called("sendMessage")]
        for i in range(4):
            fake.push({"message": album_photo(20 + i, "a2")})
        fake.push({"message": album_photo(30, "a3")})  # another album: its own note
        await fake.wait_for("sendMessage", len(captioned) + 2)  # each note once the album's photos have all come
        await handled(fake, PRIVATE)
        uncaptioned = [html.unescape(c.text) for c in fake.called("sendMessage")][len(captioned) :]
    assert len(captioned) == 1 and "20 euros" in captioned[0], captioned
    assert uncaptioned == [LINK_ALONE, LINK_ALONE], uncaptioned


async def test_an_album_captioned_on_a_later_photo_gets_its_answer_and_no_note(
    fake: FakeTelegram, handbook: Path
) -> None:
    """An album whose caption is on its second photo (clients put it on the first, but the Bot API lets
    any carry it): its first photo had got "I can't open links or files" before the caption's answer.
    Another album sent after it, without a caption, gets its one note after the first album's decision."""
    async with running_bot(fake, handbook):
        fake.push({"message": album_photo(7, "b1")})
        fake.push({"message": album_photo(8, "b1", caption="How much is the membership fee?")})
        fake.push({"message": album_photo(9, "b1")})
        fake.push({"message": album_photo(20, "b2")})
        await fake.wait_for("sendMessage", 2)
        await handled(fake, PRIVATE)
    replies = [html.unescape(c.text) for c in fake.called("sendMessage")]
    assert len(replies) == 2 and "20 euros" in replies[0] and replies[1] == LINK_ALONE, replies


async def test_a_photo_sent_alone_in_a_group_gets_no_reply(fake: FakeTelegram, handbook: Path) -> None:
    """In a group a photo without a caption is no one's question to the bot: silence, as for any chatter."""
    photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
    async with running_bot(fake, handbook):
        fake.push({"message": {"message_id": 8, "date": int(time.time()), "chat": GROUP, "from": USER,
                               "photo": photo}})  # fmt: skip
        await handled(fake, GROUP)
    assert fake.called("sendMessage") == []


async def test_group_is_answered_only_when_addressed(fake: FakeTelegram, handbook: Path) -> None:
    """In a group: silence on chatter; a mention, a reply to the bot and /ask@BotName are answered."""
    async with running_bot(fake, handbook):
        fake.message(GROUP, "When do we meet? I wonder.", user=USER)  # not for the bot
        fake.message(GROUP, "@SomeoneElse when do we meet?", user=USER)
        mention = fake.message(GROUP, f"@{BOT_USERNAME} when do we meet?", user=USER)
        [first] = await fake.wait_for("sendMessage")
        reply = fake.message(GROUP, "and how much is the membership fee?", user=OTHER, reply_to=first.result)
        fake.message(GROUP, "/ask@OtherBot when do we meet?", user=USER)
        command = fake.message(GROUP, f"/ask@{BOT_USERNAME} When do we meet?", user=OTHER)
        await fake.wait_for("sendMessage", 3)
        await asyncio.sleep(0.3)  # nothing else may come
    sent = fake.called("sendMessage")
    assert len(sent) == 3
    by_question = {c.params["reply_parameters"]["message_id"]: c.text.lower() for c in sent}
    assert ANSWERED_WORDS.lower() in by_question[mention["message_id"]]
    assert "20 euros" in by_question[reply["message_id"]]
    assert ANSWERED_WORDS.lower() in by_question[command["message_id"]]


@pytest.mark.parametrize(
    ("chat", "typed"),
    [(PRIVATE, "/ask:"), (PRIVATE, "/ask: "), (GROUP, f"/ask@{BOT_USERNAME}:"), (GROUP, "/ask:")],
    ids=["private", "space", "group", "group without the bot's name"],
)
async def test_ask_with_a_colon_asks_what_follows_it(
    fake: FakeTelegram, handbook: Path, chat: dict[str, Any], typed: str
) -> None:
    """ "/ask:parking" (Telegram ends the command at the colon) asks "parking": it had asked what followed
    the first space, nothing here, and got the usage line instead of the answer."""
    async with running_bot(fake, handbook):
        fake.message(chat, f"{typed}parking", user=USER)
        [reply] = await fake.wait_for("sendMessage")
    assert ASK_USAGE not in reply.text and "Elm street" in reply.text, reply.text


async def test_a_forwarded_post_is_answered_in_a_private_chat_never_in_a_group(
    fake: FakeTelegram, handbook: Path
) -> None:
    """A channel's post forwarded automatically into its discussion group ("Questions? Ask @bot") got
    "Sorry, I don't know that one" and topic buttons, and cost the group's cooldown; a member who
    forwards a message to the bot in private wants it answered."""
    channel = {"id": -1002222, "type": "channel", "title": "Club news"}
    origin = {"forward_origin": {"type": "channel", "chat": channel, "message_id": 5, "date": 1700000000}}
    post = f"Big news: we meet on Friday now! Questions? Ask @{BOT_USERNAME}."
    async with running_bot(fake, handbook):
        telegram = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
        fake.message(GROUP, post, user=telegram, sender_chat=channel, is_automatic_forward=True, **origin)
        fake.message(GROUP, f"@{BOT_USERNAME} when do we meet?", user=OTHER, **origin)  # forwarded by hand
        fake.message(PRIVATE, "When do we meet?", user=USER, **origin)
        [answer] = await fake.wait_for("sendMessage")
        await asyncio.sleep(0.3)  # nothing else may come
    assert answer.params["chat_id"] == str(PRIVATE["id"]) and ANSWERED_WORDS.lower() in answer.text.lower()
    assert len(fake.called("sendMessage")) == 1


async def test_help_start_and_sources(fake: FakeTelegram, handbook: Path) -> None:
    """/help lists the sections and how to ask; /start@BotName works in groups; /sources names the source."""
    async with running_bot(fake, handbook):
        fake.message(PRIVATE, "/help", user=USER)
        fake.message(GROUP, f"/start@{BOT_USERNAME}", user=USER)
        fake.message(PRIVATE, "/sources", user=USER)
        sent = await fake.wait_for("sendMessage", 3)
    private = [c for c in sent if c.params["chat_id"] == str(PRIVATE["id"])]
    [private_help] = [c for c in private if "Ask me" in c.text]
    [sources] = [c for c in private if "Ask me" not in c.text]
    [group_help] = [c for c in sent if c.params["chat_id"] == str(GROUP["id"])]
    assert "• Meetings" in private_help.text and "• Getting there" in private_help.text
    assert "Just send me your question." in private_help.text
    assert f"@{BOT_USERNAME}" in group_help.text and "/ask" in group_help.text
    assert "“Community Handbook”, The Organising Team" in sources.text


async def test_fallback_offers_buttons_and_a_press_answers(fake: FakeTelegram, handbook: Path) -> None:
    """An unknown question gets suggestion buttons; pressing one acknowledges it, then answers; the
    question's gap names the topic chosen, for moderators."""
    async with running_bot(fake, handbook) as service:
        fake.message(PRIVATE, FALLBACK_QUESTION, user=USER)
        [fallback] = await fake.wait_for("sendMessage")
        data = [b["callback_data"] for b in fallback.buttons()]
        assert data and all(d.startswith("p:") and len(d.encode()) <= 64 for d in data)
        fake.press(fallback.result, data[0], user=USER)
        [ack] = await fake.wait_for("answerCallbackQuery")
        _, chosen = await fake.wait_for("sendMessage", 2)
    assert "don't know" in visible(fallback)
    assert "text" not in ack.params
    assert chosen.text.startswith("<b>")
    assert chosen.buttons()[0]["callback_data"] == "v:+:" + data[0][2:]
    assert fake.calls.index(ack) < fake.calls.index(chosen)
    [gap] = [g for g in service.gaps.gaps() if FALLBACK_QUESTION in g.questions]
    assert gap.chosen == ((data[0][2:], 1),)


INSTALL_GUIDE = """\
source: {title: Install guide}
passages:
  - id: install-1
    section: Installing on Windows
    text: Download the installer from the releases page and run it as administrator.
  - id: install-2
    section: Installing on Windows
    text: Then open a new terminal and check the version with tool --version.
  - id: updates
    section: Updates
    text: The tool checks for updates once a week.
"""


async def test_an_answer_whose_section_goes_on_offers_read_on_and_a_press_sends_the_rest(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Step 1 of an installation answered alone left the member without step 2: "Read on ▸" sends the
    next passage of the section, which (the section's last) has none of its own. A read-on press is no
    topic chosen: `kb gaps` still names the topic the member pressed for their question."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "guide.yaml").write_text(INSTALL_GUIDE, encoding="utf-8")
    async with running_bot(fake, folder) as service:
        fake.message(PRIVATE, "is the installer free of charge on windows xp?", user=USER)
        [fallback] = await fake.wait_for("sendMessage")
        fake.press(fallback.result, "p:install-1", user=USER)
        _, first = await fake.wait_for("sendMessage", 2)
        fake.press(first.result, first.buttons()[2]["callback_data"], user=USER)
        _, _, rest = await fake.wait_for("sendMessage", 3)
        [gap] = service.gaps.gaps()  # type: ignore[union-attr]
    assert "Download the installer" in first.text
    assert [(b["text"], b["callback_data"]) for b in first.buttons()] == [
        ("👍", "v:+:install-1"),
        ("👎", "v:-:install-1"),
        ("Read on ▸", "r:install-2"),
    ]
    assert rest.text.startswith("<b>Installing on Windows</b>") and "tool --version" in rest.text
    assert [b["callback_data"] for b in rest.buttons()] == ["v:+:install-2", "v:-:install-2"]
    assert gap.chosen == (("install-1", 1),)


def test_a_token_revoked_while_running_exits_4_with_one_line(handbook: Path) -> None:
    """getUpdates answers 401 after a while: the process exits 4 with one ERROR line, no traceback, no hang."""
    with serving_in_thread(TOKEN) as fake, bot_process(fake, handbook) as process:
        deadline = time.monotonic() + 30
        while not fake.called("getUpdates") and time.monotonic() < deadline:
            time.sleep(0.05)
        fake.token = "revoked"  # the owner revoked the token with @BotFather
        _, err = process.communicate(timeout=30)
    assert process.returncode == runner.EXIT_TOKEN_REVOKED == 4, err[-2000:]
    [line] = [line for line in err.splitlines() if " ERROR " in line]
    assert "no longer accepts TELEGRAM_BOT_TOKEN" in line and line.endswith("exiting with code 4")
    assert "Traceback" not in err and TOKEN not in err


@pytest.mark.allow_error_logs
async def test_a_token_revoked_in_webhook_mode_stops_the_bot_as_in_polling_mode(
    fake: FakeTelegram, handbook: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The token is revoked with @BotFather while the bot runs behind a webhook. Telegram still posts
    updates to the webhook, but refuses every reply with 401: the bot logs an ERROR with a traceback
    for each update ("handling Telegram update 1 failed"), tries an apology that fails too, and runs
    on, deaf and dumb, where in polling mode it stops with exit code 4 and the one line that says
    to set the new token (adapters/runner.py: code 4, "a platform stopped accepting its token")."""
    port, secret = free_port(), "s3cret-Token_1"
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg",
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "TELEGRAM_WEBHOOK_SECRET": secret,
    }
    message = {"message_id": 5, "date": int(time.time()), "chat": PRIVATE, "from": USER, "text": "When do we meet?"}
    stop = asyncio.Event()
    serving = asyncio.create_task(runner.serve(Service.from_directory(handbook), env, stop))
    try:
        await fake.wait_for("setWebhook")
        await wait_for_port(port)
        fake.token = "123456:revoked-with-botfather-0123456789"  # every call of the old token: 401
        async with aiohttp.ClientSession() as http:
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            url = f"http://127.0.0.1:{port}/tg"
            async with http.post(url, json={"update_id": 1, "message": message}, headers=headers) as posted:
                assert posted.status == 200
        done, _ = await asyncio.wait({serving}, timeout=5)  # a bound on a hang, not a timing
    finally:
        stop.set()
        await asyncio.wait({serving}, timeout=10)
    tracebacks = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert done and isinstance(serving.exception(), TokenRevoked), tracebacks
    assert not tracebacks


async def test_feedback_press_is_recorded_and_acknowledged(fake: FakeTelegram, handbook: Path) -> None:
    """A 👎 press is recorded by the core and gets a thank-you toast."""
    async with running_bot(fake, handbook) as service:
        fake.message(PRIVATE, ANSWERED_QUESTION, user=USER)
        [reply] = await fake.wait_for("sendMessage")
        fake.press(reply.result, reply.buttons()[1]["callback_data"], user=USER)
        [ack] = await fake.wait_for("answerCallbackQuery")
    assert ack.params["text"] == "Thanks for the feedback!"
    [vote] = service.gaps.votes()
    assert (vote.passage_id, vote.helpful, vote.platform) == ("meeting-times", False, "telegram")


async def test_one_vote_per_user_and_answer_and_forged_ones_are_dropped(fake: FakeTelegram, handbook: Path) -> None:
    """300 👎 from one user count once, a 👍 after them replaces it, and votes for passages that do not
    exist (a plain or a hashed forged reference) are not stored."""
    async with running_bot(fake, handbook) as service:
        fake.message(PRIVATE, ANSWERED_QUESTION, user=USER)
        [reply] = await fake.wait_for("sendMessage")
        up, down = (b["callback_data"] for b in reply.buttons())
        presses = [down] * 300 + ["v:-:no-such-passage", "v:-:#" + "0" * 24]
        for batch in range(0, len(presses), 100):  # in batches: a chat's queue holds at most 256 updates
            for data in presses[batch : batch + 100]:
                fake.press(reply.result, data, user=USER)
            await fake.wait_for("answerCallbackQuery", min(batch + 100, len(presses)))
        assert [(v.passage_id, v.helpful) for v in service.gaps.votes()] == [("meeting-times", False)]
        fake.press(reply.result, up, user=USER)
        fake.press(reply.result, down, user=OTHER)
        await fake.wait_for("answerCallbackQuery", 304)
    votes = sorted((v.helpful, v.user_id) for v in service.gaps.votes())
    assert [helpful for helpful, _ in votes] == [False, True]  # USER's last vote, and OTHER's


class _CountedPassages(tuple[Passage, ...]):
    """The live passages, counting how often they are read through (each read hashes every id)."""

    reads = 0

    def __iter__(self) -> Iterator[Passage]:
        type(self).reads += 1
        return super().__iter__()


def test_a_forged_reference_costs_a_dict_look_up_at_100000_passages() -> None:
    """Hashed references are tabled once per version of the passages: 1,000 forged presses read the
    100,000 passages once (then each is a dict look-up), and a new version is read once again.
    (Counted, not timed.)"""
    source = Source(title="T")
    passages = _CountedPassages(Passage(f"{LONG_ID[:57]}-{n:06d}", "S", "T", source) for n in range(100_000))
    refs = render.RefTable()
    real = render.passage_ref(passages[-1].id)
    assert real.startswith("#") and refs.resolve(real, passages) == passages[-1].id
    for n in range(1000):
        assert refs.resolve(f"#{n:024x}", passages) == f"#{n:024x}"  # unknown: the core then drops it
    assert _CountedPassages.reads == 1
    changed = _CountedPassages(passages[:-1])
    reads = _CountedPassages.reads
    assert refs.resolve(real, changed) == real and _CountedPassages.reads == reads + 1  # gone: left to the core


LONG_ID = "pipes-and-valves-" * 3 + "gauges-waters"  # 64 characters, the longest id allowed


def long_knowledge(folder: Path) -> Path:
    """A knowledge folder with one long, markup-heavy passage (its escaped HTML is over 4096)."""
    sentence = "Pipes & <valves> & <gauges> & R&D <tools> carry water. "
    text = (sentence * (2900 // len(sentence))).strip()
    lines = [
        'source: {title: "Plumbing & <Pipes>", publisher: null, url: null}',
        "passages:",
        f"  - id: {LONG_ID}",
        '    section: "Pipes & <valves>"',
        f'    text: "{text}"',
        '    questions: ["How do pipes and valves carry water?"]',
        "  - id: short-pumps",
        '    section: "Pumps"',
        '    text: "Pumps push water uphill with electric motors."',
        "  - id: short-taps",
        '    section: "Taps"',
        '    text: "Taps open and close the flow at the sink."',
    ]
    (folder / "plumbing.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


async def test_long_answer_is_split_under_4096_with_whole_tags(fake: FakeTelegram, tmp_path: Path) -> None:
    """A passage whose HTML exceeds 4096 characters arrives in several messages, none over 4096.

    Its id is 64 characters, so the 👍 button carries a short reference that still records a vote.
    """
    async with running_bot(fake, long_knowledge(tmp_path)) as service:
        fake.message(PRIVATE, "How do pipes and valves carry water?", user=USER)
        await fake.wait_for("sendMessage", 2)
        await asyncio.sleep(0.3)
        sent = fake.called("sendMessage")
        thumbs_up = sent[-1].buttons()[0]["callback_data"]
        fake.press(sent[-1].result, thumbs_up, user=USER)
        await fake.wait_for("answerCallbackQuery")
    assert len(thumbs_up.encode()) <= 64  # the id is too long for callback data: a short reference
    assert [v.passage_id for v in service.gaps.votes()] == [LONG_ID]
    assert len(sent) >= 2
    assert all(len(c.text) <= 4096 for c in sent)
    for call in sent:  # every tag closed in the message that opened it; no cut entity
        assert call.text.count("<b>") == call.text.count("</b>") and call.text.count("<i>") == call.text.count("</i>")
        assert "<" not in TAG.sub("", call.text) and not re.search(r"&(?!amp;|lt;|gt;)", call.text)
    assert sent[0].text.startswith("<b>Pipes &amp; &lt;valves&gt;</b>")
    assert sent[-1].buttons() and not any(c.buttons() for c in sent[:-1])
    words = " ".join(visible(c) for c in sent).split()
    assert words.count("<gauges>") == 52 and words.count("<valves>") == 53  # 52 sentences, and the section


async def test_a_long_answer_to_a_comment_stays_under_the_channel_post(fake: FakeTelegram, tmp_path: Path) -> None:
    """In a channel's discussion group, a member comments on a post "@QABot How do pipes and valves
    carry water?". The answer takes two messages: the first replied to the comment, so it showed
    under the post; the second was sent to the group replying to nothing, so it landed in the
    group's main chat, away from the comments (Telegram keeps a message in a comment thread only
    when it replies into it; a bot cannot name the thread)."""
    channel = {"id": -1009999, "type": "channel", "title": "Community news"}
    post = {
        "message_id": 50, "date": int(time.time()), "chat": GROUP, "sender_chat": channel, "is_automatic_forward": True,
        "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"}, "text": "Our plumbing guide is out.",
    }  # fmt: skip
    question = f"@{BOT_USERNAME} How do pipes and valves carry water?"
    async with running_bot(fake, long_knowledge(tmp_path)):
        comment = fake.message(GROUP, question, user=OTHER, reply_to=post, message_thread_id=50)
        fake.message(GROUP, question, user=USER)  # the same in the group's main chat
        await handled(fake, GROUP)
    sent = fake.called("sendMessage")
    under_post = [c for c in sent if c.params.get("reply_parameters", {}).get("message_id") == comment["message_id"]]
    in_main_chat = sent[len(under_post) :]
    assert len(under_post) >= 2  # the answer takes several messages, each one a reply into the comments
    assert "reply_parameters" in in_main_chat[0].params  # in the main chat: the first quotes the question
    assert all("reply_parameters" not in c.params for c in in_main_chat[1:])  # the rest follow it, unquoted


async def test_a_long_topic_pressed_in_a_channel_posts_comments_stays_under_the_post(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """A member commenting on a channel post asks what the bot does not know and presses the topic it
    offers: the passage took two messages, and only the first stayed in the comments; the second,
    replying to nothing, landed in the group's main chat (as answers to questions had, until session 25)."""
    channel = {"id": -1009999, "type": "channel", "title": "Community news"}
    post = {
        "message_id": 50, "date": int(time.time()), "chat": GROUP, "sender_chat": channel, "is_automatic_forward": True,
        "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"}, "text": "Our plumbing guide is out.",
    }  # fmt: skip
    async with running_bot(fake, long_knowledge(tmp_path)):
        question = f"@{BOT_USERNAME} Which brand of valves should I buy for gas?"
        fake.message(GROUP, question, user=OTHER, reply_to=post, message_thread_id=50)
        [declined] = await fake.wait_for("sendMessage")
        [pipes] = [b["callback_data"] for b in declined.buttons() if "pipes and valves" in b["text"]]
        fake.press(declined.result, pipes, user=OTHER)
        await fake.wait_for("sendMessage", 3)
        await handled(fake, GROUP)
    chosen = fake.called("sendMessage")[1:]
    assert len(chosen) >= 2 and "Pipes &amp;" in chosen[0].text  # the passage takes several messages
    replies_to = [c.params.get("reply_parameters", {}).get("message_id") for c in chosen]
    assert replies_to == [declined.result["message_id"]] * len(chosen)  # each one a reply into the comments


async def test_an_imported_guides_commands_arrive_as_code(fake: FakeTelegram, tmp_path: Path) -> None:
    """A Markdown guide imported with `kb import`: the fenced commands stay under the line that introduces
    them, and Telegram gets them as <pre> (shown as code to copy), their `<` and `&` escaped."""
    guide = tmp_path / "update.md"
    guide.write_text(
        "# Shutterbox guide\n\n## How do I update?\n\nPull the new images, then restart:\n\n"
        "```sh\ndocker compose pull\ndocker compose up -d && docker image prune < /dev/null\n```\n\n"
        "Migrations run on their own.\n",
        encoding="utf-8",
    )
    folder = tmp_path / "knowledge"
    assert cli.main(["kb", "import", str(guide), "--knowledge", str(folder)], out=io.StringIO()) == 0
    assert cli.main(["kb", "publish", "--all", "--knowledge", str(folder)], out=io.StringIO()) == 0
    async with running_bot(fake, folder):
        fake.message(PRIVATE, "How do I update?", user=USER)
        [reply] = await fake.wait_for("sendMessage")
    assert reply.text.startswith("<b>How do I update?</b>\n\nPull the new images, then restart:\n\n<pre>")
    assert (
        "<pre>docker compose pull\ndocker compose up -d &amp;&amp; docker image prune &lt; /dev/null</pre>"
        in reply.text
    )
    assert "```" not in reply.text


def test_code_that_shows_a_fence_is_one_pre() -> None:
    """A code block that shows a fence (a longer fence around it) renders as one `<pre>`, the inner fence kept as text
    and escaped."""
    answer = Answer(
        text="", outcome=Outcome.ANSWERED, passage_id="write", section="Writing code",
        passage_text="Write:\n````\n```python\nprint(1 < 2)\n```\n````\nThat is all.",
    )  # fmt: skip
    assert render.render(answer) == [
        "<b>Writing code</b>\n\nWrite:\n\n<pre>```python\nprint(1 &lt; 2)\n```</pre>\n\nThat is all."
    ]


async def test_user_html_is_escaped(fake: FakeTelegram, handbook: Path) -> None:
    """HTML-looking user input never reaches Telegram as markup (a fallback echoes nothing raw)."""
    async with running_bot(fake, handbook):
        fake.message(GROUP, f"@{BOT_USERNAME} <b>hi</b> & <a href='x'>when do we meet?</a>", user=USER)
        fake.message(PRIVATE, "<script>&amp; </i> what is <b>", user=USER)
        sent = await fake.wait_for("sendMessage", 2)
    for call in sent:
        assert "<script>" not in call.text and "<a " not in call.text and "</i> what" not in call.text
        assert not re.search(r"&(?!amp;|lt;|gt;)", call.text)
        assert set(re.findall(r"</?\w+", call.text)) <= {"<b", "</b", "<i", "</i"}


CODE = re.compile(r"<(code|pre)>.*?</\1>", re.DOTALL)


@pytest.mark.parametrize(
    ("planted", "word"),
    [("https://free-nitro.com/claim", "free-nitro"), ("@alice_admin", "alice")],
    ids=["address", "username"],
)
async def test_telegram_a_members_address_or_username_quoted_back_is_no_link_or_mention(
    fake: FakeTelegram, handbook: Path, planted: str, word: str
) -> None:
    """The part of a message not answered is quoted back ("About “is https://… legit?”:"); Telegram makes an
    address in a bot's text a link and an @username a mention that notifies its user, so the member's words
    became a link, or a ping, in the bot's own message (Discord's reply unlinks addresses for that reason)."""
    asked = f"@{BOT_USERNAME} When do we meet? And is {planted} legit?"
    async with running_bot(fake, handbook):
        fake.message(GROUP, asked, user=USER)
        _, note = await fake.wait_for("sendMessage", 2)
    assert "About" in note.text and word in note.text  # still quoted, as the member wrote it
    outside_code = html.unescape(CODE.sub("", note.text))
    assert planted not in outside_code, note.text


async def test_telegram_a_cyrillic_domain_quoted_back_is_code(fake: FakeTelegram, handbook: Path) -> None:
    """An address in a member's words quoted back is code, no link: "сайт-клуба.рф", which Telegram links
    as it links "club.org", as well (only domains ending in Latin letters were made code)."""
    async with running_bot(fake, handbook):
        fake.message(GROUP, f"@{BOT_USERNAME} When do we meet? And is сайт-клуба.рф legit?", user=USER)
        _, note = await fake.wait_for("sendMessage", 2)
    assert "About" in note.text and "<code>сайт-клуба.рф</code>" in note.text, note.text


def test_only_the_quoted_words_are_marked_as_code_the_topics_below_stay_as_they_were() -> None:
    """In the quoted line an address, a path or a /command becomes code; the fallback under it is escaped as before."""
    text = "About “see x.org/a & /start, or /usr/bin?”:\n• Parking at club.org & more"
    answer = Answer(text=text, outcome=Outcome.FALLBACK, asked="see x.org/a & /start, or /usr/bin?")
    assert render.render(answer) == [
        "About “see <code>x.org/a</code> &amp; <code>/start</code>, or <code>/usr/bin</code>?”:"
        "\n• Parking at club.org &amp; more"
    ]


async def test_retry_after_is_waited_out_and_the_reply_still_goes(fake: FakeTelegram, handbook: Path) -> None:
    """A 429 with retry_after on sendMessage: the bot waits and sends the reply once."""
    fake.fail_next("sendMessage", retry_after=1)
    async with running_bot(fake, handbook):
        loop = asyncio.get_running_loop()
        fake.message(PRIVATE, ANSWERED_QUESTION, user=USER)
        started = loop.time()
        [reply] = await fake.wait_for("sendMessage")
        waited = loop.time() - started
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [429, 200]
    assert waited >= 1.0
    assert ANSWERED_WORDS in reply.text


@pytest.mark.allow_error_logs
async def test_telegram_max_retries_bounds_the_retries_of_a_refused_reply(
    fake: FakeTelegram, handbook: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator sets TELEGRAM_MAX_RETRIES=1 ("how often a reply refused with 429 is retried",
    docs/telegram.md). Telegram answers 429 three times: the reply is sent four times (the rate
    limiter's retry, then the network retries of TELEGRAM_SEND_ATTEMPTS on top), and each time the
    rate limiter gives up it logs an ERROR with a traceback, though the reply is sent again after.
    It should be retried once, then lost with the one "reply lost" line, no traceback."""
    async with running(fake, Service.from_directory(handbook), TELEGRAM_MAX_RETRIES="1"):
        for _ in range(3):
            fake.fail_next("sendMessage", retry_after=1)
        fake.message(PRIVATE, "When do we meet?", user=USER)
        await handled(fake, PRIVATE)
    attempts = fake.calls_of("sendMessage")
    tracebacks = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert (len(attempts), tracebacks) == (2, [])
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "Telegram update 1: reply lost, Telegram still failing after retries (RetryAfter)"
    ]


async def test_cooldown_sends_one_polite_note(fake: FakeTelegram, handbook: Path) -> None:
    """A user flooding the bot gets five answers, then one cooldown note, then silence."""
    async with running_bot(fake, handbook):
        for _ in range(8):
            fake.message(PRIVATE, ANSWERED_QUESTION, user=USER)
        await fake.wait_for("sendMessage", 6)
        await asyncio.sleep(0.3)
        sent = fake.called("sendMessage")
    assert len(sent) == 6
    assert sum(c.text == html.escape(COOLDOWN, quote=False) for c in sent) == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for_port(port: int) -> None:
    """Wait until the webhook server accepts connections (it starts after setWebhook)."""
    async with asyncio.timeout(10):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return


@asynccontextmanager
async def webhook_workers(
    fake: FakeTelegram, first: Service, second: Service, secret: str
) -> AsyncIterator[tuple[int, int]]:
    """`first` as the webhook's owner and `second` as a worker (TELEGRAM_WEBHOOK_OWNER=no), behind one proxy
    (docs/scaling.md) with one shared `secret`, until the block ends; their ports, once both listen."""
    ports = free_port(), free_port()

    def env(port: int, owner: str) -> dict[str, str]:
        return {
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg",
            "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
            "TELEGRAM_WEBHOOK_PORT": str(port),
            "TELEGRAM_WEBHOOK_SECRET": secret,
            "TELEGRAM_WEBHOOK_OWNER": owner,
        }

    async with (
        running(fake, first, ready="setWebhook", **env(ports[0], "yes")),
        running(fake, second, ready="getMe", **env(ports[1], "no")),
    ):
        for port in ports:
            await wait_for_port(port)
        yield ports


async def test_webhook_mode_accepts_only_the_secret(fake: FakeTelegram, handbook: Path) -> None:
    """With TELEGRAM_WEBHOOK_URL: setWebhook with the secret; a POST without it gets 403."""
    port = free_port()
    secret = "s3cret-Token_1"
    env = {
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/hook",
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "TELEGRAM_WEBHOOK_SECRET": secret,
    }
    update: dict[str, Any] = {
        "update_id": 1,
        "message": {"message_id": 5, "date": 0, "chat": PRIVATE, "from": USER, "text": ANSWERED_QUESTION},
    }
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with running_bot(fake, handbook, ready="setWebhook", **env), aiohttp.ClientSession() as http:
        await wait_for_port(port)
        [registered] = fake.called("setWebhook")
        async with http.post(url, json=update) as foreign:
            assert foreign.status == 403
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        async with http.post(url, json={**update, "update_id": 2}, headers=wrong) as forged:
            assert forged.status == 403
        right = {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with http.post(url, json={**update, "update_id": 3}, headers=right) as genuine:
            assert genuine.status == 200
        [reply] = await fake.wait_for("sendMessage")
        await asyncio.sleep(0.2)
    assert registered.params["url"] == "https://bot.example.org/telegram/hook"
    assert registered.params["secret_token"] == secret
    assert len(fake.called("sendMessage")) == 1 and ANSWERED_WORDS in reply.text
    assert not fake.called("getUpdates")


async def test_a_webhook_url_ending_in_a_slash_still_gets_its_updates(fake: FakeTelegram, handbook: Path) -> None:
    """An operator sets TELEGRAM_WEBHOOK_URL=https://bot.example.org/telegram/ (a trailing slash, as
    URLs are often written): setWebhook registers it, so Telegram POSTs to /telegram/, but the bot
    serves only /telegram and answers 404: it never hears a message, and nothing says why."""
    port, secret = free_port(), "s3cret-Token_1"
    env = {
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/",
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "TELEGRAM_WEBHOOK_SECRET": secret,
    }
    message = {"message_id": 5, "date": int(time.time()), "chat": PRIVATE, "from": USER, "text": "When do we meet?"}
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with running(fake, Service.from_directory(handbook), ready="setWebhook", **env):
        await wait_for_port(port)
        [registered] = fake.called("setWebhook")
        path = registered.params["url"].removeprefix("https://bot.example.org")  # where Telegram POSTs
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}{path}"
            async with http.post(url, json={"update_id": 1, "message": message}, headers=headers) as posted:
                status = posted.status
        if status == 200:
            await fake.wait_for("sendMessage")
    assert status == 200
    assert "every Thursday" in fake.called("sendMessage")[0].text


async def test_the_webhook_owner_reads_no_strangers_body_and_at_most_a_mebibyte_of_telegrams(
    fake: FakeTelegram, handbook: Path
) -> None:
    """In webhook mode the owner (which listens on 0.0.0.0 by default) takes Telegram's POSTs on the
    same server as a worker: a stranger's 4 MiB body without the secret is refused unread (403), and
    even with the secret a body over 1 MiB is refused (413). python-telegram-bot's own server, which
    the owner used before, read bodies of up to 100 MB before it looked at the secret."""
    port = free_port()
    secret = "s3cret-Token_1"
    env = {
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg",
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "TELEGRAM_WEBHOOK_SECRET": secret,
    }
    body = b'{"update_id": 1, "padding": "' + b"x" * (4 << 20) + b'"}'
    headers = {"Content-Type": "application/json"}
    async with running_bot(fake, handbook, ready="setWebhook", **env), aiohttp.ClientSession() as http:
        await wait_for_port(port)
        async with http.post(f"http://127.0.0.1:{port}/tg", data=body, headers=headers) as response:
            stranger = response.status
        signed = {**headers, "X-Telegram-Bot-Api-Secret-Token": secret}
        async with http.post(f"http://127.0.0.1:{port}/tg", data=body, headers=signed) as response:
            oversized = response.status
    assert (stranger, oversized) == (403, 413)


async def test_webhook_workers_share_one_registration(fake: FakeTelegram, handbook: Path) -> None:
    """Behind a proxy: the owner registers the webhook once; a worker with TELEGRAM_WEBHOOK_OWNER=no calls
    neither setWebhook nor deleteWebhook, yet answers what it is sent, with the same secret checks."""
    secret = "shared_Secret-2"
    update: dict[str, Any] = {
        "update_id": 10,
        "message": {"message_id": 5, "date": 0, "chat": PRIVATE, "from": USER, "text": ANSWERED_QUESTION},
    }
    right = {"X-Telegram-Bot-Api-Secret-Token": secret}
    both = Service.from_directory(handbook), Service.from_directory(handbook)
    async with webhook_workers(fake, *both, secret) as ports, aiohttp.ClientSession() as http:
        worker = f"http://127.0.0.1:{ports[1]}/tg"
        async with http.post(worker, json=update) as foreign:
            assert foreign.status == 403
        async with http.post(worker, data=b"{not json", headers=right) as garbled:
            assert garbled.status == 400
        huge_date = b'{"update_id": 9, "message": {"message_id": 1, "date": 1e300, "chat": {"id": 1, "type": "x"}}}'
        async with http.post(worker, data=huge_date, headers=right) as odd:
            assert odd.status == 400  # what a malformed body raises is a 400, never a 500
        reader, writer = await asyncio.open_connection("127.0.0.1", ports[1])  # a header no client library sends
        writer.write(b"POST /tg HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: \xff\xfe\r\n"
                     b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")  # fmt: skip
        await writer.drain()
        assert (await reader.read()).startswith(b"HTTP/1.1 403")
        writer.close()
        async with http.post(f"http://127.0.0.1:{ports[1]}/elsewhere", json=update, headers=right) as astray:
            assert astray.status == 404
        for n, port in enumerate(ports):
            async with http.post(
                f"http://127.0.0.1:{port}/tg", json={**update, "update_id": 11 + n}, headers=right
            ) as ok:
                assert ok.status == 200
        await fake.wait_for("sendMessage", 2)
        await asyncio.sleep(0.2)
    assert len(fake.called("setWebhook")) == 1 and not fake.called("deleteWebhook")
    assert len(fake.called("setMyCommands")) == 2  # the menu (English, Korean), too, is the owner's
    assert len(fake.called("sendMessage")) == 2 and not fake.called("getUpdates")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"TELEGRAM_WEBHOOK_OWNER": "no"}, "set TELEGRAM_WEBHOOK_URL"),
        ({"TELEGRAM_WEBHOOK_OWNER": "no", "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg"}, "WEBHOOK_SECRET"),
        ({"TELEGRAM_WEBHOOK_OWNER": "maybe"}, "yes or no"),
    ],
)
def test_a_webhook_worker_needs_the_owners_url_and_secret(extra: dict[str, str], expected: str) -> None:
    """Without the shared secret a non-owner could not tell Telegram's POSTs from anyone's: refused at start."""
    with pytest.raises(StartupError, match=expected):
        TelegramSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, **extra})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_POLL_TIMEOUT", "61"),
        ("TELEGRAM_MAX_RETRIES", "11"),
        ("TELEGRAM_REQUEST_TIMEOUT", "301"),
        ("TELEGRAM_SEND_ATTEMPTS", "21"),
        ("TELEGRAM_RETRY_DELAY", "1000"),
        ("TELEGRAM_RATE_LIMIT", "1e4"),
        ("TELEGRAM_GROUP_RATE_LIMIT", "1001"),
        ("TELEGRAM_WEBHOOK_PORT", "65536"),
    ],
)
def test_a_number_above_its_bound_is_refused_at_start_in_doctors_words(name: str, value: str) -> None:
    """Each numeric TELEGRAM_* variable has an upper bound: above it, one line naming it, the line `doctor` prints."""
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, name: value}
    with pytest.raises(StartupError) as raised:
        TelegramSettings.from_env(env)
    assert [str(raised.value)] == start_errors(env) and str(raised.value).startswith(f"{name} must be ")


@pytest.mark.parametrize(
    ("name", "unit"),
    [("TELEGRAM_RATE_LIMIT", "calls a second"), ("TELEGRAM_GROUP_RATE_LIMIT", "messages a minute per group")],
)
def test_a_rate_limit_between_0_and_1_is_refused_at_start_in_doctors_words(name: str, unit: str) -> None:
    """A rate limit of 0.5 (aiolimiter would refuse every send) stops the start in doctor's words; 0 does not."""
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, name: "0.5"}
    with pytest.raises(StartupError) as raised:
        TelegramSettings.from_env(env)
    assert [str(raised.value)] == start_errors(env)
    assert str(raised.value) == f"{name} must be a number from 1 to 1000 ({unit}), or 0 (no limit), not '0.5'"
    assert not start_errors({**env, name: "0"})
    TelegramSettings.from_env({**env, name: "0"})  # no StartupError


@pytest.mark.parametrize(
    ("name", "chat", "text"),
    [
        ("TELEGRAM_RATE_LIMIT", PRIVATE, ANSWERED_QUESTION),
        ("TELEGRAM_GROUP_RATE_LIMIT", GROUP, f"@{BOT_USERNAME} when do we meet?"),
    ],
)
async def test_the_lowest_rate_limit_still_answers(
    fake: FakeTelegram, handbook: Path, name: str, chat: dict[str, object], text: str
) -> None:
    """A rate limit of 1, the lowest above 0, still lets replies through, in a private chat and in a group."""
    async with running_bot(fake, handbook, **{name: "1"}):
        fake.message(chat, text, user=USER)
        [reply] = await fake.wait_for("sendMessage")
    assert ANSWERED_WORDS in reply.text


@pytest.mark.parametrize(
    ("given", "owner"),
    [(None, True), ("", True), ("YES", True), ("1", True), ("true", True), ("No", False), ("0", False)],
)
def test_the_webhook_owner_is_yes_or_no_in_any_case(given: str | None, owner: bool) -> None:
    """TELEGRAM_WEBHOOK_OWNER: yes when unset or blank; 1, true, yes or 0, false, no in any case."""
    worker = {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg", "TELEGRAM_WEBHOOK_SECRET": "s3cret"}
    extra = {} if given is None else {"TELEGRAM_WEBHOOK_OWNER": given}
    assert TelegramSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, **worker, **extra}).webhook_owner is owner


def test_a_webhook_owner_neither_yes_nor_no_is_one_line_quoting_it() -> None:
    """Any other TELEGRAM_WEBHOOK_OWNER is refused at start, quoting the start of what was given."""
    with pytest.raises(StartupError) as raised:
        TelegramSettings.from_env(
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_OWNER": " Maybe-Later-Or-Never-At-All "}
        )
    assert str(raised.value) == "TELEGRAM_WEBHOOK_OWNER must be yes or no, not 'maybe-later-or-never'"


async def test_rejected_token_is_one_clear_line(
    fake: FakeTelegram, handbook: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A token Telegram rejects stops start-up with a StartupError that does not show the token."""
    fake.token = "other:token"
    with pytest.raises(StartupError) as raised:
        async with running_bot(fake, handbook):
            pass
    message = str(raised.value)
    assert "TELEGRAM_BOT_TOKEN" in message and "\n" not in message and TOKEN not in message
    assert_no_token(caplog)


def test_missing_token_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m adapters run` without tokens exits 2 at once, naming the variables in one line."""
    assert runner.main(Path("knowledge"), env={"TELEGRAM_BOT_TOKEN": "  "}) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in err and "DISCORD_BOT_TOKEN" in err


@pytest.mark.allow_error_logs
async def test_handler_error_logs_traceback_and_apologises(
    fake: FakeTelegram, handbook: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A reply Telegram refuses: the log gets the traceback, the user only the apology."""
    fake.fail_next("sendMessage", description="Bad Request: can't parse entities: secret detail")
    async with running_bot(fake, handbook):
        fake.message(PRIVATE, ANSWERED_QUESTION, user=USER)
        [reply] = await fake.wait_for("sendMessage")
    assert visible(reply) == APOLOGY
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.name == "adapters.tg.handlers" and record.exc_info is not None
    assert_no_token(caplog)


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(
        st.tuples(st.text(alphabet=st.sampled_from("ab &<>\n"), max_size=300), st.sampled_from([None, "b", "i"])),
        max_size=4,
    ),
    limit=st.integers(min_value=20, max_value=200),
)
def test_html_messages_fit_the_limit_and_keep_every_character(parts: list[tuple[str, str | None]], limit: int) -> None:
    """Rendering never exceeds the limit, never cuts a tag or an entity, and loses no text."""
    messages = render.html_messages(list(parts), limit)
    for message in messages:
        assert 0 < len(message) <= limit
        assert message.count("<b>") == message.count("</b>") and message.count("<i>") == message.count("</i>")
        assert "<" not in TAG.sub("", message) and not re.search(r"&(?!amp;|lt;|gt;)", message)
    shown = "".join(html.unescape(TAG.sub("", m)) for m in messages)
    assert "".join(shown.split()) == "".join("".join(text.split()) for text, _ in parts)


def test_rejected_token_through_main_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, handbook: Path
) -> None:
    """`python -m adapters run` with a token Telegram refuses: exit 2 and one line without the token, and the
    log does not claim it "stopped cleanly"."""
    with serving_in_thread("other:token") as fake:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}
        assert runner.main(handbook, env=env) == 2
    err = capsys.readouterr().err
    assert err == "error: Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather\n"
    assert not any("stopped cleanly" in r.getMessage() for r in caplog.records)


def test_python_m_bot_run_answers_and_stops_on_sigterm(handbook: Path) -> None:
    """The real command in its own process: it answers a question, then exits 0 on SIGTERM."""
    with serving_in_thread(TOKEN) as fake, bot_process(fake, handbook) as process:
        deadline = time.monotonic() + 30
        while not fake.called("getUpdates") and time.monotonic() < deadline:
            time.sleep(0.05)
        fake.loop_call(fake.message, PRIVATE, ANSWERED_QUESTION, user=USER)
        while not fake.called("sendMessage") and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert ANSWERED_WORDS in fake.called("sendMessage")[0].text
    assert TOKEN not in err and "Traceback" not in err


async def test_korean_user_gets_the_bots_sentences_in_korean(fake: FakeTelegram, handbook: Path) -> None:
    """Telegram's language_code picks the catalogue: a Korean user's fallback and /help are in Korean."""
    korean = {**USER, "language_code": "ko"}
    async with running_bot(fake, handbook):
        fake.message(PRIVATE, FALLBACK_QUESTION, user=korean)
        [fallback] = await fake.wait_for("sendMessage")
        fake.message(PRIVATE, "/help", user=korean)
        _, help_ = await fake.wait_for("sendMessage", 2)
    assert visible(fallback).startswith("죄송합니다. 그건 잘 모르겠습니다.")
    assert "질문을 그냥 보내 주세요." in visible(help_) and "Meetings" in visible(help_)


async def test_unknown_command_in_private_gets_a_pointer_to_help(fake: FakeTelegram, handbook: Path) -> None:
    """An unknown /command in a private chat gets one line pointing to /help; in a group, silence."""
    async with running_bot(fake, handbook):
        fake.message(GROUP, "/frobnicate", user=USER)
        fake.message(PRIVATE, "/frobnicate now", user=USER)
        [reply] = await fake.wait_for("sendMessage")
        fake.message(PRIVATE, "/start", user=USER)
        await fake.wait_for("sendMessage", 2)
    assert str(reply.params["chat_id"]) == str(PRIVATE["id"])
    assert visible(reply) == "I don't know that command. Send /help to see what I can do."
