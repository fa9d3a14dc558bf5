"""Which files of a knowledge folder are knowledge: the sources (`*.yaml`), the drafts waiting in `drafts/`, the
files that are not read (hidden, misnamed, links out of the folder) and the packaged seed."""

from __future__ import annotations

import logging
from pathlib import Path

from bot import yamlfiles
from bot.catalogue import counted, noun
from bot.knowledge.passages import KnowledgeError

log = logging.getLogger(__name__)

MAX_FOLDER_BYTES = 512 * 1024 * 1024  # all source files together (one file: yamlfiles.MAX_FILE_BYTES)
SYNONYMS_FILE = "synonyms.yaml"  # the knowledge folder's synonyms (see bot.search.synonyms), not a source
SETTINGS_FILE = "settings.yaml"  # how the folder is ranked and when it answers (see bot.answering.tuning), not a source
NOT_SOURCES = frozenset({SYNONYMS_FILE, SETTINGS_FILE})
# The copy of the seed knowledge that `pip install .` ships inside the package (see pyproject.toml):
# read as the default knowledge of an installed bot, never written (an upgrade would replace it).
PACKAGED_SEED = Path(__file__).resolve().parent.parent / "seed"


def is_packaged(directory: Path) -> bool:
    """Whether `directory` is the seed knowledge inside the installed package."""
    return Path(directory).resolve() == PACKAGED_SEED


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
        wait = f"{counted(drafts, 'draft')} in drafts/ {noun(drafts, 'waits', 'wait')} to be published"
        waiting = f"; {wait} (`kb publish --all`)" if drafts else ""
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
