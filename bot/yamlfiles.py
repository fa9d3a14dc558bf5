"""Reading YAML files safely, with the line numbers that error messages need."""

from __future__ import annotations

import logging
import math
import os
import reprlib
import stat
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's parser is several times faster; the pure-Python one gives the same data.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


log = logging.getLogger(__name__)

MAX_FILE_BYTES = 64 * 1024 * 1024  # a knowledge file past this is a mistake or an attack, not a handbook
_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxdict, _SHOWN.maxstring, _SHOWN.maxother = 2, 4, 4, 60, 60


def shown(value: Any) -> str:
    """`value` as an error message may show it: a short repr, however large (or aliased) the value is."""
    return _SHOWN.repr(value)


def finite(value: float) -> bool:
    """Whether a number read from YAML is a finite float: not `.nan` (which no bound refuses: every
    comparison with it is false), `.inf`, or a whole number too long for a float (hundreds of digits)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def not_regular(mode: int) -> str | None:
    """What a file of `mode` (`os.stat`'s) is when it is no regular file, in a message's words; None
    for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return "a folder, not a file" if stat.S_ISDIR(mode) else "not a regular file"


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes, else FileError.

    A FIFO would block the reader (and the watcher, and the write lock) for good, and a device
    such as /dev/zero never ends: both are refused without reading, as is anything too large.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise FileError(path, f"cannot be read: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    problem = not_regular(info.st_mode)
    if problem:  # checked before fdopen, which refuses a folder with an exception of its own
        os.close(fd)
        raise FileError(path, problem)
    with os.fdopen(fd, "rb") as file:
        if info.st_size > limit:
            raise FileError(path, f"{info.st_size} bytes, more than the limit of {limit}")
        try:
            data = file.read(limit + 1)
        except OSError as exc:
            raise FileError(path, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:  # it grew while being read
        raise FileError(path, f"more than the limit of {limit} bytes")
    return data


class _FastLoader(_Loader):
    """The safe loader, telling quoted and block scalars to be strings at once: they always are
    (the safe loader has no path resolvers), and knowledge files are made mostly of them."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and not implicit[0]:
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


class FileError(Exception):
    """A file that cannot be used, with the file, the entry and the line where known."""

    def __init__(self, path: Path | str, message: str, *, entry: str | None = None, line: int | None = None):
        self.path = Path(path)
        self.message = message
        self.entry = entry
        self.line = line
        super().__init__(str(self))

    def __reduce__(self) -> tuple[Any, ...]:  # raised in a worker process, it is pickled to the parent
        return (partial(type(self), entry=self.entry, line=self.line), (self.path, self.message))

    def __str__(self) -> str:
        return self._told(str(self.path))

    def brief(self) -> str:
        """The message with the file's name only, not its folder: for chat, where server paths must not show."""
        return self._told(self.path.name)

    def _told(self, where: str) -> str:
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


def read(path: Path, content: bytes | None = None, *, limit: int = MAX_FILE_BYTES) -> Document:
    """Parse `path` (or `content`, its bytes already read) with a safe loader, or raise
    FileError naming the file and the line. Only a regular file of at most `limit` bytes is read."""
    if content is None:
        content = read_bytes(path, limit)
    try:  # as read_text would: line ends made "\n"
        text = content.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        raise FileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        loader = _FastLoader(text)
        try:
            node = loader.get_single_node()
            data = _construct(node, loader, {}) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise FileError(path, f"invalid YAML: {problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise FileError(path, f"invalid YAML: {exc}") from None
    return Document(path=path, data=data, item_lines=_item_lines(node))


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


def _construct(node: yaml.Node, loader: Any, made: dict[int, Any], depth: int = 0) -> Any:
    """What the safe loader makes of `node`, made here for the strings, lists and mappings of
    strings that knowledge files are made of, several times faster than its general way.

    Anything else (numbers, dates, merge keys), and anything nested deeper than knowledge files
    go, is left to the loader itself. A node met again through an alias is made once, as the
    loader does, so a file of aliases cannot multiply into billions of objects; a node that
    holds itself is an error here (no knowledge file needs one).
    """
    if type(node) is yaml.ScalarNode and node.tag == _STR:
        return node.value
    if id(node) in made:
        return made[id(node)]
    if depth < 4 and type(node) is yaml.SequenceNode and node.tag == _SEQ:
        value: Any = [_construct(item, loader, made, depth + 1) for item in node.value]
    elif depth < 4 and type(node) is yaml.MappingNode and node.tag == _MAP and _plain_keys(node):
        value = {key.value: _construct(item, loader, made, depth + 1) for key, item in node.value}
        if len(value) < len(node.value):
            _refuse_duplicate_keys(node)
    else:
        _refuse_duplicate_keys(node)
        value = loader.construct_object(node, deep=True)
    made[id(node)] = value
    return value


def _refuse_duplicate_keys(node: yaml.Node) -> None:
    """Raise a MarkedYAMLError at the second of two equal keys in any mapping under `node`: the
    safe loader would let the second win in silence (a second `text:` replacing the first)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[tuple[str, str]] = set()
            for key, item in current.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if (key.tag, key.value) in keys:
                        shown = key.value if len(key.value) <= 40 else key.value[:39] + "…"
                        raise yaml.constructor.ConstructorError(None, None, f"duplicate key {shown!r}", key.start_mark)
                    keys.add((key.tag, key.value))
                stack += [key, item]
        elif isinstance(current, yaml.SequenceNode):
            stack += current.value


def _plain_keys(node: yaml.MappingNode) -> bool:
    return all(type(key) is yaml.ScalarNode and key.tag == _STR for key, _ in node.value)


def _item_lines(node: yaml.Node | None) -> dict[tuple[str, int], int]:
    lines: dict[tuple[str, int], int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and isinstance(value_node, yaml.SequenceNode):
            for index, item in enumerate(value_node.value):
                lines[(str(key_node.value), index)] = item.start_mark.line + 1
    return lines
