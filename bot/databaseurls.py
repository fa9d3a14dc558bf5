"""Database URLs: whether psycopg can read one, and the form wanted, in words that never quote it.

A URL psycopg cannot read is refused before anything uses it, with a reason of our own: the library's
quotes the part it could not read, often the password (a `%` not encoded), and had been printed by
`doctor` and every `kb`/`db` command and logged at each try of the pool. One that is no
postgresql:// URL at all (mysql://, no scheme, a typo) is told the form wanted instead (a key=value
conninfo psycopg reads still passes). `bot.config` refuses such a URL in the config or in
$QABOT_DATABASE_URL; `db` and `doctor` say it of the URL they are given.
"""

from __future__ import annotations

import re

URL_FORM = "must be a postgresql://user@host:port/database URL"
UNREADABLE_URL = (
    "psycopg cannot read this URL (not shown: it may hold the password); percent-encode the special "
    "characters of the user name and password (% as %25, @ as %40, : as %3A, / as %2F) and put an IPv6 "
    "host in brackets, [::1]"
)


def url_problem(url: str) -> str | None:
    """Why psycopg cannot use `url`, in words that do not quote it (URL_FORM or UNREADABLE_URL); None if it can."""
    if readable_url(url):
        return None
    return UNREADABLE_URL if url.lower().startswith(("postgresql://", "postgres://")) else URL_FORM


def readable_url(url: str) -> bool:
    """Whether psycopg can read `url` (True without psycopg: the database cannot be used at all then,
    which is said where it would be). Its reason is not kept: it quotes the URL's text. An `@` left
    unencoded in the password is refused too: psycopg reads the rest of the password as the host, and
    the messages that show the URL without its password would show that part of it."""
    scheme, _, rest = url.partition("://")
    if scheme.lower() in ("postgres", "postgresql") and re.split(r"[/?#]", rest, maxsplit=1)[0].count("@") > 1:
        return False
    try:
        from psycopg import ProgrammingError
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        return True
    try:
        conninfo_to_dict(url)
    except ProgrammingError:
        return False
    return True
