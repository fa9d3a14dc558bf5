"""Loading a knowledge folder into an index fast, however large: files read side by side.

Reading a source file is parsing its YAML, checking its passages and counting their terms for
BM25 (`bot.search.documents.count`). Files do not depend on each other, so a large knowledge base (an
imported wiki) is read by worker processes, a file at a time each, and the parent joins their
parts in file order: the result is exactly that of reading the files one by one (tests hold it to
that). A small one is read here, in this process, where starting workers would cost more.

Given a cache folder (`cache`, from QABOT_CACHE at start-up), each file's part is kept there as
a pickle keyed on the file's bytes, the synonyms, the ranking settings, this code and the
versions of Python and the libraries it uses, so a later start reads back what did not change.
Pickles run code when read: `bot.search.cache` signs every entry and refuses a folder that is not
the bot's own.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib.metadata
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot import knowledge, yamlfiles
from bot.knowledge import Passage
from bot.search import documents, retrieval, spelling, synonyms, text
from bot.search.cache import PartCache, code_files, open_cache
from bot.search.ranking import Ranking
from bot.search.retrieval import Index
from bot.search.scoring import Counts, Numbering
from bot.search.synonyms import Synonyms

log = logging.getLogger(__name__)

# Below this many bytes of files, workers cost more to start (about half a second) than they save.
PARALLEL_BYTES = 8 << 20
_CODE_ROOTS = (__name__, retrieval.__name__)  # what reads a file into a part, and the Index it is for


@dataclass(frozen=True)
class FilePart:
    """What one source file contributes: its passages (with their lines) and their counted terms."""

    passages: list[tuple[Passage, int | None]]
    counts: Counts
    words: Counter[str]


def load(
    directory: Path,
    ranking: Ranking | None = None,
    *,
    workers: int | None = None,
    cache: Path | None = None,
    time_limit: float | None = None,
    empty: bool = False,
) -> Index:
    """Read the knowledge folder and its synonyms into an Index; raises KnowledgeError.

    `workers` processes read the files (None: as many as there are processors, if the folder is
    large enough to gain from them; 1: all in this process). `cache`: the folder of read parts.
    `time_limit`: seconds after which the load gives up with a KnowledgeError (checked after each
    file; one file's time is bounded by its size cap), so that a reload of hostile or huge files
    cannot hold up the bot's later reloads for good. `empty`: a folder of no knowledge files is an
    Index of no passages (a new community's, at the bot's start), not an error.
    """
    deadline = time.monotonic() + time_limit if time_limit else None
    ranking = ranking or Ranking()
    store = open_cache(cache)
    files = knowledge.folder_files(directory, empty=empty)
    try:
        syns = synonyms.load(directory)
    except yamlfiles.FileError as exc:
        raise knowledge.KnowledgeError(exc.path, exc.message, entry=exc.entry, line=exc.line) from None
    contents: list[list[tuple[Passage, int | None]]] = []
    words = _Tally()
    table: dict[str, str] = {}  # the spelling table, made as parts come in, not all at the end
    spelling.file_words(table, syns.written)

    def counts() -> Generator[Counts, None, None]:  # taken in as they come, while workers read on
        for part in _parts(files, syns, ranking, _workers(files, workers), store):
            if deadline is not None and time.monotonic() > deadline:
                raise knowledge.LoadTimeout(
                    directory, f"loading took longer than {time_limit:g} s (reload_timeout); gave up, will try again"
                )
            contents.append(part.passages)
            spelling.file_words(table, [w for w in words.add(part.words) if w not in syns.written])
            yield part.counts

    parts = counts()
    try:
        with collector_paused():
            scorer = ranking.scorer(parts)
            built = scorer, words.counter(), table
            return Index(knowledge.assemble(files, contents), syns, ranking, built=built)
    finally:
        parts.close()  # stops any workers at once if something above failed
        text.forget()  # the tables of text pieces were for this load; a bot keeps its memory


class _Tally:
    """Words and how often each is written, summed part by part with numpy (Counter.update with
    a Counter walks it in Python: a second of a 100,000-passage start)."""

    def __init__(self) -> None:
        self._numbering = Numbering()
        self._totals = np.zeros(1024, dtype=np.int64)

    def add(self, words: Counter[str]) -> list[str]:
        """Count `words` in; returns those never counted before."""
        before = len(self._numbering)
        ids = np.fromiter(map(self._numbering.__getitem__, words.keys()), dtype=np.int64, count=len(words))
        if len(self._numbering) > len(self._totals):
            self._totals = np.concatenate((self._totals, np.zeros(len(self._numbering), dtype=np.int64)))
        self._totals[ids] += np.fromiter(words.values(), dtype=np.int64, count=len(words))
        return [word for word, number in zip(words, ids.tolist(), strict=True) if number >= before]

    def counter(self) -> Counter[str]:
        return Counter(dict(zip(self._numbering, self._totals[: len(self._numbering)].tolist(), strict=True)))


def read_part(path: Path, syns: Synonyms, ranking: Ranking, cache: PartCache | None = None) -> FilePart:
    """Read one source file (from the cache when it has it); raises KnowledgeError."""
    with collector_paused():
        content, name = _cached(path, syns, ranking) if cache else (None, None)
        part = cache.read(name) if cache and name else None
        if not isinstance(part, FilePart):  # a miss, or an entry of the wrong type: read the file
            passages = knowledge.read_file(path, content)  # the bytes the cache key was made of
            counts, words = documents.count((p for p, _ in passages), syns, ranking.question_weight)
            part = FilePart(passages, counts, words)
            if cache and name:
                cache.write(name, part)
                cache.forget_others(name)  # the entries of this file's earlier versions
        return part


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off Python's cycle collector: loading makes millions of objects and no cycles, and
    each full collection would walk them all again (a quarter of a cold start without this)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _workers(files: list[Path], workers: int | None) -> int:
    if workers is not None:
        return max(1, min(workers, len(files)))
    if sum(_size(path) for path in files) < PARALLEL_BYTES:
        return 1
    processors = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(processors, len(files)))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it will say what is wrong


def _parts(
    files: list[Path], syns: Synonyms, ranking: Ranking, workers: int, cache: PartCache | None
) -> Iterator[FilePart]:
    """Each file's part in file order, each as soon as it is read; raises the first error in
    file order, as reading the files one by one would."""
    results: Iterator[FilePart | Exception | None] = iter([None] * len(files))  # None: read it here
    if workers > 1:
        try:
            results = _in_workers(files, (syns, ranking, cache), _start(workers))
        except OSError as exc:
            log.warning("cannot start worker processes to read knowledge files (%s); reading them here", exc)
    lost = False
    try:
        for path, result in zip(files, results, strict=True):
            if isinstance(result, _Lost) and not lost:
                lost = True
                log.warning("a worker process reading knowledge files stopped (%s); reading its files here", result)
            if isinstance(result, Exception) and not isinstance(result, _Lost):
                raise result
            yield result if isinstance(result, FilePart) else read_part(path, syns, ranking, cache)
    finally:
        if isinstance(results, Generator):
            results.close()  # stops the workers at once when an error ends the reading early


class _Lost(Exception):
    """A worker's result that never came: the worker died or sent something unreadable."""


_WORKER = "from bot.search.loading import _serve; _serve()"


def _start(workers: int) -> list[subprocess.Popen[bytes]]:
    """Start `workers` fresh interpreters running `_serve`, or raise OSError (and start none).

    A fresh interpreter is safe to start from a process that runs threads, and needs no
    `if __name__ == "__main__"` guard in whatever script started this one. `-P` keeps the
    current folder off its import path, so it imports this very package, not a `bot/` that
    happens to be there; PYTHONPATH gets no empty entry either (one means the current folder).
    """
    if not sys.executable or getattr(sys, "frozen", False):  # a frozen app's executable is the app
        raise OSError("no Python interpreter to start")
    package_root = str(Path(__file__).resolve().parents[2])
    given = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, given]) if given else package_root}
    started: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(workers):
            command = [sys.executable, "-P", "-c", _WORKER]
            started.append(subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env))
    except OSError:
        for process in started:
            process.kill()
            process.wait()
        raise
    return started


