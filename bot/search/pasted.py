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
_SEGMENT = r"[\w.@%+\-]+"
PASTED = re.compile(
    "|".join(
        (
            r"(?:https?|ftp|file|ssh|git)://\S+",  # a web address
            r"\bwww\.\S+",
            r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+",  # a mail address
            # a path: from the root, home, here or a drive ("/usr/src", "~/photos", "C:\Users") ...
            # (two parts at least from the root: "/help" and "/start" are a chat's commands)
            rf"(?<![\w/\\])(?:(?:[A-Za-z]:|~|\.{{1,2}})[/\\]{_SEGMENT}|[/\\]{_SEGMENT}[/\\]{_SEGMENT})"
            rf"(?:[/\\]{_SEGMENT})*[/\\]?(?::\d+)*",
            # ... or relative, with two separators or more and a part a person would not write
            # ("node_modules/typeorm/driver.js", "photos/2023/img.jpg"; not "TCP/IP/UDP")
            rf"\b(?=[\w.@%+\-/\\]*[\d_.]){_SEGMENT}(?:[/\\]{_SEGMENT}){{2,}}(?::\d+)*",
            rf"\b[\w\-]+\.(?:{_ENDINGS})(?::\d+)*\b",  # a file's name, with its line and column
            r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b",  # snake_case, SCREAMING_CASE, IMG_0412
            r"\b(?=[\w.]*\w\w)[A-Za-z_]\w*(?:\.[A-Za-z_]\w*){2,}\b",  # os.path.join, docs.python.org; not U.S.A
            r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b",  # a hash: 3f9c21ab
        )
    )
)
# A backslash only a path has, or a dot or slash between word characters: without one of
# them, nothing above can match (most questions: one quick search).
_HINT = re.compile(r"[\w.][/\\]|\w[._@]\w|:/")


def pieces(question: str) -> list[tuple[str, bool]]:
    """`question` cut into its pieces in order, each with whether it was pasted (see above);
    one piece, not pasted, when nothing was."""
    if not _HINT.search(question):
        return [(question, False)]
    found: list[tuple[str, bool]] = []
    at = 0
    for match in PASTED.finditer(question):
        if match.start() > at:
            found.append((question[at : match.start()], False))
        found.append((match.group(0), True))
        at = match.end()
    if at < len(question):
        found.append((question[at:], False))
    return found or [(question, False)]


def without_pasted(question: str) -> str:
    """`question` with what was pasted into it blanked out (each piece a space)."""
    return "".join(" " if pasted else piece for piece, pasted in pieces(question))
