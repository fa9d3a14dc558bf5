"""Reading a platform's settings from the environment, the same way for every platform.

`Env` reads one variable at a time: blank means the default, and a bad value is a StartupError
naming the variable, so the bot says in one line what to fix and does not start.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from adapters.platform import StartupError

T = TypeVar("T")

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
        """A whole number of 0 or more."""
        value = self._parsed(name, int, "a whole number")
        if value is None:
            return default
        if value < 0:
            raise StartupError(f"{name} must not be negative")
        return value

    def whole_numbers(self, name: str, what: str = "numbers") -> tuple[int, ...]:
        """Whole numbers of 0 or more written "0,1" or "1234, 5678" (ASCII digits only); () when unset."""
        raw = self.text(name)
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise StartupError(f"{name} must be comma-separated {what}, not {raw[:60]!r}")
        return tuple(int(part) for part in parts)

    def number(self, name: str, default: float) -> float:
        """A finite number of 0 or more."""
        value = self._parsed(name, float, "a number")
        if value is None:
            return default
        if not 0 <= value < math.inf:
            raise StartupError(f"{name} must be a number of 0 or more")
        return value

    def _parsed(self, name: str, kind: Callable[[str], T], what: str) -> T | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            return kind(raw)
        except ValueError:
            raise StartupError(f"{name} must be {what}, not {raw!r}") from None
