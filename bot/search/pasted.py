"""What a member pastes into a question from a terminal or a log: paths, web and mail addresses,
file names, code identifiers and hashes.

"EACCES: permission denied, open '/usr/src/app/library/2023/IMG_0412.jpg'" asks about the error;
the path's parts (`usr`, `src`, `img`, `0412`, `jpg`) are the asker's machine, and a term that
no passage has weighs the most in the coverage, so a pasted error was declined although the
passage about it holds every other word. The index keeps such a part only where the knowledge
base knows it (`library` above), as it does a number no passage has (`Index.analyze`), and the
unknown names a question asks about are looked for outside them (`Index.unknown_names`).

Plain prose is never pasted: "and/or", "24/7", "TCP/IP", "e.g." and "U.S." are words. A
question holds nothing pasted in the common case, and `pieces` then costs one search.
"""

from __future__ import annotations

import re

# File endings that mark a word as a file's name: "config.yaml", "driver.js:219", "IMG_0412.jpg".
_ENDINGS = (
    "7z|apk|avi|bak|bat|bin|c|cfg|class|conf|cpp|crt|cs|css|csv|db|deb|dll|dmg|doc|docx|env|exe|gif|go|gz"
    "|h|heic|htm|html|ini|iso|jar|java|jpeg|jpg|js|json|jsx|key|kt|lock|log|md|mjs|mkv|mov|mp3|mp4|msi"
    "|odt|pdf|pem|php|pkg|pl|png|ps1|py|rb|rpm|rs|service|sh|so|sql|sqlite|svg|swift|tar|tgz|toml|ts"
    "|tsx|txt|wav|webm|webp|xls|xlsx|xml|yaml|yml|zip"
)
_SEGMENT = r"[\w.@%+\-]++"  # possessive: a segment is never read again in part
LONGEST = 200  # characters of a word the patterns read: longer, it is pasted whole (see `pieces`)
# A domain name: its labels, then a top-level domain of letters of any script ("youtube.com",
# "сайт-клуба.рф"). With a path after it, an address without its scheme ("youtube.com/watch?v=...",
# as a phone's share sheet or a typist writes it); Telegram's adapter also quotes one alone as code,
# since Telegram links it (adapters/tg/render.py).
DOMAIN = r"(?:[\w-]++\.)++[^\W\d_]{2,}+"
_ADDRESSES = (
    r"(?:https?|ftp|file|ssh|git)://\S+",  # a web address
    r"\bwww\.\S+",
    # ... without its scheme (not "Node.js?"), nor a name written as one before a slash ("Node.js/Express"),
    # unless what follows the slash is an address's ("Google.com/maps?q=park")
    rf"(?<![\w.@%+\-/\\])(?:(?![A-Z][a-z]+\.){DOMAIN}(?:/|[?#](?=\S))|{DOMAIN}(?:/(?=\S*[/.?=#&%])|[?#](?=\S)))\S*",
    r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+",  # a mail address
    # a path: from the root, home, here or a drive ("/usr/src", "~/photos", "C:\Users") ...
    # (two parts at least from the root: "/help" and "/start" are a chat's commands)
    rf"(?<![\w/\\])(?:(?:[A-Za-z]:|~|\.{{1,2}})[/\\]{_SEGMENT}|[/\\]{_SEGMENT}[/\\]{_SEGMENT})"
    rf"(?:[/\\]{_SEGMENT})*[/\\]?(?::\d+)*",
    # ... or relative, with two separators or more, a letter and a part a person would not write
    # ("node_modules/typeorm/driver.js", "photos/2023/img.jpg"; not "TCP/IP/UDP", nor a date: "12/03/2024")
    rf"(?<![\w.@%+\-/\\])(?=[\w.@%+\-/\\]*(?:[\d_]|\.\w))(?=[\w.@%+\-/\\]*[^\W\d_])"
    rf"{_SEGMENT}(?:[/\\]{_SEGMENT}){{2,}}(?::\d+)*",
)
PASTED = re.compile(
    "|".join(
        (
            *_ADDRESSES,
            # a file's name, with its line and column; not a name written as one ("Node.js", "Vue.js")
            rf"(?<![\w\-.])(?![A-Z][a-z]+\.)[\w\-]+\.(?:{_ENDINGS})(?::\d+)*\b",
            r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b",  # snake_case, SCREAMING_CASE, IMG_0412
            r"(?<![\w.])[A-Za-z_]\w+(?:\.[A-Za-z_]\w*){2,}\b",  # os.path.join, docs.python.org; not U.S.A
            r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b",  # a hash: 3f9c21ab
        )
    )
)
_ADDRESS = re.compile("|".join(_ADDRESSES))
# A backslash only a path has, or a dot or slash between word characters: without one of
# them, nothing above can match (most questions: one quick search).
_HINT = re.compile(r"[\w.][/\\]|\w[._@]\w|:/")


def pieces(question: str) -> list[tuple[str, bool]]:
    """`question` cut into its pieces in order, each with whether it was pasted (see above);
    one piece, not pasted, when nothing was. Nothing pasted holds a space, so each word is
    searched alone, and a word longer than LONGEST is pasted whole when it has a hint of it: the
    patterns then never read more than LONGEST characters from one place."""
    if not _HINT.search(question):
        return [(question, False)]
    found: list[tuple[str, bool]] = []
    for word in re.split(r"(\s+)", question):
        if len(word) > LONGEST or word.isspace():
            _add(found, word, len(word) > LONGEST and bool(_HINT.search(word)))
            continue
        at = 0
        for match in PASTED.finditer(word):
            _add(found, word[at : match.start()], False)
            _add(found, match.group(0), True)
            at = match.end()
        _add(found, word[at:], False)
    return found or [(question, False)]


def _add(found: list[tuple[str, bool]], piece: str, pasted: bool) -> None:
    """`piece` after `found`, joined to the last piece when both are pasted or both are not."""
    if not piece:
        return
    if found and found[-1][1] == pasted:
        found[-1] = (found[-1][0] + piece, pasted)
    else:
        found.append((piece, pasted))


def only_addresses(question: str) -> bool:
    """True when all `question` holds is addresses and paths (a link to a video, sent alone) and
    the punctuation around them: it asks nothing, though the knowledge base may know a word of the
    address ("watch", "control"). A file's name or an identifier alone ("config.yaml",
    "max_retries") may be what is asked about: False."""
    found = pieces(question)
    return any(was_pasted for _, was_pasted in found) and all(
        _ADDRESS.fullmatch(piece) is not None if was_pasted else not any(ch.isalnum() for ch in piece)
        for piece, was_pasted in found
    )


def without_pasted(question: str) -> str:
    """`question` with what was pasted into it blanked out (each piece a space)."""
    return "".join(" " if pasted else piece for piece, pasted in pieces(question))
