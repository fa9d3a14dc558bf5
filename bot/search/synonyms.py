"""Synonyms: words and phrases that mean the same, folded into one term on both sides of a match.

The file is `synonyms.yaml` in the knowledge folder, a list of groups; every phrase of a group
becomes one term named after the group's first phrase, in passages and questions alike, so a
multi-word name counts once ("Kim Jong Un" -> `kim_jong_un`). Phrases are matched before stop
words are dropped, so "the US" can mean the country while "us" alone means nothing:

    groups:
      - [North Korea, DPRK, NK]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import filterfalse
from pathlib import Path

from bot import yamlfiles
from bot.knowledge import SYNONYMS_FILE, inside, not_a_file
from bot.search.stemming import STOPS
from bot.search.text import Corrector, tokenize, words

FILE_NAME = SYNONYMS_FILE
# Bounds on the file (it is read at every start and reload, and each phrase is analysed): far
# above what a community's synonyms need, low enough that a hostile file costs well under a second.
MAX_BYTES = 128 * 1024
MAX_GROUPS = 1000
MAX_PHRASES = 50
MAX_PHRASE_CHARS = 80


@dataclass(frozen=True)
class Synonyms:
    """Token-sequence rewrites, longest phrase first."""

    rewrites: dict[tuple[str, ...], str] = field(default_factory=dict)
    longest: int = 0
    starts: frozenset[str] = frozenset()  # first tokens of phrases: every other token passes at once
    written: frozenset[str] = frozenset()  # the words of the phrases, as written: spellings to correct to

    @classmethod
    def from_groups(cls, groups: Iterable[Sequence[str]]) -> Synonyms:
        groups = [list(group) for group in groups]
        rewrites: dict[tuple[str, ...], str] = {}
        for group in groups:
            phrases = [tuple(tokenize(phrase, keep_stop=True)) for phrase in group]
            phrases = [p for p in phrases if p]
            if not phrases:
                continue
            canonical = "_".join(phrases[0])
            # The first phrase maps to itself, so that its own words are not taken apart by a
            # shorter phrase of another group ("north korea" must not become "north" + "korea").
            for phrase in phrases:
                rewrites.setdefault(phrase, canonical)
        return cls(
            rewrites=rewrites,
            longest=max((len(p) for p in rewrites), default=0),
            starts=frozenset(p[0] for p in rewrites),
            written=frozenset(w for group in groups for phrase in group for w in words(phrase) if w.isalpha()),
        )

    def known(self) -> set[str]:
        """Every token a phrase is made of: words the corpus may lack but a question can use."""
        return {token for phrase in self.rewrites for token in phrase}

    def terms(self, text: str, correct: Corrector | None = None) -> list[str]:
        """The index terms of `text`: tokens with synonyms folded and stop words dropped."""
        return self.fold(tokenize(text, correct, keep_stop=True))

    def fold(self, tokens: Sequence[str]) -> list[str]:
        """Index terms from tokens with stop words kept (`tokenize(..., keep_stop=True)`)."""
        if self.starts.isdisjoint(tokens):  # no phrase can start here: one C-speed filter
            return list(filterfalse(STOPS.__contains__, tokens))
        return list(filterfalse(STOPS.__contains__, self.apply(tokens)))

    def apply(self, tokens: Sequence[str]) -> list[str]:
        """Return `tokens` with every synonym phrase replaced by its group's term."""
        if not self.rewrites:
            return list(tokens)
        out: list[str] = []
        i = 0
        while i < len(tokens):
            if tokens[i] not in self.starts:
                out.append(tokens[i])
                i += 1
                continue
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                canonical = self.rewrites.get(tuple(tokens[i : i + size]))
                if canonical is not None:
                    out.append(canonical)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out


def load(directory: Path) -> Synonyms:
    """Read `synonyms.yaml` from `directory`; no file means no synonyms."""
    return Synonyms.from_groups(load_groups(directory))


