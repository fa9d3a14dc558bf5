"""The Telegram update handlers: an update in, one call on the core, the rendered Answer out.

Private chats: every text message (or a photo's or a file's caption) is a question; a photo or a
file without one gets a note that the bot opens no files. Groups: the bot answers only when
addressed (`@BotName question`, a reply to one of its messages, or `/ask question`) and stays
silent otherwise. The core decides everything else (what to answer, whether
the asker is over a limit and is to be told, whether a moderator may); blocking core calls go
through `in_thread`. What a message asks the bot is read in `adapters.tg.asking`.
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, TypeAlias

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from adapters.platform import in_thread
from adapters.tg.albums import Albums
from adapters.tg.asking import asked_in, for_another_bot, text_of
from adapters.tg.commandforms import USAGE
from adapters.tg.deliver import (
    GROUP_TYPES,
    PLATFORM,
    ChatOrderProcessor,
    Target,
    acknowledge,
    asker_of,
    for_callback_answer,
    not_allowed,
    retry_policy,
    send,
    send_text,
    send_with_retries,
    token_revoked,
    transient,
    within_budget,
)
from adapters.tg.links import linked_passage
from adapters.tg.moderation import moderation_asker, on_moderation
from adapters.tg.render import INLINE_CACHE_SECONDS, INLINE_RESULTS, RefTable, inline_result, keyboard, render
from adapters.tg.replies import Replies
from adapters.tg.shared import SHARED, on_shared
from adapters.tg.upgrades import on_upgraded
from bot import Answer, Asker, Outcome, Service, messages

log = logging.getLogger(__name__)


App: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"
Context = ContextTypes.DEFAULT_TYPE


class _Forwarded(filters.MessageFilter):
    """A forwarded message: `forward_origin` (Bot API 7), the `forward_date` of older servers, or a
    channel post forwarded automatically into its discussion group."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        legacy = message.api_kwargs.get("forward_date") or message.api_kwargs.get("forward_from")
        return bool(message.forward_origin or legacy or message.is_automatic_forward)


FORWARDED = _Forwarded(name="forwarded")
# What a member sends that the bot cannot open: a photo, a file, a video, a recording (a round video too).
FILES = (
    filters.PHOTO
    | filters.Document.ALL
    | filters.VIDEO
    | filters.AUDIO
    | filters.VOICE
    | filters.VIDEO_NOTE
    | filters.ANIMATION
)


class Seen:
    """Keys seen lately (a message's), the oldest forgotten past `size`: to do a thing once for what
    Telegram sends in several updates (a command edited several times; an album is `Albums`')."""

    def __init__(self, size: int = 512) -> None:
        self._seen: OrderedDict[Hashable, None] = OrderedDict()
        self._size = size

    def first(self, key: Hashable) -> bool:
        """Whether `key` is seen here for the first time (then remembered)."""
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


