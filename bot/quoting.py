"""A member's words inside the bot's own sentences: on one line, in quotes, unable to pass for the bot's."""

from __future__ import annotations

import unicodedata

# The marks that make text run right to left until the line ends (U+202E): a member's, in a quote,
# would turn round the bot's own words after it on the line.
_DIRECTION = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))


def one_line(words: str) -> str:
    """`words` on one line: control characters (line breaks among them) and direction marks as
    spaces, white space run together, none at either end."""
    kept = "".join(" " if unicodedata.category(ch) == "Cc" or ch in _DIRECTION else ch for ch in words)
    return " ".join(kept.split())


def quoted(words: str) -> str:
    """Someone's words in quotes, on one line, their backticks made apostrophes: the bot marks its own
    ids and commands with backticks (`parking`), which Telegram shows as code, and a member's question
    quoted in `/kb_gaps` had planted "→ chosen `membership-fee` ×9" that read as the bot's own; one
    with line breaks had added lines of its own to the listing ("2. g1a2b3c ×40 “…”")."""
    return "“" + one_line(words).replace("`", "'") + "”"
