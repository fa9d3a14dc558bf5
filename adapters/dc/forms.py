"""The /kb add and edit forms (Discord modals): built in the moderator's language, read back when submitted.

A form is kept nowhere while it is open: its id holds all a submission needs (`ADD_FORM`, or `EDIT_FORM`
with the passage's id and a digest of each field as the form showed it). From those digests an edit
form submitted says what the moderator changed (`changed_in`) and whether someone changed the passage
since the form opened (`changed_since`); `adapters.dc.moderation` acts on the answers.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import discord

from adapters.rendering import clip
from bot import MAX_ID_CHARS, MAX_SECTION_CHARS, MAX_TEXT_CHARS, Passage, messages

INPUT_LIMIT = 4000  # a modal text input holds at most 4000 characters
TITLE_LIMIT = 45  # a modal title


def _input(label: str, custom_id: str, *, default: str | None = None, long: bool = False, required: bool = True,
           max_length: int = INPUT_LIMIT, placeholder: str | None = None) -> discord.ui.TextInput[Any]:  # fmt: skip
    return discord.ui.TextInput(
        label=label,
        custom_id=custom_id,
        default=default,
        style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
        required=required,
        max_length=max_length,
        placeholder=placeholder,
    )


def questions_in(value: str | None) -> tuple[str, ...]:
    """Questions typed one per line, blank lines dropped."""
    return tuple(line.strip() for line in (value or "").splitlines() if line.strip())


# The forms' ids: all a submission needs. An edit form's holds the passage's id and a digest of
# each field as the form showed it (`_digest`): the change a moderator made, and whether someone
# changed the passage since the form opened, are read from it and the passage as it is now.
ADD_FORM, EDIT_FORM = "qa:add", "qa:edit:"
FIELDS = ("section", "text", "questions")
DIGEST_BYTES = 6  # a field's digest: 8 characters of base64, the width `opened_with` reads them by


# The forms' own words, in the moderator's language as the replies are (`_words`).
ADD_TITLE, EDIT_TITLE = messages.N_("Add a passage"), messages.N_("Edit {id}")
SECTION, TEXT = messages.N_("Section"), messages.N_("Text")
QUESTIONS = messages.N_("Questions people ask, one per line")
ID, ID_HINT = messages.N_("Id (optional)"), messages.N_("made from the section if empty")


def add_form(language: str = "") -> discord.ui.Modal:
    """Section, text, questions (one per line) and an optional id for a new passage, its words in
    `language` (the moderator's Discord locale)."""
    say = _words(language)
    form = discord.ui.Modal(title=say(ADD_TITLE), custom_id=ADD_FORM)
    form.add_item(_input(say(SECTION), "section", max_length=MAX_SECTION_CHARS))
    form.add_item(_input(say(TEXT), "text", long=True, max_length=MAX_TEXT_CHARS))
    form.add_item(_input(say(QUESTIONS), "questions", long=True, required=False))
    return form.add_item(_input(say(ID), "id", required=False, max_length=MAX_ID_CHARS, placeholder=say(ID_HINT)))


def edit_form(passage: Passage, language: str = "") -> discord.ui.Modal:
    """The passage's section, text and questions, pre-filled, the form's own words in `language`;
    only what the moderator changes is saved."""
    say, shown = _words(language), _shown(passage)
    title = clip(say(EDIT_TITLE).format(id=passage.id), TITLE_LIMIT)
    form = discord.ui.Modal(title=title, custom_id=_edit_id(passage.id, shown))
    form.add_item(_input(say(SECTION), "section", default=passage.section, max_length=MAX_SECTION_CHARS))
    form.add_item(_input(say(TEXT), "text", default=passage.text, long=True, max_length=MAX_TEXT_CHARS))
    # Questions that do not fit one input are left out rather than cut (saving would drop the rest).
    if len(shown["questions"]) <= INPUT_LIMIT:
        form.add_item(_input(say(QUESTIONS), "questions", default=shown["questions"], long=True, required=False))
    return form


def _words(language: str) -> Callable[[str], str]:
    """A form's words (the marked sentences above) in `language`, or English."""
    return functools.partial(messages.say, language=messages.choose(language))


def _shown(passage: Passage) -> dict[str, str]:
    """A passage's fields as an edit form shows them."""
    return {"section": passage.section, "text": passage.text, "questions": "\n".join(passage.questions)}


def _digest(field: str, value: str) -> str:
    """Characters (`DIGEST_BYTES` in base64) that change when the field's value does (its questions: one per line)."""
    read = "\n".join(questions_in(value)) if field == "questions" else value
    return base64.urlsafe_b64encode(hashlib.blake2b(read.encode(), digest_size=DIGEST_BYTES).digest()).decode()


def _edit_id(passage_id: str, shown: Mapping[str, str]) -> str:
    """qa:edit:<digests>:<passage id>: at most 97 characters of the 100 Discord takes."""
    return EDIT_FORM + "".join(_digest(field, shown[field]) for field in FIELDS) + ":" + passage_id


def submitted_values(components: list[Any]) -> dict[str, str]:
    """A submitted form's text inputs by id, each in a label or (the older layout) an action row."""
    found: dict[str, str] = {}
    for component in components:
        for item in component.get("components") or [component.get("component") or component]:
            if "custom_id" in item:
                found[str(item["custom_id"])] = str(item.get("value") or "")
    return found


def opened_with(digests: str) -> dict[str, str]:
    """Each field's digest as an edit form opened with it, from the digests its id holds."""
    width = len(_digest("text", ""))  # every digest's, as `_digest` makes them
    return {field: digests[n * width : (n + 1) * width] for n, field in enumerate(FIELDS)}


def changed_in(values: Mapping[str, str], opened: Mapping[str, str]) -> dict[str, str]:
    """What the moderator changed in an edit form: each field whose digest differs from the one it opened with."""
    return {
        field: values[field] for field in FIELDS if field in values and _digest(field, values[field]) != opened[field]
    }


def changed_since(now: Passage | None, opened: Mapping[str, str], changed: Iterable[str]) -> bool:
    """Whether someone changed one of the `changed` fields of the passage since the form opened: it
    differs `now` from what the form showed (saving would undo their change)."""
    return now is not None and any(_digest(field, _shown(now)[field]) != opened[field] for field in changed)
