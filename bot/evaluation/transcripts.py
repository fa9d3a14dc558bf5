"""Question transcripts and their replay: the offline proof of what the bot answers.

A transcript is YAML: `name`, then `turns`, each with `ask` and an optional `expect` holding any
of `contains` (any one of the strings must appear in what the reply says, its citation aside,
case-insensitive; alone, it expects an answer), `passage`
(the id that must be chosen) and `fallback` (true or false). A message of several questions gets a
reply each (`Answer.replies`): `expect` judges the first, and `also`, a list of such
expectations, the next ones in order.
"""

from __future__ import annotations

import os
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import messages, yamlfiles
from bot.answering import MAX_QUESTIONS, Answer, Answerer
from bot.catalogue import noun
from bot.knowledge import KnowledgeError
from bot.yamlfiles import FileError

_EXPECT_KEYS = {"contains", "passage", "fallback"}
MAX_NAME = 200  # characters of a transcript's name
# Read as YAML, a transcript takes over a hundred times its size in memory (6.5 MB of short turns: 800 MB and
# 48 s before the first question); some 40,000 turns, where the bundled ones have 100
MAX_TRANSCRIPT_BYTES = 4 * 1024 * 1024


class TranscriptError(FileError):
    """A transcript that cannot be read; names the file and the turn."""


class UnknownPassage(TranscriptError, KnowledgeError):
    """A turn expecting a passage the knowledge base lacks (a typo, a passage removed since): `replay` counts
    it failed, `calibrate` refuses it (it would be fitted on as a wrong answer). A KnowledgeError too: the
    transcript and the knowledge do not go together, and the command line says so in one line, exit 2."""


@dataclass(frozen=True)
class Expectation:
    contains: tuple[str, ...] = ()
    passage: str | None = None
    fallback: bool | None = None


@dataclass(frozen=True)
class Turn:
    ask: str
    expect: Expectation | None
    # the further replies of a message of several questions, in order (`Answer.also`)
    also: tuple[Expectation, ...] = ()
    line: int | None = field(default=None, compare=False)  # where it starts in its file, for errors


@dataclass(frozen=True)
class Transcript:
    name: str
    path: Path
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class Result:
    """One replayed turn: what was asked, the answer, and whether it met the expectation."""

    transcript: str
    turn: Turn
    answer: Answer
    passed: bool | None  # None when the turn expects nothing
    problems: tuple[str, ...] = ()

    @property
    def on_topic(self) -> bool | None:
        """True if the turn expects an answer, False if it expects a decline, None if unknown."""
        expect = self.turn.expect
        if expect is None:
            return None
        if expect.fallback is not None:
            return not expect.fallback
        return True if (expect.contains or expect.passage) else None


def load(path: Path) -> Transcript:
    """Read and check one transcript file, or raise TranscriptError naming file and turn."""
    try:
        content = yamlfiles.read_bytes(path, MAX_TRANSCRIPT_BYTES)
        doc = yamlfiles.read(path, content)
    except FileError as exc:
        raise TranscriptError(exc.path, exc.message, line=exc.line) from None
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        raise TranscriptError(path, "expected a mapping with 'name' and a list of 'turns'")
    if not data["turns"]:  # it had passed, exit 0: a harness that cannot fail
        raise TranscriptError(path, "no turns: a transcript that asks nothing proves nothing", entry="turns")
    turns = []
    for index, raw in enumerate(data["turns"]):
        where = {"entry": f"turn {index + 1}", "line": doc.line_of("turns", index)}
        turns.append(_turn(path, raw, where))
    held = sum(_text_held(turn) for turn in turns)
    if held > len(content):  # written out, every character of a turn is in the file: aliases repeat them
        raise TranscriptError(
            path,
            f"its turns hold {held:,} characters of questions and expectations, more than the file's "
            f"{len(content):,} bytes: YAML aliases (*name) repeat them; write each turn out",
            entry="turns",
        )
    return Transcript(name=_name(path, data.get("name")), path=path, turns=tuple(turns))


def _text_held(turn: Turn) -> int:
    """The characters of a turn's question and expectations: what replaying it asks, prints and compares.
    Aliases can repeat a long question in thousands of turns (300 of 20,000 characters in a file of 26 KB
    had printed 6 MB), as they did a `name`."""
    expectations = (turn.expect, *turn.also) if turn.expect is not None else ()
    expected = sum(sum(map(len, e.contains)) + len(e.passage or "") for e in expectations)
    return len(turn.ask) + expected


