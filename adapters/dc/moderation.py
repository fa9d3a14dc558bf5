"""The Discord surface of moderation: the `/kb` command group and its add and edit modals.

Thin like the rest of the adapter: a command or a submitted modal becomes one `Request` for `Service.moderate`
(the core decides who may, and refuses everyone else), run off the event loop, and the core's reply goes back to
the moderator only (ephemeral). The asker carries the member's role ids and whether they have Manage Server, for
the config's `moderators` settings. The add and edit forms (`adapters.dc.forms`) are kept nowhere while they are
open: a submission is read by its form's id (`submitted`), after a restart as before it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.dc import forms
from adapters.dc.completion import CHOICES_LIMIT, completes
from adapters.dc.deliver import respond, shown, text_reply
from adapters.dc.host import PLATFORM, host, interaction_asker, language
from adapters.platform import in_thread
from adapters.rendering import clip
from bot import Asker, Passage, Request, messages

log = logging.getLogger(__name__)


# who asks


def moderation_asker(interaction: discord.Interaction[Any]) -> Asker:
    """The asker with what the core needs to decide: user id, name, role ids, Manage Server."""
    user = interaction.user
    perms = interaction.permissions  # resolved for the member in this channel; empty in DMs
    # a DM is the user's own chat, as `host.asker` makes it: the core shows members' words only there
    private = getattr(interaction.channel, "type", None) is discord.ChannelType.private
    return Asker(
        platform=PLATFORM,
        user_id=str(user.id),
        chat_id=str(user.id if private else interaction.channel_id or ""),
        name=user.display_name,
        roles=_role_ids(user),
        admin=isinstance(user, discord.Member) and (perms.manage_guild or perms.administrator),
        language=language(interaction),
        guild_id=str(interaction.guild_id or ""),
    )


def _role_ids(user: discord.User | discord.Member) -> tuple[str, ...]:
    if not isinstance(user, discord.Member):
        return ()
    # Member.roles drops roles missing from the guild cache (a guild not yet available, a role
    # created a moment ago); the interaction's member payload carries every role id.
    ids = {role.id for role in user.roles if not role.is_default()} | set(user._roles)
    return tuple(str(i) for i in sorted(ids))


# running one moderation call


async def run(interaction: discord.Interaction[Any], request: Request) -> None:
    """Run one command on the core for this interaction and reply with its text, ephemerally."""
    await host(interaction).guarded(interaction, _moderate(interaction, request))


async def _moderate(interaction: discord.Interaction[Any], request: Request, typed: Iterable[str] = ()) -> None:
    """Run `request` on the core and reply with its text; refused, with what was `typed` into its form."""
    bot, asker = host(interaction), moderation_asker(interaction)
    if not bot.service.is_moderator(asker) and await _over_budget(interaction):
        return
    # The core writes files and rebuilds the index: off the event loop, deferred if slow.
    result = await bot.in_time(interaction, lambda: bot.service.moderate(request, asker), ephemeral=True)
    said = shown(result.text)
    await reply(interaction, _typed_back(interaction, said, typed) if result.refused else said)
    await in_thread(bot.service.delivered, result, asker)  # a gaps list is theirs once Discord took it


def _typed_back(interaction: discord.Interaction[Any], said: str, typed: Iterable[str]) -> str:
    """`said`, then what the moderator typed into a form that saved nothing, so that none of it is lost."""
    kept = "\n\n".join(value for value in typed if value.strip())
    if not kept:
        return said
    return f"{said}\n\n{messages.say(messages.TYPED_BACK, messages.choose(language(interaction)))}\n\n{shown(kept)}"


async def reply(interaction: discord.Interaction[Any], text: str) -> None:
    """Send `text` to the moderator only, in as many 2000-character messages as it needs."""
    await respond(interaction, text_reply(text), ephemeral=True)


async def _refused(interaction: discord.Interaction[Any], action: str) -> bool:
    """True (after replying with the core's refusal, or over their cooldown its note) unless the asker
    is a moderator. Asked on the event loop (the config's moderators, in memory): a form must be the
    interaction's first response, so it cannot be deferred, nor wait for a worker thread busy with a slow database."""
    service, asker = host(interaction).service, moderation_asker(interaction)
    if service.is_moderator(asker):
        return False
    if await _over_budget(interaction):  # one who is not: the reply may wait for the budget (no form follows)
        return True
    refusal = service.refusal(asker, action)
    if refusal is not None:
        await reply(interaction, refusal)
    return refusal is not None


async def _over_budget(interaction: discord.Interaction[Any]) -> bool:
    """For a member who is not a moderator: whether they are over their cooldown, then told so (only
    they see it) instead of refused. Their refusals count against it as on Telegram, so a flood of
    /kb commands gets a few refusals (each a WARNING in the log), not one each."""
    bot, who = host(interaction), interaction_asker(interaction)
    throttled = await bot.in_time(interaction, lambda: bot.service.throttle(who), ephemeral=True)
    if throttled is None:
        return False
    await reply(interaction, throttled.text)
    return True


async def _open(interaction: discord.Interaction[Any], modal: discord.ui.Modal, action: str) -> None:
    """Open a modal for a moderator; anyone else gets the core's refusal instead, before typing anything.

    discord.py is told not to listen for it (`stop`): it would drop a submission after a restart or
    its timeout ("This interaction failed", the moderator's text lost); `submitted` reads it by its id."""
    if not await _refused(interaction, action):
        modal.stop()
        await interaction.response.send_modal(modal)


# the add and edit forms, submitted (`adapters.dc.forms` builds and reads them)


async def submitted(interaction: discord.Interaction[Any]) -> None:
    """A form submitted (an interaction of any other kind is not this function's): a /kb add or
    edit form read by its id, whenever it was opened; one of no form the bot knows (opened before
    an update) gets the moderator's own text back, so that nothing they typed is lost."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return
    data: Mapping[str, Any] = interaction.data or {}
    form, values = str(data.get("custom_id", "")), forms.submitted_values(data.get("components") or [])
    if form == forms.ADD_FORM:
        passage_id = values.get("id", "").strip() or None
        request = Request(
            "add", passage_id, values.get("section"), values.get("text"), forms.questions_in(values.get("questions"))
        )
        await host(interaction).guarded(interaction, _added(interaction, request, values))
    elif form.startswith(forms.EDIT_FORM) and ":" in form[len(forms.EDIT_FORM) :]:
        digests, _, passage_id = form[len(forms.EDIT_FORM) :].partition(":")
        await host(interaction).guarded(interaction, _edited(interaction, passage_id, digests, values))
    else:
        log.info("Discord: a submitted form the bot does not know (%.40s): its text sent back", form)
        typed = "\n\n".join(value for value in values.values() if value.strip())
        said = messages.say(messages.FORM_EXPIRED, messages.choose(language(interaction)))
        await host(interaction).guarded(interaction, reply(interaction, f"{said}\n\n{shown(typed)}"))


async def _added(interaction: discord.Interaction[Any], request: Request, values: dict[str, str]) -> None:
    """Add the passage of an add form; refused (an id taken, or not one), with what was typed back."""
    if not await _refused(interaction, "add"):  # anyone else gets the refusal alone, as before the form opened
        await _moderate(interaction, request, (values.get(field, "") for field in (*forms.FIELDS, "id")))


async def _edited(interaction: discord.Interaction[Any], passage_id: str, digests: str, values: dict[str, str]) -> None:
    """Save what the moderator changed in an edit form: a field whose digest differs from the one the
    form opened with. Refused when someone changed such a field since (it differs now from what the
    form showed): saving would undo their change. The core checks it again under its lock. Anyone
    not a moderator gets the refusal, whatever the form holds; a moderator refused for any reason
    gets what they changed back."""
    if await _refused(interaction, "edit"):
        return
    opened = forms.opened_with(digests)
    changed = forms.changed_in(values, opened)
    if not changed:
        await reply(interaction, _in_language(interaction, messages.no_change, passage_id))
        return
    now = host(interaction).service.passage(passage_id)
    if forms.changed_since(now, opened, changed):
        said = _in_language(interaction, messages.changed_since_opened, passage_id)
        await reply(interaction, _typed_back(interaction, said, changed.values()))
        return
    questions = forms.questions_in(changed["questions"]) if "questions" in changed else None
    request = Request("edit", passage_id, changed.get("section"), changed.get("text"), questions, opened=now)
    await _moderate(interaction, request, changed.values())


# the /kb group


async def passage_ids(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for passage ids, for a moderator: ids and sections that contain what was typed so
    far, found in a worker thread (every passage is gone through). Anyone else, whom the command
    refuses, gets none, before any scan: each keystroke had been a scan on the event loop."""
    service = host(interaction).service
    if not service.is_moderator(moderation_asker(interaction)):
        return []
    typed = current.strip().lower()
    return await in_thread(lambda: _ids_like(service.passages(), typed))


def _ids_like(passages: Iterable[Passage], typed: str) -> list[app_commands.Choice[str]]:
    choices = []
    for passage in passages:
        if typed in passage.id or typed in passage.section.lower():
            choices.append(app_commands.Choice(name=clip(f"{passage.id} — {passage.section}", 100), value=passage.id))
            if len(choices) == CHOICES_LIMIT:
                break
    return choices


def build_kb_group() -> app_commands.Group:
    """A fresh /kb group for one command tree; the docstrings are what moderators see in Discord."""
    kb = app_commands.Group(name="kb", description="Curate the knowledge base (moderators)")

    @kb.command(name="add")
    async def add(interaction: discord.Interaction[Any]) -> None:
        """Add a passage (opens a form)."""
        await host(interaction).guarded(interaction, _open(interaction, forms.add_form(language(interaction)), "add"))

    @kb.command(name="edit")
    @app_commands.rename(passage_id="id")
    @app_commands.describe(passage_id="The passage to edit")
    @completes(passage_id=passage_ids)
    async def edit(interaction: discord.Interaction[Any], passage_id: str) -> None:
        """Edit a passage's section, text or questions (opens a form)."""
        await host(interaction).guarded(interaction, _open_edit(interaction, passage_id.strip()))

    @kb.command(name="remove")
    @app_commands.rename(passage_id="id")
    @app_commands.describe(passage_id="The passage to remove")
    @completes(passage_id=passage_ids)
    async def remove(interaction: discord.Interaction[Any], passage_id: str) -> None:
        """Remove a passage (/kb undo brings it back)."""
        await run(interaction, Request("remove", passage_id.strip()))

    @kb.command(name="alias")
    @app_commands.rename(passage_id="id")
    @app_commands.describe(
        passage_id="The passage that answers it", question="A question people ask, or a gap's id from /kb gaps"
    )
    @completes(passage_id=passage_ids)
    async def alias(
        interaction: discord.Interaction[Any], passage_id: str, question: app_commands.Range[str, 1, 300]
    ) -> None:
        """Attach a question people ask to the passage that answers it."""
        await run(interaction, Request("alias", passage_id.strip(), question=question))

    @kb.command(name="history")
    @app_commands.rename(passage_id="id")
    @app_commands.describe(passage_id="Only this passage's changes")
    @completes(passage_id=passage_ids)
    async def history(interaction: discord.Interaction[Any], passage_id: str | None = None) -> None:
        """Recent changes: who, when, from where, before and after."""
        wanted = passage_id.strip() if passage_id else None
        await run(interaction, Request("history", wanted))

    @kb.command(name="undo")
    async def undo(interaction: discord.Interaction[Any]) -> None:
        """Revert the last change."""
        await run(interaction, Request("undo"))

    @kb.command(name="gaps")
    @app_commands.describe(count="How many (default 10)")
    async def gaps(interaction: discord.Interaction[Any], count: app_commands.Range[int, 1, 50] = 10) -> None:
        """Questions the bot could not answer, most asked first."""
        await run(interaction, Request("gaps", limit=count))

    @kb.command(name="stats")
    async def stats(interaction: discord.Interaction[Any]) -> None:
        """Most asked and most downvoted passages, and the fallback rate."""
        await run(interaction, Request("stats"))

    @kb.command(name="dismiss")
    @app_commands.describe(gap="The gap's id or number, as /kb gaps lists it")
    async def dismiss(interaction: discord.Interaction[Any], gap: app_commands.Range[str, 1, 300]) -> None:
        """Dismiss an unanswered question from /kb gaps."""
        await run(interaction, Request("dismiss", question=gap))

    @kb.command(name="find")
    @app_commands.describe(words="Some words of the passage, or its id")
    async def find(interaction: discord.Interaction[Any], words: app_commands.Range[str, 1, 300]) -> None:
        """The passages that match some words, with their ids."""
        await run(interaction, Request("find", question=words))

    return kb


async def _open_edit(interaction: discord.Interaction[Any], passage_id: str) -> None:
    passage = host(interaction).service.passage(passage_id)
    if passage is not None:
        await _open(interaction, forms.edit_form(passage, language(interaction)), "edit")
    elif not await _refused(interaction, "edit"):  # the refusal first, for non-moderators
        await reply(interaction, _in_language(interaction, messages.no_passage, _quoted(passage_id)))


def _in_language(interaction: discord.Interaction[Any], sentence: Callable[[str], str], value: str) -> str:
    with messages.speaking(messages.choose(language(interaction))):
        return sentence(value)


def _quoted(text: str) -> str:
    """Typed text for inside `code`: no backtick can end it early and let formatting through."""
    return clip(text.replace("`", "'"), 100) or "?"
