"""Files replaced whole: `write_atomic` writes a temporary file beside the target, fsyncs it, renames it over
the name and fsyncs the folder, so that a crash or a power cut leaves the old file or the new one, never half
of one, and a reader has one or the other whole (docs/reliability.md, "What a change's writes promise").
`sync_folder` makes a name made, renamed or removed in a folder outlive a power cut."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

STALE_TEMP_GLOB = ".*.yaml.*.tmp"  # what `write_atomic` names its temporary files in a knowledge folder
NEW_FILE_MODE = 0o644  # a new knowledge file is readable by the bot whoever wrote it


def write_atomic(target: Path, text: str | bytes) -> None:
    """Replace `target` with `text` (bytes as they are, a str in UTF-8): temporary file beside it, fsync, rename,
    fsync the folder (`sync_folder`)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as file:  # closed on any failure, `_keep_mode`'s too (it had been left open)
            _keep_mode(fd, target)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    sync_folder(target.parent)


def _keep_mode(fd: int, target: Path) -> None:
    """Give the new file the old one's permissions (and owner, when root) instead of mkstemp's 0600; a
    link there is replaced as if no file were there, taking nothing from what it points to (another
    user's file, world-writable)."""
    try:
        st = target.lstat()
    except FileNotFoundError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode):
        os.fchmod(fd, NEW_FILE_MODE)
        return
    os.fchmod(fd, stat.S_IMODE(st.st_mode))
    if os.geteuid() == 0:
        with contextlib.suppress(OSError):
            os.fchown(fd, st.st_uid, st.st_gid)


def sync_folder(directory: Path) -> None:
    """fsync `directory` once a file in it was renamed or removed: the change is made by then, so a failure is
    a WARNING (raised, it had told a change made as "Nothing was changed" and taken its history line back)."""
    try:
        _fsync_dir(directory)
    except OSError as exc:
        log.warning(
            "the folder %s could not be synced after a change (%s): made, but a power cut may undo it", directory, exc
        )


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
