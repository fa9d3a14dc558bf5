"""What the command line prints, made safe for the terminal that shows it.

Members' questions (`kb gaps`), passages and a moderator's text (`kb history`) are stored as they
were written. Written to a terminal as they are, a question holding ESC[2J cleared the moderator's
screen, ESC]0;...BEL retitled the window, and some terminals take such sequences as links or
clipboard writes. Every control character but the newline and the tab, and the marks that reverse
the direction of text (U+202E), are shown escaped instead, as JSON writes them (`\\u001b`,
`\\u202e`), so that `--json` output stays JSON. What the stream cannot encode (a path not in
UTF-8, on a terminal that takes only UTF-8) is escaped as Python escapes it on standard error.

What the core logs during a one-shot command is said as the command line's own lines (`Notes`):
`warning: ...`, without the time and the logger's name that a running bot's log (`run`) keeps.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

_CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]
_DIRECTION = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPED = {c: f"\\u{c:04x}" for c in [*_CONTROLS, *_DIRECTION]}


def safe(text: str) -> str:
    """`text` with its control characters (newline and tab aside) and direction marks escaped."""
    return text.translate(_ESCAPED)


class OutputFailed(Exception):
    """Standard output refused a write (a full disk, an I/O error), not the command: what it did is done."""

    def __init__(self, error: OSError):
        self.error = error
        super().__init__(error.strerror or str(error))


class Output:
    """A text stream whose writes and flushes the stream refuses raise OutputFailed (a closed pipe stays
    BrokenPipeError: a quiet stop)."""

    def __init__(self, stream: TextIO, *, before: Callable[[], None] | None = None):
        self.stream = stream
        self.before = before  # called before each write: the notes held (`Notes.say`) go first

    def write(self, text: str) -> int:
        if self.before is not None:
            self.before()
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputFailed(exc) from exc

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputFailed(exc) from exc

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, fileno, ... of the wrapped stream
        return getattr(self.stream, name)


class SafeOutput(Output):
    """An Output that writes everything through `safe`."""

    def write(self, text: str) -> int:
        shown = safe(text)
        try:
            return super().write(shown)
        except UnicodeEncodeError:  # a folder's name not in UTF-8 (lone surrogates) on a strict stream: escaped
            encoding = getattr(self.stream, "encoding", None) or "utf-8"
            return super().write(shown.encode(encoding, "backslashreplace").decode(encoding))


class ErrorLines:
    """Standard error during one command: a line it refuses (a full disk) is kept out of the way, not
    raised, so that the command's own exit code stands; an error line on a full disk had ended every
    command in a traceback and exit 1. `refused` says why the last refused write failed."""

    def __init__(self, stream: TextIO, notes: Notes | None = None):
        self.stream = stream
        self.refused: str | None = None
        self.notes = notes

    def write(self, text: str) -> int:
        if self.notes is not None:
            self.notes.before(text)
        try:
            return self.stream.write(text)
        except OSError as exc:  # a closed pipe too: nothing more can be said there
            self.refused = exc.strerror or str(exc)
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            self.refused = exc.strerror or str(exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class Notes(logging.Handler):
    """The log's warnings during a one-shot command, as the command line's own lines: `warning: ...`
    (`error: ...` above WARNING), with neither the time nor the logger's name, escaped as `safe` does.

    A note waits for the command's next line. An error line says why the command failed, and the
    notes logged on the way there were the log's view of the same failure (`kb gaps` on a data
    folder that is a file: "gaps database unavailable ... (answering goes on without it)"): they are
    left out. Any other line, on either stream, or the command's end (`say`) says them first."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.held: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()  # the message alone: no traceback, which a user never sees
        except Exception:  # a record whose arguments do not fit its format: logging's own report
            self.handleError(record)
            return
        level = "error" if record.levelno >= logging.ERROR else "warning"
        self.held.append(f"{level}: {safe(message)}\n")

    def before(self, text: str) -> None:
        """`text` is about to be written to standard error: an error line leaves the held notes out."""
        if text.startswith("error:"):
            with self.lock or contextlib.nullcontext():
                self.held.clear()
        else:
            self.say()

    def say(self) -> None:  # not `release`, which is logging.Handler's lock
        """The held notes written to standard error (the command's `ErrorLines`), in the order logged."""
        with self.lock or contextlib.nullcontext():
            held, self.held = self.held, []
        for line in held:
            sys.stderr.write(line)


@contextlib.contextmanager
def unlogged(name: str) -> Iterator[None]:
    """The WARNING lines of the logger `name` left out while the block runs: said once, plainly, already,
    or moot (`kb add` on a folder of no knowledge yet: "every question is declined until a moderator adds
    a passage")."""
    logger = logging.getLogger(name)

    def said(record: logging.LogRecord) -> bool:
        return record.levelno != logging.WARNING

    logger.addFilter(said)
    try:
        yield
    finally:
        logger.removeFilter(said)
