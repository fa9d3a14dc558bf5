"""A setting's range (`bot.bounds.Bounds`): which values are in it, and the words that name it."""

from __future__ import annotations

import math

import pytest

from bot.bounds import Bounds


@pytest.mark.parametrize(
    ("bounds", "inside", "outside"),
    [
        (Bounds(0, 60), [0, 0.5, 60, 60.0], [-0.1, 60.5, math.nan, math.inf, -math.inf, True, "5", None]),
        (Bounds(1, whole=True), [1, 10**300], [0, 3.0, 1.5, False, math.inf, 10**400]),
        (Bounds(0, 10, low_inclusive=False), [0.001, 10], [0, 0.0, -1, 10.5, 10**400]),
    ],
)
def test_a_value_is_inside_only_as_a_number_within_its_ends(
    bounds: Bounds, inside: list[object], outside: list[object]
) -> None:
    """Each end counts as its flag says; a bool, a NaN, an infinity, a whole number too long for a
    float, text, or a float where whole numbers are wanted never does."""
    assert [value for value in inside if not bounds.holds(value)] == []
    assert [value for value in outside if bounds.holds(value)] == []


def test_a_range_is_worded_by_its_ends() -> None:
    """ "from 0 to 60" (the environment's), "at least 1 and at most 36500" (the config file's), with no
    upper end only the lower, and "greater than" for a lower end left out."""
    assert Bounds(0, 2.5).span() == "from 0 to 2.5"
    assert Bounds(1, 36500, whole=True).limits() == "at least 1 and at most 36500"
    assert Bounds(1, whole=True).limits() == "at least 1"
    limit = Bounds(0, 604800, low_inclusive=False)
    assert limit.limits(example="8") == "greater than 0, such as 8, and at most 604800"
    assert (Bounds(1, whole=True).noun(), Bounds(0, 1).noun()) == ("a whole number", "a number")
