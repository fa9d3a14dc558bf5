"""Cooldowns (per user, per chat): a few questions at once are fine, a flood is slowed down politely.

A bucket also remembers whether a key was told it is over its limit, so that a flood gets one
note instead of one per question: `tell` is True once per episode. An episode ends when the
bucket has refilled completely (the key stopped flooding) or when `welcome` says the key was let
through again. `Admission` is what the core makes of both limits for the adapters (`admit`).
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from typing import NamedTuple


class Admission(enum.Enum):
    """What an adapter does with a question: answer it, send the cooldown note, or nothing."""

    ASK = "ask"
    NOTIFY = "notify"  # refused: send COOLDOWN_TEXT now
    SILENT = "silent"  # refused: the note was already sent, or the whole chat is flooding


class _Bucket(NamedTuple):
    tokens: float
    last: float  # when `tokens` was last brought up to date
    told: bool = False  # told about the limit in the current episode


class Cooldown:
    """A token bucket per key: `burst` questions at once, then one every `interval` seconds."""

    def __init__(
        self,
        *,
        burst: int = 5,
        interval: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ):
        self.burst = burst
        self.interval = interval
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._prune_at = max_keys
        self._lock = threading.Lock()

    def remembered(self) -> int:
        """How many keys it remembers now (bounded by `max_keys`, plus the one being counted).
        A method, not `__len__`: an empty Cooldown must stay truthy (`cooldown or Cooldown()`)."""
        return len(self._buckets)

    def allow(self, key: str) -> bool:
        """Take one question from `key`'s bucket; False when it is empty."""
        now = self.clock()
        with self._lock:
            bucket = self._current(key, now)
            allowed = bucket.tokens >= 1.0
            self._buckets[key] = bucket._replace(tokens=bucket.tokens - 1.0) if allowed else bucket
            if len(self._buckets) > self._prune_at:
                self._prune(now)
            return allowed

    def _prune(self, now: float) -> None:
        """Forget idle keys (full buckets) rather than grow without end.

        When most keys are still active, the table is not rebuilt again until it has doubled:
        a pass costs time in proportion to the table, so it must not run on every question.
        """
        idle = self.interval * self.burst
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.last < idle}
        self._prune_at = max(self.max_keys, 2 * len(self._buckets))

    def keep(self, key: str, tokens: float, told: bool) -> None:
        """Hold `key`'s bucket as another keeper has it now (`SharedCooldown`: the database's), so that
        this one, when it must decide alone, goes on from there and not from a full bucket."""
        now = self.clock()
        with self._lock:
            self._buckets[key] = _Bucket(min(float(self.burst), max(tokens, 0.0)), now, told)
            if len(self._buckets) > self._prune_at:
                self._prune(now)

    def give_back(self, key: str) -> None:
        """Return the question `allow` just took from `key` (another limit refused it after all)."""
        with self._lock:
            bucket = self._buckets.get(key, _Bucket(float(self.burst), self.clock()))
            self._buckets[key] = bucket._replace(tokens=min(float(self.burst), bucket.tokens + 1.0))

    def tell(self, key: str) -> bool:
        """Whether to tell `key` now that it is over the limit: True once per episode, then it counts as told."""
        now = self.clock()
        with self._lock:
            bucket = self._current(key, now)
            self._buckets[key] = bucket._replace(told=True)
            return not bucket.told

    def told(self, key: str) -> bool:
        """Whether `key` was told in an episode that is still going on."""
        with self._lock:
            return self._current(key, self.clock()).told

    def welcome(self, key: str) -> None:
        """`key` was let through again: its episode is over, a later refusal is told again."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is not None and bucket.told:
                self._buckets[key] = bucket._replace(told=False)

    def _current(self, key: str, now: float) -> _Bucket:
        """`key`'s bucket refilled up to `now`; a full one starts a new episode (nothing told yet)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return _Bucket(float(self.burst), now)
        refill = (now - bucket.last) / self.interval if self.interval > 0 else float(self.burst)
        tokens = min(float(self.burst), bucket.tokens + refill)
        return _Bucket(tokens, now, bucket.told and tokens < self.burst)


def admit(users: Cooldown, chats: Cooldown, user: str, chat: str | None, *, quiet: bool = False) -> Admission:
    """Whether `user` (in `chat`, None for a private chat: only the user's limit) is answered, or, over
    a limit, sent the cooldown note now or left in silence.

    The user's limit is taken first, so a member held back by it never uses up the chat's
    allowance; a question the chat's limit refuses is given back to the user. A user hears
    the note once until they are let through again. When the chat's shared limit refuses,
    the chat hears it once until that limit has refilled, and while it has not, nobody in the
    chat hears it again: in a flood by many members a note each would only add to the flood.
    `quiet`: refused, SILENT, and nobody counts as told.
    """
    if not users.allow(user):
        if quiet or (chat is not None and chats.told(chat)):
            return Admission.SILENT
        return Admission.NOTIFY if users.tell(user) else Admission.SILENT
    if chat is None or chats.allow(chat):
        users.welcome(user)
        return Admission.ASK
    users.give_back(user)
    if quiet:
        return Admission.SILENT
    return Admission.NOTIFY if chats.tell(chat) else Admission.SILENT
