"""Deep links to one answer, t.me/<bot>?start=<passage id>: the real bot and core against the fake Bot API.

Telegram opens the bot's private chat on such a link and sends `/start PAYLOAD` when the member presses
Start (a group's link, `?startgroup=PAYLOAD`, sends `/start@Bot PAYLOAD` there): a payload naming a live
passage opens on its answer, anything else gets the welcome.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from telegram_support import handled, running, write_handbook

from adapters.tg.links import link, linked_passage, with_links
from bot import Asker, Request
from bot.config import Config, CooldownSettings, Moderators
from bot.curation.found import found
from bot.knowledge import Passage, Source
from bot.service import Service
from tests.fake_telegram import BOT_ID, BOT_USERNAME, Call, FakeTelegram
from tests.test_telegram import GROUP, OTHER, PRIVATE, USER

STRANGER_CHAT = {"id": OTHER["id"], "type": "private", "first_name": "Bo"}


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """The handbook, a folder of the test's own."""
    return write_handbook(tmp_path / "knowledge")


def core(knowledge: Path) -> Service:
    """The core with Ann (USER) as the one moderator, its data beside the knowledge, no cooldown in the way."""
    moderators = Moderators(telegram_users=frozenset({str(USER["id"])}))
    config = Config(moderators=moderators, data_dir=knowledge.parent / "data", cooldown=CooldownSettings(burst=100))
    return Service.from_directory(knowledge, config)


def shown(call: Call) -> str:
    """The text a user sees: markup removed, entities unescaped."""
    return html.unescape(re.sub(r"</?(b|i|code|pre)>", "", call.text))


async def replies_to(fake: FakeTelegram, chat: dict[str, object], texts: list[str]) -> list[Call]:
    """Send each of `texts` from Bo in `chat` and return the bot's replies to them."""
    before = len(fake.called("sendMessage"))
    for text in texts:
        fake.message(chat, text, user=OTHER)
    await handled(fake, chat)
    return fake.called("sendMessage")[before:]


async def test_a_start_link_naming_a_passage_opens_the_bot_on_that_answer(fake: FakeTelegram, knowledge: Path) -> None:
    """A member opens t.me/QABot?start=parking (pinned by a moderator): the bot answers with the parking
    passage as it answers a question, section, citation and 👍 / 👎, not with the welcome (the payload was ignored)."""
    async with running(fake, core(knowledge)):
        [answer] = await replies_to(fake, STRANGER_CHAT, ["/start parking"])
    assert answer.text.startswith("<b>Getting there</b>") and "Elm street" in answer.text
    assert "<i>— Community Handbook, “Getting there”</i>" in answer.text
    assert [b["callback_data"] for b in answer.buttons()] == ["v:+:parking", "v:-:parking"]


async def test_a_group_start_link_answers_in_the_group_as_a_reply(fake: FakeTelegram, knowledge: Path) -> None:
    """t.me/QABot?startgroup=membership-fee sends `/start@QABot membership-fee` in the group the member
    chose: the passage is the reply to it; a payload written in capitals names the same passage."""
    async with running(fake, core(knowledge)):
        answers = await replies_to(fake, GROUP, [f"/start@{BOT_USERNAME} membership-fee", "/start MEMBERSHIP-FEE"])
    assert [a.text.startswith("<b>Membership</b>") for a in answers] == [True, True]
    assert all("reply_parameters" in a.params for a in answers)


async def test_an_unknown_or_malformed_start_payload_gets_the_welcome(fake: FakeTelegram, knowledge: Path) -> None:
    """A link to a passage removed since, a payload Telegram would not send (too long, a `.`), or words after
    /start: each gets the welcome a bare /start gets, never an error or an "I don't know"."""
    payloads = ["no-such-passage", "a" * 65, "parking.html", "parking please", "-"]
    async with running(fake, core(knowledge)):
        [welcome] = await replies_to(fake, STRANGER_CHAT, ["/start"])
        replies = await replies_to(fake, STRANGER_CHAT, [f"/start {payload}" for payload in payloads])
    assert "Meetings" in shown(welcome)
    assert [r.text for r in replies] == [welcome.text] * len(payloads)


