"""A member points the bot at someone else's message: "Answer this" in the message's Apps menu
answers it in the channel. The real discord.py against the fake gateway and REST API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot import Answerer, Service
from tests.discord_support import ENV, connected
from tests.fake_discord import ALL_PERMISSIONS, FakeDiscord
from tests.test_discord import TEST_PASSAGES, callback_for, write_knowledge
from tests.test_discord_edits import refused_after_next_post, settled

ANSWER_THIS = "Answer this"


def reference_of(call: Any) -> str | None:
    """The message a POST replies to."""
    ref = call.body.get("message_reference")
    return str(ref["message_id"]) if ref else None


@pytest.fixture
def service(tmp_path: Path) -> Service:
    """The core `online` runs on: a small knowledge base of its own, a fresh cooldown per test."""
    return Service(Answerer.from_directory(write_knowledge(tmp_path / "kb", TEST_PASSAGES)))


async def test_answer_this_on_a_members_question_answers_it_as_a_reply_to_it(online: FakeDiscord) -> None:
    """*Answer this* on a member's question that did not address the bot answers it in the channel, replying to it; only
    the member who used it is told where the answer is."""
    newcomer = online.user("900000000000000001", name="newcomer")
    question = online.message("are most of the defectors women", author=newcomer)  # no mention, no intent
    await online.push("MESSAGE_CREATE", question)
    helper = online.user("900000000000000002", name="helper")
    interaction = online.message_command(ANSWER_THIS, question, user=helper)
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    [post] = [c for c in online.find("POST", f"/channels/{online.channel_id}/messages")]
    assert post.body["embeds"][0]["title"] == "Who are the refugees?"
    assert reference_of(post) == question["id"]  # its asker sees the answer to it
    assert call.body["data"]["flags"] & 64  # the member who used it is told where, only they see it
    assert call.body["data"]["content"].endswith(f"/{online.channel_id}/{post.result['id']}")


async def test_answer_this_refused_in_the_channel_all_the_same_tells_its_user_privately(online: FakeDiscord) -> None:
    """Discord refuses the answer for a reason the interaction did not show: its user is told so,
    with the answer, only they see it (they may post it themselves)."""
    question = online.message("are most of the defectors women")
    online.refuse_once("POST", f"/channels/{online.channel_id}/messages")
    interaction = online.message_command(ANSWER_THIS, question)
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    answer = await online.wait_for(lambda c: c.path.startswith(f"/webhooks/{online.app_id}/{interaction['token']}"))
    assert "only you see" in call.body["data"]["content"] and call.body["data"]["flags"] & 64
    assert answer.body["embeds"][0]["title"] == "Who are the refugees?" and answer.body["flags"] & 64


async def test_answer_this_refused_after_its_deferral_keeps_every_answer_private(
    fake: FakeDiscord, service: Service
) -> None:
    """Deferred (privately, for the link it will give), then refused in the channel: the answer to
    each question of the message went out as a follow-up without a flag, the first private as the
    deferral, the next shown to everyone, and nothing said why."""
    async with connected(fake, service, {**ENV, "DISCORD_DEFER_AFTER": "0"}):
        question = fake.message("are most of the defectors women? and what jobs did defectors have?")
        fake.refuse_once("POST", f"/channels/{fake.channel_id}/messages")
        interaction = fake.message_command(ANSWER_THIS, question)
        await fake.push("INTERACTION_CREATE", interaction)
        path = f"/webhooks/{fake.app_id}/{interaction['token']}"
        await fake.wait_for(lambda c: c.path == path and "Work" in json.dumps(c.body) and c.answered is not None)
    assert (await callback_for(fake, interaction)).body == {"type": 5, "data": {"flags": 64}}
    shown = [c for c in fake.find("POST", path)]
    assert "only you see" in shown[0].body["content"]
    assert [c.result["flags"] & 64 for c in shown] == [64, 64, 64]  # the note and both answers, as Discord shows them


async def test_answer_this_behind_a_busy_channel_is_acknowledged_within_discords_three_seconds(
    online: FakeDiscord,
) -> None:
    """A member who uses *Answer this* while the channel's earlier answer is still going out (Discord
    failing it with 503, retried after 1, 2 and 4 s) gets the command acknowledged in time and then
    the link to the answer, not "This interaction failed": the wait for the channel's turn is deferred."""
    online.fail("POST", f"/channels/{online.channel_id}/messages", status=503, times=3)
    await online.push("MESSAGE_CREATE", online.mention("Are most defectors women?"))
    helper = online.user("900000000000000070", name="helper")
    pointed = online.message_command(ANSWER_THIS, online.message("how educated are defectors"), user=helper)
    await online.push("INTERACTION_CREATE", pointed)
    path = f"/interactions/{pointed['id']}/{pointed['token']}/callback"
    acknowledged = await online.wait_for(lambda c: c.path == path and c.answered is not None, timeout=15)
    told = await online.wait_for(lambda c: c.path == f"/webhooks/{online.app_id}/{pointed['token']}", timeout=15)
    late, online.violations[:] = list(online.violations), []  # said here, not by the strict_fakes check
    assert acknowledged.status == 200 and acknowledged.body == {"type": 5, "data": {"flags": 64}}, late
    [_, answer] = [c for c in online.find("POST", f"/channels/{online.channel_id}/messages") if c.status == 200]
    assert told.body["content"].endswith(f"/{online.channel_id}/{answer.result['id']}") and told.body["flags"] & 64


