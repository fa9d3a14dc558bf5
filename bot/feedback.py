"""Feedback on answers (👍 / 👎), kept so that moderators can see what did not help."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Vote:
    passage_id: str
    helpful: bool
    platform: str
    user_id: str
    at: float = field(default_factory=time.time)


def hash_user(platform: str, user_id: str) -> str:
    """A stable pseudonym for a user: feedback never stores the raw id or a name."""
    # surrogatepass: an id carrying a lone surrogate (a JSON escape can) still hashes, never raises
    return hashlib.sha256(f"{platform}:{user_id}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


class FeedbackLog:
    """Votes in memory, with the user ids hashed."""

    def __init__(self) -> None:
        self._votes: list[Vote] = []
        self._lock = threading.Lock()

    def record(self, vote: Vote) -> None:
        anonymous = Vote(vote.passage_id, vote.helpful, vote.platform, hash_user(vote.platform, vote.user_id), vote.at)
        with self._lock:
            self._votes.append(anonymous)

    def votes(self) -> list[Vote]:
        with self._lock:
            return list(self._votes)
