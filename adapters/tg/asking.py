"""What a Telegram message asks the bot: the question in it, and the message its answer replies to.

In a private chat every message asks; in a group only one addressed to the bot (`@BotName question`,
a reply to one of its messages, `/ask question`), or a bare `/ask` or mention pointing the bot at a
member's message it replies to. Pure functions of the message and the bot's name and id.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from telegram import Bot, Message, MessageEntity, Update
from telegram.constants import ChatType

from adapters.tg.deliver import GROUP_TYPES, Target


@dataclass(frozen=True)
class Asked:
    """What a message asks the bot: `question`, its answer a reply to `target`; no question when it
    calls on the bot but asks nothing (a bare `/ask`), which gets the usage line."""

    question: str | None
    target: Target


def asked_in(message: Message, bot: Bot) -> Asked | None:
    """The question a message asks the bot (in a private chat, every message; in a group, one
    addressed to it; `/ask QUESTION`; a bare `/ask` or mention pointing at the member's message
    it replies to), and where its answer goes; no question for a bare `/ask`, or a bare `/ask`
    or mention in reply to what holds no question (the bot's own answer, a channel's post); None
    for any other command, and in a group for a message not addressed to the bot. A command is
    what python-telegram-bot's CommandHandler takes for one: a bot_command entity opening the
    text, its name in any case ("/ASK@QABot ..."); a caption is read as a text is."""
    if sent_via_me(message, bot) or (message.text is None and message.caption is None):
        return None  # the bot's own answer, or a photo without its caption (removed by an edit): no question
    text = message.text or message.caption or ""
    question: str | None = None
    entities = message.entities or message.caption_entities
    opening = [e for e in entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0]
    if opening:
        name, at, username = text[1 : opening[0].length].partition("@")
        if name.casefold() != "ask" or (at and username.casefold() != bot.username.casefold()):
            return None
        question = after_command(text, opening[0].length)
    elif message.chat.type == ChatType.PRIVATE:
        question = text
    elif message.chat.type in GROUP_TYPES:
        question = addressed_question(message, bot_id=bot.id, username=bot.username)
    if question is None:
        return None  # a group message not addressed to the bot
    replied = pointed_at(message, bot.id) if question == "" else None
    if replied is not None:  # a bare /ask or mention still points at the question it replies to
        return Asked(pointed_question(message, replied), pointed_target(message, replied))
    if not question and (opening or message.reply_to_message is not None):
        return Asked(None, Target.for_message(message))  # a bare /ask or mention pointing at no question
    return Asked(question, Target.for_message(message))


def for_another_bot(message: Message, bot: Bot) -> bool:
    """Whether a group message's bare command (`/start`, not `/start@BotName`) replies to another bot's message:
    that bot's command (`/start` and `/help` every bot has), which Telegram delivers to this one too when it
    spoke last in the group, or has privacy mode off; this one leaves it alone. Not so a reply to a message
    posted as a chat (an anonymous administrator's: its sender is Telegram's placeholder bot), nor the reply
    every message of a forum topic makes to the topic's opening."""
    replied, text = message.reply_to_message, message.text or ""
    if message.chat.type not in GROUP_TYPES or replied is None or replied.sender_chat is not None:
        return False
    if message.is_topic_message and replied.message_id == message.message_thread_id:
        return False
    author = replied.from_user
    addressed = "@" in (text.split(maxsplit=1) or [""])[0]  # python-telegram-bot lets through only "@" + our name
    return not addressed and author is not None and author.is_bot and author.id != bot.id


def sent_via_me(message: Message, bot: Bot) -> bool:
    """Whether a member sent `message` through this bot's inline mode: the bot's own answer, picked
    from its inline results, and no question to it (in its private chat it had been asked again)."""
    return message.via_bot is not None and message.via_bot.id == bot.id


def pointed_at(message: Message, bot_id: int) -> Message | None:
    """The message that a bare `/ask` or a bare mention of the bot replies to: a member pointing the
    bot at someone's question ("/ask" in reply to a newcomer's "how do i install it on windows?").
    None for a reply to the bot itself, or to a message without text (in a forum topic, a message
    replies to the topic's opening by default), or to a channel's post (its comments reply to it)."""
    replied = message.reply_to_message
    if replied is None or (replied.from_user is not None and replied.from_user.id == bot_id):
        return None
    if replied.via_bot is not None and replied.via_bot.id == bot_id:
        return None  # the bot's own answer, shared through its inline mode
    if replied.is_automatic_forward:
        return None  # a channel's post in its discussion group, which comments reply to by default
    return replied if text_of(replied) else None


def text_of(message: Message) -> str:
    """The question in a message pointed at: its text, or a photo's or a file's caption; of an
    `/ask` command, what follows it ("" for another command, or a bare /ask: Telegram does not
    say what that one replied to)."""
    text = message.text or message.caption or ""
    opening = [e for e in message.entities or message.caption_entities if e.type == MessageEntity.BOT_COMMAND]
    if not opening or opening[0].offset != 0:
        return text
    name = text[1 : opening[0].length].partition("@")[0]
    return after_command(text, opening[0].length) if name.casefold() == "ask" else ""


def after_command(text: str, length: int) -> str:
    """What follows a command `length` long: Telegram ends one at a colon, "/ask:parking" asks "parking"."""
    return text[length:].strip().removeprefix(":").lstrip()


def pointed_question(message: Message, replied: Message) -> str:
    """The question pointed at: the part of the message replied to that the member quoted (a long
    message's one question), else all of it (see `text_of`)."""
    quoted = message.quote.text.strip() if message.quote is not None else ""
    return quoted or text_of(replied)


def pointed_target(message: Message, replied: Message) -> Target:
    """The answer to a question someone pointed the bot at replies to that question (its asker is
    notified), in the chat and forum topic of the message that pointed."""
    return dataclasses.replace(Target.for_message(message), reply_to=replied.message_id)


def addressed_question(message: Message, *, bot_id: int, username: str) -> str | None:
    """The question in a group message meant for the bot, or None when it is not addressed.

    Addressed means: it mentions @username (or links the bot by id), or replies to the bot.
    The mention itself is taken out of the question; a caption is read as a text is.
    """
    text = message.text or message.caption or ""
    parse = message.parse_entities if message.text else message.parse_caption_entities
    mentions = parse([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    ours = [
        found
        for entity, found in mentions.items()
        if (entity.type == MessageEntity.MENTION and found.casefold() == f"@{username}".casefold())
        or (entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot_id)
    ]
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
    if not ours and not to_bot:
        return None
    for found in ours:
        text = text.replace(found, " ")
    return " ".join(text.split())


def needs_turn(update: object, bot: Bot) -> bool:
    """Whether an update may need a reply, or may change one (then it waits for its chat's turn, see
    `ChatOrderProcessor`): all but a new group message that neither opens with a command nor is
    addressed to the bot, which is the group's own chatter, answered by silence. With privacy mode
    off a bot receives all of a busy group's messages: those must not fill the chat's queue while
    one reply is held up, and have a later question to the bot dropped."""
    message = update.message if isinstance(update, Update) else None
    if message is None or message.chat.type not in GROUP_TYPES:
        return True  # a private chat's message, an edit (its answer may follow), a button press...
    if message.text is None and message.caption is None:
        return False  # a photo or a file without a caption: nothing for the bot in a group
    entities = message.entities or message.caption_entities
    if any(e.type == MessageEntity.BOT_COMMAND and e.offset == 0 for e in entities):
        return True
    return addressed_question(message, bot_id=bot.id, username=bot.username) is not None
