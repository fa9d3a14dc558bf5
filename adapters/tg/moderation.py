"""Moderation on Telegram: the /kb_* commands' menu and their handler.

The handler reads a command's one-line form (`adapters.tg.commandforms`), asks who sent it (a group's
administrators looked up, as the config counts them), lets the core do it off the event loop and
replies; a reply that quotes what members asked goes to the moderator's private chat.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import BotCommand, Message, Update
from telegram.constants import ChatMemberStatus, MessageEntityType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from adapters.platform import in_thread
from adapters.tg.commandforms import PREFIX, UsageError, parse
from adapters.tg.deliver import GROUP_TYPES, PLATFORM, Target, asker_of, send, send_text, within_budget
from adapters.tg.links import with_links
from adapters.tg.render import plain_messages
from adapters.tg.upgrades import in_chat
from adapters.tg.written import as_written
from bot import Asker, Recent, Request, Service, messages

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})

# The commands whose reply may quote what members asked the bot, in their private chats too: /kb_gaps
# lists their questions, /kb_dismiss names the gap in its words, /kb_alias attaches a gap's wordings (or
# typed words with a recorded wording) and names those still open, /kb_history shows the questions a
# change attached (an alias's). Sent in a group, the reply goes to the moderator's private chat with the
# bot (`_in_private`).
QUOTES_MEMBERS = frozenset({"gaps", "dismiss", "alias", "history"})
READ_ONLY = frozenset({"gaps", "history"})  # nothing done: sent again once the private chat is open


N_ = messages.N_  # marks the menu's descriptions for the catalogue
MODERATION_COMMANDS = (
    BotCommand("kb_add", N_("Add a passage: SECTION | TEXT | QUESTION ; QUESTION")),
    BotCommand("kb_edit", N_("Edit a passage: ID | section=... | text=... | questions=...")),
    BotCommand("kb_remove", N_("Remove a passage: ID")),
    BotCommand("kb_alias", N_("Attach a question or gap to a passage: ID | QUESTION")),
    BotCommand("kb_history", N_("Recent changes, or one passage's: [ID]")),
    BotCommand("kb_undo", N_("Revert the last change")),
    BotCommand("kb_gaps", N_("Questions the bot could not answer")),
    BotCommand("kb_stats", N_("Most asked, most downvoted, fallback rate")),
    BotCommand("kb_dismiss", N_("Dismiss an unanswered question: GAP")),
    BotCommand("kb_find", N_("Find passages and their ids: WORDS")),
)


# --- the handler ------------------------------------------------------------------------------


async def on_moderation(service: Service, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /kb_* command: parse it, let the core check the asker and do it, reply with the outcome."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    command, args = command_of(message)
    target = Target.for_message(message)
    asker = await moderation_asker(service, message, context)
    if asker is None:  # over the cooldown budget: the note went instead, or nothing
        return
    try:
        request = parse(command, args)
    except UsageError as exc:
        language = message.from_user.language_code if message.from_user else None
        await send_text(context, target, exc.said(messages.choose(language, args)))  # as the core chooses
        return
    private = request.command in QUOTES_MEMBERS and message.chat.type in GROUP_TYPES
    if private and await in_thread(service.is_moderator, asker):
        await _in_private(service, context, message, request, asker)
        return
    reply = await in_thread(service.moderate, request, asker)
    # /kb_find: each passage's start link, to pin or share, from the passages the core found (never its text)
    text = with_links(reply.found, context.bot.username) if reply.found is not None else reply.text
    await send(context, target, plain_messages(text))
    await in_thread(service.delivered, reply, asker)  # a gaps list is theirs once Telegram took it


async def _in_private(
    service: Service, context: ContextTypes.DEFAULT_TYPE, message: Message, request: Request, asker: Asker
) -> None:
    """A moderator's command in a group whose reply quotes what members asked, in their private chats
    too (`QUOTES_MEMBERS`): the reply goes to the moderator's private chat with the bot (a group
    administrator is a moderator only in the group: there they send it), and the group reads one line
    saying so. Telegram lets a bot write only to a user who has opened a chat with it and not blocked
    it; the group reads how to, and whether the command was done (a gaps list not sent is not theirs).
    An anonymous administrator, posting as the group, has no private chat: they are told to send it as
    themselves (or, if moderators are listed by id, in a private chat), and nothing is done."""
    target, user, command = Target.for_message(message), message.from_user, f"/{PREFIX}{request.command}"
    with messages.speaking(messages.choose(asker.language)):
        if user is None or message.sender_chat is not None:
            listed = bool(service.moderator_ids(PLATFORM))
            await send_text(context, target, messages.posting_anonymously(command, listed=listed))
            return
        reply = await in_thread(service.moderate, request, replace(asker, answered_privately=True))
        done = request.command not in READ_ONLY and not reply.refused
        try:
            await send(context, Target(chat_id=user.id), plain_messages(reply.text))
        except (Forbidden, BadRequest) as exc:  # never started, blocked, or "chat not found"
            blocked = "blocked" in exc.message.lower()
            await send_text(context, target, messages.not_sent_privately(command, blocked=blocked, done=done))
            return
        except TelegramError as exc:  # an outage the retries did not outlast: a dismissal done is not redone
            if not done:
                raise
            log.warning("could not send the reply to %s privately: %s", command, type(exc).__name__)
            await send_text(context, target, messages.say(messages.DONE_NOT_SENT))
            return
        await in_thread(service.delivered, reply, asker)  # a gaps list is theirs now: it reached them
        await send_text(context, target, messages.say(messages.SENT_PRIVATELY))


def command_of(message: Message) -> tuple[str, str]:
    """The command of `message`, without `/` and `@BotName`, and the text after it, as Telegram marks
    it: a command ends at the first character that is not a letter, digit or `_`, so
    "/kb_remove.parking" is /kb_remove with ".parking" after it (given its usage line)."""
    text = as_written(message)
    entity = next((e for e in message.entities if e.type == MessageEntityType.BOT_COMMAND and e.offset == 0), None)
    marked = message.parse_entity(entity) if entity is not None else (text.split(maxsplit=1) or [""])[0]
    return marked[1:].partition("@")[0].lower(), text[len(marked) :]


async def moderation_asker(service: Service, message: Message, context: ContextTypes.DEFAULT_TYPE) -> Asker | None:
    """Who sent a moderation command, as the core is to judge them; None when they are over their
    cooldown budget (the note went instead, or nothing). A moderator spends no budget on moderation:
    one listed by id, an administrator posting anonymously as the group, or an administrator of the
    group whom the last lookup found so (asked again now: rights can be taken away). Anyone else
    spends it before the bot asks Telegram anything: getChatMember counts against the group's limits,
    and a member's flood of /kb_ commands must not become a flood of lookups. Telegram is asked only
    where being an administrator would count (telegram_group_admins, in a listed group). When
    Telegram cannot say now (a 5xx, a timeout) whether one it never found an administrator is one, the
    sender is told so, and None is returned: "only moderators can" would be false for an
    administrator, and the command is not done."""
    asker = sender_of(message)
    if await in_thread(service.is_moderator, asker):
        return asker
    look_up = message.chat.type in GROUP_TYPES and await in_thread(service.is_moderator, replace(asker, admin=True))
    if look_up and _found_admin(context, message):
        found = await _looked_up(context, message, asker)
        if found is None or found.admin:  # could not look up a known administrator: still one
            return replace(asker, admin=True) if found is None else found
        asker, look_up = found, False
    if not await within_budget(service, context, message):
        return None
    if not look_up:
        return asker
    found = await _looked_up(context, message, asker)
    if found is None:
        unchecked = messages.say(messages.ADMIN_UNCHECKED, messages.choose(asker.language))
        await send_text(context, Target.for_message(message), unchecked)
    return found


def sender_of(message: Message) -> Asker:
    """The sender of a moderation command before anyone is looked up, as `asker_of` has them: one
    posting as a chat is that chat, never `from_user` (then Telegram's placeholder bot, the same in
    every group: listed by the id a refusal logged, it made anyone posting so anywhere a moderator).
    One posting anonymously as the group is one of its administrators (only they can), so counts
    only where the config counts that group's administrators."""
    chat = message.chat
    as_group = chat.type in GROUP_TYPES and message.sender_chat is not None and message.sender_chat.id == chat.id
    return asker_of(message, name=display_name(message), admin=as_group)


