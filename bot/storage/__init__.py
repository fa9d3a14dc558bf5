"""Where the knowledge and its history are kept: files (the default) or PostgreSQL.

    protocol    what the write path needs from a backend (KnowledgeStorage, ChangeLog)
    migrations  the schema as versioned plain-SQL files, applied in order
    database    the pool and the schema's state          (needs the `postgres` extra)
    postgres    the knowledge and history in PostgreSQL  (needs the `postgres` extra)
    notices     the notice a change sends every instance when it commits, and reading one
    snapshots   the whole knowledge at one moment, and the changes after one, each read in one transaction
    pushes      what a push (or a seed) of a folder records and writes, and why one is refused
    tables      its tables row by row: sources and passages as knowledge files, documents, change records
    folders     a knowledge folder as the database takes it: parsed, checked, written out, pushed as changes
    exports     what `kb export` leaves in its folder: the change it was taken at, the files it wrote
    scratch     each process's folder under TMPDIR the knowledge is loaded from; those of dead ones go
    replica     this instance's in-memory copy, kept up to date by LISTEN/NOTIFY
    records     gaps and votes in PostgreSQL, written by a thread (answers never wait)
    budgets     the cooldown budgets shared by every instance
    backend     all of the above as the Service holds it
    opening     the database a config names, opened, and its knowledge loaded (for the Service and commands)
    commands    `db init | migrate | status`, `kb export`, `kb push`, doctor's database check
    report      what `db init` prints: a line the output refuses does not stop the seed

Only `protocol` is imported by the rest of the core unconditionally: without a database setting
nothing here touches psycopg.
"""

from bot.storage.protocol import ChangeLog, GapRecords, KnowledgeStorage

__all__ = ["ChangeLog", "GapRecords", "KnowledgeStorage"]
