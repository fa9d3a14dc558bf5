"""The knowledge base: sources and their passages, loaded from YAML files and validated.

Each `*.yaml` file in the knowledge folder (except `synonyms.yaml`) holds one source:

    source: {title: "...", publisher: "...", url: null}
    passages:
      - id: women-majority
        section: "Who are the North Korean refugees?"
        text: "Women make up the majority of North Korean defectors..."
        questions: ["Are most defectors women?"]
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import yamlfiles
from bot.yamlfiles import FileError

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 3000
MAX_SECTION_CHARS = 200
# A source's title as citations show it: every one repeats it (a 110 KB <title> was 28 messages).
MAX_TITLE_CHARS = 200
MAX_URL_CHARS = 2000  # of a source's url, past which `kb check` warns (Discord's embed takes 2,048)
MAX_QUESTION_CHARS = 300
# Questions per passage: with the length caps, a passage is at most about 33,000 characters, so
# YAML aliases (one long list of questions under every passage) cannot multiply a small file.
MAX_QUESTIONS = 100
MAX_FOLDER_BYTES = 512 * 1024 * 1024  # all source files together (one file: yamlfiles.MAX_FILE_BYTES)
SYNONYMS_FILE = "synonyms.yaml"  # the knowledge folder's synonyms (see bot.search.synonyms), not a source
SETTINGS_FILE = "settings.yaml"  # how the folder is ranked and when it answers (see bot.answering.tuning), not a source
NOT_SOURCES = frozenset({SYNONYMS_FILE, SETTINGS_FILE})
# The copy of the seed knowledge that `pip install .` ships inside the package (see pyproject.toml):
# read as the default knowledge of an installed bot, never written (an upgrade would replace it).
PACKAGED_SEED = Path(__file__).resolve().parent / "seed"


def is_packaged(directory: Path) -> bool:
    """Whether `directory` is the seed knowledge inside the installed package."""
    return Path(directory).resolve() == PACKAGED_SEED


MAX_ID_CHARS = 64
ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")

_SOURCE_KEYS = {"title": True, "publisher": False, "url": False, "date": False}
_PASSAGE_KEYS = {"id": True, "section": True, "text": True, "questions": False}
# What no text may hold: NUL (YAML's "\0"), which PostgreSQL's text and jsonb refuse, and a lone
# surrogate ("\ud800"), which no UTF-8 file or database can hold. Refused on both backends alike.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class KnowledgeError(FileError):
    """A knowledge file that cannot be used; the message names the file, the entry and the line."""


class LoadTimeout(KnowledgeError):
    """A load that ran past its time limit: the moment's fault, not the files' (try again later)."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where passages come from, as a citation names it."""

    title: str
    publisher: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Passage:
    """One short piece of knowledge that answers one thing."""

    id: str
    section: str
    text: str
    source: Source
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    """All passages of all sources, in file order, with unique ids."""

    passages: tuple[Passage, ...]
    files: tuple[Path, ...] = ()
    starts: frozenset[int] = frozenset()  # where each file's passages begin (a passage added goes on the last)

    def __len__(self) -> int:
        return len(self.passages)

    def __iter__(self) -> Iterator[Passage]:
        return iter(self.passages)

    def get(self, passage_id: str) -> Passage | None:
        return self._by_id.get(passage_id)

    def __contains__(self, passage_id: object) -> bool:
        return passage_id in self._by_id

    @functools.cached_property
    def _by_id(self) -> dict[str, Passage]:
        """Made once, on first use: a look-up by id (a forged button's id among them) is a dict look-up."""
        return {p.id: p for p in self.passages}

    def following(self, passage_id: str) -> Passage | None:
        """The passage after this one in its file, when it goes on the same section of the same source
        (an imported section of more than one passage: a procedure's next steps), else None."""
        at = self._position.get(passage_id)
        if at is None or at + 1 >= len(self.passages) or at + 1 in self.starts:  # not into the next file
            return None
        this, after = self.passages[at], self.passages[at + 1]
        return after if (after.source, after.section) == (this.source, this.section) else None

    @functools.cached_property
    def _position(self) -> dict[str, int]:
        return {p.id: at for at, p in enumerate(self.passages)}

    def sections(self) -> list[str]:
        """Section names in first-seen order, without repeats."""
        return list(dict.fromkeys(p.section for p in self.passages))

    def sources(self) -> list[Source]:
        return [source for source, _ in self.sections_by_source]

    @functools.cached_property
    def sections_by_source(self) -> tuple[tuple[Source, tuple[str, ...]], ...]:
        """Each source and its sections, in first-seen order without repeats. Made once, on first use:
        the help every greeting gets had read every passage each time (45 ms at 100,000 passages)."""
        found: dict[Source, dict[str, None]] = {}
        for passage in self.passages:
            found.setdefault(passage.source, {})[passage.section] = None
        return tuple((source, tuple(sections)) for source, sections in found.items())


