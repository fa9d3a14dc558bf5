"""Check the hand-written questions against the articles and split them into dev.yaml (~65%)
and blind.yaml (~35%), at random with a fixed seed.

    python -m benchmarks.encyclopedia.split QUESTIONS_DIR [--into paraphrase]

QUESTIONS_DIR holds one tab-separated file per article, written as a crowd worker would (one
paragraph read, questions whose answer is a short span of it): `<stem>.txt` with lines
`question<TAB>fact` for an imported article (stem of a file in sources/), `<stem>.txt` with lines
`question` for an article of others/ (kind other-article), and `near-miss.txt` with lines
`question`. The folder is not kept here (the blind questions would sit in it unsplit).

`--into paraphrase` writes the paraphrased set (paraphrase/dev.yaml and paraphrase/blind.yaml, see
SOURCES.md) instead of this folder's dev.yaml and blind.yaml; the check and the split are the same.
Nothing is written if any fact is misplaced.
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
# --into: the sets written into a subfolder of this one, with the name in their header
SUBSETS = {"paraphrase": "Encyclopedia paraphrased set"}


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


def dump(items: list[dict[str, str]], set_name: str, folder: Path = HERE, title: str = "Encyclopedia set") -> None:
    head = f"# {title}, {set_name}: on-topic {{ask, fact, source}}, off-topic {{ask, kind}}. See SOURCES.md.\n"
    body = yaml.safe_dump(items, sort_keys=False, allow_unicode=True, width=200)
    (folder / f"{set_name}.yaml").write_text(head + body, encoding="utf-8")


def main(argv: list[str]) -> int:
    folder, title = HERE, "Encyclopedia set"
    if len(argv) == 3 and argv[1] == "--into" and argv[2] in SUBSETS:
        folder, title = HERE / argv[2], SUBSETS[argv[2]]
        folder.mkdir(exist_ok=True)
    elif len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    items = read(Path(argv[0]))
    rng = random.Random(SEED)
    rng.shuffle(items)
    cut = round(len(items) * DEV_SHARE)
    dump(items[:cut], "dev", folder, title)
    dump(items[cut:], "blind", folder, title)
    print(f"{len(items)} questions: dev {cut}, blind {len(items) - cut}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
