"""The bot's settings: a small YAML file with defaults that work when it is absent.

Where it is read from: the file named by the environment variable QABOT_CONFIG, else
`config.yaml` in the project root if there is one, else nothing (all defaults). Secrets (bot
tokens) never go here; they come from the environment. See `config.example.yaml`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import yamlfiles
from bot.bounds import Bounds
from bot.catalogue import noun
from bot.databaseurls import URL_FORM, url_problem
from bot.knowledge import is_packaged
from bot.yamlfiles import FileError

CONFIG_VARIABLE = "QABOT_CONFIG"
DATABASE_VARIABLE = "QABOT_DATABASE_URL"  # overrides `database_url` of the config file
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = PROJECT_ROOT / "config.yaml"
# Seconds `python -m adapters run` gives the platforms to stop after SIGTERM. Below Docker's 10 s
# between SIGTERM and SIGKILL, so the bot leaves by itself and closes the core first.
DEFAULT_SHUTDOWN_TIMEOUT = 8.0
# The longest time setting: a week is more than any setting means, and far below what a thread can
# wait (threading.TIMEOUT_MAX, about 292 years: longer raises OverflowError in the waiting thread).
MAX_SECONDS = 7 * 86400.0
MAX_RETENTION_DAYS = 36500  # a hundred years (a number of days too long for a float overflowed as seconds)
SECONDS = Bounds(0, MAX_SECONDS)  # an interval: 0 is none
TIME_LIMIT = Bounds(0, MAX_SECONDS, low_inclusive=False)  # 0 is left out (`_time_limit`)
COUNT = Bounds(1, whole=True)  # of workers, of questions in a burst
MAX_CONFIG_BYTES = 1024 * 1024


class ConfigError(FileError):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Moderators:
    """Who may change the knowledge base from chat (the command line always may)."""

    telegram_users: frozenset[str] = frozenset()
    discord_users: frozenset[str] = frozenset()
    discord_roles: frozenset[str] = frozenset()
    telegram_group_admins: bool = False
    discord_manage_server: bool = False
    # Admin rights count only where the config names the place: a stranger can make a group or
    # server of their own, add the bot and be its admin. With a flag on and no list, nowhere.
    telegram_admin_chats: frozenset[str] = frozenset()
    discord_admin_guilds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CooldownSettings:
    """Per user: `burst` questions at once, then one every `interval` seconds."""

    burst: int = 5
    interval: float = 3.0


@dataclass(frozen=True)
class ChatCooldownSettings:
    """Per chat (a group or channel, all its members together): `burst` at once, then one every `interval` s.

    Looser than the per-user limit, so that one flooding member (held to the per-user rate) cannot
    use up a chat's allowance, while a raid by many accounts in one chat is still slowed down.
    """

    burst: int = 20
    interval: float = 1.0


@dataclass(frozen=True)
class Config:
    """Everything the config file can set. `data_dir` None means `data/` beside the knowledge folder."""

    moderators: Moderators = field(default_factory=Moderators)
    data_dir: Path | None = None
    retention_days: int = 90
    watch_interval: float = 2.0
    cooldown: CooldownSettings = field(default_factory=CooldownSettings)
    chat_cooldown: ChatCooldownSettings = field(default_factory=ChatCooldownSettings)
    shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT
    load_workers: int | None = None  # processes reading a large knowledge folder; None: one per processor
    reload_timeout: float = 300.0  # seconds a reload may take before it gives up (the old knowledge stays); 0: none
    path: Path | None = None  # the file it came from, if any
    database_url: str | None = None  # PostgreSQL for many instances (see docs/scaling.md); None: files + SQLite
    database_url_from_environment: bool = False  # $QABOT_DATABASE_URL gave it, not the file

    def database_error(self, message: str) -> ConfigError:
        """An error about `database_url` that names where it came from: $QABOT_DATABASE_URL, else the
        config file's key."""
        if self.database_url_from_environment:
            return ConfigError(DATABASE_VARIABLE, message, entry="environment")
        if self.path is None:
            return ConfigError("database_url", message)
        return ConfigError(self.path, message, entry="database_url")

    def data_folder(self, knowledge_dir: Path) -> Path:
        """Where history and the gaps database live: `data_dir`, else `data/` beside the knowledge
        folder, or in the working directory for the seed inside the installed package."""
        if self.data_dir is not None:
            return self.data_dir
        if is_packaged(knowledge_dir):  # not inside site-packages, which an upgrade replaces
            return Path.cwd() / "data"
        return Path(knowledge_dir).resolve().parent / "data"