DRAFTS_DIR = "drafts"  # where `kb import` puts the drafts a moderator publishes


def draft_files(knowledge_dir: Path) -> list[Path]:
    """The drafts waiting in the knowledge folder, sorted by name. A hidden file is none (an editor's
    lock or backup, Emacs's `.#faq.yaml` beside the draft being edited), nor is a symbolic link that
    leads nowhere (that lock is one): `kb publish --all` stopped at it, and published no draft."""
    found = (knowledge_dir / DRAFTS_DIR).glob("*.yaml")
    return sorted(p for p in found if not hidden(p) and p.exists())


def hidden(path: Path) -> bool:
    """A hidden file is never knowledge: an editor's lock or backup (`.#faq.yaml`), or the resource fork that
    macOS writes beside each file on a shared drive or in an archive (`._faq.yaml`, binary: it stopped the start).
    Any other hidden one named as knowledge is (`.faq.yaml`, read before) is warned of (`unread`)."""
    return path.name.startswith(".")


# The hidden files left beside a knowledge file, never meant to be read, and so never warned of: macOS's
# resource fork (`._faq.yaml`), an editor's lock or backup (Emacs's `.#faq.yaml`, `.~faq.yaml`).
LEFT_BESIDE = (".#", "._", ".~")


def knowledge_files(directory: Path) -> list[Path]:
    """The source files of a knowledge folder, sorted by name (hidden ones are none)."""
    found = directory.glob("*.yaml")
    return sorted(p for p in found if p.name not in NOT_SOURCES and not hidden(p) and inside(p, directory))


def unread(directory: Path) -> list[str]:
    """A warning for each file of a knowledge folder that looks like knowledge but is not read: only
    `*.yaml` is (`faq.yml`, `FAQ.YAML` were left out while `kb check` said ok), and no hidden file
    (`.faq.yaml`, which was read before resource forks were skipped, left the bot without a word)."""
    if not directory.is_dir():
        return []
    return [
        f"{path}: not read (hidden): rename it {readable_name(path.name)}"
        if hidden(path)
        else f"{path}: not read (only *.yaml files are): name it {readable_name(path.name)}"
        for path in sorted(directory.iterdir())
        if _misnamed(path)
    ]


def readable_name(name: str) -> str:
    """The name under which a file that is not read would be: `faq.yaml` for `faq.yml`, `.faq.yaml`."""
    return f"{Path(name.lstrip('.')).stem}.yaml"


def _misnamed(path: Path) -> bool:
    """A file named as knowledge is but for its ending (`faq.yml`, `FAQ.YAML`) or its leading dot (`.faq.yaml`),
    and no file left beside one (`LEFT_BESIDE`)."""
    if path.suffix.lower() not in (".yaml", ".yml") or path.name.startswith(LEFT_BESIDE):
        return False
    return (path.suffix != ".yaml" or hidden(path)) and path.is_file()


# A source's `url` as a link can take it: Discord refuses a whole answer whose embed links anything else.
WEB_ADDRESS = re.compile(r"https?://[^\s/$.?#][^\s]*\Z", re.IGNORECASE)


