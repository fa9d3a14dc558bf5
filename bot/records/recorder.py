"""Writing to the record of questions and votes without ever holding up an answer.

`Recorder` holds the gaps database (SQLite's `GapStore` in the data folder, or PostgreSQL's
records), opens it at its next use when another connection held its lock at start, and turns a
failed write into one warning: answering goes on without the record (a full disk would otherwise
log on every question).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.records.gaps import GapStore
from bot.records.openings import Openings

if TYPE_CHECKING:
    from bot.storage.protocol import GapRecords

log = logging.getLogger(__name__)


class Recorder:
    """The gaps database, when there is one, and why not when it could not be opened (`error`).

    Whoever reads the database reads it here, at each use (`Moderation` among them): one opened late
    is then theirs at once, with nothing to tell them."""

    def __init__(self, folder: Path | None, retention_days: int, *, records: GapRecords | None = None):
        """`records`: a database's records, opened by its backend (which closes them); else the
        SQLite database in `folder`, when there is a folder."""
        self._owned = records is None
        self.gaps: GapRecords | None
        self.error: Exception | None
        self.gaps, self.error = (records, None) if records is not None else _open(folder, retention_days)
        # A database locked by another process at start (a transaction open in an `sqlite3` shell, another
        # instance's trim) is no damage: it is opened at its next use, once the lock is gone.
        self._later = folder if passing(self.error) else None
        self._retention_days = retention_days
        self._opening = threading.Lock()
        self._failed = False
        self.openings = Openings()  # the answers each member opened from a link today: counted once

    @classmethod
    def given(cls, gaps: GapRecords | None, error: Exception | None = None) -> Recorder:
        """A database its caller opened and closes (the command line's), or why it could not (`error`):
        nothing is opened later."""
        recorder = cls(None, 0, records=gaps)
        recorder.error = error
        return recorder

    def write(self, write: Callable[[GapRecords], None]) -> None:
        """Write to the gaps database, when there is one; a failure only warns: answering goes on."""
        gaps = self.open_later()
        if gaps is None:
            return
        try:
            write(gaps)
        except (sqlite3.Error, OSError) as exc:
            self._unavailable(exc)

    def open_later(self) -> GapRecords | None:
        """The gaps database, opened now if it was locked when the service started (and is free now).

        One thread tries at a time; the others go on without it meanwhile, rather than each waiting
        out SQLite's busy timeout. Damage found now is for good, as at start."""
        folder = self._later
        if self.gaps is not None or folder is None or not self._opening.acquire(blocking=False):
            return self.gaps
        try:
            if self.gaps is None and self._later is not None:
                self.gaps = GapStore(folder, retention_days=self._retention_days)
                self.error = self._later = None
                log.info("gaps database opened in %s: it is no longer locked", folder)
        except (sqlite3.Error, OSError) as exc:
            if not passing(exc):  # damage is for good, as at start; a lock still held: tried at the next use
                log.warning("gaps database unavailable in %s (answering goes on without it): %s", folder, exc)
                self.error, self._later = exc, None
        finally:
            self._opening.release()
        return self.gaps

    def close(self) -> None:
        """Close the SQLite database (a database's records are its backend's to close); one being
        opened late meanwhile is closed here, not left open after."""
        with self._opening:
            self._later = None
        if self._owned and self.gaps is not None:
            self.gaps.close()

    def _unavailable(self, exc: Exception) -> None:
        if not self._failed:  # once: a full disk would otherwise log on every question
            self._failed = True
            log.warning("cannot record in the gaps database (answering goes on): %s", exc)


def passing(error: Exception | None) -> bool:
    """Whether the gaps database could not be opened only because another connection held its lock."""
    code = getattr(error, "sqlite_errorcode", None)  # an extended code holds the primary one in its low byte
    return isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _open(folder: Path | None, retention_days: int) -> tuple[GapStore | None, Exception | None]:
    """The gaps database, or None (with a WARNING) and why, when it cannot be opened (moderators are
    told the same reason whether the damage shows at opening or at a query)."""
    if folder is None:
        return None, None
    try:
        return GapStore(folder, retention_days=retention_days), None
    except (sqlite3.Error, OSError) as exc:
        later = " until it is free" if passing(exc) else ""
        log.warning("gaps database unavailable in %s (answering goes on without it%s): %s", folder, later, exc)
        return None, exc
