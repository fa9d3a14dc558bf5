"""The bot tokens' shapes: a Telegram or Discord token that is set looks right, or what is wrong with it
(and how it was pasted wrong), in words that never hold the token: at most its length."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

from bot.checks.findings import Finding, error, ok, warning

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
