"""The command line: a thin shell that parses, calls the core and prints.

    python -m bot ask "QUESTION" [--json]      python -m bot chat
    python -m bot replay FILE... [--json]      python -m bot doctor [--data DIR]
    python -m bot calibrate TRANSCRIPT... [--plot PNG] [--decline 0.9] [--dry-run] [--force]
    python -m bot kb check | list | import FILE | drafts | publish FILE|--all
    python -m bot kb add --section S --text T [--question Q]... [--id ID] [--by NAME]
    python -m bot kb edit ID [--section S] [--text T] [--question Q]...
    python -m bot kb remove ID | alias ID GAP|--text Q | history [ID] | undo | gaps [--would-answer [--drafts]]
    python -m bot kb stats | dismiss GAP | find WORD... | export DIR | push DIR
    python -m bot db init [--seed] | migrate | status         (with QABOT_DATABASE_URL: docs/scaling.md)

The commands that start platforms or load the benchmark (`run`, `discord sync`, `bench`) are on the
adapters' side: `python -m adapters` (the `qabot` script) is this command line plus those, so the
core never imports a platform. `python -m bot run` says so in one line and exits with 2.

Every command takes `--knowledge DIR` (default: $QABOT_KNOWLEDGE, else the project's knowledge/ folder); the
moderation commands also take `--data DIR` (default: the config's data_dir). The command line counts as a
moderator: whoever has a shell here owns the files anyway. With a database configured, `ask`,
`chat`, `kb list`, `kb gaps` and the moderation commands use the database's knowledge, as the bot
does; `kb check`, `replay`, `calibrate`, `import` and `drafts` stay about the folder's files.

The rest may use only this face: `main`, `build_parser` (which `adapters.cli` extends),
`Output` (what a command's output is, declared as it is added: a log keeps its exit code when
standard error refuses a line), `closed_pipe`, `positive_int` and `run_printing` (a benchmark's
`main` ended as these commands end).
The modules behind it:

    shell       `main`: one command parsed and run; SIGTERM, a closed pipe and errors as exit codes
    parser      every command, its options, and the function it runs
    asking      `ask`, `chat` (and the console's /commands), `kb list`
    evaluating  `replay`, `calibrate`
    checking    `doctor`, `kb check`
    drafts      `kb import`, `kb drafts`, `kb publish`
    moderating  `kb add`, `edit`, `remove`, `alias`, `history`, `undo`, `gaps`, `stats`, `dismiss`, `find`
    opening     what a command opens from its options: the config, the service, the moderation, the answerer
    exits       the exit codes, and the quiet stop when standard output closes
    terminal    what the command line prints, its control characters escaped

`db ...`, `kb export` and `kb push` are the storage's (`bot.storage.commands`), added to this parser.
"""

from bot.cli.exits import Output, closed_pipe, run_printing
from bot.cli.parser import build_parser, positive_int
from bot.cli.shell import main

__all__ = ["Output", "build_parser", "closed_pipe", "main", "positive_int", "run_printing"]
