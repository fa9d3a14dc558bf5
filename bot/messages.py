"""Every sentence a user reads, in one place, so that every platform says the same thing.

Named constants for fixed sentences, small functions for those with a value in them. A later
step turns this module into a message catalogue (gettext) with more languages; until then
nothing else in the project writes a sentence a user sees, only platform-specific forms (the
usage of a Telegram command, the label of a Discord option).
"""

from __future__ import annotations

from collections.abc import Iterable

# --- answering -------------------------------------------------------------------------------

COOLDOWN = "You're asking quickly — please wait a few seconds before the next question."
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
TOPIC_GONE = "Sorry, that topic is no longer in my knowledge base. Send /help to see what I can answer."
THANKS = "Thanks for the feedback!"
DONT_KNOW = "Sorry, I don't know that one. Send /help to see what I can answer."
ASK_USAGE = "Ask like this: /ask your question"
HOW_TO_ASK_PRIVATE = "Just send me your question."
SOURCES_HEADER = "My answers come from:"


def closest_topics(labels: Iterable[str]) -> str:
    """The fallback that offers the closest topics."""
    closest = "\n".join(f"• {label}" for label in labels)
    return f"Sorry, I don't know that one. Closest topics I can answer:\n{closest}"


def help_text(titles: Iterable[str], sections: Iterable[str]) -> str:
    """What the bot answers: the sources' titles and the sections to ask about."""
    named = ", ".join(f"“{title}”" for title in titles)
    return "\n".join([f"I answer questions about {named}. Ask me about:", *(f"• {s}" for s in sections)])


def how_to_ask_in_group(username: str) -> str:
    """How a group member addresses the bot (Telegram)."""
    return f"In this group, mention me (@{username}), reply to one of my messages, or use /ask."


def source_line(title: str, publisher: str | None, url: str | None) -> str:
    line = f"• “{title}”"
    if publisher:
        line += f", {publisher}"
    if url:
        line += f" — {url}"
    return line


# --- commands the platform could not read -------------------------------------------------------

STALE_COMMAND = "That command has changed since your Discord app loaded it; please try it again."
BAD_OPTION = "I could not read one of that command's options; please check it and try again."

# --- moderation --------------------------------------------------------------------------------

NOT_MODERATOR = "Sorry, only moderators can change the knowledge base."
NOTHING_TO_UNDO = "Nothing to undo."
NO_GAPS = "No unanswered questions recorded."


def no_passage(passage_id: str) -> str:
    return f"There is no passage with the id `{passage_id}`; the id option's suggestions show the ids."


def no_change(passage_id: str) -> str:
    return f"Nothing changed: passage {passage_id} stays as it was."


def added(passage_id: str) -> str:
    return f"Added passage `{passage_id}`. It is live now."


def edited(passage_id: str) -> str:
    return f"Edited passage `{passage_id}`. It is live now."


def removed(passage_id: str) -> str:
    return f"Removed passage `{passage_id}`. `undo` brings it back."


def aliased(wording: str, passage_id: str) -> str:
    return f"Attached “{wording}” to `{passage_id}`. It answers now."


def undid(kind: str, passage_id: str, by: str) -> str:
    return f"Undid the {kind} of `{passage_id}` by {by}."


def dismissed(gap_id: str, count: int) -> str:
    return f"Dismissed gap {gap_id} ({count} question{'s' if count != 1 else ''})."
