"""Members and moderators who do not write English: what the platforms show them is in their language.

Through the fakes, with the real libraries: the slash commands Discord shows a Korean member, the
menu Telegram shows one, and a Korean moderator's replies.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from adapters.dc import sync
from bot import Answerer, Asker, Request, messages
from bot.config import Config, CooldownSettings, Moderators
from bot.service import Service
from tests import spec_check
from tests.discord_support import ENV, connected, fake_discord_api
from tests.discord_support import TOKEN as DISCORD_TOKEN
from tests.telegram_support import fake_bot_api, handled, running, write_handbook

HANGUL = re.compile("[\uac00-\ud7a3]")
KOREAN_USER = {"id": 4242, "is_bot": False, "first_name": "Min", "language_code": "ko"}
PRIVATE = {"id": 4242, "type": "private", "first_name": "Min"}


def korean(text: str | None) -> bool:
    """Whether `text` is written in Korean: Hangul in it, and no English word of four letters or more
    (a /command is no English word)."""
    words = re.sub(r"/kb \w+|/\w+", "", text or "")
    return HANGUL.search(words) is not None and not re.search("[A-Za-z]{4,}", words)


def described(commands: list[dict[str, Any]], where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every command, subcommand and option of a synced command list, with its path."""
    found = []
    for command in commands:
        path = f"{where}/{command['name']}"
        found.append((path, command))
        found += described(command.get("options") or [], path)
    return found


