"""Reading a platform's settings from the environment, the same way for every platform.

`Env` reads one variable at a time: blank means the default, and a bad value is a StartupError
naming the variable, so the bot says in one line what to fix and does not start. A number's range
is the core's (`bot.environment`), so that `python -m bot doctor` names a bad one before a start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from adapters.platform import StartupError
from bot import BadNumber, read_number

_TRUE_WORDS = frozenset({"1", "true", "yes"})
_FALSE_WORDS = frozenset({"0", "false", "no"})
T = TypeVar("T")
N = TypeVar("N", int, float)


@dataclass(frozen=True)
class Env:
    """The environment variables, read with checks."""

    values: Mapping[str, str]

    def text(self, name: str, default: str = "") -> str:
        """The stripped value, or `default` when unset or blank."""
        return self.values.get(name, "").strip() or default

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
        return self._bounded(name, default, int)

    def number(self, name: str, default: float) -> float:
        """A number within the variable's bounds (`bot.environment`); `default` when unset or blank."""
        return self._bounded(name, default, float)

    def checked(self, read: Callable[[Mapping[str, str]], T]) -> T:
        """What the core's reader `read` (`bot.environment`) makes of the variables; a bad value is a
        StartupError in the line `doctor` shows for it too."""
        try:
            return read(self.values)
        except BadNumber as exc:
            raise StartupError(str(exc)) from None

    def _bounded(self, name: str, default: N, cast: Callable[[float], N]) -> N:
        """`name`'s number as `cast` makes it, checked against its bounds; `default` when unset or blank."""
        value = self.checked(lambda values: read_number(name, values.get(name, "")))
        return default if value is None else cast(value)
