"""Environment variables read by the adapters (`adapters.settings.Env`): a number in its variable's
range, as an int or a float, the default when blank, and a StartupError naming a bad one."""

from __future__ import annotations

import pytest

from adapters.platform import StartupError
from adapters.settings import Env


def test_a_whole_number_is_an_int_a_number_a_float_and_blank_is_the_default() -> None:
    """Both readers take the variable's range from the core; only what they give back differs."""
    env = Env({"TELEGRAM_POLL_TIMEOUT": " 7 ", "TELEGRAM_RETRY_DELAY": "2", "DISCORD_DEFER_AFTER": "  "})
    whole, number = env.whole("TELEGRAM_POLL_TIMEOUT", 30), env.number("TELEGRAM_RETRY_DELAY", 1.0)
    assert (whole, type(whole)) == (7, int) and (number, type(number)) == (2.0, float)
    assert env.number("DISCORD_DEFER_AFTER", 1.5) == 1.5 and env.whole("TELEGRAM_MAX_RETRIES", 3) == 3


def test_a_bad_number_is_a_startup_error_naming_the_variable() -> None:
    """Out of range, or not the kind of number wanted: one line, as `doctor` words it."""
    env = Env({"TELEGRAM_POLL_TIMEOUT": "2.5", "TELEGRAM_RETRY_DELAY": "1000"})
    with pytest.raises(
        StartupError, match=r"^TELEGRAM_POLL_TIMEOUT must be a whole number from 0 to 60 \(seconds\), not '2.5'$"
    ):
        env.whole("TELEGRAM_POLL_TIMEOUT", 30)
    with pytest.raises(
        StartupError, match=r"^TELEGRAM_RETRY_DELAY must be a number from 0 to 30 \(seconds\), not '1000'$"
    ):
        env.number("TELEGRAM_RETRY_DELAY", 1.0)
