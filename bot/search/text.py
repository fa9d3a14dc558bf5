"""Text normalization and the one tokenizer used for passages and questions alike.

Passages, alternate questions, synonyms and user questions all go through `tokenize`, so that
whatever a moderator writes matches whatever a user types the same way.

State this module keeps, the only state in the search engine: two bounded memo tables of the
tokens of white-space pieces of text (`_PIECE_TOKENS`, `_PIECE_WORDS`, at most 500,000 entries
each), which make loading a large knowledge base fast; `forget()` empties them, and
`bot.search.loading` calls it when a load is done, `Index.with_added` when a moderator's passages are
in (each addition's pieces had stayed, up to 500,000, for as long as no hand edit brought a reload).
Answers are the same with or without them.

What a word is stemmed to and which words are stop words is `bot.search.stemming`'s; its names are
re-exported here (`text.stem`, `text.STOP_WORDS`), where the tokenizer's callers have always found them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from itertools import chain

from bot.search.stemming import (
    IRREGULAR,
    OVERSTEMMED,
    QUESTION_WORDS,
    STOP_STEMS,
    STOP_WORDS,
    STOPS,
    is_stop,
    stem,
)

__all__ = [  # the tokenizer's own names, and those of bot.search.stemming, which still stand here
    "IRREGULAR", "MAX_JOINED", "MAX_QUESTION_CHARS", "OVERSTEMMED", "QUESTION_WORDS", "STOPS", "STOP_WORDS",
    "Corrector", "forget", "is_cjk", "is_stop", "joined_terms", "lost_joined_terms", "normalize", "pairs", "read",
    "stem", "tokenize", "words", "written",
]  # fmt: skip

# Longest question we rank; anything longer is cut first (a flood of text says nothing more).
MAX_QUESTION_CHARS = 1000

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": " - ",
        "\u2015": " - ",
        "\u2212": "-",
        "\u00a0": " ",
    }
)

_CJK = (
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"  # Hangul
    "\u3040-\u30ff\u31f0-\u31ff"  # Kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
)
_CJK_CHAR = re.compile(f"[{_CJK}]")
_TOKEN = re.compile(
    rf"(?P<cjk>[{_CJK}]+)"
    r"|(?P<num>\$?\d+(?:[.,]\d+)*(?:-\d+(?:[.,]\d+)*)?%?)"
    rf"|(?P<word>[^\W\d_{_CJK}]+(?:['\-][^\W\d_{_CJK}]+)*)"
)
# Chat shorthand for "you" and "your" (stop words like them): in lower case and as words of
# their own only, so that the letter of "U-shaped", "U-turn" or '"U"-shaped' stays.
# (The pattern begins with a space, which makes it quick to search: a text is searched with a space before it.)
_SHORTHAND = re.compile(r" ur?(?![\w\-'\"’‘“”]|\.\w)")  # not "u.s." or "u.k"
# "US" and "U.S." in capitals are the country, not the pronoun "us"; decided before case-folding.
_US = re.compile(r"(?<![\w.])U\.?S\.?(?:A\.?)?(?![\w])")


def normalize(text: str) -> str:
    """Return `text` in NFKC form with curly quotes, dashes and control characters made plain."""
    if not text.isascii():  # NFKC and the table change nothing in ASCII
        text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    if text.isprintable():  # no control, format or unassigned characters: nothing more to do
        return text
    return "".join(
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in text if ch not in "\u200b\u200c\u200d\u2060\ufeff"
    )


def _number_tokens(raw: str) -> list[str]:
    """Keep a number whole ("27,000" -> "27000", "1998-1999"), plus each end of a range."""
    raw = raw.lstrip("$")
    percent = raw.endswith("%")
    raw = raw.rstrip("%")
    parts = [re.sub(r"(?<=\d),(?=\d{3}\b)", "", part) for part in raw.split("-")]
    tokens = ["-".join(parts)]
    if len(parts) > 1:
        tokens.extend(parts)
    if percent:
        tokens.append("percent")
    return tokens


Corrector = Callable[[str], str]
"""Maps a case-folded word the index does not know to the known word it was likely meant as."""


def _word_tokens(word: str, correct: Corrector | None, keep_stop: bool) -> list[str]:
    """Stem a word; a hyphenated word yields each of its parts ("jong-un" -> jong, un)."""
    if word.endswith("'s"):
        word = word[:-2]
    tokens = []
    for part in word.strip("'").split("-"):
        part = part.strip("'")
        if not part:
            continue
        if part in STOP_WORDS:
            if keep_stop:
                tokens.append(part)
            continue
        if correct is not None:
            part = correct(part)
        token = stem(IRREGULAR.get(part, part))
        if keep_stop or token not in STOP_STEMS:
            tokens.append(token)
    return tokens


MAX_JOINED = 12  # a hyphenated word this long or shorter is also a term written as one word ("wifi")


def _joined_tokens(word: str) -> tuple[str, ...]:
    """The word a short hyphenated word's parts make, as a term ("wi-fi" -> wifi), or ()."""
    parts = word.strip("'").split("-")
    if 1 < len(parts) <= 3 and len(word) <= MAX_JOINED and all(p.isalpha() for p in parts):
        return (stem("".join(parts)),)
    return ()


