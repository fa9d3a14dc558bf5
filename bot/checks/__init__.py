"""`doctor`'s checks, by what they look at: what a check finds (`findings`), the bot tokens' shapes
(`tokens`) and the data folder (`datafolder`). `bot/doctor.py` runs them with the rest and reports."""

from bot.checks.datafolder import check_data
from bot.checks.findings import Finding, Level, error, ok, warning
from bot.checks.tokens import check_discord_token, check_some_token, check_telegram_token

__all__ = [
    "Finding",
    "Level",
    "check_data",
    "check_discord_token",
    "check_some_token",
    "check_telegram_token",
    "error",
    "ok",
    "warning",
]
