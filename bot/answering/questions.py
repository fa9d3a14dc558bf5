"""The questions one message asks: "where is the venue? and is there wifi?" asks two.

A member often asks two things at once. Ranked as one, the message gets the passage that holds
most of both, or none, since no passage holds all of it. `questions_in` cuts a message where one
question ends ("?"), where a second is joined on ("... and where can I park") and where a line
written as a question begins ("When do we meet" above "How much is the fee", no "?" in chat); the
Answerer answers each part that says enough on its own (see `Answerer.answer`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_QUESTIONS = 3  # parts answered at most: a longer list is a flood, answered as one message
# What ends a question: "?", the full-width "？" (Chinese, Japanese) and the Arabic "؟" (Arabic, Persian, Urdu).
QUESTION_MARKS = ("?", "？", "؟")

# Where a question ends and more follows: after a question mark, with no word right after.
_ENDED = re.compile(rf"(?<=[{''.join(QUESTION_MARKS)}])\s+")
# Where a second question is joined on: "and", "also", "plus" (after a comma or not), then what
# begins a question ("how", "where", "can", "is", ...): "where is the venue and when does it open".
_ASKING = r"how|what|whats|where|when|why|who|which|can|could|do|does|is|are|should|will"
_AUX = r"is|are|was|were|do|does|did|can|could|should|will|would|has|have"
# What a joined question begins with: "what", "who" or "which"; another question word and a verb
# ("when *does* it open", "how *much*", "how *long*"), or a verb and its subject ("can *I* park",
# "is *the* bar open"); not "how women escape" after "the difference between how men and".
_JOINED_ASKING = (
    r"(?:what|who|which)\b|(?:what|where|who|how|when)(?:'s|s)\b"
    rf"|(?:how|where|when|why)\s+(?:{_AUX}|much|many|long|often|far|old|to)\b"
    rf"|(?:{_AUX})\s+(?:i|we|you|they|he|she|it|there|the|a|an|my|our|your)\b"
)
# A word that points back to what an earlier part named ("what is hanawon and how long do they
# stay *there*", "how long was kang in the camp and when did *he* get out"): such a part is not
# asked alone, and answered alone it got another passage. "is there" asks whether there is.
_POINTS_BACK = re.compile(
    r"\b(?:he|she|him|her|his|hers|it|its|they|them|their|theirs|this|that|these|those)\b"
    r"|(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b",
    re.IGNORECASE,
)
_LEADING_JOIN = re.compile(r"^(?:and|also|plus|or|but|so)\b,?\s*(?:also\b,?\s*)?", re.IGNORECASE)
_BEGINS_ASKING = re.compile(rf"(?:{_ASKING})\b", re.IGNORECASE)
# A sentence in a question's word order: a question word and a verb ("Why *was* JavaScript chosen
# instead of Lua.", "How to reset my password.", "Can I use it offline."), written with or without
# its question mark; "What we do for ourselves dies with us." is not one.
INTERROGATIVE = re.compile(
    rf"(?:how|what|why|when|where|who|which)\s+(?:{_AUX})\b|how\s+to\b|(?:{_AUX}|may)\s+(?:i|we|you|my|it)\b",
    re.IGNORECASE,
)
# A join begins only where a run of white space begins (and its runs are taken whole), so that a run
# of a thousand spaces is not tried at each of its spaces, each try going back over the run: that
# took seconds, in cubic time, and held every other thread of the bot meanwhile.
_JOINED = re.compile(
    rf"(?:^|(?<!\s)(?:\s*+,)?\s++)(?:and|also|plus)(?:,?\s++also)?,?\s++(?=(?:{_JOINED_ASKING})\b)", re.IGNORECASE
)
# A line that begins as a joined question does ("How much is the fee", "can I park there"), or that
# ends with a question mark: written as a question of its own, though chat often leaves out the "?".
# Not one that ends with a colon: "What I tried:" introduces the lines under it.
_LINE_ASKING = re.compile(rf"(?:{_JOINED_ASKING})\b", re.IGNORECASE)
# A sentence wrapped over two lines (an email's hard wrap, a phone's Enter) goes on where the line
# above ends with no closing punctuation, and either ends with a word no sentence ends with ("... on
# a" / "rainy Thursday evening?") or the line begins, in lower case, a clause of the sentence ("... for
# the people" / "who joined in March?"); not where the line begins in a question's word order ("...
# to" / "how much is the fee", "... venue" / "when do the doors open").
_CLOSED = (".", "!", ":", ";", "…", *QUESTION_MARKS)
_OPEN_END = re.compile(
    r"\b(?:a|an|the|of|to|in|on|at|for|from|with|by|about|into|onto|and|or|but|my|your|our|their|if|than)\Z",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"(?:who|whom|whose|which|that|what|where|when|while|because|since|so|than|to)\b")
_QUESTION_ORDER = re.compile(
    rf"(?:what|where|who|how|when|why|which)(?:'s|s)?\s+(?:{_AUX}|much|many|long|often|far|old|to)\b"
    rf"|(?:{_AUX}|may)\s+(?:i|we|you|they|he|she|it|there|the|a|an|my|our|your)\b",
    re.IGNORECASE,
)


def questions_in(message: str, says_enough: Callable[[str], bool]) -> list[str]:
    """The questions of `message` when it asks two or more (at most MAX_QUESTIONS), else [].

    A part counts only when it is written as a question and `says_enough` of it alone (the
    Answerer: three words and a term besides question words), and a later part only when it names
    what it asks about rather than pointing back ("... and when did he get out"): "how and why did
    they flee?", "how do I install it? on windows?" and "did an nk diplomat defect? i remember
    something like that" are one question each. A line written as a question is a part of its own;
    a line that is not, or that goes on with the sentence above it, is read with the line before it,
    as if on one line."""
    parts = [p for line in _lines(message) for piece in _ENDED.split(line.strip()) for p in _JOINED.split(piece)]
    asked = [_LEADING_JOIN.sub("", p.strip()) for p in parts if p.strip()]  # "... alarm? and what if ..."
    asked = [p for p in asked if p]
    if len(asked) < 2 or len(asked) > MAX_QUESTIONS:
        return []
    if not all(_asks(part) and says_enough(part) for part in asked):
        return []
    if any(_POINTS_BACK.search(p) for p in asked[1:]):
        return []
    return asked


def _lines(message: str) -> list[str]:
    """The lines of `message`, each line not written as a question (see `_LINE_ASKING`) joined to the
    one before it with a space (the message as the rest of the core reads it, on one line)."""
    lines: list[list[str]] = []
    above = ""
    for line in message.split("\n"):
        if lines and (not _asks_on_its_line(line.strip()) or _goes_on(above, line.strip())):
            lines[-1].append(line)
        else:
            lines.append([line])
        above = line.strip()
    return [" ".join(group) for group in lines]


def _goes_on(above: str, line: str) -> bool:
    """True for a `line` that goes on with the sentence of the line `above` it (see `_OPEN_END`)."""
    if not above or above.endswith(_CLOSED) or _QUESTION_ORDER.match(line):
        return False
    return _OPEN_END.search(above) is not None or _CLAUSE.match(line) is not None


def _asks_on_its_line(line: str) -> bool:
    return not line.endswith(":") and (line.endswith(QUESTION_MARKS) or _LINE_ASKING.match(line) is not None)


def _asks(part: str) -> bool:
    """True for a part written as a question: it ends with "?" or begins as one ("how do I ..."),
    not what follows a question to say more of it ("... ? i remember something like that")."""
    return part.endswith(QUESTION_MARKS) or _BEGINS_ASKING.match(part) is not None