def config_path(env: Mapping[str, str] | None = None) -> Path | None:
    """The config file to read: $QABOT_CONFIG, else config.yaml of the project (a checkout) or of
    the working directory (an installed bot), the first present."""
    env = os.environ if env is None else env
    named = env.get(CONFIG_VARIABLE, "").strip()
    if named:  # `~` as the home folder: a systemd unit's Environment= (or a quoted export) leaves it to us
        return Path(os.path.expanduser(named))
    return next((path for path in config_places() if path.is_file()), None)


def config_places() -> tuple[Path, ...]:
    """Where a config file is looked for when $QABOT_CONFIG names none: the project's (a checkout,
    or an editable install), else the working directory's (an installed `qabot` has no project)."""
    checkout = (PROJECT_ROOT / "pyproject.toml").is_file()
    return (DEFAULT_FILE,) if checkout else (Path.cwd() / "config.yaml",)


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the config (from `path`, or where `config_path` says); defaults when there is none.
    $QABOT_DATABASE_URL, when set, overrides the file's `database_url`."""
    config = _load_file(path or config_path(env))
    url = (os.environ if env is None else env).get(DATABASE_VARIABLE, "").strip()
    if url:
        config = dataclasses.replace(config, database_url=url, database_url_from_environment=True)
    problem = url_problem(config.database_url) if config.database_url else None  # before anything uses it
    if problem:
        raise config.database_error(problem) from None
    return config


def _load_file(path: Path | None) -> Config:
    if path is None or str(path) == os.devnull:  # QABOT_CONFIG=/dev/null: no config file, as an empty one
        return Config()
    if not path.exists():
        raise ConfigError(path, "config file not found")
    if path.is_dir():  # QABOT_CONFIG=/etc/qabot: it had been "not found", though it is there
        raise ConfigError(path, "a folder, not a file (name the config file in it, such as config.yaml)")
    try:
        data = yamlfiles.read(path, limit=MAX_CONFIG_BYTES).data
    except FileError as exc:
        raise ConfigError(exc.path, exc.message, line=exc.line) from None
    if data is None:
        return Config(path=path)
    return _config(path, data)


_TOP_KEYS = (
    "moderators",
    "data_dir",
    "retention_days",
    "watch_interval",
    "cooldown",
    "chat_cooldown",
    "shutdown_timeout",
    "load_workers",
    "reload_timeout",
    "database_url",
)
_MODERATOR_LISTS = ("telegram_users", "discord_users", "discord_roles", "telegram_admin_chats", "discord_admin_guilds")
_MODERATOR_FLAGS = ("telegram_group_admins", "discord_manage_server")


def _config(path: Path, data: Any) -> Config:
    table = _mapping(path, data, "top level", _TOP_KEYS)
    return Config(
        moderators=_moderators(path, table.get("moderators") or {}),
        data_dir=_data_dir(path, table.get("data_dir")),
        retention_days=_number(path, table, "retention_days", 90, Bounds(1, MAX_RETENTION_DAYS, whole=True)),
        watch_interval=_seconds(path, table, "watch_interval", 2.0),
        cooldown=_cooldown(path, table.get("cooldown") or {}),
        chat_cooldown=_chat_cooldown(path, table.get("chat_cooldown") or {}),
        shutdown_timeout=_time_limit(path, table, "shutdown_timeout", DEFAULT_SHUTDOWN_TIMEOUT),
        load_workers=_number(path, table, "load_workers", None, COUNT),
        reload_timeout=_seconds(path, table, "reload_timeout", 300.0),
        path=path,
        database_url=_database_url(path, table.get("database_url")),
    )


