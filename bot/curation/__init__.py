"""The write path: moderators' changes to the knowledge folder, made safely and recorded.

    commands    the moderation commands as one table every surface uses: a Request in, a Reply out
    found       what `find` found, as data: each passage's id beside its entry in the reply
    moderation  each change (add, edit, remove, alias, publish, undo) end to end, and what moderators read
    moderators  who may change what: the moderators the config names, the command line's name
    edits       the change itself, as a pure function of the files it applies to
    store       the knowledge folder's lock, validation first, its changes written
    storeerrors why the store refuses a change, in sentences a moderator reads
    atomicfiles a file written atomically: temporary file, fsync, rename, the folder fsynced
    checkcopies the scratch copies a change is checked in, and those left by writers gone
    dumping     knowledge as YAML people read: block style, keys in their order
    history     the append-only record of changes, which undo reads
    historytext `kb history`'s text: each recorded change as a moderator reads it
    shutdown    a change in progress finishes before the process stops
    publishing  `kb publish`: a draft of `kb import` made live as one recorded, undoable change
    unanswered  the gaps as moderators work on them: the list, stats, what an alias attaches

The rest of the core uses only what this face exports.
"""

from bot.curation.atomicfiles import STALE_TEMP_GLOB, write_atomic
from bot.curation.commands import COMMANDS, Reply, Request, perform
from bot.curation.found import Found, FoundPassage
from bot.curation.history import FILE_NAME as HISTORY_FILE
from bot.curation.history import History
from bot.curation.moderation import NOT_MODERATOR, Change, Moderation, Refused
from bot.curation.moderators import CLI_PLATFORM, command_line_moderator
from bot.curation.publishing import DRAFT_HEADER, UPDATE_MARK, goes_live, is_update
from bot.curation.shutdown import changes_finish_first
from bot.curation.store import MODERATOR_FILE, OWN_FILES, KnowledgeStore, StoreError, dump
from bot.curation.unanswered import gaps_unusable, looks_like_gap

__all__ = [
    "CLI_PLATFORM",
    "COMMANDS",
    "DRAFT_HEADER",
    "HISTORY_FILE",
    "MODERATOR_FILE",
    "NOT_MODERATOR",
    "OWN_FILES",
    "STALE_TEMP_GLOB",
    "UPDATE_MARK",
    "Change",
    "Found",
    "FoundPassage",
    "History",
    "KnowledgeStore",
    "Moderation",
    "Refused",
    "Reply",
    "Request",
    "StoreError",
    "changes_finish_first",
    "command_line_moderator",
    "dump",
    "gaps_unusable",
    "goes_live",
    "is_update",
    "looks_like_gap",
    "perform",
    "write_atomic",
]
