"""The slash commands everyone has (/ask, /help, /sources) and the tree's one error path.

Their docstrings are what users see in Discord. The moderators' /kb group is
`adapters.dc.moderation`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.dc import pointing
from adapters.dc.completion import CHOICES_LIMIT, Completer, completer, completes, offer
from adapters.dc.deliver import allowed_in, named, respond, shown, tell, text_reply
from adapters.dc.host import Host, host, interaction_asker, language
from adapters.dc.markup import plain_question
from adapters.dc.moderation import build_kb_group
from adapters.dc.render import render
from adapters.platform import in_thread
from bot import Answer, Asker, Outcome, messages

log = logging.getLogger(__name__)


# The message command ("Apps" in a message's menu) that answers a member's message for them.
ANSWER_THIS = "Answer this"
# The messages a member writes; any other is a system message ("X started a thread: <its name>"),
# which asks nothing and which Discord refuses a reply to.
ASKING_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def build_commands() -> list[app_commands.Command[Any, Any, Any] | app_commands.Group | app_commands.ContextMenu]:
    """Fresh command objects for one tree; their docstrings are what users see in Discord."""

    @app_commands.command(name="ask")
    @app_commands.describe(question="What do you want to know?")
    @completes(question=questions_like)
    async def ask(interaction: discord.Interaction[discord.Client], question: app_commands.Range[str, 1, 1000]) -> None:
        """Ask a question about the knowledge base."""
        await host(interaction).guarded(interaction, ask_command(interaction, question))

    @app_commands.command(name="help")
    async def help_(interaction: discord.Interaction[discord.Client]) -> None:
        """What this bot can answer."""
        bot = host(interaction)
        await bot.guarded(interaction, budgeted(interaction, lambda: bot.service.help_text(language(interaction))))

    @app_commands.command(name="sources")
    async def sources(interaction: discord.Interaction[discord.Client]) -> None:
        """Where the answers come from."""
        bot = host(interaction)
        await bot.guarded(interaction, budgeted(interaction, lambda: bot.service.sources_text(language(interaction))))

    @app_commands.context_menu(name=ANSWER_THIS)
    async def answer_this(interaction: discord.Interaction[discord.Client], message: discord.Message) -> None:
        await host(interaction).guarded(interaction, answer_this_command(interaction, message))

    return [ask, help_, sources, answer_this, build_kb_group()]


CHOICE_CHARS = 100  # Discord's limit on an autocomplete choice's name and value


async def questions_like(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for /ask's question: what the member has typed, as they typed it, then questions
    the knowledge base answers that match it (`Service.completions`); any of them may be sent, and
    so may words of their own. Those longer than a choice may be are left out, not cut."""
    typed = " ".join(current.split())
    found = await in_thread(host(interaction).service.completions, plain_question(typed), CHOICES_LIMIT)
    own = [typed] if typed else []
    labels = dict.fromkeys([*own, *(label for label in found if label.casefold() != typed.casefold())])
    fitting = [label for label in labels if len(label) <= CHOICE_CHARS]
    return [app_commands.Choice(name=label, value=label) for label in fitting][:CHOICES_LIMIT]


async def ask_command(interaction: discord.Interaction[Any], question: str, *, privately: bool = False) -> None:
    """Answer /ask; over a limit, the cooldown note only its asker sees (`privately`: all of it).

    The note goes even when the core says silent: a slash command has no silent answer (left
    unanswered, Discord shows the user a failure), and an ephemeral note adds nothing to the channel.
    """
    bot = host(interaction)
    who = interaction_asker(interaction)
    answer = await bot.in_time(interaction, lambda: bot.service.ask(plain_question(question), who))
    hidden = privately or answer.outcome is Outcome.THROTTLED
    for reply in answer.replies:  # a question each, when it asked several: the first responds, the rest follow up
        await respond(interaction, render(reply), ephemeral=hidden)


