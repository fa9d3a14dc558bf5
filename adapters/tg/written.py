"""A moderator's command as they wrote it: the marks Telegram's apps take out of a message's text into
entities put back (a linked word's address, a block of code's fences), so that the passage stored
reads as written. A pure function of the message; offsets count UTF-16 code units, as Telegram's do.
"""

from __future__ import annotations

import re

from telegram import Message
from telegram.constants import MessageEntityType

SEPARATOR = "|"  # between the fields of a /kb_* command
ESCAPED_SEPARATOR = "\\|"  # a `|` inside a field


def as_written(message: Message) -> str:
    """The text of `message` as its moderator wrote it, where Telegram took marks out into entities: the
    address of each word linked in it (a text_link: Ctrl+K) written after the word, "Register here
    (https://...)" (a passage is plain text, and the word alone would send members nowhere; a link whose
    words are its address stays as it is); a block of code (``` in the app, sent as a `pre` entity without
    them) fenced again on lines of its own, as `kb import` stores code, which members get as code; and
    every `|` in code (a `pre` or a `code` entity) written `\\|`, a `|` of the command's text, not a field
    separator ("ps aux | grep bot" had split a right command into too many fields)."""
    text = message.text or ""
    marked = [e for e in message.entities if (e.type == MessageEntityType.TEXT_LINK and e.url) or e.type in _CODE]
    units = text.encode("utf-16-le")  # entity offsets count UTF-16 code units, two bytes each
    for entity in sorted(marked, key=lambda e: e.offset, reverse=True):  # the last first: offsets before it hold
        start, end = 2 * entity.offset, 2 * (entity.offset + entity.length)
        words = units[start:end].decode("utf-16-le", "replace")
        if entity.type == MessageEntityType.TEXT_LINK:
            written = words if words.strip() == entity.url else f"{words} ({entity.url})"
        else:
            before, after = units[:start].decode("utf-16-le", "replace"), units[end:].decode("utf-16-le", "replace")
            written = _code(words, block=entity.type == MessageEntityType.PRE, before=before, after=after)
        units = units[:start] + written.encode("utf-16-le") + units[end:]
    return units.decode("utf-16-le", "replace")


_CODE = frozenset({MessageEntityType.PRE, MessageEntityType.CODE})


def _code(words: str, *, block: bool, before: str, after: str) -> str:
    """Code as the command's text holds it: its `|` escaped; a block between fences on lines of their own
    (longer than any run of backticks in it)."""
    code = words.replace(SEPARATOR, ESCAPED_SEPARATOR)
    if not block:
        return code
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", code)), default=0))
    opening = "" if not before or before.endswith("\n") else "\n"
    closing = "" if not after or after.startswith("\n") else "\n"
    return f"{opening}{fence}\n{code.strip(chr(10))}\n{fence}{closing}"
