"""Small helpers the core test modules share: a tiny knowledge folder, and the environment for a child process."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_MEETUPS = """\
  - id: meetups
    section: "Meetups"
    text: "The community meets every first Saturday of the month at the library."
"""
_MEETUPS_QUESTION = """\
    questions: ["When is the meetup?"]
"""
_RULES = """\
  - id: rules
    section: "Rules"
    text: "Be kind, stay on topic, and no advertising in the channels."
"""


def small_kb(*, questions: bool = False, rules: bool = False) -> str:
    """The YAML of a one-source knowledge file: `meetups` (with its question if asked), then `rules` if asked."""
    return (
        'source: {title: "Test notes"}\npassages:\n'
        + _MEETUPS
        + (_MEETUPS_QUESTION if questions else "")
        + (_RULES if rules else "")
    )


def write_kb(folder: Path, text: str) -> Path:
    """`folder` made (its parent must exist) as a knowledge folder holding `text` as notes.yaml."""
    folder.mkdir()
    (folder / "notes.yaml").write_text(text, encoding="utf-8")
    return folder


def child_env() -> dict[str, str]:
    """This process's environment, with the project importable: for a test's child Python process."""
    return {**os.environ, "PYTHONPATH": str(ROOT)}


class Clock:
    """A clock the test moves by hand (`now += seconds`): no sleeping, no timing."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
