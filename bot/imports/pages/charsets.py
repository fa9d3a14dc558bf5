"""A web page's charset as browsers read it (the WHATWG Encoding Standard): every label a page or its
MIME header may name, the encoding browsers take it for, and the bytes decoded as they decode them.

Python's codec of a label's name decodes differently from a browser: `gb2312` refuses bytes that a
browser reads (as GBK), `euc-kr` the syllables windows-949 adds, `shift_jis` Windows' ① and ～,
`iso-8859-1` makes windows-1252's ’ € — “ ” C1 control characters, `iso-8859-9` is not
windows-1254. `decoded` reads a label as the standard does, each encoding with the Python codec
that decodes it as browsers do (or the closest there is), and a label the standard does not have
with Python's codec of that name, if any. `kb import` reads a page saved as a single file (MHTML) in
the charset its part's header or its markup names (`in_utf8`), and a web page (`.html`) that is not
UTF-8 in the one its markup names (`page_in_utf8`).
"""

from __future__ import annotations

import codecs
import functools
import re
from pathlib import Path

from bot.yamlfiles import FileError

__all__ = ["Unreadable", "declared", "decoded", "encoding", "in_utf8", "page_in_utf8"]


class Unreadable(ValueError):
    """A charset browsers refuse to decode (ISO-2022-KR, HZ-GB-2312, ...: the standard's
    "replacement" encoding): they show such a page as one "�"."""


# Each encoding of the standard and its labels (encodings.json of github.com/whatwg/encoding).
_LABELS = {
    "UTF-8": "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8",
    "IBM866": "866 cp866 csibm866 ibm866",
    "ISO-8859-2": "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2",
    "ISO-8859-3": "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3",
    "ISO-8859-4": "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4",
    "ISO-8859-5": "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 iso_8859-5:1988",
    "ISO-8859-6": "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 iso-8859-6-e "
    "iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    "ISO-8859-7": "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 iso88597 "
    "iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    "ISO-8859-8": "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 iso88598 "
    "iso_8859-8 iso_8859-8:1988 visual",
    "ISO-8859-8-I": "csiso88598i iso-8859-8-i logical",
    "ISO-8859-10": "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    "ISO-8859-13": "iso-8859-13 iso8859-13 iso885913",
    "ISO-8859-14": "iso-8859-14 iso8859-14 iso885914",
    "ISO-8859-15": "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9",
    "ISO-8859-16": "iso-8859-16",
    "KOI8-R": "cskoi8r koi koi8 koi8-r koi8_r",
    "KOI8-U": "koi8-ru koi8-u",
    "macintosh": "csmacintosh mac macintosh x-mac-roman",
    "windows-874": "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874",
    "windows-1250": "cp1250 windows-1250 x-cp1250",
    "windows-1251": "cp1251 windows-1251 x-cp1251",
    "windows-1252": "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 iso88591 "
    "iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    "windows-1253": "cp1253 windows-1253 x-cp1253",
    "windows-1254": "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 l5 "
    "latin5 windows-1254 x-cp1254",
    "windows-1255": "cp1255 windows-1255 x-cp1255",
    "windows-1256": "cp1256 windows-1256 x-cp1256",
    "windows-1257": "cp1257 windows-1257 x-cp1257",
    "windows-1258": "cp1258 windows-1258 x-cp1258",
    "x-mac-cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "GBK": "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk",
    "gb18030": "gb18030",
    "Big5": "big5 big5-hkscs cn-big5 csbig5 x-x-big5",
    "EUC-JP": "cseucpkdfmtjapanese euc-jp x-euc-jp",
    "ISO-2022-JP": "csiso2022jp iso-2022-jp",
    "Shift_JIS": "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis",
    "EUC-KR": "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 ksc_5601 "
    "windows-949",
    "replacement": "csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr replacement",
    "UTF-16BE": "unicodefffe utf-16be",
    "UTF-16LE": "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le",
    "x-user-defined": "x-user-defined",
}
_ENCODINGS = {label: name for name, labels in _LABELS.items() for label in labels.split()}

