"""The listening set (benchmarks/listening) loads as written: for each of its five communities,
half of each kind of message a part; the blind part is read as totals only."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.listening import KINDS, communities, main, negatives, reads_as_question


@pytest.mark.parametrize("set_name", ["dev", "blind"])
def test_each_part_holds_half_of_every_kind_for_every_community(set_name: str) -> None:
    """Each part of the listening set holds half of every kind of message (chatter, members, near) for each of its five
    communities, none twice."""
    assert communities() == ["godot", "hackerspace_gent", "homebrew", "syncthing", "zulip"]
    for community in communities():
        said = negatives(community, set_name)
        assert Counter(kind for _, kind in said) == dict(zip(KINDS, (15, 10, 5), strict=True))
        assert len({text for text, _ in said}) == len(said)


def test_a_message_reads_as_a_question_by_its_mark_or_its_word_order() -> None:
    """A message reads as a question by its question mark or by its word order."""
    assert reads_as_question("syncthing on a nas?")
    assert reads_as_question("anyone know how to sync two phones")
    assert not reads_as_question("finally got my sync working")


def test_show_refuses_the_blind_part(capsys: pytest.CaptureFixture[str]) -> None:
    """`--show` refuses the listening set's blind part."""
    assert main(["--set", "blind", "--show"]) == 2
    assert "blind" in capsys.readouterr().err
