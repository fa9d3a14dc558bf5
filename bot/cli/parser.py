"""The command line's parser: every command of the core, its options, and the function it runs."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from bot.answering import DEFAULT_KNOWLEDGE
from bot.cli.asking import cmd_ask, cmd_chat, cmd_kb_list
from bot.cli.checking import cmd_doctor, cmd_kb_check
from bot.cli.drafts import cmd_kb_drafts, cmd_kb_import, cmd_kb_publish
from bot.cli.evaluating import cmd_calibrate, cmd_replay
from bot.cli.exits import Output
from bot.cli.moderating import cmd_kb_gaps, cmd_kb_moderate
from bot.curation import Request
from bot.storage import commands as storage_commands

# Set once, the community's folder for every command: a `kb gaps` without `--knowledge` had listed a
# community's questions against the bundled article, and `kb alias` attached one there.
KNOWLEDGE_VARIABLE = "QABOT_KNOWLEDGE"


def positive_int(value: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return number


Command = Callable[..., argparse.ArgumentParser]
Moderated = Callable[[str, Callable[[argparse.Namespace], Request], str], argparse.ArgumentParser]


def build_parser(prog: str = "python -m bot") -> tuple[argparse.ArgumentParser, argparse._SubParsersAction, Command]:  # type: ignore[type-arg]
    """The core's commands; the parser, its COMMAND choices and the helper that adds one (with
    `--knowledge`), so that the adapters' command line (`adapters.cli`) can add its own."""
    parser = argparse.ArgumentParser(prog=prog, description="Answers questions from a knowledge base.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _core_commands(commands)
    kb = commands.add_parser("kb", help="knowledge-base tools", description="knowledge-base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    _kb_commands(kb_commands)
    _moderation_commands(kb_commands)
    storage_commands.add_commands(commands, kb_commands, command)  # db ..., kb export, kb push
    return parser, commands, command


def command(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    func: Callable[..., int],
    help_: str,
    *,
    output: Output = Output.PRODUCT,
) -> argparse.ArgumentParser:
    """The command `name` added to `sub`, running `func`, with the `--knowledge` every command takes;
    `output` declares what its output is: its product (a report, a listing, a change's reply), or a
    log (`Output.LOG`, a running bot's), which keeps its exit code when standard error refuses a line."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    p.add_argument(
        "--knowledge",
        default=os.path.expanduser(os.environ.get(KNOWLEDGE_VARIABLE, "")) or str(DEFAULT_KNOWLEDGE),  # ~: home
        metavar="DIR",
        help=f"knowledge folder (default: ${KNOWLEDGE_VARIABLE}, else the bundled article)",
    )
    p.set_defaults(func=func, output=output)
    return p


def _core_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`ask`, `chat`, `replay`, `calibrate`, `doctor`."""
    ask = command(commands, "ask", cmd_ask, "answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    chat = command(commands, "chat", cmd_chat, "a console conversation, one question per line")
    for asking in (ask, chat):
        asking.add_argument("--record", action="store_true", help="record unanswered questions in the gaps (`kb gaps`)")
        asking.add_argument("--data", metavar="DIR", help="data folder for the gaps (default: from the config)")
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
    cal.add_argument("--force", action="store_true", help="write a fit it warns about (alike turns, no off-topic turn)")
    check = command(commands, "doctor", cmd_doctor, "check the set-up offline: config, tokens, knowledge, data folder")
    check.add_argument("--data", metavar="DIR", help="data folder to check (default: from the config)")


def _kb_commands(kb_commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`kb check`, `kb list`, `kb import`, `kb drafts`."""
    command(kb_commands, "check", cmd_kb_check, "validate the knowledge files")
    command(kb_commands, "list", cmd_kb_list, "list passages: id, section, text")
    imp = command(kb_commands, "import", cmd_kb_import, "draft passages from text, Markdown or HTML articles")
    imp.add_argument("file", nargs="+", help="one draft each; a file refused leaves the others")
    imp.add_argument(
        "--update",
        action="store_true",
        help="a new version of a published article: `kb publish` replaces the live file of its name",
    )
    command(kb_commands, "drafts", cmd_kb_drafts, "list the drafts waiting to be published: file, passages, title")


def _moderation_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The moderation commands, each making the Request (`args.request`) that `cmd_kb_moderate` runs,
    and `kb publish`."""

    def mod(name: str, request: Callable[[argparse.Namespace], Request], help_: str) -> argparse.ArgumentParser:
        p = command(sub, name, cmd_kb_moderate, help_)
        p.set_defaults(request=request)
        p.add_argument("--data", metavar="DIR", help="data folder for history and gaps (default: from the config)")
        p.add_argument("--by", metavar="NAME", help="who makes the change, for the history (default: the login name)")
        return p

    _change_commands(mod)
    _recorded_commands(mod)
    publish = command(sub, "publish", cmd_kb_publish, "make a draft of `kb import` live (undo makes it a draft again)")
    publish.add_argument("file", nargs="?", metavar="FILE", help="the draft, as `kb drafts` lists it")
    publish.add_argument("--all", action="store_true", help="publish every draft, one change each")
    publish.add_argument("--data", metavar="DIR", help="data folder for the history (default: from the config)")
    publish.add_argument("--by", metavar="NAME", help="who makes the change, for the history (default: the login name)")


def _change_commands(mod: Moderated) -> None:
    """`kb add`, `kb edit`, `kb remove`, `kb alias`."""

    def add_request(a: argparse.Namespace) -> Request:
        return Request("add", a.id, a.section, a.text, tuple(a.question or ()))

    def edit_request(a: argparse.Namespace) -> Request:
        questions = () if a.no_questions else tuple(a.question) if a.question else None
        return Request("edit", a.id, a.section, a.text, questions)

    add = mod("add", add_request, "add a passage (to knowledge/moderators.yaml); prints its id last")
    add.add_argument("--section", required=True)
    add.add_argument("--text", required=True)
    add.add_argument("--question", action="append", metavar="Q", help="an alternate question (repeatable)")
    add.add_argument("--id", help="the passage id (default: made from the section and text)")
    edit = mod("edit", edit_request, "change a passage's section, text or questions")
    edit.add_argument("id", metavar="ID")
    edit.add_argument("--section")
    edit.add_argument("--text")
    questions = edit.add_mutually_exclusive_group()  # both: which one was meant?
    questions.add_argument("--question", action="append", metavar="Q", help="replace the questions (repeatable)")
    questions.add_argument("--no-questions", action="store_true", help="clear the passage's questions")
    mod("remove", lambda a: Request("remove", a.id), "remove a passage").add_argument("id", metavar="ID")
    alias = mod(
        "alias",
        lambda a: Request("alias", a.id, question=a.gap or "", text=a.text),
        "attach an open gap (its id from `kb gaps`) or, with --text, a question to a passage",
    )
    alias.add_argument("id", metavar="ID")
    alias.add_argument("gap", nargs="?", metavar="GAP", help="a gap id from `kb gaps` (3 or g5c1d0e)")
    alias.add_argument("--text", metavar="QUESTION", help="attach these words as a question")


def _recorded_commands(mod: Moderated) -> None:
    """The commands on what is recorded, the history and the gaps: `kb history`, `kb undo`, `kb gaps`,
    `kb stats`, `kb dismiss`; and `kb find`."""
    history = mod("history", lambda a: Request("history", a.id, limit=a.limit), "the recorded changes, newest first")
    history.add_argument("id", nargs="?", metavar="ID")
    history.add_argument("--limit", type=positive_int, default=20)
    mod("undo", lambda a: Request("undo"), "revert the last change (repeat to go further back)")
    gaps = mod("gaps", lambda a: Request("gaps", limit=a.limit), "unanswered questions, grouped, most asked first")
    gaps.set_defaults(func=cmd_kb_gaps)
    gaps.add_argument("--limit", type=positive_int, default=20)
    gaps.add_argument(
        "--would-answer", action="store_true", help="ask the open gaps again: which would be answered now, by what"
    )
    gaps.add_argument("--drafts", action="store_true", help="with --would-answer: as if every draft were published")
    mod("stats", lambda a: Request("stats"), "most asked and most downvoted passages, unanswered rate per day")
    dismiss = mod("dismiss", lambda a: Request("dismiss", question=a.gap), "take a gap off the list")
    dismiss.add_argument("gap", metavar="GAP")
    find = mod(
        "find",
        lambda a: Request("find", question=" ".join(a.words), limit=a.limit),
        "the passages that best match some words (or an id), with their ids",
    )
    find.add_argument("words", nargs="+", metavar="WORD")
    find.add_argument("--limit", type=positive_int, default=5)