async def test_answer_this_without_read_message_history_answers_in_its_response(online: FakeDiscord) -> None:
    """Discord refuses a reply from a bot without Read Message History (403, 160002), which the
    interaction's permissions show: the answer is the command's response, as without Send Messages."""
    online.app_permissions = str(int(ALL_PERMISSIONS) & ~(1 << 16))
    interaction = online.message_command(ANSWER_THIS, online.message("are most of the defectors women"))
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["data"]["embeds"] and not call.body["data"].get("flags")
    assert online.find("POST", f"/channels/{online.channel_id}/messages") == []


async def test_answer_this_on_an_answered_question_shows_where_its_answer_is(online: FakeDiscord) -> None:
    """*Answer this* on a question the bot already answered posts nothing new: its user alone is told where that answer
    is."""
    question = online.message("are most of the defectors women")
    first, second = (online.message_command(ANSWER_THIS, question) for _ in range(2))
    await online.push("INTERACTION_CREATE", first)
    await callback_for(online, first)
    await online.push("INTERACTION_CREATE", second)
    call = await callback_for(online, second)
    [post] = online.find("POST", f"/channels/{online.channel_id}/messages")
    assert "already" in call.body["data"]["content"] and call.body["data"]["flags"] & 64
    assert call.body["data"]["content"].endswith(f"/{post.result['id']}")


async def test_answer_this_on_a_message_without_words_tells_only_the_member_who_used_it(
    online: FakeDiscord,
) -> None:
    """*Answer this* on a message without words (a picture) tells only the member who used it that there are no words
    to answer."""
    image = {"id": "1", "filename": "a.png", "size": 1, "url": "https://cdn.example/a.png"}
    picture = {**online.message(""), "attachments": [{**image, "proxy_url": image["url"]}]}
    interaction = online.message_command(ANSWER_THIS, picture)
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["data"]["flags"] & 64  # ephemeral
    assert "no words" in call.body["data"]["content"]


async def test_answer_this_on_a_system_message_tells_only_the_member_who_used_it(online: FakeDiscord) -> None:
    """ "X started a thread: <its name>" (type 18) holds Discord's words, not a member's question: its
    name was answered, as a reply Discord refuses ("Cannot reply to a system message")."""
    system = {**online.message("are most defectors women"), "type": 18}
    interaction = online.message_command(ANSWER_THIS, system)
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    replies = [
        c for c in online.find("POST", f"/channels/{online.channel_id}/messages") if reference_of(c) == system["id"]
    ]
    assert replies == [], "replied to a system message"
    assert call.body["data"]["flags"] & 64  # ephemeral
    assert "no words" in call.body["data"]["content"]


