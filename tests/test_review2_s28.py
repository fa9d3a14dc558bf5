"""Review of session 28's second round (languages, shape): what Discord refuses of a localization, and a
Korean moderator's undo of a `kb push`."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.asker import Asker
from bot.config import Config, CooldownSettings, Moderators
from bot.curation import Request
from bot.service import Service
from tests import pg_support, spec_check
from tests.pg_support import run
from tests.telegram_support import fake_bot_api, handled, running, write_handbook
from tests.test_languages import HANGUL, PRIVATE

schema, url, services = pg_support.schema, pg_support.url, pg_support.services  # the fixtures


def synced(option: dict[str, Any] | None = None, **command: Any) -> list[dict[str, Any]]:
    """A bulk PUT of one slash command /ask with one option, with the localizations given."""
    asked = {"type": 3, "name": "question", "description": "What?", **(option or {})}
    return [{"name": "ask", "description": "Ask.", "type": 1, "options": [asked], **command}]


@pytest.mark.parametrize(
    "body",
    [
        synced({"description_localizations": {"ko": "질" * 101}}),  # an option's, over 100 characters
        synced(description_localizations={"ko": "질" * 101}),  # a command's, over 100 characters
        synced({"description_localizations": {"ko": ""}}),  # empty
    ],
)
def test_the_fake_discord_refuses_a_localized_description_discord_refuses(body: list[dict[str, Any]]) -> None:
    """A description's localization is 1-100 characters, as the description is (the spec's
    additionalProperties): a Korean one over 100 had been registered by the fake and refused by Discord."""
    assert spec_check.discord_violation("PUT", "/applications/1/commands", body) is not None


def test_a_localized_description_of_100_characters_is_taken() -> None:
    """The limit is Discord's 100 characters, not fewer."""
    body = synced({"description_localizations": {"ko": "질" * 100}}, description_localizations={"ko": "질문"})
    assert spec_check.discord_violation("PUT", "/applications/1/commands", body) is None


def test_a_korean_moderators_undo_of_a_push_names_it_in_korean(
    url: str, services: Callable[[], Service], tmp_path: Path
) -> None:
    """`kb push` of synonyms.yaml, then a Korean moderator's undo: the kind of change was the English
    "push" in a Korean sentence, where add, edit, alias... are in Korean."""
    folder = tmp_path / "export"
    assert run("kb", "export", str(folder))[0] == 0
    (folder / "synonyms.yaml").write_text("groups:\n  - [walrus, morse]\n", encoding="utf-8")
    code, out = run("kb", "push", str(folder), "--by", "ann")
    assert code == 0, out
    reply = services().moderate(Request("undo"), Asker("cli", "", name="민", language="ko"))
    assert not reply.refused and "synonyms.yaml" in reply.text, reply.text
    assert "push" not in reply.text and "되돌렸습니다" in reply.text, reply.text


def test_the_fake_telegram_refuses_a_menu_of_more_than_100_commands() -> None:
    """setMyCommands takes at most 100 commands (the Bot API's prose): 101 had been set by the fake."""
    menu = [{"command": f"c{n}", "description": "A command."} for n in range(101)]
    assert spec_check.telegram_violation("setMyCommands", {"commands": menu}) is not None
    assert spec_check.telegram_violation("setMyCommands", {"commands": menu[:100]}) is None


async def test_a_wrong_kb_command_in_korean_words_is_explained_in_korean(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A moderator whose Telegram gives no language writes Korean words: the core answers a right
    /kb_* command in the words' language, and a wrong one had been explained in English."""
    moderators = Moderators(telegram_users=frozenset({"4242"}))
    config = Config(moderators=moderators, data_dir=tmp_path / "data", cooldown=CooldownSettings(burst=100))
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"), config)
    no_language = {"id": 4242, "is_bot": False, "first_name": "Min"}
    async with fake_bot_api(caplog) as fake, running(fake, service):
        fake.message(PRIVATE, "/kb_add 주차", user=no_language)  # a section and no text
        await handled(fake, PRIVATE)
    [reply] = [html.unescape(c.text) for c in fake.called("sendMessage")]
    assert HANGUL.search(reply.split("\n")[0]) and "Usage" not in reply and "Give" not in reply, reply
