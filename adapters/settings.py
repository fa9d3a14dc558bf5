"""Reading a platform's settings from the environment, the same way for every platform.

`Env` reads one variable at a time: blank means the default, and a bad value is a StartupError
naming the variable, so the bot says in one line what to fix and does not start. A number's range
is the core's (`bot.environment`), so that `python -m bot doctor` names a bad one before a start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.platform import StartupError
from bot import BadNumber, read_number

_TRUE_WORDS = frozenset({"1", "true", "yes"})
_FALSE_WORDS = frozenset({"0", "false", "no"})


@dataclass(frozen=True)
class Env:
    """The environment variables, read with checks."""

    values: Mapping[str, str]

    def text(self, name: str, default: str = "") -> str:
        """The stripped value, or `default` when unset or blank."""
        return self.values.get(name, "").strip() or default

    def flag(self, name: str) -> bool:
        """True for 1, true or yes (any case)."""
        return self.text(name).lower() in _TRUE_WORDS

    def yes_no(self, name: str, default: bool) -> bool:
        """True for 1, true or yes, False for 0, false or no (any case); `default` when unset or blank."""
        word = self.text(name).lower()
        if not word:
            return default
        if word not in _TRUE_WORDS | _FALSE_WORDS:
            raise StartupError(f"{name} must be yes or no, not {word[:20]!r}")
        return word in _TRUE_WORDS

    def whole(self, name: str, default: int) -> int:
        """A whole number within the variable's bounds (`bot.environment`); `default` when unset or blank."""
        value = self._bounded(name)
        return default if value is None else int(value)

    def whole_numbers(self, name: str, what: str = "numbers") -> tuple[int, ...]:
        """Whole numbers of 0 or more written "0,1" or "1234, 5678" (ASCII digits only); () when unset."""
        raw = self.text(name)
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise StartupError(f"{name} must be comma-separated {what}, not {raw[:60]!r}")
        return tuple(int(part) for part in parts)

    def number(self, name: str, default: float) -> float:
        """A number within the variable's bounds (`bot.environment`); `default` when unset or blank."""
        value = self._bounded(name)
        return default if value is None else float(value)

    def _bounded(self, name: str) -> float | None:
        try:
            return read_number(name, self.text(name))
        except BadNumber as exc:  # the line `doctor` shows for it too
            raise StartupError(str(exc)) from None