class Handlers:
    """The update handlers, holding the core they call."""

    def __init__(self, service: Service):
        self.service = service
        self.refs = RefTable()
        self.replies = Replies(service)  # what each recent question got, for its edits
        self.seen = Seen()  # the edited commands seen lately
        self.albums = Albums()  # an album's note, once all its parts have come

    def install(self, app: App) -> None:
        only_messages = filters.UpdateType.MESSAGE
        # A command in a forwarded message is someone else's words: it is never run (a moderator
        # forwarding "/kb_remove parking" must not remove it under their name).
        commands = only_messages & ~FORWARDED
        app.add_handler(CommandHandler("start", self.on_start, filters=commands))
        app.add_handler(CommandHandler("help", self.on_help, filters=commands))
        app.add_handler(CommandHandler("sources", self.on_sources, filters=commands))
        app.add_handler(CommandHandler("ask", self.on_question, filters=commands))
        moderation = functools.partial(on_moderation, self.service)
        app.add_handler(CommandHandler(list(USAGE), moderation, filters=commands))
        # A forwarded message in a group is someone else's words too, and a channel's post forwarded
        # into its discussion group ("Questions? Ask @QABot") is no member's question: not answered.
        # In a private chat a member forwards what they want answered. A screenshot's caption asks as a text does.
        asking = filters.TEXT | filters.CAPTION
        texts = only_messages & asking & ~filters.COMMAND & ~(FORWARDED & ~filters.ChatType.PRIVATE)
        app.add_handler(MessageHandler(texts, self.on_question))
        private_commands = commands & filters.COMMAND & filters.ChatType.PRIVATE
        app.add_handler(MessageHandler(private_commands, self.on_unknown_command))  # after every known command
        files_alone = only_messages & FILES & ~filters.CAPTION & filters.ChatType.PRIVATE  # in a group: silence
        app.add_handler(MessageHandler(files_alone, self.on_file))
        stickers = only_messages & (filters.Sticker.ALL | filters.Dice.ALL) & filters.ChatType.PRIVATE  # group: silence
        app.add_handler(MessageHandler(stickers, self.on_sticker))
        shared = only_messages & SHARED & filters.ChatType.PRIVATE  # a location, a contact, a poll; group: silence
        app.add_handler(MessageHandler(shared, functools.partial(on_shared, self.service)))
        # An edited question gets its answer edited (see adapters.answered); an edited command is never run again;
        # a photo whose caption is removed asks nothing any more. A channel's post forwarded into its discussion
        # group is edited there with the post: still no question.
        edits = (
            filters.UpdateType.EDITED_MESSAGE
            & (filters.TEXT | filters.CAPTION | FILES)
            & ~(FORWARDED & ~filters.ChatType.PRIVATE)
        )
        app.add_handler(MessageHandler(edits, self.on_edited))
        app.add_handler(MessageHandler(only_messages & filters.StatusUpdate.MIGRATE, on_upgraded))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(InlineQueryHandler(self.on_inline))
        app.add_error_handler(self.on_error)

    async def on_help(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or for_another_bot(message, context.bot):  # as /start, /sources
            return
        if not await within_budget(self.service, context, message):
            return
        language = language_of(update)
        with messages.speaking(messages.choose(language)):
            if message.chat.type in GROUP_TYPES:
                how = messages.how_to_ask_in_group(context.bot.username)
            else:
                how = messages.say(messages.HOW_TO_ASK_PRIVATE)
                if await in_thread(self.service.is_moderator, asker_of(message)):  # their menu has them too
                    listed = " ".join(f"/{command}" for command in USAGE)
                    how += f"\n\n{messages.say(messages.MODERATOR_COMMANDS)} {listed}"
        await send_text(context, Target.for_message(message), f"{self.service.help_text(language)}\n\n{how}")

    async def on_start(self, update: Update, context: Context) -> None:
        """/start: the welcome (the help); from a start link naming a live passage (t.me/QABot?start=parking,
        `adapters.tg.links`), that passage's answer, as a question's would be (its payload had been ignored).
        Any other payload gets the welcome: a link to a passage removed since is no error. In a group, a bare
        /start replying to another bot's message is that bot's (`for_another_bot`): no reply."""
        message = update.effective_message
        if message is not None and for_another_bot(message, context.bot):  # another bot's: left to it
            return
        passage_id = linked_passage(message.text or "") if message is not None else None
        if message is None or passage_id is None or self.service.passage(passage_id) is None:
            await self.on_help(update, context)
            return
        # linked: no topic chosen for a question the bot could not answer; counted in kb stats as a link opened
        answer = await in_thread(self.service.choose, passage_id, asker_of(message), linked=True)
        if answer.outcome is Outcome.GONE:  # removed since the look-up above
            await self.on_help(update, context)
        elif not answer.silent:  # the answer, or the cooldown note
            await send(context, Target.for_message(message), render(answer), keyboard(answer))

    async def on_sources(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or for_another_bot(message, context.bot):
            return
        if await within_budget(self.service, context, message):
            await send_text(context, Target.for_message(message), self.service.sources_text(language_of(update)))

    async def usage(self, message: Message, context: Context) -> None:
        """How to ask, within the member's budget."""
        if await within_budget(self.service, context, message):
            language = (message.from_user.language_code or "") if message.from_user else ""
            usage = messages.say(messages.ASK_USAGE, messages.choose(language))
            await send_text(context, Target.for_message(message), usage)

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        """A /command the bot does not have, in a private chat: one line pointing to /help (groups: silence)."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        _, at, username = message.text.split(maxsplit=1)[0].partition("@")
        if at and username.casefold() != context.bot.username.casefold():
            return  # meant for another bot
        if await within_budget(self.service, context, message):  # as /help: 200 of them got 200 replies
            text = messages.say(messages.UNKNOWN_COMMAND, messages.choose(language_of(update)))
            await send_text(context, Target.for_message(message), text)

    async def on_file(self, update: Update, context: Context) -> None:
        """A photo or a file sent without a caption in a private chat: the note that the bot opens no
        links or files (it had got no reply at all), within the member's budget; for an album (several
        photos sent at once, one message each), one note once all its photos have come, and none when
        the caption of any of them asked (see `Albums`)."""
        message = update.effective_message
        if message is None:
            return
        if message.media_group_id is not None:
            self.albums.note_once(update, context, functools.partial(self._no_files, message, update, context))
        else:
            await self._no_files(message, update, context)

    async def on_sticker(self, update: Update, context: Context) -> None:
        """A sticker in a private chat, asked as its emoji, as a typed emoji is (a 👍 after an answer gets
        "You're welcome!"; it had got nothing at all); one without an emoji as a smile. A dice thrown (🎲, 🎯,
        🎰...) is its emoji too (it had got nothing either)."""
        message = update.effective_message
        if message is not None and message.sticker is not None:
            emoji = message.sticker.emoji or "🙂"
            await self.replies.answer(message, context, emoji, Target.for_message(message))
        elif message is not None and message.dice is not None:
            await self.replies.answer(message, context, message.dice.emoji, Target.for_message(message))

    async def _no_files(self, message: Message, update: Update, context: Context) -> None:
        if await within_budget(self.service, context, message):
            note = messages.say(messages.LINK_ALONE, messages.choose(language_of(update)))
            await send_text(context, Target.for_message(message), note)

    async def on_question(self, update: Update, context: Context) -> None:
        """`/ask`, or a text: the question it asks the bot answered; one that calls on the bot but asks
        nothing gets the usage line; anything else, silence (see `asked_in`)."""
        message = update.effective_message
        if message is None or (message.text is None and message.caption is None):
            return
        self.albums.asked(message)  # a captioned photo of an album: its other photos ask nothing more
        asked = asked_in(message, context.bot)
        if asked is None:
            return
        if asked.question is None:
            await self.usage(message, context)
        else:
            await self.replies.answer(message, context, asked.question, asked.target)

    async def on_edited(self, update: Update, context: Context) -> None:
        """A question edited within the window: its answer edited to the new one, or deleted when the
        message no longer asks the bot (see adapters.answered). Over the asker's limit, the answer stays."""
        message = update.edited_message
        if message is None or await self._edited_command(message, context):
            return
        if not self.replies.answered.follows(message.date):
            return
        asked = asked_in(message, context.bot)
        question, target = (asked.question, asked.target) if asked is not None else (None, None)
        pointed = text_of(message) or None  # None: a photo whose caption was removed asks nothing
        if question is None and await self.replies.follow_pointed(message, context, pointed):
            return  # a question someone pointed the bot at, edited by its asker: its answer follows
        await self.replies.follow(message, context, question, target)

    async def _edited_command(self, message: Message, context: Context) -> bool:
        """Whether `message` is a /kb_* command edited: it is not run again (docs/telegram.md), and its
        sender, a moderator, is told so once for that message, to send it anew: their fix is not lost in
        silence. Anyone else was refused the command already: no reply."""
        opening = [e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0]
        if not opening:
            return False
        command, _, username = message.parse_entity(opening[0])[1:].partition("@")
        if command.lower() not in USAGE or (username and username.casefold() != context.bot.username.casefold()):
            return False
        if not self.seen.first(("edited", message.chat_id, message.message_id)):
            return True
        asker = await moderation_asker(self.service, message, context)
        if asker is not None and await in_thread(self.service.is_moderator, asker):
            with messages.speaking(messages.choose(asker.language)):
                told = messages.edited_command(f"/{command.lower()}")
            await send_text(context, Target.for_message(message), told)
        return True

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        kind, _, rest = (query.data or "").partition(":")
        chat_id = query.message.chat.id if query.message else query.from_user.id
        language = query.from_user.language_code or ""
        asker = Asker(platform=PLATFORM, user_id=str(query.from_user.id), chat_id=str(chat_id), language=language)
        if kind == "v" and rest[:2] in ("+:", "-:"):
            passage_id = self.refs.resolve(rest[2:], self.service.passages())
            await in_thread(self.service.vote, passage_id, rest[0] == "+", asker)
            await acknowledge(context, query, messages.say(messages.THANKS, messages.choose(language)))
        elif kind in ("p", "r") and rest:  # a topic offered, or "Read on ▸" (no topic chosen for a gap)
            passage_id = self.refs.resolve(rest, self.service.passages())
            answer = await in_thread(self.service.choose, passage_id, asker, reading_on=kind == "r")
            await self._pressed_suggestion(query, context, answer)
        else:
            await acknowledge(context, query)

    async def _pressed_suggestion(self, query: CallbackQuery, context: Context, answer: Answer) -> None:
        """Answer the callback query (so the button stops spinning), then send the chosen passage.

        Throttled or gone, the press gets the core's text as a toast (or, when silent, just its answer).
        """
        if answer.outcome in (Outcome.THROTTLED, Outcome.GONE):
            await acknowledge(context, query, None if answer.silent else answer.text)
            return
        await acknowledge(context, query)
        shown = query.message
        if shown is None:  # a button on an inline-mode message: there is no chat to answer in
            return
        if isinstance(shown, Message):  # in its forum topic, or every message a reply into its comment thread
            target = Target.for_message(shown)
        else:  # too old for Telegram to say more of it than its chat and id
            target = Target(shown.chat.id, reply_to=shown.message_id if shown.chat.type in GROUP_TYPES else None)
        await send(context, target, render(answer), keyboard(answer))

    async def on_inline(self, update: Update, context: Context) -> None:
        """An inline query (`@QABot membership fee` typed in any chat, once inline mode is on in
        @BotFather): the passages that match it best, each to send as the bot would answer. A
        search, not a question: no cooldown, nothing recorded; the answer goes once, retried briefly
        (Telegram takes it only for some seconds)."""
        query = update.inline_query
        processor = context.application.update_processor
        if query is None or (isinstance(processor, ChatOrderProcessor) and processor.superseded(update)):
            return  # a newer query of the member's waits: this one's results would never be shown
        found = await in_thread(self.service.search, query.query, INLINE_RESULTS)
        call = functools.partial(query.answer, [inline_result(a) for a in found], cache_time=INLINE_CACHE_SECONDS)
        try:
            await send_with_retries(
                call, for_callback_answer(retry_policy(context)), what=f"answering query {query.id}"
            )
        except TelegramError as exc:
            log.warning("could not answer inline query %s: %s", query.id, getattr(exc, "message", type(exc).__name__))

    async def on_error(self, update: object, context: Context) -> None:
        """The one error handler: the log gets the traceback, the user a short apology.

        A reply that could not be sent even after its retries, or to a chat where the bot may not
        write (it was blocked, or its right to send taken away), gets one line and no apology (it
        could not be sent either); a token Telegram refuses stops the bot (`token_revoked`).
        """
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        if isinstance(error, InvalidToken):  # revoked with @BotFather: the bot stops, saying so in one line
            log.debug("Telegram update %s: the token was refused", update_id)
            token_revoked(context)
            return
        if isinstance(error, TelegramError) and not_allowed(error):
            log.warning("Telegram update %s: not allowed to reply (%s)", update_id, error.message)
            return
        if error is not None and transient(error) is not None:
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
            await send_text(context, target, messages.say(messages.APOLOGY, messages.choose(language_of(update))))
        except TelegramError as exc:
            log.warning("could not send the apology to chat %s: %s", target.chat_id, type(exc).__name__)


def language_of(update: object) -> str:
    """The sender's Telegram language_code ("ko", "en"), which picks the language of the bot's sentences."""
    user = update.effective_user if isinstance(update, Update) else None
    return (user.language_code or "") if user is not None else ""
