"""What `kb export DIR` leaves beside the files it writes: `.qabot-export`, the change the files were
taken at and the names of the files it wrote.

The names let a later export into the same folder (the git flow: export, commit, export again)
remove the knowledge files the database no longer holds, and only those: a file the export did
not write is never deleted. The change lets `kb push DIR` see changes made after the export
(see `PostgresStore.push`). The name does not end in `.yaml`, so the loader never reads it.

An export writes its files one by one, so it first marks the folder unfinished (a marker with no
change, which `read` refuses as it refuses a damaged one) and names the change only once every file
is written: a folder left with files of two moments (a full disk, a kill) is never pushed as if it
were the export's or the earlier one's.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from bot import knowledge
from bot.curation.atomicfiles import write_atomic
from bot.knowledge import NOT_SOURCES
from bot.storage.snapshots import Snapshot
from bot.yamlfiles import FileError, read_bytes

log = logging.getLogger(__name__)

MARKER = ".qabot-export"
MAX_MARKER_BYTES = 16 * 1024 * 1024  # a name per file: far more than any knowledge folder needs
UNFINISHED = "unfinished"  # an unfinished export's marker: no `taken_at`, so an older version's push refuses it too


@dataclass(frozen=True)
class Marker:
    taken_at: int  # the last change (`changes.seq`) the folder's files hold
    files: tuple[str, ...]  # the files the export (or push) left in the folder

    def write(self, folder: Path) -> None:
        """Replace the folder's marker whole (a link or a FIFO there too, never written through)."""
        _write(folder, {"taken_at": self.taken_at, "files": list(self.files)})


class Unreadable(ValueError):
    """A marker that is there but cannot be read, or an unfinished export's: `str(exc)` names it and says why."""


class Stopped(Exception):
    """`kb export` failed on `error` (it names the file): `begun`, once the folder was marked unfinished (a push
    refuses it until an export finishes), else before anything in it was written."""

    def __init__(self, error: OSError, *, begun: bool):
        super().__init__(str(error))
        self.error = error
        self.begun = begun


def read(folder: Path) -> Marker | None:
    """The folder's marker; None when it has none. Unreadable for one that cannot be read, and for an
    unfinished export's (its files may be of two moments: what changed since cannot be told)."""
    parsed = _parsed(folder)
    if parsed is None:
        return None
    taken_at, files = parsed
    if taken_at is None:
        said = "did not finish (some of its files may be older than others)"
        raise Unreadable(f"{folder / MARKER}: an export into {folder} {said}")
    return Marker(taken_at, files)


def _parsed(folder: Path) -> tuple[int | None, tuple[str, ...]] | None:
    """The change and the names the folder's marker holds (change None: an unfinished export's); None
    without one. Unreadable for one that cannot be read.

    Read as the loader reads knowledge files: only a regular file of bounded size, since a FIFO
    (which a repository can hold) would block the command for good, and /dev/zero never ends.
    """
    path = folder / MARKER
    if not os.path.lexists(path):
        return None
    try:
        value = json.loads(read_bytes(path, MAX_MARKER_BYTES))
        if type(value) is not dict:
            raise TypeError("not a JSON object")
        files = value["files"]
        taken_at = None if value.get(UNFINISHED) is True and "taken_at" not in value else value["taken_at"]
        whole = taken_at is None or type(taken_at) is int
        if not whole or type(files) is not list or not all(isinstance(n, str) for n in files):
            raise TypeError("taken_at must be a whole number, files a list of names")
    except FileError as exc:
        raise Unreadable(f"{path}: {exc.message}") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise Unreadable(f"{path}: {exc}") from None
    return taken_at, tuple(files)


def export(snapshot: Snapshot, folder: Path) -> list[str]:
    """Write `snapshot` into `folder` with its marker; remove the files the previous export (or push)
    wrote that the snapshot no longer holds, and return their names. Raises Stopped.

    The folder is marked unfinished first, naming the files the previous export wrote and those this one
    makes anew, so that an export stopped part-way is refused by `kb push` and the next export still
    removes what either wrote (a file of the folder's own that this one would replace is not named)."""
    try:
        previous = _parsed(folder)
    except Unreadable as exc:  # rewritten below; only the files it named are not removed
        log.warning("%s; written anew, and no file the export wrote before is removed", exc)
        previous = None
    before = previous[1] if previous else ()
    written = sorted({**snapshot.files, **snapshot.documents})
    made = [name for name in written if name not in before and not os.path.lexists(folder / name)]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write(folder, {UNFINISHED: True, "files": list(dict.fromkeys([*before, *made]))})
    except OSError as exc:
        raise Stopped(exc, begun=False) from exc
    try:
        snapshot.write(folder)
        named = dict.fromkeys(before)  # each once, in the marker's order
        gone = [name for name in named if name not in written and _ours(folder, name)]
        for name in gone:
            (folder / name).unlink(missing_ok=True)
        Marker(snapshot.seq, tuple(written)).write(folder)
    except OSError as exc:
        raise Stopped(exc, begun=True) from exc
    return gone


def pushed(folder: Path, seq: int) -> None:
    """After `kb push DIR`: the folder holds the database's knowledge as of change `seq`, its files the
    database's own (so that pushing it again, edited, is not refused as an old export)."""
    written = [path.name for path in knowledge.knowledge_files(folder)]
    written += [name for name in sorted(NOT_SOURCES) if (folder / name).is_file()]
    Marker(seq, tuple(sorted(written))).write(folder)


def _ours(folder: Path, name: str) -> bool:
    """Whether `name` (from the marker, which anyone can edit) is a knowledge file right in `folder`:
    a regular file named `*.yaml`, not a folder, nor a link (the export never leaves one)."""
    if name != Path(name).name or not name.endswith(".yaml") or name.startswith(".") or "\0" in name:
        return False
    try:
        return stat.S_ISREG((folder / name).lstat().st_mode)
    except OSError:  # gone already, or unreadable: not the export's to remove
        return False


def _write(folder: Path, content: dict[str, object]) -> None:
    write_atomic(folder / MARKER, json.dumps(content, indent=1) + "\n")
