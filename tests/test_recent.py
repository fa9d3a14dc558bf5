"""What an adapter keeps of each chat (`bot.recent.Recent`): its bound, the entry used longest ago out first."""

from __future__ import annotations

from bot.recent import Recent


def test_past_its_bound_the_entry_used_longest_ago_is_forgotten() -> None:
    """Three chats in a Recent of two: the one neither set nor read since goes, the one read lately stays."""
    upgraded: Recent[int, int] = Recent(bound=2)
    upgraded.put(-1, -1001)
    upgraded.put(-2, -1002)
    assert upgraded.get(-1) == -1001  # read: the newest now
    upgraded.put(-3, -1003)
    assert (len(upgraded), -2 in upgraded, upgraded.get(-1), upgraded.get(-3)) == (2, False, -1001, -1003)


def test_used_as_a_set_an_entry_is_marked_and_unmarked() -> None:
    """`mark` remembers a key as the newest, or forgets it: a channel the bot may send in again is not kept."""
    silenced: Recent[int, bool] = Recent(bound=2)
    for channel in (1, 2, 1, 3):
        silenced.mark(channel, True)
    silenced.mark(3, False)
    assert (1 in silenced, 2 in silenced, 3 in silenced, len(silenced)) == (True, False, False, 1)