def joined_terms(text: str) -> list[str]:
    """The words the parts of `text`'s short hyphenated words make ("Wi-Fi" -> wifi): a passage
    holds them as terms too, after its others, so that "wifi" finds "Wi-Fi". A question does not
    (the joined form of "co-wrote", known to no passage, would weigh as its most telling word),
    and they come after the text's own terms so that a synonym's phrase ("stay-at-home order")
    still matches the words as written."""
    return [t for word in _hyphenated(text) for t in _joined_tokens(word)]


def _hyphenated(text: str) -> list[str]:
    """`text`'s words that have a hyphen, case-folded."""
    if "-" not in text:  # most text has none: no second pass over it
        return []
    return [word for _, _, word in _TOKEN.findall(_casefolded(text)) if word and "-" in word]


def lost_joined_terms(text: str) -> list[str]:
    """The joined words of `text`'s hyphenated words that lose a stop word when read word by word
    ("--no-input" is read "input", "get-pip" "pip"): what a question adds to its terms, when a
    passage holds them. Not when every part is a stop word ("no-one" would be "noon"), nor when
    none is: "non-free" and "wi-fi" keep their parts, and their joined term would count them twice
    (a policy's "non-free" passages then won questions they do not answer) or once more beside a
    synonym's phrase."""
    found: list[str] = []
    for word in _hyphenated(text):
        parts = word.strip("'").split("-")
        if 0 < sum(is_stop(part) for part in parts) < len(parts):
            found += _joined_tokens(word)
    return found


def is_cjk(token: str) -> bool:
    """True for a token of Korean, Chinese or Japanese characters."""
    return bool(_CJK_CHAR.match(token))