def _name(path: Path, name: Any) -> str:
    """The transcript's name, printed on every turn's line: text, or the file's own name if none (a name
    not in UTF-8, b"n\\xff", as Python writes it: its raw byte had made `--json` no UTF-8)."""
    if name is None or name == "":
        return os.fsencode(path.stem).decode("utf-8", "backslashreplace")
    if not isinstance(name, str):  # a list (an alias bomb: millions of strings once printed), a number
        raise TranscriptError(path, f"'name' must be text, not a {type(name).__name__}", entry="name")
    if len(name) > MAX_NAME:  # printed on every line: 100,000 characters over 200 turns had printed 20 MB
        said = f"'name' is {len(name)} characters; it is printed on every turn's line: at most {MAX_NAME}"
        raise TranscriptError(path, said, entry="name")
    return name


def _turn(path: Path, raw: Any, where: dict[str, Any]) -> Turn:
    if not isinstance(raw, dict) or not isinstance(raw.get("ask"), str):
        raise TranscriptError(path, "a turn needs 'ask' with the question as text", **where)
    if not raw["ask"].strip():  # no member can send an empty message; it had passed any `fallback: true`
        raise TranscriptError(path, "'ask' is empty: give the question as a member would send it", **where)
    unknown = set(raw) - {"ask", "expect", "also"}
    if unknown:
        keys = ", ".join(sorted(map(str, unknown)))
        raise TranscriptError(path, f"unknown {noun(len(unknown), 'key')} in turn: {keys}", **where)
    also = raw.get("also", [])
    if not isinstance(also, list) or (not also and "also" in raw):
        raise TranscriptError(path, "'also' must be a list of expectations, one for each further reply", **where)
    if len(also) > MAX_QUESTIONS - 1:  # a longer message is answered as one: such a turn could never pass
        raise TranscriptError(
            path, f"'also' lists {len(also)} further replies; a message gets at most {MAX_QUESTIONS - 1}", **where
        )
    if raw.get("expect") is None:
        if also:
            raise TranscriptError(path, "'also' judges the replies after the first: give 'expect' too", **where)
        return Turn(ask=raw["ask"], expect=None, line=where["line"])
    further = tuple(_expectation(path, e, "also", where) for e in also)
    expect = _expectation(path, raw["expect"], "expect", where)
    return Turn(ask=raw["ask"], expect=expect, also=further, line=where["line"])


def _expectation(path: Path, expect: Any, key: str, where: dict[str, Any]) -> Expectation:
    if not isinstance(expect, dict) or set(expect) - _EXPECT_KEYS:
        raise TranscriptError(path, f"'{key}' may hold only {', '.join(sorted(_EXPECT_KEYS))}", **where)
    if all(expect.get(name) is None for name in _EXPECT_KEYS):  # {} or {passage: null} passes any reply; a
        # turn that expects nothing leaves out `expect` ("not judged")
        raise TranscriptError(path, f"'{key}' expects nothing: give {', '.join(sorted(_EXPECT_KEYS))}", **where)
    contains = expect.get("contains", [])
    if isinstance(contains, str):
        contains = [contains]
    if not isinstance(contains, list) or not all(isinstance(c, str) for c in contains):
        raise TranscriptError(path, "'contains' must be a list of strings", **where)
    if "contains" in expect and (not contains or not all(c.strip() for c in contains)):  # every reply holds ""
        raise TranscriptError(path, "'contains' must hold strings with text: an empty one passes any reply", **where)
    fallback = expect.get("fallback")
    if fallback is not None and not isinstance(fallback, bool):
        raise TranscriptError(path, "'fallback' must be true or false", **where)
    passage = expect.get("passage")
    if passage is not None and not isinstance(passage, str):
        raise TranscriptError(path, "'passage' must be a passage id", **where)
    if passage is not None and fallback:
        raise TranscriptError(
            path, "'passage' with 'fallback: true' can never pass: a decline chooses no passage", **where
        )
    return Expectation(contains=tuple(contains), passage=passage, fallback=fallback)


def judge(turn: Turn, answer: Answer, known: Container[str] | None = None) -> tuple[bool | None, tuple[str, ...]]:
    """Whether `answer` meets the turn's expectation, and what it missed; `known`, the knowledge base's passage
    ids, tells an expectation naming a passage that is not there (a typo, a removed passage) from a wrong choice.
    The turn's `also` judges the answer's further replies, one each, named by their number ("reply 2: ...")."""
    if turn.expect is None:
        return None, ()
    problems = _missed(turn.expect, answer, known)
    for number, expect in enumerate(turn.also, start=2):
        if number - 2 < len(answer.also):
            problems += [f"reply {number}: {p}" for p in _missed(expect, answer.also[number - 2], known)]
        else:
            problems.append(f"no reply {number}: the message was answered in {len(answer.replies)}")
    return not problems, tuple(problems)


