"""Moderation on Telegram: the /kb_* commands' one-line forms, their menu, and their handler.

A Telegram command is a single message, so the fields of a command are separated by `|`
and alternate questions by `;`; `\\|` writes a `|` inside a field (`ps aux \\| grep bot`):

    /kb_add SECTION | TEXT [| QUESTION ; QUESTION ...] [| id=ID]
    /kb_add section=SECTION | text=TEXT [| questions=QUESTION ; QUESTION] [| id=ID]
    /kb_edit ID | TEXT
    /kb_edit ID | section=SECTION | text=TEXT | questions=QUESTION ; QUESTION
    /kb_remove ID
    /kb_alias ID | QUESTION
    /kb_history [ID]
    /kb_undo
    /kb_gaps [N]
    /kb_stats
    /kb_dismiss GAP

GAP is a gap's id or number as /kb_gaps lists it; `/kb_alias ID | GAP` attaches that
unanswered question to the passage.

Parsing knows nothing of the knowledge base: whether an id exists, or the asker may change it,
is the core's answer. A wrong form raises `UsageError` carrying the usage of that command; a
right one becomes the core's `Request` (the command without its `kb_`), which the handler hands to
`Service.moderate` off the event loop.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from telegram import BotCommand, Message, Update
from telegram.constants import ChatMemberStatus, MessageEntityType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from adapters.platform import in_thread
from adapters.recent import Recent
from adapters.tg.deliver import GROUP_TYPES, PLATFORM, Target, asker_of, send, send_text, within_budget
from adapters.tg.links import with_links
from adapters.tg.render import plain_messages
from adapters.tg.upgrades import in_chat
from adapters.tg.written import ESCAPED_SEPARATOR, SEPARATOR, as_written
from bot import Asker, Request, Service, messages

log = logging.getLogger(__name__)

PREFIX = "kb_"
ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})

_SPLIT = re.compile(r"(?<!\\)\|")  # a `|` that is not escaped
QUESTION_SEPARATOR = ";"
MAX_LIMIT = 50
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# what history is kept under: a passage's id, or a file's name (synonyms.yaml, a draft published)
_HISTORY_OF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ID_FIRST = re.compile(r"([A-Za-z0-9][A-Za-z0-9_-]*)(?:\s*\|\s*|\s+|$)(.*)", re.DOTALL)
_FIELD = re.compile(r"(section|text|questions|id)\s*=\s*(.*)", re.IGNORECASE | re.DOTALL)

N_ = messages.N_  # marks the usages and the menu's descriptions for the catalogue
USAGE = {
    "kb_add": N_(
        "/kb_add SECTION | TEXT | QUESTION ; QUESTION\n"
        "or /kb_add section=SECTION | text=TEXT | questions=Q ; Q\n"
        "(the questions are optional; add | id=ID to choose the passage id; write \\| for a | inside the text)"
    ),
    "kb_edit": N_(
        "/kb_edit ID | NEW TEXT\nor /kb_edit ID | section=NEW SECTION | text=NEW TEXT | questions=Q ; Q\n"
        "(any of the three; questions= with nothing after it removes them all; write \\| for a | inside the text)"
    ),
    "kb_remove": "/kb_remove ID",
    "kb_alias": N_("/kb_alias ID | QUESTION\n(or a gap's id or number from /kb_gaps instead of the question)"),
    "kb_history": N_("/kb_history or /kb_history ID"),
    "kb_undo": "/kb_undo",
    "kb_gaps": N_("/kb_gaps or /kb_gaps N (how many, up to 50)"),
    "kb_stats": "/kb_stats",
    "kb_dismiss": N_("/kb_dismiss GAP (a gap's id or number, as /kb_gaps lists it)"),
    "kb_find": N_("/kb_find WORDS (the passages that match, with the ids the other commands take)"),
}

# The commands whose reply may quote what members asked the bot, in their private chats too: /kb_gaps
# lists their questions, /kb_dismiss names the gap in its words, /kb_alias attaches a gap's wordings (or
# typed words with a recorded wording) and names those still open, /kb_history shows the questions a
# change attached (an alias's). Sent in a group, the reply goes to the moderator's private chat with the
# bot (`_in_private`).
QUOTES_MEMBERS = frozenset({"gaps", "dismiss", "alias", "history"})
READ_ONLY = frozenset({"gaps", "history"})  # nothing done: sent again once the private chat is open


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


TOO_MANY_PARTS = N_("More parts than fields: write {escaped} for a | inside the text.")
USAGE_IS = N_("Usage:")


class UsageError(ValueError):
    """A command in the wrong form: what is wrong (a catalogue sentence, `values` put in) and the
    right form; `said` in the sender's language, `str(exc)` in English."""

    def __init__(self, command: str, problem: str, /, **values: str | int):
        self.command, self.problem, self.values = command, problem, values
        super().__init__(self.said("en"))

    def said(self, language: str) -> str:
        problem = messages.say(self.problem, language).format(**self.values)
        return f"{problem}\n{messages.say(USAGE_IS, language)} {messages.say(USAGE[self.command], language)}"


