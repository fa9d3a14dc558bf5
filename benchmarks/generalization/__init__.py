"""A generalization set: real documents of different kinds, imported with `kb import`, and
questions written as community members would ask them (see SOURCES.md).

`evaluate("dev")` / `evaluate("blind")` import every source into a temporary knowledge folder,
ask every question and return the totals. The blind set is read only as totals: `--show`
refuses it, and nobody tuning the bot should read blind.yaml.

A corpus is a folder of `benchmarks/` with `sources/`, `dev.yaml` and `blind.yaml`: this one
(`generalization`, the default) or `encyclopedia` (Wikipedia articles and questions written the
SQuAD way, see benchmarks/encyclopedia/SOURCES.md). `encyclopedia-seeking` asks the questions of
benchmarks/encyclopedia/seeking/ (information-seeking: written from each article's title and
headings, before its text was read) of the encyclopedia's own sources, and `encyclopedia-paraphrase`
the questions of benchmarks/encyclopedia/paraphrase/ (written the SQuAD way but in the writer's own
words, not the paragraph's) of the same sources.

    python -m benchmarks.generalization
        [--corpus generalization|encyclopedia|encyclopedia-seeking|encyclopedia-paraphrase]
        [--set dev|blind] [--show] [--json] [--alone]

`--alone` imports each source into a folder of its own, as a community that starts with one
document would, and asks it every question: the other sources' on-topic questions are then
questions about another article, to be declined.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot import yamlfiles
from bot.catalogue import noun
from bot.yamlfiles import FileError

HERE = Path(__file__).resolve().parent
CORPORA = {
    "generalization": HERE,
    "encyclopedia": HERE.parent / "encyclopedia",
    "encyclopedia-seeking": HERE.parent / "encyclopedia" / "seeking",
    "encyclopedia-paraphrase": HERE.parent / "encyclopedia" / "paraphrase",
    "crowd": HERE.parent / "crowd" / "data",  # built, not committed: python -m benchmarks.crowd.prepare GIT_DIR
    "communities": HERE.parent / "communities",
}
# a corpus of communities: each subfolder its own `sources/`, `dev.yaml` and `blind.yaml`, imported
# into a knowledge folder of its own and asked only its own questions
GROUPED = frozenset({"communities"})
# a corpus whose questions are asked of another folder's sources (default: its own `sources/`)
SOURCES_OF = {
    "encyclopedia-seeking": HERE.parent / "encyclopedia" / "sources",
    "encyclopedia-paraphrase": HERE.parent / "encyclopedia" / "sources",
}
DEFAULT_CORPUS = "generalization"
IMPORT_BATCH = 100  # articles a `kb import` command takes
SETS = ("dev", "blind")
OFF_TOPIC_KINDS = ("near-miss", "unrelated", "other-article")


@dataclass(frozen=True)
class Question:
    ask: str
    fact: str | None = None  # on-topic: what the answering passage must contain
    source: str | None = None  # on-topic: the source file's stem
    kind: str | None = None  # off-topic: near-miss | unrelated | other-article
    group: str | None = None  # in a corpus of communities: the community asked

    @property
    def on_topic(self) -> bool:
        return self.fact is not None


@dataclass(frozen=True)
class Result:
    question: Question
    passage_id: str | None
    passage_text: str | None
    hedged: bool = False  # answered, saying it may not answer exactly that (see bot.answering.confidence)
    offered: tuple[str, ...] = ()  # declined: the texts of the closest topics offered as buttons
    read_on: str | None = None  # answered: the text of the section's next passage, a "Read on ▸" press away

    @property
    def one_press_away(self) -> bool:
        """On-topic and declined, with a passage that holds the fact among the closest topics offered."""
        fact = self.question.fact
        return self.passage_id is None and fact is not None and any(contains(text, fact) for text in self.offered)

    @property
    def read_on_right(self) -> bool:
        """Answered with a wrong passage whose section's next passage, one "Read on ▸" press away, holds the fact."""
        fact = self.question.fact
        return self.verdict == "wrong" and fact is not None and contains(self.read_on or "", fact)

    @property
    def verdict(self) -> str:
        """right | wrong | declined (on-topic); declined | answered (off-topic)."""
        if self.passage_id is None:
            return "declined"
        if not self.question.on_topic:
            return "answered"
        return "right" if contains(self.passage_text or "", self.question.fact or "") else "wrong"


