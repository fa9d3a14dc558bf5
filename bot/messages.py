"""Every sentence a user reads, in one catalogue, in the user's language.

The sentences are gettext msgids (English); `bot/locales/ko.po` has every one in Korean (a test
fails on one without). Fixed sentences are constants marked with `N_` and shown through `say`;
sentences with a value in them are small functions. Elsewhere, a sentence the bot writes is
marked in place with `_` (or `ngettext`), as gettext has it, and the same test finds it. The
language is the asker's (`Asker.language`: Telegram's `language_code`, Discord's `locale`), or
the question's script when the catalogue lacks it (`choose`). The Service sets it around each
call (`speaking`); adapters pass it to `say` for the few sentences they write themselves.
Passages are never translated.

This module holds what members read; the moderators' sentences are in `bot/moderatormessages.py`
and a member's words quoted in `bot/quoting.py`, and both are re-exported here (as asyncio's face
re-exports its modules), so every sentence is still `messages.X`.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot import moderatormessages
from bot.catalogue import LANGUAGES, N_, _, choose, counted, current, ngettext, speaking, supported, translation
from bot.moderatormessages import *  # noqa: F403  (the moderators' sentences, re-exported: `messages.added`)
from bot.quoting import one_line, quoted

__all__ = [
    "LANGUAGES", "N_", "_", "choose", "counted", "current", "ngettext", "one_line", "quoted", "say", "speaking",
    "supported", *moderatormessages.__all__,
]  # fmt: skip


def say(message: str, language: str | None = None) -> str:
    """A marked sentence (one of the constants below) in `language`, or in the current one."""
    return translation(language or current()).gettext(message)


# --- answering -------------------------------------------------------------------------------

COOLDOWN = N_("You're asking quickly — please wait a few seconds before the next question.")
APOLOGY = N_("Sorry, something went wrong on my side. Please try again in a moment.")
TOPIC_GONE = N_("Sorry, that topic is no longer in my knowledge base. Send /help to see what I can answer.")
THANKS = N_("Thanks for the feedback!")
WELCOME = N_("You're welcome!")
BANTER = N_("😄 Ask me a question any time; /help lists what I can answer.")
ASK_ANY_TIME = N_("Ask me a question any time; /help lists what I can answer.")  # the banter line, not cheerful
HEDGE = N_("I'm not sure this answers exactly what you asked. The closest I have:")
DONT_KNOW = N_("Sorry, I don't know that one. Send /help to see what I can answer.")
ASK_USAGE = N_("Ask like this: /ask your question")
NOTHING_TO_ANSWER = N_("That message has no words I could answer.")
LINK_ALONE = N_("I can't open links or files. Ask me your question in words; /help lists what I can answer.")
ANSWERED_ABOVE = N_("I answered that one already: here.")
ANSWERED_THERE = N_("Answered, as a reply to that message:")
NOT_POSTED_THERE = N_("I couldn't post in that channel, so only you see the answer:")
OWN_MESSAGE = N_("That is one of my own messages: there is no question in it for me to answer.")
BOTS_MESSAGE = N_("That message is from a bot or an app: I answer members' questions.")
USE_ANSWER_THIS = N_(
    "I can't read the message you replied to. To have me answer it, use Apps → Answer this in its menu."
)
HOW_TO_ASK_PRIVATE = N_("Just send me your question.")
SOURCES_HEADER = N_("My answers come from:")
UNKNOWN_COMMAND = N_("I don't know that command. Send /help to see what I can do.")
NOTHING_KNOWN_YET = N_(
    "I have nothing to answer from yet: my moderators have not added any knowledge. Please ask again later."
)
READ_ON = N_("Read on ▸")
MODERATOR_COMMANDS = N_("For moderators (send one alone to see how it is written):")


def closest_topics(labels: Iterable[str]) -> str:
    """The fallback that offers the closest topics."""
    closest = "\n".join(f"• {label}" for label in labels)
    return _("Sorry, I don't know that one. Closest topics I can answer:") + "\n" + closest


def not_known(question: str, fallback: str) -> str:
    """The fallback for one question of a message that asked several, saying which one it is."""
    return _("About {question}:").format(question=quoted(question)) + "\n" + fallback


def help_text(titles: Iterable[str], sections: Iterable[str], more: int = 0) -> str:
    """What the bot answers: the sources' titles, the sections to ask about, and how many more there are
    (a new community's bot of no knowledge yet says so)."""
    named = ", ".join(f"“{title}”" for title in titles)
    if not named:
        return say(NOTHING_KNOWN_YET)
    listed = list(sections)
    if not listed and not more:  # every section a frame: a page of a title and paragraphs, "Introduction"
        return _("I answer questions about {sources}. Ask me in your own words.").format(sources=named)
    header = _("I answer questions about {sources}. Ask me about:").format(sources=named)
    lines = [header, *(f"• {s}" for s in listed)]
    if more:
        lines.append(
            ngettext(
                "…and {count} more topic: ask in your own words.",
                "…and {count} more topics: ask in your own words.",
                more,
            ).format(count=more)
        )
    return "\n".join(lines)


def how_to_ask_in_group(username: str) -> str:
    """How a group member addresses the bot (Telegram)."""
    return _("In this group, mention me (@{username}), reply to one of my messages, or use /ask.").format(
        username=username
    )


def source_line(title: str, publisher: str | None, url: str | None) -> str:
    line = f"• “{title}”"
    if publisher:
        line += f", {publisher}"
    if url:
        line += f" — {url}"
    return line


# --- commands the platform could not read -------------------------------------------------------

STALE_COMMAND = N_("That command has changed since your Discord app loaded it; please try it again.")
BAD_OPTION = N_("I could not read one of that command's options; please check it and try again.")
# a Discord form opened before the bot was updated, which it can no longer read: what was typed goes back
FORM_EXPIRED = N_("That form can no longer be saved (it was opened before the bot was updated). What you typed:")
# a Discord form whose change was refused (changed since it opened, an id taken): what was typed goes back
TYPED_BACK = N_("What you typed:")
