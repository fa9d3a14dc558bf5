"""The Discord adapter: slash commands, mentions and DMs in; embeds and buttons out.

It stays thin: every question goes to `bot.service.Service`, and the frozen `Answer` that comes
back is only rendered here (an embed with the section as title, the passage as description and
the source as footer). Buttons carry stable custom ids ("qa:p:<passage>", "qa:v:+:<passage>"),
so they keep working after a restart. The moderators' `/kb` group lives in
`adapters/discord_moderation.py`. `serve` is what `python -m bot run` starts; `sync_main` is
`python -m bot discord sync [--guild ID]`, the deliberate step that registers the slash commands.

Environment: DISCORD_BOT_TOKEN (required), DISCORD_MESSAGE_CONTENT=1 (request the privileged
Message Content intent), DISCORD_SHARD_COUNT ("auto" or a number) and DISCORD_SHARD_IDS
("0,1"), DISCORD_DEFER_AFTER (seconds before a slow slash command is deferred, default 2),
DISCORD_GUILD_READY_TIMEOUT (seconds to wait for guilds at start, default 2). How replies get
out (in order per channel, retried through a 5xx) is `adapters/discord_delivery.py`; the
per-user and per-channel limits, and when someone over them is told so, are the core's.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import discord
from discord import app_commands

from adapters.discord_delivery import ChannelOrder, send_retrying
from adapters.discord_moderation import build_kb_group
from adapters.rendering import split_message
from adapters.runner import StartupError
from bot.answering import Answer, Outcome
from bot.service import APOLOGY_TEXT, COOLDOWN_TEXT, Admission, Asker, Service

log = logging.getLogger(__name__)

T = TypeVar("T")

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
LABEL_LIMIT = 80
MAX_SUGGESTIONS = 5
THANKS_TEXT = "Thanks for the feedback!"
GONE_TEXT = "Sorry, that topic is no longer in my knowledge base. Send /help to see what I can answer."
STALE_COMMAND_TEXT = "That command has changed since your Discord app loaded it; please try it again."
BAD_OPTION_TEXT = "I could not read one of that command's options; please check it and try again."


# configuration


@dataclass(frozen=True)
class Settings:
    """Everything the Discord adapter reads from the environment."""

    token: str = field(repr=False)
    message_content: bool = False
    sharded: bool = False
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    defer_after: float = 2.0
    guild_ready_timeout: float = 2.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read and check the settings; a bad value is a StartupError naming the variable."""
        token = env.get("DISCORD_BOT_TOKEN", "").strip()
        if not token:
            raise StartupError("DISCORD_BOT_TOKEN is not set")
        count_text = env.get("DISCORD_SHARD_COUNT", "").strip().lower()
        ids_text = env.get("DISCORD_SHARD_IDS", "").strip()
        count = None if count_text in ("", "auto") else _number(env, "DISCORD_SHARD_COUNT", int)
        ids = _shard_ids(ids_text) if ids_text else None
        if ids is not None and count is None:
            raise StartupError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT set to a number")
        if count is not None and (count < 1 or any(not 0 <= i < count for i in ids or ())):
            raise StartupError("DISCORD_SHARD_IDS must be numbers from 0 to DISCORD_SHARD_COUNT - 1")
        return cls(
            token=token,
            message_content=env.get("DISCORD_MESSAGE_CONTENT", "").strip().lower() in ("1", "true", "yes"),
            sharded=bool(count_text),
            shard_count=count,
            shard_ids=ids,
            defer_after=_number(env, "DISCORD_DEFER_AFTER", float, 2.0),
            guild_ready_timeout=_number(env, "DISCORD_GUILD_READY_TIMEOUT", float, 2.0),
        )


def _number(env: Mapping[str, str], name: str, kind: Callable[[str], T], default: T | None = None) -> T:
    text = env.get(name, "").strip()
    if not text and default is not None:
        return default
    try:
        return kind(text)
    except ValueError:
        raise StartupError(f"{name} must be a number, not {text!r}") from None