async def test_answer_this_counts_for_the_cooldown_of_the_member_who_used_it(
    online: FakeDiscord, service: Service
) -> None:
    """*Answer this* counts against the cooldown of the member who used it: past their burst they alone are told they
    are asking quickly, and nothing more is posted."""
    helper = online.user("900000000000000003", name="busy helper")
    questions = [online.message(f"are most of the defectors women {n}") for n in range(service.cooldown.burst + 1)]
    interactions = [online.message_command(ANSWER_THIS, q, user=helper) for q in questions]
    for interaction in interactions:
        await online.push("INTERACTION_CREATE", interaction)
    calls: list[Any] = [await callback_for(online, i) for i in interactions]
    assert "asking quickly" in calls[-1].body["data"]["content"] and calls[-1].body["data"]["flags"] & 64
    assert len(online.find("POST", f"/channels/{online.channel_id}/messages")) == service.cooldown.burst


@pytest.fixture
async def reading(fake: FakeDiscord, service: Service) -> AsyncIterator[FakeDiscord]:
    """The bot with the Message Content intent (granted): it reads the message a reply is to."""
    fake.grant_message_content = True
    async with connected(fake, service, {**ENV, "DISCORD_MESSAGE_CONTENT": "1"}):
        yield fake


def pointing(fake: FakeDiscord, at: dict[str, Any], *, by_role: bool = False) -> dict[str, Any]:
    """A helper's reply to the member's message `at` that only pings the bot (`by_role`: its managed role)."""
    helper = fake.user("900000000000000004", name="helper")
    reply = fake.mention_role("", author=helper) if by_role else fake.mention("", author=helper)
    reference_to = {"message_id": at["id"], "channel_id": fake.channel_id, "guild_id": fake.guild_id}
    return {**reply, "type": 19, "message_reference": reference_to, "referenced_message": at}


async def test_a_bare_mention_in_reply_to_a_members_question_answers_it_as_a_reply_to_it(reading: FakeDiscord) -> None:
    """A bare mention of the bot in reply to a member's question answers that question, as a reply to it."""
    question = reading.message("are most of the defectors women")
    await reading.push("MESSAGE_CREATE", question)
    await reading.push("MESSAGE_CREATE", pointing(reading, question))
    post = await reading.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{reading.channel_id}/messages")
    assert post.body["embeds"][0]["title"] == "Who are the refugees?"
    assert str(post.body["message_reference"]["message_id"]) == question["id"]  # its asker sees the answer to it


async def test_a_bare_mention_of_the_bots_role_in_reply_to_a_members_question_answers_it(reading: FakeDiscord) -> None:
    """A bare mention of the bot's managed role in reply to a member's question answers that question, as the
    bot's own mention does."""
    question = reading.message("are most of the defectors women")
    await reading.push("MESSAGE_CREATE", question)
    await reading.push("MESSAGE_CREATE", pointing(reading, question, by_role=True))
    post = await reading.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{reading.channel_id}/messages")
    assert post.body["embeds"][0]["title"] == "Who are the refugees?"
    assert str(post.body["message_reference"]["message_id"]) == question["id"]


async def test_without_the_message_content_intent_a_bare_mention_cannot_read_the_question(
    online: FakeDiscord,
) -> None:
    """Discord withholds the text of the message replied to: the bot says it cannot read it, and
    that "Answer this" in the message's menu is the way."""
    question = online.message("are most of the defectors women")
    await online.push("MESSAGE_CREATE", question)
    ping = pointing(online, question)
    await online.push("MESSAGE_CREATE", ping)
    post = await online.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{online.channel_id}/messages")
    assert "Answer this" in post.body["content"] and not post.body.get("embeds")  # how to, not the help
    assert str(post.body["message_reference"]["message_id"]) == ping["id"]


