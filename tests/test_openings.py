"""A member's openings of one answer from a link count once a day, remembered in memory, bounded, as keyed hashes."""

from __future__ import annotations

from bot.records.openings import Openings
from bot.records.sql import DAY
from tests.support import Clock


def test_an_opening_counts_once_a_day_for_each_member_and_passage() -> None:
    """The same member and passage count once; another member, another passage or another platform counts; the
    next day (UTC) the member counts again."""
    clock = Clock()
    openings = Openings(clock=clock)
    assert openings.first("telegram", "1", "parking")
    assert not openings.first("telegram", "1", "parking")
    assert openings.first("telegram", "2", "parking") and openings.first("telegram", "1", "rules")
    assert openings.first("discord", "1", "parking")
    clock.now += DAY
    assert openings.first("telegram", "1", "parking") and len(openings) == 1  # the day before's are forgotten
    assert not openings.first("telegram", "1", "parking")


def test_the_openings_remembered_are_bounded_the_oldest_forgotten() -> None:
    """Past its bound the opening counted longest ago is forgotten (its member counts again); memory stays bounded."""
    openings = Openings(bound=3)
    for member in ("1", "2", "3", "4"):
        assert openings.first("telegram", member, "parking")
    assert len(openings) == 3
    assert not openings.first("telegram", "4", "parking")
    assert openings.first("telegram", "1", "parking")


def test_a_member_id_is_never_kept_as_given() -> None:
    """What is kept names no one: no member id or passage in it, and another instance's key hashes apart."""
    first, second = Openings(), Openings()
    first.first("telegram", "424242", "parking")
    second.first("telegram", "424242", "parking")
    kept = b"".join(first._counted) + b"".join(second._counted)
    assert b"424242" not in kept and b"parking" not in kept
    assert set(first._counted).isdisjoint(second._counted)
