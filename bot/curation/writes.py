"""Writing a file so that a crash or a full disk never leaves half of it: a temporary file beside it, flushed
and fsynced, renamed over the name, then the folder fsynced (`write_atomic`). The knowledge store's changes,
drafts, exports and `calibrate`'s settings are written so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

STALE_TEMP_GLOB = ".*.yaml.*.tmp"  # what `write_atomic` names its temporary files in the folder
NEW_FILE_MODE = 0o644  # a new knowledge file is readable by the bot whoever wrote it


def write_atomic(target: Path, text: str) -> None:
    """Replace `target` with `text`: temporary file beside it, fsync, rename, fsync the folder (`sync_folder`)."""
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        _keep_mode(fd, target)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
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
