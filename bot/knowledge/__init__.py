"""The knowledge base: sources and their passages, loaded from YAML files and validated.

Each `*.yaml` file in the knowledge folder (except `synonyms.yaml` and `settings.yaml`) holds one source:

    source: {title: "...", publisher: "...", url: null}
    passages:
      - id: women-majority
        section: "Who are the North Korean refugees?"
        text: "Women make up the majority of North Korean defectors..."
        questions: ["Are most defectors women?"]

This face is the package's one door: `passages` (what knowledge is), `folder` (which files are knowledge),
`reading` (each file read and validated, the folder put together) and `citations` (sources as members see them).
"""

from bot.knowledge.citations import (
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    WEB_ADDRESS,
    clipped,
    long_titles,
    odd_addresses,
    shown,
)
from bot.knowledge.folder import (
    DRAFTS_DIR,
    LEFT_BESIDE,
    MAX_FOLDER_BYTES,
    NOT_SOURCES,
    PACKAGED_SEED,
    SETTINGS_FILE,
    SYNONYMS_FILE,
    draft_files,
    folder_files,
    hidden,
    inside,
    is_packaged,
    knowledge_files,
    knows_nothing_yet,
    not_a_file,
    readable_name,
    unread,
)
from bot.knowledge.passages import (
    ID_PATTERN,
    MAX_ID_CHARS,
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    MAX_SECTION_CHARS,
    MAX_TEXT_CHARS,
    KnowledgeBase,
    KnowledgeError,
    LoadTimeout,
    Passage,
    Source,
    shows_nothing,
    storable,
)
from bot.knowledge.reading import assemble, load, read_file

__all__ = [
    "DRAFTS_DIR",
    "ID_PATTERN",
    "LEFT_BESIDE",
    "MAX_FOLDER_BYTES",
    "MAX_ID_CHARS",
    "MAX_QUESTIONS",
    "MAX_QUESTION_CHARS",
    "MAX_SECTION_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_URL_CHARS",
    "NOT_SOURCES",
    "PACKAGED_SEED",
    "SETTINGS_FILE",
    "SYNONYMS_FILE",
    "WEB_ADDRESS",
    "KnowledgeBase",
    "KnowledgeError",
    "LoadTimeout",
    "Passage",
    "Source",
    "assemble",
    "clipped",
    "draft_files",
    "folder_files",
    "hidden",
    "inside",
    "is_packaged",
    "knowledge_files",
    "knows_nothing_yet",
    "load",
    "long_titles",
    "not_a_file",
    "odd_addresses",
    "read_file",
    "readable_name",
    "shown",
    "shows_nothing",
    "storable",
    "unread",
]