def odd_addresses(kb: KnowledgeBase) -> list[str]:
    """A warning for each source whose `url` is no web address ("www.example.org/faq"): Discord's
    answers leave it out, and /sources shows it as written."""
    return [
        f"source “{source.title}”: url {source.url!r} is not a web address (http:// or https://); "
        "Discord's answers leave it out"
        for source in kb.sources()
        if source.url and not WEB_ADDRESS.match(source.url)
    ]


def clipped(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the last of them "…"."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shown(title: str) -> str:
    """A source's title (or publisher) as members see it, in citations, /help and /sources: cut at
    MAX_TITLE_CHARS, as `kb import` cuts a page's title. Cut when shown, not refused when loaded: a
    folder with a longer title had loaded before the limit was set, and must still start."""
    return clipped(title, MAX_TITLE_CHARS)


def long_titles(kb: KnowledgeBase) -> list[str]:
    """A warning for each source whose title or publisher is longer than members are shown, or whose
    url is longer than a browser or Discord's embed takes."""
    said = [
        f"source “{shown(source.title)}”: its {key} is {len(value)} characters; members are shown the first "
        f"{MAX_TITLE_CHARS}"
        for source in kb.sources()
        for key, value in (("title", source.title), ("publisher", source.publisher or ""))
        if len(value) > MAX_TITLE_CHARS
    ]
    return said + [
        f"source “{shown(source.title)}”: its url is {len(source.url)} characters, more than {MAX_URL_CHARS}"
        for source in kb.sources()
        if source.url and len(source.url) > MAX_URL_CHARS
    ]


def not_a_file(path: Path) -> str | None:
    """What is wrong with an optional file of the folder (settings.yaml, synonyms.yaml) that is there
    but is no regular file (a folder of that name was silently no settings), or None."""
    problem = yamlfiles.not_regular(path.stat().st_mode) if path.exists() else None
    return f"{problem}: remove it, or make it a YAML file" if problem else None


def inside(path: Path, directory: Path) -> bool:
    """False for a symbolic link that leads out of `directory`: it is not followed (it could make
    the bot read, and show parts of, any file the bot's user may read)."""
    if not path.is_symlink():
        return True
    try:
        return path.resolve(strict=True).is_relative_to(directory.resolve())
    except (OSError, RuntimeError):  # a dangling link, or a loop
        return False


def load(directory: Path) -> KnowledgeBase:
    """Load and validate every source file in `directory`, or raise KnowledgeError."""
    files = folder_files(directory)
    return assemble(files, [read_file(path) for path in files])


def folder_files(directory: Path, *, empty: bool = False) -> list[Path]:
    """`knowledge_files`, or KnowledgeError when the folder is missing or has none (`empty`: a folder
    of none is a knowledge base of no passages yet, with a warning that says so, unless it holds
    misnamed ones: `faq.yml`)."""
    if directory.exists() and not directory.is_dir():
        raise KnowledgeError(directory, "this is a file, not a knowledge folder (give the folder that holds it)")
    if not directory.is_dir():
        raise KnowledgeError(directory, "knowledge folder not found")
    files = knowledge_files(directory)
    outside = sorted(p.name for p in directory.glob("*.yaml") if not hidden(p) and not inside(p, directory))
    if outside:
        log.warning("not following symbolic links out of the knowledge folder: %s", ", ".join(outside))
    if not files:
        drafts = len(draft_files(directory))
        waiting = f"; {drafts} draft(s) in drafts/ wait to be published (`kb publish --all`)" if drafts else ""
        named = [p.name for p in sorted(directory.iterdir()) if _misnamed(p)][:3]
        dot = ", without its leading dot" if any(name.startswith(".") for name in named) else ""
        misnamed = f"; not read: {', '.join(named)} (name each *.yaml{dot})" if named else ""
        problem = KnowledgeError(directory, f"no knowledge files (*.yaml) in this folder{waiting}{misnamed}")
        if not (empty and knows_nothing_yet(directory)):
            raise problem
        log.warning("%s: every question is declined until a moderator adds a passage", problem)
    total = sum(path.stat().st_size for path in files if path.is_file())
    if total > MAX_FOLDER_BYTES:  # each file has its own cap; this bounds how long a whole load can take
        raise KnowledgeError(
            directory, f"the knowledge files hold {total} bytes, more than the limit of {MAX_FOLDER_BYTES}"
        )
    return files


def knows_nothing_yet(directory: Path) -> bool:
    """A new community's folder: no knowledge files, nor misnamed ones (`faq.yml`: knowledge meant to
    be read is no empty folder). The bot starts on it, declining every question."""
    return directory.is_dir() and not knowledge_files(directory) and not unread(directory)


def read_file(path: Path, content: bytes | None = None) -> list[tuple[Passage, int | None]]:
    """The passages of one source file (or of `content`, its bytes already read), each with the
    line it starts on; raises KnowledgeError."""
    return list(_load_file(path, content))


def assemble(files: list[Path], contents: list[list[tuple[Passage, int | None]]]) -> KnowledgeBase:
    """The knowledge base of `files` read one by one (`read_file`); raises on a duplicate id."""
    passages: list[Passage] = []
    seen: dict[str, Path] = {}
    starts: set[int] = set()
    for path, content in zip(files, contents, strict=True):
        starts.add(len(passages))
        for passage, line in content:
            if passage.id in seen:
                raise KnowledgeError(
                    path, f"duplicate id, already used in {seen[passage.id].name}", entry=passage.id, line=line
                )
            seen[passage.id] = path
            passages.append(passage)
    return KnowledgeBase(passages=tuple(passages), files=tuple(files), starts=frozenset(starts))


def _load_file(path: Path, content: bytes | None = None) -> Iterator[tuple[Passage, int | None]]:
    try:
        doc = yamlfiles.read(path, content)
    except FileError as exc:
        raise KnowledgeError(exc.path, exc.message, line=exc.line) from None
    data = doc.data
    if not isinstance(data, dict):
        raise KnowledgeError(path, "expected a mapping with 'source' and 'passages'")
    unknown = sorted(set(map(str, data)) - {"source", "passages"})
    if unknown:
        raise KnowledgeError(path, f"unknown top-level key(s): {', '.join(unknown)}")
    source = _source(path, data.get("source"))
    items = data.get("passages")
    if not isinstance(items, list) or not items:
        raise KnowledgeError(path, "'passages' must be a non-empty list")
    for index, item in enumerate(items):
        line = doc.line_of("passages", index)
        yield _passage(path, item, index, line, source), line


def _source(path: Path, raw: Any) -> Source:
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "'source' must be a mapping with at least a title", entry="source")
    fields = _fields(path, raw, _SOURCE_KEYS, entry="source", line=None)
    return Source(**fields)