@dataclass(frozen=True)
class Totals:
    on_topic: int
    right: int
    wrong: int
    declined: int
    off_topic: int
    off_declined: int
    near_miss: int
    near_miss_declined: int
    unrelated: int
    unrelated_declined: int
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    other_article: int = 0  # questions about articles that are not imported
    other_article_declined: int = 0
    # answered with a hedge: of the right and wrong answers, of the off-topic answers and near misses
    right_hedged: int = 0
    wrong_hedged: int = 0
    off_hedged: int = 0
    near_miss_hedged: int = 0
    declined_offered: int = 0  # on-topic declined, the right passage among the closest topics offered
    wrong_read_on: int = 0  # answered wrong, the right passage the section's next ("Read on ▸")

    @staticmethod
    def pct(part: int, whole: int) -> float:
        return round(100.0 * part / whole, 1) if whole else 0.0

    @property
    def right_pct(self) -> float:
        return self.pct(self.right, self.on_topic)

    @property
    def wrong_pct(self) -> float:
        return self.pct(self.wrong, self.on_topic)

    @property
    def declined_pct(self) -> float:
        return self.pct(self.declined, self.on_topic)

    @property
    def off_declined_pct(self) -> float:
        return self.pct(self.off_declined, self.off_topic)

    @property
    def near_miss_declined_pct(self) -> float:
        return self.pct(self.near_miss_declined, self.near_miss)

    @property
    def unrelated_declined_pct(self) -> float:
        return self.pct(self.unrelated_declined, self.unrelated)

    @property
    def other_article_declined_pct(self) -> float:
        return self.pct(self.other_article_declined, self.other_article)

    @property
    def declined_offered_pct(self) -> float:
        """Of the on-topic questions declined, those offered a right passage among the closest topics."""
        return self.pct(self.declined_offered, self.declined)

    @property
    def off_met_pct(self) -> float:
        """Off-topic questions declined or answered with a hedge (the reply does not claim to answer)."""
        return self.pct(self.off_declined + self.off_hedged, self.off_topic)

    @property
    def near_miss_met_pct(self) -> float:
        return self.pct(self.near_miss_declined + self.near_miss_hedged, self.near_miss)

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        names = ["right", "wrong", "declined", "off_declined", "near_miss_declined", "unrelated_declined"]
        names += ["off_met", "near_miss_met", "declined_offered"]
        if self.other_article:
            names.append("other_article_declined")
        else:  # a corpus without other-article questions leaves their counts out
            del data["other_article"], data["other_article_declined"]
        for name in names:
            data[f"{name}_pct"] = getattr(self, f"{name}_pct")
        return data


def normalized(text: str) -> str:
    return " ".join(text.casefold().split())


def contains(passage: str, fact: str) -> bool:
    """The fact occurs in the passage, case-insensitive, whitespace-normalized."""
    return normalized(fact) in normalized(passage)