async def test_the_pointers_cooldown_note_replies_to_them_not_to_the_question(
    reading: FakeDiscord, service: Service
) -> None:
    """The cooldown note of a member who points too often replies to their last mention, not to the question pointed
    at."""
    question = reading.message("are most of the defectors women")
    await reading.push("MESSAGE_CREATE", question)
    pointers = [pointing(reading, question) for _ in range(service.cooldown.burst + 1)]
    for ping in pointers:
        await reading.push("MESSAGE_CREATE", ping)
    note = await reading.wait_for(lambda c: c.method == "POST" and "asking quickly" in str(c.body.get("content")))
    assert reference_of(note) == pointers[-1]["id"]


async def test_a_bare_mention_edited_into_a_question_of_its_own_gets_an_answer_replying_to_it(
    reading: FakeDiscord,
) -> None:
    """A bare mention edited into a question of its own: the answer to the question pointed at is deleted and the new
    question's answer replies to the mention."""
    question = reading.message("are most of the defectors women")
    await reading.push("MESSAGE_CREATE", question)
    ping = pointing(reading, question)
    await reading.push("MESSAGE_CREATE", ping)
    first = await reading.wait_for(lambda c: c.method == "POST" and reference_of(c) == question["id"])
    await reading.push(
        "MESSAGE_UPDATE", reading.edited(ping, f"<@{reading.bot_id}> what happens to refugees caught in china")
    )
    second = await reading.wait_for(lambda c: c.method == "POST" and reference_of(c) == ping["id"])
    deleted = await reading.wait_for(lambda c: c.method == "DELETE" and "/messages/" in c.path)
    assert deleted.path.endswith(f"/{first.result['id']}") and second.body["embeds"]
    assert reading.find("PATCH", "/channels/") == []


async def test_a_second_member_pointing_at_an_answered_question_is_shown_the_answer(reading: FakeDiscord) -> None:
    """A second member pointing at a question already answered is shown that answer (a note replying to it), not given
    it again."""
    question = reading.message("are most of the defectors women")
    await reading.push("MESSAGE_CREATE", question)
    await reading.push("MESSAGE_CREATE", pointing(reading, question))
    answer = await reading.wait_for(lambda c: c.method == "POST" and reference_of(c) == question["id"])
    second = {**pointing(reading, question), "author": reading.user("900000000000000005", name="another helper")}
    await reading.push("MESSAGE_CREATE", second)
    note = await reading.wait_for(lambda c: c.method == "POST" and reference_of(c) == str(answer.result["id"]))
    assert "already" in note.body["content"]
    assert len([c for c in reading.find("POST", "/channels/") if c.body.get("embeds")]) == 1  # answered once


async def test_a_mention_edited_into_a_bare_one_at_a_withheld_question_gets_the_note(online: FakeDiscord) -> None:
    """The edit reaches the same place a new message does: the note that points to Answer this."""
    question = online.message("are most of the defectors women")
    await online.push("MESSAGE_CREATE", question)
    ping = {**pointing(online, question), "content": f"<@{online.bot_id}> what happens to refugees caught in china"}
    await online.push("MESSAGE_CREATE", ping)
    answer = await online.wait_for(lambda c: c.method == "POST" and reference_of(c) == ping["id"])
    await online.push("MESSAGE_UPDATE", online.edited(ping, f"<@{online.bot_id}>"))
    note = await online.wait_for(lambda c: c.method == "POST" and "Answer this" in str(c.body.get("content")))
    deleted = await online.wait_for(lambda c: c.method == "DELETE")
    assert reference_of(note) == ping["id"] and deleted.path.endswith(f"/{answer.result['id']}")


