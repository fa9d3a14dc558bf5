"""A question-answering core for community chats: one best passage, or an honest "I don't know".

This is the core's one face: the platform adapters (and the command line in `adapters/`) import
only what is listed here.
"""

from bot import cli, messages
from bot.answering import DEFAULT_KNOWLEDGE, Answer, Answerer, Outcome, Suggestion
from bot.asker import Asker
from bot.config import DEFAULT_SHUTDOWN_TIMEOUT, Config, ConfigError, load_config
from bot.curation import Found, FoundPassage, Reply, Request
from bot.doctor import start_errors
from bot.environment import BadNumber, read_answer_forums, read_number, read_shard_ids
from bot.knowledge import (
    MAX_ID_CHARS,
    MAX_SECTION_CHARS,
    MAX_TEXT_CHARS,
    WEB_ADDRESS,
    KnowledgeBase,
    KnowledgeError,
    Passage,
    Source,
    shown,
)
from bot.recent import Recent
from bot.search import DOMAIN
from bot.service import Service

__all__ = [
    "DEFAULT_KNOWLEDGE",
    "DEFAULT_SHUTDOWN_TIMEOUT",
    "DOMAIN",
    "MAX_ID_CHARS",
    "MAX_SECTION_CHARS",
    "MAX_TEXT_CHARS",
    "WEB_ADDRESS",
    "Answer",
    "Answerer",
    "Asker",
    "BadNumber",
    "Config",
    "ConfigError",
    "Found",
    "FoundPassage",
    "KnowledgeBase",
    "KnowledgeError",
    "Outcome",
    "Passage",
    "Recent",
    "Reply",
    "Request",
    "Service",
    "Source",
    "Suggestion",
    "cli",
    "load_config",
    "messages",
    "read_answer_forums",
    "read_number",
    "read_shard_ids",
    "shown",
    "start_errors",
]