def _cjk_tokens(run: str) -> list[str]:
    """Character bigrams, so that text without spaces still matches in pieces."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokenize(
    text: str, correct: Corrector | None = None, *, keep_stop: bool = False, joined: bool = False
) -> list[str]:
    """Split `text` into the index terms BM25 ranks on (never raises, may return []).

    `correct`, given for questions only, fixes a misspelt word before it is stemmed. With
    `keep_stop`, stop words stay in, unstemmed, so that phrases such as "the South" can be
    matched before they are dropped (see `bot.search.synonyms`). `joined`: as a passage's text is
    read (`read`), with `joined_terms` after the text's own.
    """
    tokens = _tokens(_casefolded(text), correct, keep_stop=keep_stop)
    return [*tokens, *joined_terms(text)] if joined else tokens


def _casefolded(text: str) -> str:
    """`text` normalized, "US" and "U.S." made "usa", chat's "u" and "ur" made "you" and "your",
    and case-folded."""
    text = normalize(text)
    if "US" in text or "U.S" in text:  # the pattern is slow to run over text without them
        text = _US.sub(" usa ", text)
    spaced = " " + text
    if _SHORTHAND.search(spaced):
        text = _SHORTHAND.sub(lambda m: " you" if m.group(0) == " u" else " your", spaced)[1:]
    return text.casefold()


def _tokens(text: str, correct: Corrector | None, *, keep_stop: bool) -> list[str]:
    tokens: list[str] = []
    for cjk, number, word in _TOKEN.findall(text):  # findall: one C call, no Match objects
        if word:
            if correct is None:
                tokens.extend(_known_word_tokens(word, keep_stop))
            else:
                tokens.extend(_word_tokens(word, correct, keep_stop))
        elif number:
            tokens.extend(_number_tokens(number))
        else:
            tokens.extend(_cjk_tokens(cjk))
    return tokens


def read(text: str) -> tuple[list[str], list[str]]:
    """`tokenize(text, keep_stop=True, joined=True)` of a passage's text (its own terms, then the
    words its short hyphenated words make: "wifi" of "Wi-Fi"), and the pieces of text it came from
    (see `written`).

    This is what loading does for every field of every passage, so it is built for speed: the
    text is split at white space in C and each piece's tokens are looked up in a table, since no
    token reaches across white space and a knowledge base repeats its words.
    """
    pieces = _casefolded(text).split()
    own = chain.from_iterable(map(_PIECE_TOKENS.__getitem__, pieces))
    return [*own, *chain.from_iterable(map(_PIECE_JOINED.__getitem__, pieces))], pieces


def written(pieces: Counter[str]) -> Counter[str]:
    """How often each word of letters only is written, from counted pieces that `read` returned.

    These are the words `words` finds (after "U.S." has become "usa"), what spelling
    corrections may turn a question's word into.
    """
    counts: dict[str, int] = {}
    count = counts.get  # not Counter's +=, which calls Python code for every new word
    for piece, times in pieces.items():
        for word in _PIECE_WORDS[piece]:
            counts[word] = count(word, 0) + times
    return Counter(counts)


class _Pieces(dict[str, tuple[str, ...]]):
    """What `make` gives for each white-space-separated piece of text seen, remembered."""

    LIMIT = 500_000  # a few hundred bytes each: a table this full starts again
    LONGEST = 32  # longer pieces are text without spaces (Chinese, Japanese): not kept

    def __init__(self, make: Callable[[str], tuple[str, ...]]):
        super().__init__()
        self._make = make

    def __missing__(self, piece: str) -> tuple[str, ...]:
        value = self._make(piece)
        if len(piece) <= self.LONGEST:
            if len(self) >= self.LIMIT:
                self.clear()
            self[piece] = value
        return value


def forget() -> None:
    """Let go of the remembered pieces of text: they speed up one load, then only take memory."""
    _PIECE_TOKENS.clear()
    _PIECE_JOINED.clear()
    _PIECE_WORDS.clear()


_PIECE_TOKENS = _Pieces(lambda piece: tuple(_tokens(piece, None, keep_stop=True)))
_PIECE_JOINED = _Pieces(lambda piece: tuple(joined_terms(piece)))
_PIECE_WORDS = _Pieces(lambda piece: tuple(w for w in words(piece) if w.isalpha()))


@lru_cache(maxsize=65536)
def _known_word_tokens(word: str, keep_stop: bool) -> tuple[str, ...]:
    """`_word_tokens` without correction, remembered: words repeat, so loading stays fast."""
    return tuple(_word_tokens(word, None, keep_stop))


def words(text: str) -> list[str]:
    """The case-folded words of `text`, unstemmed, stop words and numbers left out."""
    found: list[str] = []
    for _, _, word in _TOKEN.findall(normalize(text).casefold()):
        if word:
            found.extend(_surface_words(word))
    return found


@lru_cache(maxsize=65536)
def _surface_words(word: str) -> tuple[str, ...]:
    return tuple(w for w in word.strip("'").split("-") if w and w not in STOP_WORDS)


def pairs(terms: list[str], window: int = 5) -> list[str]:
    """Terms for words that stand near each other ("whi~defect"), order-free.

    Added for a passage's section and alternate questions and for the question itself, they
    let "Why do they flee?" prefer the passage asked "Why do people leave?" over one that only
    holds "why" and "flee" far apart; such a pair is rare, so BM25 weighs it high.
    """
    found = []
    for i, term in enumerate(terms):
        for other in terms[i + 1 : i + 1 + window]:
            if other != term:
                found.append(f"{term}~{other}" if term < other else f"{other}~{term}")
    return found
