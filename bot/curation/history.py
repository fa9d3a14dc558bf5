"""The record of every change to the knowledge base: an append-only JSON-lines file.

One line per change: who (platform, name, user id), when, from where (chat id), the kind, the
passage, the file, and the passage before and after (None where it did not exist). A change and
its line commit together or not at all: under the knowledge store's lock the line is appended
and flushed to disk (fsync) first, then the files are written, and if they cannot be the line
is taken back (`take_back`). A write the disk refuses (full: ENOSPC) leaves the file as it was.
Knowledge folders side by side share the file, each under a lock of its own: appending and taking
back hold `flock` on the file itself, and a line is taken back by its record's id, never by cutting
the file at an offset (which took another folder's line appended meanwhile with it).
A last line cut short (a crash, a disk that filled up mid-line) is cut off at the next append,
so the next record is never glued to it; when reading, unreadable lines are skipped with a WARNING
naming the file and line: not UTF-8, not JSON, or not a record (a field missing or of the wrong
type). A key this version does not know (one a newer version wrote) is left out, not the record.
How `kb history` shows the records is `bot.curation.historytext`'s.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import logging
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from bot import datafiles
from bot.curation.atomicfiles import sync_folder

log = logging.getLogger(__name__)

FILE_NAME = "history.jsonl"
# Size at which the history file is set aside and a new one begun (some 30,000 changes).
ROTATE_AT = 16 * 1024 * 1024


@dataclass(frozen=True)
class Record:
    """One change, as written to the history file."""

    id: str
    at: str  # ISO 8601, UTC
    platform: str
    user_id: str
    name: str
    chat_id: str
    # add | edit | remove | alias | publish (a whole file: passage_id is its name) | undo | seed | source | push
    kind: str
    passage_id: str
    file: str
    index: int  # the passage's position in its file (to put a removed passage back)
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    undoes: str | None = None  # for an undo: the id of the record it reverted
    folder: str | None = None  # the knowledge folder changed, resolved (None: written before it was kept)
    # The source of the file the change deleted (a moderator's removal of its last passage, or a push
    # that dropped the file), for undo to put it back as it was: a community's own title and
    # publisher (None: no file deleted, or written before this was kept).
    source: dict[str, Any] | None = None

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex[:10]

    @staticmethod
    def now() -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")


class History:
    """The history file of one data folder, as one knowledge folder sees it.

    Two knowledge folders side by side (a live one and a staging copy) share the `data/` folder
    beside them, so each record names the knowledge folder it changed (`knowledge`), and `records`
    and `last_undoable` read only that folder's: `kb undo` in one undid the other's publish.
    Records written before they named one are every folder's."""

    def __init__(self, folder: Path, *, knowledge: Path | None = None, rotate_at: int = ROTATE_AT):
        self.path = Path(folder) / FILE_NAME
        resolved = os.fsencode(Path(knowledge).resolve()) if knowledge is not None else None
        # a path not in UTF-8 written out (`/srv/caf\xe9-club`), as a JSON line in UTF-8 can hold it (append crashed)
        self.knowledge = resolved.decode("utf-8", "backslashreplace") if resolved is not None else None
        self.rotate_at = rotate_at
        self._marks = itertools.count(1)
        self._appended: dict[int, str] = {}  # mark -> the id of the record appended (the latest few)

    def _ours(self, records: list[Record]) -> list[Record]:
        if self.knowledge is None:
            return records
        return [r for r in records if r.folder is None or r.folder == self.knowledge]

    @contextlib.contextmanager
    def _locked(self, mode: Literal["a+b", "r+b"] = "a+b") -> Iterator[BinaryIO]:
        """The history file open in `mode`, held with `flock` against every other writer: another knowledge
        folder's (each has a lock of its own) and another process's. The file locked is the one at `path`:
        one set aside meanwhile (`_rotate`) is let go, and the new one locked."""
        while True:
            file = self.path.open(mode)
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX)
                with contextlib.suppress(FileNotFoundError):
                    if os.fstat(file.fileno()).st_ino == self.path.stat().st_ino:
                        break
            except BaseException:
                file.close()
                raise
            file.close()  # closing lets the flock go
        try:
            yield file
        finally:
            file.close()

    def _rotate(self, size: int) -> bool:
        """Past `rotate_at` bytes (`size`), the file is kept as `history-<time>.jsonl` and a new one begun:
        `kb history` and `undo` read the current file only, so neither grows without end."""
        if size >= self.rotate_at:
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
            number = 0
            while (archive := self.path.with_name(f"{self.path.stem}-{stamp}-{number:03d}{self.path.suffix}")).exists():
                number += 1  # several in one second: never replace an archive
            os.replace(self.path, archive)
            log.info("history rotated: %s kept as %s", self.path.name, archive.name)
            return True
        return False

    def append(self, record: Record) -> int:
        """Add one record and force it to disk; returns a mark for `take_back`.

        A torn last line is cut off first. Raises OSError when the disk refuses, having cut off
        what it wrote, so that the file is as it was.
        """
        self._make()
        if record.folder is None and self.knowledge is not None:
            record = replace(record, folder=self.knowledge)
        line = (json.dumps(asdict(record), ensure_ascii=False) + "\n").encode("utf-8")
        with self._locked() as file:
            if self._rotate(file.seek(0, os.SEEK_END)):
                return self.append(record)  # into the new file, locked afresh
            end = self._whole_lines(file)
            try:
                file.write(line)
                file.flush()
                os.fsync(file.fileno())
            except OSError:
                with contextlib.suppress(OSError):  # if even this fails, the next append cuts it
                    file.truncate(end)
                raise
        mark = next(self._marks)
        self._appended[mark] = record.id
        self._appended.pop(mark - KEPT_MARKS, None)  # a change takes back its own line at once, if at all
        return mark

    def take_back(self, mark: int) -> None:
        """Remove the record appended as `mark` (a change whose files could not be written), and no other:
        found by its id, it is cut off when it is the last line, else blanked where it is (a line of spaces,
        which readers skip), so that the lines around it, another folder's among them, stay as they are."""
        record_id = self._appended.pop(mark, None)
        if record_id is None:
            return
        try:
            with self._locked("r+b") as file:
                data = file.read()
                start = _line_of(data, record_id)
                if start is None:  # set aside with the older history meanwhile, which kb history and undo do not read
                    log.warning("%s: the record %s to take back is no longer in it", self.path.name, record_id)
                    return
                end = data.find(b"\n", start)
                if end < 0 or end + 1 == len(data):
                    file.truncate(start)
                else:
                    file.seek(start)
                    file.write(b" " * (end - start))
                    file.flush()
                os.fsync(file.fileno())
        except FileNotFoundError:
            log.warning("%s: gone, with the record %s to take back", self.path.name, record_id)

    def _whole_lines(self, file: BinaryIO) -> int:
        """The length of the file's complete lines, cutting off a torn last line if there is one."""
        size = file.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        start = max(0, size - 65536)
        while True:  # find the last newline, reading back in blocks
            file.seek(start)
            block = file.read(size - start)
            cut = block.rfind(b"\n")
            if cut >= 0 or start == 0:
                break
            start = max(0, start - 65536)
        keep = start + cut + 1 if cut >= 0 else 0
        if keep < size:
            log.warning("%s: cutting off a torn last line (%d bytes) before appending", self.path.name, size - keep)
            file.truncate(keep)
            os.fsync(file.fileno())
        return keep

    def _make(self) -> None:
        """The file made if missing, 0600 (its folder 0700): it quotes members' questions. A new name (the first
        file, or the one after `_rotate` set the old aside) is synced into its folder (and a new folder into its
        parent) before a line is trusted to it: a power cut could otherwise lose the file, line and all."""
        folder = self.path.parent
        had_folder = folder.is_dir()
        if datafiles.make_file(self.path):
            sync_folder(folder)
            if not had_folder:
                sync_folder(folder.parent)

    def check_writable(self) -> None:
        """Raise OSError now if the history file cannot be appended to (before changing anything)."""
        self._make()
        with self.path.open("a", encoding="utf-8"):
            pass

    def records(self) -> list[Record]:
        """Every readable record of this knowledge folder, oldest first; raises OSError when the
        file cannot be read (a folder of that name, a data folder that is a file)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        return self._ours(self._parse(data, first_line=1))

    def _parse(self, data: bytes, *, first_line: int | None) -> list[Record]:
        records = []
        # Split the bytes on "\n" only, then decode each line: one line of broken UTF-8 is one line
        # skipped, not the whole file; and str.splitlines() also breaks at U+2028, U+0085 and friends,
        # which json.dumps leaves unescaped inside a passage's text, and that lost whole records.
        for number, line in enumerate(data.split(b"\n"), start=first_line or 1):
            if not line.strip():
                continue
            record = _read_record(line)
            if record is None:
                where = f"{self.path}:{number}" if first_line else f"{self.path} (near its end)"
                log.warning("%s: skipping an unreadable history line", where)
            else:
                records.append(record)
        return records

    def last_undoable(self) -> Record | None:
        """The latest change that is not an undo and has not been undone.

        Read from the end, in a window that doubles until it holds the answer (or the whole
        file): an undo costs the tail of the history, not all of it.
        """
        try:
            with self.path.open("rb") as file:
                size = file.seek(0, os.SEEK_END)
                window = TAIL_WINDOW
                while True:
                    start = max(0, size - window)
                    file.seek(start)
                    data = file.read(size - start)
                    if start > 0:  # the window's first line is cut: it starts after the first newline
                        data = data[data.find(b"\n") + 1 :] if b"\n" in data else b""
                    found = _last_undoable(self._ours(self._parse(data, first_line=None)))
                    if found is not None or start == 0:
                        return found
                    window *= 2
        except FileNotFoundError:
            return None


KEPT_MARKS = 64  # the latest marks of appended records that `take_back` still knows


def _line_of(data: bytes, record_id: str) -> int | None:
    """Where the line of the record `record_id` starts in `data`, the last one if several, or None."""
    wanted = json.dumps(record_id).encode("utf-8")
    found = data.rfind(wanted)
    while found >= 0:
        start, end = data.rfind(b"\n", 0, found) + 1, data.find(b"\n", found)  # -1 + 1: the first line
        record = _read_record(data[start : end if end >= 0 else len(data)])
        if record is not None and record.id == record_id:
            return start
        found = data.rfind(wanted, 0, start)
    return None


_TEXTS = ("id", "at", "platform", "user_id", "name", "chat_id", "kind", "passage_id", "file")
_FIELDS = frozenset(field.name for field in fields(Record))
_REQUIRED = frozenset((*_TEXTS, "index", "before", "after"))


def _read_record(line: bytes) -> Record | None:
    """The record one line holds, or None when it holds none: not UTF-8, not JSON, or a field missing or
    of a type `kb history` (`bot.curation.historytext`) and `undo` cannot use ("before": "oops", "index": "notint").
    Keys this version does not know are left out: a newer version's record is still undone."""
    try:
        value = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(value, dict) or not value.keys() >= _REQUIRED:
        return None
    if not all(isinstance(value[key], str) for key in _TEXTS):
        return None
    if type(value["index"]) is not int or not all(_optional_text(value.get(k)) for k in ("undoes", "folder")):
        return None
    if not (_passage_or_file(value["before"]) and _passage_or_file(value["after"])):
        return None
    if not isinstance(value.get("source"), dict | None):
        return None
    return Record(**{key: item for key, item in value.items() if key in _FIELDS})


