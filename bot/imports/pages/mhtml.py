"""A web page saved as a single file (`.mhtml`, `.mht`: a MIME message, the page and its pictures), as
`kb import` reads it (`bot.imports.articles`): the page in it, in UTF-8, decoded as browsers decode
its charset, and the line of the file each of its lines is at, for the notices about it.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage, MIMEPart
from pathlib import Path

from bot.imports.pages import charsets
from bot.yamlfiles import FileError

_HEADER = re.compile(rb"[A-Za-z][\w-]{0,60}:")  # a MIME header's line: "MIME-Version: 1.0"


def is_saved_page(data: bytes) -> bool:
    """Whether a file begins as a page saved as a single file does, whatever its name: a MIME
    message's headers ("From: <Saved by Blink>", "MIME-Version: 1.0") that say its parts are related
    (`Content-Type: multipart/related`), the page and its pictures."""
    head = data[:16384].replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    lines = re.sub(rb"\n[ \t]+", b" ", head).split(b"\n")  # a header folded over lines is one
    if not all(_HEADER.match(line) for line in lines):
        return False
    fields = {name.strip().lower(): value.strip().lower() for name, _, value in (x.partition(b":") for x in lines)}
    return b"mime-version" in fields and fields.get(b"content-type", b"").startswith(b"multipart/related")


def saved_page(path: Path, data: bytes) -> tuple[bytes, list[int]]:
    """The web page of a page saved as a single file (MHTML), in UTF-8, read with the standard
    library's `email`, and the line of the file each of its lines is at (`_lines_in_file`). Drafted
    as plain text, its MIME headers and its quoted-printable HTML ("<h1>L= ibrary FAQ</h1>") had
    been passages."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        page = message.get_body(preferencelist=("html",)) if isinstance(message, EmailMessage) else None
        body = page.get_payload(decode=True) if page is not None else None
        named = page.get_content_charset() if page is not None else None
        lines = _lines_in_file(data, message, page) if page is not None else []
    except Exception:  # whatever the parser makes of a malformed message: parts nested past counting, ...
        raise FileError(path, "cannot be read as a page saved as a single file (MHTML)") from None
    if page is None or not isinstance(body, bytes):
        raise FileError(path, "a page saved as a single file (MHTML) with no web page in it")
    charset = named or charsets.declared(body) or "utf-8"
    # as browsers read its label: the part's header's, else the one its markup names
    advice = "save the page as HTML first"
    return charsets.in_utf8(path, body, charset, in_page=not named, advice=advice), lines


def _lines_in_file(data: bytes, message: EmailMessage, page: MIMEPart) -> list[int]:
    """The line of the file (from 1) each line of the saved page's part is at: one a line from where
    its body starts (after the delimiter line of its place among the parts and its headers), but
    where quoted-printable goes on over a soft line break (a line ending with "="); base64's lines
    are all at the body's start. Read as the page's own, a notice's line was one of the MIME headers."""
    lines = data.split(b"\n")
    parts = list(message.walk())  # in the order the file holds them, each after a delimiter but the first
    place = next(at for at, part in enumerate(parts) if part is page)
    delimiters = {f"--{boundary}".encode("ascii", "surrogateescape") for p in parts if (boundary := p.get_boundary())}
    opened = [at for at, line in enumerate(lines) if line.rstrip(b" \t\r") in delimiters]
    head = opened[place - 1] + 1 if 0 < place <= len(opened) else 0
    start = next((at + 1 for at in range(head, len(lines)) if not lines[at].strip(b"\r")), head)
    end = next((at for at in opened if at > start), len(lines))
    encoding = str(page.get("content-transfer-encoding", "")).strip().lower()
    if encoding == "base64":
        return [start + 1]
    if encoding != "quoted-printable":
        return list(range(start + 1, end + 1))
    soft = [at for at in range(start, end) if not lines[at].rstrip(b" \t\r").endswith(b"=")]
    return [start + 1] + [at + 2 for at in soft]
