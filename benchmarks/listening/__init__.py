"""Listening: how often the bot, were it to listen in a chat (answering messages nobody addressed
to it), would butt in, and how often it would answer a member's question unasked and right.

The bot has no listening mode: this measures the one a community bot would first try (`overheard`:
a message that reads as a question, each of its questions answered without a hedge), and found
that too many of its answers would be unwanted (docs/quality.md, session 20).

Each community of `benchmarks/communities` that has a file here is imported into a knowledge folder
of its own (as `benchmarks.generalization` does) and given, as messages nobody addressed to the bot:

- this folder's messages that must get no answer (SOURCES.md): `chatter`, questions between
  `members` the pages do not answer, and `near` misses in the pages' words;
- the community's own questions (`dev.yaml` / `blind.yaml` there): on-topic, which the bot may
  answer unasked (right or wrong), and off-topic, which it must not.

    python -m benchmarks.listening [--set dev|blind] [--show] [--json]

The blind set is read only as totals: `--show` refuses it.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.generalization import build_knowledge, contains, load_questions, set_options, source_files
from bot import Answer, Answerer, Outcome
from bot.answering import INTERROGATIVE
from bot.yamlfiles import FileError

HERE = Path(__file__).resolve().parent
KINDS = ("chatter", "members", "near")


@dataclass(frozen=True)
class Heard:
    community: str
    say: str
    kind: str  # chatter | members | near | on-topic | off-topic
    answer: str | None  # the passage given unasked, or None (silent)
    right: bool = False  # on-topic: the passage holds the fact


def reads_as_question(message: str) -> bool:
    """A question mark, or a sentence in a question's word order ("anyone know how to sync two phones")."""
    return "?" in message or "？" in message or INTERROGATIVE.search(message) is not None


def overheard(answerer: Answerer, message: str) -> Answer | None:
    """What a listening bot would send unasked: the answer to a message that reads as a question
    when each of its questions is answered without a hedge (never the "I don't know", the help, or
    a passage that only just passed the rule); None: silent."""
    if not reads_as_question(message):
        return None
    answer = answerer.answer(message)
    return answer if all(r.outcome is Outcome.ANSWERED and not r.hedged for r in answer.replies) else None


def communities() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.yaml"))


def negatives(community: str, set_name: str) -> list[tuple[str, str]]:
    """(message, kind) of the community's file here, of one set."""
    items = yaml.safe_load((HERE / f"{community}.yaml").read_text(encoding="utf-8"))
    return [(str(i["say"]), str(i["kind"])) for i in items if i["set"] == set_name]


def listen(set_name: str) -> list[Heard]:
    heard = []
    for community in communities():
        with tempfile.TemporaryDirectory(prefix="listening-") as tmp:
            folder = build_knowledge(Path(tmp) / "knowledge", "communities", source_files("communities", community))
            answerer = Answerer.from_directory(folder)
            for say, kind in negatives(community, set_name):
                a = overheard(answerer, say)
                heard.append(Heard(community, say, kind, a.passage_text if a else None))
            for q in load_questions(set_name, "communities"):
                if q.group != community:
                    continue
                a = overheard(answerer, q.ask)
                text = a.passage_text if a else None
                kind = "on-topic" if q.on_topic else "off-topic"
                given = a.replies if a is not None else ()
                right = q.fact is not None and any(contains(r.passage_text or "", q.fact) for r in given)
                heard.append(Heard(community, q.ask, kind, text, right))
    return heard


def totals(heard: list[Heard]) -> dict[str, object]:
    count = Counter(h.kind for h in heard)
    answered = Counter(h.kind for h in heard if h.answer is not None)
    result: dict[str, object] = {
        f"{kind}_answered": f"{answered[kind]}/{count[kind]}" for kind in (*KINDS, "off-topic")
    }
    on = [h for h in heard if h.kind == "on-topic"]
    right = sum(h.right for h in on)
    wrong = sum(h.answer is not None and not h.right for h in on)
    result["on_topic_right"] = f"{right}/{len(on)}"
    result["on_topic_wrong"] = f"{wrong}/{len(on)}"
    butting_in = sum(answered[k] for k in (*KINDS, "off-topic")) + wrong
    result["answers_given"] = right + butting_in
    result["answers_unwanted_pct"] = round(100.0 * butting_in / (right + butting_in), 1) if right + butting_in else 0.0
    return result


def main(argv: list[str] | None = None) -> int:
    args = set_options("python -m benchmarks.listening", __doc__ or "", "list every message answered unasked", argv)
    if args is None:
        return 2
    try:
        heard = listen(args.set_name)
    except FileError as exc:  # a community's question set named with its entry (`benchmarks.generalization`)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.show:
        for h in heard:
            if h.answer is not None:
                verdict = "RIGHT" if h.right else "UNWANTED" if h.kind != "on-topic" else "WRONG"
                print(f"{verdict:8s} [{h.community}/{h.kind}] {h.say}\n  got: {h.answer[:120]}")
    t = totals(heard)
    print(
        json.dumps({"set": args.set_name, **t}, indent=2) if args.json else "\n".join(f"{k}: {v}" for k, v in t.items())
    )
    return 0
