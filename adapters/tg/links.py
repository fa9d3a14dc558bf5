"""Deep links to one answer: t.me/<bot>?start=<passage id>, which a moderator can pin or share.

Telegram opens the bot's private chat on such a link, and when the member presses Start sends
`/start PAYLOAD` (a group's `?startgroup=PAYLOAD` sends `/start@Bot PAYLOAD` there). A payload is
1 to 64 of `A-Z a-z 0-9 _ -`; a passage id (a-z, 0-9, '-', at most 64) is always one, so every
passage has its link. Pure functions of the text (or the core's `Found`) and the bot's name.
"""

from __future__ import annotations

import re

from bot import Found

PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what Telegram passes on in a start link


def link(username: str, passage_id: str) -> str:
    """The link that opens the bot `username` on the passage's answer."""
    return f"https://t.me/{username}?start={passage_id}"


def linked_passage(text: str) -> str | None:
    """The passage id a `/start` message's payload names, lowercased (ids are: a payload typed in
    capitals names the same passage); None for a bare /start, words after it, or what Telegram would
    never pass on as a payload. Whether a passage has that id is the core's to say."""
    words = text.split()
    if len(words) != 2 or not PAYLOAD.fullmatch(words[1]):
        return None
    return words[1].lower()


def with_links(found: Found, username: str) -> str:
    """/kb_find's reply, as the core found it (`Found`: each passage's id beside its entry), with the link
    to each passage on the line after its entry (after all of its lines, when its text has several)."""
    return "\n".join([found.heading, *(f"{p.entry}\n{link(username, p.passage_id)}" for p in found.passages)])
