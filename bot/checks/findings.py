"""What a check finds: a frozen `Finding` (ok, warning or error) that is one line of `doctor`'s report."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.Enum):
    """How bad a finding is; any ERROR makes `doctor` exit 1."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was checked, and what was found."""

    level: Level
    topic: str
    message: str

    def line(self) -> str:
        return f"{self.level.value:<7} {self.topic}: {self.message}"


def ok(topic: str, message: str) -> Finding:
    return Finding(Level.OK, topic, message)


def warning(topic: str, message: str) -> Finding:
    return Finding(Level.WARNING, topic, message)


def error(topic: str, message: str) -> Finding:
    return Finding(Level.ERROR, topic, message)
