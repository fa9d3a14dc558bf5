"""Checking offline, before anything is served: `doctor` the whole set-up, `kb check` the knowledge files."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TextIO

from bot import doctor, knowledge
from bot.answering import Answerer
from bot.cli.exits import EXIT_OK
from bot.cli.terminal import unlogged


def cmd_kb_check(args: argparse.Namespace, out: TextIO) -> int:
    folder = Path(args.knowledge)
    nothing_yet = knowledge.knows_nothing_yet(folder)
    if nothing_yet:  # a folder of no knowledge yet: a warning in doctor's words, not the running bot's log line
        print(f"warning: {folder}: {doctor.NOTHING_YET}", file=sys.stderr)
    with unlogged("bot.knowledge.folder") if nothing_yet else contextlib.nullcontext():
        answerer = Answerer.from_directory(folder, empty=True)
    for _, warning in doctor.knowledge_warnings(Path(args.knowledge), answerer.kb):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"ok: {answerer.summary()}", file=out)
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace, out: TextIO) -> int:
    findings = doctor.run_checks(Path(args.knowledge), os.environ, Path(args.data) if args.data else None)
    print(doctor.report(findings), file=out)
    return doctor.exit_code(findings)
