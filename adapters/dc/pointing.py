"""A member pointing the bot at someone else's question on Discord: a bare mention of the bot in
reply to it (the message command "Answer this" is `adapters.dc.commands`)."""

from __future__ import annotations

import discord

from adapters.dc.markup import plain_question
from bot import messages


def pointed_at(message: discord.Message, bot_id: int) -> discord.Message | None:
    """The member's message that a bare mention of the bot replies to: someone pointing the bot at
    a newcomer's question. Discord gives the bot that message's text only with the Message Content
    intent (or when it mentions the bot); without it, "Answer this" in the message's Apps menu does
    the same. None for a reply to the bot, or to a message without words."""
    replied = message.reference.resolved if message.reference is not None else None
    if not isinstance(replied, discord.Message) or replied.author.id == bot_id:
        return None
    return replied if plain_question(replied.content) else None


def withheld(message: discord.Message, bot_id: int, reads_content: bool) -> bool:
    """Whether `message` replies to a member's message whose text Discord withholds from the bot
    (`reads_content`: it has the Message Content intent): a bare mention there points at a
    question it cannot read."""
    replied = message.reference.resolved if message.reference is not None else None
    return (
        not reads_content
        and isinstance(replied, discord.Message)
        and not replied.content
        and replied.author.id != bot_id
    )


def aimed(
    message: discord.Message, me: discord.ClientUser | None, reads_content: bool
) -> tuple[discord.Message | None, str | None]:
    """Where the answer to a message asking the bot goes, and what is said instead of it: a bare
    mention in reply to a member's message answers that message's question, as a reply to it
    (`pointed_at`); when Discord withholds that message's text, a note says so and points to
    "Answer this". (None, None): an answer, as a reply to `message`."""
    if me is None or plain_question(message.content):
        return None, None  # a question of its own words
    pointed = pointed_at(message, me.id)
    if pointed is None and withheld(message, me.id, reads_content):
        return None, messages.say(messages.USE_ANSWER_THIS, messages.choose(server_language(message)))
    return pointed, None


def server_language(message: discord.Message) -> str:
    """The language of the server a message is in ("ko"): a note of the bot's own, which answers no
    question whose script could choose, speaks it."""
    return message.guild.preferred_locale.value if message.guild is not None else ""
