"""Build the crowd set (data/: sources/, others/, dev.yaml, blind.yaml) from MLQA's English dev data.

The built set is not committed (`data/` is ignored): it is MLQA's text and questions, which this
project reads for measurement and does not carry; anyone can build it again from the repository
named below, and `python -m benchmarks.generalization --corpus crowd` then reads it.

The raw data is not kept here. It is the file ORIGIN_PATH of the public repository ORIGIN_REPO
at commit ORIGIN_COMMIT (a copy of MLQA v1, facebookresearch/MLQA, CC BY-SA 3.0); see SOURCES.md.

    python -m benchmarks.crowd.prepare GIT_DIR

GIT_DIR is a clone of that repository (its .git directory). Deterministic: the same input gives
the same files. Steps:

1. Every MLQA article (a Wikipedia title with the paragraphs that crowd workers wrote questions
   on) becomes one Markdown file: `# Title`, then its paragraphs (whitespace collapsed, nothing
   else changed) separated by blank lines.
2. The articles are shuffled (random.Random(SEED)) and taken, in that order, into `others/`
   until their questions reach OFF_TOPIC; every question about them is an `other-article`
   question (to be declined). The rest go to `sources/` (imported).
3. A question about an imported article is kept when its answer text occurs (lower case,
   whitespace collapsed) in exactly one paragraph of its article. Its `fact` is the answer span,
   extended word by word (right, then left, alternately; at most MAX_EXTRA_WORDS words) while it
   is shorter than MIN_FACT characters or also occurs in another paragraph of any imported
   article (the punctuation that the added words bring at its edges is left out); a question
   whose fact cannot be made unique that way is dropped.
4. A question whose text (lower case, whitespace collapsed) is asked more than once in the data
   is dropped.
5. The on-topic and the off-topic questions are each shuffled (random.Random(SEED)) and cut in
   half, the first halves to dev.yaml, the second to blind.yaml; each set is then shuffled
   (random.Random(SEED + 1)) so both kinds are mixed.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "data"  # built here and never committed: the texts and questions are MLQA's (see SOURCES.md)
ORIGIN_REPO = "wuhjie/few_shots_that_matters_wu"
ORIGIN_COMMIT = "6bfe6324e428ec21a777b5543cd8e50ec82dcb3c"  # 2022-02-26 "data update from xtreme"
ORIGIN_PATH = "data/mlqa/MLQA_V1/dev/dev-context-en-question-en.json"
ORIGIN_BLOB = "17e7f739c1fcef9403c82baf8330ebc5d2fa9e23"  # git blob id of that file (1,191,027 bytes)
SEED = 20240611
OFF_TOPIC = 300  # other-article questions, both sets together
MIN_FACT = 4
MAX_EXTRA_WORDS = 6
TITLE = "Crowd set (MLQA English)"


def normalized(text: str) -> str:
    return " ".join(text.casefold().split())


# letters NFKD does not take apart into an ASCII letter and marks
ASCII = str.maketrans({"ı": "i", "ø": "o", "ð": "d", "þ": "th", "ł": "l", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d"})


def slug(title: str) -> str:
    plain = unicodedata.normalize("NFKD", title.casefold().translate(ASCII)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "article"


@dataclass(frozen=True)
class Asked:
    """One MLQA question: its text, the raw paragraph (context) and answer span, the paragraph's index."""

    ask: str
    context: str
    start: int
    text: str
    paragraph: int


@dataclass(frozen=True)
class Article:
    title: str
    stem: str
    paras: list[str]
    qas: list[Asked]


class NotTheSource(Exception):
    """GIT_DIR does not hold the source file at its commit (no repository there, or another one)."""