async def test_kb_find_gives_a_moderator_each_passages_link(fake: FakeTelegram, knowledge: Path) -> None:
    """A moderator who wants to pin a link to the parking answer finds its id with /kb_find: each passage
    found comes with its link, t.me/QABot?start=ID; a member's /kb_find is refused, with no link."""
    async with running(fake, core(knowledge)):
        [found] = await replies_to(fake, STRANGER_CHAT, ["/kb_find parking"])  # Bo, no moderator: refused
        fake.message(PRIVATE, "/kb_find parking", user=USER)
        await handled(fake, PRIVATE)
        moderators = fake.called("sendMessage")[-1]
    assert "t.me/" not in found.text
    lines = shown(moderators).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("parking "))
    assert lines[at + 1] == f"https://t.me/{BOT_USERNAME}?start=parking", lines


def test_a_passage_id_is_a_start_payload_telegram_takes() -> None:
    """Every id the knowledge base allows (a-z, 0-9, '-', at most 64) is a payload Telegram sends back
    whole ([A-Za-z0-9_-], at most 64), so the link opens on the passage it names."""
    longest = "a" * 62 + "-b"
    assert link("QABot", longest) == f"https://t.me/QABot?start={longest}"
    assert linked_passage(f"/start {longest}") == longest
    assert linked_passage("/start") is None and linked_passage("/start a b") is None


def test_a_passages_text_that_opens_a_line_with_an_id_gets_no_link_of_its_own() -> None:
    """/kb_find shows a passage's text, which may run over lines and open one with `parking` in backticks:
    each passage the core found gets its link after all of its entry's lines, and nothing else does."""
    handbook = Source(title="Handbook")
    rules = Passage(id="rules", section="Conduct", text="Lock bikes.\n`parking` is out back.", source=handbook)
    parking = Passage(id="parking", section="Getting there", text="Racks.", source=handbook)
    listed = found("Passages matching “bikes”, best first:", [rules, parking])
    assert listed.text.splitlines() == [
        "Passages matching “bikes”, best first:",
        "`rules` Conduct: Lock bikes.",
        "`parking` is out back.",
        "`parking` Getting there: Racks.",
    ]
    assert with_links(listed, "QABot").splitlines() == [
        *listed.text.splitlines()[:3],
        "https://t.me/QABot?start=rules",
        "`parking` Getting there: Racks.",
        "https://t.me/QABot?start=parking",
    ]


async def test_a_found_passages_text_that_reads_like_another_entry_gets_no_link_of_its_own(
    fake: FakeTelegram, knowledge: Path
) -> None:
    """A passage whose text goes on, on a line of its own, as `parking` Getting there: ... (the id and section of
    another passage) is one entry: /kb_find gives its link alone, after all of its lines, and none for parking,
    which it did not find (the links had been placed by reading the reply's text, which took the line for an entry)."""
    (knowledge / "pets.yaml").write_text(
        'source: {title: "Pets", publisher: null, url: null}\n'
        "passages:\n"
        "  - id: dogs\n"
        "    section: Pets\n"
        '    text: "Dogs on a lead.\\n`parking` Getting there: behind it."\n',
        encoding="utf-8",
    )
    async with running(fake, core(knowledge)) as service:
        assert [p.id for p in service.answerer.find("dogs", 5)] == ["dogs"]
        fake.message(PRIVATE, "/kb_find dogs", user=USER)
        await handled(fake, PRIVATE)
        [found] = fake.called("sendMessage")
    lines = shown(found).splitlines()
    assert lines[1:] == [
        "dogs Pets: Dogs on a lead.",
        "parking Getting there: behind it.",
        f"https://t.me/{BOT_USERNAME}?start=dogs",
    ], lines


