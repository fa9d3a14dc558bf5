"""`python -m bot doctor`: check the set-up offline and say what is wrong, in plain words.

Each check is a small function that looks at one thing (the config file, a token's shape, the
knowledge files, the data folder, the webhook settings, the platforms' numeric variables) and
returns frozen `Finding`s: ok, warning or error, one line each. Nothing here contacts Telegram or
Discord, and a token is never shown: at most its length and whether its shape is right.
"""

from __future__ import annotations

import base64
import binascii
import enum
import os
import re
import sqlite3
import tempfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot import datafiles, keyfile, knowledge
from bot.answering import Answerer, tuning
from bot.catalogue import counted
from bot.config import CONFIG_VARIABLE, DATABASE_VARIABLE, Config, ConfigError, config_path, config_places, load_config
from bot.curation import HISTORY_FILE, STALE_TEMP_GLOB
from bot.environment import number_problems
from bot.knowledge import KnowledgeError
from bot.records import GAPS_FILE
from bot.records.gaps import USER_KEY_FILE
from bot.search import load_synonyms, synonym_clashes
from bot.storage import commands as storage_commands
from bot.yamlfiles import FileError


class Level(enum.Enum):
    """How bad a finding is; any ERROR makes `doctor` exit 1."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was checked, and what was found."""

    level: Level
    topic: str
    message: str

    def line(self) -> str:
        return f"{self.level.value:<7} {self.topic}: {self.message}"


def ok(topic: str, message: str) -> Finding:
    return Finding(Level.OK, topic, message)


def warning(topic: str, message: str) -> Finding:
    return Finding(Level.WARNING, topic, message)


def error(topic: str, message: str) -> Finding:
    return Finding(Level.ERROR, topic, message)


# -- configuration ---------------------------------------------------------------------------


DEFAULTS = "the defaults apply (nobody in chat is a moderator)"


def check_config(env: Mapping[str, str]) -> tuple[Finding, Config]:
    """The config file: none (defaults), read and valid, or what is wrong with it."""
    path = config_path(env)
    if path is None:
        looked = " or ".join(str(place) for place in config_places())
        return ok("config", f"no config file ({looked}); {DEFAULTS}"), Config()
    try:
        config = load_config(path, env)
    except ConfigError as exc:
        return error("config", str(exc)), Config()
    if str(path) == os.devnull:  # the defaults, said so (it had been "/dev/null is valid: 0 moderator ids")
        return ok("config", f"{CONFIG_VARIABLE}={path}: no config file; {DEFAULTS}"), config
    m = config.moderators
    count = len(m.telegram_users) + len(m.discord_users) + len(m.discord_roles)
    admins = [name for name, on in (("Telegram group admins", m.telegram_group_admins),
                                    ("Discord Manage Server", m.discord_manage_server)) if on]  # fmt: skip
    who = counted(count, "moderator id") + (f" plus {' and '.join(admins)}" if admins else "")
    return ok("config", f"{path} is valid: {who}"), config


def check_admin_places(config: Config) -> list[Finding]:
    """A warning for each admin flag that is on with no chat or server named: admin rights then count nowhere."""
    m = config.moderators
    flags = (
        ("telegram_group_admins", m.telegram_group_admins, "telegram_admin_chats", m.telegram_admin_chats, "group"),
        ("discord_manage_server", m.discord_manage_server, "discord_admin_guilds", m.discord_admin_guilds, "server"),
    )
    unplaced = [
        f"moderators.{flag} is on but moderators.{places} is empty: admin rights count in no {what}"
        for flag, on, places, named, what in flags
        if on and not named
    ]
    return [warning("config", line) for line in unplaced]


# -- tokens ----------------------------------------------------------------------------------

TELEGRAM_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{35}")
DISCORD_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# What a token is often copied with: the Bot API's addresses put "bot" before it
# (https://api.telegram.org/bot<token>/getMe), an Authorization header "Bot ".
TELEGRAM_PREFIX = ("bot", "as the Bot API's addresses write it")
DISCORD_PREFIX = ("Bot ", "as an Authorization header writes it")