def _shard_ids(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise StartupError(f"DISCORD_SHARD_IDS must be comma-separated numbers, not {text!r}") from None


def intents(settings: Settings) -> discord.Intents:
    """Only what the bot needs: guilds, guild and DM messages, and Message Content if configured.

    Without Message Content a bot still gets the content of DMs, of messages that mention it,
    and of slash-command options, which is all it answers.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = settings.message_content
    return wanted


# rendering


@dataclass(frozen=True)
class Reply:
    """One answer as Discord messages: text pieces and/or one embed, and buttons on the last."""

    pieces: tuple[str, ...] = ()
    embed: discord.Embed | None = None
    buttons: tuple[discord.ui.Item[Any], ...] = ()

    def messages(self) -> list[dict[str, Any]]:
        """Keyword arguments for each message to send, in order."""
        sends: list[dict[str, Any]] = [{"content": piece} for piece in self.pieces]
        if self.embed is not None:
            sends.append({"embed": self.embed})
        if self.buttons and sends:
            view = discord.ui.View(timeout=None)
            for button in self.buttons:
                view.add_item(button)
            sends[-1]["view"] = view
        return sends


def text_reply(text: str) -> Reply:
    return Reply(pieces=tuple(split_message(text, CONTENT_LIMIT)) or ("…",))


def render(answer: Answer) -> Reply:
    """The Discord form of an Answer: an embed for a passage, text and buttons otherwise."""
    if answer.outcome is Outcome.ANSWERED and answer.passage_id and answer.passage_text:
        return Reply(
            embed=answer_embed(answer),
            buttons=(VoteButton(answer.passage_id, True), VoteButton(answer.passage_id, False)),
        )
    reply = text_reply(answer.text)
    buttons = tuple(SuggestionButton(s.passage_id, s.label) for s in answer.suggestions[:MAX_SUGGESTIONS])
    return Reply(pieces=reply.pieces, buttons=buttons)


def answer_embed(answer: Answer) -> discord.Embed:
    embed = discord.Embed(
        title=_clip(answer.section or "Answer", TITLE_LIMIT),
        description=_clip(answer.passage_text or answer.text, DESCRIPTION_LIMIT),
        colour=discord.Colour.blurple(),
    )
    if answer.source is not None:
        footer = answer.source.title + (f" — {answer.source.publisher}" if answer.source.publisher else "")
        embed.set_footer(text=_clip(footer, FOOTER_LIMIT))
        if answer.source.url:
            embed.url = answer.source.url
    return embed


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else split_message(text, limit - 1)[0] + "…"


# buttons


class SuggestionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"qa:p:(?P<passage>[a-z0-9-]+)"
):
    """A topic offered by a fallback; pressing it answers with that passage."""

    def __init__(self, passage_id: str, label: str = "Show this answer") -> None:
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=_clip(label or passage_id, LABEL_LIMIT),
            style=discord.ButtonStyle.secondary,
            custom_id=f"qa:p:{passage_id}",
        )
        super().__init__(button)
        self.passage_id = passage_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[discord.Client], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SuggestionButton:
        return cls(match["passage"], getattr(item, "label", None) or "")

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        await _bot(interaction).guarded(interaction, _bot(interaction).choose(interaction, self.passage_id))


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"qa:v:(?P<sign>[+-]):(?P<passage>[a-z0-9-]+)"
):
    """👍 or 👎 under an answer, recorded through the core."""

    def __init__(self, passage_id: str, helpful: bool) -> None:
        sign = "+" if helpful else "-"
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            emoji="👍" if helpful else "👎", style=discord.ButtonStyle.secondary, custom_id=f"qa:v:{sign}:{passage_id}"
        )
        super().__init__(button)
        self.passage_id = passage_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[discord.Client], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(match["passage"], match["sign"] == "+")

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        await _bot(interaction).guarded(interaction, _bot(interaction).vote(interaction, self.passage_id, self.helpful))


# slash commands


def build_commands() -> list[app_commands.Command[Any, Any, Any] | app_commands.Group]:
    """Fresh command objects for one tree; their docstrings are what users see in Discord."""

    @app_commands.command(name="ask")
    @app_commands.describe(question="What do you want to know?")
    async def ask(interaction: discord.Interaction[discord.Client], question: app_commands.Range[str, 1, 1000]) -> None:
        """Ask a question about the knowledge base."""
        await _bot(interaction).guarded(interaction, _bot(interaction).ask_command(interaction, question))

    @app_commands.command(name="help")
    async def help_(interaction: discord.Interaction[discord.Client]) -> None:
        """What this bot can answer."""
        bot = _bot(interaction)
        await bot.guarded(interaction, bot.respond(interaction, text_reply(bot.service.help_text())))

    @app_commands.command(name="sources")
    async def sources(interaction: discord.Interaction[discord.Client]) -> None:
        """Where the answers come from."""
        bot = _bot(interaction)
        await bot.guarded(interaction, bot.respond(interaction, text_reply(bot.service.sources_text())))

    return [ask, help_, sources, build_kb_group()]


class QATree(app_commands.CommandTree[discord.Client]):
    """The command tree, with the one error path for anything that escaped a command."""

    async def on_error(
        self, interaction: discord.Interaction[discord.Client], error: app_commands.AppCommandError
    ) -> None:
        # A command Discord has but this version does not (commands not synced since an update),
        # or an option value that does not fit: the user's side, told plainly, not an ERROR.
        if isinstance(error, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)):
            log.warning("Discord: interaction %s for an unknown or changed command: %s", interaction.id, error)
            await _bot(interaction).tell(interaction, STALE_COMMAND_TEXT)
        elif isinstance(error, app_commands.TransformerError):
            log.warning("Discord: interaction %s with an unreadable option: %s", interaction.id, error)
            await _bot(interaction).tell(interaction, BAD_OPTION_TEXT)
        else:
            await _bot(interaction).apologize(interaction, error)


# the client


class QABot(discord.Client):
    """A Discord client that answers from the shared Service."""

    def __init__(self, service: Service | None, settings: Settings) -> None:
        options: dict[str, Any] = {}
        if settings.shard_count is not None:
            options["shard_count"] = settings.shard_count
        if settings.shard_ids is not None:
            options["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            intents=intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=settings.guild_ready_timeout,
            **options,
        )
        self._service = service
        self.settings = settings
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._order = ChannelOrder()
        self.tree = QATree(self)
        for command in build_commands():
            self.tree.add_command(command)

    @property
    def service(self) -> Service:
        if self._service is None:
            raise RuntimeError("this client was built without a Service (command sync only)")
        return self._service

    async def setup_hook(self) -> None:
        # Buttons sent by an earlier run of the bot keep working: their ids match these templates.
        self.add_dynamic_items(SuggestionButton, VoteButton)

    async def on_ready(self) -> None:
        log.info("Discord: ready as %s in %d guild(s)", self.user, len(self.guilds))

    # messages

    async def on_message(self, message: discord.Message) -> None:
        question = self.question_in(message)
        if question is None:
            return
        self._track()
        async with self._order.turn(message.channel.id):  # answers in a channel keep the questions' order
            try:
                await self.answer_message(message, question)
            except Exception:
                log.exception("Discord: failed to answer message %s", message.id)
                await self._send_quietly(message, APOLOGY_TEXT)

    def question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, or None if it is not meant for the bot."""
        me = self.user
        if me is None or message.author.bot or message.author.id == me.id:
            return None
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return None
        if message.guild is not None and not any(u.id == me.id for u in message.mentions):
            return None
        return re.sub(rf"<@!?{me.id}>", " ", message.content).strip()

    async def answer_message(self, message: discord.Message, question: str) -> None:
        asker = _asker(message.author.id, message.channel.id)
        admission = self.service.admit(asker)  # the user's or the channel's limit (the core's)
        if admission is Admission.SILENT:
            log.info("Discord: not answering message %s in %s: over the limit", message.id, message.channel.id)
            return
        if admission is Admission.NOTIFY:
            reply = text_reply(COOLDOWN_TEXT)
        else:
            reply = render(await asyncio.to_thread(self.service.ask, question, asker))
        sends = reply.messages()
        # The first message replies to the question (without pinging its author); the rest follow.
        sends[0]["reference"] = message.to_reference(fail_if_not_exists=False)
        for kwargs in sends:
            send = functools.partial(message.channel.send, **kwargs, mention_author=False)
            await send_retrying(send, f"the reply to message {message.id}")

    async def _send_quietly(self, message: discord.Message, text: str) -> None:
        try:
            await message.channel.send(text)
        except Exception as exc:  # the apology is best effort: the failure is logged above
            log.warning("Discord: could not send the apology to channel %s: %r", message.channel.id, exc)

    def _track(self) -> None:
        """Remember the running handler, so that stopping lets it finish its reply first."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def drain(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) for the answers being worked on."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # Questions that arrive meanwhile are answered too: wait until nothing is left.
        while (pending := self._in_flight - {asyncio.current_task()}) and loop.time() < deadline:
            log.info("Discord: finishing %d answer(s) before closing", len(pending))
            await asyncio.wait(pending, timeout=deadline - loop.time())

    # interactions

    async def guarded(self, interaction: discord.Interaction[discord.Client], work: Awaitable[None]) -> None:
        """Run one interaction's work; on any failure log it and answer with the apology."""
        self._track()
        try:
            await work
        except Exception as exc:
            await self.apologize(interaction, exc)

    async def apologize(self, interaction: discord.Interaction[discord.Client], error: BaseException) -> None:
        log.error("Discord: interaction %s failed", interaction.id, exc_info=error)
        await self.tell(interaction, APOLOGY_TEXT)

    async def tell(self, interaction: discord.Interaction[discord.Client], text: str) -> None:
        """Best effort: `text` to the user only; a failure to send it is logged, not raised."""
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except Exception as exc:
            log.warning("Discord: could not answer interaction %s: %r", interaction.id, exc)

    async def ask_command(self, interaction: discord.Interaction[discord.Client], question: str) -> None:
        """Answer /ask; over a limit, the cooldown note only its asker sees.

        The note goes even when the core says SILENT: a slash command has no silent answer (left
        unanswered, Discord shows the user a failure), and an ephemeral note adds nothing to the channel.
        """
        asker = _asker(interaction.user.id, interaction.channel_id)
        if self.service.admit(asker) is not Admission.ASK:
            await self.respond(interaction, text_reply(COOLDOWN_TEXT), ephemeral=True)
            return
        answer = await self.in_time(interaction, lambda: self.service.ask(question, asker))
        await self.respond(interaction, render(answer))

    async def choose(self, interaction: discord.Interaction[discord.Client], passage_id: str) -> None:
        """Answer a suggestion button; over a limit, the note only its presser sees, or (SILENT) nothing."""
        asker = _asker(interaction.user.id, interaction.channel_id)
        admission = self.service.admit(asker)
        if admission is Admission.NOTIFY:
            await self.respond(interaction, text_reply(COOLDOWN_TEXT), ephemeral=True)
            return
        if admission is Admission.SILENT:
            await interaction.response.defer()  # acknowledged, so the press does not show as failed
            return
        answer = self.service.choose(passage_id, asker)
        await self.respond(interaction, render(answer) if answer else text_reply(GONE_TEXT), ephemeral=answer is None)

    async def vote(self, interaction: discord.Interaction[discord.Client], passage_id: str, helpful: bool) -> None:
        self.service.vote(passage_id, helpful, _asker(interaction.user.id, interaction.channel_id))
        await self.respond(interaction, text_reply(THANKS_TEXT), ephemeral=True)

    async def in_time(
        self, interaction: discord.Interaction[discord.Client], work: Callable[[], T], *, ephemeral: bool = False
    ) -> T:
        """Run `work` off the event loop; defer the interaction if it takes longer than allowed."""
        task = asyncio.ensure_future(asyncio.to_thread(work))
        done, _ = await asyncio.wait({task}, timeout=self.settings.defer_after)
        if not done:
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        return await task

    async def respond(
        self, interaction: discord.Interaction[discord.Client], reply: Reply, *, ephemeral: bool = False
    ) -> None:
        """Answer an interaction: the first message as its response, the rest as follow-ups."""
        for kwargs in reply.messages():
            if interaction.response.is_done():
                await interaction.followup.send(**kwargs, ephemeral=ephemeral)
            else:
                await interaction.response.send_message(**kwargs, ephemeral=ephemeral)


class ShardedQABot(QABot, discord.AutoShardedClient):
    """The same bot over several shards in one process (DISCORD_SHARD_COUNT set)."""


def _bot(interaction: discord.Interaction[discord.Client]) -> QABot:
    client = interaction.client
    if not isinstance(client, QABot):
        raise TypeError(f"interaction handled by {type(client).__name__}, not QABot")
    return client


def _asker(user_id: int, channel_id: int | None) -> Asker:
    return Asker(platform="discord", user_id=str(user_id), chat_id=str(channel_id or ""))


def make_client(service: Service | None, settings: Settings) -> QABot:
    return ShardedQABot(service, settings) if settings.sharded else QABot(service, settings)


# running


async def serve(service: Service, env: Mapping[str, str], stop: asyncio.Event) -> None:
    """Run the Discord bot until `stop` is set; start-up problems become StartupError."""
    settings = Settings.from_env(env)
    client = make_client(service, settings)
    async with client:
        await _login(client, settings.token)
        gateway = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        stopped = asyncio.create_task(stop.wait(), name="discord-stop")
        try:
            await asyncio.wait({gateway, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            await client.drain(timeout=5)
            await client.close()
            await _finish(gateway)
        if not stop.is_set():
            log.warning("Discord: the gateway connection ended before the bot was stopped")
    log.info("Discord: closed")


async def _login(client: discord.Client, token: str) -> None:
    try:
        await client.login(token)
    except discord.LoginFailure:
        raise StartupError(
            "Discord rejected DISCORD_BOT_TOKEN: copy the bot token again from the developer portal"
        ) from None
    except (aiohttp.ClientError, OSError) as exc:
        raise StartupError(f"cannot reach Discord: {type(exc).__name__}") from None
    except discord.HTTPException as exc:
        raise StartupError(f"Discord refused the login: HTTP {exc.status}") from None


async def _finish(gateway: asyncio.Task[None]) -> None:
    """Wait for the gateway task after close; turn its start-up failures into one line."""
    try:
        await asyncio.wait_for(gateway, timeout=10)
    except discord.PrivilegedIntentsRequired:
        raise StartupError(
            "Discord refused the Message Content intent: enable it for the bot in the developer portal "
            "(Bot > Privileged Gateway Intents) or unset DISCORD_MESSAGE_CONTENT"
        ) from None
    except discord.ConnectionClosed as exc:
        raise StartupError(f"Discord closed the gateway connection (code {exc.code})") from None
    except TimeoutError:
        log.warning("Discord: the gateway did not close in time")


# command sync


def sync_main(argv: list[str], env: Mapping[str, str] | None = None) -> int:
    """`python -m bot discord sync [--guild ID]`: register the slash commands; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot discord sync", description="register the slash commands")
    parser.add_argument("--guild", type=int, metavar="ID", help="sync to one server (instant) instead of globally")
    args = parser.parse_args(argv[1:] if argv[:1] == ["sync"] else argv)  # with or without the word "sync"
    try:
        settings = Settings.from_env(os.environ if env is None else env)
        count = asyncio.run(_sync(settings, args.guild))
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except discord.HTTPException as exc:
        print(f"error: Discord refused the command sync: HTTP {exc.status}", file=sys.stderr)
        return 1
    where = f"to server {args.guild}" if args.guild else "globally (they can take up to an hour to appear)"
    print(f"synced {count} slash commands {where}")
    return 0


async def _sync(settings: Settings, guild_id: int | None) -> int:
    client = QABot(None, settings)
    async with client:
        await _login(client, settings.token)
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            client.tree.copy_global_to(guild=guild)
        synced = await client.tree.sync(guild=guild)
    return len(synced)