def _in_workers(
    files: list[Path],
    settings: tuple[Synonyms, Ranking, PartCache | None],
    processes: list[subprocess.Popen[bytes]],
) -> Iterator[FilePart | Exception]:
    """Read `files` in the worker `processes`; results in file order. Each file goes to the
    least loaded worker, in file order, so that parts come about in the order they are joined in."""
    shares: list[list[int]] = [[] for _ in processes]
    loads = [0] * len(processes)
    for i in range(len(files)):
        least = loads.index(min(loads))
        shares[least].append(i)
        loads[least] += _size(files[i])
    arrived: dict[int, FilePart | Exception] = {}
    ready = threading.Condition()

    def receive(share: list[int], process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None
        try:
            with process.stdin:
                pickle.dump(([files[i] for i in share], *settings), process.stdin)
            with process.stdout:
                for i in share:
                    result = pickle.load(process.stdout)
                    with ready:
                        arrived[i] = result
                        ready.notify()
        except Exception as exc:  # the worker died or garbled its output: its files are read here
            with ready:
                for i in share:
                    arrived.setdefault(i, _Lost(f"{type(exc).__name__}: {exc}"))
                ready.notify()

    receivers = [
        threading.Thread(target=receive, args=pair, daemon=True) for pair in zip(shares, processes, strict=True)
    ]
    try:
        for receiver in receivers:
            receiver.start()
        for i in range(len(files)):
            with ready:
                while i not in arrived:
                    ready.wait()
                result = arrived.pop(i)
            yield result
    finally:
        for process in processes:
            if process.poll() is None:  # given up early (an error), or a worker still exiting
                process.kill()
            process.wait()
        for receiver in receivers:
            receiver.join()


def _serve() -> None:
    """A worker: read the files named on standard input, writing each one's part (or error) to
    standard output as soon as it is read."""
    # Ctrl-C in a terminal reaches the whole process group: the bot decides what stops, and it
    # stops its workers itself (a worker whose bot is gone ends at its next write).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    files, syns, ranking, cache = pickle.load(sys.stdin.buffer)
    for path in files:
        result: FilePart | Exception
        try:
            result = read_part(path, syns, ranking, cache)
        except Exception as exc:  # sent to the parent, which raises it in file order
            result = exc
        try:
            pickle.dump(result, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # the bot stopped reading (it gave up, or it is gone): so do we
            os._exit(0)


def _cached(path: Path, syns: Synonyms, ranking: Ranking) -> tuple[bytes | None, str | None]:
    """The file's bytes and the name of its cache entry (None, None: unreadable, or code that cannot be read)."""
    code = _code_digest()
    if code is None:
        return None, None
    try:
        content = yamlfiles.read_bytes(path)
    except yamlfiles.FileError:
        return None, None  # reading it will say what is wrong
    digest = hashlib.sha256(repr((ranking, sorted(syns.rewrites.items()), sorted(syns.written))).encode())
    digest.update(code)
    digest.update(content)
    # Which file, by the path the bot was given (symlinks not followed): a deploy that swaps
    # `current -> releases/N` keeps each file's one entry (and hits it if the file is the same).
    place = hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:16]
    return content, f"part-{place}-{digest.hexdigest()[:40]}.pickle"


@functools.cache
def _code_digest() -> bytes | None:
    """What the cached parts depend on besides the files: this code, and the versions of Python
    (its Unicode tables), PyYAML, the stemmer and numpy. None when the code cannot be read (a
    zip deployment) or holds no source to find its imports in (.pyc files alone): then nothing is cached."""
    try:
        stemmer = importlib.metadata.version("snowballstemmer")
        versions = (sys.version, unicodedata.unidata_version, yaml.__version__, yaml.__with_libyaml__, stemmer)
        digest = hashlib.sha256(repr((*versions, np.__version__)).encode())
        for path in code_files(_CODE_ROOTS):
            digest.update(path.read_bytes())
    except (OSError, importlib.metadata.PackageNotFoundError, SyntaxError, ValueError):
        return None
    return digest.digest()