def _optional_text(value: object) -> bool:
    return value is None or isinstance(value, str)


def _passage_or_file(value: object) -> bool:
    """Whether a record's `before` or `after` is None, a passage (its id, section and text strings,
    its questions a list of strings) or a whole file (its passages a list, its source a mapping)."""
    if value is None:
        return True
    if not isinstance(value, dict):
        return False
    if "passages" in value:
        return isinstance(value["passages"], list | None) and isinstance(value.get("source"), dict | None)
    questions = value.get("questions")
    return all(isinstance(value.get(key, ""), str) for key in ("id", "section", "text")) and (
        questions is None or (isinstance(questions, list) and all(isinstance(q, str) for q in questions))
    )


SEED = "seed"  # a database's first knowledge (`db init --seed`): in the history, never undone
# A source's own fields (title, publisher, ...) changed by `kb push`: in the history, so that every
# instance reloads; never undone (a push of the old ones puts them back). passage_id is the file.
SOURCE = "source"
# synonyms.yaml or settings.yaml replaced by `kb push` (passage_id and file are its name); before and
# after hold the file's data as {DOCUMENT: data}, None where there was no such file. Recorded so that
# `kb history` shows it, a push of an older export is refused, and `kb undo` puts the old file back.
PUSH = "push"
DOCUMENT = "document"
UNDONE_NEVER = ("undo", SEED, SOURCE)
TAIL_WINDOW = 64 * 1024  # bytes of history an undo reads first


def _last_undoable(records: list[Record]) -> Record | None:
    undone = {r.undoes for r in records if r.kind == "undo"}
    for record in reversed(records):
        if record.kind not in UNDONE_NEVER and record.id not in undone:
            return record
    return None
