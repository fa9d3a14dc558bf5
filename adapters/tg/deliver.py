"""Getting replies out to Telegram: where a reply goes, sending it retried, one update at a time per chat.

The mechanisms are the shared ones of `adapters.delivery`; this module says only what
python-telegram-bot makes different:

- which failures pass (`transient`): python-telegram-bot's `AIORateLimiter` retries only a 429;
  a 5xx, a timeout or a dropped connection make `send_message` raise at once;
- answers to button presses are retried too, but only for a few seconds (`for_callback_answer`);
- `ChatOrderProcessor`: updates are handled concurrently, but one at a time per chat and in the
  order they arrived, so answers in a chat come in the order of the questions;
- `QuietRequest`: an error page that is not JSON (a proxy's HTML 502) is a failed request like
  any other, not an ERROR log with a traceback.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseUpdateProcessor, ContextTypes
from telegram.request import HTTPXRequest

from adapters.delivery import KeyedOrder, RetryPolicy, with_retries
from adapters.platform import in_thread
from adapters.tg.render import html_messages, keyboard, render
from adapters.tg.upgrades import moved_to, upgraded
from bot import Answer, Asker, Service

log = logging.getLogger(__name__)

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

CALLBACK_ANSWER_WINDOW = 10.0  # seconds: Telegram refuses a late answer to a press ("query is too old")
GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
PLATFORM = "telegram"


def transient(exc: BaseException) -> float | None:
    """A failure that may go away by itself (a 5xx, a timeout, a dropped connection, a 429): the pause
    Telegram asked for (0.0 if none); None for any other."""
    if isinstance(exc, RetryAfter):
        pause = exc.retry_after
        return pause.total_seconds() if hasattr(pause, "total_seconds") else float(pause)
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        return 0.0
    return None


def not_allowed(exc: BaseException) -> bool:
    """Whether Telegram refused because the bot may not write there: blocked or removed (Forbidden),
    or its right to send taken away by the group's admins, or a forum topic closed or deleted (a 400 that
    says so: "message thread not found" for a deleted one). No apology can go there either."""
    if isinstance(exc, Forbidden):
        return True
    reason = exc.message.lower() if isinstance(exc, BadRequest) else ""
    return any(words in reason for words in _NOT_ALLOWED)


_NOT_ALLOWED = (
    "not enough rights",
    "have no rights",
    "chat_write_forbidden",
    "topic_closed",
    "topic_deleted",
    "message thread not found",
    "chat_restricted",
)


async def send_with_retries(call: Callable[[], Awaitable[T]], policy: RetryPolicy, *, what: str) -> T:
    """`call`, again after the failures that pass (`transient`) but a 429: python-telegram-bot's
    `AIORateLimiter` has waited out TELEGRAM_MAX_RETRIES of them already, and its last one is final
    (retried here too, a reply refused with 429 three times had been sent four times with 1 retry)."""
    return await with_retries(call, policy, _passing, what=what)


def _passing(exc: BaseException) -> float | None:
    return None if isinstance(exc, RetryAfter) else transient(exc)


def for_callback_answer(policy: RetryPolicy) -> RetryPolicy:
    """Few, short retries: an answer to a button press only stops its spinner, and only for seconds."""
    return dataclasses.replace(
        policy,
        attempts=min(policy.attempts, 3),
        first_delay=min(policy.first_delay, 0.5),
        max_delay=2.0,
        within=CALLBACK_ANSWER_WINDOW,
    )


TOKEN_REVOKED = "token revoked"  # in bot_data: the asyncio.Event set when Telegram refuses the token (401)


def token_revoked(context: Context) -> None:
    """Say that Telegram refused the token in a handler's call (revoked with @BotFather): the bot
    stops as when polling is refused (`adapters.tg.app`), and not for each update again."""
    event = context.bot_data.get(TOKEN_REVOKED) if isinstance(context.bot_data, dict) else None
    if isinstance(event, asyncio.Event):
        event.set()


def retry_policy(context: Context) -> RetryPolicy:
    """The retries configured for this bot (`build_application` keeps them in bot_data)."""
    policy = context.bot_data.get("retry") if isinstance(context.bot_data, dict) else None
    return policy if isinstance(policy, RetryPolicy) else RetryPolicy()


@dataclass(frozen=True)
class Target:
    """Where a reply goes: the chat, the forum topic, and the message it answers (groups only);
    `threaded`: every message of the reply answers it, not only the first, for a question in a thread
    of replies (a channel post's comments): Telegram keeps a message there only when it replies into
    it, and a bot cannot name the thread otherwise."""

    chat_id: int
    thread_id: int | None = None
    reply_to: int | None = None
    threaded: bool = False

    @classmethod
    def for_message(cls, message: Message) -> Target:
        in_group = message.chat.type in GROUP_TYPES
        return cls(
            chat_id=message.chat_id,
            thread_id=message.message_thread_id if message.is_topic_message else None,
            reply_to=message.message_id if in_group else None,
            threaded=in_group and message.message_thread_id is not None and not message.is_topic_message,
        )


@dataclass(frozen=True)
class Piece:
    """One message of a reply: its HTML, its buttons, and whether it quotes the question (in groups,
    the first message of each reply does)."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    quotes: bool = False


def pieces(texts: list[str], markup: InlineKeyboardMarkup | None = None) -> list[Piece]:
    """HTML messages as one reply: the first quotes the question, the last carries the buttons."""
    return [Piece(text, markup if i == len(texts) - 1 else None, i == 0) for i, text in enumerate(texts)]


def pieces_of(answer: Answer) -> list[Piece]:
    """Every message of an answer, each of its replies (one per question of the message) in turn."""
    return [piece for reply in answer.replies for piece in pieces(render(reply), keyboard(reply))]


async def send(
    context: Context, target: Target, texts: list[str], markup: InlineKeyboardMarkup | None = None
) -> list[int]:
    """Send HTML messages in order; the first replies to the question, the last carries the buttons."""
    return await send_pieces(context, target, pieces(texts, markup))


async def send_pieces(context: Context, target: Target, sent: list[Piece]) -> list[int]:
    """Send each piece in order, retried on transient faults; returns their message ids.

    A group upgraded to a supergroup meanwhile (an admin made it public, say) has a new id, which
    Telegram gives in its refusal: the pieces go there, without quoting (the question's id was the
    old group's), and so does every later reply to the old group. The question stays
    in the old group under its old ids (the supergroup is another chat, numbering its messages
    anew), and its members can no longer edit it there: the answer is remembered under the
    question's own ids, which name another message in the supergroup. Told of the upgrade already
    (`adapters.tg.upgrades`), the pieces go to the supergroup at once."""
    ids = []
    for piece in sent:
        if (moved := moved_to(context, target.chat_id)) is not None:
            target = Target(chat_id=moved)
        try:
            message = await _send_piece(context, target, piece)
        except ChatMigrated as exc:
            target = Target(chat_id=upgraded(context, target.chat_id, exc))
            message = await _send_piece(context, target, piece)
        ids.append(message.message_id)
    return ids


async def _send_piece(context: Context, target: Target, piece: Piece) -> Message:
    quoted = target.reply_to if piece.quotes or target.threaded else None
    reply = ReplyParameters(quoted, allow_sending_without_reply=True) if quoted else None
    call = functools.partial(
        context.bot.send_message,
        chat_id=target.chat_id,
        text=piece.text,
        parse_mode=ParseMode.HTML,
        message_thread_id=target.thread_id,
        reply_parameters=reply,
        reply_markup=piece.markup,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    return await send_with_retries(call, retry_policy(context), what=f"sending to chat {target.chat_id}")


async def edit(context: Context, target: Target, message_id: int, piece: Piece) -> int:
    """Make a message the bot sent read as `piece`; returns its id, or the id of the message sent in
    its place when it cannot be edited any more (someone deleted it, or it stays in a group upgraded
    to a supergroup meanwhile: the new reading goes to the supergroup)."""
    if moved_to(context, target.chat_id) is not None:
        return (await send_pieces(context, target, [piece]))[0]
    call = functools.partial(
        context.bot.edit_message_text,
        piece.text,
        chat_id=target.chat_id,
        message_id=message_id,
        parse_mode=ParseMode.HTML,
        reply_markup=piece.markup,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    try:
        await send_with_retries(call, retry_policy(context), what=f"editing message {message_id}")
    except ChatMigrated as exc:
        upgraded(context, target.chat_id, exc)
        return (await send_pieces(context, target, [piece]))[0]
    except BadRequest as exc:
        if "not modified" in exc.message:
            return message_id
        log.info("could not edit message %s in chat %s (%s): sending it anew", message_id, target.chat_id, exc.message)
        return (await send_pieces(context, target, [piece]))[0]
    return message_id


async def delete(context: Context, chat_id: int, message_id: int) -> None:
    """Delete a message the bot sent; best effort (one already gone is no failure, nor one left in a
    group upgraded to a supergroup, which takes no more calls)."""
    if moved_to(context, chat_id) is not None:
        log.info("could not delete message %s in chat %s: it became a supergroup", message_id, chat_id)
        return
    call = functools.partial(context.bot.delete_message, chat_id=chat_id, message_id=message_id)
    try:
        await send_with_retries(call, retry_policy(context), what=f"deleting message {message_id}")
    except (BadRequest, ChatMigrated) as exc:
        if isinstance(exc, ChatMigrated):
            upgraded(context, chat_id, exc)
        log.info("could not delete message %s in chat %s: %s", message_id, chat_id, exc.message)


async def send_text(context: Context, target: Target, text: str) -> None:
    await send(context, target, html_messages([(text, None)]))


def asker_of(message: Message, **extra: Any) -> Asker:
    """Who sent `message` and where, as the core knows them: a message posted as a channel is the
    channel's, and one posted as the group (an anonymous admin) the group's anonymous admins', not
    `from_user`'s, which is then one of Telegram's placeholder bots, the same in every group (their
    cooldown would be shared). The chat's own limit holds for them as for everyone there."""
    user_id: int | str
    if message.sender_chat is not None and message.sender_chat.id == message.chat_id:
        # the group's anonymous admins; not the chat's own id, which the core reads as a private chat
        user_id = f"{message.chat_id}:anonymous"
    elif message.sender_chat is not None:
        user_id = message.sender_chat.id
    else:
        user_id = message.from_user.id if message.from_user else message.chat_id
    extra.setdefault("language", (message.from_user.language_code if message.from_user else None) or "")
    return Asker(platform=PLATFORM, user_id=str(user_id), chat_id=str(message.chat_id), **extra)


async def within_budget(service: Service, context: Context, message: Message) -> bool:
    """Whether a reply to `message` may go out now (the core's per-user and per-chat budget).

    Over it, the cooldown note goes instead when the core says to tell, else nothing: help,
    sources, usage lines and refusals cost the same budget as answers.
    """
    throttled = await in_thread(service.throttle, asker_of(message))
    if throttled is None:
        return True
    if not throttled.silent:
        await send(context, Target.for_message(message), render(throttled))
    return False


async def acknowledge(context: Context, query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press, so that its spinner stops (`text` shows as a toast); best effort.

    The answer is retried like a send, but briefly: Telegram takes it only for some seconds
    (`for_callback_answer`). A refusal ("query is too old") is not retried; a press that could
    not be answered is one WARNING, and what the press does goes on all the same.
    """
    call = functools.partial(query.answer, text)
    try:
        await send_with_retries(call, for_callback_answer(retry_policy(context)), what=f"answering press {query.id}")
    except TelegramError as exc:
        reason = exc.message if isinstance(exc, BadRequest) else type(exc).__name__  # others might hold the token
        log.warning("could not answer button press %s: %s", query.id, reason)


def chat_of(update: object) -> Hashable | None:
    """The chat an update belongs to; a member's inline queries, which have none, are theirs
    (`("inline", user id)`) and wait for each other; None for other updates without a chat."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    if isinstance(update, Update) and update.inline_query is not None:
        return ("inline", update.inline_query.from_user.id)
    return None


class ChatOrderProcessor(BaseUpdateProcessor):
    """Concurrent across chats, one update at a time within a chat, in arrival order.

    python-telegram-bot starts one task per update, in arrival order, and each reaches
    `do_process_update` without waiting; `KeyedOrder` serves each chat first come, first served.
    `max_concurrent_updates` bounds the updates in progress or waiting for their chat, and
    `per_chat` those of one chat: a chat's updates beyond it are dropped (one log line), so that
    a flooding group never holds the slots other chats need. An update that needs no reply
    (`needs_turn` says so: a group's chatter, not addressed to the bot) takes no place in its
    chat's queue: it is handled at once, and silently.
    """

    def __init__(self, max_concurrent_updates: int = 4096, per_chat: int = 256):
        super().__init__(max_concurrent_updates)
        self._order = KeyedOrder(per_chat, platform=PLATFORM)
        self._newest: dict[Hashable, int] = {}  # a member's inline queries: the last one arrived
        self.needs_turn: Callable[[object], bool] = lambda update: True  # set once the bot is built

    def superseded(self, update: Update) -> bool:
        """Whether a newer inline query of the same member came after this one: a query a
        keystroke, and Telegram shows only the last one's results."""
        return self._newest.get(chat_of(update), update.update_id) != update.update_id

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat_id = chat_of(update)
        if chat_id is None or not self.needs_turn(update):
            await coroutine
            return
        query = update.update_id if isinstance(update, Update) and update.inline_query is not None else None
        if query is not None:  # the newest by its id: behind a webhook, queries can arrive out of order
            self._newest[chat_id] = max(query, self._newest.get(chat_id, query))
        try:
            await self.in_turn(chat_id, coroutine, bounded=query is None)
        finally:
            if query is not None and self._newest.get(chat_id) == query:
                del self._newest[chat_id]  # the member's last query done: nothing kept

    async def in_turn(self, chat_id: Hashable, coroutine: Awaitable[Any], *, bounded: bool = True) -> None:
        """Run `coroutine` in the chat's turn; past the chat's bound it is dropped, unless not
        `bounded`: a member's inline queries, of which the newest must be answered, and every one
        it overtook returns at once (`superseded`)."""
        if bounded and not self._order.admit(chat_id):
            if isinstance(coroutine, Coroutine):
                coroutine.close()  # never started: nothing to clean up, no "never awaited" warning
            return
        async with self._order.turn(chat_id):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class QuietRequest(HTTPXRequest):
    """`HTTPXRequest` whose answer that is not JSON fails the request quietly.

    The stock `parse_json_payload` logs an ERROR with a traceback before raising, which for a
    proxy's HTML error page during an outage would flood the log on every retry; the request
    still fails (a 5xx becomes `NetworkError`), and is retried and logged at WARNING by its caller.
    """

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        try:
            decoded = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise TelegramError("Invalid server response") from None
        if not isinstance(decoded, dict):
            raise TelegramError("Invalid server response")
        return decoded
