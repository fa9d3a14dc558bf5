"""The replies sent to each recent question, so that an edited question gets its answer edited.

A member who fixes a typo or rewords a question ("how do i instal it" → "how do i install it on
windows") expects the bot's reply to follow, as a person's would, rather than stay answering what
the message no longer says. Each platform keeps one `Answered` per process: for every question
answered in the last `window` (15 minutes), the question as read and the messages sent for it.
An edit of such a question is answered again (the core's cooldown counts it as a question) and
the bot's messages are edited in place (`plan`): one more message is sent, or one fewer is deleted,
when the new answer needs another number of them. An edit that no longer asks the bot anything
(a group message whose mention was taken out) deletes the replies. An older question's edit is
left alone, and so is one that changes nothing the bot reads (Discord also reports a message as
edited when it adds a link's preview). At most `bound` questions are remembered (the oldest go
first), so a flood cannot grow the memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Plan(Generic[H, S]):
    """How to turn the messages sent for a question into a new answer's: edit, delete, then send."""

    edit: tuple[tuple[H, S], ...]
    send: tuple[S, ...]
    delete: tuple[H, ...]


async def rewrite(
    before: Sent[H, S],
    after: Sequence[S],
    *,
    edit: Callable[[H, S], Awaitable[H]],
    delete: Callable[[H], Awaitable[None]],
    send: Callable[[list[S], bool], Awaitable[list[H]]],
) -> list[H]:
    """Turn the messages sent for a question into a new answer's (`plan`), by the platform's own
    `edit` (which gives the message's handle: a new one when it had to be sent anew), `delete` and
    `send` (told whether what it sends opens the reply); returns the handles of the new answer's."""
    todo = plan(before, after)
    edited = {handle: await edit(handle, piece) for handle, piece in todo.edit}
    for handle in todo.delete:
        await delete(handle)
    kept = [edited.get(handle, handle) for handle in before.handles[: len(after)]]
    return kept + await send(list(todo.send), not kept)


def plan(before: Sent[H, S], after: Sequence[S]) -> Plan[H, S]:
    """Edit the messages sent in order into the new ones, leaving alone those that read the same;
    send the new ones beyond them, delete the old ones beyond the new."""
    pairs = zip(before.handles, before.pieces, after, strict=False)
    edits = tuple((handle, new) for handle, old, new in pairs if new != old)
    kept = len(before.handles)
    return Plan(edit=edits, send=tuple(after[kept:]), delete=tuple(before.handles[len(after) :]))


class Answered(Generic[H, S]):
    """The questions answered lately, by a key the platform chooses (its chat and message ids)."""

    def __init__(self, window: timedelta = WINDOW, bound: int = BOUND) -> None:
        self.window = window
        self.bound = bound
        self._sent: OrderedDict[Hashable, Sent[H, S]] = OrderedDict()

    def follows(self, asked_at: datetime, now: datetime | None = None) -> bool:
        """Whether an edit of a question first sent at `asked_at` (aware) is followed."""
        return (now or datetime.now(UTC)) - asked_at <= self.window

    def remember(self, key: Hashable, sent: Sent[H, S]) -> None:
        self._sent[key] = sent
        self._sent.move_to_end(key)
        while len(self._sent) > self.bound:
            self._sent.popitem(last=False)

    def recall(self, key: Hashable) -> Sent[H, S] | None:
        return self._sent.get(key)

    def forget(self, key: Hashable) -> Sent[H, S] | None:
        return self._sent.pop(key, None)

    def __len__(self) -> int:
        return len(self._sent)
