"""What the write path needs from a storage backend, whichever it is.

`bot.curation.store.KnowledgeStore` (the knowledge folder) and `bot.curation.history.History`
(history.jsonl) satisfy these; `bot.storage.postgres.PostgresStore` satisfies both at once, so a
change and its record commit in one transaction. `Moderation` takes either and never asks which.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.curation.history import Record
    from bot.knowledge import KnowledgeBase


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

    def commit(self, changed: Mapping[str, Any]) -> KnowledgeBase:
        """Validate and write `changed` (file name -> data, None: delete); raises StoreError."""
        ...

    def hold(self, timeout: float) -> bool: ...


class ChangeLog(Protocol):
    """The record of changes that `kb history` shows and `undo` reads."""

    @property
    def path(self) -> Path:
        """Where it lives, for log lines."""
        ...

    def append(self, record: Record) -> None: ...

    def check_writable(self) -> None: ...

    def records(self) -> list[Record]: ...

    def last_undoable(self) -> Record | None: ...
