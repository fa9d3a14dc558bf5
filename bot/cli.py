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

Every command takes `--knowledge DIR` (default: the project's knowledge/ folder); the moderation
commands also take `--data DIR` (default: the config's data_dir). The command line counts as a
moderator: whoever has a shell here owns the files anyway. With a database configured, `ask`,
`chat`, `kb list`, `kb gaps` and the moderation commands use the database's knowledge, as the bot
does; `kb check`, `replay`, `calibrate`, `import` and `drafts` stay about the folder's files.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import shlex
import signal
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO, cast

from bot import doctor, messages, terminal, tuning
from bot.answering import DEFAULT_KNOWLEDGE, Answerer
from bot.answers import Answer
from bot.config import Config, ConfigError, load_config
from bot.curation import (
    CLI_PLATFORM,
    History,
    KnowledgeStore,
    Moderation,
    Refused,
    Reply,
    Request,
    StoreError,
    changes_finish_first,
    command_line_moderator,
    gaps_unusable,
    importing,
    looks_like_gap,
    perform,
    write_atomic,
)
from bot.evaluation import calibration, review, transcripts
from bot.knowledge import SETTINGS_FILE, KnowledgeError, knowledge_files
from bot.records import GapStore
from bot.service import Asker, Service, open_database
from bot.storage import commands as storage_commands
from bot.yamlfiles import FileError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
EXIT_TERMINATED = 128 + signal.SIGTERM
EXIT_CLOSED_PIPE = 128 + 13  # what a shell reports for a tool killed by SIGPIPE (`... | head -1`)
# Set once, the community's folder for every command: a `kb gaps` without `--knowledge` had listed a
# community's questions against the bundled article, and `kb alias` attached one there.
KNOWLEDGE_VARIABLE = "QABOT_KNOWLEDGE"


def closed_pipe() -> int:
    """The reader of standard output went away (`| head -1`): stop quietly, as Unix tools do.

    Python ignores SIGPIPE, so a write raises BrokenPipeError instead; standard output is pointed at
    the null device so that the interpreter's last flush at exit cannot raise it a second time.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_CLOSED_PIPE


def _answer_json(question: str, answer: Answer) -> dict[str, object]:
    """One answer as JSON; a message of several questions adds the answers to the others under `also`."""
    row: dict[str, object] = {
        "ask": question,
        "reply": answer.text,
        "outcome": answer.outcome.value,
        "passage_id": answer.passage_id,
        "score": round(answer.score, 4),
        "fallback": answer.fallback,
        "hedged": answer.hedged,
        "read_on": answer.read_on.passage_id if answer.read_on else None,  # the section's next passage
    }
    if answer.also:
        row["also"] = [_answer_json(more.asked, more) for more in answer.also]
    return row


def replies_text(answer: Answer) -> str:
    """The text of every reply to a message (one for each question it asked), as the console shows them."""
    return "\n\n".join(reply.text for reply in answer.replies)


@contextlib.contextmanager
def _asking(args: argparse.Namespace) -> Iterator[tuple[Answerer, Callable[[str], Answer]]]:
    """The answerer, and how a question is answered: with `--record`, through the service, which
    records a question not answered for sure in the gaps as the platforms do (asked from the command line
    by this user), so that a moderator can try `kb gaps` and `kb alias` before going live. The service
    is closed at the end: with a database its records are queued, and written then at the latest."""
    if not getattr(args, "record", False):
        answerer = _live_answerer(args)
        yield answerer, _in_its_language(answerer.answer)
        return
    service = _service(args)
    asker = Asker(CLI_PLATFORM, command_line_moderator())
    try:
        yield service.answerer, _in_its_language(lambda question: service.ask(question, asker))
    finally:
        service.close()


def _in_its_language(ask: Callable[[str], Answer]) -> Callable[[str], Answer]:
    """`ask` replying in the language of `LANG`, or else of the question's script, as the platforms
    reply in the user's: a Korean question on the command line was answered "Sorry, I don't know"."""

    def asked(question: str) -> Answer:
        with messages.speaking(messages.choose(os.environ.get("LANG", "").partition(".")[0], question)):
            return ask(question)

    return asked


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    with _asking(args) as (_, ask):
        answer = ask(args.question)
    if args.json:
        print(json.dumps(_answer_json(args.question, answer), ensure_ascii=False), file=out)
    else:
        print(replies_text(answer), file=out)
    return EXIT_OK


def cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    with _asking(args) as (answerer, ask):
        return _chat(answerer, ask, out)


def _chat(answerer: Answerer, ask: Callable[[str], Answer], out: TextIO) -> int:
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
        question = line.rstrip("\n")
        reply = console_command(answerer, question.strip(), ask)
        print(reply if reply is not None else replies_text(ask(question)), file=out)
        print(file=out, flush=True)


def console_command(answerer: Answerer, line: str, ask: Callable[[str], Answer]) -> str | None:
    """The reply to a /command typed in the console, as in a private Telegram chat; None if not one.
    `/ask QUESTION` is asked as a question typed plain is (`ask`: with `--record`, through the service,
    which records it in the gaps when not answered for sure; it had gone to the answerer, unrecorded)."""
    if not line.startswith("/"):
        return None
    command = line.split(maxsplit=1)[0][1:].partition("@")[0].casefold()
    with messages.speaking(messages.choose(os.environ.get("LANG", "").partition(".")[0], line)):
        if command in ("start", "help"):
            return f"{answerer.help_text()}\n\n{messages.say(messages.HOW_TO_ASK_PRIVATE)}"
        if command == "sources":
            return "\n".join([messages.say(messages.SOURCES_HEADER), *answerer.source_lines()])
        if command == "ask":
            question = "".join(line.split(maxsplit=1)[1:])
            return replies_text(ask(question)) if question else messages.say(messages.ASK_USAGE)
        return messages.say(messages.UNKNOWN_COMMAND)


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
    if result.answer.hedged:
        chosen += " (hedged)"
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
    if args.plot:
        try:
            calibration.plot(result, args.plot)
        except ImportError:
            print("error: --plot needs matplotlib: pip install -e '.[plot]'", file=sys.stderr)
            return EXIT_UNUSABLE
        except OSError as exc:  # a folder of that name, a folder that does not exist, no right to write
            print(f"error: cannot draw the curve to {args.plot}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_UNUSABLE
        print(f"curve drawn to {args.plot}", file=out)
    if args.dry_run:
        return EXIT_OK
    if objections and not args.force:
        print(
            f"error: not written: the rule you have stays in {folder / SETTINGS_FILE}; add transcript turns, "
            "or --force to write this one anyway",
            file=sys.stderr,
        )
        return EXIT_FAILED
    current = tuning.load(folder)
    names = " ".join(Path(name).name for name in args.files)
    text = tuning.dump(
        tuning.Tuning(current.ranking, result.confidence),
        f"Written by `python -m bot calibrate {names}` (see bot/tuning.py).",
    )
    target = folder / SETTINGS_FILE
    backup = folder / tuning.BACKUP_FILE
    try:
        with KnowledgeStore(folder).locked():  # as every change to the folder (and never the package's own)
            replaced = target.read_text(encoding="utf-8") if target.is_file() else None
            if replaced is not None:  # a hand-written rule and its comments are not lost
                write_atomic(backup, replaced)
            write_atomic(target, text)
    except (StoreError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    kept = f"; the one it replaces is kept in {backup}" if replaced is not None else ""
    print(f"wrote {target}{kept}: the bot uses it from its next load (a running bot reloads by itself)", file=out)
    return EXIT_OK


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


def cmd_kb_list(args: argparse.Namespace, out: TextIO) -> int:
    for passage in _live_answerer(args).kb:
        text = passage.text if len(passage.text) <= 70 else passage.text[:69] + "…"
        print(f"{passage.id}\t{passage.section}\t{text}", file=out)
    return EXIT_OK


def _naming(folder: Path) -> str:
    """The `--knowledge` a hint must carry for `folder`, if not the default one ("" then): the hint
    "then `kb publish faq.yaml`", run as written, looked in the seed article's folder."""
    return "" if folder.resolve() == Path(DEFAULT_KNOWLEDGE).resolve() else f" --knowledge {shlex.quote(str(folder))}"


def cmd_kb_import(args: argparse.Namespace, out: TextIO) -> int:
    """Draft each article given; one refused (by name, on standard error) leaves the others."""
    folder = Path(args.knowledge)
    refused = 0
    drafted: dict[Path, str] = {}  # the drafts this command wrote, and from which article
    for name in args.file:
        try:
            imported = importing.import_article(Path(name), folder, update=args.update)
        except FileError as exc:  # the article, the folder or the draft, by name
            taken = exc.existing if isinstance(exc, importing.NameTaken) else None
            if taken in drafted:  # two articles of one name: the draft is the other's
                print(f"error: {name}: its draft {taken.name} was just written from {drafted[taken]}; "
                      "rename one of the two articles", file=sys.stderr)  # fmt: skip
            else:
                print(f"error: {exc}", file=sys.stderr)
            if exc.path in (folder, folder / importing.DRAFTS_DIR):  # no article can go there
                return EXIT_UNUSABLE
            refused += 1
            continue
        drafted[imported.draft] = name
        for notice in imported.notices:  # what was left out of the article, at its line
            print(f"warning: {name}:{notice.line}: {notice.text}", file=sys.stderr)
        if imported.made_folder:
            print(f"made the knowledge folder {folder} (it did not exist)", file=out)
        draft, plural = imported.draft, "" if imported.passages == 1 else "s"
        print(
            f"wrote {imported.passages} draft passage{plural} to {draft}; review them, then "
            f"`kb publish {draft.name}{_naming(folder)}`",
            file=out,
        )
    if len(args.file) > 1 and refused < len(args.file):
        print(
            f"{len(args.file) - refused} of {len(args.file)} articles drafted; "
            f"`kb publish --all{_naming(folder)}` publishes them",
            file=out,
        )
    return EXIT_UNUSABLE if refused else EXIT_OK


def cmd_kb_drafts(args: argparse.Namespace, out: TextIO) -> int:
    listed = importing.list_drafts(Path(args.knowledge))
    for draft in listed:
        update = "\t(--update: replaces the live file of its name)" if importing.is_update(draft.path) else ""
        print(f"{draft.path.name}\t{draft.passages}\t{draft.error or draft.title}{update}", file=out)
        for point in draft.review:  # what to look at before `kb publish`
            print(f"\treview: {point}", file=out)
    if not listed:
        print(f"No drafts in {Path(args.knowledge) / importing.DRAFTS_DIR}; `kb import FILE` makes one.", file=out)
    return EXIT_OK


def cmd_kb_publish(args: argparse.Namespace, out: TextIO) -> int:
    if bool(args.file) == args.all:
        print("error: give one draft to publish, or --all", file=sys.stderr)
        return EXIT_UNUSABLE
    names = [p.name for p in importing.draft_files(Path(args.knowledge))] if args.all else [args.file]
    if not _config(args).database_url:  # without loading the index: the draft may be the folder's first file
        moderation = _moderation(args)
        return _published(names, lambda name: moderation.publish(_asker(args), name).message, out)
    service = _service(args)  # the drafts are this folder's files; they go live in the database
    try:
        return _published(names, lambda name: service.moderate(Request("publish", draft=name), _asker(args)), out)
    finally:
        service.close()  # its database threads and scratch folder end with the command


def _published(names: list[str], publish: Callable[[str], Reply | str], out: TextIO) -> int:
    """Publish the drafts one by one, stopping at the first refused: the error says which drafts were
    not tried, so that `--all` with one broken draft among many does not look like all or nothing."""
    for at, name in enumerate(names):
        try:
            reply = publish(name)
            refused, text = (reply.refused, reply.text) if isinstance(reply, Reply) else (False, reply)
        except Refused as exc:
            refused, text = True, str(exc)
        if refused:
            rest = names[at + 1 :]
            untried = f"\n(not tried: {', '.join(rest)}; `kb publish --all` again once it is fixed)" if rest else ""
            print(f"error: {text}{untried}", file=sys.stderr)
            return EXIT_FAILED
        print(text, file=out)
    return EXIT_OK


def positive_int(value: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return number


def _config(args: argparse.Namespace) -> Config:
    config = load_config()
    if getattr(args, "data", None):
        config = dataclasses.replace(config, data_dir=Path(args.data))
    return config


def _service(args: argparse.Namespace) -> Service:
    return Service.from_directory(args.knowledge, _config(args), guard=changes_finish_first)


def _moderation(
    args: argparse.Namespace, gaps: GapStore | None = None, *, gaps_error: Exception | None = None
) -> Moderation:
    """The folder's moderation without its knowledge loaded (publishing, a first addition, reading
    the data folder alone); `gaps_error`: why the gaps database could not be opened."""
    config, folder = _config(args), Path(args.knowledge)
    history = History(config.data_folder(folder), knowledge=folder)
    return Moderation(
        folder,
        config.moderators,
        history=history,
        gaps=gaps,
        gaps_error=gaps_error,
        reload=lambda: None,
        analyze=str.split,
        guard=changes_finish_first,
    )


def _asker(args: argparse.Namespace) -> Asker:
    return Asker(platform=CLI_PLATFORM, user_id="", chat_id="", name=command_line_moderator(getattr(args, "by", None)))


def cmd_kb_moderate(args: argparse.Namespace, out: TextIO) -> int:
    """One moderation command (`args.request` makes its Request), run through the core's command table."""
    request: Request = args.request(args)
    if request.command == "alias" and (request.text is None) == (not request.question):
        print("error: give a gap id from `kb gaps` (kb alias ID 3), or the question with --text", file=sys.stderr)
        return EXIT_UNUSABLE
    if request.command == "alias" and request.text is None and not looks_like_gap(request.question):
        print(f"error: {request.question!r} is not a gap id; to attach it as a question, use --text", file=sys.stderr)
        return EXIT_UNUSABLE
    reply = _moderated(args, request)
    if reply.refused:
        print(f"error: {reply.text}", file=sys.stderr)
        return EXIT_FAILED
    print(reply.text, file=out)
    if request.command == "add" and reply.change is not None:
        print(reply.change.passage_id, file=out)  # alone on the last line, for scripts
    return EXIT_OK


def _moderated(args: argparse.Namespace, request: Request) -> Reply:
    """`request` run through the service of the knowledge folder; `kb history`, `gaps` and `stats` of a
    folder whose knowledge does not load (a file broken by a hand edit) from the data folder alone."""
    try:
        service = _service(args)
    except KnowledgeError as exc:  # the history of recent changes is then what the moderator needs
        broken = Path(args.knowledge).is_dir() and bool(knowledge_files(Path(args.knowledge)))  # not a mistyped path
        if request.command not in _READ_ALONE or _config(args).database_url or not broken:
            raise
        print(f"warning: {exc}\n(the knowledge does not load: `kb {request.command}` reads the data folder alone)",
              file=sys.stderr)  # fmt: skip
        return _read_alone(args, request)
    try:
        return service.moderate(request, _asker(args))
    finally:
        service.close()  # on PostgreSQL: its threads and pools, before the command returns


# What the data folder answers without the knowledge: the history of changes, the gaps (without the
# closest passage each would take), the statistics.
_READ_ALONE = frozenset({"history", "gaps", "stats"})


def _read_alone(args: argparse.Namespace, request: Request) -> Reply:
    """`request` (one of `_READ_ALONE`) answered from the data folder, the knowledge left unloaded.

    A gaps database that cannot be opened (not a database, a data folder that is a file) refuses
    `gaps` and `stats` in one line, as the bot does, and leaves `history`, which needs none of it."""
    try:
        gaps = _gap_store(_config(args), Path(args.knowledge))
    except (sqlite3.Error, OSError) as exc:
        return perform(_moderation(args, gaps_error=exc), request, _asker(args))
    try:
        return perform(_moderation(args, gaps), request, _asker(args))
    finally:
        gaps.close()


def _gap_store(config: Config, folder: Path) -> GapStore:
    """The gaps database of `folder`'s data folder, kept for the config's `retention_days`: opening it
    deletes what is older, and the default 90 days deleted questions a longer period keeps."""
    return GapStore(config.data_folder(folder), retention_days=config.retention_days)


def cmd_kb_gaps(args: argparse.Namespace, out: TextIO) -> int:
    """`kb gaps`, or with --would-answer the open gaps asked again of the knowledge (and its drafts)."""
    if not args.would_answer:
        if args.drafts:
            print("error: --drafts goes with --would-answer", file=sys.stderr)
            return EXIT_UNUSABLE
        return cmd_kb_moderate(args, out)
    folder, config = Path(args.knowledge), _config(args)
    if config.database_url:  # the database's gaps, asked of the database's knowledge (and the folder's drafts)
        backend, answerer = open_database(config)
        try:
            gaps = backend.open_records().gaps(limit=args.limit)
            if args.drafts:  # the database's knowledge as files: they go when the backend closes
                answerer = _with_drafts(folder, live=backend.store.directory)
        finally:
            backend.close()
    else:
        try:
            store = _gap_store(config, folder)
            try:
                gaps = store.gaps(limit=args.limit)
            finally:
                store.close()
        except (sqlite3.Error, OSError) as exc:  # damaged pages: the database opens, and reading it fails
            print(f"error: {gaps_unusable(exc)}", file=sys.stderr)
            return EXIT_FAILED
        answerer = _with_drafts(folder, live=folder) if args.drafts else Answerer.from_directory(folder, empty=True)
    print(review.report(review.replay_gaps(answerer, gaps), drafts=args.drafts, limit=args.limit), file=out)
    return EXIT_OK


def _with_drafts(folder: Path, *, live: Path) -> Answerer:
    """The `live` knowledge files with every draft of `folder` published, loaded from a scratch copy."""
    with tempfile.TemporaryDirectory(prefix="qabot-drafts-") as copy:
        return Answerer.from_directory(review.published_copy(folder, Path(copy), live))


def _answerer(args: argparse.Namespace) -> Answerer:
    """The knowledge of the folder, for `replay` (a folder of no knowledge yet is an error there: nothing to prove)."""
    return Answerer.from_directory(args.knowledge)


def _live_answerer(args: argparse.Namespace) -> Answerer:
    """The knowledge the bot answers from: the database's when one is configured (as every instance
    loads it), else the folder's. For `ask`, `chat` and `kb list`."""
    config = _config(args)
    if not config.database_url:  # a new community's folder of no knowledge yet answers nothing, as the bot does
        return Answerer.from_directory(args.knowledge, empty=True)
    backend, answerer = open_database(config)
    backend.close()  # the knowledge stays loaded; nothing follows the database for one command
    return answerer


Command = Callable[..., argparse.ArgumentParser]


def build_parser(prog: str = "python -m bot") -> tuple[argparse.ArgumentParser, argparse._SubParsersAction, Command]:  # type: ignore[type-arg]
    """The core's commands; the parser, its COMMAND choices and the helper that adds one (with
    `--knowledge`), so that the adapters' command line (`adapters.cli`) can add its own."""
    parser = argparse.ArgumentParser(prog=prog, description="Answers questions from a knowledge base.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        sub: argparse._SubParsersAction,  # type: ignore[type-arg]
        name: str,
        func: Callable[..., int],
        help_: str,
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
        p.add_argument(
            "--knowledge",
            default=os.environ.get(KNOWLEDGE_VARIABLE) or str(DEFAULT_KNOWLEDGE),
            metavar="DIR",
            help=f"knowledge folder (default: ${KNOWLEDGE_VARIABLE}, else the bundled article)",
        )
        p.set_defaults(func=func)
        return p

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

    kb = commands.add_parser("kb", help="knowledge-base tools", description="knowledge-base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
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
    _moderation_commands(kb_commands, command)
    storage_commands.add_commands(commands, kb_commands, command)  # db ..., kb export, kb push
    return parser, commands, command


def _moderation_commands(sub: argparse._SubParsersAction, command: Command) -> None:  # type: ignore[type-arg]
    def mod(name: str, request: Callable[[argparse.Namespace], Request], help_: str) -> argparse.ArgumentParser:
        p = command(sub, name, cmd_kb_moderate, help_)
        p.set_defaults(request=request)
        p.add_argument("--data", metavar="DIR", help="data folder for history and gaps (default: from the config)")
        p.add_argument("--by", metavar="NAME", help="who makes the change, for the history (default: the login name)")
        return p

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
    publish = command(sub, "publish", cmd_kb_publish, "make a draft of `kb import` live (undo makes it a draft again)")
    publish.add_argument("file", nargs="?", metavar="FILE", help="the draft, as `kb drafts` lists it")
    publish.add_argument("--all", action="store_true", help="publish every draft, one change each")
    publish.add_argument("--data", metavar="DIR", help="data folder for the history (default: from the config)")
    publish.add_argument("--by", metavar="NAME", help="who makes the change, for the history (default: the login name)")


class Terminated(Exception):
    """SIGTERM arrived: the command stops where it is (never inside a change, see bot.curation.shutdown)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


PLATFORM_COMMANDS = ("run", "discord", "bench")  # on the adapters' side: `python -m adapters`


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, parser: argparse.ArgumentParser | None = None
) -> int:
    """Run one command; `parser` is the adapters' fuller one when called from `adapters.cli`."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    if parser is None and argv[:1] and argv[0] in PLATFORM_COMMANDS:
        said = " ".join(argv[:2] if argv[0] == "discord" else argv[:1])
        print(f"error: `{said}` is part of the full command line: use `python -m adapters {said}` (or `qabot {said}`)",
              file=sys.stderr)  # fmt: skip
        return EXIT_UNUSABLE
    args = (parser or build_parser()[0]).parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
    out = cast(TextIO, terminal.SafeOutput(out or sys.stdout))  # stored text may hold a terminal's escapes
    try:
        code = int(args.func(args, out))
        out.flush()  # a closed pipe shows here, not in the interpreter's flush at exit
        return code
    except BrokenPipeError:
        return closed_pipe()
    except Terminated:
        print(
            "error: stopped by SIGTERM; no change was left half-done (`kb history` shows what was made)",
            file=sys.stderr,
        )
        return EXIT_TERMINATED
    except (KnowledgeError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Refused as exc:  # `kb publish`, which is not in the moderation command table
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