def check_telegram_token(env: Mapping[str, str]) -> Finding:
    """TELEGRAM_BOT_TOKEN: digits, a colon, 35 characters of A-Z a-z 0-9 _ -."""
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        return ok("telegram token", "TELEGRAM_BOT_TOKEN is not set: the Telegram bot will not start")
    if TELEGRAM_TOKEN.fullmatch(token):
        return ok("telegram token", f"TELEGRAM_BOT_TOKEN is set ({len(token)} characters) and looks right")
    expected = "expected the bot's number, a colon and 35 letters, digits, - or _ (copy it again from @BotFather)"
    slip = _pasting_slip(token, TELEGRAM_TOKEN, TELEGRAM_PREFIX)
    return error("telegram token", f"TELEGRAM_BOT_TOKEN ({len(token)} characters) does not look like a Telegram "
                                   f"token: {slip or expected}")  # fmt: skip


def check_discord_token(env: Mapping[str, str]) -> Finding:
    """DISCORD_BOT_TOKEN: three dot-separated base64url parts, the first the application's id."""
    token = env.get("DISCORD_BOT_TOKEN", "").strip()
    if not token:
        return ok("discord token", "DISCORD_BOT_TOKEN is not set: the Discord bot will not start")
    if not DISCORD_TOKEN.fullmatch(token):
        expected = ("expected three parts of letters, digits, - and _ separated by dots (Reset Token on the Bot "
                    "page and copy it again)")  # fmt: skip
        slip = _pasting_slip(token, DISCORD_TOKEN, DISCORD_PREFIX)
        return error("discord token", f"DISCORD_BOT_TOKEN ({len(token)} characters) does not look like a Discord "
                                      f"bot token: {slip or expected}")  # fmt: skip
    if not _decodes_to_id(token.split(".", 1)[0]):
        return warning(
            "discord token",
            f"DISCORD_BOT_TOKEN ({len(token)} characters) has three parts, but the first does not decode to an "
            "application id; is it a client secret instead of the bot token?",
        )
    return ok("discord token", f"DISCORD_BOT_TOKEN is set ({len(token)} characters) and looks right")


def _pasting_slip(token: str, shape: re.Pattern[str], prefix: tuple[str, str]) -> str | None:
    """How a token of the right shape was pasted wrong, and what to do, in words that never hold the
    token: quotes that became part of the value, or the prefix it was copied with (in any case);
    None when there is no right token inside."""
    found, extra, inner = [], [], token
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
        found.append("is in quotes, which became part of the value (Docker's --env-file keeps them)")
        extra.append("the quotes")
        inner = inner[1:-1].strip()
    word, where = prefix
    if inner[: len(word)].lower() == word.lower():
        found.append(f"begins with {inner[: len(word)]!r}, {where}")
        extra.append(repr(inner[: len(word)]))
        inner = inner[len(word) :].strip()
    if not found or not shape.fullmatch(inner):
        return None
    return f"it {' and '.join(found)}; set the token alone, without {' and '.join(extra)}"


def _decodes_to_id(part: str) -> bool:
    try:
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return False
    return decoded.isdigit()


