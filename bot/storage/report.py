"""A database command's report: lines the output refuses do not stop the command's work.

`db init --seed` with standard output unbuffered (PYTHONUNBUFFERED=1) on a full disk had stopped at its
first line (a migration applied), before seeding, and ended with exit 74, "what the command did is done".
"""

from __future__ import annotations

import io
from typing import TextIO


class Report(io.TextIOBase):
    """`out`, whose first refusal is kept (later lines are dropped) and raised by `said` once the work is done,
    so that exit 74 tells the truth. A closed pipe (`| head -1`) still stops the command at once, as Unix tools
    stop. What a refusal is, is the output's to say (the command line's wraps a full disk in its own
    `OutputFailed`): storage does not import the command line above it."""

    def __init__(self, out: TextIO):
        super().__init__()
        self.out = out
        self.refused: Exception | None = None

    def write(self, text: str) -> int:
        if self.refused is None:
            try:
                return self.out.write(text)
            except BrokenPipeError:
                raise
            except Exception as exc:  # the output's refusal: the command line's OutputFailed, or an OSError
                self.refused = exc
        return len(text)

    def said(self) -> None:
        """Raise the refusal the output met, if it met one (the command's work is done by now)."""
        if self.refused is not None:
            raise self.refused