def read(git_dir: str) -> list[dict[str, Any]]:
    found = subprocess.run(
        ["git", "--git-dir", git_dir, "rev-parse", "--verify", "--quiet", f"{ORIGIN_COMMIT}:{ORIGIN_PATH}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise NotTheSource(
            f"{git_dir}: no {ORIGIN_PATH} at commit {ORIGIN_COMMIT[:12]} there: give the .git folder of a clone of "
            f"https://github.com/{ORIGIN_REPO} (see benchmarks/crowd/SOURCES.md)"
        )
    blob = found.stdout.strip()
    if blob != ORIGIN_BLOB:
        raise SystemExit(f"{ORIGIN_PATH} at {ORIGIN_COMMIT} is blob {blob}, expected {ORIGIN_BLOB}")
    raw = subprocess.run(
        ["git", "--git-dir", git_dir, "cat-file", "blob", blob], capture_output=True, check=True
    ).stdout
    data: list[dict[str, Any]] = json.loads(raw.decode("utf-8"))["data"]
    return data


def extend(context: str, start: int, end: int, right: bool) -> tuple[int, int] | None:
    """The span grown by one whitespace-separated word to the right (or left); None at the edge."""
    if right:
        i = end
        while i < len(context) and context[i].isspace():
            i += 1
        if i == len(context):
            return None
        while i < len(context) and not context[i].isspace():
            i += 1
        return start, i
    i = start
    while i > 0 and context[i - 1].isspace():
        i -= 1
    if i == 0:
        return None
    while i > 0 and not context[i - 1].isspace():
        i -= 1
    return i, end


def trim(context: str, start: int, end: int, first: int, last: int) -> str:
    """context[start:end] without the punctuation that the words added around the answer span
    context[first:last] bring at its edges (a comma, a full stop, an unmatched bracket)."""

    def unmatched(open_: str, close: str) -> bool:
        return context[start:end].count(open_) != context[start:end].count(close)

    while end > last and (context[end - 1] in ",;:.!?" or (context[end - 1] == ")" and unmatched("(", ")"))):
        end -= 1
    while start < first and context[start] == "(" and unmatched("(", ")"):
        start += 1
    return context[start:end]


def make_fact(context: str, start: int, end: int, others: list[str]) -> str | None:
    """The answer span, grown until it is MIN_FACT characters long and in none of `others`
    (normalized paragraphs); None if MAX_EXTRA_WORDS words do not do it."""
    grown = 0
    right = True
    first, last = start, end
    while True:
        fact = " ".join(trim(context, start, end, first, last).split())
        if len(fact) >= MIN_FACT and not any(normalized(fact) in p for p in others):
            return fact
        if grown == MAX_EXTRA_WORDS:
            return None
        span = extend(context, start, end, right) or extend(context, start, end, not right)
        if span is None:
            return None
        start, end = span
        grown += 1
        right = not right


def write_article(path: Path, title: str, paras: list[str]) -> None:
    path.write_text(f"# {title}\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")


def dump(items: list[dict[str, str]], set_name: str) -> None:
    head = f"# {TITLE}, {set_name}: on-topic {{ask, fact, source}}, off-topic {{ask, kind}}. See SOURCES.md.\n"
    body = yaml.safe_dump(items, sort_keys=False, allow_unicode=True, width=200)
    (OUT / f"{set_name}.yaml").write_text(head + body, encoding="utf-8")


def main(argv: list[str]) -> int:
    usage = "\n\n".join(__doc__.split("\n\n")[2:5])  # where the data is, the command line, what GIT_DIR is
    if argv in (["-h"], ["--help"]):
        print(usage)
        return 0
    if len(argv) != 1:
        print(usage, file=sys.stderr)
        return 2
    try:
        data = read(argv[0])
    except NotTheSource as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    articles: list[Article] = []
    stems: set[str] = set()
    for entry in data:
        title = " ".join(entry["title"].split())
        stem = slug(title)
        n = 2
        while stem in stems:
            stem, n = f"{slug(title)}-{n}", n + 1
        stems.add(stem)
        paras = [" ".join(p["context"].split()) for p in entry["paragraphs"]]
        qas = [
            Asked(
                " ".join(q["question"].split()),
                p["context"],
                q["answers"][0]["answer_start"],
                q["answers"][0]["text"],
                i,
            )
            for i, p in enumerate(entry["paragraphs"])
            for q in p["qas"]
        ]
        articles.append(Article(title, stem, paras, qas))

    order = list(range(len(articles)))
    random.Random(SEED).shuffle(order)
    others: set[int] = set()
    off_count = 0
    for i in order:
        if off_count >= OFF_TOPIC:
            break
        others.add(i)
        off_count += len(articles[i].qas)

    asked: dict[str, int] = {}
    for art in articles:
        for q in art.qas:
            asked[normalized(q.ask)] = asked.get(normalized(q.ask), 0) + 1

    imported = [a for i, a in enumerate(articles) if i not in others]
    all_paras = [(a.stem, j, normalized(p)) for a in imported for j, p in enumerate(a.paras)]
    on: list[dict[str, str]] = []
    off: list[dict[str, str]] = []
    extended = 0
    dropped = {"answer in several paragraphs": 0, "fact not unique": 0, "asked twice": 0, "empty": 0}
    for i, art in enumerate(articles):
        for q in art.qas:
            ask, context, start, text = q.ask, q.context, q.start, q.text
            if not ask.strip(" ?"):
                dropped["empty"] += 1
                continue
            if asked[normalized(ask)] > 1:
                dropped["asked twice"] += 1
                continue
            if i in others:
                off.append({"ask": ask, "kind": "other-article"})
                continue
            own = [normalized(p) for p in art.paras]
            if sum(normalized(text) in p for p in own) != 1:
                dropped["answer in several paragraphs"] += 1
                continue
            if context[start : start + len(text)] != text:
                raise SystemExit(f"{art.title}: answer {text!r} not at {start}")
            rest = [p for stem, k, p in all_paras if (stem, k) != (art.stem, q.paragraph)]
            fact = make_fact(context, start, start + len(text), rest)
            if fact is None:
                dropped["fact not unique"] += 1
                continue
            extended += fact != " ".join(text.split())
            on.append({"ask": ask, "fact": fact, "source": art.stem})

    for folder in ("sources", "others"):
        shutil.rmtree(OUT / folder, ignore_errors=True)
        (OUT / folder).mkdir(parents=True)
    for i, art in enumerate(articles):
        write_article(OUT / ("others" if i in others else "sources") / f"{art.stem}.md", art.title, art.paras)

    rng = random.Random(SEED)
    rng.shuffle(on)
    rng.shuffle(off)
    dev = on[: len(on) // 2] + off[: len(off) // 2]
    blind = on[len(on) // 2 :] + off[len(off) // 2 :]
    for name, items in (("dev", dev), ("blind", blind)):
        random.Random(SEED + 1).shuffle(items)
        dump(items, name)

    print(f"articles: {len(imported)} imported (sources/, {len(all_paras)} paragraphs), {len(others)} others/")
    print(f"questions in the data: {sum(len(a.qas) for a in articles)}; dropped: {dropped}")
    print(f"on-topic {len(on)} (dev {len(on) // 2}, blind {len(on) - len(on) // 2}); ", end="")
    print(f"other-article {len(off)} (dev {len(off) // 2}, blind {len(off) - len(off) // 2}); ", end="")
    print(f"{extended} facts extended")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
