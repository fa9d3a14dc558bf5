"""A member pointing the bot at someone else's question on Discord: a bare mention of the bot (or of
its managed role, `names`) in reply to it (the message command "Answer this" is `adapters.dc.commands`)."""

from __future__ import annotations

import discord

from adapters.dc.markup import bare_ask, plain_question
from bot import messages

# What a person's words come as when a webhook posts them (PluralKit, a bridge): a command's
# response, also posted through a webhook, has a type of its own (chat_input_command, ...).
PEOPLES_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def from_a_program(message: discord.Message) -> bool:
    """Whether a bot or an app wrote `message` (this bot too): the bot answers members' questions,
    never another program's text, which no member asked. A webhook's message is a person's, pointed
    at or asking the bot by mention like a member's (Discord marks its author a bot too): PluralKit
    posts its members' messages through one (and deletes theirs, and the bot's answer with it), and
    chat bridges post the other side's people. A command's response is an app's, though Discord
    posts it through a webhook too (its own message type; a person's is a plain message or a reply),
    and so is a response to a button (a plain message that Discord marks with its interaction)."""
    if not message.author.bot:
        return False
    return message.webhook_id is None or message.type not in PEOPLES_TYPES or message.interaction_metadata is not None


def names(message: discord.Message, bot_id: int) -> bool:
    """Whether `message` mentions the bot: its user (`<@BOT>`), or in a server the role Discord made for
    it when it was added (`<@&ROLE>`, managed, its tags naming the bot: `Guild.self_role`), which members
    often pick from the mention autocomplete instead of the bot. Never another role, though the bot
    may hold it, nor another bot's managed role."""
    if any(user.id == bot_id for user in message.mentions):
        return True
    return any(role.tags is not None and role.tags.bot_id == bot_id for role in message.role_mentions)


def replied_to(message: discord.Message) -> discord.Message | None:
    """The message `message` replies to, as Discord gives it (None when it is gone or not given)."""
    replied = message.reference.resolved if message.reference is not None else None
    return replied if isinstance(replied, discord.Message) else None


def pointed_at(message: discord.Message, bot_id: int) -> discord.Message | None:
    """The member's message that a bare mention of the bot replies to: someone pointing the bot at
    a newcomer's question. Discord gives the bot that message's text only with the Message Content
    intent (or when it mentions the bot); without it, "Answer this" in the message's Apps menu does
    the same. None for a reply to the bot or to another bot or app, or to a message without words."""
    replied = replied_to(message)
    if replied is None or replied.author.id == bot_id or from_a_program(replied):
        return None
    return replied if plain_question(replied.content) else None


def withheld(message: discord.Message, bot_id: int, reads_content: bool) -> bool:
    """Whether `message` replies to a member's message whose text Discord withholds from the bot
    (`reads_content`: it has the Message Content intent): a bare mention there points at a
    question it cannot read."""
    replied = replied_to(message)
    return not reads_content and replied is not None and not replied.content and replied.author.id != bot_id


def aimed(
    message: discord.Message, me: discord.ClientUser | None, reads_content: bool
) -> tuple[discord.Message | None, str | None]:
    """Where the answer to a message asking the bot goes, and what is said instead of it: a bare
    mention in reply to a member's message answers that message's question, as a reply to it
    (`pointed_at`); when Discord withholds that message's text, a note says so and points to
    "Answer this"; at another bot's or app's message, a note says the bot answers members'; a bare
    "/ask" pointing at no question gets the usage line. (None, None): an answer, as a reply to `message`."""
    if me is None or plain_question(message.content):
        return None, None  # a question of its own words
    said = messages.choose(server_language(message))
    replied = replied_to(message)
    if replied is not None and replied.author.id != me.id and from_a_program(replied):
        return None, messages.say(messages.BOTS_MESSAGE, said)  # its text withheld or not: no member's question
    pointed = pointed_at(message, me.id)
    if pointed is None and withheld(message, me.id, reads_content):
        return None, messages.say(messages.USE_ANSWER_THIS, said)
    if pointed is None and bare_ask(message.content):  # "/ask" and no question: how to ask, as on Telegram
        return None, messages.say(messages.ASK_USAGE, said)
    return pointed, None


def server_language(message: discord.Message) -> str:
    """The language of the server a message is in ("ko"): a note of the bot's own, which answers no
    question whose script could choose, speaks it."""
    return message.guild.preferred_locale.value if message.guild is not None else ""