async def _looked_up(context: ContextTypes.DEFAULT_TYPE, message: Message, asker: Asker) -> Asker | None:
    """`asker`, an administrator of the group or not as Telegram says now (getChatMember); not one when
    Telegram refuses the lookup for good (a 400 such as "user not found": they left the group; a 403);
    None when it cannot say now (a 5xx, a timeout, the network, a 429): the caller keeps what the last
    lookup found, so an administrator is not refused over one failed lookup, and no one else gains by
    it. Not retried: one lookup a command, even in an outage (a member's commands must not become a
    flood of them)."""
    user, chat = message.from_user, message.chat
    if user is None or message.sender_chat is not None:  # posted as a chat: `user` is a placeholder
        return asker
    try:  # in a group upgraded to a supergroup, the supergroup: the same people administer it
        member = await in_chat(context, chat.id, lambda chat_id: context.bot.get_chat_member(chat_id, user.id))
    except (BadRequest, Forbidden) as exc:  # before TelegramError: BadRequest is a NetworkError too
        log.info("user %s in chat %s is no administrator, Telegram says: %s", user.id, chat.id, exc.message)
        admin = False
    except TelegramError as exc:
        log.warning("could not look up user %s in chat %s: %s", user.id, chat.id, type(exc).__name__)
        return None
    else:
        admin = member.status in ADMIN_STATUSES
    _admins_found(context).mark((chat.id, user.id), admin)
    return replace(asker, admin=admin)


def _found_admin(context: ContextTypes.DEFAULT_TYPE, message: Message) -> bool:
    """Whether the last lookup found the sender an administrator of the group."""
    user = message.from_user
    return user is not None and (message.chat.id, user.id) in _admins_found(context)


def _admins_found(context: ContextTypes.DEFAULT_TYPE) -> Recent[tuple[int, int], bool]:
    """(chat, user) of the administrators lookups found last (256: one forgotten spends budget, as anyone)."""
    found = context.bot_data.setdefault(_ADMINS_FOUND, Recent()) if isinstance(context.bot_data, dict) else None
    return found if isinstance(found, Recent) else Recent()


_ADMINS_FOUND = "admins found"


def display_name(message: Message) -> str:
    """The sender as moderation history shows them: full name and @username, or the group they posted as."""
    user = message.from_user
    if message.sender_chat is not None:
        return message.sender_chat.title or message.sender_chat.effective_name or str(message.sender_chat.id)
    if user is None:
        return ""
    return f"{user.full_name} (@{user.username})" if user.username else user.full_name