async def test_answer_this_on_the_bots_own_message_tells_only_its_user(online: FakeDiscord) -> None:
    """*Answer this* on the bot's own message tells only the member who used it that it is the bot's own, and posts
    nothing."""
    own = online.bot_message({"content": "Sorry, I don't know that one. Send /help to see what I can answer."})
    interaction = online.message_command(ANSWER_THIS, own)
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["data"]["flags"] & 64 and "my own" in call.body["data"]["content"]
    assert online.find("POST", f"/channels/{online.channel_id}/messages") == []


def from_a_program(fake: FakeDiscord, text: str, kind: str) -> dict[str, Any]:
    """A message another bot wrote, or a webhook posted (a feed, an integration), as Discord sends
    them: a webhook's author is the webhook, marked a bot, and it has no member."""
    author = fake.user("900000000000000071", name="another bot" if kind == "bot" else "news feed", bot=True)
    message = fake.message(text, author=author)
    if kind == "bot":
        return message
    return {**{k: v for k, v in message.items() if k != "member"}, "webhook_id": author["id"]}


async def test_answer_this_on_another_bots_message_tells_only_its_user(online: FakeDiscord) -> None:
    """Another bot's text ("are most of the defectors women" in a quiz bot's round) was answered in
    the channel: the bot answers members' questions, and says so."""
    interaction = online.message_command(ANSWER_THIS, from_a_program(online, "are most of the defectors women", "bot"))
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["data"]["flags"] & 64 and "from a bot" in call.body["data"]["content"]
    assert online.find("POST", f"/channels/{online.channel_id}/messages") == []


async def test_a_bare_mention_at_another_bots_message_gets_the_note_not_an_answer(reading: FakeDiscord) -> None:
    """A member's mention in reply to a quiz bot's round gets the note, not the round's answer."""
    ping = pointing(reading, from_a_program(reading, "are most of the defectors women", "bot"))
    await reading.push("MESSAGE_CREATE", ping)
    post = await reading.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{reading.channel_id}/messages")
    assert "from a bot" in post.body["content"] and not post.body.get("embeds")
    assert reference_of(post) == ping["id"]


async def test_a_bare_mention_at_the_bots_own_command_response_does_not_answer_its_text(reading: FakeDiscord) -> None:
    """Discord posts a command's response through a webhook (the app's id): a bare mention at the
    bot's own /ask response was answered as a member's question, in reply to the bot itself."""
    own = {
        **reading.bot_message(
            {"content": "Sorry, I don't know that one. Closest topics:\n• are most of the defectors women"}
        ),
        "type": 20,  # CHAT_INPUT_COMMAND: a slash command's response
        "webhook_id": reading.app_id,
    }
    ping = pointing(reading, own)
    await reading.push("MESSAGE_CREATE", ping)
    post = await reading.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{reading.channel_id}/messages")
    assert reference_of(post) == ping["id"] and not post.body.get("embeds")


async def test_answer_this_on_another_apps_button_response_tells_only_its_user(online: FakeDiscord) -> None:
    """Another app's response to a button press is a plain message posted through its webhook, which
    Discord marks with the interaction it answers: an app's text, not a person's."""
    response = {
        **from_a_program(online, "are most of the defectors women", "webhook"),
        "interaction_metadata": {
            "id": online.next_id(),
            "type": 3,  # MESSAGE_COMPONENT
            "user": online.user("900000000000000072", name="presser"),
            "authorizing_integration_owners": {},
        },
    }
    interaction = online.message_command(ANSWER_THIS, response)
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["data"]["flags"] & 64 and "from a bot" in call.body["data"]["content"]


async def test_answer_this_on_a_webhooks_message_answers_it(online: FakeDiscord) -> None:
    """A webhook's message is often a person's (PluralKit posts its members' words through one, a
    bridge the other chat's): a member who points at it gets its answer, as for any member's."""
    interaction = online.message_command(
        ANSWER_THIS, from_a_program(online, "are most of the defectors women", "webhook")
    )
    await online.push("INTERACTION_CREATE", interaction)
    await callback_for(online, interaction)
    post = await online.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{online.channel_id}/messages")
    assert "from a bot" not in str(post.body) and post.body.get("embeds")


