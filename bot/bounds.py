"""The range a setting's number must be in, checked and worded the same way for the config file
(`bot.config`) and the platforms' environment variables (`bot.environment`); each names its key or
variable in an error of its own words."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    """Numbers from `low` to `high` (`low` itself left out when not `low_inclusive`; no upper end
    when `high` is infinite), whole ones only when `whole`."""

    low: float
    high: float = math.inf
    whole: bool = False
    low_inclusive: bool = True

    def holds(self, value: object) -> bool:
        """Whether `value` is a number in range: never a bool, a NaN, an infinity or a whole number too
        long for a float (hundreds of digits); a float is no whole number, 3.0 included."""
        if isinstance(value, bool) or not isinstance(value, int if self.whole else (int, float)):
            return False
        try:
            finite = math.isfinite(value)
        except OverflowError:
            return False
        above = self.low <= value if self.low_inclusive else self.low < value
        return finite and above and value <= self.high

    def noun(self) -> str:
        """What is wanted: "a whole number" or "a number"."""
        return "a whole number" if self.whole else "a number"

    def span(self) -> str:
        """The range as its two ends, both in it: "from 0 to 60"."""
        return f"from {self.low:g} to {self.high:g}"

    def limits(self, *, example: str = "") -> str:
        """The range as what a value must be: "at least 1 and at most 36500", "at least 1" with no
        upper end, "greater than 0, such as 8, and at most 604800" with `example` given."""
        low = f"{'at least' if self.low_inclusive else 'greater than'} {self.low:g}"
        low += f", such as {example}," if example else ""
        return low if math.isinf(self.high) else f"{low} and at most {self.high:g}"
