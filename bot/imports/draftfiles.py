"""`kb import`: an article made a draft knowledge file for a moderator to review, and the drafts listed.

A draft is written to `drafts/` in the knowledge folder, which the loader does not read: it is
not served until a moderator publishes it (`bot.curation.publishing`). This is the path the seed article
took. The draft is named after the article's file (or, when that name spells none, its title),
its ids are checked against the folder's under the store's lock, and its header says what to review.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot import ids, knowledge
from bot.catalogue import counted, noun
from bot.curation import DRAFT_HEADER, OWN_FILES, UPDATE_MARK, KnowledgeStore, StoreError, dump, write_atomic
from bot.imports import articles
from bot.imports.blocks import Notice
from bot.imports.drafts import Draft, drafts_of
from bot.knowledge import DRAFTS_DIR, KnowledgeError, Passage, draft_files, shown
from bot.yamlfiles import FileError


class NameTaken(FileError):
    """An article refused because the draft or live file of its name exists (`existing`)."""

    def __init__(self, article: Path, existing: Path, message: str):
        super().__init__(article, message)
        self.existing = existing


@dataclass(frozen=True)
class DraftFile:
    """A draft waiting in `drafts/`: its title and passage count, or what is wrong with it."""

    path: Path
    title: str
    passages: int
    error: str | None = None
    review: tuple[str, ...] = ()  # what to look at before publishing (`review_points`)


@dataclass(frozen=True)
class Imported:
    """What `import_article` did: the draft it wrote, its passage count, and whether it had to make
    the knowledge folder first."""

    draft: Path
    passages: int
    made_folder: bool
    notices: tuple[Notice, ...] = ()  # what the reader left out that the moderator should hear of


def title_of_name(stem: str) -> str:
    """An article's title from its file's name: "distribution-readme" is "Distribution readme", and
    a name its author wrote in capitals keeps them ("Welcome to Protospace" was "Welcome to protospace")."""
    words = stem.replace("-", " ").replace("_", " ").strip()
    if any(ch.isupper() for ch in words):
        return words[:1].upper() + words[1:]
    return words.capitalize()


def readable(name: str) -> str:
    """A file's name as a draft can hold it. A name that is not UTF-8 (an archive made on Windows,
    unpacked on Linux: `caf\\xe9.txt`) holds its odd bytes as lone surrogates, which no UTF-8 file
    can: as the title, they made a draft that did not load; in its `# Review:` header, a traceback.
    Each such byte is shown as U+FFFD, the mark an editor shows it with, for the moderator to correct."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        return name.encode("utf-8", "replace").decode("utf-8")


def to_yaml(title: str, drafts_: list[Draft], *, update: bool = False, review: Sequence[str] = ()) -> str:
    """The knowledge-file YAML for a set of drafts, ready for review (`update`: marked as a new
    version of the live file of its name; `review`: what the import warned of, kept in the header
    so that `kb drafts` still says it when the draft is reviewed, days later)."""
    data = {
        "source": {"title": title, "publisher": None, "url": None},
        "passages": [{"id": d.id, "section": d.section, "text": d.text, "questions": []} for d in drafts_],
    }
    noted = "".join(f"{REVIEW_MARK}{' '.join(point.split())}\n" for point in review)
    return DRAFT_HEADER + (UPDATE_MARK if update else "") + noted + dump(data)


REVIEW_MARK = "# Review: "  # a header line of a draft: what its import warned of


def review_points(path: Path, passages: Sequence[Passage]) -> tuple[str, ...]:
    """What a moderator should look at in a draft before publishing it: what its import warned of
    (a value a site fills in, front matter left out), passages of a few words (a box's "Note", a
    table's "Day" alone), and passages that repeat another of the draft word for word (a site that
    prints its install steps under every method)."""
    try:
        with path.open(encoding="utf-8") as file:
            head = [line for line in itertools.islice(file, 50) if line.startswith("#")]
    except (OSError, UnicodeDecodeError):
        head = []
    points = [line.removeprefix(REVIEW_MARK).strip() for line in head if line.startswith(REVIEW_MARK)]
    short = [p for p in passages if _topic_alone(p.text)]
    if short:
        few = counted(len(short), "passage")
        points.append(f"{few} of a few words, a topic alone, e.g. `{short[0].id}`: “{short[0].text}”")
    seen: dict[str, str] = {}
    repeated: list[tuple[str, str]] = []
    for passage in passages:
        key = " ".join(passage.text.split())
        if key in seen:
            repeated.append((passage.id, seen[key]))
        else:
            seen[key] = passage.id
    if repeated:
        points.append(
            f"{counted(len(repeated), 'passage')} {noun(len(repeated), 'repeats', 'repeat')} another word for word, "
            f"e.g. `{repeated[0][0]}` = `{repeated[0][1]}`"
        )
    return tuple(points)


def _topic_alone(text: str) -> bool:
    """A passage of at most three words that ends no sentence: a box's "Note", a table's "Day" alone
    ("Ten euros." is an answer, and so is a Chinese sentence, which has no spaces but ends with "。")."""
    return len(text.split()) <= 3 and not text.rstrip().endswith((".", "!", "?", "。", "！", "？", "```"))