def paragraphs(path: Path) -> list[str]:
    """A Markdown source's paragraphs (headings left out), normalized as `contains` compares them."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    return [normalized(b) for b in blocks if b.strip() and not b.lstrip().startswith("#")]


def misplaced_facts(set_name: str, corpus: str) -> list[tuple[str | None, str]]:
    """The on-topic questions of a set whose fact is in no single paragraph of its source (source, fact)."""
    sources = {p.stem: paragraphs(p) for p in source_files(corpus)}
    return [
        (q.source, q.fact)
        for q in load_questions(set_name, corpus)
        if q.fact is not None and not any(normalized(q.fact) in p for p in sources.get(q.source or "", []))
    ]


def corpus_dir(corpus: str = DEFAULT_CORPUS) -> Path:
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; one of {', '.join(CORPORA)}")
    if not CORPORA[corpus].is_dir():
        raise FileNotFoundError(
            f"corpus {corpus!r} is not built: {CORPORA[corpus]} is missing (see benchmarks/{corpus}/SOURCES.md)"
        )
    return CORPORA[corpus]


def groups(corpus: str) -> list[Path]:
    """The communities of a corpus of communities (see `GROUPED`), each a folder with `sources/`."""
    return sorted(d for d in corpus_dir(corpus).iterdir() if (d / "sources").is_dir())


def load_questions(set_name: str, corpus: str = DEFAULT_CORPUS) -> list[Question]:
    if set_name not in SETS:
        raise ValueError(f"unknown set {set_name!r}; one of {', '.join(SETS)}")
    if corpus in GROUPED:
        return [q for folder in groups(corpus) for q in _questions(folder / f"{set_name}.yaml", folder.name)]
    return _questions(corpus_dir(corpus) / f"{set_name}.yaml")


def _questions(path: Path, group: str | None = None) -> list[Question]:
    """The questions of a set's file, or FileError naming the file and the question: a community's own set
    with a misspelt key (`fakt:`) had counted an on-topic question as off-topic, of no kind."""
    data = yamlfiles.read(path).data  # a key written twice is an error, not the second one in silence
    if not isinstance(data, list):
        raise FileError(path, "expected a list of questions, each {ask, fact, source} or {ask, kind}")
    return [_question(path, item, f"question {number}", group) for number, item in enumerate(data, start=1)]


def _question(path: Path, item: object, entry: str, group: str | None) -> Question:
    if not isinstance(item, dict) or not isinstance(item.get("ask"), str) or not item["ask"].strip():
        raise FileError(path, "a question needs 'ask' with the question as text", entry=entry)
    unknown = sorted(map(str, set(item) - {"ask", "fact", "source", "kind"}))
    if unknown:
        raise FileError(path, f"unknown {noun(len(unknown), 'key')}: {', '.join(unknown)}", entry=entry)
    fields = {str(k): (str(v) if v is not None else None) for k, v in item.items()}
    fact, source, kind = fields.get("fact"), fields.get("source"), fields.get("kind")
    if (fact is None or source is None) == (kind is None):
        raise FileError(path, "give 'fact' and 'source' (on-topic) or 'kind' (off-topic), not both", entry=entry)
    if fact is not None and not fact.strip():  # every passage holds "": any answer had been right
        raise FileError(path, "'fact' is empty: give the words the answering passage holds", entry=entry)
    if kind is not None and kind not in OFF_TOPIC_KINDS:
        raise FileError(path, f"'kind' must be one of {', '.join(OFF_TOPIC_KINDS)}", entry=entry)
    return Question(ask=fields["ask"] or "", fact=fact, source=source, kind=kind, group=group)


SOURCE_SUFFIXES = frozenset({".md", ".txt", ".html", ".htm", ".rst"})


def source_files(corpus: str = DEFAULT_CORPUS, group: str | None = None) -> list[Path]:
    """The sources of a corpus (of one of its communities, or of all of them, see `GROUPED`)."""
    if corpus in GROUPED:
        folders = [corpus_dir(corpus) / group / "sources"] if group else [g / "sources" for g in groups(corpus)]
    else:
        folders = [SOURCES_OF.get(corpus) or corpus_dir(corpus) / "sources"]
    return sorted(p for folder in folders for p in folder.iterdir() if p.suffix in SOURCE_SUFFIXES)


def _kb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "kb", *args], capture_output=True, text=True, check=False)


def build_knowledge(target: Path, corpus: str = DEFAULT_CORPUS, sources: list[Path] | None = None) -> Path:
    """Import every source of `corpus` (or only `sources`) into `target` as a moderator would,
    publishing drafts if the importer writes them; returns `target`."""
    target.mkdir(parents=True, exist_ok=True)
    files = source_files(corpus) if sources is None else sources
    for at in range(0, len(files), IMPORT_BATCH):  # `kb import` takes several articles at once
        batch = files[at : at + IMPORT_BATCH]
        done = _kb("import", *map(str, batch), "--knowledge", str(target))
        if done.returncode != 0:
            raise RuntimeError(f"kb import {', '.join(p.name for p in batch)} failed:\n{done.stdout}{done.stderr}")
    if "publish" in _kb("--help").stdout:  # the importer that writes drafts also brings `kb publish`
        done = _kb("publish", "--all", "--knowledge", str(target))
        if done.returncode != 0:
            raise RuntimeError(f"kb publish --all failed:\n{done.stdout}{done.stderr}")
    return target


def ask_all(set_name: str, knowledge: Path | None = None, corpus: str = DEFAULT_CORPUS) -> list[Result]:
    """Every question of `set_name` asked of `knowledge`, or of the corpus's sources imported into
    a new folder; in a corpus of communities, of each community's own folder (see `GROUPED`)."""
    questions = load_questions(set_name, corpus)
    if knowledge is not None:
        return _answers(knowledge, questions)
    if corpus not in GROUPED:
        return _asked(source_files(corpus), corpus, questions)
    return [
        result
        for folder in groups(corpus)
        for result in _asked(
            source_files(corpus, folder.name), corpus, [q for q in questions if q.group == folder.name]
        )
    ]


