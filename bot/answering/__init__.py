"""Answering a message: a question in, one frozen Answer out.

    answerer   the Answerer: the best passage when confident, else an honest fallback
    answers    the Answer it returns: a passage, or the closest topics, and their wording
    topics     the topics the bot offers: the frame left out, the help's list, a topic's label
    questions  the questions one message asks: "how much is a ticket? is there wifi?" asks two
    chat       chat that is no question: greetings, thanks, help, laughs, reactions, sign-offs
    confidence when a match is good enough to answer: a linear rule on signals of the match
    tuning     a knowledge folder's own settings.yaml: its ranking and its confidence rule

The rest of the core uses only what this face exports.
"""

from bot.answering import tuning
from bot.answering.answerer import DEFAULT_KNOWLEDGE, QUOTED_CHARS, Answerer, cut
from bot.answering.answers import Answer, Outcome, Suggestion
from bot.answering.confidence import Confidence, signals
from bot.answering.questions import INTERROGATIVE, MAX_QUESTIONS

__all__ = [
    "DEFAULT_KNOWLEDGE",
    "INTERROGATIVE",
    "MAX_QUESTIONS",
    "QUOTED_CHARS",
    "Answer",
    "Answerer",
    "Confidence",
    "Outcome",
    "Suggestion",
    "cut",
    "signals",
    "tuning",
]
