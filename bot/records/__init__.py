"""What people asked and thought of the answers: the record moderators learn from.

    gaps        unanswered questions grouped into gaps, outcomes per day and votes, in SQLite
    connection  the SQLite connection gaps holds: opened writable, its tables made and brought up to date, or read
    lists       each moderator's last gaps list, kept beside the gaps for every instance
    sql         the record's SQL and the rules of its rows, for SQLite and PostgreSQL alike
    grouping    questions grouped into gaps, and the gap a moderator's reference names
    stats       `kb stats`' figures, read alike from either database
    feedback    a 👍 / 👎 on an answer, and the pseudonym a user is stored under
    recorder    writing to the record without ever holding up an answer
    openings    the answers each member opened from a link today, in memory: counted once

The rest of the core uses only what this face exports.
"""

from bot.records.gaps import FILE_NAME as GAPS_FILE
from bot.records.gaps import Gap, GapStore, term_key
from bot.records.grouping import gap_number
from bot.records.lists import KEPT as LIST_KEPT
from bot.records.lists import MAX_LISTS
from bot.records.recorder import Recorder

__all__ = ["GAPS_FILE", "LIST_KEPT", "MAX_LISTS", "Gap", "GapStore", "Recorder", "gap_number", "term_key"]
