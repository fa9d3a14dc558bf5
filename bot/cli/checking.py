"""Checking offline, before anything is served: `doctor` the whole set-up, `kb check` the knowledge files."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from bot import doctor
from bot.answering import Answerer
from bot.cli.exits import EXIT_OK


def cmd_kb_check(args: argparse.Namespace, out: TextIO) -> int:
    answerer = Answerer.from_directory(args.knowledge, empty=True)  # a folder of no knowledge yet: a warning
    for _, warning in doctor.knowledge_warnings(Path(args.knowledge), answerer.kb):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"ok: {answerer.summary()}", file=out)
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace, out: TextIO) -> int:
    findings = doctor.run_checks(Path(args.knowledge), os.environ, Path(args.data) if args.data else None)
    print(doctor.report(findings), file=out)
    return doctor.exit_code(findings)
