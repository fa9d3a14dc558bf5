"""Turn stored Wikipedia article text into the Markdown of `sources/` and `others/`.

The raw text is not kept here. It comes from the public repository
cabosanlucas/document_similarity_using_tfidf (commit ORIGIN_COMMIT, folder `data/`), which
holds English Wikipedia articles as rendered page text (about 2017); see SOURCES.md.

    python -m benchmarks.encyclopedia.prepare GIT_DIR

GIT_DIR is a clone of that repository (its .git directory). Format only: the table of contents
gives the section headings (`#`, `##`, `###`); infobox, hatnotes, image captions, tables, lists,
citation marks ([12], [a], [citation needed]) and "[edit]" are dropped, and the article stops at
its See also / Notes / References part. A long article is cut at the first heading after it
reaches MAX_WORDS words.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORIGIN_REPO = "cabosanlucas/document_similarity_using_tfidf"
ORIGIN_COMMIT = "566d578638605d937cd1282dbf1975eb825896ef"  # HEAD when read (2018-02-01); data/ as of e8063ece
MAX_WORDS = 5000
STOP = {
    "see also",
    "notes",
    "references",
    "further reading",
    "external links",
    "bibliography",
    "sources",
    "footnotes",
    "citations",
    "gallery",
    "notes and references",
    "works cited",
    "explanatory notes",
    "awards, honours, and tributes",
    "in popular culture",
}

# file stem -> (title, folder)
ARTICLES = {
    "Christmas Island": "sources",
    "Cocos (Keeling) Islands": "sources",
    "Marie Curie": "sources",
    "Michael Faraday": "sources",
    "Cholera": "sources",
    "Glacier": "sources",
    "Violin": "sources",
    "Honey": "sources",
    "Norfolk Island": "others",
    "Johannes Kepler": "others",
    "Tea": "others",
    "Hudson River": "others",
}

CITE = re.compile(
    r"\[(?:\d+|[a-z]|[a-z]\s?\d+|note \d+|nb \d+|citation needed|clarification needed|"
    r"when\?|who\?|which\?|by whom\?|dubious[^\]]*|not in citation given|"
    r"better source needed|page needed|according to whom\?|original research\?|"
    r"update|edit|verification needed|failed verification|vague|year needed|"
    r"full citation needed|specify|why\?)\]",
    re.I,
)
ENDS = re.compile(r"[.!?:;\"”’)]$")


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")


def clean_line(line: str) -> str:
    line = CITE.sub("", line)
    line = re.sub(r"(\S)\[\d+\]", r"\1", line)
    line = line.replace("\ufeff", "").replace("\u200b", "")
    line = re.sub(r"\s+([,.;:])", r"\1", line)
    return re.sub(r"\s+", " ", line).strip()


def contents(lines: list[str]) -> tuple[int, int, list[tuple[int, str]]]:
    """(index of 'Contents', index after the list, [(depth, name)])."""
    start = lines.index("Contents")
    entries: list[tuple[int, str]] = []
    i = start + 1
    blanks = 0
    while i < len(lines):
        m = re.match(r"^(\d+(?:\.\d+)*) (.+)$", lines[i].strip())
        if m:
            entries.append((m.group(1).count(".") + 1, m.group(2).strip()))
            blanks = 0
        elif lines[i].strip():
            break
        else:
            blanks += 1
        i += 1
    return start, i, entries


def is_prose(line: str) -> bool:
    return len(line.split()) >= 12 and bool(ENDS.search(line))


def convert(title: str, raw: str) -> str:
    lines = raw.splitlines()
    start, body, entries = contents(lines)
    out = [f"# {title}", ""]
    started = False  # the lead starts at its first long paragraph (before it: hatnotes, infobox)
    for line in lines[:start]:
        text = clean_line(line)
        started = started or len(text.split()) >= 30 or bool(re.search(r"\) (was|is) (a|an|the) ", text))
        if started and is_prose(text):
            out += [text, ""]
    words = sum(len(x.split()) for x in out)
    queue = list(entries)
    blank_run = 0
    skipping = False
    for line in lines[body:]:
        stripped = line.strip()
        if not stripped:
            blank_run += 1
            continue
        name = re.sub(r"\[edit\]$", "", stripped).strip()
        if queue and name == queue[0][1]:
            depth, heading = queue.pop(0)
            if words >= MAX_WORDS:
                break
            if depth == 1:
                if heading.casefold() in STOP:
                    break
                skipping = False
            elif heading.casefold() in STOP:
                skipping = True
                continue
            else:
                skipping = False
            out += ["#" * (depth + 1) + " " + heading, ""]
            blank_run = 0
            continue
        caption = blank_run >= 3
        blank_run = 0
        if skipping or caption:
            continue
        text = clean_line(stripped)
        if is_prose(text):
            out += [text, ""]
            words += len(text.split())
    # drop headings left with no paragraph under them
    result: list[str] = []
    for i, line in enumerate(out):
        if line.startswith("#") and i > 0:
            nxt = next((x for x in out[i + 1 :] if x), "")
            if not nxt or (nxt.startswith("#") and nxt.count("#", 0, 4) <= line.count("#", 0, 4)):
                continue
        result.append(line)
    return "\n".join(result).rstrip() + "\n"


def main(argv: list[str]) -> int:
    git_dir = argv[0]
    for title, folder in ARTICLES.items():
        raw = subprocess.run(
            ["git", "--git-dir", git_dir, "show", f"{ORIGIN_COMMIT}:data/{title}.txt"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        md = convert(title, raw)
        path = HERE / folder / f"{slug(title)}.md"
        path.write_text(md, encoding="utf-8")
        print(f"{folder}/{path.name}: {len(md.split())} words")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