async def test_an_answer_opened_from_a_link_counts_in_kb_stats_as_opened_not_as_a_question(
    fake: FakeTelegram, knowledge: Path
) -> None:
    """Members who open t.me/QABot?start=parking got that answer: /kb_stats counts each member's opening for the
    passage, once a day (Bo's second, `PARKING`, counts none: it had counted 2), apart from the questions (the
    link asked nothing: neither "Most asked" nor the unanswered share of the day moves); it had counted nothing,
    so a moderator could not see that a pinned link was used."""
    async with running(fake, core(knowledge)):
        await replies_to(fake, STRANGER_CHAT, ["/start parking", "/start PARKING", "/start no-such-passage"])
        await replies_to(fake, GROUP, [f"/start@{BOT_USERNAME} membership-fee"])
        fake.message(PRIVATE, "/kb_stats", user=USER)
        await handled(fake, PRIVATE)
        stats = shown(fake.called("sendMessage")[-1]).splitlines()
    assert stats[:2] == ["Most asked passages:", "  (none yet)"], stats
    at = stats.index("Answers opened from a link:")
    assert stats[at + 1 : at + 4] == [
        "     1  membership-fee",
        "     1  parking",
        "Most downvoted passages (👎 on their text as it is now):",
    ], stats
    day = stats.index("Unanswered questions per day (last 14 days):")
    assert stats[day + 1] == "  (none yet)", stats


async def test_a_bare_start_replying_to_another_bots_message_in_a_group_is_left_to_that_bot(
    fake: FakeTelegram, knowledge: Path
) -> None:
    """In a group, a bare `/start` (a payload too), `/help` or `/sources` replying to another bot's message is
    that bot's command, which Telegram delivers here too (this bot spoke last, or privacy mode is off): no reply
    (the welcome, or the parking answer, had gone to the group, and the link opening was counted). Addressed to
    this bot (`/start@QABot`), or replying to a member, to this bot, to an anonymous administrator (posting as the
    group, Telegram's placeholder bot its sender) or in a forum topic another bot opened, it is answered."""
    now = int(time.time())
    quiz = {"id": 5555, "is_bot": True, "first_name": "Quiz", "username": "QuizBot"}
    quizzes = {"message_id": 5, "date": now, "chat": GROUP, "from": quiz, "text": "Send /start to play!"}
    members = {"message_id": 6, "date": now, "chat": GROUP, "from": USER, "text": "Welcome, Bo!"}
    mine = {"message_id": 7, "date": now, "chat": GROUP, "from": {"id": BOT_ID, "is_bot": True, "first_name": "QA"}}
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    admins = {"message_id": 8, "date": now, "chat": GROUP, "from": anonymous, "sender_chat": GROUP, "text": "Hi"}
    topic = {"message_id": 9, "date": now, "chat": {**GROUP, "is_forum": True}, "from": quiz,
             "forum_topic_created": {"name": "Quiz", "icon_color": 7322096}}  # fmt: skip
    async with running(fake, core(knowledge)) as service:
        for text in ["/start", "/start parking", "/help", "/sources", "/START"]:
            fake.message(GROUP, text, user=OTHER, reply_to=quizzes)
        await handled(fake, GROUP)
        left = fake.called("sendMessage")
        fake.message(GROUP, f"/start@{BOT_USERNAME} parking", user=OTHER, reply_to=quizzes)
        for replied in (members, {**mine, "text": "We meet on Thursdays."}, admins):
            fake.message(GROUP, "/start", user=OTHER, reply_to=replied)
        fake.message(GROUP, "/start", user=OTHER, reply_to=topic, message_thread_id=9, is_topic_message=True)
        await handled(fake, GROUP)
        answered = fake.called("sendMessage")
        stats = service.moderate(Request("stats"), Asker(platform="cli", user_id="ann")).text
    assert left == [], [c.text for c in left]
    assert answered[0].text.startswith("<b>Getting there</b>"), answered[0].text
    assert [shown(c).startswith(shown(answered[1])) for c in answered[1:]] == [True] * 4
    assert "Meetings" in shown(answered[1]) and "1  parking" in stats, stats