def load_groups(directory: Path) -> list[list[str]]:
    """The groups of `synonyms.yaml` in `directory`, checked (none without the file); raises FileError."""
    path = directory / FILE_NAME
    problem = not_a_file(path)
    if problem:
        raise yamlfiles.FileError(path, problem)
    if not path.exists() or not inside(path, directory):
        return []
    doc = yamlfiles.read(path, limit=MAX_BYTES)
    data = doc.data if doc.data is not None else {"groups": []}
    if not isinstance(data, dict) or set(data) - {"groups"}:
        raise yamlfiles.FileError(path, "expected a mapping with one key, 'groups'")
    groups = data.get("groups") or []
    if not isinstance(groups, list):
        raise yamlfiles.FileError(path, "'groups' must be a list of lists of phrases")
    if len(groups) > MAX_GROUPS:
        raise yamlfiles.FileError(path, f"{len(groups)} groups, more than the limit of {MAX_GROUPS}")
    for index, group in enumerate(groups):
        if (
            not isinstance(group, list)
            or not 2 <= len(group) <= MAX_PHRASES
            or not all(isinstance(p, str) and p.strip() and len(p) <= MAX_PHRASE_CHARS for p in group)
        ):
            raise yamlfiles.FileError(
                path,
                f"a group must be a list of at least two non-empty phrases"
                f" (at most {MAX_PHRASES}, each at most {MAX_PHRASE_CHARS} characters)",
                entry=f"group {index + 1}",
                line=doc.line_of("groups", index),
            )
        if any("\x00" in phrase for phrase in group):  # PostgreSQL refuses it, and it is no word
            raise yamlfiles.FileError(
                path,
                "a phrase holds a NUL (\\0), which no store can hold: remove it",
                entry=f"group {index + 1}",
                line=doc.line_of("groups", index),
            )
    for clash in _clashes(groups):
        if clash.written:
            raise yamlfiles.FileError(
                path,
                f"{clash.phrase!r} is in group {clash.earlier + 1} ({groups[clash.earlier][0]}) and group "
                f"{clash.group + 1} ({groups[clash.group][0]}): a phrase means one thing (the later group's "
                "is dropped); keep it in one group",
                entry=f"group {clash.group + 1}",
                line=doc.line_of("groups", clash.group),
            )
    return groups


@dataclass(frozen=True)
class Clash:
    """A phrase of one group that reads as a phrase of an earlier group with another term: the
    earlier group's term wins (`Synonyms.from_groups`)."""

    phrase: str
    group: int
    same_as: str  # the earlier group's phrase it reads as
    earlier: int
    written: bool  # the same phrase written twice (an error), not two words stemmed alike (a warning)


def _clashes(groups: Sequence[Sequence[str]]) -> list[Clash]:
    seen: dict[tuple[str, ...], tuple[str, int, str]] = {}  # tokens -> phrase, group, the group's opener
    found = []
    for index, group in enumerate(groups):
        phrases = [(phrase, tuple(tokenize(phrase, keep_stop=True))) for phrase in group]
        phrases = [(phrase, tokens) for phrase, tokens in phrases if tokens]
        if not phrases:
            continue
        opener = _written(phrases[0][0])
        for phrase, tokens in phrases:
            if tokens not in seen:
                seen[tokens] = (phrase, index, opener)
                continue
            same_as, earlier, earlier_opener = seen[tokens]
            # a later group that opens with an earlier one's first phrase, as written, extends it;
            # one that opens with a word stemmed alike ("universally" after "universal") does not
            if earlier_opener != opener:
                found.append(Clash(phrase, index, same_as, earlier, _written(phrase) == _written(same_as)))
    return found


def _written(phrase: str) -> str:
    return " ".join(phrase.casefold().split())


def clashes(directory: Path) -> list[str]:
    """A warning for each phrase of `synonyms.yaml` that reads as another group's phrase (two words
    stemmed alike, "universally" and "universal"): it means that group's term. None when the file
    does not load (`load` says why)."""
    try:
        groups = load_groups(directory)
    except yamlfiles.FileError:
        return []
    return [
        f"{directory / FILE_NAME} (group {c.group + 1}): {c.phrase!r} reads as {c.same_as!r} of group "
        f"{c.earlier + 1}, so it means {groups[c.earlier][0]!r}, not {groups[c.group][0]!r}"
        for c in _clashes(groups)
        if not c.written
    ]
