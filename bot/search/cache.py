"""The cache of read knowledge files (opt-in, QABOT_CACHE): pickles no one else can forge.

A pickle runs code when read, so an entry is only unpickled once its HMAC-SHA256 checks out,
under a key kept in the cache folder itself (`key`, made 0600 on first use). The folder, the key
and every entry must belong to the bot's user and be writable by no one else; a folder that is
not is refused as a whole (one WARNING, then the bot reads its files without a cache). A bad
entry (wrong MAC, truncated, not what was stored) is a miss: the file is read again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import secrets
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_VARIABLE = "QABOT_CACHE"
KEY_FILE = "key"
_KEY_BYTES = 32
_MAC_BYTES = hashlib.sha256().digest_size


def cache_folder(env: Mapping[str, str] | None = None) -> Path | None:
    """The folder QABOT_CACHE names, or None: no cache."""
    named = (os.environ if env is None else env).get(CACHE_VARIABLE, "").strip()
    return Path(named) if named else None


class Unsafe(Exception):
    """A cache folder, key or entry that another user could have written."""


def _check_owned(path: Path, info: os.stat_result, *, folder: bool) -> None:
    kind = stat.S_ISDIR(info.st_mode) if folder else stat.S_ISREG(info.st_mode)
    if not kind:
        raise Unsafe(f"{path} is not a {'folder' if folder else 'regular file'}")
    if info.st_uid != os.geteuid():
        raise Unsafe(f"{path} belongs to user {info.st_uid}, not to the bot's user {os.geteuid()}")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise Unsafe(f"{path} is writable by its group or by others (mode {stat.S_IMODE(info.st_mode):o})")


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
                _check_owned(path, os.fstat(file.fileno()), folder=False)
                data = file.read()
        except FileNotFoundError:
            return None
        except (OSError, Unsafe) as exc:
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


def open_cache(folder: Path | None) -> PartCache | None:
    """The cache in `folder` (made 0700 if missing, its key 0600), or None with one WARNING if it is not safe."""
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _check_owned(folder, folder.lstat(), folder=True)
        return PartCache(folder, _key(folder / KEY_FILE))
    except (OSError, Unsafe) as exc:
        log.warning("not using the cache %s (reading the knowledge files instead): %s", folder, exc)
        return None


def _key(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(_KEY_BYTES))
            file.flush()
            os.fsync(file.fileno())
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        _check_owned(path, info, folder=False)
        if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
            raise Unsafe(f"{path} is readable by its group or by others (mode {stat.S_IMODE(info.st_mode):o})")
        key = file.read()
    if len(key) != _KEY_BYTES:
        raise Unsafe(f"{path} is not a key of {_KEY_BYTES} bytes")
    return key
