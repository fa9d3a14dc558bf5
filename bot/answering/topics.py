"""The topics the bot offers: which sections answer nothing asked (an article's frame), the list
the help gives, and how a topic offered is labelled.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from bot.answering import chat
from bot.answering.questions import QUESTION_MARKS
from bot.knowledge import Passage, shown

LABEL_CHARS = 90  # a topic offered without an alternate question: its section and a sentence, cut
HELP_TOPICS = 12  # topics the help lists; a folder of imported guides has dozens of sections
# Sections every article has that answer nothing a user would ask: left out of the topic list.
FRAME_SECTIONS = frozenset(
    [
        "introduction",
        "conclusion",
        "conclusions",
        "editor s note",
        "editors note",
        "editor note",
        "about this article",
        "foreword",
        "preface",
        "acknowledgements",
        "acknowledgments",
        "references",
        "notes",
    ]
)


def is_frame(section: str) -> bool:
    """True for an article's frame (Introduction, Conclusion, Editor's Note, ...), which answers nothing asked."""
    return " ".join(chat.WORD.findall(section.casefold())) in FRAME_SECTIONS


def topics(sections: list[str]) -> list[str]:
    """The sections worth offering as topics: not an article's frame."""
    return [s for s in sections if not is_frame(s)]


def help_topics(sections: Sequence[Sequence[str]], limit: int = HELP_TOPICS) -> tuple[list[str], int]:
    """The topics the help lists, and how many more there are, from the sections of each source:
    with more than `limit`, the sections worded as questions first (an FAQ's, which a member may
    ask as they are), then the others, each taken from the sources in turn, in the order of the
    knowledge. A folder of a FAQ, a guide and a changelog listed 29, release numbers first and
    "Steps" among them; one of five documents listed six headings of its code of conduct (the
    first file by name) and hid the troubleshooting page's under "…and 30 more"."""
    offered = [topics(list(group)) for group in sections]
    total = sum(len(group) for group in offered)
    if total <= limit:
        return [section for group in offered for section in group], 0
    asked = _in_turn([[s for s in group if s.rstrip().endswith(QUESTION_MARKS)] for group in offered])
    others = _in_turn([[s for s in group if not s.rstrip().endswith(QUESTION_MARKS)] for group in offered])
    return (asked + others)[:limit], total - limit


def _in_turn(groups: list[list[str]]) -> list[str]:
    """The groups' items taken one from each group in turn: [[a, b], [c]] -> [a, c, b]."""
    found = [item for round_ in itertools.zip_longest(*groups) for item in round_ if item is not None]
    return list(dict.fromkeys(found))


def written_as_a_question(text: str) -> bool:
    """Ends with a question mark and does not begin in lower case: "Why do they flee?", "몇 시에
    여나요?", "¿A qué hora?", "3D printing?", not a member's "hours?"."""
    return text.rstrip().endswith(QUESTION_MARKS) and not text.lstrip()[:1].islower()


def topic_of(passage: Passage) -> str:
    """What a topic offered is named by: its section, or its source's title for an article's frame
    ("Introduction" was offered for five documents of one folder, each alike)."""
    return shown(passage.source.title) if is_frame(passage.section) else passage.section


def clipped(text: str, limit: int = LABEL_CHARS) -> str:
    """`text` cut at the last word that ends within `limit` characters, marked with "…"."""
    if len(text) <= limit:
        return text
    cut_at = text.rfind(" ", 0, limit)
    return f"{text[: cut_at if cut_at > limit // 2 else limit].rstrip(' ,;:')}…"
