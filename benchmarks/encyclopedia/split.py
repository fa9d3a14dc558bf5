"""Check the hand-written questions against the articles and split them into dev.yaml (~65%)
and blind.yaml (~35%), at random with a fixed seed.

    python -m benchmarks.encyclopedia.split QUESTIONS_DIR

QUESTIONS_DIR holds one tab-separated file per article, written as a crowd worker would (one
paragraph read, questions whose answer is a short span of it): `<stem>.txt` with lines
`question<TAB>fact` for an imported article (stem of a file in sources/), `<stem>.txt` with lines
`question` for an article of others/ (kind other-article), and `near-miss.txt` with lines
`question`. The folder is not kept here (the blind questions would sit in it unsplit).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml

from benchmarks.generalization import normalized, paragraphs

HERE = Path(__file__).resolve().parent
SEED = 20240611
DEV_SHARE = 0.65


def read(questions_dir: Path) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    problems: list[str] = []
    for path in sorted(questions_dir.glob("*.txt")):
        stem = path.stem
        lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        if stem == "near-miss":
            items += [{"ask": x.strip(), "kind": "near-miss"} for x in lines]
        elif (HERE / "others" / f"{stem}.md").exists():
            items += [{"ask": x.strip(), "kind": "other-article"} for x in lines]
        else:
            paras = paragraphs(HERE / "sources" / f"{stem}.md")
            for line in lines:
                ask, fact = (x.strip() for x in line.split("\t"))
                if not any(normalized(fact) in p for p in paras):
                    problems.append(f"{stem}: fact not in one paragraph: {fact!r}")
                items.append({"ask": ask, "fact": fact, "source": stem})
    if problems:
        raise SystemExit("\n".join(problems))
    return items


def dump(items: list[dict[str, str]], set_name: str) -> None:
    head = f"# Encyclopedia set, {set_name}: on-topic {{ask, fact, source}}, off-topic {{ask, kind}}. See SOURCES.md.\n"
    body = yaml.safe_dump(items, sort_keys=False, allow_unicode=True, width=200)
    (HERE / f"{set_name}.yaml").write_text(head + body, encoding="utf-8")


def main(argv: list[str]) -> int:
    items = read(Path(argv[0]))
    rng = random.Random(SEED)
    rng.shuffle(items)
    cut = round(len(items) * DEV_SHARE)
    dump(items[:cut], "dev")
    dump(items[cut:], "blind")
    print(f"{len(items)} questions: dev {cut}, blind {len(items) - cut}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