async def test_the_edit_of_a_webhooks_message_pointed_at_is_followed(reading: FakeDiscord) -> None:
    """A webhook's message pointed at (PluralKit's), edited through its webhook, has its answer follow as a member's."""
    question = from_a_program(reading, "are most of the defectors women", "webhook")
    await reading.push("MESSAGE_CREATE", question)
    await reading.push("MESSAGE_CREATE", pointing(reading, question))
    answer = await reading.wait_for(lambda c: c.method == "POST" and reference_of(c) == question["id"])
    await reading.push("MESSAGE_UPDATE", reading.edited(question, "what happens to refugees caught in china"))
    await settled(reading)
    [edit] = reading.find("PATCH", f"/channels/{reading.channel_id}/messages/{answer.result['id']}")
    assert edit.body["embeds"][0]["title"] == "Life in hiding"


async def test_without_the_intent_a_bare_mention_at_a_bots_message_gets_the_note_not_answer_this(
    online: FakeDiscord,
) -> None:
    """Its text withheld, a bot's message was pointed to "Answer this", which refuses it too."""
    ping = pointing(online, from_a_program(online, "are most of the defectors women", "bot"))
    await online.push("MESSAGE_CREATE", ping)
    post = await online.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{online.channel_id}/messages")
    assert "from a bot" in post.body["content"] and "Answer this" not in post.body["content"]


async def test_the_fake_gives_the_message_a_dm_replies_to_whole(online: FakeDiscord) -> None:
    """Discord gives a bot every DM's text without the intent, the message a DM replies to too."""
    earlier = online.message("are most of the defectors women", dm=True)
    reference_to = {"message_id": earlier["id"], "channel_id": earlier["channel_id"]}
    reply = {**online.message("this one please", dm=True), "type": 19}
    await online.push("MESSAGE_CREATE", {**reply, "referenced_message": earlier, "message_reference": reference_to})
    frame = json.loads(online.live[0].sent[-1])
    assert frame["d"]["referenced_message"]["content"] == "are most of the defectors women"


async def test_the_question_pointed_at_edited_or_deleted_by_its_asker_takes_its_answer_along(
    reading: FakeDiscord,
) -> None:
    """The question pointed at, edited by its asker, has its answer edited; deleted, has its answer deleted."""
    question = reading.message("are most of the defectors women")
    await reading.push("MESSAGE_CREATE", question)
    await reading.push("MESSAGE_CREATE", pointing(reading, question))
    answer = await reading.wait_for(lambda c: c.method == "POST" and reference_of(c) == question["id"])
    await reading.push("MESSAGE_UPDATE", reading.edited(question, "what happens to refugees caught in china"))
    edit = await reading.wait_for(lambda c: c.method == "PATCH")
    assert edit.path.endswith(f"/{answer.result['id']}") and edit.body["embeds"][0]["title"] != "Who are the refugees?"
    await reading.push("MESSAGE_DELETE", reading.deleted(question))
    deleted = await reading.wait_for(lambda c: c.method == "DELETE")
    assert deleted.path.endswith(f"/{answer.result['id']}")


async def test_answer_this_follows_its_message_deleted(online: FakeDiscord) -> None:
    """The message *Answer this* answered, once deleted, takes its answer along."""
    question = online.message("are most of the defectors women")
    interaction = online.message_command(ANSWER_THIS, question)
    await online.push("INTERACTION_CREATE", interaction)
    await callback_for(online, interaction)
    [answer] = online.find("POST", f"/channels/{online.channel_id}/messages")
    await online.push("MESSAGE_DELETE", online.deleted(question))
    deleted = await online.wait_for(lambda c: c.method == "DELETE")
    assert deleted.path.endswith(f"/{answer.result['id']}")