# The Python codec that decodes each encoding as browsers do, or the closest there is. The single-byte
# ones agree with the standard's tables but for the bytes `_SINGLE_BYTE` mends; GBK is gb18030 to a
# browser; Python's cp949 and cp932 are the standard's EUC-KR and Shift_JIS, big5hkscs its Big5.
_CODECS = {
    "UTF-8": "utf-8", "IBM866": "cp866", "ISO-8859-2": "iso8859_2", "ISO-8859-3": "iso8859_3",
    "ISO-8859-4": "iso8859_4", "ISO-8859-5": "iso8859_5", "ISO-8859-6": "iso8859_6", "ISO-8859-7": "iso8859_7",
    "ISO-8859-8": "iso8859_8", "ISO-8859-8-I": "iso8859_8", "ISO-8859-10": "iso8859_10",
    "ISO-8859-13": "iso8859_13", "ISO-8859-14": "iso8859_14", "ISO-8859-15": "iso8859_15",
    "ISO-8859-16": "iso8859_16", "KOI8-R": "koi8_r", "KOI8-U": "koi8_u", "macintosh": "mac_roman",
    "windows-874": "cp874", "windows-1250": "cp1250", "windows-1251": "cp1251", "windows-1252": "cp1252",
    "windows-1253": "cp1253", "windows-1254": "cp1254", "windows-1255": "cp1255", "windows-1256": "cp1256",
    "windows-1257": "cp1257", "windows-1258": "cp1258", "x-mac-cyrillic": "mac_cyrillic",
    "GBK": "gb18030", "gb18030": "gb18030", "Big5": "big5hkscs", "EUC-JP": "euc_jp",
    "ISO-2022-JP": "iso2022_jp_ext", "Shift_JIS": "cp932", "EUC-KR": "cp949",
    "UTF-16BE": "utf-16-be", "UTF-16LE": "utf-16-le",
}  # fmt: skip
# Where the standard's single-byte tables differ from Python's: KOI8-U's ў and Ў (koi8-ru's, which
# browsers read), windows-1255's point hiriq; and the bytes Python's windows-125x leave undefined
# are the C1 characters of their number, so no page in them fails to decode.
_MENDED = {"KOI8-U": {0xAE: "ў", 0xBE: "Ў"}, "windows-1255": {0xCA: "\u05ba"}}
_MULTI_BYTE = frozenset({"UTF-8", "GBK", "gb18030", "Big5", "EUC-JP", "ISO-2022-JP", "Shift_JIS", "EUC-KR",
                         "UTF-16BE", "UTF-16LE"})  # fmt: skip
_UTF_8_IN_A_PAGE = frozenset({"UTF-8", "UTF-16BE", "UTF-16LE"})
_ASCII_LABELS = frozenset({"ansi_x3.4-1968", "ascii", "us-ascii"})
_BYTE_ORDER_MARKS = ((b"\xef\xbb\xbf", "UTF-8"), (b"\xfe\xff", "UTF-16BE"), (b"\xff\xfe", "UTF-16LE"))
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset=[\"']?([\w.:-]{1,40})", re.IGNORECASE)


def encoding(label: str) -> str | None:
    """The encoding browsers read a charset label as ("gb2312" is "GBK"), or None for a label the
    standard does not have; as the standard reads a label: without white space around it, in any case."""
    return _ENCODINGS.get(label.strip("\t\n\f\r ").lower())


def declared(page: bytes) -> str | None:
    """The charset a page's markup names (`<meta charset=...>`, or an `http-equiv` one's content) in
    its first 4 KiB, or None."""
    found = _META_CHARSET.search(page[:4096])
    return found[1].decode("ascii") if found else None


