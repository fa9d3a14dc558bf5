"""The command line's shell: one command parsed, run, and its errors turned into exit codes."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TextIO, cast

from bot.cli import exits, terminal
from bot.cli.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_UNUSABLE
from bot.cli.parser import build_parser
from bot.config import ConfigError
from bot.curation import Refused, interrupts
from bot.knowledge import KnowledgeError


class Terminated(Exception):
    """SIGTERM arrived: the command stops where it is (never inside a change, see bot.curation.shutdown)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


PLATFORM_COMMANDS = ("run", "discord", "bench")  # on the adapters' side: `python -m adapters`


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, parser: argparse.ArgumentParser | None = None
) -> int:
    """Run one command; `parser` is the adapters' fuller one when called from `adapters.cli`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if parser is None and argv[:1] and argv[0] in PLATFORM_COMMANDS:
        said = " ".join(argv[:2] if argv[0] == "discord" else argv[:1])
        print(f"error: `{said}` is part of the full command line: use `python -m adapters {said}` (or `qabot {said}`)",
              file=sys.stderr)  # fmt: skip
        return EXIT_UNUSABLE
    args = (parser or build_parser()[0]).parse_args(argv)
    output = getattr(args, "output", exits.Output.PRODUCT)  # as its parser declared it (`parser.command`)
    notes = _logging(output)
    previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
    held = notes.say if notes is not None else None  # the notes held are said before a line of output
    out = cast(TextIO, terminal.SafeOutput(out or sys.stdout, before=held))  # stored text may hold escapes
    begun = interrupts.changes_made()
    try:
        with exits.error_lines(notes) as errors:
            code = _run(args, out, begun)
            if notes is not None:
                notes.say()  # now, so that a note standard error refuses counts in `ended`
            return exits.ended(code, errors, output=output, changed=interrupts.changes_made() > begun)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _logging(output: exits.Output) -> terminal.Notes | None:
    """How the core's log reaches whoever ran the command: a running bot's (`Output.LOG`: `run`) is a
    log, each line with its time, level and logger; a one-shot command's warnings are its own lines,
    `warning: ...` (`terminal.Notes`, which the command's error line leaves out: it says why already)."""
    if output is exits.Output.LOG:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return None
    return terminal.Notes()


def _run(args: argparse.Namespace, out: TextIO, begun: int) -> int:
    """The command's exit code, its errors said in one line on standard error; `kb history` is named
    only once a change was made (after `begun` changes): it has nothing to show of `replay` or `ask`."""
    try:
        code = int(args.func(args, out))
        out.flush()  # a closed pipe shows here, not in the interpreter's flush at exit
        return code
    except BrokenPipeError:
        return exits.closed_pipe()
    except terminal.OutputFailed as exc:
        return exits.output_failed(str(exc), changed=interrupts.changes_made() > begun)
    except Terminated:
        print(f"error: stopped by SIGTERM; {_left(begun)}", file=sys.stderr)
        return EXIT_TERMINATED
    except (KnowledgeError, ConfigError) as exc:  # it may quote a file's text (a transcript's passage id)
        print(f"error: {terminal.safe(str(exc))}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Refused as exc:  # `kb publish`, which is not in the moderation command table
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"error: interrupted; {_left(begun)}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _left(begun: int) -> str:
    """What a stopped command left, and after a change where to see it."""
    shown = " (`kb history` shows what was made)" if interrupts.changes_made() > begun else ""
    return f"no change was left half-done{shown}"


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
