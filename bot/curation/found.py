"""What `kb find` found, as data: a heading, then each passage's id beside its entry, best first.

The reply's text is made from it; a platform that adds something of its own to each passage (Telegram:
the link that opens the bot on its answer) takes the ids from here, never from the text, whose entries
quote passages' words (a passage's text may go on, on a line of its own, as another's entry reads).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge import Passage

ENTRY_TEXT_CHARS = 80  # of a passage's text, an entry shows this much (then "…")


@dataclass(frozen=True)
class FoundPassage:
    """One passage found: its id, and its entry as the reply shows it ("`id` Section: text", on more lines
    when its text has them)."""

    passage_id: str
    entry: str


@dataclass(frozen=True)
class Found:
    """The passages `kb find` found for some words, best first, under a heading (none: the heading says so)."""

    heading: str
    passages: tuple[FoundPassage, ...] = ()

    @property
    def text(self) -> str:
        """The reply as plain text: the heading, then each entry."""
        return "\n".join([self.heading, *(p.entry for p in self.passages)])


def found(heading: str, passages: Sequence[Passage]) -> Found:
    """`passages` (best first) under `heading`, each as an entry: its id in backticks, its section, its text cut."""
    entries = []
    for passage in passages:
        text = passage.text if len(passage.text) <= ENTRY_TEXT_CHARS else passage.text[: ENTRY_TEXT_CHARS - 1] + "…"
        entries.append(FoundPassage(passage.id, f"`{passage.id}` {passage.section}: {text}"))
    return Found(heading, tuple(entries))
