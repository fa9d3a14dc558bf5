"""The bot's replies to messages in channels: sent, and edited or deleted as their question is.

`answer` sends a message's answer, the first of its messages a reply to the question (pinging
nobody; where the bot may not read the channel's history, Discord takes no reply: not one), and
remembers what went out (as far as it went, when Discord failed partway); `follow` edits it in
place when the question is edited (or deletes it when the message no longer asks the bot), and
`deleted` deletes it with its question (see adapters.answered). The client calls them one at a time
per channel.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator, Sequence, Set

import aiohttp
import discord

from adapters.answered import Answered, Key, Shown
from adapters.dc import pointing
from adapters.dc.deliver import Allowed, Piece, allowed_in, send_retrying, text_reply
from adapters.dc.host import PLATFORM, asker
from adapters.dc.markup import plain_question
from adapters.dc.render import render
from adapters.delivery import KeyedOrder
from adapters.platform import in_thread
from bot import Answer, Asker, Outcome, Recent, Service, messages

log = logging.getLogger(__name__)

UNKNOWN_CHANNEL = 10003  # Discord's code for a channel (or thread) that is not there: deleted


def pieces_of(answer: Answer, *, embeds: bool = True) -> list[Piece]:
    """Every message of an answer, each of its replies (one per question of the message) in turn;
    without embeds where the bot may not embed (`Allowed.embeds`)."""
    return [Piece.of(kwargs) for reply in answer.replies for kwargs in render(reply, embeds=embeds).messages()]


class Replies:
    """The replies sent lately, and how they follow their questions; `service` gives the core."""

    def __init__(self, client: discord.Client, service: Callable[[], Service], order: KeyedOrder) -> None:
        self.client = client
        self.service = service
        self.order = order  # the client's: answers in a channel go out one at a time, in order
        self.answered: Answered[int, Piece] = Answered()
        self._answering: set[tuple[int, int]] = set()  # (channel, message) of the answers being worked on
        # channels the bot may not send in, said so in the log: the latest asked in (one forgotten is said again)
        self._silenced: Recent[int, bool] = Recent()

    @contextlib.contextmanager
    def answering(self, *asked: discord.Message | None) -> Iterator[None]:
        """While the answer to a message (and to the one it points the bot at) waits for its turn
        and goes out: an edit or a deletion of either meanwhile waits for it, and then finds what was sent."""
        keys = {(message.channel.id, message.id) for message in asked if message is not None}
        self._answering |= keys
        try:
            yield
        finally:
            self._answering -= keys

    def pending(self, key: tuple[int, int]) -> bool:
        """Whether the answer to this message is being worked on (asked, or going out)."""
        return key in self._answering

    def known(self, key: tuple[int, int]) -> bool:
        """Whether the bot answered this message lately (or an answer replies to it), or is answering it."""
        return self.pending(key) or self.answered.known(*key)

    async def answer(self, message: discord.Message, question: str, *, reply_to: discord.Message | None = None) -> None:
        """Answer `message` (as a reply to it, or to `reply_to`: the question it points the bot at);
        over the asker's or the channel's limit, what the core says (or nothing). A question pointed at
        that has its answer already gets a note replying to that answer."""
        earlier = self.answered.answer_to(message.channel.id, reply_to.id) if reply_to is not None else None
        if earlier is not None and earlier.handles:
            text = messages.say(messages.ANSWERED_ABOVE, messages.choose(pointing.server_language(message)))
            shown = self.client.get_partial_messageable(message.channel.id).get_partial_message(earlier.handles[0])
            await self.say(message, text, to=shown)
            return
        key = (message.channel.id, message.id)
        who, asked = asker(message.author.id, message.channel), str((reply_to or message).id)
        answer = await in_thread(self.service().ask, question, who, message=asked)  # an edit of it replaces it
        if answer.silent:  # over the user's or the channel's limit, and told already (the core's call)
            log.info("Discord: not answering message %s in %s: over the limit", message.id, message.channel.id)
            return
        if answer.outcome is Outcome.THROTTLED:  # the cooldown note is the asker's, and nothing to follow
            await self._send(message, pieces_of(answer))
            return
        embeds = self.allowed(message.channel.id).embeds
        await self._show(key, Shown(), question, pieces_of(answer, embeds=embeds), reply_to or message)

    async def post(self, message: discord.Message, question: str, answer: Answer, *, key: tuple[int, int]) -> int:
        """Send `answer` to `question`, asked for someone else (see `answer_this_command`), as a reply
        to their `message`, remembered under `key` (a question pointed at again is shown it);
        returns the id of its first message."""
        async with self.order.turn(message.channel.id):  # in the channel's order: a deletion waits for it
            embeds = self.allowed(message.channel.id).embeds
            handles = await self._show(key, Shown(), question, pieces_of(answer, embeds=embeds), message)
        return handles[0]

    async def say(
        self, message: discord.Message, text: str, *, to: discord.Message | discord.PartialMessage | None = None
    ) -> None:
        """A note of the bot's own as a reply to `message` (or `to`), within the asker's and the
        channel's limits (over them, the cooldown note replies to `message`, or nothing), which speaks
        the server's language, as the notes do."""
        who = asker(message.author.id, message.channel, pointing.server_language(message))
        throttled = await in_thread(self.service().throttle, who)
        if throttled is not None and throttled.silent:
            return
        reply = render(throttled) if throttled is not None else text_reply(text)
        await self._send(
            to if throttled is None and to is not None else message, [Piece.of(kw) for kw in reply.messages()]
        )

    async def _send(
        self, message: discord.Message | discord.PartialMessage, sent: list[Piece], *, first: bool = True
    ) -> list[int]:
        """Send the pieces in order; the first replies to the question (without pinging its author),
        where Discord takes a reply from the bot (`allowed`). Whether it may send there at all is
        checked before the question is asked (`respond`); a refusal all the same is the caller's to log."""
        handles, replying = [], first and self.allowed(message.channel.id).refers
        for i, piece in enumerate(sent):
            kwargs = {**piece.kwargs, "mention_author": False}
            if i == 0 and replying:
                kwargs["reference"] = message.to_reference(fail_if_not_exists=False)
            send = functools.partial(message.channel.send, **kwargs)
            handles.append((await send_retrying(send, f"the reply to message {message.id}")).id)
        return handles

    async def respond(
        self, message: discord.Message, question: str, *, to: discord.Message | None, note: str | None
    ) -> None:
        """Answer `message` (as a reply to it, or to `to`: the question it points the bot at), or say
        `note` instead, where the bot may send (`sends`). A failure is logged with its traceback and
        apologized for; a refusal from Discord (403: its permissions there changed since the client
        heard, or it is timed out) is said at WARNING, with no apology, which Discord would refuse too.
        A channel deleted meanwhile (a member deleting their new post, its thread) is no failure: said at
        INFO, and what the message asked leaves the record, as a deleted message's does (Discord tells
        of no deletion of a deleted thread's messages)."""
        if not self.sends(message.channel.id):
            return
        try:
            await (self.say(message, note) if note else self.answer(message, question, reply_to=to))
        except discord.Forbidden as exc:
            log.warning("Discord: may not answer message %s in channel %s: %s", message.id, message.channel.id, exc)
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_CHANNEL:  # anything else not found is a failure like any other
                await self.failed(message, question)
                return
            log.info("Discord: channel %s is gone: message %s goes unanswered", message.channel.id, message.id)
            who = asker(message.author.id, message.channel)
            await in_thread(self.service().forget_asked, who, str((to or message).id))
        except Exception:
            await self.failed(message, question)

    def sends(self, channel_id: int) -> bool:
        """Whether the bot may send in this channel (`allowed`). Where it may not (a channel it reads
        but may not write in, #announcements), what members ask it there is not even asked of the
        core, and the log says so at INFO once, until it may send there again (or, of the 256 such channels
        asked in last, it is forgotten: said again; a deleted one is forgotten at once, `gone`)."""
        if self.allowed(channel_id).sends:
            self._silenced.mark(channel_id, False)
            return True
        if channel_id not in self._silenced:
            log.info("Discord: may not send messages in channel %s: what it is asked there goes unanswered", channel_id)
        self._silenced.mark(channel_id, True)  # the newest: one still asked in is not the one forgotten
        return False

    async def failed(self, message: discord.Message, question: str) -> None:
        """The answer to `message` failed (called while its exception is handled): logged with the traceback,
        and apologized for."""
        log.exception("Discord: failed to answer message %s", message.id)
        await self.apologize(message, question)

    async def apologize(self, message: discord.Message, question: str) -> None:
        """The apology for an answer that failed (the failure is the caller's to log): best effort."""
        try:
            await message.channel.send(messages.say(messages.APOLOGY, messages.choose(None, question)))
        except Exception as exc:
            log.warning("Discord: could not send the apology to channel %s: %r", message.channel.id, exc)

    def allowed(self, channel_id: int) -> Allowed:
        """What the bot may send in this channel, by the server's roles as the client holds them
        (`deliver.allowed_in`). Discord refuses every reply (403, 160002) from a bot without Read
        Message History there: its answers then go out as messages of their own. Everything in a DM,
        whose history the bot reads, or in a channel it does not hold (Discord decides)."""
        channel = self.client.get_channel(channel_id)
        held = channel.parent if isinstance(channel, discord.Thread) else channel  # a thread's are its channel's
        if not isinstance(held, discord.abc.GuildChannel):
            return Allowed(sends=True, refers=True)
        return allowed_in(held.permissions_for(held.guild.me), channel)

    async def follow(
        self, message: discord.Message, question: str | None, *, reply_to: discord.Message | None = None
    ) -> None:
        """The edit of `message`, which now asks `question` (None: it asks the bot nothing), its
        answer a reply to it (or to `reply_to`, the question it points the bot at). Where the bot may
        not send (`sends`), the question is not asked of the core, as a new one is not, and an answer
        from before, which no longer answers it, is withdrawn."""
        key: Key = (message.channel.id, message.id)
        before = self.answered.recall(key)
        if before is None and question is not None and (pointed := self.answered.pointed_at(*key)) is not None:
            key, before = pointed  # answered when someone pointed the bot at it: that answer follows
        who = asker(message.author.id, message.channel)
        if question is None or not self.sends(message.channel.id):
            if before is not None:  # it asks the bot nothing now: its record and its answer go
                await in_thread(self.service().forget_asked, who, str(before.replies_to))
                await self.answered.withdraw(key, before, functools.partial(self._delete, message.channel.id))
            return
        to = reply_to or message
        if before is not None and before.complete and before.question == question and before.replies_to == to.id:
            return  # nothing the bot reads has changed (Discord added a link's preview)
        answer = await in_thread(self.service().ask, question, who, quiet=True, message=str(to.id), edited=True)
        if answer.outcome is Outcome.THROTTLED:
            return
        if before is not None and before.replies_to != to.id:  # now answering another message: anew
            await in_thread(self.service().forget_asked, who, str(before.replies_to))  # no longer asked
            await self.answered.withdraw(key, before, functools.partial(self._delete, message.channel.id))
            before = None
        # with no answer before the edit (the mention added), every message is sent
        after = pieces_of(answer, embeds=self.allowed(message.channel.id).embeds)
        await self._show(key, Shown(before), question, after, to)

    async def _show(
        self, key: Key, shown: Shown[int, Piece], question: str, after: list[Piece], to: discord.Message
    ) -> tuple[int, ...]:
        """Make the messages `shown` read as the answer `after` to `question`, its first message a
        reply to `to`, and remember them under `key` (the question's message, or the interaction that
        asked for it) as they then are: when Discord fails partway, as far as it went, so that the
        question's next edit, or its deletion, finds them all. Returns their ids."""
        try:
            await shown.rewrite(
                after,
                edit=functools.partial(self._edit, to),
                delete=functools.partial(self._delete, to.channel.id),
                send=lambda pieces, first: self._send(to, pieces, first=first),
            )
        finally:
            self.answered.keep(key, shown.sent(question, after, to.id))
        return shown.handles

    def pointed_and_edited(self, message: discord.Message) -> bool:
        """Whether an edit of `message` changes the question someone pointed the bot at (its answer
        then follows); never without the text, which Discord withholds without the intent."""
        found = self.answered.pointed_at(message.channel.id, message.id)
        question = plain_question(message.content)
        return found is not None and bool(question) and found[1].question != question

    async def _edit(self, message: discord.Message, handle: int, piece: Piece) -> int:
        """Make the bot's message `handle` read as `piece`; one someone deleted is sent anew (its new id)."""
        shown = self.client.get_partial_messageable(message.channel.id).get_partial_message(handle)
        edit = functools.partial(shown.edit, **piece.edits())
        try:
            await send_retrying(edit, f"the edit of message {handle}")
        except discord.NotFound:
            log.info("Discord: message %s is gone: sending the edited answer anew", handle)
            return (await self._send(message, [piece], first=False))[0]
        return handle

    async def _delete(self, channel_id: int, handle: int) -> None:
        """Delete the bot's message `handle`; one gone already is no failure."""
        shown = self.client.get_partial_messageable(channel_id).get_partial_message(handle)
        with contextlib.suppress(discord.NotFound):
            await send_retrying(shown.delete, f"deleting message {handle}")

    async def deleted(
        self, channel_id: int, message_ids: set[int], guild_id: int | None, cached: discord.Message | None = None
    ) -> None:
        """Messages deleted: what they asked the bot leaves the record, by the key `Service.ask` gave it
        (any message's, the bot knowing it asked or not: after a restart too), and the replies to those
        answered lately go, in the channel's turn, after the answers under way there (one deleted
        while its answer was going out had kept it, and what it asked had been recorded after)."""
        asked = [m for m in message_ids if self.known((channel_id, m))]
        if not asked:  # no reply to take back: no place in the channel's queue either (chatter deleted)
            await self.forget(await self.chat_of(channel_id, guild_id, cached), sorted(message_ids))
            return
        async with self.order.turn(channel_id):
            chat = await self.chat_of(channel_id, guild_id, cached)
            await self.forget(chat, sorted(set(message_ids) - set(asked)))
            for message_id in asked:
                try:  # one that pointed the bot at another message asked that message's words: they go too
                    own = self.answered.recall((channel_id, message_id))
                    pointed = own.replies_to if own is not None and own.replies_to is not None else message_id
                    await self.forget(chat, sorted({message_id, pointed}))
                    await self._take_back(channel_id, message_id, gone=message_ids)
                except Exception:
                    log.exception("Discord: failed to delete the replies to deleted message %s", message_id)

    async def chat_of(self, channel_id: int, guild_id: int | None, cached: discord.Message | None) -> str | None:
        """The chat a deleted message's questions were recorded in (`host.asker`): a server channel's
        (or thread's) own id; a DM's member's, which the event does not name: the message's author, as
        discord.py cached it, else the DM channel's member, as Discord gives it (one request, after a
        restart). None for the bot's own message in a DM, or when Discord does not say."""
        if guild_id is not None:
            return str(channel_id)
        if cached is not None:  # the bot's own message asked nothing
            mine = self.client.user is not None and cached.author.id == self.client.user.id
            return None if mine else str(cached.author.id)
        try:
            channel = await self.client.fetch_channel(channel_id)
        except (discord.HTTPException, discord.InvalidData, aiohttp.ClientError, OSError) as exc:
            log.warning(
                "Discord: no member known for DM channel %s: its deleted message stays recorded: %s", channel_id, exc
            )
            return None
        member = getattr(channel, "recipient", None)
        return str(member.id) if member is not None else None

    async def gone(self, channel_id: int) -> None:
        """A server channel or thread deleted: what was asked in it leaves the record (`Service.forget_chat`;
        its chat is its own id, `host.asker`), in its turn, after the answers under way there (one Discord
        then refuses, Unknown Channel, forgets its own message: `respond`)."""
        self._silenced.forget(channel_id)
        async with self.order.turn(channel_id):
            await in_thread(self.service().forget_chat, Asker(PLATFORM, "", str(channel_id)))

    async def forget(self, chat: str | None, message_ids: Sequence[int]) -> None:
        """Forget what these messages of `chat` asked the bot (`Service.forget_asked`); None: nothing."""
        if chat is not None:
            for message_id in message_ids:
                await in_thread(self.service().forget_asked, Asker(PLATFORM, "", chat), str(message_id))

    async def _take_back(self, channel_id: int, message_id: int, *, gone: Set[int] = frozenset()) -> None:
        """The bot's replies to the deleted question `message_id` go, and the answers given to it when
        someone pointed the bot at it; those deleted with it (`gone`: a purge takes the bot's answers
        too) are not asked of Discord again (each had been an Unknown Message, a request spent)."""
        taken = [self.answered.forget((channel_id, message_id))]
        while (pointed := self.answered.pointed_at(channel_id, message_id)) is not None:
            taken.append(self.answered.forget(pointed[0]))
        handles = (handle for sent in taken if sent is not None for handle in sent.handles)
        for handle in (handle for handle in handles if handle not in gone):
            try:  # each on its own: one Discord refuses leaves the others to delete, the question never returns
                await self._delete(channel_id, handle)
            except discord.HTTPException as exc:
                log.warning("Discord: could not delete reply %s to deleted question %s: %r", handle, message_id, exc)
