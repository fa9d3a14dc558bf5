"""What the write path needs from a storage backend, whichever it is.

`bot.curation.store.KnowledgeStore` (the knowledge folder) and `bot.curation.history.History`
(history.jsonl) satisfy these; `bot.storage.postgres.PostgresStore` satisfies both at once, so a
change and its record commit in one transaction. `Moderation` takes either and never asks which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.curation.history import Record
    from bot.knowledge import KnowledgeBase
    from bot.records.gaps import Gap


class KnowledgeStorage(Protocol):
    """One writer at a time; the knowledge as files (name -> parsed data); validated commits."""

    @property
    def directory(self) -> Path:
        """The folder the live index is loaded from (for PostgreSQL, this instance's local copy)."""
        ...

    def locked(self) -> AbstractContextManager[None]:
        """Hold the write lock; raises StoreError (a sentence safe to show) when it cannot be had."""
        ...

    def read_files(self) -> dict[str, Any]: ...

    def read_documents(self) -> dict[str, Any]:
        """synonyms.yaml and settings.yaml (name -> parsed data), those there; under `locked`."""
        ...

    def commit(self, changed: Mapping[str, Any], recorded: Callable[[], object] = ...) -> KnowledgeBase:
        """Validate `changed` (file name -> data, None: delete; synonyms.yaml and settings.yaml too, which
        the undo of a push puts back), call `recorded` (the change's record goes in), then write it;
        raises StoreError."""
        ...

    def hold(self, timeout: float) -> bool: ...


class ChangeLog(Protocol):
    """The record of changes that `kb history` shows and `undo` reads."""

    @property
    def path(self) -> Path:
        """Where it lives, for log lines."""
        ...

    def append(self, record: Record) -> int:
        """Record a change (under the store's lock, before its files are written); returns a mark
        for `take_back`."""
        ...

    def take_back(self, mark: int) -> None:
        """Remove the record appended as `mark`, and no other: the change's files could not be written."""
        ...

    def check_writable(self) -> None: ...

    def records(self) -> list[Record]: ...

    def last_undoable(self) -> Record | None: ...


class GapRecords(Protocol):
    """What people asked and their votes, and each moderator's last gaps list (`bot.records.GapStore` in SQLite,
    or PostgreSQL)."""

    def record_question(
        self,
        platform: str,
        user_id: str,
        question: str,
        terms: Sequence[str],
        passage_id: str | None,
        hedged: bool = False,
        offered: Sequence[str] = (),
        message: str = "",
        chat: str = "",
    ) -> None: ...

    def forget_asked(self, platform: str, message: str) -> None: ...

    def forget_chat(self, platform: str, chat: str) -> None: ...

    def record_pick(self, platform: str, user_id: str, passage_id: str) -> None: ...

    def record_vote(self, platform: str, user_id: str, passage_id: str, helpful: bool, text: str = "") -> None: ...

    def record_opened(self, platform: str, passage_id: str) -> None: ...

    def gaps(self, limit: int = 10) -> list[Gap]: ...

    def find(self, gap: str) -> Gap | None: ...

    def close_gap(self, keys: frozenset[str] | set[str], how: str) -> None: ...

    def most_asked(self, limit: int = 5) -> list[tuple[str, int, int]]: ...

    def most_downvoted(
        self, limit: int = 5, current: Callable[[str], str | None] | None = None
    ) -> list[tuple[str, int]]: ...

    def most_opened(self, limit: int = 5) -> list[tuple[str, int]]: ...

    def fallback_by_day(self, days: int = 14) -> list[tuple[str, int, int, int]]: ...

    def keep_list(self, platform: str, user_id: str, at: float, shown: str) -> None:
        """Keep `shown` as the last gaps list the moderator saw, at `at`, replacing theirs (`bot.records.lists`)."""
        ...

    def kept_list(self, platform: str, user_id: str) -> tuple[float, str] | None:
        """The last gaps list the moderator saw and when it was shown, or None."""
        ...

    def close(self) -> None: ...
