"""The notice a change sends every instance when it commits: its channel, what it says, and reading one.

A notice names its schema and the change's sequence number, as JSON. Every schema of the database notifies on
the one channel, which the instances of the version before this one listen on (they notified the bare number
and never read a payload: any notice on CHANNEL wakes them, so they wake on this one as on theirs), and a
follower passes over another schema's notices (`bot.storage.replica`).
"""

from __future__ import annotations

import json

CHANNEL = "qabot_changes"
# (CHANNEL, the change's sequence number), sent in the change's own transaction (`PostgresStore.append`).
NOTIFY = "SELECT pg_notify(%s, json_build_object('schema', current_schema(), 'seq', %s::bigint)::text)"


def notice_schema(payload: str) -> str | None:
    """The schema a notice on CHANNEL names, or None when it names none: a bare sequence number, from an
    instance of the version before this one, or an operator's NOTIFY by hand (either may be of any schema)."""
    try:
        notice = json.loads(payload)
    except ValueError:
        return None
    named = notice.get("schema") if isinstance(notice, dict) else None
    return named if isinstance(named, str) else None
