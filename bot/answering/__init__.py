"""Answering a message: a question in, one frozen Answer out.

    answerer   the Answerer: the best passage when confident, else an honest fallback

The rest of the core uses only what this face exports.
"""

from bot.answering.answerer import DEFAULT_KNOWLEDGE, QUOTED_CHARS, Answerer, cut

__all__ = [
    "DEFAULT_KNOWLEDGE",
    "QUOTED_CHARS",
    "Answerer",
    "cut",
]
