"""The platforms' numeric environment variables (TELEGRAM_*, DISCORD_*): the range of each, the
lists of ids (DISCORD_SHARD_IDS, DISCORD_ANSWER_FORUMS), and the one line that names a bad value.

The adapters read them through `read_number` (`adapters.settings.Env`, which keeps the defaults)
and the lists' readers, and `doctor` checks them with `number_problems`, so a bad value is named in
the same words before a start and at it. Without an upper bound a slip went unnoticed:
TELEGRAM_RETRY_DELAY=1000 (meant as milliseconds) made every pause the longest, 30 s, and
DISCORD_GUILD_READY_TIMEOUT=600 held every start for ten minutes, without a word.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.bounds import Bounds


@dataclass(frozen=True)
class Variable:
    """What one variable may hold: a number within `bounds`, in `unit`."""

    bounds: Bounds
    unit: str = "seconds"
    word: str = ""  # a word it may hold instead, read by the adapter itself (DISCORD_SHARD_COUNT=auto)
    what: str = ""  # what it is, when more than a number: "a port number"
    zero: str = ""  # what 0 means, when 0 is allowed below the bounds: "no limit"

    def kind(self) -> str:
        """How the error names what is wanted: "a whole number from 0 to 60 (seconds)"."""
        unit = f" ({self.unit})" if self.unit else ""
        kind = f"{self.what or self.bounds.noun()} {self.bounds.span()}{unit}"
        if self.zero:
            kind += f", or 0 ({self.zero})"
        return kind + (f", or {self.word}" if self.word else "")

    def holds(self, value: float) -> bool:
        """Whether `value` is in range (NaN and the infinities are not), or the 0 allowed below it."""
        return self.bounds.holds(value) or (bool(self.zero) and value == 0)


NUMBERS: dict[str, Variable] = {
    # a longer poll gains nothing: proxies and NAT cut a connection idle for a minute or so
    "TELEGRAM_POLL_TIMEOUT": Variable(Bounds(0, 60, whole=True)),
    # each retry of a 429 waits as long as Telegram asks: more would hold a reply for minutes
    "TELEGRAM_MAX_RETRIES": Variable(Bounds(0, 10, whole=True), unit="retries"),
    # 0 timed every call out at once (the bot never logged in); half a second still suits a Local Bot API
    # Server beside the bot (Telegram's own takes a few tenths of a second, hence the default of 5)
    "TELEGRAM_REQUEST_TIMEOUT": Variable(Bounds(0.5, 300)),
    # the pauses double up to 30 s: 20 attempts already take about 8 minutes (0 counts as 1)
    "TELEGRAM_SEND_ATTEMPTS": Variable(Bounds(0, 20, whole=True), unit="attempts"),
    # a pause is at most 30 s (adapters.delivery.RetryPolicy.max_delay)
    "TELEGRAM_RETRY_DELAY": Variable(Bounds(0, 30)),
    # Telegram allows about 30 a second (paid broadcasts up to 1,000); 0 lifts the limit (python-telegram-bot
    # leaves a falsy rate unlimited). Between 0 and 1 aiolimiter's bucket holds less than the one call
    # each send asks for: every reply was refused ("Can't acquire more than the maximum capacity").
    "TELEGRAM_RATE_LIMIT": Variable(Bounds(1, 1000), unit="calls a second", zero="no limit"),
    "TELEGRAM_GROUP_RATE_LIMIT": Variable(Bounds(1, 1000), unit="messages a minute per group", zero="no limit"),
    "TELEGRAM_WEBHOOK_PORT": Variable(Bounds(1, 65535, whole=True), unit="", what="a port number"),
    # Discord forgets an interaction not acknowledged within 3 s, and the deferral needs time to get there
    "DISCORD_DEFER_AFTER": Variable(Bounds(0, 2.5)),
    "DISCORD_GUILD_READY_TIMEOUT": Variable(Bounds(0, 60)),
    # one shard per 1,000 servers or more: a larger count is a slip (a bot that large uses "auto")
    "DISCORD_SHARD_COUNT": Variable(Bounds(1, 10_000, whole=True), unit="shards", word="auto"),
}


class BadNumber(ValueError):
    """A value out of its variable's range; its text is the one line to show, naming the variable."""


