"""Follow-ups: a member's second message in a chat, which may only make sense after the first.

Each conversation of `dev.yaml` / `blind.yaml` is a first question about one community's docs
(`benchmarks/communities/<group>/sources`, imported as `kb import` does) and the member's next
message: a `follow-up` that only makes sense after the first ("and on mac?"), a `new-topic`
question that stands alone, or an `off-topic` one the bot must decline. The second message is
asked alone, as the bot reads every message; for the on-topic ones the report also says where
the right passage ranks for the second message's words, and for both messages' words (the
second's weighed double): what reading a member's last question as context would start from.
Written blind by a helper who never asked the bot (see README.md); measured in session 17
(docs/quality.md).

    python -m benchmarks.followups [--set dev|blind] [--show] [--json]
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.generalization import build_knowledge, contains, set_options, source_files
from bot import Answerer

HERE = Path(__file__).resolve().parent
SETS = ("dev", "blind")
KINDS = ("follow-up", "new-topic", "off-topic")


@dataclass(frozen=True)
class Message:
    ask: str
    fact: str | None = None  # None: to be declined


@dataclass(frozen=True)
class Conversation:
    group: str
    first: Message
    then: Message
    kind: str


def load(set_name: str) -> list[Conversation]:
    """The conversations of one set; raises ValueError naming the entry that is not one."""
    path = HERE / f"{set_name}.yaml"
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    found = []
    for number, item in enumerate(items, 1):
        try:
            then, kind = item["then"], item["then"]["kind"]
            if kind not in KINDS:
                raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
            first = Message(str(item["first"]["ask"]), str(item["first"]["fact"]))
            second = Message(str(then["ask"]), None if kind == "off-topic" else str(then["fact"]))
            found.append(Conversation(str(item["group"]), first, second, kind))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: conversation {number}: {exc}") from exc
    return found


def verdict(fact: str | None, passage_text: str | None) -> str:
    """right / wrong / declined for an on-topic message; declined / answered for one to decline."""
    if fact is None:
        return "declined" if passage_text is None else "answered"
    if passage_text is None:
        return "declined"
    return "right" if contains(passage_text, fact) else "wrong"


@dataclass(frozen=True)
class Result:
    conversation: Conversation
    verdict: str  # the second message's, asked alone as the bot reads every message
    answer: str | None  # the passage it was answered with
    alone: (
        int | None
    )  # where the right passage ranks for the second message's words (0: first), None: not in the best ten
    together: int | None  # and for the words of both messages, the second's weighed double


def _place(answerer: Answerer, terms: list[str], fact: str | None) -> int | None:
    if fact is None:
        return None
    ranked = answerer.index.rank(terms, top=10)
    return next((at for at, r in enumerate(ranked) if contains(r.passage.text, fact)), None)


def ask_all(set_name: str) -> list[Result]:
    """Every conversation of `set_name`, each community's asked of its own docs imported anew."""
    conversations = load(set_name)
    results = []
    for group in sorted({c.group for c in conversations}):
        with tempfile.TemporaryDirectory(prefix="followups-") as tmp:
            folder = build_knowledge(Path(tmp) / "knowledge", "communities", source_files("communities", group))
            answerer = Answerer.from_directory(folder)
            for c in (c for c in conversations if c.group == group):
                answer = answerer.answer(c.then.ask)
                now, before = answerer.index.analyze(c.then.ask), answerer.index.analyze(c.first.ask)
                together = [*now, *now, *(t for t in before if t not in now)]
                results.append(
                    Result(
                        c,
                        verdict(c.then.fact, answer.passage_text),
                        answer.passage_text,
                        _place(answerer, now, c.then.fact),
                        _place(answerer, together, c.then.fact),
                    )
                )
    return results


def totals(results: list[Result]) -> dict[str, dict[str, int]]:
    """For each kind of second message: its verdicts, and for the on-topic ones how often the right
    passage is first, or among the best five, for its own words and for both messages' words."""
    out: dict[str, dict[str, int]] = {}
    for kind in KINDS:
        of_kind = [r for r in results if r.conversation.kind == kind]
        row = {"conversations": len(of_kind), **Counter(r.verdict for r in of_kind)}
        if kind != "off-topic":
            for name in ("alone", "together"):
                places = [getattr(r, name) for r in of_kind]
                row[f"first_{name}"] = sum(p == 0 for p in places)
                row[f"top5_{name}"] = sum(p is not None and p < 5 for p in places)
        out[kind] = row
    return out


def report(results: list[Result], set_name: str) -> str:
    lines = [f"follow-up conversations, {set_name}: {len(results)}; the second message asked alone"]
    for kind, row in totals(results).items():
        cells = ["right", "wrong", "declined"] if kind != "off-topic" else ["declined", "answered"]
        line = f"  {kind:10s} {row['conversations']:3d}: " + ", ".join(f"{c} {row.get(c, 0)}" for c in cells)
        if kind != "off-topic":
            line += (
                f"; right passage first {row['first_alone']}, in the best five {row['top5_alone']}"
                f" (with the first message's words: {row['first_together']}, {row['top5_together']})"
            )
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = set_options("python -m benchmarks.followups", __doc__ or "", "list what failed", argv)
    if args is None:
        return 2
    results = ask_all(args.set_name)
    if args.json:
        print(json.dumps({"set": args.set_name, **totals(results)}, indent=2))
        return 0
    if args.show:
        for r in results:
            c = r.conversation
            if r.verdict not in ("right", "declined") or (c.kind != "off-topic" and r.verdict != "right"):
                print(f"{r.verdict.upper():8s} [{c.group} {c.kind}] {c.first.ask!r} / {c.then.ask!r}")
                print(f"    want {c.then.fact!r}; got {(r.answer or '(declined)')[:140]!r}")
        print()
    print(report(results, args.set_name))
    return 0