def _passage(path: Path, raw: Any, index: int, line: int | None, source: Source) -> Passage:
    return _plain_passage(raw, source) or _checked_passage(path, raw, index, line, source)


def _plain_passage(raw: Any, source: Source) -> Passage | None:
    """The passage when `raw` is plainly valid, as nearly every one is; None when it needs a
    closer look (`_checked_passage`, which says what is wrong). Loading a large knowledge base
    spends seconds here otherwise."""
    if type(raw) is not dict or not raw.keys() <= _PASSAGE_KEYS.keys():
        return None
    pid, section, text, questions = raw.get("id"), raw.get("section"), raw.get("text"), raw.get("questions", [])
    if not (type(pid) is str and type(section) is str and type(text) is str and type(questions) is list):
        return None
    if len(questions) > MAX_QUESTIONS:
        return None
    if not (len(pid) <= MAX_ID_CHARS and len(section) <= MAX_SECTION_CHARS and len(text) <= MAX_TEXT_CHARS):
        return None
    if not all(type(q) is str and len(q) <= MAX_QUESTION_CHARS for q in questions) or not ID_PATTERN.match(pid):
        return None
    if not (storable(section) and storable(text) and all(storable(q) for q in questions)):
        return None
    section, text, asked = section.strip(), text.strip(), tuple(q.strip() for q in questions)
    if not (section and text and all(asked)) or shows_nothing(text) or shows_nothing(section):
        return None
    return Passage(id=pid, section=section, text=text, source=source, questions=asked)