def read_number(name: str, raw: str) -> float | None:
    """`name`'s value written as `raw` (None when blank), checked against its bounds; raises BadNumber."""
    variable, raw = NUMBERS[name], raw.strip()
    if not raw:
        return None
    try:  # ASCII only: int() takes "١٠" (Arabic-Indic digits) and float() "1_000"'s kin as numbers
        value = (int(raw) if variable.bounds.whole else float(raw)) if raw.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not variable.holds(value):
        raise BadNumber(f"{name} must be {variable.kind()}, not {raw[:20]!r}")
    return value


def read_whole_numbers(name: str, raw: str, what: str = "numbers") -> tuple[int, ...]:
    """Whole numbers of 0 or more written "0,1" or "1234, 5678" (ASCII digits only: int() takes "١", an
    Arabic-Indic one); () when blank; raises BadNumber."""
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise BadNumber(f"{name} must be comma-separated {what}, not {raw.strip()[:60]!r}")
    return tuple(int(part) for part in parts)


def read_shard_ids(env: Mapping[str, str]) -> tuple[int, ...] | None:
    """DISCORD_SHARD_IDS ("0,1"), each once and below DISCORD_SHARD_COUNT, which must then be a number; None
    when unset; raises BadNumber."""
    raw = env.get("DISCORD_SHARD_IDS", "")
    ids = read_whole_numbers("DISCORD_SHARD_IDS", raw)
    if not ids:
        return None
    # a shard listed twice is identified twice: each of its guilds' messages would be answered twice
    if twice := sorted({i for i in ids if ids.count(i) > 1}):
        named = f"shard{'s' if len(twice) > 1 else ''} {', '.join(map(str, twice))} twice"
        raise BadNumber(f"DISCORD_SHARD_IDS must name each shard once, not {raw.strip()[:60]!r} ({named})")
    count = env.get("DISCORD_SHARD_COUNT", "").strip()
    if count.lower() in ("", NUMBERS["DISCORD_SHARD_COUNT"].word):
        raise BadNumber("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT set to a number")
    try:
        shards = read_number("DISCORD_SHARD_COUNT", count)
    except BadNumber:
        return ids  # the count's own line says what is wrong with it
    if shards is not None and any(i >= shards for i in ids):
        raise BadNumber("DISCORD_SHARD_IDS must be numbers from 0 to DISCORD_SHARD_COUNT - 1")
    return ids


def read_answer_forums(env: Mapping[str, str]) -> frozenset[int]:
    """DISCORD_ANSWER_FORUMS: channel ids written "1234,5678" (Developer Mode, then right-click the
    channel, Copy Channel ID), each a snowflake (above 0, below 2**64); raises BadNumber."""
    name, what = "DISCORD_ANSWER_FORUMS", "channel ids (numbers)"
    raw = env.get(name, "")
    ids = read_whole_numbers(name, raw, what)
    if not all(0 < i < 2**64 for i in ids):
        raise BadNumber(f"{name} must be comma-separated {what}, not {raw.strip()[:60]!r}")
    return frozenset(ids)


# the variables that hold lists, each with its reader (which may look at another variable too)
LISTS: dict[str, Callable[[Mapping[str, str]], object]] = {
    "DISCORD_SHARD_IDS": read_shard_ids,
    "DISCORD_ANSWER_FORUMS": read_answer_forums,
}


def number_problems(env: Mapping[str, str], prefix: str) -> list[str]:
    """The line for each variable whose name starts with `prefix` that holds a bad number or list."""
    problems = []
    for name, variable in NUMBERS.items():
        raw = env.get(name, "").strip()
        if not name.startswith(prefix) or (variable.word and raw.lower() == variable.word):
            continue
        try:
            read_number(name, raw)
        except BadNumber as exc:
            problems.append(str(exc))
    for name, read in LISTS.items():
        try:
            if name.startswith(prefix):
                read(env)
        except BadNumber as exc:
            problems.append(str(exc))
    return problems