async def test_discord_shows_a_korean_member_every_command_and_option_in_korean(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every description `discord sync` registers has a Korean localization, the message command its
    Korean name, and /ask's option a Korean name: a Korean Discord showed them all in English."""
    async with fake_discord_api(monkeypatch) as fake:
        code = await asyncio.to_thread(sync.sync_main, ["sync"], {"DISCORD_BOT_TOKEN": DISCORD_TOKEN})
        [put] = fake.find("PUT", "/applications/")
    assert code == 0
    for path, command in described(put.body):
        if command.get("description"):
            assert korean((command.get("description_localizations") or {}).get("ko")), path
    answer_this = next(c for c in put.body if c["name"] == "Answer this")
    assert korean(answer_this["name_localizations"]["ko"])
    ask = next(c for c in put.body if c["name"] == "ask")
    assert ask["options"][0]["name_localizations"]["ko"] == "질문"
    assert answer_this["name_localizations"]["ko"] in messages.say(messages.USE_ANSWER_THIS, "ko")


@pytest.mark.parametrize(
    ("localized", "refused"),
    [
        ({"name_localizations": {"ko": "질문"}}, False),
        ({"name_localizations": {"ko": "Question"}}, True),  # upper case where the script has it
        ({"name_localizations": {"ko": "두 단어"}}, True),  # a space
        ({"description_localizations": {"kr": "질문"}}, True),  # no such Discord locale
    ],
)
def test_the_fake_discord_refuses_the_localizations_discord_refuses(localized: dict[str, Any], refused: bool) -> None:
    """An option's localized name follows the name rule, and localizations are keyed by Discord's locales."""
    option = {"type": 3, "name": "question", "description": "What?", **localized}
    body = [{"name": "ask", "description": "Ask.", "type": 1, "options": [option]}]
    problem = spec_check.discord_violation("PUT", "/applications/1/commands", body)
    assert (problem is not None) == refused, problem


@pytest.mark.parametrize(
    ("commands", "language_code", "refused"),
    [
        ([{"command": "ask", "description": "질문하기"}], "ko", False),
        ([{"command": "ask", "description": "질" * 257}], "ko", True),  # over 256 characters
        ([{"command": "질문", "description": "질문하기"}], "ko", True),  # a command is lower-case English
        ([{"command": "ask", "description": "질문하기"}], "ko-KR", True),  # two letters, ISO 639-1
    ],
)
def test_the_fake_telegram_refuses_the_menus_telegram_refuses(
    commands: list[dict[str, str]], language_code: str, refused: bool
) -> None:
    """A menu's commands, descriptions and language code as the Bot API's documentation limits them."""
    problem = spec_check.telegram_violation("setMyCommands", {"commands": commands, "language_code": language_code})
    assert (problem is not None) == refused, problem


def commands_of(params: dict[str, Any]) -> list[dict[str, str]]:
    commands = params["commands"]
    return json.loads(commands) if isinstance(commands, str) else commands  # type: ignore[no-any-return]


def scope_of(params: dict[str, Any]) -> dict[str, Any]:
    scope = params.get("scope") or {"type": "default"}
    return json.loads(scope) if isinstance(scope, str) else scope  # type: ignore[no-any-return]


async def test_telegram_menu_has_a_korean_version_for_members_and_moderators(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram shows a user the menu set for their language: the bot sets a Korean one beside the
    English, for everyone and in each moderator's chat (a chat's English menu hides the default Korean one)."""
    moderators = Moderators(telegram_users=frozenset({"4242"}))
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"), Config(moderators=moderators))
    async with fake_bot_api(caplog) as fake, running(fake, service):
        pass
    menus = {(scope_of(c.params)["type"], c.params.get("language_code") or ""): c for c in fake.called("setMyCommands")}
    assert set(menus) == {("default", ""), ("default", "ko"), ("chat", ""), ("chat", "ko")}
    for (_, language), call in menus.items():
        descriptions = [c["description"] for c in commands_of(call.params)]
        english = [messages.say(d, "en") for d in descriptions]  # a msgid is its own English
        # the field names /kb_edit takes (section=, text=) stay as typed: Hangul, and no sentence left English
        assert all(HANGUL.search(d) for d in descriptions) if language == "ko" else not any(map(HANGUL.search, english))
    assert len(commands_of(menus["chat", "ko"].params)) > len(commands_of(menus["default", "ko"].params))


async def test_a_korean_moderators_empty_history_is_in_korean(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """/kb_history before any change: "No changes recorded yet." was the one English line a Korean moderator got."""
    moderators = Moderators(telegram_users=frozenset({"4242"}))
    config = Config(moderators=moderators, data_dir=tmp_path / "data", cooldown=CooldownSettings(burst=100))
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"), config)
    async with fake_bot_api(caplog) as fake, running(fake, service):
        fake.message(PRIVATE, "/kb_history", user=KOREAN_USER)
        await handled(fake, PRIVATE)
    [reply] = fake.called("sendMessage")
    assert korean(html.unescape(reply.text)), reply.text


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [("ko", "ko"), ("ko-KR", "ko"), ("ko_KR", "ko"), ("KO", "ko"), ("xx", "en"), ("fr", "en"), ("", "en")],
)
async def test_a_telegram_members_regional_or_unknown_language_picks_korean_or_english(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, language_code: str, expected: str
) -> None:
    """A regional tag of Korean is Korean; a language the catalogue lacks (or none) is English, and no error."""
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"))
    user = {**KOREAN_USER, "language_code": language_code}
    async with fake_bot_api(caplog) as fake, running(fake, service):
        fake.message(PRIVATE, "What is the wifi password in the hall?", user=user)
        await handled(fake, PRIVATE)
    [reply] = fake.called("sendMessage")
    assert html.unescape(reply.text).startswith(messages.say(messages.DONT_KNOW, expected).split(".")[0])


async def test_a_question_in_another_script_gets_a_clear_dont_know_in_the_members_language(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Korean, Cyrillic, Arabic and emoji questions against an English knowledge base: the fallback, never a crash."""
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"))
    questions = ["회비는 얼마예요?", "Сколько стоит членство?", "كم رسوم العضوية؟", "💸❓"]
    async with fake_bot_api(caplog) as fake, running(fake, service):
        for question in questions:
            fake.message(PRIVATE, question, user=KOREAN_USER)
            await handled(fake, PRIVATE)
    replies = [html.unescape(c.text) for c in fake.called("sendMessage")]
    assert len(replies) == len(questions) and all(korean(r.split("\n")[0]) for r in replies), replies


async def test_a_korean_moderators_command_in_a_wrong_form_is_explained_in_korean(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What is wrong with a /kb_* command and its right form, in Korean: both had been English
    ("Which passage? Give its id.\\nUsage: /kb_remove ID"), the field names it takes (section=) aside."""
    moderators = Moderators(telegram_users=frozenset({"4242"}))
    config = Config(moderators=moderators, data_dir=tmp_path / "data", cooldown=CooldownSettings(burst=100))
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"), config)
    wrong = ["/kb_remove", "/kb_gaps 99", "/kb_undo now", "/kb_dismiss", "/kb_find", "/kb_alias parking"]
    async with fake_bot_api(caplog) as fake, running(fake, service):
        for command in [*wrong, "/kb_add Parking", "/kb_edit parking | text="]:
            fake.message(PRIVATE, command, user=KOREAN_USER)
            await handled(fake, PRIVATE)
    replies = [html.unescape(c.text) for c in fake.called("sendMessage")]
    assert len(replies) == len(wrong) + 2
    assert all(korean(reply) for reply in replies[: len(wrong)]), replies
    assert all(HANGUL.search(reply) and "Usage" not in reply and "Give" not in reply for reply in replies), replies


async def test_a_korean_moderators_undo_names_the_change_in_korean(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """/kb_undo had said "Min의 `wi-fi` alias을(를) 되돌렸습니다.": an English word in a Korean sentence."""
    moderators = Moderators(telegram_users=frozenset({"4242"}))
    config = Config(moderators=moderators, data_dir=tmp_path / "data", cooldown=CooldownSettings(burst=100))
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"), config)
    commands = ["/kb_add Wi-Fi | The password is on the fridge.", "/kb_alias wi-fi | wifi password please", "/kb_undo"]
    async with fake_bot_api(caplog) as fake, running(fake, service):
        for command in [*commands, "/kb_undo"]:
            fake.message(PRIVATE, command, user=KOREAN_USER)
            await handled(fake, PRIVATE)
    *_, first, second = [html.unescape(re.sub("<[^>]+>", "", c.text)) for c in fake.called("sendMessage")]
    assert korean(first) and "연결" in first and "추가" in first, first  # the alias undone, the add next
    assert korean(second) and "추가" in second, second


WIFI_CHANGES = [  # a Korean moderator's passage: added with its id, a question attached, its text rewritten
    "/kb_add 와이파이 | 비밀번호는 냉장고에 있습니다. | id=wf",
    "/kb_alias wf | 와이파이 비번은 뭐예요?",
    "/kb_edit wf | 비밀번호는 문 옆에 있습니다.",
]


def korean_history(text: str) -> bool:
    """Whether every line of a history is Korean: its labels, kinds and sentences (the platform a change came
    from is named as the config names it, `telegram` or `discord`)."""
    lines = re.sub(r"\b(telegram|discord)\b", "", text).splitlines()
    return len(lines) > 1 and all(korean(line) for line in lines)


async def test_a_korean_moderators_history_on_telegram_is_korean_labels_and_all(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """/kb_history's records as a Korean moderator reads them: the kind of each change, who and where, "before:",
    "after:" and "+ question:" had stayed English ("edit wf by Min (telegram 4242) in 4242") around Korean text."""
    moderators = Moderators(telegram_users=frozenset({"4242"}))
    config = Config(moderators=moderators, data_dir=tmp_path / "data", cooldown=CooldownSettings(burst=100))
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"), config)
    async with fake_bot_api(caplog) as fake, running(fake, service):
        for command in [*WIFI_CHANGES, "/kb_history wf"]:
            fake.message(PRIVATE, command, user=KOREAN_USER)
            await handled(fake, PRIVATE)
    *_, history = [html.unescape(re.sub("<[^>]+>", "", c.text)) for c in fake.called("sendMessage")]
    assert korean_history(history), history
    assert "수정" in history and "질문 연결" in history and "추가" in history, history  # edit, alias, add
    assert "변경 전:" in history and "변경 후:" in history and "+ 질문: “와이파이 비번은 뭐예요?”" in history, history


async def test_a_korean_moderators_history_on_discord_is_korean_labels_and_all(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """/kb history from a moderator whose Discord speaks Korean, in a server's channel (the questions left out):
    its records' labels had stayed English there too, around the Korean of the rest."""
    from tests.test_discord import TEST_PASSAGES, callback_for, write_knowledge
    from tests.test_discord_moderation import ephemeral_text

    async with fake_discord_api(monkeypatch) as fake:
        moderators = Moderators(discord_users=frozenset({fake.user_id}))
        config = Config(moderators=moderators, data_dir=tmp_path / "data", cooldown=CooldownSettings(burst=100))
        service = Service.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES), config)
        cli = Asker(platform="cli", user_id="", name="ann")
        service.moderate(Request("add", passage_id="wf", section="와이파이", text="비밀번호는 냉장고에 있습니다."), cli)
        service.moderate(Request("alias", passage_id="wf", question="와이파이 비번은 뭐예요?"), cli)
        service.moderate(Request("edit", passage_id="wf", text="비밀번호는 문 옆에 있습니다."), cli)
        async with connected(fake, service):
            interaction = fake.subcommand("kb", "history", id="wf")
            interaction["locale"] = "ko"
            await fake.push("INTERACTION_CREATE", interaction)
            history = ephemeral_text(await callback_for(fake, interaction))
    assert korean_history(history), history
    assert "변경 전:" in history and "+ 질문: (여기서는 문구를 뺐습니다)" in history, history


