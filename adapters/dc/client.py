"""The Discord adapter's main module: the client, and running it until told to stop.

Shaped like discord.py's `advanced_startup` example: a `Client` subclass that receives the core
(`Service`) and its settings in `__init__` and does its set-up in `setup_hook`; `AllowedMentions`
set once. It answers mentions and DMs here; the slash commands are `adapters.dc.commands`, the
moderators' /kb group `adapters.dc.moderation`, an Answer's embed and buttons `adapters.dc.render`,
and how replies get out (in order per channel, retried through a 5xx) `adapters.dc.deliver`. The
per-user and per-channel limits, and when someone over them is told so, are the core's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import aiohttp
import discord

from adapters.dc import moderation, pointing, readiness
from adapters.dc.commands import ASKING_TYPES, QATree, build_commands
from adapters.dc.deliver import deferred_when_slow, forgotten, tell, too_late
from adapters.dc.host import PLATFORM, language
from adapters.dc.localized import CatalogueTranslator
from adapters.dc.markup import plain_question, typed_ask
from adapters.dc.render import SuggestionButton, VoteButton
from adapters.dc.replies import Replies
from adapters.dc.settings import Settings, intents
from adapters.delivery import KeyedOrder
from adapters.platform import StartupError, TokenRevoked, in_thread
from bot import Service, messages

log = logging.getLogger(__name__)

AUTHENTICATION_FAILED = 4004  # the gateway's close code for a token it does not accept

T = TypeVar("T")


class QABot(discord.Client):
    """A Discord client that answers from the shared Service."""

    def __init__(self, service: Service | None, settings: Settings) -> None:
        options: dict[str, Any] = {}
        if settings.shard_count is not None:
            options["shard_count"] = settings.shard_count
        if settings.shard_ids is not None:
            options["shard_ids"] = list(settings.shard_ids)
        # A text bot: discord.py would warn at start that the voice libraries (PyNaCl, davey) are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=settings.guild_ready_timeout,
            **options,
        )
        self._service = service
        self.settings = settings
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._order = KeyedOrder(platform=PLATFORM)
        self.replies = Replies(self, lambda: self.service, self._order)  # what each question got, for its edits
        self.tree = QATree(self)
        for command in build_commands():
            self.tree.add_command(command)

    @property
    def service(self) -> Service:
        if self._service is None:
            raise RuntimeError("this client was built without a Service (command sync only)")
        return self._service

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CatalogueTranslator())  # what `discord sync` registers in Korean too
        # Buttons sent by an earlier run of the bot keep working: their ids match these templates.
        self.add_dynamic_items(SuggestionButton, VoteButton)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await moderation.submitted(interaction)  # a /kb form, read by its id whenever it was opened

    async def connect(self, *, reconnect: bool = True) -> None:
        try:
            await super().connect(reconnect=reconnect)
        finally:  # the gateway connection is over: so are discord.py's waits for the servers after a READY
            await readiness.ended(self._connection)

    async def on_ready(self) -> None:
        log.info("Discord: ready as %s in %s", self.user, messages.counted(len(self.guilds), "guild"))
        if self.settings.answer_forums:
            read = "their titles and first messages" if self.settings.message_content else "their titles alone"
            forums = messages.counted(len(self.settings.answer_forums), "forum")
            log.info("Discord: answering new posts in %s by %s", forums, read)

    # messages: mentions, DMs, forum posts; their edits and deletions
    async def on_message(self, message: discord.Message) -> None:
        question = self.question_in(message)
        if question is None or not self._order.admit(message.channel.id):
            return
        self._track()
        to, note = pointing.aimed(message, self.user, self.settings.message_content)  # a question pointed at?
        with self.replies.answering(message, to):
            async with self._order.turn(message.channel.id):  # answers in a channel keep the questions' order
                await self.replies.respond(message, question, to=to, note=note)

    def question_in(self, message: discord.Message, *, answered: bool = False) -> str | None:
        """The question a message asks the bot, or None if it is not meant for the bot. `answered`:
        the bot answered the message before it was edited, and a reply to the bot still asks it
        (Discord takes an edited reply's mentions from its new text alone: its ping is gone)."""
        me = self.user
        if me is None or message.author.id == me.id or pointing.from_a_program(message):
            return None
        if message.type not in ASKING_TYPES:
            return None
        if message.message_snapshots or (
            message.reference is not None and message.reference.type is discord.MessageReferenceType.forward
        ):
            return None  # a forwarded message is someone else's words, never a question or command to run
        if (posted := self.post_in(message)) is not None:  # pinging the bot or not, asked by its title too
            return posted
        named = pointing.names(message, me.id) or typed_ask(message.content)  # "/ask" typed as text
        if message.guild is not None and not named:
            if answered and self.replies_to_me(message) and message.content.strip():
                return plain_question(message.content)
            return None  # a reply with its ping off talks to the channel, not to the bot
        pointed = pointing.pointed_at(message, me.id)  # a bare mention replying to a member's question asks it
        return plain_question(message.content) or (plain_question(pointed.content) if pointed else "")

    def replies_to_me(self, message: discord.Message) -> bool:
        """Whether `message` is a reply to one of the bot's messages (Discord gives the one replied to)."""
        replied = message.reference.resolved if message.reference is not None else None
        return isinstance(replied, discord.Message) and self.user is not None and replied.author.id == self.user.id

    def post_in(self, message: discord.Message) -> str | None:
        """The question of a new post in a forum the bot answers (DISCORD_ANSWER_FORUMS): its title
        and its first message (which only the Message Content intent lets the bot read; without it,
        the title alone), a mention of the bot in it or not; None for any other message."""
        thread = message.channel
        if not isinstance(thread, discord.Thread) or thread.parent_id not in self.settings.answer_forums:
            return None
        if message.id != thread.id:  # a later message of the post: asked with a mention, as anywhere
            return None
        return plain_question(f"{thread.name}\n{message.content}".strip())

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """A question edited within the window: its answer edited to the new one, or deleted when the
        message no longer asks the bot (see adapters.answered). Over the asker's limit, the answer stays.
        Only an edit that changes what the bot was asked takes a place in the channel's queue: edits
        of members' chatter (a link's preview arriving) had filled it and a question was dropped."""
        message = payload.message
        if pointing.from_a_program(message) or not self.replies.answered.follows(message.created_at):
            return  # the bot's own edits come back as events too; a webhook's (PluralKit's) are a person's
        key = (message.channel.id, message.id)
        before = self.replies.answered.recall(key)
        question = self.question_in(message, answered=before is not None)
        if question is None and self.replies_to_me(message):
            return  # a reply to the bot, its text withheld (no Message Content intent, no ping): as it was
        # not asked of the bot: changes nothing, unless someone pointed the bot at it and its author
        # changed the question (its answer follows); asking what it was answered: nothing either. Not
        # while an answer to it goes out (a deletion waits for it; an earlier edit's answer may differ):
        # `Replies.follow` checks again in the channel's turn (A -> B -> A had kept B's answer)
        unasked = question is None and before is None and not self.replies.pointed_and_edited(message)
        same = before is not None and before.complete and before.question == question
        if (unasked or same) and not self.replies.pending(key):
            return  # nothing the bot was asked has changed
        if not self._order.admit(message.channel.id):
            return
        self._track()
        with self.replies.answering(message):  # a deletion meanwhile waits for what this sends
            async with self._order.turn(message.channel.id):
                await self._follow(message, question)

    async def _follow(self, message: discord.Message, question: str | None) -> None:
        """Follow the edit of a question (now asking `question`), or of a message pointed at."""
        to, note = (
            (None, None) if question is None else pointing.aimed(message, self.user, self.settings.message_content)
        )
        key, answered = (message.channel.id, message.id), self.replies.answered
        if question is None and answered.recall(key) is None and answered.pointed_at(*key) is not None:
            question = plain_question(message.content) or None  # pointed at: `follow` finds its answer
        try:
            await self.replies.follow(message, None if note else question, reply_to=to)
            if note and self.replies.sends(message.channel.id):  # a bare mention at a question withheld: the note
                await self.replies.say(message, note)
        except discord.Forbidden as exc:  # Discord's to say, for reasons the roles the client holds do not show
            log.warning("Discord: may not follow the edit of message %s: %s", message.id, exc)
        except Exception:
            log.exception("Discord: failed to follow the edit of message %s", message.id)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A deleted message takes what it asked the bot out of the record, and its replies with it."""
        self._track()
        await self.replies.deleted(payload.channel_id, {payload.message_id}, payload.guild_id, payload.cached_message)

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """Messages deleted together (a purge, a ban that deletes a member's messages): each as one alone."""
        self._track()
        await self.replies.deleted(payload.channel_id, payload.message_ids, payload.guild_id)

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A thread deleted (a forum post removed; discord.py tells of a deleted channel's threads it holds as
        well): Discord sends no deletion of its messages, so what was asked in it leaves the record here."""
        self._track()
        await self.replies.gone(payload.thread_id)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A server channel deleted: what was asked in it leaves the record, as a deleted thread's does."""
        self._track()
        await self.replies.gone(channel.id)

    def _track(self) -> None:
        """Remember the running handler, so that stopping lets it finish its reply first."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def drain(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) for the answers being worked on; cancel those left, counted."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # Questions that arrive meanwhile are answered too: wait until nothing is left.
        while (pending := self._in_flight - {asyncio.current_task()}) and loop.time() < deadline:
            log.info("Discord: finishing %s before closing", messages.counted(len(pending), "answer"))
            await asyncio.wait(pending, timeout=deadline - loop.time())
        if pending:  # they had been left running as the client closed; a handler ends at its next await
            log.warning("Discord: %s under way after %g s, dropped", messages.counted(len(pending), "answer"), timeout)
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=1)

    # interactions (see adapters.dc.host: what commands, buttons and forms use of the client)

    async def guarded(self, interaction: discord.Interaction[Any], work: Awaitable[None]) -> None:
        """Run one interaction's work; on any failure log it and answer with the apology."""
        self._track()
        try:
            await work
        except Exception as exc:
            await self.apologize(interaction, exc)

    async def apologize(self, interaction: discord.Interaction[Any], error: BaseException) -> None:
        if forgotten(error):  # answered after Discord's 3 s: neither the answer nor an apology reaches anyone
            return too_late(interaction)
        log.error("Discord: interaction %s failed", interaction.id, exc_info=error)
        await tell(interaction, messages.say(messages.APOLOGY, messages.choose(language(interaction))))

    async def in_time(
        self, interaction: discord.Interaction[Any], work: Callable[[], T], *, ephemeral: bool = False
    ) -> T:
        """Run `work` off the event loop; defer the interaction if it takes longer than allowed."""
        return await self.acknowledged(interaction, in_thread(work), ephemeral=ephemeral)

    async def acknowledged(
        self, interaction: discord.Interaction[Any], work: Awaitable[T], *, ephemeral: bool, regardless: bool = False
    ) -> T:
        """Await `work` (which does not respond), deferring the interaction when slow (`deferred_when_slow`)."""
        after = self.settings.defer_after
        return await deferred_when_slow(interaction, work, after=after, ephemeral=ephemeral, regardless=regardless)


class ShardedQABot(QABot, discord.AutoShardedClient):
    """The same bot over several shards in one process (DISCORD_SHARD_COUNT set)."""


def make_client(service: Service | None, settings: Settings) -> QABot:
    return ShardedQABot(service, settings) if settings.sharded else QABot(service, settings)


# running


async def serve(service: Service, env: Mapping[str, str], stop: asyncio.Event) -> None:
    """Run the Discord bot until `stop` is set; start-up problems become StartupError."""
    settings = Settings.from_env(env)
    client = make_client(service, settings)
    async with client:
        await login(client, settings.token)
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


async def login(client: discord.Client, token: str) -> None:
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
        if exc.code == AUTHENTICATION_FAILED:
            raise TokenRevoked("Discord no longer accepts DISCORD_BOT_TOKEN (gateway closed with 4004): "
                               "reset or revoked? Copy the new token from the developer portal") from None  # fmt: skip
        raise StartupError(f"Discord closed the gateway connection (code {exc.code})") from None
    except TimeoutError:
        log.warning("Discord: the gateway did not close in time")
