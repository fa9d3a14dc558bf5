"""`kb stats`' figures of the record, read alike from SQLite (`bot.records.gaps`) and PostgreSQL
(`bot.storage.records`): each store derives from `Stats`, names its dialect of the statements (`bot.records.sql`)
and reads the rows of a period its own way (`_read`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from bot.records import sql
from bot.records.feedback import downvoted
from bot.records.sql import DAY, Dialect


class Stats(ABC):
    """The passages most asked, most downvoted and most opened from a link, and each day's outcomes, of a store of
    either database."""

    dialect: ClassVar[Dialect]

    @abstractmethod
    def _read(self, statement: str, *params: Any, period: float | None = None) -> list[Any]:
        """The rows of `statement`, whose first parameter is the oldest moment a read counts: `period` before
        now, never more than the retention period (None: the retention period)."""

    def most_asked(self, limit: int = 5) -> list[tuple[str, int, int]]:
        """(passage, questions it answered, how many of them with a hedge), most asked first."""
        rows = self._read(self.dialect(sql.MOST_ASKED), limit)
        return [(str(p), int(n), int(h)) for p, n, h in rows]

    def most_downvoted(
        self, limit: int = 5, current: Callable[[str], str | None] | None = None
    ) -> list[tuple[str, int]]:
        """(passage, 👎) most first: those given to its text as it is now (`current`: a passage's text)."""
        rows = self._read(self.dialect(sql.DOWNVOTES))
        return downvoted([(str(p), str(k), int(n)) for p, k, n in rows], current, limit)

    def most_opened(self, limit: int = 5) -> list[tuple[str, int]]:
        """(passage, answers opened from a link to it), most first; none where the record has no `opened` table."""
        if self._lacks("opened"):
            return []
        return [(str(p), int(n)) for p, n in self._read(self.dialect(sql.MOST_OPENED), limit)]

    def _lacks(self, table: str) -> bool:
        """Whether the record has no `table`, which a later version added: never, but in a database an earlier
        version made that opening it could not add the table to (SQLite's, only read)."""
        return False

    def fallback_by_day(self, days: int = 14) -> list[tuple[str, int, int, int]]:
        """(day, questions, unanswered, answered with a hedge) for the last `days` days that had
        questions, oldest first (none older than the retention period)."""
        rows = self._read(self.dialect(sql.BY_DAY), period=days * DAY)
        return [(str(d), int(n), int(f), int(h)) for d, n, f, h in rows]
