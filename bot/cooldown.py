"""Cooldowns (per user, per chat): a few questions at once are fine, a flood is slowed down politely."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Cooldown:
    """A token bucket per key: `burst` questions at once, then one every `interval` seconds."""

    def __init__(self, *, burst: int = 5, interval: float = 3.0, clock: Callable[[], float] = time.monotonic):
        self.burst = burst
        self.interval = interval
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Take one question from `key`'s bucket; False when it is empty."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) / self.interval)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            if len(self._buckets) > 100_000:  # forget idle users rather than grow without end
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < self.interval * self.burst}
            return allowed

    def give_back(self, key: str) -> None:
        """Return the question `allow` just took from `key` (another limit refused it after all)."""
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), self._clock()))
            self._buckets[key] = (min(float(self.burst), tokens + 1.0), last)