def _checked_passage(path: Path, raw: Any, index: int, line: int | None, source: Source) -> Passage:
    entry = f"passage {index + 1}"
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "a passage must be a mapping with id, section and text", entry=entry, line=line)
    if isinstance(raw.get("id"), str):
        entry = raw["id"][:MAX_ID_CHARS]
    questions = raw.get("questions", [])
    fields = _fields(path, {k: v for k, v in raw.items() if k != "questions"}, _PASSAGE_KEYS, entry=entry, line=line)
    if not ID_PATTERN.match(fields["id"]) or len(fields["id"]) > MAX_ID_CHARS:
        raise KnowledgeError(
            path,
            f"id {yamlfiles.shown(fields['id'])} must be lowercase letters, digits and single hyphens, "
            f"at most {MAX_ID_CHARS} characters",
            entry=entry,
            line=line,
        )
    _check_length(path, "text", fields["text"], MAX_TEXT_CHARS, entry, line)
    _check_length(path, "section", fields["section"], MAX_SECTION_CHARS, entry, line)
    if questions is None:
        questions = []
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        raise KnowledgeError(path, "'questions' must be a list of non-empty strings", entry=entry, line=line)
    if not all(storable(q) for q in questions):
        raise KnowledgeError(path, f"a question {_UNSTORED}", entry=entry, line=line)
    if len(questions) > MAX_QUESTIONS:
        raise KnowledgeError(
            path, f"{len(questions)} questions, more than the limit of {MAX_QUESTIONS}", entry=entry, line=line
        )
    for question in questions:
        _check_length(path, "question", question, MAX_QUESTION_CHARS, entry, line)
    return Passage(
        id=fields["id"],
        section=fields["section"].strip(),
        text=fields["text"].strip(),
        source=source,
        questions=tuple(q.strip() for q in questions),
    )


def _fields(path: Path, raw: dict[Any, Any], keys: dict[str, bool], *, entry: str, line: int | None) -> dict[str, Any]:
    unknown = sorted(str(k) for k in raw if k not in keys)
    if unknown:
        raise KnowledgeError(
            path, f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(keys)})", entry=entry, line=line
        )
    fields: dict[str, Any] = {}
    for key, required in keys.items():
        value = raw.get(key)
        if value is None:
            if required:
                raise KnowledgeError(path, f"missing required field '{key}'", entry=entry, line=line)
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in {"text", "section"}:
            value = str(value)
        if isinstance(value, datetime.date):  # `date: 2024-05-01` unquoted is YAML's own date, not text
            raise KnowledgeError(
                path, f"'{key}' must be text: quote it (\"{value.isoformat()}\")", entry=entry, line=line
            )
        if not isinstance(value, str):
            raise KnowledgeError(path, f"'{key}' must be text", entry=entry, line=line)
        if not value.strip():
            raise KnowledgeError(path, f"'{key}' is empty", entry=entry, line=line)
        if shows_nothing(value):
            raise KnowledgeError(
                path, f"'{key}' is empty: it holds only characters that print as nothing", entry=entry, line=line
            )
        if not storable(value):
            raise KnowledgeError(path, f"'{key}' {_UNSTORED}", entry=entry, line=line)
        fields[key] = value
    return fields


_UNSTORED = "holds a character that cannot be stored (NUL, \\0, or a lone surrogate such as \\ud800): remove it"


def storable(value: str) -> bool:
    """Whether `value` can be stored as it is, in a file and in PostgreSQL (see `_UNSTORABLE`); most text
    is ASCII, which is known at once."""
    return "\x00" not in value and (value.isascii() or not _UNSTORABLE.search(value))


def shows_nothing(value: str) -> bool:
    """True for text of white space and characters that print as nothing (format characters: a
    zero-width space, a word joiner, a soft hyphen): a passage of one zero-width space loaded, and
    members were offered a topic that looked empty. The first character shown ends the look,
    and it is nearly always the first."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value)


def _check_length(path: Path, name: str, value: str, limit: int, entry: str, line: int | None) -> None:
    if len(value) > limit:
        raise KnowledgeError(
            path, f"{name} is {len(value)} characters, more than the limit of {limit}", entry=entry, line=line
        )
