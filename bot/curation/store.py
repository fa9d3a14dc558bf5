"""Changing the knowledge files safely: one writer at a time, atomic replacement, validation first.

A `KnowledgeStore` owns the knowledge folder for writers:

- `locked()` holds a lock that also holds between processes (`fcntl.flock` on `.kb.lock` in the
  folder) and, within the process, between threads;
- `read_files()` re-reads the files under the lock (another process may have changed them);
- `commit()` checks the changed files through the real loader (so a bad change can never break
  the knowledge base), then writes each one atomically: a temporary file in the same folder,
  flush, fsync, `os.replace`, fsync of the folder. A crash leaves the old file or the new one,
  never half of one. A file saved by hand since it was read (editors take no lock) refuses the
  change instead: written from the first read, it would have lost the hand edit. A change of
  several files whose write fails part-way puts back those already written (`PartlySaved` when
  that fails too: the change is then in the files in part, and is not said to be unmade).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import yaml

try:  # libyaml's parser is several times faster; the pure-Python one gives the same data.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from bot import knowledge, yamlfiles
from bot.answering import tuning
from bot.catalogue import _

# Their names stay importable from here (`X as X`: re-exported), where the rest of the code and the tests look.
from bot.curation.atomicfiles import NEW_FILE_MODE as NEW_FILE_MODE
from bot.curation.atomicfiles import STALE_TEMP_GLOB as STALE_TEMP_GLOB
from bot.curation.atomicfiles import sync_folder
from bot.curation.atomicfiles import write_atomic as write_atomic
from bot.curation.checkcopies import CHECK_PREFIX as CHECK_PREFIX
from bot.curation.checkcopies import remove_stale_checks as remove_stale_checks
from bot.curation.dumping import dump as dump
from bot.curation.storeerrors import CHANGED_BY_HAND, CHANGED_WHILE_READ, HAS_AN_ERROR, PACKAGED, disk_reason
from bot.curation.storeerrors import EMPTIED as EMPTIED
from bot.curation.storeerrors import WOULD_BREAK as WOULD_BREAK
from bot.curation.storeerrors import PartlySaved as PartlySaved
from bot.curation.storeerrors import StoreError as StoreError
from bot.curation.storeerrors import disk_message as disk_message
from bot.knowledge import KnowledgeBase, KnowledgeError
from bot.search import synonyms

log = logging.getLogger(__name__)

LOCK_NAME = ".kb.lock"
MODERATOR_FILE = "moderators.yaml"
MODERATOR_SOURCE = {"title": "Moderator notes"}
# The folder's own files, whose names no imported article may take (publishing it would replace them)
OWN_FILES = knowledge.NOT_SOURCES | {MODERATOR_FILE}

Stamp = tuple[int, int, int]  # a file as it was read: size, mtime_ns, inode


class KnowledgeStore:
    """Locked, validated, atomic writes to one knowledge folder.

    The one piece of process-wide state of the write path: one thread lock per folder, shared by
    every store of that folder in the process (`_thread_locks`), so that two Services or a Service
    and a command in the same process never write at once; the file lock (`.kb.lock`) does the
    same between processes.
    """

    _thread_locks: ClassVar[dict[Path, threading.Lock]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    _checks_cleaned: ClassVar[bool] = False

    def __init__(self, directory: Path):
        self.directory = Path(directory).resolve()
        self._read: dict[str, Stamp | None] | None = None  # the files as the change under way read them
        with self._registry_lock:
            self._thread_lock = self._thread_locks.setdefault(self.directory, threading.Lock())
            if not KnowledgeStore._checks_cleaned:
                KnowledgeStore._checks_cleaned = True
                remove_stale_checks(Path(tempfile.gettempdir()))

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's write lock (threads of this process and other processes); StoreError
        for the seed knowledge inside the installed package, which an upgrade would overwrite."""
        if knowledge.is_packaged(self.directory):
            raise StoreError(_(PACKAGED).format(folder=self.directory))
        with self._thread_lock:
            try:
                # read-only is enough for flock, so the bot and a shell user can share the lock file
                fd = os.open(self.directory / LOCK_NAME, os.O_RDONLY | os.O_CREAT, NEW_FILE_MODE)
            except OSError as exc:
                raise StoreError(disk_message(exc)) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._remove_stale_temps()
                self._read = None
                yield
            finally:
                self._read = None
                os.close(fd)  # closing releases the flock

    def hold(self, timeout: float) -> bool:
        """For a process about to end without waiting for its threads: wait (at most `timeout` s) for
        this process's change being written, then keep the lock so that no other change starts.
        False when a change was still being written after `timeout`."""
        return self._thread_lock.acquire(timeout=timeout)

    def _remove_stale_temps(self) -> None:
        """Delete temporary files a writer killed mid-write left (only writers make them, under this lock)."""
        for temp in self.directory.glob(STALE_TEMP_GLOB):
            try:
                temp.unlink()
            except OSError as exc:  # harmless: it is never read as a knowledge file
                log.warning("cannot remove the stale temporary file %s: %s", temp, exc)
            else:
                log.warning("removed %s, left by a write that was interrupted", temp.name)

    def read_files(self) -> dict[str, Any]:
        """The parsed data of every knowledge file, by file name (call under `locked`)."""
        if self._files():  # an empty folder has nothing to check: its first file is being written
            self.check()
        # A name not read is a file that was not there: one saved by hand since is not written over either.
        self._read = {name: _stamp(self.directory / name) for name in knowledge.NOT_SOURCES}
        try:
            return {path.name: self._parse(path) for path in self._files()}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:  # edited by hand between the check and now
            raise StoreError(_(CHANGED_WHILE_READ)) from exc

    def read_documents(self) -> dict[str, Any]:
        """The parsed data of the folder's synonyms.yaml and settings.yaml, those there (call under `locked`,
        after `read_files`, which checks them)."""
        paths = [self.directory / name for name in sorted(knowledge.NOT_SOURCES)]
        try:
            return {p.name: self._parse(p) for p in paths if p.is_file()}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise StoreError(_(CHANGED_WHILE_READ)) from exc

    def _parse(self, path: Path) -> Any:
        """A file's data, and its stamp as read (of the open file: a save by hand just after is not taken for it)."""
        with path.open(encoding="utf-8") as file:
            st = os.fstat(file.fileno())
            data = yaml.load(file.read(), Loader=_Loader)
        if self._read is None:
            self._read = {}
        self._read[path.name] = (st.st_size, st.st_mtime_ns, st.st_ino)
        return data

    def _not_changed_by_hand(self, names: Iterable[str]) -> None:
        """StoreError when a file to be written is not as it was read: changed, made or deleted by hand since."""
        if self._read is None:  # nothing was read under this lock: no first read to lose a hand edit to
            return
        for name in names:
            if _stamp(self.directory / name) != self._read.get(name):
                log.warning("a change to %s was refused: the file was saved by hand while the change was checked", name)
                raise StoreError(_(CHANGED_BY_HAND).format(file=name))

    def check(self) -> KnowledgeBase:
        """Load the folder as it is; raises StoreError when it has an error right now."""
        try:
            return load_whole(self.directory)
        except KnowledgeError as exc:
            raise StoreError(_(HAS_AN_ERROR).format(error=exc.brief())) from exc

    def commit(self, changed: Mapping[str, Any], recorded: Callable[[], object] = lambda: None) -> KnowledgeBase:
        """Validate the folder with `changed` files (name -> data, None = delete), call `recorded` (the
        change's history line goes in), write them, return it."""
        texts = {name: None if data is None else dump(data) for name, data in changed.items()}
        try:
            kb = self._validate(texts)
        except OSError as exc:
            log.warning("cannot check the change to %s: %s", self.directory, exc)
            raise StoreError(disk_message(exc)) from exc
        recorded()  # after the check, the slow part: a kill -9 during it had left a change recorded, not made
        self._not_changed_by_hand(texts)  # after the check too, just before the writes (its line is taken back)
        try:  # what each file holds now, to put back if a later file of the change cannot be written
            kept = {name: _held(self.directory / name) for name in texts} if len(texts) > 1 else {}
        except OSError as exc:
            log.warning("cannot read %s before changing it: %s", self.directory, exc)
            raise StoreError(disk_message(exc)) from exc
        written: list[str] = []
        for name, text in texts.items():
            try:
                _put(self.directory / name, text)
            except OSError as exc:
                log.warning("cannot write %s: %s", self.directory / name, exc)
                self._put_back(written, kept, [n for n in texts if n not in written], exc)
                raise StoreError(disk_message(exc)) from exc
            written.append(name)
        return kb

    def _put_back(
        self, written: list[str], kept: Mapping[str, bytes | None], unwritten: list[str], exc: OSError
    ) -> None:
        """The files a change wrote before one of its files failed (`exc`), as they were; PartlySaved (after an
        ERROR naming them) for those that cannot be: the change is then in them, the history must keep it."""
        left = []
        for name in reversed(written):
            try:
                _put(self.directory / name, kept[name])
            except OSError as again:
                log.warning("cannot put %s back as it was: %s", self.directory / name, again)
                left.append(name)
        if written and not left:
            log.warning("a change failed part-way; put back as they were: %s", ", ".join(written))
        if left:
            left.reverse()
            log.error("a change to %s was saved in part: %s changed and could not be put back, %s not written "
                      "(%s); its history line is kept", self.directory, ", ".join(left), ", ".join(unwritten),
                      exc)  # fmt: skip
            raise PartlySaved(left, unwritten, disk_reason(exc)) from exc

    def _files(self) -> list[Path]:
        return knowledge.knowledge_files(self.directory)

    def _validate(self, texts: Mapping[str, str | None]) -> KnowledgeBase:
        """Load a copy of the folder with the changes applied, through the real loader."""
        with tempfile.TemporaryDirectory(prefix=f"{CHECK_PREFIX}{os.getpid()}-") as scratch:
            folder = Path(scratch)
            for path in self._files():
                if path.name not in texts:
                    shutil.copyfile(path, folder / path.name)
            for name, text in texts.items():
                if text is not None:
                    (folder / name).write_text(text, encoding="utf-8")
            if not knowledge.knowledge_files(folder):
                raise StoreError(_(EMPTIED))
            for name in (knowledge.SYNONYMS_FILE, knowledge.SETTINGS_FILE):
                if name not in texts and (self.directory / name).is_file():  # else the change's own
                    shutil.copyfile(self.directory / name, folder / name)
            try:
                return load_whole(folder)
            except KnowledgeError as exc:
                real = KnowledgeError(self.directory / exc.path.name, exc.message, entry=exc.entry, line=exc.line)
                raise StoreError(_(WOULD_BREAK).format(error=real.message)) from exc


def _stamp(path: Path) -> Stamp | None:
    """What identifies a file as it is now (None: there is none), as `read_files` stamps what it read."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _held(path: Path) -> bytes | None:
    """What the file at `path` holds now (None: there is none), to be put back by `_put`."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _put(target: Path, content: str | bytes | None) -> None:
    """`target` replaced whole by `content` (`write_atomic`), or removed, its folder synced (None)."""
    if content is None:
        target.unlink(missing_ok=True)
        sync_folder(target.parent)
    else:
        write_atomic(target, content)


def load_whole(folder: Path) -> KnowledgeBase:
    """The folder's knowledge, its synonyms.yaml and settings.yaml checked too, as the bot loads them;
    raises KnowledgeError. The knowledge loader alone reads neither: with one broken by a hand edit,
    a change was written and said live, and the reload after it failed."""
    tuning.load(folder)
    try:
        synonyms.load_groups(folder)
    except yamlfiles.FileError as exc:
        raise KnowledgeError(exc.path, exc.message, entry=exc.entry, line=exc.line) from None
    return knowledge.load(folder)
