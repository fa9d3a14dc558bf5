"""Loading a knowledge folder into an index fast, however large: files read side by side.

Reading a source file is parsing its YAML, checking its passages and counting their terms for
BM25 (`bot.retrieval.count`). Files do not depend on each other, so a large knowledge base (an
imported wiki) is read by worker processes, a file at a time each, and the parent joins their
parts in file order: the result is exactly that of reading the files one by one (tests hold it to
that). A small one is read here, in this process, where starting workers would cost more.

With the environment variable QABOT_CACHE naming a folder, each file's part is kept there as a
pickle keyed on the file's bytes, the synonyms, the ranking settings and this code, so a later
start reads back what did not change. Pickles run code when read, so the folder must be the bot's
own; that is why the cache is opt-in.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import knowledge, retrieval, scoring, spelling, synonyms, text, yamlfiles
from bot.knowledge import Passage
from bot.retrieval import Index, Ranking
from bot.scoring import Counts
from bot.synonyms import Synonyms

log = logging.getLogger(__name__)

CACHE_VARIABLE = "QABOT_CACHE"
# Below this many bytes of files, workers cost more to start (about half a second) than they save.
PARALLEL_BYTES = 8 << 20
_CODE_MODULES = (text, synonyms, spelling, scoring, retrieval, knowledge, yamlfiles, sys.modules[__name__])


@dataclass(frozen=True)
class FilePart:
    """What one source file contributes: its passages (with their lines) and their counted terms."""

    passages: list[tuple[Passage, int | None]]
    counts: Counts
    words: Counter[str]


def load(directory: Path, ranking: Ranking | None = None, *, workers: int | None = None) -> Index:
    """Read the knowledge folder and its synonyms into an Index; raises KnowledgeError.

    `workers` processes read the files (None: as many as there are processors, if the folder is
    large enough to gain from them; 1: all in this process).
    """
    ranking = ranking or Ranking()
    files = knowledge.folder_files(directory)
    try:
        syns = synonyms.load(directory)
    except yamlfiles.FileError as exc:
        raise knowledge.KnowledgeError(exc.path, exc.message, entry=exc.entry, line=exc.line) from None
    with collector_paused():
        parts = _parts(files, syns, ranking, _workers(files, workers))
        kb = knowledge.assemble(files, [part.passages for part in parts])
        words: Counter[str] = Counter()
        for part in parts:
            words.update(part.words)
        return Index(kb, syns, ranking, counted=(Counts.joined([part.counts for part in parts]), words))


def read_part(path: Path, syns: Synonyms, ranking: Ranking) -> FilePart:
    """Read one source file (from the cache when it has it); raises KnowledgeError."""
    with collector_paused():
        cache = _cache_file(path, syns, ranking)
        part = _read_cache(cache) if cache else None
        if part is None:
            passages = knowledge.read_file(path)
            counts, words = retrieval.count((p for p, _ in passages), syns, ranking)
            part = FilePart(passages, counts, words)
            if cache:
                _write_cache(cache, part)
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


def _parts(files: list[Path], syns: Synonyms, ranking: Ranking, workers: int) -> list[FilePart]:
    if workers > 1:
        try:
            results = _in_workers(files, syns, ranking, workers)
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            log.warning("cannot read knowledge files in worker processes (%s); reading them here", exc)
        else:
            for result in results:  # the first error in file order, as reading one by one would
                if isinstance(result, Exception):
                    raise result
            return results  # type: ignore[return-value]
    return [read_part(path, syns, ranking) for path in files]


_WORKER = "from bot.loading import _serve; _serve()"


def _in_workers(files: list[Path], syns: Synonyms, ranking: Ranking, workers: int) -> list[FilePart | Exception]:
    """Read `files` in `workers` fresh interpreters (`_serve`), largest files first
    to the least loaded; a new interpreter is safe to start from a process that runs threads."""
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for i in sorted(range(len(files)), key=lambda i: -_size(files[i])):
        least = loads.index(min(loads))
        shares[least].append(i)
        loads[least] += _size(files[i])
    package_root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")])}
    processes = []
    for share in shares:
        process = subprocess.Popen(
            [sys.executable, "-c", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        processes.append((share, process))
    results: list[FilePart | Exception | None] = [None] * len(files)
    try:
        for share, process in processes:
            assert process.stdin is not None
            with process.stdin:
                pickle.dump(([files[i] for i in share], syns, ranking), process.stdin)
        for share, process in processes:
            assert process.stdout is not None
            for i, result in zip(share, pickle.load(process.stdout), strict=True):
                results[i] = result
    except BaseException:
        for _, process in processes:
            process.kill()
        raise
    finally:
        for _, process in processes:
            process.wait()
    return [r for r in results if r is not None]


def _serve() -> None:
    """A worker: read the files named on standard input, write their parts (or errors) to standard output."""
    files, syns, ranking = pickle.load(sys.stdin.buffer)
    results: list[FilePart | Exception] = []
    for path in files:
        try:
            results.append(read_part(path, syns, ranking))
        except Exception as exc:  # sent to the parent, which raises it in file order
            results.append(exc)
    pickle.dump(results, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


def _cache_file(path: Path, syns: Synonyms, ranking: Ranking) -> Path | None:
    folder = os.environ.get(CACHE_VARIABLE)
    if not folder:
        return None
    try:
        content = path.read_bytes()
    except OSError:
        return None  # reading it will say what is wrong
    digest = hashlib.sha256(repr((ranking, sorted(syns.rewrites.items()))).encode())
    for module in _CODE_MODULES:
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(content)
    return Path(folder) / f"part-{digest.hexdigest()[:40]}.pickle"


def _read_cache(path: Path) -> Any:
    try:
        with path.open("rb") as file:
            return pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign file: read the source again, never fail a start
        log.warning("ignoring unreadable cache file %s", path, exc_info=True)
        return None


def _write_cache(path: Path, value: object) -> None:
    """Store `value` at `path` atomically; a cache that cannot be written is only logged."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, suffix=".tmp", delete=False) as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, path)
    except OSError:
        log.warning("cannot write cache file %s", path, exc_info=True)
