"""End-to-end tests of the /kb moderation commands on Discord: real discord.py against the fake gateway.

The bot starts through `adapters.runner.serve` on a Service built from a small knowledge folder
and data folder in tmp_path, with moderators from a Config; modals are opened (callback type 9)
and submitted (interaction type 5) as Discord would, and every reply must be ephemeral.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path
from typing import Any

import pytest

from adapters.dc import sync
from bot.config import Config, CooldownSettings, Moderators
from bot.curation.moderation import NOT_MODERATOR
from bot.service import Service
from tests.backends import Backend, backend
from tests.discord_support import ENV, TOKEN, connected, running
from tests.fake_discord import ALL_PERMISSIONS, Call, FakeDiscord
from tests.test_discord import EPHEMERAL, TEST_PASSAGES, callback_for, write_knowledge

pytestmark = pytest.mark.timeout(30)
assert backend  # the fixture: each test taking `service` or `backend` runs on the files and on PostgreSQL

MODERATOR_ROLE = "900000000000000100"
NO_MANAGE_SERVER = str(int(ALL_PERMISSIONS) & ~(1 << 5) & ~(1 << 3))  # all but Manage Server and Administrator


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    """The knowledge `backend` serves here: TEST_PASSAGES."""
    return write_knowledge(tmp_path / "kb", TEST_PASSAGES)


def make_service(backend: Backend, **moderators: Any) -> Service:
    """A Service on its own knowledge and data folders, with the given `moderators` settings."""
    return backend.service(moderators=Moderators(**moderators), data_dir=backend.folder.parent / "data")


@pytest.fixture
def service(backend: Backend, fake: FakeDiscord) -> Service:
    """The fake's default user is a moderator by user id; MODERATOR_ROLE is a moderator role."""
    return make_service(backend, discord_users=frozenset({fake.user_id}), discord_roles=frozenset({MODERATOR_ROLE}))


def stranger(fake: FakeDiscord) -> dict[str, Any]:
    return fake.user("900000000000000050", name="stranger")


async def kb(fake: FakeDiscord, name: str, **options: Any) -> Call:
    """Run `/kb name options...` and return the interaction's callback."""
    interaction = fake.subcommand("kb", name, **options)
    await fake.push("INTERACTION_CREATE", interaction)
    return await callback_for(fake, interaction)


async def submit(fake: FakeDiscord, modal: Call, values: dict[str, str], **who: Any) -> Call:
    """Submit the modal the bot opened (`modal`, a type 9 callback) with `values`; return the reply."""
    interaction = fake.modal_submit(modal.body["data"], values, **who)
    await fake.push("INTERACTION_CREATE", interaction)
    return await callback_for(fake, interaction)


async def ask(fake: FakeDiscord, question: str) -> dict[str, Any]:
    """The data of the /ask callback for `question`."""
    interaction = fake.command("ask", question=question)
    await fake.push("INTERACTION_CREATE", interaction)
    return dict((await callback_for(fake, interaction)).body["data"])


def ephemeral_text(call: Call) -> str:
    """The content of a type 4 reply, which must be ephemeral."""
    assert call.body["type"] == 4
    assert call.body["data"]["flags"] & EPHEMERAL
    return str(call.body["data"]["content"])


def inputs(modal: Call) -> dict[str, dict[str, Any]]:
    """The text inputs of a modal callback, by custom id."""
    found = {}
    for component in modal.body["data"]["components"]:
        inner = component.get("component") or component["components"][0]
        found[inner["custom_id"]] = {**inner, "label": component.get("label") or inner.get("label")}
    return found


async def test_add_through_the_modal_then_a_question_gets_the_new_passage(
    online: FakeDiscord, backend: Backend
) -> None:
    """/kb add opens a modal; its submission adds the passage, stored and answered at once."""
    modal = await kb(online, "add")
    assert modal.body["type"] == 9
    assert set(inputs(modal)) == {"section", "text", "questions", "id"}
    assert inputs(modal)["questions"]["required"] is False
    done = await submit(
        online,
        modal,
        {
            "section": "Bicycles",
            "text": "Bicycle parking is behind the library, free for everyone.",
            "questions": "Where can I park my bike?\n\n  Is there bike parking?  ",
            "id": "bike-parking",
        },
    )
    assert "`bike-parking`" in ephemeral_text(done)
    answer = await ask(online, "Where can I park my bike?")
    assert answer["embeds"][0]["description"].startswith("Bicycle parking is behind the library")
    passage = backend.load().get("bike-parking")
    assert passage is not None and passage.questions == ("Where can I park my bike?", "Is there bike parking?")


