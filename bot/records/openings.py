"""Which answers each member opened from a link today, so that `kb stats` counts one opening per member,
passage and day.

A link to one answer (Telegram's t.me/<bot>?start=<passage id>) is counted for its passage alone: the
`opened` table names no one, on purpose. Counted at every opening, one member opening the same link again
and again (the cooldown lets about one through every 3 seconds) made it look used by many. So the instance
remembers, in memory only, a keyed hash of each (platform, member, passage) it counted today, under a key
made at start and never written: nothing of who opened what reaches the database, a log or a restart.
Remembered are at most BOUND of a day, the one counted longest ago forgotten first (its member's next
opening then counts again); a new day (UTC, the day the count is kept on) begins with none.

What holds is per instance: instances that share a database (Telegram webhook workers behind one proxy)
each count a member's first opening of the day, and an instance started since counts it again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable

from bot.recent import Recent
from bot.records.sql import day

BOUND = 10_000  # (member, passage) pairs of a day remembered: past it, the one counted longest ago is forgotten


class Openings:
    """The openings this instance counted today, as keyed hashes; `clock` gives the moment (its day)."""

    def __init__(self, *, clock: Callable[[], float] = time.time, bound: int = BOUND) -> None:
        self._clock = clock
        self._bound = bound
        self._key = secrets.token_bytes(32)  # this instance's own, never written: the hashes name no one elsewhere
        self._day = ""
        self._counted: Recent[bytes, bool] = Recent(bound)
        self._lock = threading.Lock()

    def first(self, platform: str, user_id: str, passage_id: str) -> bool:
        """Whether this is `user_id`'s first opening of `passage_id` today that this instance remembers (then it
        counts, and a later one today does not)."""
        who = json.dumps([platform, user_id, passage_id]).encode("utf-8")  # ensure_ascii: a lone surrogate too
        mark = hmac.new(self._key, who, hashlib.sha256).digest()[:16]
        today = day(self._clock())
        with self._lock:
            if today != self._day:
                self._day, self._counted = today, Recent(self._bound)
            if mark in self._counted:
                return False
            self._counted.put(mark, True)
            return True

    def __len__(self) -> int:
        return len(self._counted)
