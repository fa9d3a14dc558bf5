"""Chat that is not a question: greetings, thanks, help, laughs and presence, and a greeting
before a question. The Answerer replies to these with a note, never a passage.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W\d_]+")  # the words of a message, for telling chat from questions

SMALL_TALK_WORDS = frozenset(
    """hi hello hey heya hiya yo howdy greetings good morning afternoon evening day night
    thanks thank you thx ty cheers much so very lot a great appreciated
    help what can do who are you know bot please there how is it going ok okay cool nice
    everyone everybody all yall guys folks friends team people gm sup whats s up welcome
    안녕 안녕하세요 안녕하십니까 반가워요 반갑습니다 감사합니다 고맙습니다
    감사해요 고마워요 고마워 도움말 도와주세요""".split()
)
THANKS_WORDS = frozenset(
    "thanks thank thx ty cheers appreciated 감사합니다 고맙습니다 감사해요 고마워요 고마워".split()
)
GREETINGS = frozenset("hi hello hey heya hiya yo howdy greetings good gm morning evening 안녕 안녕하세요".split())
ASKING_WORDS = frozenset("help what can do who how know".split())
# What a thanks says besides thanks ("thanks, that worked", "ty, got it, makes sense now").
THANKED_WORDS = frozenset(
    "that this it worked works perfect awesome amazing brilliant got makes sense solved fixed helped helps useful now"
    " finally man mate dude again".split()
)
# Chat that asks nothing and greets no one: a laugh, "gn", "anyone here?". The whole help, twelve
# topics, was a lot to post in a group for a "lol".
BANTER_WORDS = frozenset(
    "lol lmao haha hahaha hehe xd rofl gn nite night anyone anybody someone here around alive awake".split()
)


def is_thanks(question: str) -> bool:
    """True for small talk that thanks and asks nothing ("thanks!", "thank you so much", "thanks,
    that worked!!": a member's thanks after an answer got "I don't know that one" and topics)."""
    found = WORD.findall(question.casefold())
    words = set(found)
    return (
        bool(words & THANKS_WORDS)
        and not words & ASKING_WORDS
        and "?" not in question  # "Thanks, is it fixed now?" asks
        and all(w in SMALL_TALK_WORDS or w in THANKED_WORDS for w in found)
    )


# A greeting before the question: "good morning! why do ...", "hi all, how do I ...".
_GREETING_FIRST = re.compile(r"^\s*(?P<greeting>[^.!?,:;\n]{1,40})[.!?,:;\n]+\s*(?=\S)")


def without_greeting(question: str) -> str:
    """`question` without the greeting it begins with: "good morning! why do North Koreans flee?"
    was declined, "morning" weighing as a word no passage holds."""
    found = _GREETING_FIRST.match(question)
    if found is None or not is_small_talk(found.group("greeting")):
        return question
    return question[found.end() :]


def is_banter(question: str) -> bool:
    """True for chat of laughs and presence alone ("lol", "haha ok", "anyone here?", "gn guys")."""
    found = WORD.findall(question.casefold())
    return (
        bool(found)
        and bool(set(found) & BANTER_WORDS)
        and len(found) <= 6
        and all(w in BANTER_WORDS or w in SMALL_TALK_WORDS for w in found)
        and not set(found) & (GREETINGS | ASKING_WORDS | {"help"})
    )


def is_small_talk(question: str) -> bool:
    """True for a greeting, thanks, a request for help or banter, and nothing else."""
    found = WORD.findall(question.casefold())
    return bool(found) and len(found) <= 6 and all(w in SMALL_TALK_WORDS or w in BANTER_WORDS for w in found)


def is_greeting(question: str) -> bool:
    """True for a message that begins with a greeting and asks nothing: no "?", no asking word, at
    most eight words ("good morning from berlin 👋", "hi all, new here"); whether its other words
    name a topic is the Answerer's to say."""
    found = WORD.findall(question.casefold())
    return (
        bool(found)
        and found[0] in GREETINGS
        and len(found) <= 8
        and "?" not in question
        and not set(found) & ASKING_WORDS
    )