def parse(command: str, args: str) -> Request:
    """The request in `args` (the message after `/command` or `/command@BotName`), or UsageError."""
    args = args.strip()
    name = command.removeprefix(PREFIX)
    if command == "kb_add":
        return _add(args)
    if command == "kb_edit":
        return _edit(args)
    if command == "kb_remove":
        if not _ID.fullmatch(args):
            raise UsageError(command, N_("Which passage? Give its id."))
        return Request(name, passage_id=args)
    if command == "kb_alias":
        passage_id, question = _id_and_rest(command, args)
        if not question:
            raise UsageError(command, N_("Give the passage id and the question to attach to it."))
        return Request(name, passage_id=passage_id, question=question.replace(ESCAPED_SEPARATOR, SEPARATOR))
    if command == "kb_history":
        if args and not _HISTORY_OF.fullmatch(args):
            raise UsageError(command, N_("Give one passage id or file name, or nothing for the latest changes."))
        return Request(name, passage_id=args or None)
    if command == "kb_gaps":
        if args and not (args.isdecimal() and 1 <= int(args) <= MAX_LIMIT):
            raise UsageError(command, N_("Give a number from 1 to {limit}, or nothing."), limit=MAX_LIMIT)
        return Request(name, limit=int(args) if args else None)
    if command == "kb_dismiss":
        if not args:
            raise UsageError(command, N_("Which gap? Give its id or number from /kb_gaps."))
        return Request(name, question=args)
    if command == "kb_find":
        if not args:
            raise UsageError(command, N_("Give some words of the passage."))
        return Request(name, question=args)
    if command in ("kb_undo", "kb_stats"):
        if args:
            raise UsageError(command, N_("{command} takes nothing after it."), command=f"/{command}")
        return Request(name)
    raise ValueError(f"not a moderation command: {command}")


def _add(args: str) -> Request:
    """SECTION | TEXT | QUESTIONS in that order, or named as /kb_edit names them (`section=`, `text=`,
    `questions=`, which had been stored as words: a section "section=Parking"); the parts without a
    name fill the fields not named, in that order."""
    passage_id = None
    named: dict[str, str] = {}
    unlabelled: list[str] = []
    for part in _parts(args):
        field = _FIELD.fullmatch(part)
        if field is None:
            unlabelled.append(part)
            continue
        name, value = field.group(1).lower(), field.group(2).strip()
        if name in named:
            raise UsageError("kb_add", N_("Give each field once."))
        named[name] = value
    if "id" in named:
        passage_id = named.pop("id")
        if not _ID.fullmatch(passage_id):
            raise UsageError("kb_add", N_("An id is made of letters, digits and dashes."))
    free = [name for name in ("section", "text", "questions") if name not in named]
    if len(unlabelled) > len(free):
        raise UsageError("kb_add", TOO_MANY_PARTS, escaped=ESCAPED_SEPARATOR)
    named.update(zip(free, unlabelled, strict=False))
    if not named.get("section") or not named.get("text"):
        raise UsageError("kb_add", N_("Give the section and the text, separated by |."))
    questions = _questions(named["questions"]) if "questions" in named else ()
    return Request("add", passage_id=passage_id, section=named["section"], text=named["text"], questions=questions)


def _edit(args: str) -> Request:
    passage_id, rest = _id_and_rest("kb_edit", args)
    values: dict[str, str] = {}
    for i, part in enumerate(_parts(rest)):
        field = _FIELD.fullmatch(part)
        name, value = (field.group(1).lower(), field.group(2).strip()) if field else ("text", part)
        if not field and i > 0 and "text" in values:  # "ID | new text | more": a | in the text
            raise UsageError("kb_edit", TOO_MANY_PARTS, escaped=ESCAPED_SEPARATOR)
        if not field and i > 0:  # "ID | section=Bikes | Bikes go ...": the text's name is missing
            raise UsageError("kb_edit", N_("Give each field once, as field=value, after the id (text=...)."))
        if name == "id" or name in values:
            raise UsageError("kb_edit", N_("Give each field once, as field=value, after the id."))
        if not value and name != "questions":
            raise UsageError("kb_edit", N_("The new {name} is empty."), name=name)
        values[name] = value
    if not values:
        raise UsageError("kb_edit", N_("Say what to change."))
    questions = _questions(values["questions"]) if "questions" in values else None
    return Request(
        "edit", passage_id=passage_id, section=values.get("section"), text=values.get("text"), questions=questions
    )


def _id_and_rest(command: str, args: str) -> tuple[str, str]:
    """The passage id (the first word) and what follows it, without a leading `|`."""
    match = _ID_FIRST.fullmatch(args)
    if match is None:
        raise UsageError(command, N_("Start with the passage id."))
    return match.group(1), match.group(2).strip()


def _parts(args: str) -> list[str]:
    """The fields of `args`, split at each `|` that is not written `\\|` (which stays a `|` in its field)."""
    if not args.strip():
        return []
    return [part.replace(ESCAPED_SEPARATOR, SEPARATOR).strip() for part in _SPLIT.split(args)]


def _questions(raw: str) -> tuple[str, ...]:
    return tuple(q.strip() for q in raw.split(QUESTION_SEPARATOR) if q.strip())


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