def answers(fake: FakeDiscord) -> list[Any]:
    """The bot's answers posted in the channel (embeds), oldest first."""
    return [c for c in fake.find("POST", f"/channels/{fake.channel_id}/messages") if c.body.get("embeds")]


async def test_the_pointers_bare_mention_deleted_takes_its_answer_along(reading: FakeDiscord) -> None:
    """The pointer's bare mention, once deleted, takes the answer it asked for along."""
    question = reading.message("are most of the defectors women")
    await reading.push("MESSAGE_CREATE", question)
    ping = pointing(reading, question)
    await reading.push("MESSAGE_CREATE", ping)
    answer = await reading.wait_for(lambda c: c.method == "POST" and reference_of(c) == question["id"])
    await reading.push("MESSAGE_DELETE", reading.deleted(ping))
    deleted = await reading.wait_for(lambda c: c.method == "DELETE", timeout=3)
    assert deleted.path.endswith(f"/{answer.result['id']}")


@pytest.mark.parametrize("then", ["deleted", "edited"])
async def test_the_question_pointed_at_changed_while_its_answer_goes_out_takes_it_along(
    reading: FakeDiscord, then: str
) -> None:
    """The question pointed at is marked as being answered too: its deletion or edit waits for the
    answer to be out, then finds it."""
    question = reading.message("are most of the defectors women")
    await reading.push("MESSAGE_CREATE", question)
    reading.rest_delay = 0.5
    await reading.push("MESSAGE_CREATE", pointing(reading, question))
    post = await reading.wait_for(lambda c: c.method == "POST" and reference_of(c) == question["id"])
    if then == "deleted":
        await reading.push("MESSAGE_DELETE", reading.deleted(question))
    else:
        await reading.push("MESSAGE_UPDATE", reading.edited(question, "what happens to refugees caught in china"))
    changed = await reading.wait_for(lambda c: c.method == ("DELETE" if then == "deleted" else "PATCH"), timeout=4)
    assert changed.path.endswith(f"/{post.result['id']}")


async def test_answer_this_on_a_question_deleted_while_its_answer_goes_out_takes_it_along(
    online: FakeDiscord,
) -> None:
    """A question deleted while the answer *Answer this* asked for is still going out has that answer deleted once it is
    posted."""
    question = online.message("are most of the defectors women")
    online.rest_delay = 0.5
    interaction = online.message_command(ANSWER_THIS, question)
    await online.push("INTERACTION_CREATE", interaction)
    post = await online.wait_for(lambda c: c.method == "POST" and reference_of(c) == question["id"])
    await online.push("MESSAGE_DELETE", online.deleted(question))
    await callback_for(online, interaction)
    deleted = await online.wait_for(lambda c: c.method == "DELETE", timeout=3)
    assert deleted.path.endswith(f"/{post.result['id']}")


async def test_the_question_pointed_at_edited_to_ping_the_bot_is_not_answered_twice(reading: FakeDiscord) -> None:
    """The question pointed at, edited to mention the bot, has its one answer edited, not a second answer posted."""
    question = reading.message("are most of the defectors women")
    await reading.push("MESSAGE_CREATE", question)
    await reading.push("MESSAGE_CREATE", pointing(reading, question))
    await reading.wait_for(lambda c: c.method == "POST" and reference_of(c) == question["id"])
    pinged = reading.edited(question, f"<@{reading.bot_id}> what happens to refugees caught in china")
    await reading.push("MESSAGE_UPDATE", pinged)
    edit = await reading.wait_for(lambda c: c.method == "PATCH")
    assert edit.body["embeds"] and len(answers(reading)) == 1  # the one answer, edited


async def test_answer_this_where_the_bot_may_not_send_answers_in_its_own_response(online: FakeDiscord) -> None:
    """The interaction says what the bot may do in the channel: without Send Messages the answer is
    the command's response, for everyone to see, as /ask's (a deferral would have hidden it)."""
    question = online.message("are most of the defectors women")
    interaction = {**online.message_command(ANSWER_THIS, question), "app_permissions": str(1 << 10)}  # View only
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["data"]["embeds"] and not call.body["data"].get("flags")
    assert online.find("POST", f"/channels/{online.channel_id}/messages") == []


