"""Proving the answers offline: `replay` judges transcripts' turns, `calibrate` fits when to answer
from them and writes the rule into the folder's settings.yaml."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path
from typing import TextIO

from bot.answering import Answer, Answerer, tuning
from bot.cli import opening, terminal
from bot.cli.asking import answer_json
from bot.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE
from bot.curation import KnowledgeStore, StoreError, write_atomic
from bot.evaluation import calibration, transcripts
from bot.knowledge import SETTINGS_FILE
from bot.yamlfiles import FileError


def _loaded(files: list[str]) -> list[transcripts.Transcript] | None:
    """The transcripts named, each once: a file named twice (a glob and its name) or a copy of it (the same
    name and turns: tests/transcripts/ and ../shared/transcripts/ hold one) had counted its turns twice.
    Said on standard error; None when one cannot be read, the error said."""
    loaded: dict[tuple[str, tuple[transcripts.Turn, ...]], transcripts.Transcript] = {}
    for name in files:
        try:
            transcript = transcripts.load(Path(name))
        except FileError as exc:  # it may quote the file's text: a key, an id (ESC[2J had cleared the screen)
            print(f"error: {terminal.safe(str(exc))}", file=sys.stderr)
            return None
        first = loaded.setdefault((transcript.name, transcript.turns), transcript)
        if first is not transcript:
            said = f"{terminal.safe(name)}: the same transcript as {terminal.safe(str(first.path))}: read once"
            print(f"note: {said}", file=sys.stderr)
    return list(loaded.values())


def cmd_replay(args: argparse.Namespace, out: TextIO) -> int:
    loaded = _loaded(args.files)
    if loaded is None:
        return EXIT_UNUSABLE
    results = []
    for result in transcripts.replay(opening.answerer(args), loaded):
        results.append(result)
        if args.json:
            row = {"transcript": result.transcript, **answer_json(result.turn.ask, result.answer)}
            row["pass"] = result.passed
            row["reason"] = "; ".join(result.problems) or None  # why it failed, as the text line says it
            print(json.dumps(row, ensure_ascii=False), file=out)
        else:
            print(_replay_line(result), file=out)
    summary = transcripts.Summary.of(results)
    # with --json the summary is the output on standard error: a write it refuses is exit 74, as one to `out`
    # (a traceback had ended it with exit 1, which says that a turn failed)
    print(summary, file=terminal.SafeOutput(sys.stderr) if args.json else out)
    return EXIT_FAILED if summary.failed else EXIT_OK


def _replay_line(result: transcripts.Result) -> str:
    """The turn's mark, its question and what each reply chose (a message of several questions: one after
    another, joined by " + ", so that a change of the second shows between two replays), and what it missed."""
    mark = {True: "PASS", False: "FAIL", None: "----"}[result.passed]
    chosen = " + ".join(_chosen(reply) for reply in result.answer.replies)
    line = f"{mark} [{result.transcript}] {result.turn.ask!r} -> {chosen}"
    if result.problems:
        line += "  " + "; ".join(result.problems)
    return line


def _chosen(answer: Answer) -> str:
    chosen = answer.passage_id or "(declined)"
    return f"{chosen}{' (hedged)' if answer.hedged else ''} ({answer.score:.2f})"


def cmd_calibrate(args: argparse.Namespace, out: TextIO) -> int:
    folder = Path(args.knowledge)
    loaded = _loaded(args.files)
    if loaded is None:
        return EXIT_UNUSABLE
    if not 0.0 <= args.decline <= 1.0:
        print("error: --decline is a share between 0 and 1 (0.9: decline 90% of off-topic questions)", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.plot and not args.plot.lower().endswith(".png"):  # the file drawn is the file named, and a PNG
        print(f"error: --plot names the PNG file to draw to, ending in .png: not {args.plot}", file=sys.stderr)
        return EXIT_UNUSABLE
    answerer = Answerer.from_directory(folder)
    try:
        result = calibration.calibrate(answerer, loaded, decline=args.decline)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{result.examples} judged turns; precision and coverage at each cut:", file=out)
    print(calibration.table(result), file=out)
    weights = ", ".join(f"{name} {weight:.3f}" for name, weight in result.confidence.weights.items())
    print(f"rule: {weights}; threshold {result.confidence.threshold:.3f}", file=out)
    objections = calibration.objections(result)
    for objection in objections:
        print(f"warning: {objection}", file=sys.stderr)
    if args.plot and not _drawn(result, args.plot, out):
        return EXIT_UNUSABLE
    if args.dry_run:
        return EXIT_OK
    if objections and not args.force:
        print(
            f"error: not written: the rule you have stays in {folder / SETTINGS_FILE}; add transcript turns, "
            "or --force to write this one anyway",
            file=sys.stderr,
        )
        return EXIT_FAILED
    fitted_on = [str(transcript.path) for transcript in loaded]  # each once, as it was read
    return _write_rule(folder, result, fitted_on, out, database=bool(opening.config(args).database_url))


def _drawn(result: calibration.Calibration, plot: str, out: TextIO) -> bool:
    """The precision-coverage curve drawn to `plot`; False (said on standard error) when it cannot be."""
    try:
        calibration.plot(result, plot)
    except ImportError:
        print("error: --plot needs matplotlib: pip install -e '.[plot]'", file=sys.stderr)
        return False
    except OSError as exc:  # a folder of that name, a folder that does not exist, no right to write
        print(f"error: cannot draw the curve to {plot}: {exc.strerror or exc}", file=sys.stderr)
        return False
    print(f"curve drawn to {plot}", file=out)
    return True


def _write_rule(folder: Path, result: calibration.Calibration, files: list[str], out: TextIO, *, database: bool) -> int:
    """The fitted rule written into the folder's settings.yaml, the one it replaces kept beside it; with
    `database` (QABOT_DATABASE_URL set) every instance loads the database's settings: `kb push` puts it live."""
    current = tuning.load(folder)
    # written out as a moderator's name is: a name not in UTF-8 (`caf\xe9.yaml`) had failed the write,
    # a newline in one would have ended the header line
    names = " ".join(terminal.safe(os.fsencode(Path(name).name).decode("utf-8", "backslashreplace")) for name in files)
    text = tuning.calibrated_text(tuning.Tuning(current.ranking, result.confidence), names)
    target = folder / SETTINGS_FILE
    backup = None
    try:
        with KnowledgeStore(folder).locked():  # as every change to the folder (and never the package's own)
            replaced = target.read_text(encoding="utf-8") if target.is_file() else None
            if replaced is not None:  # a hand-written rule and its comments are not lost, nor one kept before
                backup = tuning.backup_for(folder, replaced)
                write_atomic(backup, replaced)
            write_atomic(target, text)
    except (StoreError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    kept = f"; the one it replaces is kept in {backup}" if backup is not None else ""
    if database:
        live = (
            f"`python -m bot kb push {shlex.quote(str(folder))}` puts it live (the bot loads the database's settings)"
        )
    else:
        live = "the bot uses it from its next load (a running bot reloads by itself)"
    print(f"wrote {target}{kept}: {live}", file=out)
    return EXIT_OK
