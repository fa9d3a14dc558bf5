"""A question-answering core for community chats: one best passage, or an honest "I don't know"."""

from bot.answering import Answer, Answerer, Outcome, Suggestion
from bot.knowledge import KnowledgeBase, KnowledgeError, Passage, Source
from bot.service import Asker, Service

__all__ = [
    "Answer",
    "Answerer",
    "Asker",
    "KnowledgeBase",
    "KnowledgeError",
    "Outcome",
    "Passage",
    "Service",
    "Source",
    "Suggestion",
]
