"""The Telegram adapter: turns Telegram updates into calls on the core `Service`, and answers back.

Private chats: every text message is a question. Groups: the bot answers only when addressed
(`@BotName question`, a reply to one of its messages, or `/ask question`) and stays silent
otherwise. Replies are HTML with every piece of passage and user text escaped, split under
Telegram's 4096-character limit. Long polling by default; webhook mode when
TELEGRAM_WEBHOOK_URL is set. The token is read from the environment and never logged.

Moderators curate the knowledge base with /kb_* commands (forms in `adapters.telegram_moderation`);
the core decides who may, and the adapter only parses, calls it off the event loop and replies.

Settings come from `adapters.telegram_settings`; retries on network faults, one update at a time
per chat, and quiet handling of non-JSON error pages from `adapters.telegram_delivery`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import html
import logging
import re
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeAlias

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.rendering import split_message
from adapters.runner import StartupError
from adapters.telegram_delivery import (
    ChatOrderProcessor,
    QuietRequest,
    RetryPolicy,
    send_with_retries,
    transient,
)
from adapters.telegram_moderation import MODERATION_COMMANDS, USAGE, Request, UsageError, parse
from adapters.telegram_settings import Settings
from bot.answering import Answer, Outcome
from bot.curation.moderation import Refused
from bot.service import APOLOGY_TEXT, COOLDOWN_TEXT, Admission, Asker, Service

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL, and URLs hold the token

PLATFORM = "telegram"
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for an inline button's callback_data
BUTTON_LABEL_LIMIT = 60
GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})
COMMANDS = (
    BotCommand("start", "What I can answer and how to ask"),
    BotCommand("help", "What I can answer and how to ask"),
    BotCommand("ask", "Ask a question: /ask your question"),
    BotCommand("sources", "Where my answers come from"),
)
ASK_USAGE = "Ask like this: /ask your question"
GONE_TEXT = "That topic is no longer available."
THANKS_TEXT = "Thanks for the feedback!"
BOOTSTRAP_RETRIES = 5  # deleteWebhook / setWebhook at start, about 1, 1.5, 2.3... s apart
CODE_SPAN = re.compile(r"`([^`\n]+)`")

App: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"
Context = ContextTypes.DEFAULT_TYPE


# --- rendering --------------------------------------------------------------------------------


def render(answer: Answer, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """The answer as Telegram HTML messages, each at most `limit` characters including markup."""
    if answer.outcome is Outcome.ANSWERED and answer.passage_text is not None:
        parts = [(answer.section, "b"), (answer.passage_text, None), (answer.citation, "i")]
    else:
        parts = [(answer.text, None)]
    return html_messages(parts, limit)


def html_messages(parts: list[tuple[str | None, str | None]], limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Escape and mark up text parts (text, tag or None), packed into messages of at most `limit`.

    Text is split before it is escaped and marked up, so no entity or tag is ever cut.
    """
    chunks: list[str] = []
    for text, tag in parts:
        if not text or not text.strip():
            continue
        room = limit - (2 * len(tag) + 5 if tag else 0)
        for piece in _split_escaped(text, room):
            chunks.append(f"<{tag}>{piece}</{tag}>" if tag else piece)
    return _pack(chunks, limit)


