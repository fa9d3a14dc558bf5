"""How a command ends: the command line's exit codes, and the quiet stop when its reader goes away."""

from __future__ import annotations

import os
import signal
import sys

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # Ctrl-C
EXIT_TERMINATED = 128 + signal.SIGTERM
EXIT_CLOSED_PIPE = 128 + 13  # what a shell reports for a tool killed by SIGPIPE (`... | head -1`)


def closed_pipe() -> int:
    """The reader of standard output went away (`| head -1`): stop quietly, as Unix tools do.

    Python ignores SIGPIPE, so a write raises BrokenPipeError instead; standard output is pointed at
    the null device so that the interpreter's last flush at exit cannot raise it a second time.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_CLOSED_PIPE
