"""What knowledge is: sources, their passages and the knowledge base of them, with the limits every passage
keeps and the error that names the file, the entry and the line."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.yamlfiles import FileError

MAX_TEXT_CHARS = 3000
MAX_SECTION_CHARS = 200
MAX_QUESTION_CHARS = 300
# Questions per passage: with the length caps, a passage is at most about 33,000 characters, so
# YAML aliases (one long list of questions under every passage) cannot multiply a small file.
MAX_QUESTIONS = 100
MAX_ID_CHARS = 64
ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
# What no text may hold: NUL (YAML's "\0"), which PostgreSQL's text and jsonb refuse, and a lone
# surrogate ("\ud800"), which no UTF-8 file or database can hold. Refused on both backends alike.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class KnowledgeError(FileError):
    """A knowledge file that cannot be used; the message names the file, the entry and the line."""


class LoadTimeout(KnowledgeError):
    """A load that ran past its time limit: the moment's fault, not the files' (try again later)."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where passages come from, as a citation names it."""

    title: str
    publisher: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Passage:
    """One short piece of knowledge that answers one thing."""

    id: str
    section: str
    text: str
    source: Source
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    """All passages of all sources, in file order, with unique ids."""

    passages: tuple[Passage, ...]
    files: tuple[Path, ...] = ()
    starts: frozenset[int] = frozenset()  # where each file's passages begin (a passage added goes on the last)

    def __len__(self) -> int:
        return len(self.passages)

    def __iter__(self) -> Iterator[Passage]:
        return iter(self.passages)

    def get(self, passage_id: str) -> Passage | None:
        return self._by_id.get(passage_id)

    def __contains__(self, passage_id: object) -> bool:
        return passage_id in self._by_id

    @functools.cached_property
    def _by_id(self) -> dict[str, Passage]:
        """Made once, on first use: a look-up by id (a forged button's id among them) is a dict look-up."""
        return {p.id: p for p in self.passages}

    def following(self, passage_id: str) -> Passage | None:
        """The passage after this one in its file, when it goes on the same section of the same source
        (an imported section of more than one passage: a procedure's next steps), else None."""
        at = self._position.get(passage_id)
        if at is None or at + 1 >= len(self.passages) or at + 1 in self.starts:  # not into the next file
            return None
        this, after = self.passages[at], self.passages[at + 1]
        return after if (after.source, after.section) == (this.source, this.section) else None

    @functools.cached_property
    def _position(self) -> dict[str, int]:
        return {p.id: at for at, p in enumerate(self.passages)}

    def sections(self) -> list[str]:
        """Section names in first-seen order, without repeats."""
        return list(dict.fromkeys(p.section for p in self.passages))

    def sources(self) -> list[Source]:
        return [source for source, _ in self.sections_by_source]

    @functools.cached_property
    def sections_by_source(self) -> tuple[tuple[Source, tuple[str, ...]], ...]:
        """Each source and its sections, in first-seen order without repeats. Made once, on first use:
        the help every greeting gets had read every passage each time (45 ms at 100,000 passages)."""
        found: dict[Source, dict[str, None]] = {}
        for passage in self.passages:
            found.setdefault(passage.source, {})[passage.section] = None
        return tuple((source, tuple(sections)) for source, sections in found.items())


def storable(value: str) -> bool:
    """Whether `value` can be stored as it is, in a file and in PostgreSQL (see `_UNSTORABLE`); most text
    is ASCII, which is known at once."""
    return "\x00" not in value and (value.isascii() or not _UNSTORABLE.search(value))


def shows_nothing(value: str) -> bool:
    """True for text of white space and characters that print as nothing (format characters: a
    zero-width space, a word joiner, a soft hyphen): a passage of one zero-width space loaded, and
    members were offered a topic that looked empty. The first character shown ends the look,
    and it is nearly always the first."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value)
