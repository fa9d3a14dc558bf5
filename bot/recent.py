"""What the bot learns and keeps between messages, bounded: the entry used longest ago goes first.

The bot runs for weeks, and a busy community keeps bringing new chats and members: a group upgraded to a
supergroup, a group's administrator found, a channel where the bot may not send, a member who opened a link
today. What is kept of each is a `Recent`, which holds at most `bound` entries, so that memory levels off however
many come. Each use says what a member (or the log) notices when an entry is forgotten: never more than what a
restart costs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

BOUND = 256  # entries: one matters for minutes (an upgrade), or costs a log line or a lookup to learn again


class Recent(Generic[K, V]):
    """At most `bound` entries, each `put` or `get` making it the newest; past the bound the oldest is forgotten."""

    def __init__(self, bound: int = BOUND) -> None:
        self.bound = bound
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.bound:
            self._entries.popitem(last=False)

    def forget(self, key: K) -> None:
        self._entries.pop(key, None)

    def mark(self: Recent[K, bool], key: K, present: bool) -> None:
        """Used as a set: `key` remembered (the newest) when `present`, else forgotten."""
        if present:
            self.put(key, True)
        else:
            self.forget(key)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[K]:
        """The keys, the oldest first."""
        return iter(self._entries)