def ask_alone(set_name: str, corpus: str = DEFAULT_CORPUS) -> list[Result]:
    """Each source imported alone into a folder of its own, as a community that starts with one
    document, and asked every question: its own on-topic questions are on-topic, and the other
    sources' are questions about another article, to be declined. In a corpus of communities, a
    source is asked its own community's questions."""
    questions = load_questions(set_name, corpus)
    results = []
    for source in source_files(corpus):
        group = source.parent.parent.name if corpus in GROUPED else None
        asked = [
            Question(q.ask, kind="other-article") if q.on_topic and q.source != source.stem else q
            for q in questions
            if q.group == group
        ]
        results += _asked([source], corpus, asked)
    return results


def _asked(sources: list[Path], corpus: str, questions: list[Question]) -> list[Result]:
    """`questions` asked of `sources` imported into a new folder."""
    with tempfile.TemporaryDirectory(prefix="generalization-") as tmp:
        return _answers(build_knowledge(Path(tmp) / "knowledge", corpus, sources), questions)


def _answers(knowledge: Path, questions: list[Question]) -> list[Result]:
    from bot import Answerer

    answerer = Answerer.from_directory(knowledge)
    results = []
    for q in questions:
        a = answerer.answer(q.ask)
        offered = tuple(p.text for s in a.suggestions if (p := answerer.kb.get(s.passage_id)) is not None)
        following = answerer.kb.get(a.read_on.passage_id) if a.read_on else None
        results.append(
            Result(q, a.passage_id, a.passage_text, a.hedged, offered, following.text if following else None)
        )
    return results


def totals(results: list[Result]) -> Totals:
    on = [r for r in results if r.question.on_topic]
    off = [r for r in results if not r.question.on_topic]
    count = Counter(r.verdict for r in on)
    per_source: dict[str, dict[str, int]] = {}
    for r in on:
        name = f"{r.question.group}/{r.question.source}" if r.question.group else r.question.source or "?"
        row = per_source.setdefault(name, {"questions": 0, "right": 0, "wrong": 0, "declined": 0})
        row["questions"] += 1
        row[r.verdict] += 1
    near = [r for r in off if r.question.kind == "near-miss"]
    unrel = [r for r in off if r.question.kind == "unrelated"]
    other = [r for r in off if r.question.kind == "other-article"]
    return Totals(
        on_topic=len(on),
        right=count["right"],
        wrong=count["wrong"],
        declined=count["declined"],
        off_topic=len(off),
        off_declined=sum(r.verdict == "declined" for r in off),
        near_miss=len(near),
        near_miss_declined=sum(r.verdict == "declined" for r in near),
        unrelated=len(unrel),
        unrelated_declined=sum(r.verdict == "declined" for r in unrel),
        per_source=dict(sorted(per_source.items())),
        other_article=len(other),
        other_article_declined=sum(r.verdict == "declined" for r in other),
        right_hedged=sum(r.hedged for r in on if r.verdict == "right"),
        wrong_hedged=sum(r.hedged for r in on if r.verdict == "wrong"),
        off_hedged=sum(r.hedged for r in off),
        near_miss_hedged=sum(r.hedged for r in near),
        declined_offered=sum(r.one_press_away for r in on),
        wrong_read_on=sum(r.read_on_right for r in on),
    )


def evaluate(set_name: str = "dev", corpus: str = DEFAULT_CORPUS) -> Totals:
    """Import the sources of `corpus`, ask every question of `set_name`, return the totals."""
    return totals(ask_all(set_name, corpus=corpus))