def _data_dir(path: Path, raw: Any) -> Path | None:
    """`data_dir` as a folder: relative to the config file's folder, `~` the home folder (it had made a folder
    named "~" beside the config)."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(path, "must be a folder path", entry="data_dir")
    if "\0" in raw:  # no file system takes one; every command died on it
        raise ConfigError(path, "must be a folder path (it holds a NUL byte, \\0)", entry="data_dir")
    try:
        return path.resolve().parent / Path(raw).expanduser()
    except RuntimeError:  # `~someone` of no such user
        raise ConfigError(path, f"{yamlfiles.shown(raw)}: no such home folder", entry="data_dir") from None


def _database_url(path: Path, raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip().startswith(("postgresql://", "postgres://")):
        raise ConfigError(path, URL_FORM, entry="database_url")
    return raw.strip()


def _moderators(path: Path, raw: Any) -> Moderators:
    table = _mapping(path, raw, "moderators", _MODERATOR_LISTS + _MODERATOR_FLAGS)
    lists = {key: _ids(path, table.get(key), f"moderators.{key}") for key in _MODERATOR_LISTS}
    flags: dict[str, bool] = {}
    for key in _MODERATOR_FLAGS:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise ConfigError(path, "must be true or false", entry=f"moderators.{key}")
        flags[key] = value
    return Moderators(
        telegram_users=lists["telegram_users"],
        discord_users=lists["discord_users"],
        discord_roles=lists["discord_roles"],
        telegram_group_admins=flags["telegram_group_admins"],
        discord_manage_server=flags["discord_manage_server"],
        telegram_admin_chats=lists["telegram_admin_chats"],
        discord_admin_guilds=lists["discord_admin_guilds"],
    )


def _cooldown(path: Path, raw: Any) -> CooldownSettings:
    table = _mapping(path, raw, "cooldown", ("burst", "interval"))
    return CooldownSettings(
        burst=_number(path, table, "burst", 5, COUNT, prefix="cooldown."),
        interval=_seconds(path, table, "interval", 3.0, prefix="cooldown."),
    )


def _chat_cooldown(path: Path, raw: Any) -> ChatCooldownSettings:
    table = _mapping(path, raw, "chat_cooldown", ("burst", "interval"))
    return ChatCooldownSettings(
        burst=_number(path, table, "burst", 20, COUNT, prefix="chat_cooldown."),
        interval=_seconds(path, table, "interval", 1.0, prefix="chat_cooldown."),
    )


def _mapping(path: Path, raw: Any, entry: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(path, "must be a mapping", entry=entry)
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        said = f"unknown {noun(len(unknown), 'key')} {', '.join(unknown)}"
        raise ConfigError(path, f"{said} (allowed: {', '.join(allowed)})", entry=entry)
    return {str(k): v for k, v in raw.items()}


def _ids(path: Path, raw: Any, entry: str) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise ConfigError(path, "must be a list of ids", entry=entry)
    ids: set[str] = set()
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, (int, str)) or not str(item).strip():
            raise ConfigError(path, f"{yamlfiles.shown(item)} is not an id (a number)", entry=entry)
        written = str(item).strip()
        if written.startswith("@"):  # a Telegram username never matches: updates carry the numeric id
            raise ConfigError(
                path,
                f"{yamlfiles.shown(written)} is a username, not an id; give the number (a refused "
                "command logs it at WARNING, see docs/moderation.md)",
                entry=entry,
            )
        if not _ID_NUMBER.fullmatch(written):
            raise ConfigError(path, f"{yamlfiles.shown(written)} is not an id (a number)", entry=entry)
        if entry == "moderators.telegram_users" and written in TELEGRAM_PLACEHOLDERS:
            raise ConfigError(path, f"{written} is {TELEGRAM_PLACEHOLDERS[written]}", entry=entry)
        ids.add(written)
    return frozenset(ids)


# The senders Telegram puts in `from` of a message posted as a chat, the same in every group: listed,
# anyone posting so in any group (anyone can make one and add the bot) would be a moderator.
TELEGRAM_PLACEHOLDERS = {
    "1087968824": "GroupAnonymousBot, Telegram's placeholder for every group's anonymous admins, in every "
    "group: it names no one (count a group's admins with telegram_group_admins and telegram_admin_chats)",
    "136817688": "Channel_Bot, Telegram's placeholder for anyone posting as a channel, in every group: it "
    "names no one (have the moderator send the command as themselves)",
    "777000": "Telegram's own service account, which forwards every linked channel's posts: it names no one",
}
_ID_NUMBER = re.compile(r"-?[0-9]{1,20}")  # a user, role, guild or chat id (a group chat's is negative)


def _number(path: Path, table: dict[str, Any], key: str, default: Any, bounds: Bounds, *, prefix: str = "") -> Any:
    """The number at `key`, within `bounds` (a whole one an int, any other a float); `default` when absent or null."""
    value = table.get(key, default)
    if value is None:
        return default
    if not bounds.holds(value):
        raise ConfigError(path, f"must be {bounds.noun()} of {bounds.limits()}", entry=prefix + key)
    return int(value) if bounds.whole else float(value)


def _seconds(path: Path, table: dict[str, Any], key: str, default: float, *, prefix: str = "") -> float:
    """A number of seconds from 0 to MAX_SECONDS."""
    seconds: float = _number(path, table, key, default, SECONDS, prefix=prefix)
    return seconds


def _time_limit(path: Path, table: dict[str, Any], key: str, default: float) -> float:
    """A number of seconds above 0: a limit of 0 (or infinity) would mean no limit at all, never what is meant."""
    value = table.get(key, default)
    if value is None:
        return default
    if not TIME_LIMIT.holds(value):
        raise ConfigError(
            path, f"must be a number of seconds {TIME_LIMIT.limits(example=f'{default:g}')} (a week)", entry=key
        )
    return float(value)
