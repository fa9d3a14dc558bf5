"""Passage ids people can read and type, from a section in any script.

An id is lowercase ASCII letters, digits and single hyphens, at most 64 characters
(`knowledge.ID_PATTERN`), because it travels in Telegram's 64-byte callback data. `slug` spells
a heading in those letters: Latin without its accents, Hangul by the Revised Romanization of
each syllable's jamo (no sound-change rules: 북한 is `bukhan`), Cyrillic and Greek by a small
table. Other scripts (Han, kana, Arabic, ...) give nothing, and the caller falls back to
something readable (the file's name), never to a bare number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterator

from bot.knowledge import MAX_ID_CHARS

SLUG_CHARS = 40  # room for a "-123" suffix and more within the 64-character limit

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_INITIALS = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()
_MEDIALS = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
_FINALS = "- k k k n n n t l k m l l l p l m p p t t ng t t k t p t".split()

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
        "a b v g d e yo zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya i yi ye g u".split(),
        strict=True,
    )
)
_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψω",
        "a v g d e z i th i k l m n x o p r s s t y f ch ps o".split(),
        strict=True,
    )
)
_LATIN_EXTRA = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ı": "i"}


def romanize(text: str) -> str:
    """`text` in plain Latin letters where this module knows how; other characters are kept."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text.casefold()):
        code = ord(char)
        if _HANGUL_FIRST <= code <= _HANGUL_LAST:
            out.append(_hangul(code - _HANGUL_FIRST))
            continue
        base = unicodedata.normalize("NFD", char)[0]  # й -> и, ά -> α, é -> e
        spelled = _CYRILLIC.get(char) or _CYRILLIC.get(base) or _GREEK.get(base) or _LATIN_EXTRA.get(char)
        out.append(spelled.strip("-") if spelled is not None else base)
    return "".join(out)


def _hangul(index: int) -> str:
    initial, rest = divmod(index, 21 * 28)
    medial, final = divmod(rest, 28)
    return "".join(part.strip("-") for part in (_INITIALS[initial], _MEDIALS[medial], _FINALS[final]))


def slug(text: str, limit: int = SLUG_CHARS) -> str:
    """`text` as id words joined by hyphens, cut at a word end within `limit`; "" when no letter
    of it can be spelled (a bare number is no name either)."""
    words = re.findall(r"[a-z0-9]+", romanize(text))
    if not any(re.search(r"[a-z]", word) for word in words):
        return ""
    out = ""
    for word in words:
        joined = f"{out}-{word}" if out else word
        if len(joined) > limit:
            return out or word[:limit]
        out = joined
    return out


def numbers(base: str, taken: Container[str]) -> Iterator[str]:
    """`base-1`, `base-2`, ... each free in `taken` when it is asked for (an id taken meanwhile is
    skipped): numbering many passages of one section goes on from the last, not from 1 each time."""
    n = 1
    while True:
        if with_number(base, n) not in taken:
            yield with_number(base, n)
        n += 1


def numbered(base: str, taken: Container[str], *, bare: bool = True) -> str:
    """The first id free in `taken`: `base` itself (when `bare`), else `base-2`, `base-3`, ...;
    with `bare=False` every id is numbered, from `base-1`."""
    if bare and base not in taken:
        return base
    n = 2 if bare else 1
    while with_number(base, n) in taken:
        n += 1
    return with_number(base, n)


def with_number(base: str, n: int) -> str:
    """`base-n`, within the id limit: a long base (a taken 64-character id numbered anew) is cut short
    to make room for the number, which had given an id the loader then refused."""
    suffix = f"-{n}"
    return base[: MAX_ID_CHARS - len(suffix)].rstrip("-") + suffix
