"""The command line: a thin shell that parses, calls the core and prints.

    python -m bot ask "QUESTION" [--json]      python -m bot chat
    python -m bot replay FILE... [--json]      python -m bot run
    python -m bot doctor [--data DIR]
    python -m bot bench [--sizes 1000,10000,100000] [--questions N] [--million] [--json FILE]
    python -m bot kb check | list | import FILE | drafts | publish FILE|--all
    python -m bot kb add --section S --text T [--question Q]... [--id ID] [--by NAME]
    python -m bot kb edit ID [--section S] [--text T] [--question Q]...
    python -m bot kb remove ID | alias ID QUESTION | history [ID] | undo | gaps | stats | dismiss GAP
    python -m bot discord sync [--guild ID]

Every command takes `--knowledge DIR` (default: the project's knowledge/ folder); the moderation
commands also take `--data DIR` (default: the config's data_dir). The command line counts as a
moderator: whoever has a shell here owns the files anyway.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import importlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from bot import calibration, doctor, transcripts, tuning
from bot.answering import DEFAULT_KNOWLEDGE, Answer, Answerer
from bot.config import Config, ConfigError, load_config
from bot.curation import CLI_PLATFORM, Change, History, Moderation, Refused, importing, write_atomic
from bot.knowledge import SETTINGS_FILE, KnowledgeError
from bot.service import Asker, Service
from bot.yamlfiles import FileError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
EXIT_TERMINATED = 128 + signal.SIGTERM


def _answer_json(question: str, answer: Answer) -> dict[str, object]:
    return {
        "ask": question,
        "reply": answer.text,
        "passage_id": answer.passage_id,
        "score": round(answer.score, 4),
        "fallback": answer.fallback,
    }


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    answer = _answerer(args).answer(args.question)
    if args.json:
        print(json.dumps(_answer_json(args.question, answer), ensure_ascii=False), file=out)
    else:
        print(answer.text, file=out)
    return EXIT_OK


def cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    answerer = _answerer(args)
    interactive = sys.stdin.isatty()
    if interactive:
        print("Ask me anything about the knowledge base. End with Ctrl-D.", file=out)
    while True:
        if interactive:
            print("> ", end="", file=out, flush=True)
        line = sys.stdin.readline()
        if not line:
            return EXIT_OK
        if not line.strip():
            continue
        print(answerer.answer(line.rstrip("\n")).text, file=out)
        print(file=out, flush=True)


def cmd_replay(args: argparse.Namespace, out: TextIO) -> int:
    loaded = []
    for name in args.files:
        try:
            loaded.append(transcripts.load(Path(name)))
        except FileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_UNUSABLE
    results = []
    for result in transcripts.replay(_answerer(args), loaded):
        results.append(result)
        if args.json:
            row = {"transcript": result.transcript, **_answer_json(result.turn.ask, result.answer)}
            row["pass"] = result.passed
            print(json.dumps(row, ensure_ascii=False), file=out)
        else:
            print(_replay_line(result), file=out)
    summary = transcripts.Summary.of(results)
    print(summary, file=sys.stderr if args.json else out)
    return EXIT_FAILED if summary.failed else EXIT_OK


def _replay_line(result: transcripts.Result) -> str:
    mark = {True: "PASS", False: "FAIL", None: "----"}[result.passed]
    chosen = result.answer.passage_id or "(declined)"
    line = f"{mark} [{result.transcript}] {result.turn.ask!r} -> {chosen} ({result.answer.score:.2f})"
    if result.problems:
        line += "  " + "; ".join(result.problems)
    return line


def cmd_calibrate(args: argparse.Namespace, out: TextIO) -> int:
    folder = Path(args.knowledge)
    try:
        loaded = [transcripts.load(Path(name)) for name in args.files]
    except FileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    if not 0.0 <= args.decline <= 1.0:
        print("error: --decline is a share between 0 and 1 (0.9: decline 90% of off-topic questions)", file=sys.stderr)
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
    if args.plot:
        try:
            calibration.plot(result, args.plot)
        except ImportError:
            print("error: --plot needs matplotlib: pip install -e '.[plot]'", file=sys.stderr)
            return EXIT_UNUSABLE
        print(f"curve drawn to {args.plot}", file=out)
    if args.dry_run:
        return EXIT_OK
    current = tuning.load(folder)
    names = " ".join(Path(name).name for name in args.files)
    text = tuning.dump(
        tuning.Tuning(current.ranking, result.confidence),
        f"Written by `python -m bot calibrate {names}` (see bot/tuning.py).",
    )
    target = folder / SETTINGS_FILE
    write_atomic(target, text)
    print(f"wrote {target}: the bot uses it from its next load (a running bot reloads by itself)", file=out)
    return EXIT_OK


def cmd_kb_check(args: argparse.Namespace, out: TextIO) -> int:
    print(f"ok: {_answerer(args).summary()}", file=out)
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace, out: TextIO) -> int:
    findings = doctor.run_checks(Path(args.knowledge), os.environ, Path(args.data) if args.data else None)
    print(doctor.report(findings), file=out)
    return doctor.exit_code(findings)


def cmd_kb_list(args: argparse.Namespace, out: TextIO) -> int:
    for passage in _answerer(args).kb:
        text = passage.text if len(passage.text) <= 70 else passage.text[:69] + "…"
        print(f"{passage.id}\t{passage.section}\t{text}", file=out)
    return EXIT_OK


def cmd_kb_import(args: argparse.Namespace, out: TextIO) -> int:
    try:
        target, count = importing.import_article(Path(args.file), Path(args.knowledge))
    except FileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(f"wrote {count} draft passages to {target}; review them, then `kb publish {target.name}`", file=out)
    return EXIT_OK


def cmd_kb_drafts(args: argparse.Namespace, out: TextIO) -> int:
    listed = importing.list_drafts(Path(args.knowledge))
    for draft in listed:
        print(f"{draft.path.name}\t{draft.passages}\t{draft.error or draft.title}", file=out)
    if not listed:
        print(f"No drafts in {Path(args.knowledge) / importing.DRAFTS_DIR}; `kb import FILE` makes one.", file=out)
    return EXIT_OK


def cmd_kb_publish(args: argparse.Namespace, out: TextIO) -> int:
    if bool(args.file) == args.all:
        print("error: give one draft to publish, or --all", file=sys.stderr)
        return EXIT_UNUSABLE
    moderation = _moderation(args)  # without loading the index: the draft may be the folder's first file
    names = [p.name for p in importing.draft_files(Path(args.knowledge))] if args.all else [args.file]
    for name in names:
        print(moderation.publish(_asker(args), name).message, file=out)
    return EXIT_OK


def _config(args: argparse.Namespace) -> Config:
    config = load_config()
    if getattr(args, "data", None):
        config = dataclasses.replace(config, data_dir=Path(args.data))
    return config


def _service(args: argparse.Namespace) -> Service:
    return Service.from_directory(args.knowledge, _config(args))


def _moderation(args: argparse.Namespace) -> Moderation:
    config, folder = _config(args), Path(args.knowledge)
    history = History(config.data_folder(folder))
    return Moderation(folder, config.moderators, history=history, gaps=None, reload=lambda: None, analyze=str.split)


def _asker(args: argparse.Namespace) -> Asker:
    name = getattr(args, "by", None) or os.environ.get("USER") or _login_name()
    return Asker(platform=CLI_PLATFORM, user_id="", chat_id="", name=name)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _print_change(change: Change, out: TextIO) -> int:
    print(change.message, file=out)
    return EXIT_OK


def cmd_kb_add(args: argparse.Namespace, out: TextIO) -> int:
    change = _service(args).moderation.add(
        _asker(args), section=args.section, text=args.text, questions=args.question or (), passage_id=args.id
    )
    print(change.message, file=out)
    print(change.passage_id, file=out)  # alone on the last line, for scripts
    return EXIT_OK


def cmd_kb_edit(args: argparse.Namespace, out: TextIO) -> int:
    questions = args.question if args.question else None
    moderation = _service(args).moderation
    change = moderation.edit(_asker(args), args.id, section=args.section, text=args.text, questions=questions)
    return _print_change(change, out)


def cmd_kb_remove(args: argparse.Namespace, out: TextIO) -> int:
    return _print_change(_service(args).moderation.remove(_asker(args), args.id), out)


def cmd_kb_alias(args: argparse.Namespace, out: TextIO) -> int:
    return _print_change(_service(args).moderation.alias(_asker(args), args.id, args.question), out)


def cmd_kb_undo(args: argparse.Namespace, out: TextIO) -> int:
    return _print_change(_service(args).moderation.undo(_asker(args)), out)


def cmd_kb_history(args: argparse.Namespace, out: TextIO) -> int:
    print(_service(args).moderation.history(_asker(args), args.id, limit=args.limit), file=out)
    return EXIT_OK


def cmd_kb_gaps(args: argparse.Namespace, out: TextIO) -> int:
    print(_service(args).moderation.gaps(_asker(args), limit=args.limit), file=out)
    return EXIT_OK


def cmd_kb_stats(args: argparse.Namespace, out: TextIO) -> int:
    print(_service(args).moderation.stats(_asker(args)), file=out)
    return EXIT_OK


def cmd_kb_dismiss(args: argparse.Namespace, out: TextIO) -> int:
    print(_service(args).moderation.dismiss(_asker(args), args.gap), file=out)
    return EXIT_OK


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    # Imported by name, here: the core never loads a platform library unless a bot is started.
    runner = importlib.import_module("adapters.runner")
    code: int = runner.main(Path(args.knowledge))
    return code


def cmd_discord_sync(args: argparse.Namespace, out: TextIO) -> int:
    discord_bot = importlib.import_module("adapters.discord_bot")
    code: int = discord_bot.sync_main(["--guild", str(args.guild)] if args.guild else [])
    return code


def _answerer(args: argparse.Namespace) -> Answerer:
    return Answerer.from_directory(args.knowledge)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Answers questions from a knowledge base.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        sub: argparse._SubParsersAction,  # type: ignore[type-arg]
        name: str,
        func: Callable[..., int],
        help_: str,
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--knowledge", default=str(DEFAULT_KNOWLEDGE), metavar="DIR", help="knowledge folder")
        p.set_defaults(func=func)
        return p

    ask = command(commands, "ask", cmd_ask, "answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    command(commands, "chat", cmd_chat, "a console conversation, one question per line")
    replay = command(commands, "replay", cmd_replay, "replay question transcripts and judge the answers")
    replay.add_argument("files", nargs="+", metavar="FILE")
    replay.add_argument("--json", action="store_true", help="one JSON object per turn on standard output")
    cal = command(
        commands, "calibrate", cmd_calibrate, "fit when to answer from the knowledge folder's own transcripts"
    )
    cal.add_argument("files", nargs="+", metavar="TRANSCRIPT")
    cal.add_argument("--decline", type=float, default=0.9, help="share of off-topic turns to decline (default 0.9)")
    cal.add_argument("--plot", metavar="PNG", help="draw precision against coverage (needs matplotlib)")
    cal.add_argument("--dry-run", action="store_true", help="print the fit, do not write settings.yaml")
    commands.add_parser("bench", help="benchmark answering at several knowledge-base sizes (see --help)")
    check = command(commands, "doctor", cmd_doctor, "check the set-up offline: config, tokens, knowledge, data folder")
    check.add_argument("--data", metavar="DIR", help="data folder to check (default: from the config)")
    command(commands, "run", cmd_run, "start the Telegram and/or Discord bots (tokens from the environment)")

    discord = commands.add_parser("discord", help="Discord set-up", description="Discord set-up")
    discord_commands = discord.add_subparsers(dest="discord_command", required=True, metavar="DISCORD_COMMAND")
    sync = command(discord_commands, "sync", cmd_discord_sync, "register the slash commands (DISCORD_BOT_TOKEN)")
    sync.add_argument("--guild", type=int, metavar="ID", help="one server, instantly, instead of globally")

    kb = commands.add_parser("kb", help="knowledge-base tools", description="knowledge-base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    command(kb_commands, "check", cmd_kb_check, "validate the knowledge files")
    command(kb_commands, "list", cmd_kb_list, "list passages: id, section, text")
    imp = command(kb_commands, "import", cmd_kb_import, "draft passages from a text, Markdown or HTML article")
    imp.add_argument("file")
    command(kb_commands, "drafts", cmd_kb_drafts, "list the drafts waiting to be published: file, passages, title")
    _moderation_commands(kb_commands, command)
    return parser


def _moderation_commands(sub: argparse._SubParsersAction, command: Callable[..., argparse.ArgumentParser]) -> None:  # type: ignore[type-arg]
    def mod(name: str, func: Callable[..., int], help_: str) -> argparse.ArgumentParser:
        p = command(sub, name, func, help_)
        p.add_argument("--data", metavar="DIR", help="data folder for history and gaps (default: from the config)")
        p.add_argument("--by", metavar="NAME", help="who makes the change, for the history (default: $USER)")
        return p

    add = mod("add", cmd_kb_add, "add a passage (to knowledge/moderators.yaml); prints its id last")
    add.add_argument("--section", required=True)
    add.add_argument("--text", required=True)
    add.add_argument("--question", action="append", metavar="Q", help="an alternate question (repeatable)")
    add.add_argument("--id", help="the passage id (default: made from the section and text)")
    edit = mod("edit", cmd_kb_edit, "change a passage's section, text or questions")
    edit.add_argument("id", metavar="ID")
    edit.add_argument("--section")
    edit.add_argument("--text")
    edit.add_argument("--question", action="append", metavar="Q", help="replace the questions (repeatable)")
    mod("remove", cmd_kb_remove, "remove a passage").add_argument("id", metavar="ID")
    alias = mod("alias", cmd_kb_alias, "attach a question (or a gap id from `kb gaps`) to a passage")
    alias.add_argument("id", metavar="ID")
    alias.add_argument("question", metavar="QUESTION")
    history = mod("history", cmd_kb_history, "the recorded changes, newest first")
    history.add_argument("id", nargs="?", metavar="ID")
    history.add_argument("--limit", type=int, default=20)
    mod("undo", cmd_kb_undo, "revert the last change (repeat to go further back)")
    gaps = mod("gaps", cmd_kb_gaps, "unanswered questions, grouped, most asked first")
    gaps.add_argument("--limit", type=int, default=20)
    mod("stats", cmd_kb_stats, "most asked and most downvoted passages, unanswered rate per day")
    mod("dismiss", cmd_kb_dismiss, "take a gap off the list").add_argument("gap", metavar="GAP")
    publish = mod("publish", cmd_kb_publish, "make a draft of `kb import` live (undo makes it a draft again)")
    publish.add_argument("file", nargs="?", metavar="FILE", help="the draft, as `kb drafts` lists it")
    publish.add_argument("--all", action="store_true", help="publish every draft, one change each")


class Terminated(Exception):
    """SIGTERM arrived: the command stops where it is (never inside a change, see bot.curation.shutdown)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # the benchmark parses its own options (see benchmarks/bench.py)
        bench = importlib.import_module("benchmarks.bench")
        return int(bench.main(argv[1:]))
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
    try:
        return int(args.func(args, out or sys.stdout))
    except Terminated:
        print(
            "error: stopped by SIGTERM; no change was left half-done (`kb history` shows what was made)",
            file=sys.stderr,
        )
        return EXIT_TERMINATED
    except (KnowledgeError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
