"""The data folder's files that hold what members wrote (the gaps database: their questions word for
word; the history: the questions moderators attached): made readable by the bot's user only when the
bot creates them, whatever the umask, as `user-key` is; `doctor` warns of those others can read."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def make_folder(folder: Path) -> None:
    """`folder` (and its parents) made if missing, the folder itself 0700; one already there is left as it is."""
    if folder.is_dir():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # made meanwhile by another process: kept as made
        folder.mkdir(mode=FOLDER_MODE)


def make_file(path: Path) -> bool:
    """`path` made empty (0600) if missing, its folder as `make_folder` makes it; one already there is left
    as it is (an operator may have chosen its mode). SQLite gives its -wal and -shm files the database's mode.
    Whether this call made it (its name then needs its folder synced to outlive a power cut)."""
    make_folder(path.parent)
    if path.exists() or path.is_symlink():
        return False
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE))
    except FileExistsError:  # made meanwhile by another process: its to sync
        return False
    return True


def exposed(folder: Path, names: Iterable[str]) -> list[str]:
    """`folder`'s files of these `names` that another user of the machine can read (the file readable by
    its group or others, in a folder they can enter), each as "PATH (mode NNN)"."""
    try:
        entered = stat.S_IMODE(folder.stat().st_mode) & (stat.S_IXGRP | stat.S_IXOTH)
    except OSError:
        return []
    found = []
    for name in names:
        path = folder / name
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(path.stat().st_mode)
            readable = (mode & stat.S_IRGRP and entered & stat.S_IXGRP) or (
                mode & stat.S_IROTH and entered & stat.S_IXOTH
            )
            if stat.S_ISREG(path.stat().st_mode) and readable:
                found.append(f"{path} (mode {mode:o})")
    return found
