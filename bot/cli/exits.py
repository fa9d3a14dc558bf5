"""How a command ends: the command line's exit codes, and the quiet stop when its reader goes away."""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator

from bot.cli import terminal

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # Ctrl-C
EXIT_TERMINATED = 128 + signal.SIGTERM
EXIT_CLOSED_PIPE = 128 + 13  # what a shell reports for a tool killed by SIGPIPE (`... | head -1`)
EXIT_OUTPUT_FAILED = 74  # EX_IOERR (sysexits.h): the output could not be written, the work itself was done


class Output(enum.Enum):
    """What a command's output is to whoever ran it, declared where the command is registered
    (`bot.cli.parser.command`, with `output=`); `ended` reads it."""

    PRODUCT = "product"  # a report, a listing, a change's reply: a warning standard error refuses is exit 74
    LOG = "log"  # a running bot's log: its code tells its supervisor why it stopped; a line lost is no reason


def closed_pipe() -> int:
    """The reader of standard output went away (`| head -1`): stop quietly, as Unix tools do.

    Python ignores SIGPIPE, so a write raises BrokenPipeError instead; standard output is pointed at
    the null device so that the interpreter's last flush at exit cannot raise it a second time.
    """
    _drop_output()
    return EXIT_CLOSED_PIPE


def output_failed(problem: str, *, changed: bool = False) -> int:
    """Standard output refused a write (`> file` on a full disk): one line on standard error, and not
    exit 1, which says that a change was refused, while the change was made (a script retried it).
    `kb history` is named only after a change (`changed`): it has nothing to show of `replay` or `ask`."""
    shown = " (`kb history` shows the change made)" if changed else ""
    with contextlib.suppress(OSError):  # standard error on the full disk too: the exit code says it
        print(f"error: the output could not be written ({problem}); what the command did is done{shown}",
              file=sys.stderr)  # fmt: skip
    _drop_output()  # what stays in the buffer would fail again at exit, as a traceback and exit 120
    return EXIT_OUTPUT_FAILED


def _drop_output() -> None:
    """Standard output pointed at the null device, so that the interpreter's last flush cannot fail."""
    try:
        fileno = sys.stdout.fileno()
    except (OSError, ValueError):  # not a real file (a test's capture): nothing is flushed at exit
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)


@contextlib.contextmanager
def error_lines(notes: terminal.Notes | None = None) -> Iterator[terminal.ErrorLines]:
    """Standard error for one command, as `terminal.ErrorLines`: a line it refuses leaves the exit code
    to the command (1, 2: what a script needs to know), and a command that succeeded, its warnings
    unsaid, ends with 74 (see `ended`). With `notes`, what is logged meanwhile is said through them."""
    errors = terminal.ErrorLines(sys.stderr, notes)
    sys.stderr = errors  # a text stream as far as print and logging go
    root = logging.getLogger()
    if notes is not None:
        root.addHandler(notes)
    try:
        yield errors
    finally:
        if notes is not None:
            root.removeHandler(notes)
            notes.say()  # said already unless the command raised
        sys.stderr = errors.stream


def ended(code: int, errors: terminal.ErrorLines, *, output: Output = Output.PRODUCT, changed: bool = False) -> int:
    """The exit code of a command that returned `code`: 74 if it succeeded but standard error refused
    a line (nothing could be said), else `code` (a failure stays one though its line was lost). A
    command whose output is a log (`Output.LOG`: `run`) keeps its code: its log is not what it made."""
    if code == EXIT_OK and errors.refused is not None and output is Output.PRODUCT:
        return output_failed(errors.refused, changed=changed)
    return code


def run_printing(main: Callable[[], int]) -> int:
    """`main` (a benchmark's, which prints with print) ended as the bot's commands end: a closed pipe
    quietly with 141, an output a full disk refuses with one line and 74 (it had been a traceback and
    exit 1), an error line standard error refuses as `ended` says."""
    stdout = sys.stdout
    sys.stdout = terminal.Output(stdout)  # raises OutputFailed, not OSError
    try:
        with error_lines() as errors:
            try:
                code = main()
                sys.stdout.flush()
            except BrokenPipeError:
                return closed_pipe()
            except terminal.OutputFailed as exc:
                return output_failed(str(exc))
            return ended(code, errors)
    finally:
        sys.stdout = stdout