def import_article(path: Path, knowledge_dir: Path, *, update: bool = False) -> Imported:
    """Write `knowledge_dir/drafts/<name>.yaml` from the article at `path` (making the knowledge
    folder if there is none yet). Raises FileError naming the file or folder that is wrong.
    `update`: the article is a new version of the live file of its name (an events page that
    changes every month; with a database the file is there, not in the folder): the draft may have
    that name, its ids are numbered as if that file were gone, and `kb publish` replaces the file
    (or makes it live as any draft, if there is none by then). An article whose name spells no
    draft's name (`常见问题.md`) is named after its title, or `article`, numbered apart (`_named`)."""
    article = articles.read(path)
    spelled = ids.slug(path.stem, 60)
    if update and not spelled:  # its name is made up anew each time: no live file is its own
        raise FileError(
            path,
            "--update replaces the live file of the article's name, and this name has no letter a file's name is "
            "spelled in; name the article after the live file it replaces (events.md for events.yaml)",
        )
    made_folder = not knowledge_dir.exists()
    if made_folder:  # a new community starts from an imported article
        try:
            knowledge_dir.mkdir(parents=True)
        except OSError as exc:
            reason = (exc.strerror or "error").lower()
            raise FileError(knowledge_dir, f"cannot make the knowledge folder ({reason})") from None
    elif not knowledge_dir.is_dir():
        raise FileError(knowledge_dir, "is not a folder; give the knowledge folder")
    name = f"{spelled or 'article'}.yaml"
    if name in OWN_FILES:  # an article named settings.md is not the folder's settings
        name = f"{name.removesuffix('.yaml')}-article.yaml"
    target, live = knowledge_dir / DRAFTS_DIR / name, knowledge_dir / name
    try:
        with KnowledgeStore(knowledge_dir).locked():  # ids are checked against what is there now
            for existing in ((target,) if update else (target, live)) if spelled else ():
                if existing.exists():
                    hint = "" if existing == target else " (`kb import --update` makes a new version of it)"
                    kind = "its draft" if existing == target else "the live file"
                    raise NameTaken(
                        path,
                        existing,
                        f"{kind} {existing} already exists; publish or remove it, or rename the article{hint}",
                    )
            fallback = ids.slug(path.stem, 24) or "passage"
            taken = taken_ids(knowledge_dir, leaving=live if update else None)
            title, found = drafts_of(article, taken=taken, fallback=fallback)
            if not found:
                raise FileError(path, "no sentences found to make passages from")
            title = shown(title or title_of_name(readable(path.stem)))
            if not spelled:
                target = knowledge_dir / DRAFTS_DIR / _named(knowledge_dir, ids.slug(title, 60) or "article")
            if target.parent.exists() and not target.parent.is_dir():
                raise FileError(target.parent, "is a file, not the drafts folder; move it away and import again")
            target.parent.mkdir(exist_ok=True)
            review = [f"{readable(path.name)}:{notice.line}: {notice.text}" for notice in article.notices]
            write_atomic(target, to_yaml(title, found, update=update, review=review))
    except (StoreError, OSError) as exc:
        raise FileError(target, f"cannot write the draft: {exc}") from None
    except UnicodeError:  # a character no UTF-8 file holds: one line naming the article, never a traceback
        raise FileError(path, "cannot be drafted: it holds a character that a UTF-8 file cannot") from None
    return Imported(target, len(found), made_folder, article.notices)


def _named(knowledge_dir: Path, base: str) -> str:
    """The first name of `base--1`, `base--2`, ... that no draft or live file has: for an article whose
    file's name spells none. Every such article had been `article.yaml`, and `kb import docs/*.md` of
    a community that names its files in Chinese drafted only the first (suggesting `--update`, which
    would have replaced it with the next). The two hyphens keep such names apart from every name an
    article's own spells (`ids.slug` joins words with one): `常见问题.md`, titled "FAQ", had taken
    `faq.yaml`, and `kb import faq.md` was then offered `--update` of it, which replaced that FAQ."""
    n = 1
    while True:
        name = f"{base}--{n}.yaml"
        places = (knowledge_dir / DRAFTS_DIR / name, knowledge_dir / name)
        if not any(os.path.lexists(place) for place in places):
            return name
        n += 1


def taken_ids(knowledge_dir: Path, *, leaving: Path | None = None) -> set[str]:
    """Every passage id of the live files and the drafts (but `leaving`, a file a new version
    will replace); a file that does not load is skipped (publishing checks the whole folder again)."""
    found: set[str] = set()
    for path in [*knowledge.knowledge_files(knowledge_dir), *draft_files(knowledge_dir)]:
        if leaving is not None and path.name == leaving.name and path.parent == leaving.parent:
            continue
        try:
            found.update(passage.id for passage, _ in knowledge.read_file(path))
        except KnowledgeError:
            continue
    return found


def list_drafts(knowledge_dir: Path) -> list[DraftFile]:
    """The drafts with their titles and passage counts; a draft that does not load says why."""
    listed = []
    for path in draft_files(knowledge_dir):
        try:
            passages = knowledge.read_file(path)
        except KnowledgeError as exc:
            listed.append(DraftFile(path, "", 0, error=str(exc)))
        else:
            read = [passage for passage, _ in passages]
            listed.append(DraftFile(path, read[0].source.title, len(read), review=review_points(path, read)))
    return listed
