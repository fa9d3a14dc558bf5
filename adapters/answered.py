"""The replies sent to each recent question, so that an edited question gets its answer edited.

A member who fixes a typo or rewords a question ("how do i instal it" → "how do i install it on
windows") expects the bot's reply to follow, as a person's would, rather than stay answering what
the message no longer says. Each platform keeps one `Answered` per process: for every question
answered in the last `window` (15 minutes), the question as read and the messages sent for it.
An edit of such a question is answered again (the core's cooldown counts it as a question) and
the bot's messages are edited in place (`Shown.rewrite`): one more message is sent, or one fewer is deleted,
when the new answer needs another number of them. An edit that no longer asks the bot anything
(a group message whose mention was taken out) deletes the replies. What went out is counted one
message at a time (`Shown`), so an answer that failed partway is remembered as far as it went and
its question's edit replaces those messages as it would a whole answer's. An older question's edit is
left alone, and so is one that changes nothing the bot reads (Discord also reports a message as
edited when it adds a link's preview). At most `bound` questions are remembered (the oldest go
first), so a flood cannot grow the memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

H = TypeVar("H")  # how a platform names a message it sent (Telegram's message_id, Discord's id)
S = TypeVar("S")  # one message as sent, comparable (its text, its buttons)

WINDOW = timedelta(minutes=15)
BOUND = 4096


@dataclass(frozen=True)
class Sent(Generic[H, S]):
    """What went out for one question: the question as the bot read it, and each message sent."""

    question: str
    pieces: tuple[S, ...]  # each message as sent, to compare with a new answer's
    handles: tuple[H, ...]  # the same messages as the platform names them, in order
    # the message the answer replies to: the question's own, or one the member pointed the bot at
    # (an edit that changes it gets its answer sent anew, as a reply to the new one); None: none
    replies_to: H | None = None
    quoted: bool = False  # the question is the part of the message replied to that the member quoted
    # every message of the answer is out as it should read; False when a failure cut it short, so
    # that an edit leaving the question the same still completes it
    complete: bool = True


class Shown(Generic[H, S]):
    """The messages out for one question as they read now, in order, kept up to date one message at
    a time while they are sent, edited or deleted. An answer cut short (Telegram or Discord refused a
    send after its first message went out) is so remembered as far as it went, and the question's
    next edit (or its deletion, where the platform tells) still finds every message it left."""

    def __init__(self, before: Sent[H, S] | None = None) -> None:
        self.messages: list[tuple[H, S]] = list(zip(before.handles, before.pieces, strict=True)) if before else []

    @property
    def handles(self) -> tuple[H, ...]:
        return tuple(handle for handle, _ in self.messages)

    @property
    def pieces(self) -> tuple[S, ...]:
        return tuple(piece for _, piece in self.messages)

    async def rewrite(
        self,
        after: Sequence[S],
        *,
        edit: Callable[[H, S], Awaitable[H]],
        delete: Callable[[H], Awaitable[None]],
        send: Callable[[list[S], bool], Awaitable[list[H]]],
    ) -> None:
        """Turn the messages into a new answer's, by the platform's own `edit` (which gives the
        message's handle: a new one when it had to be sent anew), `delete` and `send` (given one
        message at a time, and told whether it opens the reply): the messages are edited in order
        into the new ones, those that read the same left alone; those beyond the new are deleted,
        and the new ones beyond them sent."""
        for at, new in enumerate(after[: len(self.messages)]):
            handle, old = self.messages[at]
            if new != old:
                self.messages[at] = (await edit(handle, new), new)
        await self.cut(len(after), delete)
        for new in after[len(self.messages) :]:
            [handle] = await send([new], not self.messages)
            self.messages.append((handle, new))

    def sent(self, question: str, after: Sequence[S], replies_to: H | None, *, quoted: bool = False) -> Sent[H, S]:
        """What is out now for `question`, whose answer is `after`: incomplete when a failure cut its
        messages short, so that an edit asking the same again sends what is missing."""
        pieces = self.pieces
        return Sent(question, pieces, self.handles, replies_to, quoted, complete=pieces == tuple(after))

    async def cut(self, keep: int, delete: Callable[[H], Awaitable[None]]) -> None:
        """Delete the messages after the first `keep` (all of them for 0), in order."""
        while len(self.messages) > keep:
            await delete(self.messages[keep][0])
            del self.messages[keep]


Key = tuple[Hashable, Hashable]  # (chat, message): where a question was asked, and its message


class Answered(Generic[H, S]):
    """The questions answered lately, each under the key of the message that asked (its chat and
    message ids), and found as well by the message its answer replies to (one pointed at)."""

    def __init__(self, window: timedelta = WINDOW, bound: int = BOUND) -> None:
        self.window = window
        self.bound = bound
        self._sent: OrderedDict[Key, Sent[H, S]] = OrderedDict()
        self._replying: dict[Key, list[Key]] = {}  # (chat, message replied to) -> the keys answered so, oldest first

    def follows(self, asked_at: datetime) -> bool:
        """Whether an edit of a question first sent at `asked_at` (aware) is followed."""
        return datetime.now(UTC) - asked_at <= self.window

    def remember(self, key: Key, sent: Sent[H, S]) -> None:
        self.forget(key)
        self._sent[key] = sent
        self._replying.setdefault((key[0], sent.replies_to), []).append(key)
        while len(self._sent) > self.bound:
            self.forget(next(iter(self._sent)))

    def keep(self, key: Key, sent: Sent[H, S]) -> None:
        """Remember `sent` under `key` (the messages `Shown` counted out), or forget the question when
        none of its messages is out."""
        if sent.handles:
            self.remember(key, sent)
        else:
            self.forget(key)

    async def withdraw(self, key: Key, before: Sent[H, S], delete: Callable[[H], Awaitable[None]]) -> None:
        """Delete the messages `before` that were sent for the question `key`, in order, by the
        platform's `delete`; any that a failure left stay remembered, for the question's next edit
        (incomplete: asking the same again rewrites them)."""
        shown = Shown(before)
        try:
            await shown.cut(0, delete)
        finally:
            self.keep(key, replace(before, pieces=shown.pieces, handles=shown.handles, complete=False))

    def recall(self, key: Key) -> Sent[H, S] | None:
        return self._sent.get(key)

    def forget(self, key: Key) -> Sent[H, S] | None:
        sent = self._sent.pop(key, None)
        if sent is not None:
            keys = self._replying[(key[0], sent.replies_to)]
            keys.remove(key)
            if not keys:
                del self._replying[(key[0], sent.replies_to)]
        return sent

    def answer_to(self, chat: Hashable, message: Hashable, *, part: str | None = None) -> Sent[H, S] | None:
        """The newest answer sent lately in `chat` as a reply to `message`: a question asked, or
        pointed at by another member, that has its answer already. A second member pointing the
        bot at it is shown that one. An answer to a quoted part of the message counts only for
        that `part` (a member quoting another question of it gets it answered)."""
        for key in reversed(self._replying.get((chat, message), ())):
            sent = self._sent[key]
            if not sent.quoted or sent.question == part:
                return sent
        return None

    def pointed_at(self, chat: Hashable, message: Hashable) -> tuple[Key, Sent[H, S]] | None:
        """The newest answer that another message of `chat` got lately as a reply to `message` (a
        member pointed the bot at it), with that message's key."""
        keys = [k for k in self._replying.get((chat, message), ()) if k != (chat, message)]
        return (keys[-1], self._sent[keys[-1]]) if keys else None

    def known(self, chat: Hashable, message: Hashable) -> bool:
        """Whether `message` got an answer lately, or an answer replies to it (it was pointed at)."""
        return (chat, message) in self._sent or (chat, message) in self._replying