def _split_escaped(text: str, limit: int, cut: int | None = None) -> list[str]:
    """Split `text` (at most `cut` raw characters a piece) so that every escaped piece fits in `limit`."""
    pieces: list[str] = []
    for piece in split_message(text, cut or limit):
        escaped = html.escape(piece, quote=False)
        if len(escaped) <= limit:
            pieces.append(escaped)
        else:  # escaping made it longer: cut the raw piece smaller, in proportion
            smaller = max(1, min(len(piece) - 1, len(piece) * limit // len(escaped)))
            pieces.extend(_split_escaped(piece, limit, smaller))
    return pieces


def _pack(chunks: list[str], limit: int) -> list[str]:
    messages: list[str] = []
    for chunk in chunks:
        if messages and len(messages[-1]) + 2 + len(chunk) <= limit:
            messages[-1] += "\n\n" + chunk
        else:
            messages.append(chunk)
    return messages


def plain_messages(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """The core's plain-text reply as HTML messages; `id` spans become <code> (a tap copies them).

    The tags make a message longer, so the text is cut smaller until they fit; a piece that still
    would not fit (a quarter of the limit, nearly all spans) keeps its backticks instead.
    """
    room = limit
    while True:
        pieces = html_messages([(text, None)], room)
        coded = [CODE_SPAN.sub(r"<code>\1</code>", piece) for piece in pieces]
        if all(len(c) <= limit for c in coded) or room <= limit // 4:
            return [c if len(c) <= limit else piece for c, piece in zip(coded, pieces, strict=True)]
        room -= limit // 8


def passage_ref(passage_id: str) -> str:
    """A short reference to a passage that fits in callback data with its prefix."""
    if len(f"v:+:{passage_id}".encode()) <= CALLBACK_DATA_LIMIT:
        return passage_id
    return "#" + hashlib.sha256(passage_id.encode()).hexdigest()[:24]


def resolve_ref(ref: str, service: Service) -> str:
    """The passage id behind a reference (a hashed one is looked up in the knowledge base)."""
    if not ref.startswith("#"):
        return ref
    return next((p.id for p in service.answerer.kb if passage_ref(p.id) == ref), ref)


def keyboard(answer: Answer) -> InlineKeyboardMarkup | None:
    """Suggestion buttons for a fallback, 👍 / 👎 for an answer, nothing for small talk."""
    if answer.passage_id is not None and answer.outcome is Outcome.ANSWERED:
        ref = passage_ref(answer.passage_id)
        votes = [
            InlineKeyboardButton("👍", callback_data=f"v:+:{ref}"),
            InlineKeyboardButton("👎", callback_data=f"v:-:{ref}"),
        ]
        return InlineKeyboardMarkup([votes])
    if answer.suggestions:
        rows = [
            [InlineKeyboardButton(_label(s.label), callback_data=f"p:{passage_ref(s.passage_id)}")]
            for s in answer.suggestions
        ]
        return InlineKeyboardMarkup(rows)
    return None


def _label(label: str) -> str:
    return label if len(label) <= BUTTON_LABEL_LIMIT else label[: BUTTON_LABEL_LIMIT - 1].rstrip() + "…"


# --- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a reply goes: the chat, the forum topic, and the message it answers (groups only)."""

    chat_id: int
    thread_id: int | None = None
    reply_to: int | None = None

    @classmethod
    def for_message(cls, message: Message) -> Target:
        in_group = message.chat.type in GROUP_TYPES
        return cls(
            chat_id=message.chat_id,
            thread_id=message.message_thread_id if message.is_topic_message else None,
            reply_to=message.message_id if in_group else None,
        )


async def send(context: Context, target: Target, pieces: list[str], markup: InlineKeyboardMarkup | None = None) -> None:
    """Send HTML pieces in order; the first replies to the question, the last carries the buttons.

    Each piece is retried on transient faults (see `adapters.telegram_delivery`).
    """
    policy = retry_policy(context)
    for i, piece in enumerate(pieces):
        quoted = target.reply_to if i == 0 else None
        reply = ReplyParameters(quoted, allow_sending_without_reply=True) if quoted else None
        call = functools.partial(
            context.bot.send_message,
            chat_id=target.chat_id,
            text=piece,
            parse_mode=ParseMode.HTML,
            message_thread_id=target.thread_id,
            reply_parameters=reply,
            reply_markup=markup if i == len(pieces) - 1 else None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        await send_with_retries(call, policy, what=f"sending to chat {target.chat_id}")


async def send_text(context: Context, target: Target, text: str) -> None:
    await send(context, target, html_messages([(text, None)]))


async def acknowledge(context: Context, query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press, so that its spinner stops (`text` shows as a toast); best effort.

    The answer is retried like a send, but briefly: Telegram takes it only for some seconds
    (`RetryPolicy.for_callback_answer`). A refusal ("query is too old") is not retried; a press
    that could not be answered is one WARNING, and what the press does goes on all the same.
    """
    call = functools.partial(query.answer, text)
    try:
        await send_with_retries(call, retry_policy(context).for_callback_answer(), what=f"answering press {query.id}")
    except TelegramError as exc:
        reason = exc.message if isinstance(exc, BadRequest) else type(exc).__name__  # others might hold the token
        log.warning("could not answer button press %s: %s", query.id, reason)


def retry_policy(context: Context) -> RetryPolicy:
    """The retries configured for this bot (`build_application` keeps them in bot_data)."""
    policy = context.bot_data.get("retry") if isinstance(context.bot_data, dict) else None
    return policy if isinstance(policy, RetryPolicy) else RetryPolicy()


# --- handlers ---------------------------------------------------------------------------------


class Handlers:
    """The update handlers, holding the core they call."""

    def __init__(self, service: Service):
        self.service = service

    def install(self, app: App) -> None:
        only_messages = filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler(["start", "help"], self.on_help, filters=only_messages))
        app.add_handler(CommandHandler("sources", self.on_sources, filters=only_messages))
        app.add_handler(CommandHandler("ask", self.on_ask, filters=only_messages))
        app.add_handler(CommandHandler(list(USAGE), self.on_moderation, filters=only_messages))
        app.add_handler(MessageHandler(only_messages & filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)

    async def on_help(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.chat.type in GROUP_TYPES:
            how = f"In this group, mention me (@{context.bot.username}), reply to one of my messages, or use /ask."
        else:
            how = "Just send me your question."
        await send_text(context, Target.for_message(message), f"{self.service.help_text()}\n\n{how}")

    async def on_sources(self, update: Update, context: Context) -> None:
        if update.effective_message is not None:
            await send_text(context, Target.for_message(update.effective_message), self.service.sources_text())

    async def on_ask(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        question = "".join(message.text.split(maxsplit=1)[1:])  # everything after /ask or /ask@BotName
        if not question:
            await send_text(context, Target.for_message(message), ASK_USAGE)
            return
        await self.answer(message, context, question)

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        if message.chat.type == ChatType.PRIVATE:
            await self.answer(message, context, message.text)
        elif message.chat.type in GROUP_TYPES:
            question = addressed_question(message, bot_id=context.bot.id, username=context.bot.username)
            if question is not None:
                await self.answer(message, context, question)

    async def answer(self, message: Message, context: Context, question: str) -> None:
        """Answer one question; over a limit, the cooldown note or nothing, as the core decides."""
        user_id = message.from_user.id if message.from_user else message.chat_id
        asker = Asker(platform=PLATFORM, user_id=str(user_id), chat_id=str(message.chat_id))
        target = Target.for_message(message)
        admission = self.service.admit(asker)
        if admission is Admission.NOTIFY:
            await send_text(context, target, COOLDOWN_TEXT)
        if admission is not Admission.ASK:
            return
        answer = self.service.ask(question, asker)
        await send(context, target, render(answer), keyboard(answer))

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        kind, _, rest = (query.data or "").partition(":")
        chat_id = query.message.chat.id if query.message else query.from_user.id
        asker = Asker(platform=PLATFORM, user_id=str(query.from_user.id), chat_id=str(chat_id))
        if kind == "v" and rest[:2] in ("+:", "-:"):
            self.service.vote(resolve_ref(rest[2:], self.service), rest[0] == "+", asker)
            await acknowledge(context, query, THANKS_TEXT)
        elif kind == "p" and rest:
            await self._pressed_suggestion(query, context, resolve_ref(rest, self.service), asker)
        else:
            await acknowledge(context, query)

    async def _pressed_suggestion(self, query: CallbackQuery, context: Context, passage_id: str, asker: Asker) -> None:
        """Answer the callback query (so the button stops spinning), then send the chosen passage.

        Over a limit the press gets the cooldown note as a toast, or (SILENT) just its answer.
        """
        admission = self.service.admit(asker)
        if admission is not Admission.ASK:
            await acknowledge(context, query, COOLDOWN_TEXT if admission is Admission.NOTIFY else None)
            return
        answer = self.service.choose(passage_id, asker)
        if answer is None:
            await acknowledge(context, query, GONE_TEXT)
            return
        await acknowledge(context, query)
        shown = query.message
        if shown is None:  # a button on an inline-mode message: there is no chat to answer in
            return
        topic = isinstance(shown, Message) and shown.is_topic_message
        target = Target(
            chat_id=shown.chat.id,
            thread_id=shown.message_thread_id if topic and isinstance(shown, Message) else None,
            reply_to=shown.message_id if shown.chat.type in GROUP_TYPES else None,
        )
        await send(context, target, render(answer), keyboard(answer))

    async def on_moderation(self, update: Update, context: Context) -> None:
        """A /kb_* command: parse it, let the core check the asker and do it, reply with the outcome."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        words = message.text.split(maxsplit=1)
        command = words[0][1:].partition("@")[0].lower()
        target = Target.for_message(message)
        try:
            request = parse(command, words[1] if len(words) > 1 else "")
        except UsageError as exc:
            await send_text(context, target, str(exc))
            return
        asker = await self._moderation_asker(message, context)
        try:
            reply = await asyncio.to_thread(self._moderate, request, asker)
        except Refused as exc:
            reply = str(exc)
        await send(context, target, plain_messages(reply))

    async def _moderation_asker(self, message: Message, context: Context) -> Asker:
        """Who sent a moderation command; in a group, whether they administer it (asked only if it matters)."""
        user, chat = message.from_user, message.chat
        asker = Asker(
            platform=PLATFORM,
            user_id=str(user.id if user else chat.id),
            chat_id=str(chat.id),
            name=display_name(message),
        )
        if chat.type not in GROUP_TYPES:
            return asker
        if message.sender_chat is not None and message.sender_chat.id == chat.id:
            return replace(asker, admin=True)  # only an administrator can post anonymously as the group
        if user is None or await asyncio.to_thread(self.service.moderation.is_moderator, asker):
            return asker
        try:
            member = await context.bot.get_chat_member(chat.id, user.id)
        except TelegramError as exc:
            log.warning("could not look up user %s in chat %s: %s", user.id, chat.id, type(exc).__name__)
            return asker
        return replace(asker, admin=member.status in ADMIN_STATUSES)

    def _moderate(self, request: Request, asker: Asker) -> str:
        """Call the core for one request (blocking: file I/O); the reply for the moderator."""
        moderation = self.service.moderation
        passage_id = request.passage_id or ""
        match request.command:
            case "kb_add":
                return moderation.add(
                    asker,
                    section=request.section or "",
                    text=request.text or "",
                    questions=request.questions or (),
                    passage_id=request.passage_id,
                ).message
            case "kb_edit":
                change = moderation.edit(
                    asker, passage_id, section=request.section, text=request.text, questions=request.questions
                )
                return change.message
            case "kb_remove":
                return moderation.remove(asker, passage_id).message
            case "kb_alias":
                return moderation.alias(asker, passage_id, request.question).message
            case "kb_undo":
                return moderation.undo(asker).message
            case "kb_history":
                return moderation.history(asker, request.passage_id)
            case "kb_gaps":
                return moderation.gaps(asker) if request.limit is None else moderation.gaps(asker, request.limit)
            case "kb_stats":
                return moderation.stats(asker)
            case "kb_dismiss":
                return moderation.dismiss(asker, request.question)
        raise ValueError(f"not a moderation command: {request.command}")

    async def on_error(self, update: object, context: Context) -> None:
        """The one error handler: the log gets the traceback, the user a short apology.

        A reply that could not be sent even after its retries, or to a chat that blocked the bot,
        gets one line and no apology (it could not be sent either).
        """
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        if isinstance(error, Forbidden):
            log.warning("Telegram update %s: not allowed to reply (%s)", update_id, error.message)
            return
        if error is not None and transient(error):
            log.error(
                "Telegram update %s: reply lost, Telegram still failing after retries (%s)",
                update_id,
                type(error).__name__,
            )
            return
        log.error("handling Telegram update %s failed", update_id, exc_info=error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        message = update.effective_message
        target = Target.for_message(message) if isinstance(message, Message) else Target(update.effective_chat.id)
        try:
            await send_text(context, target, APOLOGY_TEXT)
        except TelegramError as exc:
            log.warning("could not send the apology to chat %s: %s", target.chat_id, type(exc).__name__)


def display_name(message: Message) -> str:
    """The sender as moderation history shows them: full name and @username, or the group they posted as."""
    user = message.from_user
    if message.sender_chat is not None:
        return message.sender_chat.title or message.sender_chat.effective_name or str(message.sender_chat.id)
    if user is None:
        return ""
    return f"{user.full_name} (@{user.username})" if user.username else user.full_name


def addressed_question(message: Message, *, bot_id: int, username: str) -> str | None:
    """The question in a group message meant for the bot, or None when it is not addressed.

    Addressed means: it mentions @username (or links the bot by id), or replies to the bot.
    The mention itself is taken out of the question.
    """
    text = message.text or ""
    mentions = message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
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


# --- start and stop ---------------------------------------------------------------------------


def build_application(service: Service, settings: Settings) -> App:
    """The python-telegram-bot Application with our handlers and flood control."""
    limiter = AIORateLimiter(
        overall_max_rate=settings.rate_limit,
        group_max_rate=settings.group_rate_limit,
        max_retries=settings.max_retries,
    )
    timeout = settings.request_timeout
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .rate_limiter(limiter)
        .concurrent_updates(ChatOrderProcessor())
        .request(QuietRequest(connection_pool_size=256, read_timeout=timeout, write_timeout=timeout))
        .get_updates_request(QuietRequest(read_timeout=timeout, write_timeout=timeout))
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    app = builder.build()
    app.bot_data["retry"] = settings.retry
    Handlers(service).install(app)
    return app


async def serve(service: Service, env: Mapping[str, str], stop: asyncio.Event) -> None:
    """Run the Telegram bot until `stop` is set, then shut it down cleanly."""
    settings = Settings.from_env(env)
    app = build_application(service, settings)
    if not await _until_stopped(_initialize(app, settings), stop):
        await app.bot.request.shutdown()  # stopped while still logging in: nothing else was started
        log.info("Telegram bot stopped before it had logged in")
        return
    try:
        await _set_commands(app, service, settings.retry)
        await _start_updates(app, settings)
        await app.start()
        log.info("Telegram bot @%s is running (%s)", app.bot.username, "webhook" if settings.webhook_url else "polling")
        await stop.wait()
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        log.info("Telegram bot stopped")


async def _until_stopped(work: Awaitable[None], stop: asyncio.Event) -> bool:
    """Await `work` unless `stop` is set first (then cancel it); True when `work` finished."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if task.done():
        task.result()  # a StartupError, for instance, goes on up
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False


async def _initialize(app: App, settings: Settings) -> None:
    """Log in (getMe), retried through passing faults; a rejected token or an API that stays unreachable
    becomes a one-line StartupError."""
    try:
        await send_with_retries(app.initialize, settings.retry, what="logging in (getMe)")
    except InvalidToken:  # its message holds the token: never show it
        await app.bot.request.shutdown()
        raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather") from None
    except NetworkError as exc:
        await app.bot.request.shutdown()
        where = settings.base_url or "api.telegram.org"
        raise StartupError(f"cannot reach the Telegram Bot API at {where}: {type(exc).__name__}") from None


async def _set_commands(app: App, service: Service, policy: RetryPolicy) -> None:
    """The public menu for everyone; the moderation commands too, but only in each moderator's private chat.

    The menu is a convenience, not a permission: the core checks every command whoever sends it.
    """
    try:
        await send_with_retries(functools.partial(app.bot.set_my_commands, COMMANDS), policy, what="setting the menu")
    except TelegramError as exc:  # the bot answers without a menu; the next start sets it again
        log.warning("could not set the command menu: %s", type(exc).__name__)
    for user_id in sorted(service.config.moderators.telegram_users):
        try:
            await app.bot.set_my_commands(COMMANDS + MODERATION_COMMANDS, scope=BotCommandScopeChat(int(user_id)))
        except (TelegramError, ValueError) as exc:  # e.g. a moderator who never opened a chat with the bot
            log.warning("no moderation menu for Telegram user %s: %s", user_id, type(exc).__name__)


async def _start_updates(app: App, settings: Settings) -> None:
    updater = app.updater
    if updater is None:
        raise StartupError("python-telegram-bot was built without an updater")
    if settings.webhook_url:
        await updater.start_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=settings.webhook_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=BOOTSTRAP_RETRIES,
        )
    else:
        await updater.start_polling(
            timeout=settings.poll_timeout,
            allowed_updates=Update.ALL_TYPES,
            error_callback=_polling_failed,
            bootstrap_retries=BOOTSTRAP_RETRIES,
        )


def _polling_failed(exc: TelegramError) -> None:
    # PTB retries on its own; only the class name, since some messages hold the token
    log.warning("polling Telegram failed, retrying: %s", type(exc).__name__)
