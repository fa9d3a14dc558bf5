"""How a command ends: the command line's exit codes, and the quiet stop when its reader goes away."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # Ctrl-C
EXIT_TERMINATED = 128 + signal.SIGTERM
EXIT_CLOSED_PIPE = 128 + 13  # what a shell reports for a tool killed by SIGPIPE (`... | head -1`)
EXIT_OUTPUT_FAILED = 74  # EX_IOERR (sysexits.h): the output could not be written, the work itself was done


def closed_pipe() -> int:
    """The reader of standard output went away (`| head -1`): stop quietly, as Unix tools do.

    Python ignores SIGPIPE, so a write raises BrokenPipeError instead; standard output is pointed at
    the null device so that the interpreter's last flush at exit cannot raise it a second time.
    """
    _drop_output()
    return EXIT_CLOSED_PIPE


def output_failed(problem: str) -> int:
    """Standard output refused a write (`> file` on a full disk): one line on standard error, and not
    exit 1, which says that a change was refused, while the change was made (a script retried it)."""
    with contextlib.suppress(OSError):  # standard error on the full disk too: the exit code says it
        print(
            f"error: the output could not be written ({problem}); what the command did is done "
            "(`kb history` shows any change made)",
            file=sys.stderr,
        )
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
