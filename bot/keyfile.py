"""Secret keys kept in a file beside the data they protect: made 0600 on first use, refused when
another user owns the file or it is readable or writable by anyone else.

A new key is written whole to a temporary file and only then linked into place, so a process
starting at the same moment never reads a key half written: it reads the first one linked. A start
killed between the two leaves its temporary file (`.user-key.XXXXXXXX.tmp`); the next start removes
it once it is a minute old.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import logging
import os
import re
import secrets
import stat
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)
KEY_BYTES = 32
# A start writes its temporary key and links it within moments; one older than this was left by a
# start that was stopped (killed between the two), and no start is still writing it.
LEFTOVER_AGE = 60.0


class KeyFileError(Exception):
    """A key file that cannot be trusted or read; the message names the file and why."""


def load_or_create(path: Path) -> bytes:
    """The key in `path`, made (KEY_BYTES random bytes, mode 0600) if there is none; raises
    KeyFileError or OSError. Temporary key files a stopped start left beside it are removed first."""
    _remove_leftovers(path)
    try:
        key = _read_trusted(path)
    except FileNotFoundError:
        _put_new_key(path, replace=False)
    else:
        if key:
            return _checked(path, key)
        # Only a version before linking left one: killed between creating the file and writing it.
        log.warning("%s is empty (a start was stopped while writing it): a new key replaces it", path)
        _replace_empty(path)
    return read(path)


def _replace_empty(path: Path) -> None:
    """Replace the empty key in `path` with a new one, unless another start has replaced it meanwhile:
    the empty file is locked while it is looked at again, so that of two starts finding it empty the
    second reads the first one's key instead of replacing it too (each would use its own)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held = os.fstat(fd)
        try:
            now = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            _put_new_key(path, replace=False)
            return
        if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino) and held.st_size == 0:
            _put_new_key(path, replace=True)
    finally:
        os.close(fd)  # the lock goes with it


def read(path: Path) -> bytes:
    """The key in `path` as the bot would use it; raises KeyFileError, FileNotFoundError or OSError."""
    return _checked(path, _read_trusted(path))


def _read_trusted(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        check_owned(path, info, folder=False)
        if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
            raise KeyFileError(f"{path} is readable by its group or by others (mode {stat.S_IMODE(info.st_mode):o})")
        return file.read(KEY_BYTES + 1)


class EmptyKey(KeyFileError):
    """A key file of this user, trusted, but empty: a start of a version before linking was stopped
    while writing it. `load_or_create` replaces it."""


def _checked(path: Path, key: bytes) -> bytes:
    if not key:
        raise EmptyKey(f"{path} is empty")
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path} is not a key of {KEY_BYTES} bytes")
    return key


def _put_new_key(path: Path, *, replace: bool) -> None:
    """Write a new key whole (mode 0600, synced) beside `path`, then link it in: a key already there
    (another process's, made meanwhile) is kept unless `replace`."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(KEY_BYTES))
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            with contextlib.suppress(FileExistsError):  # another start linked its key first: that one counts
                os.link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _temporary_name(path: Path) -> re.Pattern[str]:
    """The names `_put_new_key` gives its temporary files: mkstemp's 8 characters between our prefix and suffix."""
    return re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}" + re.escape(".tmp"))


def _remove_leftovers(path: Path) -> None:
    """Remove the temporary key files a start killed between writing one and linking it left beside
    `path` (each 0600, never read again): only files of exactly that name, of this user, no larger than
    a key and older than LEFTOVER_AGE seconds, so that a start writing one right now keeps it."""
    named = _temporary_name(path)
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            info = os.stat(leftover, follow_symlinks=False)
            if not (named.fullmatch(leftover.name) and stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()):
                continue
            if info.st_size > KEY_BYTES or time.time() - info.st_mtime < LEFTOVER_AGE:
                continue
            leftover.unlink()
        except FileNotFoundError:  # another start removed it first
            continue
        except OSError as exc:  # harmless: it is never read as a key
            log.warning("cannot remove %s, left by a start that was stopped: %s", leftover, exc.strerror)
        else:
            log.warning("removed %s, a temporary key file left by a start that was stopped", leftover)


def check_owned(path: Path, info: os.stat_result, *, folder: bool) -> None:
    """Raise KeyFileError unless `info` is a folder (or a regular file) of this user that no one else may write."""
    kind = stat.S_ISDIR(info.st_mode) if folder else stat.S_ISREG(info.st_mode)
    if not kind:
        raise KeyFileError(f"{path} is not a {'folder' if folder else 'regular file'}")
    if info.st_uid != os.geteuid():
        raise KeyFileError(f"{path} belongs to user {info.st_uid}, not to the bot's user {os.geteuid()}")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise KeyFileError(f"{path} is writable by its group or by others (mode {stat.S_IMODE(info.st_mode):o})")
