"""Synthetic knowledge bases for the benchmark: English-like passages from a Zipf vocabulary.

Words are made of syllables so that they tokenize and stem like English; their frequencies
follow Zipf's law, as words in real text do. Everything comes from one seed, so every run of
the benchmark ranks the same passages for the same questions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.search import STOP_WORDS

PASSAGES_PER_FILE = 5000
VOCABULARY = 60_000
ZIPF_EXPONENT = 1.07
_ONSETS = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "w",
    "z",
    "br",
    "cr",
    "dr",
    "fl",
    "gr",
    "pl",
    "pr",
    "st",
    "tr",
    "ch",
    "sh",
    "th",
]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
_CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "rk"]


@dataclass(frozen=True)
class Corpus:
    """A generated knowledge folder, questions for it, and one passage a moderator adds later."""

    directory: Path
    questions: list[str]
    added_id: str
    added_yaml: str
    added_question: str


def vocabulary(rng: np.random.Generator, size: int = VOCABULARY) -> list[str]:
    """`size` distinct pronounceable words, none of them a stop word, most common first."""
    seen: dict[str, None] = {}
    while len(seen) < size:
        syllables = int(rng.integers(1, 4))
        word = "".join(
            _ONSETS[rng.integers(len(_ONSETS))]
            + _VOWELS[rng.integers(len(_VOWELS))]
            + _CODAS[rng.integers(len(_CODAS))]
            for _ in range(syllables)
        )
        if len(word) > 2 and word not in STOP_WORDS:
            seen.setdefault(word)
    return list(seen)


def _quote(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII is a valid YAML double-quoted scalar


def _passage_yaml(pid: str, section: str, text: str, question: str) -> str:
    return (
        f"  - id: {pid}\n    section: {_quote(section)}\n"
        f"    text: {_quote(text)}\n    questions: [{_quote(question)}]\n"
    )


def generate(directory: Path, passages: int, questions: int, seed: int = 6) -> Corpus:
    """Write `passages` passages as YAML files into `directory` and make `questions` questions."""
    rng = np.random.default_rng(seed)
    words = vocabulary(rng)
    cdf = np.cumsum(1.0 / np.arange(1, len(words) + 1) ** ZIPF_EXPONENT)
    cdf /= cdf[-1]
    lengths = rng.integers(40, 121, size=passages)
    ids = np.searchsorted(cdf, rng.random(int(lengths.sum())))
    ends = np.cumsum(lengths)
    sections = [" ".join(words[i].capitalize() for i in rng.integers(50, 2000, size=3)) for _ in range(200)]
    directory.mkdir(parents=True, exist_ok=True)
    texts: list[list[int]] = []
    chunk: list[str] = []
    for n in range(passages):
        tokens = ids[ends[n] - lengths[n] : ends[n]]
        text = " ".join(words[i] for i in tokens).capitalize() + "."
        question = f"What about {' '.join(words[i] for i in rng.choice(tokens, size=4))}?"
        chunk.append(_passage_yaml(f"p{n}", sections[n % len(sections)], text, question))
        if len(texts) < questions * 4:
            texts.append([int(i) for i in tokens])
        if len(chunk) == PASSAGES_PER_FILE or n == passages - 1:
            number = n // PASSAGES_PER_FILE
            header = f"source:\n  title: {_quote(f'Synthetic wiki, part {number}')}\npassages:\n"
            (directory / f"part-{number:04d}.yaml").write_text(header + "".join(chunk), encoding="utf-8")
            chunk = []
    asked: list[str] = []
    templates = ["What is {}?", "How does {} work?", "Tell me about {}", "{}?", "why {} and {}"]
    for q in range(questions):
        template = templates[q % len(templates)]
        if q % 10 == 9:  # off topic: rare words, mostly in no passage
            picked = [words[i] for i in rng.integers(len(words) // 2, len(words), size=3)]
        else:
            chosen = texts[int(rng.integers(len(texts)))]
            picked = [words[i] for i in rng.choice(chosen, size=int(rng.integers(2, 6)))]
        half = max(1, len(picked) // 2)
        asked.append(template.format(" ".join(picked[:half]), " ".join(picked[half:]) or "it"))
    new_words = ["zyxquor", "vlemtrask", "qwompel"]
    added_text = "The " + " ".join(new_words) + " festival is held every spring by the moderators."
    added_yaml = f"source:\n  title: {_quote('Added by a moderator')}\npassages:\n" + _passage_yaml(
        "added-passage", "News", added_text, "When is the zyxquor vlemtrask qwompel festival?"
    )
    return Corpus(directory, asked, "added-passage", added_yaml, "zyxquor vlemtrask qwompel festival")