def check_some_token(env: Mapping[str, str]) -> Finding | None:
    """A warning when neither token is set: `run` would refuse to start."""
    if any(env.get(name, "").strip() for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN")):
        return None
    return warning("tokens", "no bot token set: `python -m adapters run` will not start (the console `chat` works)")


def start_errors(env: Mapping[str, str], platforms: Collection[str] = ("telegram", "discord")) -> list[str]:
    """What `python -m adapters run` refuses to start with, in doctor's words: a malformed token, a bad
    webhook, a number out of its range; of `platforms` only (`discord sync` asks about Discord alone,
    and so exits as `run` does)."""
    findings = [
        *((check_telegram_token(env), *check_webhook(env)) if "telegram" in platforms else ()),
        *((check_discord_token(env),) if "discord" in platforms else ()),
        *check_numbers(env, platforms),
    ]
    return [finding.message for finding in findings if finding.level is Level.ERROR]


# -- numbers ---------------------------------------------------------------------------------


SWITCHES = ("DISCORD_MESSAGE_CONTENT",)  # yes or no (1/0, true/false); TELEGRAM_WEBHOOK_OWNER: check_webhook


def check_numbers(env: Mapping[str, str], platforms: Collection[str] = ("telegram", "discord")) -> list[Finding]:
    """Each numeric TELEGRAM_* or DISCORD_* variable of `platforms` out of its range (`bot.environment`), and
    each switch that is no yes or no: an error when its platform's token is set (`run` would refuse to
    start), else a warning (not read yet)."""
    findings = []
    for platform in platforms:
        token, prefix = f"{platform.upper()}_BOT_TOKEN", f"{platform.upper()}_"
        switches = [
            f"{name} must be yes or no, not {value[:20]!r}"
            for name in SWITCHES
            if name.startswith(prefix) and (value := env.get(name, "").strip().lower()) and value not in _YES | _NO
        ]
        for problem in [*number_problems(env, prefix), *switches]:
            if env.get(token, "").strip():
                findings.append(error(f"{platform} settings", problem))
            else:
                findings.append(warning(f"{platform} settings", f"{problem} (unused while {token} is not set)"))
    return findings


# -- knowledge -------------------------------------------------------------------------------


def knowledge_warnings(folder: Path, kb: knowledge.KnowledgeBase) -> list[tuple[str, str]]:
    """What loads but is likely not meant, as (area, warning), for `doctor` and `kb check` alike:
    files only `*.yaml` would be read as, synonyms read as another group's, source addresses that
    are no web address."""
    return [
        *(("knowledge", unread) for unread in knowledge.unread(folder)),
        *(("synonyms", clash) for clash in synonym_clashes(folder)),
        *(("knowledge", odd) for odd in knowledge.odd_addresses(kb)),
        *(("knowledge", long) for long in knowledge.long_titles(kb)),
    ]


NOTHING_YET = (
    "no knowledge files yet: the bot starts, and declines every question until a moderator adds a passage "
    "(`kb add`, /kb_add in chat, or `kb import` and `kb publish`)"
)


def check_knowledge(folder: Path) -> list[Finding]:
    """The knowledge files, synonyms and settings load; the `kb check` summary; no file that looks
    like knowledge left unread (`faq.yml`), no synonym read as another group's; no leftover temporary files."""
    nothing_yet = knowledge.knows_nothing_yet(folder)
    try:
        kb = knowledge.KnowledgeBase(passages=()) if nothing_yet else knowledge.load(folder)
    except KnowledgeError as exc:
        return [error("knowledge", f"{exc} (the bot will not start until this is fixed)")]
    try:
        syns = load_synonyms(folder)
    except FileError as exc:
        return [error("synonyms", f"{exc} (the bot will not start until this is fixed)")]
    try:
        tuning.load(folder)
    except KnowledgeError as exc:
        return [error("settings", f"{exc} (the bot will not start until this is fixed)")]
    findings = [ok("knowledge", Answerer(kb, syns).summary())]
    if nothing_yet:
        findings = [warning("knowledge", f"{folder}: {NOTHING_YET}")]
    findings += [warning(area, said) for area, said in knowledge_warnings(folder, kb)]
    stale = sorted(p.name for p in folder.glob(STALE_TEMP_GLOB))
    if stale:
        names = ", ".join(stale[:3])
        left = counted(len(stale), "temporary file")
        message = f"{left} left by an interrupted write ({names}); the next change removes them"
        findings.append(warning("knowledge", message))
    return findings


# -- data folder -----------------------------------------------------------------------------


def check_data(folder: Path) -> list[Finding]:
    """The data folder exists (or can be created) and is writable; the gaps database opens."""
    if folder.exists() and not folder.is_dir():
        return [error("data", f"{folder} is a file, not a folder: history and gaps cannot be kept")]
    if folder.is_symlink() and not folder.exists():  # mkdir cannot make it: every change would be refused
        target = os.readlink(folder)
        return [error("data", f"{folder} is a symbolic link to {target}, which does not exist (a volume not mounted?): "
                      "changes would be refused and gaps not recorded")]  # fmt: skip
    if not folder.exists():
        parent = _existing_parent(folder)
        if parent is not None and not parent.is_dir():
            return [error("data", f"{folder} cannot be created: {parent} is a file, not a folder")]
        if parent is None or not _writable(parent):
            return [error("data", f"{folder} does not exist and cannot be created (no write access to {parent})")]
        return [ok("data", f"{folder} does not exist yet; it will be created at the first start")]
    if not _writable(folder):
        return [error("data", f"{folder} is not writable: changes would be refused and gaps not recorded")]
    return [ok("data", f"{folder} is writable"), *_check_files(folder), *_check_private(folder)]


def _check_private(folder: Path) -> Iterable[Finding]:
    """A warning for each file of what members wrote that other users of the machine can read."""
    for shown in datafiles.exposed(folder, (GAPS_FILE, f"{GAPS_FILE}-wal", HISTORY_FILE)):
        yield warning("data", f"{shown} holds what members wrote and other users of this machine can read it: "
                      f"`chmod 600` it (or `chmod 700 {folder}`)")  # fmt: skip


def _check_files(folder: Path) -> Iterable[Finding]:
    history = folder / HISTORY_FILE
    if history.exists() and not history.is_file():  # a folder passes os.access(W_OK)
        yield error("data", f"{history} is not a file: every change would be refused")
    elif history.exists() and not _appendable(history):
        yield error("data", f"{history} is not writable: every change would be refused")
    yield from _check_user_key(folder / USER_KEY_FILE)
    database = folder / GAPS_FILE
    if not database.exists():
        yield ok("data", f"{database.name} will be created at the first start")
        return
    try:
        # as a URI, percent-encoded: a `#` or `?` in the path had cut it (`/srv/c#-club` opened `/srv/c`)
        connection = sqlite3.connect(f"{database.absolute().as_uri()}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA quick_check").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        yield error("data", f"{database} cannot be opened as an SQLite database: {exc}")
        return
    if result is None or result[0] != "ok":
        problem = result[0] if result else "no answer"
        yield error("data", f"{database} is damaged ({problem}); move it away to start anew")
    else:
        yield ok("data", f"{database.name} opens and passes SQLite's quick check")


def _existing_parent(folder: Path) -> Path | None:
    for parent in folder.absolute().parents:
        if parent.exists():
            return parent
    return None


def _check_user_key(path: Path) -> Iterable[Finding]:
    """The key of the gaps' pseudonyms, read as the bot reads it: one it refuses keeps the gaps off."""
    if not (path.exists() or path.is_symlink()):
        return  # made at the first start
    try:
        keyfile.read(path)
    except keyfile.EmptyKey:
        yield warning("data", f"{path} is empty (a start was stopped while writing it): the next start replaces it")
    except (keyfile.KeyFileError, OSError) as exc:
        problem = str(exc) if isinstance(exc, keyfile.KeyFileError) else f"{path} cannot be read ({exc.strerror})"
        yield error("data", f"{problem}: the bot refuses it and runs without the gaps database")
    else:
        yield ok("data", f"{path.name} is the bot's own, readable by no one else")


def _appendable(path: Path) -> bool:
    """Really open it to append, as a change does (writing nothing, so the file is left as it is)."""
    try:
        with path.open("ab"):
            return True
    except OSError:
        return False


def _writable(folder: Path) -> bool:
    """Really try (os.access says yes to root even on a read-only mount)."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".doctor-"):
            return True
    except OSError:
        return False


# -- webhook ---------------------------------------------------------------------------------

TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ports Telegram sends webhooks to
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# the words a yes/no variable may hold, as adapters.settings reads them (adapters see only `bot`'s seam)
_YES = frozenset({"1", "true", "yes"})
_NO = frozenset({"0", "false", "no"})


def check_webhook(env: Mapping[str, str]) -> list[Finding]:
    """TELEGRAM_WEBHOOK_*: an https URL Telegram accepts, a port number, a well-formed secret, and
    an owner setting `run` accepts (yes or no; a worker that is not the owner needs the URL and the
    owner's secret)."""
    url = env.get("TELEGRAM_WEBHOOK_URL", "").strip()
    owner = env.get("TELEGRAM_WEBHOOK_OWNER", "").strip().lower() or "yes"  # blank: yes, as `run` reads it
    findings = []
    if owner not in _YES | _NO:
        findings.append(error("webhook", f"TELEGRAM_WEBHOOK_OWNER must be yes or no, not {owner[:20]!r}"))
    elif owner in _NO and not (url and env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()):
        findings.append(
            error(
                "webhook",
                "TELEGRAM_WEBHOOK_OWNER=no is for a webhook worker: set TELEGRAM_WEBHOOK_URL and the "
                "TELEGRAM_WEBHOOK_SECRET the owning worker registers",
            )
        )
    if not url:
        return findings
    findings.append(_webhook_url(url))
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if secret and not _SECRET.fullmatch(secret):
        findings.append(
            error("webhook", f"TELEGRAM_WEBHOOK_SECRET ({len(secret)} characters) must be 1-256 of A-Z a-z 0-9 _ -")
        )
    if not env.get("TELEGRAM_BOT_TOKEN", "").strip():
        findings.append(warning("webhook", "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not: it is unused"))
    return findings


def _webhook_url(url: str) -> Finding:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return error("webhook", "TELEGRAM_WEBHOOK_URL is not a valid URL")
    if parts.scheme != "https" or not parts.hostname:
        return error("webhook", "TELEGRAM_WEBHOOK_URL must be an https:// address (Telegram sends webhooks over HTTPS)")
    if port is not None and port not in TELEGRAM_WEBHOOK_PORTS:
        allowed = ", ".join(map(str, TELEGRAM_WEBHOOK_PORTS))
        return error("webhook", f"TELEGRAM_WEBHOOK_URL uses port {port}; Telegram only sends to ports {allowed}")
    # scheme and host only: the path is often secret (a token placed in it would show here)
    return ok("webhook", f"TELEGRAM_WEBHOOK_URL is https://{parts.hostname}/... (path not shown)")


# -- all together ----------------------------------------------------------------------------


def run_checks(knowledge_dir: Path, env: Mapping[str, str], data_dir: Path | None = None) -> list[Finding]:
    """Every check, in the order the report shows them."""
    config_finding, config = check_config(env)
    findings = [config_finding, *check_admin_places(config), check_telegram_token(env), check_discord_token(env)]
    no_token = check_some_token(env)
    if no_token is not None:
        findings.append(no_token)
    findings += check_webhook(env)
    findings += check_numbers(env)
    findings += check_knowledge(knowledge_dir)
    findings += check_data(data_dir or config.data_folder(knowledge_dir))
    database = storage_commands.check_database(env.get(DATABASE_VARIABLE, "").strip() or config.database_url)
    if database is not None:
        findings.append({"ok": ok, "warning": warning}.get(database[0], error)("database", database[1]))
    return findings


def report(findings: list[Finding]) -> str:
    """The lines to print, ending with a count of errors and warnings."""
    errors = sum(f.level is Level.ERROR for f in findings)
    warnings = sum(f.level is Level.WARNING for f in findings)
    counts = f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"
    verdict = "all good" if not errors and not warnings else counts
    return "\n".join([*(f.line() for f in findings), f"doctor: {verdict}"])


def exit_code(findings: list[Finding]) -> int:
    return 1 if any(f.level is Level.ERROR for f in findings) else 0