async def test_the_cooldown_note_in_place_of_a_note_to_a_korean_server_is_korean(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """In a server whose language is Korean, the note that a question was answered above is Korean; the
    cooldown note that stands in for it, to a helper pointing too quickly, had been English."""
    from tests.test_discord import TEST_PASSAGES, write_knowledge
    from tests.test_discord_pointing import pointing, reference_of

    answerer = Answerer.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES))
    service = Service(answerer, config=Config(cooldown=CooldownSettings(burst=1, interval=600)))
    async with fake_discord_api(monkeypatch) as fake:
        plain = fake.guild
        fake.guild = lambda: {**plain(), "preferred_locale": "ko"}  # type: ignore[method-assign]
        fake.grant_message_content = True
        async with connected(fake, service, {**ENV, "DISCORD_MESSAGE_CONTENT": "1"}):
            question = fake.message("are most of the defectors women")
            await fake.push("MESSAGE_CREATE", question)
            await fake.push("MESSAGE_CREATE", pointing(fake, question))
            await fake.wait_for(lambda c: c.method == "POST" and reference_of(c) == question["id"])
            again = pointing(fake, question)
            await fake.push("MESSAGE_CREATE", again)
            note = await fake.wait_for(lambda c: c.method == "POST" and reference_of(c) == again["id"])
    assert note.body["content"] == messages.say(messages.COOLDOWN, "ko")