def decoded(data: bytes, label: str, *, in_page: bool = False) -> str:
    """A page's bytes in the charset `label` names, as browsers decode them: a byte-order mark says the
    encoding before any label; a label of the standard is its encoding (`in_page`, one in the page's
    own markup, UTF-16 is UTF-8 and x-user-defined windows-1252, as browsers read such a label: the
    page that writes it in ASCII is not UTF-16); any other label is Python's codec of that name. A page
    said to be ASCII that is UTF-8 is UTF-8, which is ASCII and more. Raises LookupError for a label no
    codec knows or that is not for text, ValueError for bytes that are not in the charset, and
    `Unreadable` for a charset browsers refuse to decode."""
    for mark, marked in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data[len(mark) :].decode(_CODECS[marked])
    name = encoding(label)
    if name is None:
        return data.decode(label)
    if label.strip("\t\n\f\r ").lower() in _ASCII_LABELS:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if in_page and name in _UTF_8_IN_A_PAGE:
        name = "UTF-8"
    if in_page and name == "x-user-defined":
        name = "windows-1252"
    if name == "replacement":
        raise Unreadable(name)
    if name in ("GBK", "gb18030"):
        return _gb18030(data)
    table = _single_byte(name)
    return codecs.charmap_decode(data, "strict", table)[0] if table is not None else data.decode(_CODECS[name])


def in_utf8(path: Path, data: bytes, label: str, *, in_page: bool, advice: str) -> bytes:
    """The page's bytes (`data`, of the file at `path`) in UTF-8, decoded as `decoded` does; FileError
    naming the file when browsers would not read it or its bytes are not in the charset it names."""
    shown = ascii(label)[1:-1][:60]
    try:
        return decoded(data, label, in_page=in_page).encode("utf-8")
    except Unreadable:
        raise FileError(path, f"its web page is in {shown}, which browsers do not read; save it as UTF-8") from None
    except (LookupError, ValueError):  # unknown, not for text (`undefined`, `punycode`), or with a NUL in its name
        raise FileError(path, f"its web page is not {shown} text, as it says; {advice}") from None


def page_in_utf8(path: Path, data: bytes) -> bytes:
    """A web page's bytes in UTF-8: as they are when they are UTF-8 (or binary, or name no charset: the
    file is then refused as not UTF-8), else decoded in the charset the page's markup names, as a
    browser reads a page opened from a disk (a page saved as "HTML only" keeps its charset: a Chinese
    page in GBK had been refused as not UTF-8)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        label = declared(data)  # one that says UTF-8 (UTF-16 is UTF-8 in a page) is refused as not UTF-8
        if label is not None and encoding(label) not in _UTF_8_IN_A_PAGE and b"\x00" not in data:
            return in_utf8(path, data, label, in_page=True, advice="save it as UTF-8 first")
    return data


@functools.cache
def _single_byte(name: str) -> str | None:
    """The table of a single-byte encoding as browsers decode it (each byte's character, "\ufffe" for
    one it leaves undefined), or None for an encoding of more bytes a character."""
    if name == "x-user-defined":  # the bytes past ASCII as characters of the Private Use Area
        return "".join(chr(byte if byte < 0x80 else 0xF700 + byte) for byte in range(256))
    if name in _MULTI_BYTE:
        return None
    codec = _CODECS[name]
    table = []
    for byte in range(256):
        try:
            table.append(bytes([byte]).decode(codec))
        except UnicodeDecodeError:
            table.append(chr(byte) if name.startswith("windows-") and 0x80 <= byte < 0xA0 else "\ufffe")
    for byte, character in _MENDED.get(name, {}).items():
        table[byte] = character
    return "".join(table)


def _gb18030(data: bytes) -> str:
    """GBK and gb18030 as browsers decode them: Python's gb18030, but a byte 0x80 that starts no
    character is "€" (the standard's gb18030 decoder has it; Python's refuses it)."""
    parts = []
    at = 0
    while True:
        try:
            parts.append(data[at:].decode("gb18030"))
            return "".join(parts)
        except UnicodeDecodeError as exc:
            if data[at + exc.start] != 0x80:
                raise
            parts += [data[at : at + exc.start].decode("gb18030"), "€"]
            at += exc.start + 1
