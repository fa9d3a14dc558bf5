"""The message catalogue's machinery: gettext translations compiled from the .po sources.

The catalogue is `bot/locales/<language>.po` (gettext's text format, the file translators edit).
The standard library's `gettext` reads only the compiled `.mo` form, so the first use of a
language compiles its `.po` in memory (the same layout `msgfmt` writes); no binary is committed
or built at install. The language of the current reply is a context variable that `speaking`
sets around a call, so that the core's sentences, deep in moderation or answering, need no
language argument; a thread or task started inside it carries it along.
"""

from __future__ import annotations

import gettext
import io
import re
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

LOCALES = Path(__file__).resolve().parent / "locales"
DEFAULT = "en"
LANGUAGES = ("en", "ko")  # English is the msgids themselves; every other language has a .po

_current: ContextVar[str] = ContextVar("language", default=DEFAULT)


def current() -> str:
    """The language replies are written in now."""
    return _current.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Write every sentence in `language` (one of LANGUAGES) inside the block."""
    token = _current.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def supported(language: str | None) -> str | None:
    """The catalogue language for a platform's language tag ("ko", "ko-KR", "en_US"), or None."""
    base = (language or "").replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else None


def _hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f" for ch in text)


def choose(user_language: str | None, text: str = "") -> str:
    """The user's language if the catalogue has it, otherwise the text's script (Hangul: Korean)."""
    return supported(user_language) or ("ko" if _hangul(text) else DEFAULT)


_compiling = threading.Lock()


def _compiled(language: str) -> gettext.NullTranslations:
    source = LOCALES / f"{language}.po"
    if language == DEFAULT or not source.is_file():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_po(parse_po(source.read_text(encoding="utf-8")))))


_ready: dict[str, gettext.NullTranslations] = {}


def translation(language: str) -> gettext.NullTranslations:
    """The translations for `language`; English (or a language without a .po) is the msgids.

    Compiled once, under a lock: the first replies in a language often come from several
    worker threads at the same moment. Every sentence after reads it without the lock."""
    ready = _ready.get(language)
    if ready is None:
        with _compiling:  # the first thread compiles; the others waiting here find it done
            ready = _ready.get(language) or _ready.setdefault(language, _compiled(language))
    return ready


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)


def _po_string(token: str) -> str:
    """A .po string literal ("..." with C escapes) as text; anything else is a ValueError."""
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise ValueError(f"not a quoted string: {token[:80]!r}")
    body = token[1:-1]

    def unescape(match: re.Match[str]) -> str:
        octal, hexa, char = match.groups()
        if octal is not None:
            if not int(octal, 8):
                raise ValueError(f"a NUL (\\0) in {token[:80]!r}: msgids and msgstrs cannot hold one")
            return chr(int(octal, 8))
        if hexa is not None:
            if not int(hexa, 16):
                raise ValueError(f"a NUL (\\x00) in {token[:80]!r}: msgids and msgstrs cannot hold one")
            return chr(int(hexa, 16))
        if char not in _ESCAPES:
            raise ValueError(f"unknown escape \\{char} in {token[:80]!r}")
        return _ESCAPES[char]

    if re.search(r'(?<!\\)(?:\\\\)*"', body) or re.search(r"(?<!\\)(?:\\\\)*\\\Z", body):
        raise ValueError(f"an unescaped quote, or an escape with nothing after it, in {token[:80]!r}")
    return _ESCAPE.sub(unescape, body)


def parse_po(text: str) -> dict[str, str]:
    """A .po file's entries: msgid (with msgid_plural after a NUL) -> msgstr (plural forms NUL-joined).

    Handles what this project's catalogue uses: comments, msgctxt-free entries, multi-line strings,
    plural entries. Fuzzy entries are skipped, as msgfmt does."""
    entries: dict[str, str] = {}
    fields: dict[str, str] = {}
    key: str | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal fuzzy
        if "msgid" in fields and not fuzzy:
            msgid = fields["msgid"]
            if "msgid_plural" in fields:
                msgid += "\0" + fields["msgid_plural"]
                forms = sorted((k for k in fields if k.startswith("msgstr[")), key=lambda k: int(k[7:-1]))
                entries[msgid] = "\0".join(fields[k] for k in forms)
            else:
                entries[msgid] = fields.get("msgstr", "")
        fields.clear()
        fuzzy = False

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                if fields.get("msgstr") is not None or any(k.startswith("msgstr[") for k in fields):
                    flush()
                fuzzy = True
            continue
        if not line:
            continue
        if line.startswith('"'):
            if key is None:
                raise ValueError(f"a string outside an entry: {raw!r}")
            fields[key] += _po_string(line)
            continue
        name, _, value = line.partition(" ")
        if name == "msgid" and ("msgstr" in fields or any(k.startswith("msgstr[") for k in fields)):
            flush()
        key = name
        fields[key] = _po_string(value.strip())
    flush()
    return entries


def compile_po(entries: dict[str, str]) -> bytes:
    """The .mo bytes for `entries` (msgfmt's layout: header, two index tables, the strings)."""
    keys = sorted(entries)
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    start = 7 * 4 + 16 * len(keys)
    id_blob = b"".join(i + b"\0" for i in ids)
    offsets: list[int] = []
    position = start
    for i in ids:
        offsets += [len(i), position]
        position += len(i) + 1
    str_start = position
    for s in strs:
        offsets += [len(s), position]
        position += len(s) + 1
    del str_start
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    table = struct.pack(f"{len(offsets)}i", *offsets)
    return header + table + id_blob + b"".join(s + b"\0" for s in strs)


def _(message: str) -> str:
    """`message` (a msgid) in the current language."""
    return translation(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a sentence with a count, in the current language."""
    return translation(current()).ngettext(singular, plural, n)


def noun(count: int, singular: str, plural: str | None = None) -> str:
    """The noun that agrees with `count` in English: `singular` for 1, else `plural` (`singular` + "s").

    For the lines only an operator reads (the command line, `doctor`, the log, a file's error), which
    the catalogue does not translate; "gap(s)" had made every count read as a guess."""
    return singular if count == 1 else plural or singular + "s"


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`count` and its noun, agreeing in English: "1 open gap", "0 open gaps", "2 open gaps"."""
    return f"{count} {noun(count, singular, plural)}"


def N_(message: str) -> str:
    """Mark `message` for the catalogue; it is translated where it is shown (`_`)."""
    return message
