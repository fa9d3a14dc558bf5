"""Feedback on answers (👍 / 👎) and the pseudonym users are stored under.

Votes are kept in the gaps database (`bot.records.gaps`), where moderators see what did not help. Each
is kept with the passage's text as it was voted on (`text_key`), and counts for that text only: a
moderator who rewrote a passage for its 👎 is not shown them again for the new text (`downvoted`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable
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


def text_key(text: str) -> str:
    """What a vote keeps of the passage's text it was given to: a short hash (the text itself is the knowledge's);
    "" for a text not known (a vote recorded without it counts for the text as it is now)."""
    return "" if not text else hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def downvoted(
    rows: Iterable[tuple[str, str, int]], current: Callable[[str], str | None] | None, limit: int
) -> list[tuple[str, int]]:
    """The most downvoted passages from (passage, text key, 👎) rows, most first: each passage's 👎 on its
    text as it is now (`current`: a passage's text, None for a passage no longer there, whose votes all
    count). A vote recorded before votes kept their text (key "") counts for the text as it is now."""
    counts: dict[str, int] = {}
    for passage_id, key, n in rows:
        text = current(passage_id) if current is not None else None
        if text is None or key in ("", text_key(text)):
            counts[passage_id] = counts.get(passage_id, 0) + int(n)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
