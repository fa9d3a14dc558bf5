"""`kb history`'s account of a change (bot.curation.history.render), read as a moderator reads it."""

from __future__ import annotations

from typing import Any

from bot.curation.history import DOCUMENT, PUSH, Record, render


def _push(name: str, before: Any, after: Any) -> Record:
    """A recorded `kb push` of synonyms.yaml or settings.yaml (None: the file was not there)."""
    return Record(id=Record.new_id(), at="2026-01-01T00:00:00+00:00", platform="cli", user_id="", name="bob",
                  chat_id="", kind=PUSH, passage_id=name, file=name, index=0,
                  before=None if before is None else {DOCUMENT: before},
                  after=None if after is None else {DOCUMENT: after})  # fmt: skip


def test_a_phrase_moved_between_groups_shows_as_two_changed_groups_beside_those_taken_out_and_put_in() -> None:
    """Each group changed is named by a phrase it keeps, with its phrases out and in; others are whole lines."""
    before = {"groups": [["photo", "pics", "images"], ["compose", "docker-compose"], ["cloud", "hosted"]]}
    after = {"groups": [["photo", "pics"], ["compose", "docker-compose", "images"], ["meetup", "gathering"]]}
    assert render([_push("synonyms.yaml", before, after)]).splitlines()[1:] == [
        "  - group: cloud, hosted",
        "  + group: meetup, gathering",
        "  ~ group photo: - images",
        "  ~ group compose: + images",
    ]
