"""The full command line (`python -m adapters`, the `qabot` script): the core's commands
(`bot.cli`: ask, chat, replay, doctor, kb ...) plus those that start platforms or load the
benchmark, which the core may not import:

    python -m adapters run                          start every platform whose token is set
    python -m adapters discord sync [--guild ID]    register the Discord slash commands
    python -m adapters bench [--sizes ...] [--json FILE]

Each only parses and hands over: `run` to `adapters.runner`, `discord sync` to
`adapters.dc.sync`, `bench` to `benchmarks.bench` (which parses its own options).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot import cli


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    from adapters import runner  # loads a platform library only when a bot is started

    return runner.main(Path(args.knowledge))


def cmd_discord_sync(args: argparse.Namespace, out: TextIO) -> int:
    from adapters.dc.sync import sync_main

    return sync_main(["--guild", str(args.guild)] if args.guild else [])


def build_parser(prog: str = "python -m adapters") -> argparse.ArgumentParser:
    parser, commands, command = cli.build_parser(prog=prog)
    commands.add_parser("bench", help="benchmark answering at several knowledge-base sizes (see --help)")
    command(
        commands,
        "run",
        cmd_run,
        "start the Telegram and/or Discord bots (tokens from the environment)",
        output=cli.Output.LOG,  # its code tells a supervisor why it stopped; a log line lost is no reason for 74
    )
    discord = commands.add_parser("discord", help="Discord set-up", description="Discord set-up")
    discord_commands = discord.add_subparsers(dest="discord_command", required=True, metavar="DISCORD_COMMAND")
    sync = command(discord_commands, "sync", cmd_discord_sync, "register the slash commands (DISCORD_BOT_TOKEN)")
    sync.add_argument("--guild", type=int, metavar="ID", help="one server, instantly, instead of globally")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # the benchmark parses its own options (see benchmarks/bench.py)
        from benchmarks import bench

        return cli.run_printing(lambda: int(bench.main(argv[1:])))  # a full disk: exit 74, one line
    console_script = Path(sys.argv[0]).name == "qabot"  # its usage lines name what the operator typed
    return cli.main(argv, out, parser=build_parser("qabot" if console_script else "python -m adapters"))
