"""Asking from the command line: `ask`, `chat` (with the console's /commands) and `kb list`, answered
from the knowledge the bot answers from, in the asker's language."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

from bot import messages
from bot.answering import Answer, Answerer
from bot.cli import opening
from bot.cli.exits import EXIT_OK
from bot.curation import CLI_PLATFORM, command_line_moderator
from bot.service import Asker


def answer_json(question: str, answer: Answer) -> dict[str, object]:
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
        row["also"] = [answer_json(more.asked, more) for more in answer.also]
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
        answerer = opening.live_answerer(args)
        yield answerer, _in_its_language(answerer.answer)
        return
    service = opening.service(args)
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
        print(json.dumps(answer_json(args.question, answer), ensure_ascii=False), file=out)
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


def cmd_kb_list(args: argparse.Namespace, out: TextIO) -> int:
    for passage in opening.live_answerer(args).kb:
        text = passage.text if len(passage.text) <= 70 else passage.text[:69] + "…"
        print(f"{passage.id}\t{passage.section}\t{text}", file=out)
    return EXIT_OK
