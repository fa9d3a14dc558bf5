"""Reading YAML files safely, with the line numbers that error messages need."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's parser is several times faster; the pure-Python one gives the same data.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


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
    return Document(path=path, data=data, item_lines=_item_lines(node))


def _item_lines(node: yaml.Node | None) -> dict[tuple[str, int], int]:
    lines: dict[tuple[str, int], int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and isinstance(value_node, yaml.SequenceNode):
            for index, item in enumerate(value_node.value):
                lines[(str(key_node.value), index)] = item.start_mark.line + 1
    return lines
