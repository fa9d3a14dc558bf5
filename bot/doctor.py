"""`python -m bot doctor`: check the set-up offline and say what is wrong, in plain words.

Each check is a small function that looks at one thing (the config file, a token's shape, the
knowledge files, the data folder, the webhook settings, the platforms' numeric variables) and
returns frozen `Finding`s: ok, warning or error, one line each. Nothing here contacts Telegram or
Discord, and a token is never shown: at most its length and whether its shape is right. The checks
of the tokens and of the data folder, and the `Finding` itself, are in `bot/checks/`; this module
holds the others, runs them all in order (`run_checks`) and reports (`report`, `exit_code`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from bot import knowledge
from bot.answering import Answerer, tuning
from bot.catalogue import counted
from bot.checks import (
    Finding,
    Level,
    check_data,
    check_discord_token,
    check_some_token,
    check_telegram_token,
    error,
    ok,
    warning,
)
from bot.config import CONFIG_VARIABLE, DATABASE_VARIABLE, Config, ConfigError, config_path, config_places, load_config
from bot.curation import STALE_TEMP_GLOB
from bot.environment import number_problems
from bot.knowledge import KnowledgeError
from bot.search import load_synonyms, synonym_clashes
from bot.storage import commands as storage_commands
from bot.yamlfiles import FileError

__all__ = [  # the checks of bot/checks/ stay importable from here, where the command line and tests look for them
    "NOTHING_YET",
    "Finding",
    "Level",
    "check_admin_places",
    "check_config",
    "check_data",
    "check_discord_token",
    "check_knowledge",
    "check_numbers",
    "check_some_token",
    "check_telegram_token",
    "check_webhook",
    "error",
    "exit_code",
    "knowledge_warnings",
    "ok",
    "report",
    "run_checks",
    "start_errors",
    "warning",
]


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


# -- what `run` refuses --------------------------------------------------------------------


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
