"""The command line: a thin shell that parses, calls the core and prints.

    python -m bot ask "QUESTION" [--json]      python -m bot chat
    python -m bot replay FILE... [--json]      python -m bot run
    python -m bot kb check | list | import FILE
    python -m bot discord sync [--guild ID]

Every command takes `--knowledge DIR` (default: the project's knowledge/ folder).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot import importing, transcripts
from bot.answering import DEFAULT_KNOWLEDGE, Answer, Answerer
from bot.knowledge import KnowledgeError
from bot.yamlfiles import FileError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


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


def cmd_kb_check(args: argparse.Namespace, out: TextIO) -> int:
    answerer = _answerer(args)
    kb = answerer.kb
    print(
        f"ok: {len(kb)} passages in {len(kb.files)} file(s), {len(kb.sections())} sections, "
        f"{sum(len(p.questions) for p in kb)} alternate questions, "
        f"{len(answerer.index.synonyms.rewrites)} synonym phrases",
        file=out,
    )
    return EXIT_OK


def cmd_kb_list(args: argparse.Namespace, out: TextIO) -> int:
    for passage in _answerer(args).kb:
        text = passage.text if len(passage.text) <= 70 else passage.text[:69] + "…"
        print(f"{passage.id}\t{passage.section}\t{text}", file=out)
    return EXIT_OK


def cmd_kb_import(args: argparse.Namespace, out: TextIO) -> int:
    try:
        target, count = importing.import_article(Path(args.file), Path(args.knowledge))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(f"wrote {count} draft passages to {target}; review them, then run `kb check`", file=out)
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

    def command(sub: argparse._SubParsersAction, name: str, func: Callable[..., int], help_: str) -> argparse.ArgumentParser:  # type: ignore[type-arg]
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
    command(commands, "run", cmd_run, "start the Telegram and/or Discord bots (tokens from the environment)")

    discord = commands.add_parser("discord", help="Discord set-up", description="Discord set-up")
    discord_commands = discord.add_subparsers(dest="discord_command", required=True, metavar="DISCORD_COMMAND")
    sync = command(discord_commands, "sync", cmd_discord_sync, "register the slash commands (DISCORD_BOT_TOKEN)")
    sync.add_argument("--guild", type=int, metavar="ID", help="one server, instantly, instead of globally")

    kb = commands.add_parser("kb", help="knowledge-base tools", description="knowledge-base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    command(kb_commands, "check", cmd_kb_check, "validate the knowledge files")
    command(kb_commands, "list", cmd_kb_list, "list passages: id, section, text")
    imp = command(kb_commands, "import", cmd_kb_import, "draft passages from a text or Markdown article")
    imp.add_argument("file")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args, out or sys.stdout))
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130
