"""The data folder: it exists (or can be made) and is writable, its files can be written, the gaps
database opens, the pseudonyms' key is the bot's own, and nothing members wrote is readable by others."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bot import datafiles, keyfile
from bot.checks.findings import Finding, error, ok, warning
from bot.curation import HISTORY_FILE
from bot.records import GAPS_FILE
from bot.records.gaps import USER_KEY_FILE


def check_data(folder: Path) -> list[Finding]:
    """The data folder exists (or can be created) and is writable; the gaps database opens."""
    if folder.exists() and not folder.is_dir():
        return [error("data", f"{folder} is a file, not a folder: history and gaps cannot be kept")]
    if folder.is_symlink() and not folder.exists():  # mkdir cannot make it: every change would be refused
        target = os.readlink(folder)
        return [error("data", f"{folder} is a symbolic link to {target}, which does not exist (a volume not mounted?): "
                      "changes would be refused and gaps not recorded")]  # fmt: skip
    if not folder.exists():
        parent = _existing_parent(folder)
        if parent is not None and not parent.is_dir():
            return [error("data", f"{folder} cannot be created: {parent} is a file, not a folder")]
        if parent is None or not _writable(parent):
            return [error("data", f"{folder} does not exist and cannot be created (no write access to {parent})")]
        return [ok("data", f"{folder} does not exist yet; it will be created at the first start")]
    if not _writable(folder):
        return [error("data", f"{folder} is not writable: changes would be refused and gaps not recorded")]
    return [ok("data", f"{folder} is writable"), *_check_files(folder), *_check_private(folder)]


def _check_private(folder: Path) -> Iterable[Finding]:
    """A warning for each file of what members wrote that other users of the machine can read."""
    for shown in datafiles.exposed(folder, (GAPS_FILE, f"{GAPS_FILE}-wal", HISTORY_FILE)):
        yield warning("data", f"{shown} holds what members wrote and other users of this machine can read it: "
                      f"`chmod 600` it (or `chmod 700 {folder}`)")  # fmt: skip


def _check_files(folder: Path) -> Iterable[Finding]:
    history = folder / HISTORY_FILE
    if history.exists() and not history.is_file():  # a folder passes os.access(W_OK)
        yield error("data", f"{history} is not a file: every change would be refused")
    elif history.exists() and not _appendable(history):
        yield error("data", f"{history} is not writable: every change would be refused")
    yield from _check_user_key(folder / USER_KEY_FILE)
    database = folder / GAPS_FILE
    if not database.exists():
        yield ok("data", f"{database.name} will be created at the first start")
        return
    try:
        # as a URI, percent-encoded: a `#` or `?` in the path had cut it (`/srv/c#-club` opened `/srv/c`)
        connection = sqlite3.connect(f"{database.absolute().as_uri()}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA quick_check").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        yield error("data", f"{database} cannot be opened as an SQLite database: {exc}")
        return
    if result is None or result[0] != "ok":
        problem = result[0] if result else "no answer"
        yield error("data", f"{database} is damaged ({problem}); move it away to start anew")
    else:
        yield ok("data", f"{database.name} opens and passes SQLite's quick check")


def _existing_parent(folder: Path) -> Path | None:
    for parent in folder.absolute().parents:
        if parent.exists():
            return parent
    return None


def _check_user_key(path: Path) -> Iterable[Finding]:
    """The key of the gaps' pseudonyms, read as the bot reads it: one it refuses keeps the gaps off."""
    if not (path.exists() or path.is_symlink()):
        return  # made at the first start
    try:
        keyfile.read(path)
    except keyfile.EmptyKey:
        yield warning("data", f"{path} is empty (a start was stopped while writing it): the next start replaces it")
    except (keyfile.KeyFileError, OSError) as exc:
        problem = str(exc) if isinstance(exc, keyfile.KeyFileError) else f"{path} cannot be read ({exc.strerror})"
        yield error("data", f"{problem}: the bot refuses it and runs without the gaps database")
    else:
        yield ok("data", f"{path.name} is the bot's own, readable by no one else")


def _appendable(path: Path) -> bool:
    """Really open it to append, as a change does (writing nothing, so the file is left as it is)."""
    try:
        with path.open("ab"):
            return True
    except OSError:
        return False


def _writable(folder: Path) -> bool:
    """Really try (os.access says yes to root even on a read-only mount)."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".doctor-"):
            return True
    except OSError:
        return False
