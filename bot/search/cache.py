"""The cache of read knowledge files (opt-in, QABOT_CACHE): pickles no one else can forge.

A pickle runs code when read, so an entry is only unpickled once its HMAC-SHA256 checks out,
under a key kept in the cache folder itself (`key`, made 0600 on first use). The folder, the key
and every entry must belong to the bot's user and be writable by no one else; a folder that is
not is refused as a whole (one WARNING, then the bot reads its files without a cache). A bad
entry (wrong MAC, truncated, not what was stored) is a miss: the file is read again.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import importlib.machinery
import importlib.util
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.keyfile import KeyFileError, check_owned, load_or_create

log = logging.getLogger(__name__)

CACHE_VARIABLE = "QABOT_CACHE"
KEY_FILE = "key"
_MAC_BYTES = hashlib.sha256().digest_size


def cache_folder(env: Mapping[str, str] | None = None) -> Path | None:
    """The folder QABOT_CACHE names, or None: no cache."""
    named = (os.environ if env is None else env).get(CACHE_VARIABLE, "").strip()
    return Path(named) if named else None


@dataclass(frozen=True)
class PartCache:
    """An opened, checked cache folder and its key. Made by `open_cache`; picklable, for the workers."""

    folder: Path
    key: bytes

    def read(self, name: str) -> object | None:
        """The entry `name`, or None if it is missing or bad in any way (never raises)."""
        path = self.folder / name
        try:
            with path.open("rb") as file:
                check_owned(path, os.fstat(file.fileno()), folder=False)
                data = file.read()
        except FileNotFoundError:
            return None
        except (OSError, KeyFileError) as exc:
            log.warning("ignoring cache file %s: %s", path.name, exc)
            return None
        mac, payload = data[:_MAC_BYTES], data[_MAC_BYTES:]
        if not hmac.compare_digest(mac, hmac.new(self.key, payload, hashlib.sha256).digest()):
            log.warning("ignoring cache file %s: it does not carry this cache's signature", path.name)
            return None
        try:
            value: object = pickle.loads(payload)
        except Exception as exc:  # signed by us, yet unreadable (another version of a class): a miss
            log.warning("ignoring unreadable cache file %s: %s", path.name, type(exc).__name__)
            return None
        return value

    def write(self, name: str, value: object) -> None:
        """Store `value` as entry `name` atomically; a cache that cannot be written is only logged."""
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        mac = hmac.new(self.key, payload, hashlib.sha256).digest()
        try:
            with tempfile.NamedTemporaryFile("wb", dir=self.folder, suffix=".tmp", delete=False) as file:
                file.write(mac + payload)
            os.replace(file.name, self.folder / name)
        except OSError as exc:
            log.warning("cannot write cache file %s: %s", name, exc)

    def forget_others(self, name: str) -> None:
        """Delete the entries of the same file (`part-<file>-<version>.pickle`) but `name`: an
        edited file leaves one entry, not one per version."""
        stem, _, _ = name.rpartition("-")
        if not stem.startswith("part-"):
            return
        for old in self.folder.glob(f"{stem}-*.pickle"):
            if old.name != name:
                try:
                    old.unlink()
                except OSError as exc:
                    log.warning("cannot delete the old cache file %s: %s", old.name, exc)


def open_cache(folder: Path | None) -> PartCache | None:
    """The cache in `folder` (made 0700 if missing, its key 0600), or None with one WARNING if it is not safe."""
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        check_owned(folder, folder.lstat(), folder=True)
        return PartCache(folder, load_or_create(folder / KEY_FILE))
    except (OSError, KeyFileError) as exc:
        log.warning("not using the cache %s (reading the knowledge files instead): %s", folder, exc)
        return None


def code_files(roots: Iterable[str]) -> list[Path]:
    """The source files of the modules named and of every `bot` module they import, at any depth:
    what a cached part depends on. Read from the sources, so a module split out of one of them
    (stemming.py out of text.py) is counted without anyone adding it to a list."""
    seen: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        spec = None if name in seen else _spec(name)
        if spec is None or spec.origin is None:
            continue
        seen[name] = Path(spec.origin)
        tree = ast.parse(seen[name].read_bytes())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                inner = [f"{node.module}.{alias.name}" for alias in node.names]
                modules = [each for each in inner if _spec(each) is not None]
                todo += [*modules, *([] if len(modules) == len(inner) else [node.module])]
            elif isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
        todo = [each for each in todo if each == "bot" or each.startswith("bot.")]
    return sorted(set(seen.values()))


def _spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """The module `name`, or None when it is a name inside a module (`bot.search.text.tokenize`)."""
    try:
        return importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None