def check_passages(transcript: Transcript, known: Container[str]) -> None:
    """Raise UnknownPassage, naming the file, the turn and the id, at the first expectation of `transcript`
    that names a passage not in `known` (the knowledge base's passage ids)."""
    for number, turn in enumerate(transcript.turns, start=1):
        for expect in (turn.expect, *turn.also) if turn.expect is not None else ():
            if expect.passage is not None and expect.passage not in known:
                said = f"{_lacking(expect.passage)} (`kb list` gives the ids)"
                raise UnknownPassage(transcript.path, said, entry=f"turn {number}", line=turn.line)


def _lacking(passage: str) -> str:
    return f"expects passage `{passage}`, which is not in the knowledge base"


def _said(answer: Answer) -> str:
    """What a reply says, for `contains`: its text without the citation that ends an answer (the title of
    the source and the section, which every answer from that source holds: "refugees" had met any)."""
    citation = answer.citation
    return answer.text.removesuffix(f"\n\n{citation}") if citation else answer.text


def _words(text: str) -> str:
    """`text` as `contains` compares it: case-folded, every run of whitespace one space (an imported list keeps
    its line breaks, and a fact copied from the page as one line had failed; the benchmarks compare so too)."""
    return " ".join(text.casefold().split())


def _missed(expect: Expectation, answer: Answer, known: Container[str] | None) -> list[str]:
    problems = []
    reply = _words(_said(answer))
    if expect.contains and not any(_words(c) in reply for c in expect.contains):
        problems.append(f"reply lacks any of {list(expect.contains)}")
    # `contains` alone expects an answer (it counts as on-topic): a decline's topics, or the help's, hold the
    # words of many passages, and a decline had met it through them, counted an on-topic hit
    if expect.contains and expect.fallback is None and answer.fallback:
        problems.append("declined instead of answering (`fallback: true` judges the words of a decline)")
    if expect.passage is not None and known is not None and expect.passage not in known:
        problems.append(_lacking(expect.passage))
    elif expect.passage is not None and answer.passage_id != expect.passage:
        problems.append(f"chose {answer.passage_id}, expected {expect.passage}")
    # A turn that expects a decline is met by an answer that says it may not answer exactly that
    # (a hedge, see `Confidence.hedge`): it does not claim to answer, and the reader sees why.
    if expect.fallback and not (answer.fallback or answer.hedged):
        problems.append("answered instead of declining")
    elif expect.fallback is False and answer.fallback:
        problems.append("declined instead of answering")
    return problems


def replay(answerer: Answerer, transcripts: Iterable[Transcript]) -> Iterator[Result]:
    """Ask every turn of every transcript, in order, each answered in its question's language as the
    platforms answer a member whose own they do not have (a Korean question had been declined in English)."""
    known = {passage.id for passage in answerer.kb}
    for transcript in transcripts:
        for turn in transcript.turns:
            with messages.speaking(messages.choose(None, turn.ask)):
                answer = answerer.answer(turn.ask)
            passed, problems = judge(turn, answer, known)
            yield Result(transcript.name, turn, answer, passed, problems)


@dataclass(frozen=True)
class Summary:
    passed: int
    failed: int
    unjudged: int
    on_topic_hits: int
    on_topic: int
    off_topic_declined: int
    off_topic: int
    on_topic_hedged: int = 0  # on-topic turns answered with a hedge (right or not)
    off_topic_hedged: int = 0  # off-topic turns answered with a hedge (counted as met, not as declined)

    @classmethod
    def of(cls, results: Iterable[Result]) -> Summary:
        counts = dict.fromkeys(("passed", "failed", "unjudged", "hits", "on", "declined", "off", "on_h", "off_h"), 0)
        for r in results:
            counts["unjudged" if r.passed is None else "passed" if r.passed else "failed"] += 1
            if r.on_topic is True:
                counts["on"] += 1
                counts["hits"] += bool(r.passed)
                counts["on_h"] += r.answer.hedged
            elif r.on_topic is False:
                counts["off"] += 1
                counts["declined"] += r.answer.fallback
                counts["off_h"] += r.answer.hedged
        return cls(
            counts["passed"],
            counts["failed"],
            counts["unjudged"],
            counts["hits"],
            counts["on"],
            counts["declined"],
            counts["off"],
            counts["on_h"],
            counts["off_h"],
        )

    def __str__(self) -> str:
        def rate(n: int, d: int) -> str:
            return f"{n}/{d} ({100 * n / d:.1f}%)" if d else "n/a"

        return (
            f"{self.passed} passed, {self.failed} failed, {self.unjudged} not judged; "
            f"on-topic hit rate {rate(self.on_topic_hits, self.on_topic)}; "
            f"off-topic declined {rate(self.off_topic_declined, self.off_topic)}"
            f", hedged {rate(self.off_topic_hedged, self.off_topic)}; "
            f"on-topic hedged {rate(self.on_topic_hedged, self.on_topic)}"
        )