async def test_a_bot_started_on_an_empty_folder_says_so_and_answers_the_first_passage_added(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """A new community's bot starts on a folder of no knowledge: /help says it knows nothing yet, and
    the passage its moderator adds through /kb add is answered."""
    folder = tmp_path / "community"
    folder.mkdir()
    moderators = Moderators(discord_users=frozenset({fake.user_id}))
    empty = Service.from_directory(folder, Config(moderators=moderators, data_dir=tmp_path / "data"))
    try:
        async with connected(fake, empty):
            interaction = fake.command("help")
            await fake.push("INTERACTION_CREATE", interaction)
            helped = await callback_for(fake, interaction)
            modal = await kb(fake, "add")
            await submit(fake, modal, {"section": "Bicycles", "text": "Bicycle parking is behind the library."})
            answer = await ask(fake, "Where is the bicycle parking?")
    finally:
        empty.close()
    assert helped.body["data"]["content"].startswith("I have nothing to answer from yet")
    assert answer["embeds"][0]["description"].startswith("Bicycle parking is behind the library")


async def test_non_moderator_is_refused_without_a_modal(
    online: FakeDiscord, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """A member neither listed nor holding a moderator role gets the core's refusal, ephemeral; nothing changes."""
    who = {"user": stranger(online), "permissions": NO_MANAGE_SERVER}
    for name, options in [("add", {}), ("edit", {"id": "jobs"}), ("remove", {"id": "jobs"}), ("gaps", {})]:
        interaction = online.subcommand("kb", name, **who, **options)
        await online.push("INTERACTION_CREATE", interaction)
        refused = await callback_for(online, interaction)
        assert ephemeral_text(refused) == NOT_MODERATOR, name
    assert service.answerer.kb.get("jobs") is not None
    assert [r for r in caplog.records if r.name == "bot.curation.moderation" and r.levelno == logging.WARNING]


async def test_modal_submitted_by_a_non_moderator_is_refused(online: FakeDiscord, service: Service) -> None:
    """The core checks the submission too: a modal replayed by someone else changes nothing."""
    modal = await kb(online, "add")
    refused = await submit(online, modal, {"section": "S", "text": "Some text."}, user=stranger(online))
    assert ephemeral_text(refused) == NOT_MODERATOR
    assert len(service.answerer.kb) == len(TEST_PASSAGES)


async def test_an_edit_form_submitted_unchanged_by_a_non_moderator_is_refused(
    online: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    """Someone not a moderator who submits an edit form as it was (demoted while it was open, or
    replaying it) gets the refusal, logged at WARNING with their id, not "Nothing changed" unlogged."""
    modal = await kb(online, "edit", id="jobs")
    said = ephemeral_text(await submit(online, modal, {}, user=stranger(online), permissions=NO_MANAGE_SERVER))
    warned = [r for r in caplog.records if r.name == "bot.curation.moderation" and r.levelno == logging.WARNING]
    assert said == NOT_MODERATOR and warned, said


async def test_role_moderator_is_allowed(online: FakeDiscord, service: Service) -> None:
    """A member holding a role listed in moderators.discord_roles may moderate."""
    who = {"user": stranger(online), "roles": (MODERATOR_ROLE,), "permissions": NO_MANAGE_SERVER}
    interaction = online.subcommand("kb", "remove", id="education", **who)
    await online.push("INTERACTION_CREATE", interaction)
    done = await callback_for(online, interaction)
    assert "Removed passage `education`" in ephemeral_text(done)
    assert service.answerer.kb.get("education") is None


@pytest.mark.parametrize(("setting", "expected"), [(True, "Removed passage"), (False, NOT_MODERATOR)])
async def test_manage_server_counts_only_when_configured(
    fake: FakeDiscord, backend: Backend, setting: bool, expected: str
) -> None:
    """With moderators.discord_manage_server on, a member with Manage Server is a moderator; without it, not."""
    service = make_service(backend, discord_manage_server=setting, discord_admin_guilds=frozenset({fake.guild_id}))
    async with running(service, ENV):
        await fake.wait_ready()
        interaction = fake.subcommand("kb", "remove", id="jobs", permissions=str(1 << 5))
        await fake.push("INTERACTION_CREATE", interaction)
        assert ephemeral_text(await callback_for(fake, interaction)).startswith(expected)


async def test_the_owner_of_another_server_is_not_a_moderator(fake: FakeDiscord, backend: Backend) -> None:
    """Manage Server counts only in the servers the config names: the owner of another one is refused."""
    service = make_service(backend, discord_manage_server=True, discord_admin_guilds=frozenset({fake.guild_id}))
    other_guild = "900000000000000777"
    async with running(service, ENV):
        await fake.wait_ready()
        interaction = fake.subcommand("kb", "remove", id="jobs", user=stranger(fake))  # every permission
        interaction["guild_id"] = other_guild
        interaction["channel"] = {**interaction["channel"], "guild_id": other_guild, "position": 0}
        await fake.push("INTERACTION_CREATE", interaction)
        assert ephemeral_text(await callback_for(fake, interaction)) == NOT_MODERATOR
    assert service.answerer.kb.get("jobs") is not None


async def test_edit_opens_a_prefilled_modal_and_saves_only_changes(online: FakeDiscord, service: Service) -> None:
    """/kb edit shows the passage's current values; the new text answers, the untouched questions stay."""
    modal = await kb(online, "edit", id="jobs")
    assert modal.body["type"] == 9
    fields = inputs(modal)
    assert fields["section"]["value"] == "Work"
    assert fields["text"]["value"] == "Many defectors worked in factories or farms before leaving."
    assert fields["questions"]["value"] == "What jobs did defectors have?"
    done = await submit(online, modal, {"text": "Many defectors worked in mines, factories or farms."})
    assert "Edited passage `jobs`" in ephemeral_text(done)
    passage = service.answerer.kb.get("jobs")
    assert passage is not None and passage.questions == ("What jobs did defectors have?",)
    answer = await ask(online, "What jobs did defectors have?")
    assert answer["embeds"][0]["description"] == "Many defectors worked in mines, factories or farms."
    [record] = [r for r in service.moderation.history_log.records() if r.kind != "seed"]  # type: ignore[union-attr]
    assert (record.kind, record.platform, record.name, record.user_id) == ("edit", "discord", "asker", online.user_id)


async def test_an_edit_form_with_digests_of_another_size_still_saves_only_changes(
    online: FakeDiscord, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digests' size is said once (`DIGEST_BYTES`): at 9 bytes the form's id holds three 12-character
    digests, and the submission is read by that width: the new section saved, the text and questions kept."""
    from adapters.dc import forms

    monkeypatch.setattr(forms, "DIGEST_BYTES", 9)
    modal = await kb(online, "edit", id="jobs")
    form, digests, passage_id = modal.body["data"]["custom_id"].rsplit(":", 2)
    assert (form, len(digests), passage_id) == ("qa:edit", 3 * 12, "jobs")
    done = await submit(online, modal, {"section": "Jobs"})
    assert "Edited passage `jobs`" in ephemeral_text(done)
    passage = service.passage("jobs")
    assert passage is not None and passage.section == "Jobs"
    assert passage.text == "Many defectors worked in factories or farms before leaving."
    assert passage.questions == ("What jobs did defectors have?",)


async def test_a_korean_moderators_kb_forms_are_in_korean(online: FakeDiscord) -> None:
    """A moderator whose Discord speaks Korean gets /kb add's and /kb edit's forms (title, labels,
    placeholder) in Korean, as the replies are; the edit form's fields still hold the passage."""
    opened = {}
    for name, options in [("add", {}), ("edit", {"id": "jobs"})]:
        interaction = online.subcommand("kb", name, **options)
        interaction["locale"] = "ko"
        await online.push("INTERACTION_CREATE", interaction)
        opened[name] = await callback_for(online, interaction)
    add, edit = inputs(opened["add"]), inputs(opened["edit"])
    assert opened["add"].body["data"]["title"] == "항목 추가" and opened["edit"].body["data"]["title"] == "jobs 수정"
    assert [field["label"] for field in add.values()] == [
        "섹션",
        "본문",
        "사람들이 묻는 질문(한 줄에 하나씩)",
        "ID(선택)",
    ]
    assert add["id"]["placeholder"] == "비워 두면 섹션 이름으로 만듭니다" and edit["section"]["label"] == "섹션"
    assert edit["section"]["value"] == "Work"


async def test_edit_unchanged_or_unknown(online: FakeDiscord) -> None:
    """A modal saved as it was changes nothing; an unknown id gets a short note instead of a modal."""
    modal = await kb(online, "edit", id="jobs")
    assert "Nothing changed" in ephemeral_text(await submit(online, modal, {}))
    assert "no passage with the id `nope`" in ephemeral_text(await kb(online, "edit", id="nope"))


async def alias_as_another_moderator(fake: FakeDiscord, passage_id: str, question: str) -> None:
    """`/kb alias` run by a second moderator (by role) while the first one's form is open."""
    other = fake.user("900000000000000061", name="mod-b")
    alias = fake.subcommand("kb", "alias", user=other, roles=(MODERATOR_ROLE,), id=passage_id, question=question)
    await fake.push("INTERACTION_CREATE", alias)
    assert "Attached" in ephemeral_text(await callback_for(fake, alias))


async def test_an_edit_form_opened_before_another_moderators_change_is_not_saved_over_it(
    online: FakeDiscord, service: Service
) -> None:
    """A form holds the passage as it was when it opened: saved after another moderator attached a
    question, it dropped that question, silently. It is refused now, with a note to open it again,
    and the form opened again holds the question."""
    modal = await kb(online, "edit", id="education")
    before = inputs(modal)["questions"]["value"]
    await alias_as_another_moderator(online, "education", "Did defectors go to school?")
    stale = await submit(online, modal, {"questions": before + "\nWhat schooling did defectors have?"})
    assert "changed since you opened this form" in ephemeral_text(stale)
    passage = service.passage("education")
    assert passage is not None and passage.questions == ("How educated are defectors?", "Did defectors go to school?")
    again = await kb(online, "edit", id="education")
    await submit(
        online, again, {"questions": inputs(again)["questions"]["value"] + "\nWhat schooling did defectors have?"}
    )
    passage = service.passage("education")
    assert passage is not None and "What schooling did defectors have?" in passage.questions  # A's line
    assert "Did defectors go to school?" in passage.questions  # B's alias


async def test_an_edit_form_refused_over_a_change_made_since_gives_the_moderator_their_text_back(
    online: FakeDiscord,
) -> None:
    """A moderator whose rewrite is refused because someone changed the passage while their form was
    open gets what they typed back, as a form the bot no longer reads does: not a note alone, their rewrite gone."""
    rewrite = "Most defectors finished secondary school in the North; many went on to study in the South."
    mine = await kb(online, "edit", id="education")
    theirs = await kb(online, "edit", id="education")  # a second form, saved first
    assert "Edited" in ephemeral_text(await submit(online, theirs, {"text": "Most defectors left school early."}))
    said = ephemeral_text(await submit(online, mine, {"text": rewrite}))
    assert "changed since you opened this form" in said
    assert rewrite in said.replace("\\", ""), said


async def test_an_add_form_the_core_refuses_gives_the_moderator_their_text_back(online: FakeDiscord) -> None:
    """An add form refused by the core (its id not one) says why, then what the moderator typed."""
    text = "Bicycle parking is behind the library, free for everyone."
    modal = await kb(online, "add")
    said = ephemeral_text(await submit(online, modal, {"section": "Bicycles", "text": text, "id": "Bikes!"}))
    assert "is not a passage id" in said and text in said.replace("\\", "") and "Bicycles" in said, said


async def test_an_edit_form_saves_what_nobody_changed_since_it_opened(online: FakeDiscord, service: Service) -> None:
    """Another moderator's question attached meanwhile does not stop a form that changes only the text."""
    modal = await kb(online, "edit", id="education")
    await alias_as_another_moderator(online, "education", "Did defectors go to school?")
    done = await submit(online, modal, {"text": "Most defectors finished middle school."})
    assert "Edited passage `education`" in ephemeral_text(done)
    passage = service.passage("education")
    assert passage is not None and passage.text == "Most defectors finished middle school."
    assert "Did defectors go to school?" in passage.questions


async def test_a_kb_add_form_submitted_after_a_restart_is_saved(fake: FakeDiscord, service: Service) -> None:
    """A moderator who opened /kb add, and submits it after the bot restarted, gets the passage added;
    not Discord's bare "This interaction failed", their text gone (the form had been held in memory)."""
    async with connected(fake, service):
        modal = await kb(fake, "add")
    text = "Bicycle parking is behind the library, free for everyone, open day and night."
    async with running(service, ENV):
        await fake.wait_ready(count=2)
        done = await submit(fake, modal, {"section": "Bicycles", "text": text, "id": "bikes"})
    assert "`bikes`" in ephemeral_text(done)
    passage = service.passage("bikes")
    assert passage is not None and passage.text == text


async def test_an_edit_form_submitted_after_a_restart_saves_only_what_was_changed(
    fake: FakeDiscord, service: Service
) -> None:
    """The edit form, opened before a restart, is read by its id after it: the new text is saved, and
    a question attached meanwhile by another moderator stays (the form changed no question)."""
    async with connected(fake, service):
        modal = await kb(fake, "edit", id="education")
        await alias_as_another_moderator(fake, "education", "Did defectors go to school?")
    async with running(service, ENV):
        await fake.wait_ready(count=2)
        done = await submit(fake, modal, {"text": "Most defectors finished middle school."})
    assert "Edited passage `education`" in ephemeral_text(done)
    passage = service.passage("education")
    assert passage is not None and passage.text == "Most defectors finished middle school."
    assert "Did defectors go to school?" in passage.questions


async def test_an_edit_form_submitted_after_a_restart_over_a_change_made_since_is_refused(
    fake: FakeDiscord, service: Service
) -> None:
    """After a restart the form still knows the passage as it showed it: questions changed by
    another moderator since it opened are not saved over."""
    async with connected(fake, service):
        modal = await kb(fake, "edit", id="education")
        before = inputs(modal)["questions"]["value"]
        await alias_as_another_moderator(fake, "education", "Did defectors go to school?")
    async with running(service, ENV):
        await fake.wait_ready(count=2)
        stale = await submit(fake, modal, {"questions": before + "\nWhat schooling did defectors have?"})
    assert "changed since you opened this form" in ephemeral_text(stale)
    passage = service.passage("education")
    assert passage is not None and passage.questions == ("How educated are defectors?", "Did defectors go to school?")


async def test_a_form_the_bot_does_not_know_gets_the_moderators_text_back(online: FakeDiscord) -> None:
    """A form opened before an update (its id one the bot no longer reads) is not lost without a
    word: the moderator is told it cannot be saved, with what they typed."""
    text = "Bicycle parking is behind the library."
    old = {"custom_id": "5f0c9e2b7a1d4c3e8f6a0b1c2d3e4f5a", "components": [
        {"type": 1, "components": [{"type": 4, "custom_id": "section", "label": "Section", "style": 1}]},
        {"type": 1, "components": [{"type": 4, "custom_id": "text", "label": "Text", "style": 2}]},
    ]}  # fmt: skip
    said = ephemeral_text(
        await submit(online, Call("POST", "", {}, {"data": old}), {"section": "Bicycles", "text": text})
    )
    assert said.startswith("That form can no longer be saved") and "Bicycles" in said and text in said


async def test_alias_remove_undo_and_history(online: FakeDiscord) -> None:
    """alias makes a new wording answer; remove takes the passage away; undo brings it back; history lists it all."""
    question = "Did they go to school in the north?"
    assert "Attached" in ephemeral_text(await kb(online, "alias", id="education", question=question))
    assert (await ask(online, question))["embeds"][0]["title"] == "Schooling"
    assert "Removed passage `education`" in ephemeral_text(await kb(online, "remove", id="education"))
    assert "embeds" not in await ask(online, question)
    assert "Undid the remove of `education`" in ephemeral_text(await kb(online, "undo"))
    assert (await ask(online, question))["embeds"][0]["title"] == "Schooling"
    history = ephemeral_text(await kb(online, "history", id="education"))
    for kind in ("alias", "remove", "undo"):
        assert kind in history


def in_a_dm(interaction: dict[str, Any]) -> dict[str, Any]:
    """`interaction` as Discord sends it from the member's DM with the bot: no guild, the user not a member."""
    dm = "900000000000000077"
    moved = {k: v for k, v in interaction.items() if k not in ("guild_id", "member")}
    return {**moved, "user": interaction["member"]["user"], "channel_id": dm, "context": 1,
            "channel": {"id": dm, "type": 1, "recipients": [interaction["member"]["user"]]}}  # fmt: skip


async def test_kb_history_leaves_an_aliased_question_out_in_a_channel_and_shows_it_in_a_dm(online: FakeDiscord) -> None:
    """`/kb history` in a server's channel quoted a question aliased from members' words (asked in DMs too); it
    leaves it out there, saying where it shows them, and shows it to the moderator in a DM with the bot."""
    question = "Did they go to school in the north?"
    assert "Attached" in ephemeral_text(await kb(online, "alias", id="education", question=question))
    in_channel = ephemeral_text(await kb(online, "history", id="education"))
    assert "school in the north" not in in_channel and "`/kb history` in a private chat" in in_channel
    interaction = in_a_dm(online.subcommand("kb", "history", id="education"))
    await online.push("INTERACTION_CREATE", interaction)
    assert "school in the north" in ephemeral_text(await callback_for(online, interaction))


async def test_gaps_stats_and_dismiss(online: FakeDiscord, service: Service) -> None:
    """An unanswered question shows in /kb gaps; /kb stats answers; /kb dismiss closes the gap."""
    assert "embeds" not in await ask(online, "Where is the nearest swimming pool?")
    gaps = ephemeral_text(await kb(online, "gaps", count=5))
    assert "swimming pool" in gaps
    gap_id = next(word for word in gaps.split() if word.startswith("g") and len(word) == 7)
    assert ephemeral_text(await kb(online, "stats"))
    ephemeral_text(await kb(online, "dismiss", gap=gap_id))
    assert "swimming pool" not in ephemeral_text(await kb(online, "gaps"))


async def test_find_gives_the_ids_of_the_passages_that_match(online: FakeDiscord) -> None:
    """`/kb find` gives the ids of the passages that match, their text quoted (markdown escaped) and their ids as
    code."""
    found = ephemeral_text(await kb(online, "find", words="schooling"))
    # the passages' text is quoted, not rendered: its markdown escaped; the core's ids stay code
    assert found.startswith("Passages matching") and "\n`education` Schooling:" in found


def test_a_masked_link_around_a_code_span_is_shown_not_linked() -> None:
    """A passage's "[the `pip` guide](https://...)" in `/kb find`: the code span split the link, and the
    part before it kept its "[" unescaped, so the link rendered."""
    from adapters.dc.deliver import shown

    said = shown("`guide` Read [the `pip` guide](https://evil.example/x) first.")
    assert said == "`guide` Read \\[the `pip` guide](https://evil.example/x) first."


async def test_gaps_show_users_masked_links_and_markdown_as_typed(online: FakeDiscord) -> None:
    """An unanswered question holding a masked link and markdown is listed escaped: nothing renders as a link."""
    typed = "How do I claim the prize at [discord.gift/free](https://evil.example/steal) **now**?"
    assert "embeds" not in await ask(online, typed)
    listed = ephemeral_text(await kb(online, "gaps"))
    assert "\\[discord.gift/free](https\\://evil.example/steal)" in listed
    assert "\\*\\*now\\*\\*" in listed
    dismissed = ephemeral_text(await kb(online, "dismiss", gap="1"))  # the reply quotes it too
    assert dismissed.startswith("Dismissed gap") and "\\[discord.gift/free](https\\://evil.example/steal)" in dismissed


async def test_long_reply_is_split_and_every_piece_is_ephemeral(online: FakeDiscord) -> None:
    """A reply over 2000 characters (thirty long unanswered questions listed) goes out as ephemeral pieces:
    the callback and follow-ups."""
    for n in range(20):  # each of its own made-up words, by its own member: twenty gaps, none throttled
        words = ["".join(chr(97 + b % 26) for b in hashlib.sha256(f"{n} {k}".encode()).digest()[:7]) for k in range(5)]
        asked = f"Where do the {words[0]} and {words[1]} keep the {words[2]} of {words[3]} for the {words[4]} night?"
        interaction = online.command("ask", question=asked, user=online.user(str(900000000000000200 + n)))
        await online.push("INTERACTION_CREATE", interaction)
        await callback_for(online, interaction)
    interaction = online.subcommand("kb", "gaps", count=20)
    await online.push("INTERACTION_CREATE", interaction)
    first = await callback_for(online, interaction)
    follow_up = await online.wait_for(lambda c: c.path == f"/webhooks/{online.app_id}/{interaction['token']}")
    assert len(ephemeral_text(first)) <= 2000
    assert follow_up.body["flags"] & EPHEMERAL


async def test_slow_change_is_deferred_ephemerally(fake: FakeDiscord, service: Service) -> None:
    """A change slower than DISCORD_DEFER_AFTER defers (thinking, ephemeral) and follows up."""
    async with running(service, {**ENV, "DISCORD_DEFER_AFTER": "0"}):
        await fake.wait_ready()
        interaction = fake.subcommand("kb", "remove", id="jobs")
        await fake.push("INTERACTION_CREATE", interaction)
        deferred = await callback_for(fake, interaction)
        follow_up = await fake.wait_for(lambda c: c.path == f"/webhooks/{fake.app_id}/{interaction['token']}")
    assert deferred.body["type"] == 5 and deferred.body["data"]["flags"] & EPHEMERAL
    assert "Removed passage `jobs`" in follow_up.body["content"]


async def test_id_autocomplete_offers_matching_passages(online: FakeDiscord) -> None:
    """Typing in the id option suggests passage ids (autocomplete, callback type 8)."""
    data = {"id": online.next_id(), "name": "kb", "type": 1, "options": [
        {"name": "remove", "type": 1, "options": [{"name": "id", "type": 3, "value": "scho", "focused": True}]},
    ]}  # fmt: skip
    interaction = online.interaction(4, data)
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["type"] == 8
    assert [c["value"] for c in call.body["data"]["choices"]] == ["education"]


async def test_kb_id_suggestions_are_not_computed_for_a_member_who_is_not_a_moderator(online: FakeDiscord) -> None:
    """Anyone could type into `/kb remove id:` (Discord shows the group to everyone) and have the bot
    go through every passage on its event loop at each keystroke, offering the ids to someone the
    group then refuses: a member who is not a moderator gets no suggestions."""
    data = {"id": online.next_id(), "name": "kb", "type": 1, "options": [
        {"name": "remove", "type": 1, "options": [{"name": "id", "type": 3, "value": "scho", "focused": True}]},
    ]}  # fmt: skip
    interaction = online.interaction(4, data, user=stranger(online), permissions=NO_MANAGE_SERVER)
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["type"] == 8 and call.body["data"]["choices"] == []


@pytest.mark.parametrize("command", ["undo", "add"])
async def test_a_members_flood_of_kb_commands_is_held_to_their_cooldown(
    backend: Backend, fake: FakeDiscord, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    """A member who is not a moderator sending `/kb undo` (or opening `/kb add`) over and over got a
    refusal and a WARNING ("refused kb undo: discord user ...") for every one, without limit: as on
    Telegram, refusals count against their cooldown, so a flood gets its burst and then the cooldown note.
    The cooldown refills once an hour here, so a slow machine cannot let a refill through mid-flood; each
    command is answered before the next is sent, so that with PostgreSQL no check meets a busy pool and
    falls back to the instance's own budget (which, by design, does not wait: docs/scaling.md)."""
    hourly = CooldownSettings(burst=5, interval=3600)
    service = backend.service(moderators=Moderators(discord_users=frozenset({fake.user_id})), cooldown=hourly)
    said = []
    async with connected(fake, service):
        for _ in range(20):
            interaction = fake.subcommand("kb", command, user=stranger(fake), permissions=NO_MANAGE_SERVER)
            await fake.push("INTERACTION_CREATE", interaction)
            said.append(ephemeral_text(await callback_for(fake, interaction)))
    refused = [r for r in caplog.records if r.getMessage().startswith(f"refused kb {command}")]
    assert len(refused) == hourly.burst, f"{len(refused)} WARNING lines for one member's 20 /kb {command}"
    assert said.count(NOT_MODERATOR) == len(refused) and "asking quickly" in said[-1], said


async def test_sync_registers_the_kb_group(fake: FakeDiscord) -> None:
    """`discord sync` registers /kb with its subcommands and their options."""
    assert await asyncio.to_thread(sync.sync_main, ["--guild", fake.guild_id], {"DISCORD_BOT_TOKEN": TOKEN}) == 0
    [put] = fake.find("PUT", "/applications/")
    group = next(c for c in put.body if c["name"] == "kb")
    subcommands = {o["name"]: o for o in group["options"]}
    assert set(subcommands) == {"add", "edit", "remove", "alias", "history", "undo", "gaps", "stats", "dismiss", "find"}
    assert [o["name"] for o in subcommands["alias"]["options"]] == ["id", "question"]
    assert subcommands["history"]["options"][0]["required"] is False
