"""Deep links to one answer: t.me/<bot>?start=<passage id>, which a moderator can pin or share.

Telegram opens the bot's private chat on such a link, and when the member presses Start sends
`/start PAYLOAD` (a group's `?startgroup=PAYLOAD` sends `/start@Bot PAYLOAD` there). A payload is
1 to 64 of `A-Z a-z 0-9 _ -`; a passage id (a-z, 0-9, '-', at most 64) is always one, so every
passage has its link. Pure functions of the text and the bot's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what Telegram passes on in a start link
_FOUND = re.compile(r"`([a-z0-9-]+)` ")  # an entry of /kb_find's reply opens with its passage's id so


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


def with_links(found: str, username: str, section_of: Callable[[str], str | None]) -> str:
    """/kb_find's reply (one entry a passage, "`id` Section: text...", its text on more lines when it
    has them) with the link to each passage after its entry. An entry is known by an id the knowledge
    base has (`section_of` gives its section) followed by that section, so a passage's text that
    happens to open a line with an id in backticks is not taken for one."""
    lines: list[str] = []
    pending: str | None = None
    for line in found.splitlines():
        opening = _FOUND.match(line)
        section = section_of(opening.group(1)) if opening else None
        if opening and section is not None and line[opening.end() :].startswith(f"{section}:"):
            if pending is not None:
                lines.append(pending)
            pending = link(username, opening.group(1))
        lines.append(line)
    if pending is not None:
        lines.append(pending)
    return "\n".join(lines)