def report(t: Totals, set_name: str, corpus: str = DEFAULT_CORPUS) -> str:
    other = (
        f", other articles {t.other_article_declined}/{t.other_article} ({t.other_article_declined_pct}%)"
        if t.other_article
        else ""
    )
    lines = [
        f"generalization set {set_name!r}" if corpus == DEFAULT_CORPUS else f"{corpus} set {set_name!r}",
        f"on-topic  {t.on_topic:4d}: right {t.right} ({t.right_pct}%), wrong {t.wrong} ({t.wrong_pct}%), "
        f"declined {t.declined} ({t.declined_pct}%)",
        f"off-topic {t.off_topic:4d}: declined {t.off_declined} ({t.off_declined_pct}%); "
        f"near misses {t.near_miss_declined}/{t.near_miss} ({t.near_miss_declined_pct}%), "
        f"unrelated {t.unrelated_declined}/{t.unrelated} ({t.unrelated_declined_pct}%){other}",
        f"hedged    answers: right {t.right_hedged}, wrong {t.wrong_hedged}; off-topic {t.off_hedged} "
        f"(near misses {t.near_miss_hedged}: declined or hedged "
        f"{t.near_miss_met_pct}%)",
        f"declined  on-topic, the right passage among the closest topics offered: {t.declined_offered} of "
        f"{t.declined} ({t.declined_offered_pct}%)",
        f'wrong     answers whose section\'s next passage, a "Read on" press away, is right: {t.wrong_read_on} of '
        f"{t.wrong}",
        "per source (on-topic): right / wrong / declined of questions",
    ]
    for name, row in t.per_source.items():
        lines.append(
            f"  {name:28s} {row['right']:3d} / {row['wrong']:3d} / {row['declined']:3d} of {row['questions']:3d}"
            f"  ({Totals.pct(row['right'], row['questions'])}% right)"
        )
    return "\n".join(lines)


def failures(results: list[Result]) -> str:
    lines = []
    for r in results:
        v = r.verdict
        if v in ("right",) or (not r.question.on_topic and v == "declined"):
            continue
        q = r.question
        what = f"[{q.source}] want {q.fact!r}" if q.on_topic else f"[{q.kind}]"
        got = f"{r.passage_id}: {(r.passage_text or '')[:140]}" if r.passage_id else "declined"
        lines.append(f"{v.upper():8s} {what}\n  ask: {q.ask}\n  got: {got}")
    return "\n".join(lines)


def set_options(
    prog: str, doc: str, shown: str, argv: list[str] | None, more: argparse.ArgumentParser | None = None
) -> argparse.Namespace | None:
    """The options of a benchmark over a question set: `--set dev|blind`, `--show` (what `shown`
    lists, refused for the blind set, read only as totals) and `--json`, and `more`'s own (a
    parser made with add_help=False); None once refused or when the communities' corpus is missing
    (the error said)."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0], parents=[more] if more else [])
    parser.add_argument("--set", choices=SETS, default="dev", dest="set_name")
    parser.add_argument("--show", action="store_true", help=f"{shown} (dev only)")
    parser.add_argument("--json", action="store_true", help="print the totals as JSON")
    args = parser.parse_args(argv)
    if args.show and args.set_name == "blind":
        print("refused: the blind set is read only as totals (drop --show)", file=sys.stderr)
        return None
    try:
        corpus_dir(getattr(args, "corpus", "communities"))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    return args


def main(argv: list[str] | None = None) -> int:
    more = argparse.ArgumentParser(add_help=False)
    more.add_argument("--corpus", choices=tuple(CORPORA), default=DEFAULT_CORPUS)
    more.add_argument(
        "--alone",
        action="store_true",
        help="import each source into a folder of its own; the other sources' questions are off-topic",
    )
    args = set_options("python -m benchmarks.generalization", __doc__ or "", "list the failures", argv, more)
    if args is None:
        return 2
    try:
        results = (ask_alone if args.alone else ask_all)(args.set_name, corpus=args.corpus)
    except FileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t = totals(results)
    if args.json:
        head = (
            {"set": args.set_name} if args.corpus == DEFAULT_CORPUS else {"corpus": args.corpus, "set": args.set_name}
        )
        head = {**head, "alone": True} if args.alone else head
        print(json.dumps({**head, **t.as_dict()}, indent=2))
    else:
        if args.show:
            print(failures(results))
            print()
        print(report(t, args.set_name, args.corpus) + ("\n(each source alone)" if args.alone else ""))
    return 0
