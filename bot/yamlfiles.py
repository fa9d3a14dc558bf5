"""Reading YAML files safely, with the line numbers that error messages need.

With the environment variable QABOT_CACHE naming a folder, a file parsed once is read back from a
pickle keyed on its exact text, many times faster than parsing YAML again (and the retrieval
index is cached there too, see `bot.retrieval`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's parser is several times faster; the pure-Python one gives the same data.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


log = logging.getLogger(__name__)

CACHE_VARIABLE = "QABOT_CACHE"
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # a change here invalidates the cache


class FileError(Exception):
    """A file that cannot be used, with the file, the entry and the line where known."""

    def __init__(self, path: Path | str, message: str, *, entry: str | None = None, line: int | None = None):
        self.path = Path(path)
        self.message = message
        self.entry = entry
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
        if self.entry:
            where += f" ({self.entry})"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Document:
    """A parsed YAML file: its data, and the line (1-based) where each list item starts."""

    path: Path
    data: Any
    item_lines: dict[tuple[str, int], int]

    def line_of(self, key: str, index: int) -> int | None:
        """Line of item `index` of the top-level list under `key`, if the file has one."""
        return self.item_lines.get((key, index))


def read(path: Path) -> Document:
    """Parse `path` with a safe loader, or raise FileError naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise FileError(path, f"cannot be read: {exc.strerror or exc}") from None
    cache = cache_file("yaml", yaml.__version__, _CODE, text)
    cached = read_cache(cache) if cache else None
    if cached is not None:
        return Document(path=path, data=cached[0], item_lines=cached[1])
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise FileError(path, f"invalid YAML: {problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise FileError(path, f"invalid YAML: {exc}") from None
    document = Document(path=path, data=data, item_lines=_item_lines(node))
    if cache:
        write_cache(cache, (document.data, document.item_lines))
    return document


def cache_file(kind: str, *keys: str | bytes) -> Path | None:
    """Where something keyed on `keys` is cached, or None when no cache folder is set."""
    folder = os.environ.get(CACHE_VARIABLE)
    if not folder:
        return None
    digest = hashlib.sha256()
    for key in keys:
        digest.update(key.encode() if isinstance(key, str) else key)
        digest.update(b"\0")
    return Path(folder) / f"{kind}-{digest.hexdigest()[:40]}.pickle"


def read_cache(path: Path) -> Any:
    """What `write_cache` stored at `path`, or None if nothing usable is there."""
    try:
        with path.open("rb") as file:
            return pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign file: work it out again, never fail a start
        log.warning("ignoring unreadable cache file %s", path, exc_info=True)
        return None


def write_cache(path: Path, value: object) -> None:
    """Store `value` at `path` atomically; a cache that cannot be written is only logged."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, suffix=".tmp", delete=False) as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, path)
    except OSError:
        log.warning("cannot write cache file %s", path, exc_info=True)


def _item_lines(node: yaml.Node | None) -> dict[tuple[str, int], int]:
    lines: dict[tuple[str, int], int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and isinstance(value_node, yaml.SequenceNode):
            for index, item in enumerate(value_node.value):
                lines[(str(key_node.value), index)] = item.start_mark.line + 1
    return lines