async def answer_this_command(interaction: discord.Interaction[Any], message: discord.Message) -> None:
    """Answer a member's message for them (a message's Apps menu, "Answer this"): someone pointing
    the bot at a newcomer's question. The answer replies to that message in the channel, as a
    mention's would, and the member who used it is told where, only they see it; they count for the
    cooldown. A member who may not send there themselves (muted, a read-only channel) gets the
    answer as the command's own response, only they see it: the bot does not post where they may
    not. Without the bot's permission to reply there (the interaction says, see `allowed_in`), the
    answer is the command's own response, as /ask's; refused there all the same, it is theirs alone,
    with a note saying so. A message without words, a system message, one by a bot or an app (a
    webhook's is a member's, as PluralKit posts it), or one whose question has its answer already,
    gets a note only they see. Discord gives a message command its message's text whatever the
    bot's intents."""
    bot, said = host(interaction), messages.choose(language(interaction))
    if interaction.client.user is not None and message.author.id == interaction.client.user.id:
        await tell(interaction, messages.say(messages.OWN_MESSAGE, said))  # its own words are no question
        return
    if pointing.from_a_program(message):  # another bot's or app's: no member asked it
        await tell(interaction, messages.say(messages.BOTS_MESSAGE, said))
        return
    question = plain_question(message.content)
    if not question or message.type not in ASKING_TYPES:  # a system message's text is Discord's, not a member's
        await tell(interaction, messages.say(messages.NOTHING_TO_ANSWER, said))
        return
    earlier = bot.replies.answered.answer_to(message.channel.id, message.id)
    if earlier is not None and earlier.handles:
        await tell(interaction, f"{messages.say(messages.ANSWERED_ABOVE, said)} {link(message, earlier.handles[0])}")
        return
    where = interaction.channel or message.channel
    if interaction.guild_id is not None and not allowed_in(interaction.permissions, where).sends:
        await ask_command(interaction, question, privately=True)  # muted there: the bot does not post for them
        return
    if not allowed_in(interaction.app_permissions, where).replies:
        await ask_command(interaction, question)  # no replying there: the command's own response, as /ask's
        return
    key = (message.channel.id, interaction.id)  # a snowflake too, never a message's: nothing edits an interaction
    with bot.replies.answering(message):  # its deletion or edit meanwhile waits for the answer, then finds it
        # the channel's earlier answers may hold its turn for seconds (Discord failing them, retried):
        # the wait is deferred like the core's, within Discord's 3 seconds; a deferral Discord refuses
        # (the bot late) leaves the answer to go out all the same: the asker sees it in the channel
        work = _posted(bot, message, question, interaction_asker(interaction), key)
        answer, shown = await bot.acknowledged(interaction, work, ephemeral=True, regardless=True)
    if answer.outcome is Outcome.THROTTLED:
        await respond(interaction, render(answer), ephemeral=True)
    elif shown is None:  # refused all the same: said so, the answer only its user sees, as its deferral
        await tell(interaction, messages.say(messages.NOT_POSTED_THERE, said))
        for reply in answer.replies:
            await respond(interaction, render(reply), ephemeral=True)
    else:
        await tell(interaction, f"{messages.say(messages.ANSWERED_THERE, said)} {link(message, shown)}")


async def _posted(
    bot: Host, message: discord.Message, question: str, who: Asker, key: tuple[int, int]
) -> tuple[Answer, int | None]:
    """The answer to `question` and, unless over a limit or refused in the channel, the id of its
    first message there, a reply to `message`, remembered under `key`: what it answers is found by
    the message replied to. Nothing here responds to the interaction, which may be deferred meanwhile."""
    answer = await in_thread(bot.service.ask, question, who, message=str(message.id))  # its edit replaces it
    if answer.outcome is Outcome.THROTTLED:
        return answer, None
    try:
        return answer, await bot.replies.post(message, question, answer, key=key)
    except discord.Forbidden:
        return answer, None


