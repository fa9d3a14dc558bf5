"""One change, made safely: planned from the files under the folder's lock (and the command line's
signal guard), recorded in the history and written together or not at all; a step on `drafts/`
after it (`Behind`) whose failure is told, not raised. What it leaves is a `Made`, which the
moderation makes live. A history that cannot be written, or read, is refused in one sentence."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TypeVar

from bot import messages
from bot.asker import Asker
from bot.catalogue import _
from bot.curation import edits
from bot.curation.edits import Files, Refused
from bot.curation.history import Record
from bot.curation.moderators import writable
from bot.curation.store import PartlySaved, StoreError, disk_message
from bot.curation.storeerrors import system_reason
from bot.knowledge import KnowledgeBase
from bot.storage.protocol import ChangeLog, KnowledgeStorage
from bot.watcher import Signature, signature

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Made:
    """A change made and recorded: its record, the knowledge it leaves, and the folder's signatures
    before (None: a hand edit came in while the files were read) and after it."""

    record: Record
    kb: KnowledgeBase
    before: Signature | None
    after: Signature


def apply(
    store: KnowledgeStorage,
    history: ChangeLog,
    asker: Asker,
    kind: str,
    plan: Callable[[Files], edits.Edit],
    *,
    guard: Callable[[], AbstractContextManager[object]],
    undoes: Callable[[], str] | None = None,
    done: Callable[[], None] | None = None,  # after the change is recorded, still under the lock
) -> Made:
    """The change `plan` works out from the files, made and recorded, or Refused with nothing changed."""
    try:
        with store.locked(), guard():  # the command line: a SIGTERM now ends the process after it
            before: Signature | None = signature(store.directory)
            files = store.read_files()
            if signature(store.directory) != before:  # a hand edit while the files were read: reload
                before = None
            _check_history(history)
            edit = plan(files)
            record = _record(asker, kind, edit, undoes() if undoes else None)
            kb = _commit_recorded(store, edit, history, record)
            after = signature(store.directory)
            if done is not None:
                _finish(done, kind)
    except PartlySaved as exc:  # not "Nothing was changed": its files hold part of it, its history line stays
        raise Refused(messages.partly_saved(exc.changed, exc.unwritten, exc.reason, asker.platform)) from exc
    except StoreError as exc:
        raise Refused(_sentence(str(exc))) from exc
    except OSError as exc:
        log.warning("kb %s refused: %s", kind, exc)
        raise Refused(_sentence(disk_message(exc))) from exc
    log.info("kb %s %s by %s user %s", kind, record.passage_id, asker.platform, asker.user_id)
    return Made(record, kb, before, after)


def read_history(history: ChangeLog, read: Callable[[ChangeLog], T]) -> T:
    """`read` of the history, refused in a sentence naming the file when it cannot be read
    (a folder of that name, a data folder that is a file, an I/O error), or in the store's own
    sentence (a PostgreSQL database that is not reachable)."""
    try:
        return read(history)
    except StoreError as exc:
        log.warning("cannot read the history (%s): %s", history.path, exc)
        raise Refused(_sentence(str(exc))) from exc
    except OSError as exc:
        log.warning("cannot read the history file %s: %s", history.path, exc)
        reason = system_reason(exc)
        raise Refused(
            _("Cannot read the history ({file} in the data folder): {reason}.").format(
                file=history.path.name, reason=reason
            )
        ) from exc


def _check_history(history: ChangeLog) -> None:
    try:
        history.check_writable()
    except OSError as exc:
        log.warning("cannot write the history file %s: %s", history.path, exc)
        reason = system_reason(exc)
        raise Refused(
            _("Cannot record the change in the history ({reason}). Nothing was changed.").format(reason=reason)
        ) from exc


def _commit_recorded(store: KnowledgeStorage, edit: edits.Edit, history: ChangeLog, record: Record) -> KnowledgeBase:
    """Write the change and its record together or not at all: the change is checked, then the record
    is written (an OSError such as a full disk then changes nothing), then the files; if they fail,
    the record is taken back, unless they failed part-way and could not be put back (PartlySaved: the
    change is in the files in part, and its record is what `kb history` and `kb undo` find). Checked
    first: a kill -9 during the check (a copy of the whole folder loaded through the loader, the slow
    part) had left a change recorded that was never made, and every later `kb undo` refused it."""
    marks: list[int] = []
    try:
        return store.commit(edit.changed, recorded=lambda: marks.append(history.append(record)))
    except BaseException as exc:
        if not marks or isinstance(exc, PartlySaved):
            raise
        try:
            history.take_back(marks[0])
        except OSError as exc:
            log.warning("kb %s of %s failed, and its history line could not be taken back: %s",
                        record.kind, record.passage_id, exc)  # fmt: skip
        raise


def _finish(done: Callable[[], None], kind: str) -> None:
    try:
        done()
    except OSError as exc:  # the change is made and recorded: only the draft folder is behind
        log.warning("kb %s made, but the drafts folder was not updated: %s", kind, exc)


class Behind:
    """A step on `drafts/` after a change is made (the draft removed, or written back), and whether it
    failed: the moderator's reply must not say what did not happen."""

    def __init__(self, step: Callable[[], None]) -> None:
        self.step = step
        self.failed: OSError | None = None

    def __call__(self) -> None:
        try:
            self.step()
        except OSError as exc:
            self.failed = exc
            raise


def _record(asker: Asker, kind: str, edit: edits.Edit, undoes: str | None) -> Record:
    return Record(
        id=Record.new_id(),
        at=Record.now(),
        platform=asker.platform,
        user_id=asker.user_id,
        name=writable(asker.name),  # a platform's name can carry a lone surrogate (a JSON "\ud800")
        chat_id=asker.chat_id,
        kind=kind,
        passage_id=edit.passage_id,
        file=edit.file,
        index=edit.index,
        before=edit.before,
        after=edit.after,
        undoes=undoes,
        source=edit.source,
    )


def _sentence(message: str) -> str:
    message = message.strip()
    return (message[:1].upper() + message[1:]) if message else _("That change could not be made.")