def test_korean_counts_have_one_form_and_english_two() -> None:
    """Korean has one plural form: every Korean plural entry has exactly one, used for 0, 1 and 21; English agrees."""
    from bot.catalogue import LOCALES, parse_po

    entries = parse_po((LOCALES / "ko.po").read_text(encoding="utf-8"))
    assert "nplurals=1; plural=0;" in entries[""]
    plural = [msgstr for msgid, msgstr in entries.items() if "\0" in msgid]
    assert plural and all("\0" not in msgstr for msgstr in plural)
    with messages.speaking("ko"):
        assert [messages.dismissed("g1", "q", n).rsplit("(", 1)[1] for n in (0, 1, 21)] == [
            "질문 0개).",
            "질문 1개).",
            "질문 21개).",
        ]
    with messages.speaking("en"):
        assert [messages.dismissed("g1", "q", n).split("(")[1] for n in (1, 2)] == ["1 question).", "2 questions)."]


def emoji_knowledge(folder: Path) -> Path:
    """A Korean passage of 2,989 characters, 1,494 of them emoji (two UTF-16 code units each): fewer
    than 4,096 characters with its heading and citation, more as Telegram counts."""
    text = ("물 💧💧💧 관 🚰🚰🚰 " * 300)[:2990].strip()
    folder.mkdir()
    lines = [
        'source: {title: "배관 안내 🚰", publisher: null, url: null}',
        "passages:",
        "  - id: pipes",
        '    section: "배관 & <밸브> 💧"',
        f'    text: "{text}"',
        '    questions: ["물은 관을 따라 어떻게 흐르나요?"]',
        "  - id: taps",
        '    section: "수도꼭지"',
        '    text: "수도꼭지는 싱크대의 물을 열고 닫습니다."',
    ]
    (folder / "pipes.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


async def test_a_korean_emoji_heavy_answer_fits_telegrams_limit_as_telegram_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Split by UTF-16 code units, every message of the answer is taken (the fake refuses one over 4,096
    as Telegram counts), and none of the passage is lost between them."""
    service = Service.from_directory(emoji_knowledge(tmp_path / "knowledge"))
    async with fake_bot_api(caplog) as fake, running(fake, service):
        fake.message(PRIVATE, "물은 관을 따라 어떻게 흐르나요?", user=KOREAN_USER)
        await handled(fake, PRIVATE)
    sent = fake.calls_of("sendMessage")
    assert len(sent) >= 2 and all(c.status == 200 for c in sent)
    assert all(len(c.text.encode("utf-16-le")) // 2 <= 4096 for c in sent)
    html_text = "".join(c.text for c in sent)
    assert len(html_text) < 4096 < len(html_text.encode("utf-16-le")) // 2  # one message, counted in characters
    passage = service.passage("pipes")
    assert passage is not None
    shown = "".join(html.unescape(re.sub("<[^>]+>", "", c.text)) for c in sent)
    assert shown.count("💧") == passage.text.count("💧") + 2  # and the section's, as heading and in the citation
