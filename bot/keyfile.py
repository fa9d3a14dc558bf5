"""Secret keys kept in a file beside the data they protect: made 0600 on first use, refused when
another user owns the file or it is readable or writable by anyone else."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

KEY_BYTES = 32


class KeyFileError(Exception):
    """A key file that cannot be trusted or read; the message names the file and why."""


def load_or_create(path: Path) -> bytes:
    """The key in `path`, made (KEY_BYTES random bytes, mode 0600) if there is none; raises
    KeyFileError or OSError."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(KEY_BYTES))
            file.flush()
            os.fsync(file.fileno())
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        check_owned(path, info, folder=False)
        if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
            raise KeyFileError(f"{path} is readable by its group or by others (mode {stat.S_IMODE(info.st_mode):o})")
        key = file.read()
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path} is not a key of {KEY_BYTES} bytes")
    return key


def check_owned(path: Path, info: os.stat_result, *, folder: bool) -> None:
    """Raise KeyFileError unless `info` is a folder (or a regular file) of this user that no one else may write."""
    kind = stat.S_ISDIR(info.st_mode) if folder else stat.S_ISREG(info.st_mode)
    if not kind:
        raise KeyFileError(f"{path} is not a {'folder' if folder else 'regular file'}")
    if info.st_uid != os.geteuid():
        raise KeyFileError(f"{path} belongs to user {info.st_uid}, not to the bot's user {os.geteuid()}")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise KeyFileError(f"{path} is writable by its group or by others (mode {stat.S_IMODE(info.st_mode):o})")
