"""The bot's replies to questions in Telegram chats: sent, and edited as their question is.

`answer` sends a message's answer (in groups the first message of each reply quotes the
question) and remembers what went out (as far as it went, when Telegram failed partway); `follow`
edits it in place when the question is edited, or deletes it when the message no longer asks the
bot (see adapters.answered). Telegram does not tell a bot of deleted messages, so a deleted
question's answer stays. Updates of one chat reach these one at a time (`ChatOrderProcessor`).
"""

from __future__ import annotations

import dataclasses
import functools

from telegram import Message
from telegram.ext import ContextTypes

from adapters.answered import Answered, Key, Sent, Shown
from adapters.platform import in_thread
from adapters.tg.deliver import (
    GROUP_TYPES,
    Piece,
    Target,
    asker_of,
    delete,
    edit,
    pieces_of,
    send_pieces,
    send_text,
)
from bot import Outcome, Service, messages

Context = ContextTypes.DEFAULT_TYPE


class Replies:
    """The replies sent lately, and how they follow their questions."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.answered: Answered[int, Piece] = Answered()

    async def answer(self, message: Message, context: Context, question: str, target: Target) -> None:
        """Answer one message, each of its questions in a reply of its own (see `Answer.replies`),
        as a reply to `target` (it, or the question it points the bot at); over a limit, the cooldown
        note or nothing, as the core decides. A question pointed at in a group that has its answer
        already gets a note replying to that answer."""
        if await self._answered_already(message, context, question, target):
            return
        answer = await in_thread(self.service.ask, question, asker_of(message), message=asked_message(message, target))
        if answer.silent:
            return
        if answer.outcome is Outcome.THROTTLED:  # the cooldown note is the asker's, and nothing to follow
            await send_pieces(context, Target.for_message(message), pieces_of(answer))
            return
        key: Key = (message.chat_id, message.message_id)
        await self._show(message, context, key, Shown(), question, pieces_of(answer), target)

    async def follow_pointed(self, message: Message, context: Context, question: str | None) -> bool:
        """The edit of a message someone pointed the bot at, now asking `question` (None: nothing, a photo
        whose caption was removed): its answer follows as its own question's would (`follow` finds it by
        what it replies to; the edit counts for its sender's cooldown), unless the part someone quoted
        still reads the same. False when no answer replies to it."""
        found = self.answered.pointed_at(message.chat_id, message.message_id)
        if found is None:
            return False
        if question is None or not (found[1].quoted and found[1].question in question):
            await self.follow(message, context, question)
        return True

    async def _answered_already(self, message: Message, context: Context, question: str, target: Target) -> bool:
        """Whether the question `message` points the bot at has its answer already (the whole message
        answered, or the same part quoted): then the member gets a note replying to that answer. Never
        in a private chat, where no one else can have answered: the member asks again, and is answered."""
        part = question if message.quote is not None else None
        pointed = pointing(message, target) and message.chat.type in GROUP_TYPES
        earlier = self.answered.answer_to(message.chat_id, target.reply_to, part=part) if pointed else None
        if earlier is None or not earlier.handles:
            return False
        await self._answered_above(message, context, dataclasses.replace(target, reply_to=earlier.handles[0]))
        return True

    async def _answered_above(self, message: Message, context: Context, answer: Target) -> None:
        """Tell the member who pointed at an answered question where its answer is (a reply to it),
        within their limits."""
        who = asker_of(message)
        throttled = await in_thread(self.service.throttle, who)
        if throttled is None:
            await send_text(context, answer, messages.say(messages.ANSWERED_ABOVE, messages.choose(who.language)))
        elif not throttled.silent:
            await send_text(context, Target.for_message(message), throttled.text)

    async def follow(
        self, message: Message, context: Context, question: str | None, target: Target | None = None
    ) -> None:
        """The edit of `message`, which now asks `question` (None: it asks the bot nothing), its
        answer a reply to it (or to `target`)."""
        key: Key = (message.chat_id, message.message_id)
        before = self.answered.recall(key)
        target = target or Target.for_message(message)
        if before is None and (pointed := self.answered.pointed_at(*key)) is not None:
            key, before = pointed  # answered when someone pointed the bot at it: that answer follows
            if target.reply_to is None:  # a private chat's own target replies to nothing: it stays a reply
                target = dataclasses.replace(target, reply_to=before.replies_to)
        if question is None:
            if before is not None:
                await self._withdraw(message, context, key, before)
            return
        if (
            before is not None
            and before.complete
            and (before.question, before.replies_to) == (question, target.reply_to)
        ):
            return  # nothing the bot reads has changed, and its answer is all out
        who, asked = asker_of(message), asked_message(message, target)
        answer = await in_thread(self.service.ask, question, who, quiet=True, message=asked, edited=True)
        if answer.outcome is Outcome.THROTTLED:
            return
        if before is not None and before.replies_to != target.reply_to:  # now answering another message: anew
            await self._withdraw(message, context, key, before)
            before = None
            if await self._answered_already(message, context, question, target):
                return  # pointing now at a question answered already: shown that one
        # with no answer before the edit ("@QABot" added), every message is sent
        await self._show(message, context, key, Shown(before), question, pieces_of(answer), target)

    async def _show(
        self,
        message: Message,
        context: Context,
        key: Key,
        shown: Shown[int, Piece],
        question: str,
        after: list[Piece],
        target: Target,
    ) -> None:
        """Make the messages `shown` for `message` read as the answer `after` to `question`, replying to
        `target`, and remember them under `key` (its own, or the one of the message that pointed the
        bot at it) as they then are: when Telegram fails partway, as far as it went and marked
        incomplete, so that the question's next edit replaces them all, or sends what is missing. A
        question someone quoted is marked, so that an edit elsewhere in the message it is part of
        changes nothing."""
        try:
            await shown.rewrite(
                after,
                edit=functools.partial(edit, context, target),
                delete=functools.partial(delete, context, target.chat_id),
                send=lambda pieces, _: send_pieces(context, target, pieces),  # each piece says if it quotes
            )
        finally:
            quoted = pointing(message, target) and message.quote is not None
            self.answered.keep(key, shown.sent(question, after, target.reply_to, quoted=quoted))

    async def _withdraw(self, message: Message, context: Context, key: Key, before: Sent[int, Piece]) -> None:
        """Delete the messages sent for a question of `message`'s chat (see `Answered.withdraw`), which
        the message, edited, no longer asks: what it asked leaves the record (`Service.forget_asked`)."""
        asked = before.replies_to if before.replies_to is not None else key[1]  # as `asked_message` gave it
        await in_thread(self.service.forget_asked, asker_of(message), str(asked))  # first: Telegram may refuse below
        await self.answered.withdraw(key, before, functools.partial(delete, context, message.chat_id))


def asked_message(message: Message, target: Target) -> str:
    """The id of the message whose words are asked: the one `message` points the bot at, or itself. Its
    edit replaces what it asked in the core's records (`kb gaps` holds a question's last words)."""
    return str(target.reply_to if target.reply_to is not None else message.message_id)


def pointing(message: Message, target: Target) -> bool:
    """Whether the answer to `message` goes to another message: the question it points the bot at."""
    return target.reply_to is not None and target.reply_to != message.message_id
