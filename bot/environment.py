"""The platforms' numeric environment variables (TELEGRAM_*, DISCORD_*): the range of each, and the
one line that names a value out of it.

The adapters read them through `read_number` (`adapters.settings.Env`, which keeps the defaults),
and `doctor` checks them with `number_problems`, so a bad value is named in the same words before a
start and at it. Without an upper bound a slip went unnoticed: TELEGRAM_RETRY_DELAY=1000 (meant
as milliseconds) made every pause the longest, 30 s, and DISCORD_GUILD_READY_TIMEOUT=600 held every
start for ten minutes, without a word.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    """What one variable may hold: a number from `low` to `high`, whole or not, in `unit`."""

    low: float
    high: float
    whole: bool = False
    unit: str = "seconds"
    word: str = ""  # a word it may hold instead, read by the adapter itself (DISCORD_SHARD_COUNT=auto)
    what: str = ""  # what it is, when more than a number: "a port number"
    zero: str = ""  # what 0 means, when 0 is allowed below `low`: "no limit"

    def kind(self) -> str:
        """How the error names what is wanted: "a whole number from 0 to 60 (seconds)"."""
        what = self.what or ("a whole number" if self.whole else "a number")
        unit = f" ({self.unit})" if self.unit else ""
        kind = f"{what} from {self.low:g} to {self.high:g}{unit}"
        if self.zero:
            kind += f", or 0 ({self.zero})"
        return kind + (f", or {self.word}" if self.word else "")

    def holds(self, value: float) -> bool:
        """Whether `value` is in range (NaN and the infinities are not), or the 0 allowed below it."""
        return self.low <= value <= self.high or (bool(self.zero) and value == 0)


NUMBERS: dict[str, Bounds] = {
    # a longer poll gains nothing: proxies and NAT cut a connection idle for a minute or so
    "TELEGRAM_POLL_TIMEOUT": Bounds(0, 60, whole=True),
    # each retry of a 429 waits as long as Telegram asks: more would hold a reply for minutes
    "TELEGRAM_MAX_RETRIES": Bounds(0, 10, whole=True, unit="retries"),
    # 0 timed every call out at once (the bot never logged in); half a second still suits a Local Bot API
    # Server beside the bot (Telegram's own takes a few tenths of a second, hence the default of 5)
    "TELEGRAM_REQUEST_TIMEOUT": Bounds(0.5, 300),
    # the pauses double up to 30 s: 20 attempts already take about 8 minutes (0 counts as 1)
    "TELEGRAM_SEND_ATTEMPTS": Bounds(0, 20, whole=True, unit="attempts"),
    "TELEGRAM_RETRY_DELAY": Bounds(0, 30),  # a pause is at most 30 s (adapters.delivery.RetryPolicy.max_delay)
    # Telegram allows about 30 a second (paid broadcasts up to 1,000); 0 lifts the limit (python-telegram-bot
    # leaves a falsy rate unlimited). Between 0 and 1 aiolimiter's bucket holds less than the one call
    # each send asks for: every reply was refused ("Can't acquire more than the maximum capacity").
    "TELEGRAM_RATE_LIMIT": Bounds(1, 1000, unit="calls a second", zero="no limit"),
    "TELEGRAM_GROUP_RATE_LIMIT": Bounds(1, 1000, unit="messages a minute per group", zero="no limit"),
    "TELEGRAM_WEBHOOK_PORT": Bounds(1, 65535, whole=True, unit="", what="a port number"),
    # Discord forgets an interaction not acknowledged within 3 s, and the deferral needs time to get there
    "DISCORD_DEFER_AFTER": Bounds(0, 2.5),
    "DISCORD_GUILD_READY_TIMEOUT": Bounds(0, 60),
    # one shard per 1,000 servers or more: a larger count is a slip (a bot that large uses "auto")
    "DISCORD_SHARD_COUNT": Bounds(1, 10_000, whole=True, unit="shards", word="auto"),
}


class BadNumber(ValueError):
    """A value out of its variable's range; its text is the one line to show, naming the variable."""


def read_number(name: str, raw: str) -> float | None:
    """`name`'s value written as `raw` (None when blank), checked against its bounds; raises BadNumber."""
    bounds, raw = NUMBERS[name], raw.strip()
    if not raw:
        return None
    try:  # ASCII only: int() takes "١٠" (Arabic-Indic digits) and float() "1_000"'s kin as numbers
        value = (int(raw) if bounds.whole else float(raw)) if raw.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not bounds.holds(value):
        raise BadNumber(f"{name} must be {bounds.kind()}, not {raw[:20]!r}")
    return value


def number_problems(env: Mapping[str, str], prefix: str) -> list[str]:
    """The line for each variable whose name starts with `prefix` that holds a bad value."""
    problems = []
    for name, bounds in NUMBERS.items():
        raw = env.get(name, "").strip()
        if not name.startswith(prefix) or (bounds.word and raw.lower() == bounds.word):
            continue
        try:
            read_number(name, raw)
        except BadNumber as exc:
            problems.append(str(exc))
    return problems
