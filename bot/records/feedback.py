"""Feedback on answers (👍 / 👎) and the pseudonym users are stored under.

Votes are kept in the gaps database (`bot.records.gaps`), where moderators see what did not help.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Vote:
    passage_id: str
    helpful: bool
    platform: str
    user_id: str
    at: float = field(default_factory=time.time)


def hash_user(platform: str, user_id: str, key: bytes) -> str:
    """A stable pseudonym for a user: feedback never stores the raw id or a name.

    Keyed (HMAC-SHA256 with the data folder's secret, `bot.records.gaps.USER_KEY_FILE`): a plain hash of
    "telegram:<id>" could be reversed by trying every id, or checked at once for a known one.
    """
    # surrogatepass: an id carrying a lone surrogate (a JSON escape can) still hashes, never raises
    message = f"{platform}:{user_id}".encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]