def link(message: discord.Message, handle: int) -> str:
    """The address of the bot's message `handle` in `message`'s channel (a click shows it)."""
    where = message.guild.id if message.guild is not None else "@me"
    return f"https://discord.com/channels/{where}/{message.channel.id}/{handle}"


async def budgeted(interaction: discord.Interaction[Any], text: Callable[[], str]) -> None:
    """Reply with `text()` in the channel when the asker's and the channel's budget allow it.

    Over it, the cooldown note only the asker sees (a slash command cannot go unanswered), as for /ask.
    """
    bot, who = host(interaction), interaction_asker(interaction)
    throttled = await bot.in_time(interaction, lambda: bot.service.throttle(who))  # shared cooldowns: a database
    if throttled is not None:
        await respond(interaction, render(throttled), ephemeral=True)
        return
    await respond(interaction, text_reply(shown(text(), quotes_people=False)))  # the bot's own text: links stay


class QATree(app_commands.CommandTree[discord.Client]):
    """The command tree, with the one error path for anything that escaped a command."""

    async def _call(self, interaction: discord.Interaction[discord.Client]) -> None:
        # An autocomplete is run here, not by discord.py, which logs any failure to send the choices as
        # an ERROR with a traceback: one Discord forgot (the bot slow) is routine (`completion`). One for
        # an option this version does not complete (renamed since the last sync), typed into key by key,
        # takes the error path, as a command it does not have does (discord.py had logged an ERROR too).
        if interaction.type is discord.InteractionType.autocomplete:
            data: Mapping[str, Any] = interaction.data or {}
            command, focused = interaction.command, _focused(list(data.get("options") or []))
            if isinstance(command, app_commands.Command) and await self.interaction_check(interaction):
                run = completer(command, None if focused is None else str(focused.get("name")))
                if run is None:
                    raise app_commands.CommandSignatureMismatch(command)
                await _complete(interaction, run, str((focused or {}).get("value") or ""))
                return
        await super()._call(interaction)

    async def on_error(
        self, interaction: discord.Interaction[discord.Client], error: app_commands.AppCommandError
    ) -> None:
        # A command Discord has but this version does not (commands not synced since an update),
        # or an option value that does not fit: the user's side, told plainly, not an ERROR.
        if interaction.type is discord.InteractionType.autocomplete:  # Discord takes only choices here
            log.warning("Discord: autocomplete %s for an unknown or changed command: %s", interaction.id, error)
            await no_choices(interaction)
        elif isinstance(error, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)):
            log.warning("Discord: interaction %s for an unknown or changed command: %s", interaction.id, error)
            await tell(interaction, messages.say(messages.STALE_COMMAND, messages.choose(language(interaction))))
        elif isinstance(error, app_commands.TransformerError):
            log.warning("Discord: interaction %s with an unreadable option: %s", interaction.id, error)
            await tell(interaction, messages.say(messages.BAD_OPTION, messages.choose(language(interaction))))
        else:
            await host(interaction).apologize(interaction, error)


def _focused(options: list[Any]) -> Mapping[str, Any] | None:
    """The option being typed into, in a command's options or a subcommand's."""
    for option in options:
        if option.get("focused"):
            return dict(option)
        if (inner := _focused(list(option.get("options") or []))) is not None:
            return inner
    return None


async def _complete(interaction: discord.Interaction[Any], run: Completer, typed: str) -> None:
    """The choices `run` finds for what is typed, sent (`completion.offer`); a failure is logged."""
    try:
        await offer(interaction, await run(interaction, typed))
    except Exception:
        log.exception("Discord: could not complete %s (interaction %s)", named(interaction), interaction.id)


async def no_choices(interaction: discord.Interaction[Any]) -> None:
    """Best effort: no suggestions for what is being typed (a failure to send them is logged)."""
    try:
        await offer(interaction, [])
    except Exception as exc:
        log.warning("Discord: could not answer autocomplete %s: %r", interaction.id, exc)