# A member's permissions in a read-only channel (announcements, or a member muted there by an
# overwrite): View Channel, Read Message History and Use Application Commands, not Send Messages.
READ_ONLY = str((1 << 10) | (1 << 16) | (1 << 31))


@pytest.mark.parametrize("in_thread", [False, True], ids=["channel", "thread"])
async def test_answer_this_does_not_post_for_a_member_who_may_not_send_in_the_channel(
    online: FakeDiscord, in_thread: bool
) -> None:
    """A member muted in a channel (or any member of a read-only one, such as #announcements) used
    *Answer this* there and the bot posted its answer in the channel for them, a reply that does not
    show who asked: the answer is now the command's own response, only they see it. In a thread it
    is their Send Messages in Threads that counts (here they have Send Messages only)."""
    if in_thread:
        thread, announcement = online.post("Defectors", "are most of the defectors women")
        await online.push("THREAD_CREATE", thread)
    else:
        announcement = online.message("are most of the defectors women", author=online.user("900000000000000031"))
    interaction = online.message_command(ANSWER_THIS, announcement, user=online.user("900000000000000032"))
    if in_thread:
        where = {key: thread[key] for key in ("id", "type", "guild_id", "parent_id", "name", "thread_metadata")}
        interaction.update(channel_id=thread["id"], channel=where)
    interaction["member"]["permissions"] = str(int(READ_ONLY) | (1 << 11)) if in_thread else READ_ONLY
    await online.push("INTERACTION_CREATE", interaction)
    call = await callback_for(online, interaction)
    assert call.body["data"]["embeds"][0]["title"] == "Who are the refugees?" and call.body["data"]["flags"] & 64
    assert online.find("POST", f"/channels/{announcement['channel_id']}/messages") == []


async def test_the_answered_above_note_speaks_the_servers_language(fake: FakeDiscord, service: Service) -> None:
    """The note that a question was answered above speaks the server's preferred language (Korean here)."""
    plain = fake.guild
    fake.guild = lambda: {**plain(), "preferred_locale": "ko"}  # type: ignore[method-assign]
    fake.grant_message_content = True
    async with connected(fake, service, {**ENV, "DISCORD_MESSAGE_CONTENT": "1"}):
        question = fake.message("are most of the defectors women")
        await fake.push("MESSAGE_CREATE", question)
        await fake.push("MESSAGE_CREATE", pointing(fake, question))
        answer = await fake.wait_for(lambda c: c.method == "POST" and reference_of(c) == question["id"])
        await fake.push("MESSAGE_CREATE", pointing(fake, question))
        note = await fake.wait_for(lambda c: c.method == "POST" and reference_of(c) == str(answer.result["id"]))
    assert "이미" in note.body["content"]


async def test_answer_this_cut_short_in_the_channel_follows_its_message_deleted(online: FakeDiscord) -> None:
    """Answered through "Answer this", a message of two questions whose second answer Discord refused
    after the first went out: the message's deletion takes that first answer along."""
    question = online.message("are most of the defectors women? and what jobs did defectors have?")
    refused_after_next_post(online)
    interaction = online.message_command(ANSWER_THIS, question)
    await online.push("INTERACTION_CREATE", interaction)
    path = f"/webhooks/{online.app_id}/{interaction['token']}"
    await online.wait_for(lambda c: c.path == path and "Work" in json.dumps(c.body) and c.answered is not None)
    [posted, refused] = online.find("POST", f"/channels/{online.channel_id}/messages")
    assert refused.status == 403
    await online.push("MESSAGE_DELETE", online.deleted(question))
    deleted = await online.wait_for(lambda c: c.method == "DELETE", timeout=3)
    assert deleted.path.endswith(f"/{posted.result['id']}")
