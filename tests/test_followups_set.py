"""The follow-up conversations (benchmarks/followups) load as written: 36 a part, each community
with its three kinds of second message, every fact of an on-topic message in its community's
docs as imported."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

import benchmarks.followups as followups
from benchmarks.followups import KINDS, load, main


@pytest.mark.parametrize("set_name", ["dev", "blind"])
def test_each_part_holds_every_kind_for_every_community(set_name: str) -> None:
    """Each part of the follow-ups set holds 36 conversations, twelve of every kind and six of every community, each
    with the facts its kind needs."""
    conversations = load(set_name)
    assert len(conversations) == 36
    assert Counter(c.kind for c in conversations) == dict.fromkeys(KINDS, 12)
    assert Counter(c.group for c in conversations) == dict.fromkeys(
        ["exercism", "godot", "jekyll", "pip", "syncthing", "zulip"], 6
    )
    assert all(c.first.fact and (c.then.fact is None) == (c.kind == "off-topic") for c in conversations)


def test_a_conversation_without_a_kind_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A conversation without a kind is refused, naming the file, the conversation and the key."""
    # The module reads the sets beside it: a copy of it in a folder of the test's own reads that folder's.
    module = tmp_path / "followups.py"
    shutil.copyfile(followups.__file__, module)
    spec = importlib.util.spec_from_file_location("followups_elsewhere", module)
    assert spec is not None and spec.loader is not None
    elsewhere = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, elsewhere)  # registered as `import` does (its dataclasses look)
    spec.loader.exec_module(elsewhere)
    (tmp_path / "dev.yaml").write_text("- group: pip\n  first: {ask: a, fact: b}\n  then: {ask: c}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dev.yaml: conversation 1: 'kind'"):
        elsewhere.load("dev")


def test_show_refuses_the_blind_part(capsys: pytest.CaptureFixture[str]) -> None:
    """`--show` refuses the follow-ups set's blind part."""
    assert main(["--set", "blind", "--show"]) == 2
    assert "refused" in capsys.readouterr().err
