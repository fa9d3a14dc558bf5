"""Reading a knowledge folder: each source file read and validated, the files put together with unique ids."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot import yamlfiles
from bot.catalogue import noun
from bot.knowledge.folder import folder_files
from bot.knowledge.passages import (
    ID_PATTERN,
    MAX_ID_CHARS,
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    MAX_SECTION_CHARS,
    MAX_TEXT_CHARS,
    KnowledgeBase,
    KnowledgeError,
    Passage,
    Source,
    shows_nothing,
    storable,
)
from bot.yamlfiles import FileError

_SOURCE_KEYS = {"title": True, "publisher": False, "url": False, "date": False}
_PASSAGE_KEYS = {"id": True, "section": True, "text": True, "questions": False}


def load(directory: Path) -> KnowledgeBase:
    """Load and validate every source file in `directory`, or raise KnowledgeError."""
    files = folder_files(directory)
    return assemble(files, [read_file(path) for path in files])


def read_file(path: Path, content: bytes | None = None) -> list[tuple[Passage, int | None]]:
    """The passages of one source file (or of `content`, its bytes already read), each with the
    line it starts on; raises KnowledgeError."""
    return list(_load_file(path, content))


def assemble(files: list[Path], contents: list[list[tuple[Passage, int | None]]]) -> KnowledgeBase:
    """The knowledge base of `files` read one by one (`read_file`); raises on a duplicate id."""
    passages: list[Passage] = []
    seen: dict[str, Path] = {}
    starts: set[int] = set()
    for path, content in zip(files, contents, strict=True):
        starts.add(len(passages))
        for passage, line in content:
            if passage.id in seen:
                raise KnowledgeError(
                    path, f"duplicate id, already used in {seen[passage.id].name}", entry=passage.id, line=line
                )
            seen[passage.id] = path
            passages.append(passage)
    return KnowledgeBase(passages=tuple(passages), files=tuple(files), starts=frozenset(starts))


def _load_file(path: Path, content: bytes | None = None) -> Iterator[tuple[Passage, int | None]]:
    try:
        doc = yamlfiles.read(path, content)
    except FileError as exc:
        raise KnowledgeError(exc.path, exc.message, line=exc.line) from None
    data = doc.data
    if not isinstance(data, dict):
        raise KnowledgeError(path, "expected a mapping with 'source' and 'passages'")
    unknown = sorted(set(map(str, data)) - {"source", "passages"})
    if "turns" in unknown and "passages" not in data:  # `--knowledge tests/transcripts`: said as such
        raise KnowledgeError(
            path,
            "this looks like a transcript (`name`, `turns`), which `replay` takes, not knowledge "
            "(`source`, `passages`): is --knowledge the folder meant?",
        )
    if unknown:
        raise KnowledgeError(path, f"unknown top-level {noun(len(unknown), 'key')}: {', '.join(unknown)}")
    source = _source(path, data.get("source"))
    items = data.get("passages")
    if not isinstance(items, list) or not items:
        raise KnowledgeError(path, "'passages' must be a non-empty list")
    for index, item in enumerate(items):
        line = doc.line_of("passages", index)
        yield _passage(path, item, index, line, source), line


def _source(path: Path, raw: Any) -> Source:
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "'source' must be a mapping with at least a title", entry="source")
    fields = _fields(path, raw, _SOURCE_KEYS, entry="source", line=None)
    return Source(**fields)


def _passage(path: Path, raw: Any, index: int, line: int | None, source: Source) -> Passage:
    return _plain_passage(raw, source) or _checked_passage(path, raw, index, line, source)


def _plain_passage(raw: Any, source: Source) -> Passage | None:
    """The passage when `raw` is plainly valid, as nearly every one is; None when it needs a
    closer look (`_checked_passage`, which says what is wrong). Loading a large knowledge base
    spends seconds here otherwise."""
    if type(raw) is not dict or not raw.keys() <= _PASSAGE_KEYS.keys():
        return None
    pid, section, text, questions = raw.get("id"), raw.get("section"), raw.get("text"), raw.get("questions", [])
    if not (type(pid) is str and type(section) is str and type(text) is str and type(questions) is list):
        return None
    if len(questions) > MAX_QUESTIONS:
        return None
    if not (len(pid) <= MAX_ID_CHARS and len(section) <= MAX_SECTION_CHARS and len(text) <= MAX_TEXT_CHARS):
        return None
    if not all(type(q) is str and len(q) <= MAX_QUESTION_CHARS for q in questions) or not ID_PATTERN.match(pid):
        return None
    if not (storable(section) and storable(text) and all(storable(q) for q in questions)):
        return None
    section, text, asked = section.strip(), text.strip(), tuple(q.strip() for q in questions)
    if not (section and text and all(asked)) or shows_nothing(text) or shows_nothing(section):
        return None
    return Passage(id=pid, section=section, text=text, source=source, questions=asked)


def _checked_passage(path: Path, raw: Any, index: int, line: int | None, source: Source) -> Passage:
    entry = f"passage {index + 1}"
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "a passage must be a mapping with id, section and text", entry=entry, line=line)
    if isinstance(raw.get("id"), str):
        entry = raw["id"][:MAX_ID_CHARS]
    questions = raw.get("questions", [])
    fields = _fields(path, {k: v for k, v in raw.items() if k != "questions"}, _PASSAGE_KEYS, entry=entry, line=line)
    if not ID_PATTERN.match(fields["id"]) or len(fields["id"]) > MAX_ID_CHARS:
        raise KnowledgeError(
            path,
            f"id {yamlfiles.shown(fields['id'])} must be lowercase letters, digits and single hyphens, "
            f"at most {MAX_ID_CHARS} characters",
            entry=entry,
            line=line,
        )
    _check_length(path, "text", fields["text"], MAX_TEXT_CHARS, entry, line)
    _check_length(path, "section", fields["section"], MAX_SECTION_CHARS, entry, line)
    if questions is None:
        questions = []
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        raise KnowledgeError(path, "'questions' must be a list of non-empty strings", entry=entry, line=line)
    if not all(storable(q) for q in questions):
        raise KnowledgeError(path, f"a question {_UNSTORED}", entry=entry, line=line)
    if len(questions) > MAX_QUESTIONS:
        raise KnowledgeError(
            path, f"{len(questions)} questions, more than the limit of {MAX_QUESTIONS}", entry=entry, line=line
        )
    for question in questions:
        _check_length(path, "question", question, MAX_QUESTION_CHARS, entry, line)
    return Passage(
        id=fields["id"],
        section=fields["section"].strip(),
        text=fields["text"].strip(),
        source=source,
        questions=tuple(q.strip() for q in questions),
    )


def _fields(path: Path, raw: dict[Any, Any], keys: dict[str, bool], *, entry: str, line: int | None) -> dict[str, Any]:
    unknown = sorted(str(k) for k in raw if k not in keys)
    if unknown:
        raise KnowledgeError(
            path, f"unknown {noun(len(unknown), 'key')} {', '.join(unknown)} (allowed: {', '.join(keys)})",
            entry=entry, line=line,
        )  # fmt: skip
    fields: dict[str, Any] = {}
    for key, required in keys.items():
        value = raw.get(key)
        if value is None:
            if required:
                raise KnowledgeError(path, f"missing required field '{key}'", entry=entry, line=line)
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in {"text", "section"}:
            value = str(value)
        if isinstance(value, datetime.date):  # `date: 2024-05-01` unquoted is YAML's own date, not text
            raise KnowledgeError(
                path, f"'{key}' must be text: quote it (\"{value.isoformat()}\")", entry=entry, line=line
            )
        if not isinstance(value, str):
            raise KnowledgeError(path, f"'{key}' must be text", entry=entry, line=line)
        if not value.strip():
            raise KnowledgeError(path, f"'{key}' is empty", entry=entry, line=line)
        if shows_nothing(value):
            raise KnowledgeError(
                path, f"'{key}' is empty: it holds only characters that print as nothing", entry=entry, line=line
            )
        if not storable(value):
            raise KnowledgeError(path, f"'{key}' {_UNSTORED}", entry=entry, line=line)
        fields[key] = value
    return fields


_UNSTORED = "holds a character that cannot be stored (NUL, \\0, or a lone surrogate such as \\ud800): remove it"


def _check_length(path: Path, name: str, value: str, limit: int, entry: str, line: int | None) -> None:
    if len(value) > limit:
        raise KnowledgeError(
            path, f"{name} is {len(value)} characters, more than the limit of {limit}", entry=entry, line=line
        )
