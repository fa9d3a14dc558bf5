"""Each process's private folder under TMPDIR that the knowledge is loaded from, and the removal of those
whose process died.

With a database, an instance writes the knowledge as YAML files into `Scratch.folder` and builds its
index from them, as from any knowledge folder. The folder (`qabot-postgres-*`) also holds a lock file
that its process holds for as long as it lives; the kernel lets go of it however the process ends.
A process removes its folder when it stops; one that was killed (SIGKILL, the OOM killer) cannot, so
every start first removes the folders whose lock nobody holds, never one whose process lives (its
lock held), nor one without a lock file (being made this moment, or by a version before this one).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import shutil
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "qabot-postgres-"
LOCK = "in-use.lock"
# What an operator does when the scratch folder cannot be written (a full disk): said with the error
ROOM = "each instance loads the knowledge from a copy there, under TMPDIR: make room, or point TMPDIR elsewhere"


class Scratch:
    """This process's scratch folder: `folder`, inside a private folder (`root`) made by `make`."""

    def __init__(self) -> None:
        """No disk is touched yet (a full one is then one error line of the start, from `make`)."""
        self.root = _temporary() / f"{PREFIX}{secrets.token_hex(6)}"
        self.folder = self.root / "knowledge"
        self._lock: int | None = None

    def make(self) -> None:
        """Make the folder, with its lock held, after removing those of processes that died; raises
        OSError. Once: a second call does nothing."""
        if self._lock is not None:
            return
        left = remove_left(self.root.parent)
        if left:
            log.info("removed %d copies of the knowledge left in %s by instances that were killed", left,
                     self.root.parent)  # fmt: skip
        self.root.mkdir(mode=0o700)  # never one that is there already: another user could have put it there
        try:
            self._lock = _hold(self.root)
        except OSError:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def remove(self) -> None:
        """Remove the folder and let go of its lock (at shutdown); nothing when `make` did not make it."""
        if self._lock is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            os.close(self._lock)
            self._lock = None


def remove_left(where: Path) -> int:
    """Remove the scratch folders in `where` whose process died (their lock held by none), of this user
    only; how many."""
    removed = 0
    for path in where.glob(f"{PREFIX}*"):
        try:
            info = path.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            fd = os.open(path / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:  # gone meanwhile, or no lock file: not one this version can tell is left over
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its process lives
            continue
        else:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        finally:
            os.close(fd)
    return removed


def _hold(root: Path) -> int:
    """The lock file of `root`, locked: made under another name and locked before it takes its own, so that
    no start ever finds it there and not held."""
    making = root / f".{LOCK}.new"
    fd = os.open(making, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody else has opened it: never waits
        os.rename(making, root / LOCK)
    except OSError:
        os.close(fd)
        with contextlib.suppress(OSError):
            making.unlink()
        raise
    return fd


def _temporary() -> Path:
    """The temporary folder (TMPDIR, else the system's). When none can be written into now (a full disk),
    the one it would be, so that making the scratch folder there fails with the reason, in one line."""
    try:
        return Path(tempfile.gettempdir())
    except OSError:
        return Path(os.environ.get("TMPDIR") or "/tmp")
