"""Turning a plain-text or Markdown article into draft passages for a moderator to review.

Headings become sections, paragraphs become passages of one to three sentences, and ids are
made from the section. This is the path the seed article took.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge import ID_PATTERN, MAX_ID_CHARS

MAX_SENTENCES = 3
MAX_PASSAGE_CHARS = 400

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_NUMBERED_HEADING = re.compile(r"^\s*\d{1,2}[.)]\s+(?P<title>.{3,120}?)\s*$")
# A sentence ends at . ! ? (optionally followed by a closing quote) before a space and a capital,
# digit or opening quote; "Mr." and single capitals ("U.S.") do not end one.
_SENTENCE_END = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\bMs)(?<!\b[A-Z])([.!?][\"”’']?)\s+(?=[\"“‘'A-Z0-9])")


@dataclass(frozen=True)
class Draft:
    id: str
    section: str
    text: str


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph, punctuation kept."""
    paragraph = " ".join(paragraph.split())
    pieces = _SENTENCE_END.split(paragraph)
    sentences: list[str] = []
    for i in range(0, len(pieces), 2):
        sentence = pieces[i] + (pieces[i + 1] if i + 1 < len(pieces) else "")
        if sentence.strip():
            sentences.append(sentence.strip())
    return sentences


def heading_of(block: str) -> str | None:
    """The heading a one-line block stands for, or None for a paragraph."""
    lines = block.strip().splitlines()
    if len(lines) != 1:
        return None
    line = lines[0]
    match = _MD_HEADING.match(line) or _NUMBERED_HEADING.match(line)
    if match:
        return match.group("title").strip()
    if len(line) <= 100 and not re.search(r"[.!:;,]$", line.strip()):
        return line.strip()  # a short line without closing punctuation reads as a heading
    return None


def slug(text: str, limit: int = 40) -> str:
    words = re.findall(r"[a-z0-9]+", text.casefold())
    out = "-".join(words)[:limit].strip("-")
    return out or "passage"


def group_sentences(sentences: list[str]) -> list[str]:
    """Passages of at most three sentences and about 400 characters each."""
    passages: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        if current and (len(current) >= MAX_SENTENCES or len(" ".join([*current, sentence])) > MAX_PASSAGE_CHARS):
            passages.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        passages.append(" ".join(current))
    return passages


def drafts(text: str, *, default_section: str = "Introduction") -> tuple[str | None, list[Draft]]:
    """The article's title (its first heading, if any) and its draft passages."""
    blocks = [b for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    title: str | None = None
    section = default_section
    found: list[Draft] = []
    used: dict[str, int] = {}
    for block in blocks:
        heading = heading_of(block)
        if heading is not None:
            if title is None and not found:
                title = heading
            elif heading == title and not found:
                pass  # the title repeated (blogs often print it twice)
            else:
                section = heading
            continue
        for passage in group_sentences(split_sentences(block)):
            base = slug(section)
            used[base] = used.get(base, 0) + 1
            pid = f"{base}-{used[base]}"[:MAX_ID_CHARS]
            assert ID_PATTERN.match(pid), pid
            found.append(Draft(id=pid, section=section, text=passage))
    return title, found


def to_yaml(title: str, drafts_: list[Draft]) -> str:
    """The knowledge-file YAML for a set of drafts, ready for review."""
    data = {
        "source": {"title": title, "publisher": None, "url": None},
        "passages": [{"id": d.id, "section": d.section, "text": d.text, "questions": []} for d in drafts_],
    }
    header = "# Draft passages made by `kb import`: review ids, sections and splits, add questions.\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def import_article(path: Path, knowledge_dir: Path) -> tuple[Path, int]:
    """Write `knowledge_dir/<slug>.yaml` from the article at `path`; returns it and the count."""
    text = path.read_text(encoding="utf-8")
    title, found = drafts(text)
    if not found:
        raise ValueError(f"{path}: no paragraphs found to make passages from")
    title = title or path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    target = knowledge_dir / f"{slug(path.stem, 60)}.yaml"
    if target.exists():
        raise FileExistsError(f"{target} already exists; remove it or rename the article first")
    target.write_text(to_yaml(title, found), encoding="utf-8")
    return target, len(found)
