"""The write path: moderators' changes to the knowledge folder, made safely and recorded.

    commands    the moderation commands as one table every surface uses: a Request in, a Reply out
    moderation  each change (add, edit, remove, alias, publish, undo) end to end, and what moderators read
    moderators  who may change what: the moderators the config names, the command line's name
    edits       the change itself, as a pure function of the files it applies to
    store       the knowledge folder's lock, validation and atomic writes
    history     the append-only record of changes, which undo reads
    shutdown    a change in progress finishes before the process stops
    unanswered  the gaps as moderators work on them: the list, stats, what an alias attaches

The rest of the core uses only what this face exports.
"""

from bot.curation.commands import COMMANDS, Reply, Request, perform
from bot.curation.history import FILE_NAME as HISTORY_FILE
from bot.curation.history import History
from bot.curation.moderation import NOT_MODERATOR, Change, Moderation, Refused
from bot.curation.moderators import CLI_PLATFORM, command_line_moderator
from bot.curation.shutdown import changes_finish_first
from bot.curation.store import MODERATOR_FILE, STALE_TEMP_GLOB, KnowledgeStore, StoreError, write_atomic
from bot.curation.unanswered import gaps_unusable, looks_like_gap

__all__ = [
    "CLI_PLATFORM",
    "COMMANDS",
    "HISTORY_FILE",
    "MODERATOR_FILE",
    "NOT_MODERATOR",
    "STALE_TEMP_GLOB",
    "Change",
    "History",
    "KnowledgeStore",
    "Moderation",
    "Refused",
    "Reply",
    "Request",
    "StoreError",
    "changes_finish_first",
    "command_line_moderator",
    "gaps_unusable",
    "looks_like_gap",
    "perform",
    "write_atomic",
]
