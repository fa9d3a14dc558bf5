"""Feedback on answers (👍 / 👎) and the pseudonym users are stored under.

Votes are kept in the gaps database (`bot.records.gaps`), where moderators see what did not help.
"""

from __future__ import annotations

import hashlib
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
