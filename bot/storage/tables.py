"""The knowledge's tables in PostgreSQL, row by row: the sources and their passages read as the knowledge
files they make and written back, synonyms.yaml and settings.yaml (`documents`), and the change records.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from bot.curation.history import Record
from bot.storage.database import Connection

RECORD_COLUMNS = (
    "id, at, platform, user_id, name, chat_id, kind, passage_id, file, position, before, after, undoes, source"
)

Files = dict[str, Any]


def read_files(conn: Connection) -> tuple[Files, dict[str, int]]:
    files: Files = {str(name): {"source": source, "passages": []} for name, source in conn.execute(
        "SELECT name, source FROM sources ORDER BY name")}  # fmt: skip
    versions: dict[str, int] = {}
    rows = conn.execute(
        "SELECT source, id, section, text, questions, version FROM passages ORDER BY source, position"
    ).fetchall()
    for source, pid, section, text, questions, version in rows:
        item: dict[str, Any] = {"id": pid, "section": section, "text": text}
        if questions:
            item["questions"] = list(questions)
        files[str(source)]["passages"].append(item)
        versions[str(pid)] = int(version)
    return files, versions


def write_file(conn: Connection, name: str, data: Any, before: list[dict[str, Any]]) -> None:
    if data is None:
        conn.execute("DELETE FROM sources WHERE name = %s", (name,))
        return
    conn.execute(
        "INSERT INTO sources (name, source) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET source = EXCLUDED.source",
        (name, Jsonb(data.get("source") or {})),
    )
    items = passages_of(data)
    conn.execute("DELETE FROM passages WHERE source = %s AND NOT (id = ANY(%s))", (name, [str(i["id"]) for i in items]))
    old = {str(item["id"]): (position, item) for position, item in enumerate(before)}
    rows = [
        (str(item["id"]), name, position, item["section"], item["text"], Jsonb(list(item.get("questions") or [])))
        for position, item in enumerate(items)
        if old.get(str(item["id"])) != (position, item)
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO passages (id, source, position, section, text, questions) VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET source = EXCLUDED.source, position = EXCLUDED.position,"
            " section = EXCLUDED.section, text = EXCLUDED.text, questions = EXCLUDED.questions",
            rows,
        )


def passages_of(data: Any) -> list[dict[str, Any]]:
    return list((data or {}).get("passages") or [])


def read_documents(conn: Connection) -> dict[str, Any]:
    """synonyms.yaml and settings.yaml as the database holds them. An empty file, which a version before
    this one stored as JSON null, is an empty mapping, as `folder_documents` reads it (and both loaders
    alike): else that file exported and pushed back unchanged was recorded as a change."""
    rows = conn.execute("SELECT name, data FROM documents ORDER BY name")
    return {str(name): {} if data is None else data for name, data in rows}


def write_document(conn: Connection, name: str, data: Any) -> None:
    """Replace synonyms.yaml or settings.yaml (None: there is none)."""
    if data is None:
        conn.execute("DELETE FROM documents WHERE name = %s", (name,))
        return
    conn.execute(
        "INSERT INTO documents (name, data) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data",
        (name, Jsonb(data)),
    )


def last_seq(conn: Connection) -> int:
    row = conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()
    return int(row[0]) if row else 0


def row_of(r: Record) -> tuple[Any, ...]:
    before = None if r.before is None else Jsonb(r.before)
    after = None if r.after is None else Jsonb(r.after)
    source = None if r.source is None else Jsonb(r.source)
    return (r.id, r.at, r.platform, r.user_id, r.name, r.chat_id, r.kind, r.passage_id, r.file, r.index, before,
            after, r.undoes, source)  # fmt: skip


def record_of(row: Any) -> Record:
    (id_, at, platform, user_id, name, chat_id, kind, passage_id, file, index, before, after, undoes, source) = row
    return Record(id=id_, at=at, platform=platform, user_id=user_id, name=name, chat_id=chat_id, kind=kind,
                  passage_id=passage_id, file=file, index=index, before=before, after=after, undoes=undoes,
                  source=source)  # fmt: skip
