"""The Telegram adapter's main module: build the python-telegram-bot Application, run it, stop it.

Shaped like python-telegram-bot's own examples: the handlers (`adapters.tg.handlers`) are added
to one Application, which long-polls by default, or takes a webhook when TELEGRAM_WEBHOOK_URL is
set. Settings come from `adapters.tg.settings`, the token only from the environment; it is never
logged. How replies get out is `adapters.tg.deliver`, what they look like `adapters.tg.render`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Mapping

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder

from adapters.delivery import RetryPolicy
from adapters.platform import StartupError, TokenRevoked
from adapters.tg.application import UnpersistedApplication
from adapters.tg.asking import needs_turn
from adapters.tg.deliver import PLATFORM, TOKEN_REVOKED, ChatOrderProcessor, QuietRequest, send_with_retries
from adapters.tg.handlers import App, Handlers
from adapters.tg.moderation import MODERATION_COMMANDS
from adapters.tg.polling import POLLS, PollRequest, stop_polling
from adapters.tg.settings import Settings
from adapters.tg.webhook import Receiver
from bot import Service, messages

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL, and URLs hold the token

COMMANDS = (
    BotCommand("start", messages.N_("What I can answer and how to ask")),
    BotCommand("help", messages.N_("What I can answer and how to ask")),
    BotCommand("ask", messages.N_("Ask a question: /ask your question")),
    BotCommand("sources", messages.N_("Where my answers come from")),
)
BOOTSTRAP_RETRIES = 5  # deleteWebhook when polling starts, about 1, 1.5, 2.3... s apart


def build_application(service: Service, settings: Settings) -> App:
    """The python-telegram-bot Application with our handlers and flood control."""
    limiter = AIORateLimiter(
        overall_max_rate=settings.rate_limit,
        group_max_rate=settings.group_rate_limit,
        max_retries=settings.max_retries,
    )
    timeout = settings.request_timeout
    processor = ChatOrderProcessor()
    polls = PollRequest(read_timeout=timeout, write_timeout=timeout)
    builder = (
        ApplicationBuilder()
        .application_class(UnpersistedApplication)  # no persistence: no chat or member kept for one
        .token(settings.token)
        .rate_limiter(limiter)
        .concurrent_updates(processor)
        .request(QuietRequest(connection_pool_size=256, read_timeout=timeout, write_timeout=timeout))
        .get_updates_request(polls)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    app = builder.build()
    processor.needs_turn = functools.partial(needs_turn, bot=app.bot)  # a group's chatter waits for nothing
    app.bot_data["retry"] = settings.retry
    app.bot_data[TOKEN_REVOKED] = asyncio.Event()
    app.bot_data[POLLS] = polls
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
    receiver = Receiver(app, settings) if settings.webhook_url else None
    try:
        if receiver is not None:  # listening before the webhook is registered: a port taken (a second
            await receiver.start()  # owner started by mistake) must not re-register it with its secret
        if settings.webhook_owner:
            await _set_commands(app, service, settings.retry)  # the owner sets the menu, as it sets the webhook
            await _start_updates(app, settings)
        await app.start()
        log.info("Telegram bot @%s is running (%s)", app.bot.username, _mode(settings))
        await _until_stopped_or_revoked(stop, app.bot_data[TOKEN_REVOKED])
    finally:
        if receiver is not None:
            await receiver.stop()
        if app.updater is not None and app.updater.running:  # a 401 is said already, by _until_stopped_or_revoked
            await stop_polling(app.updater, app.bot_data[POLLS])
        if app.running:
            await app.stop()
        await app.shutdown()
        log.info("Telegram bot stopped")


def _mode(settings: Settings) -> str:
    if not settings.webhook_url:
        return "polling"
    return "webhook" if settings.webhook_owner else "webhook worker, not the owner"


POLLING_TASK = "Updater:start_polling:polling_task"  # the name python-telegram-bot gives its polling loop


async def _until_stopped_or_revoked(stop: asyncio.Event, refused: asyncio.Event) -> None:
    """Wait for `stop`; raise TokenRevoked if Telegram refuses the token first (401): polling ends on
    it (PTB then stops polling for good), or a handler's call was refused (`refused`, set by the
    error handler: behind a webhook, updates still come, and no reply can go out)."""
    polling = next((t for t in asyncio.all_tasks() if t.get_name() == POLLING_TASK), None)  # None: a webhook
    waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(refused.wait())}
    try:
        await asyncio.wait(waits | ({polling} if polling else set()), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
    if (
        polling is not None
        and polling.done()
        and not polling.cancelled()
        and isinstance(polling.exception(), InvalidToken)
    ):
        refused_by = "getUpdates"
    elif refused.is_set():
        refused_by = "a reply"
    else:
        return
    raise TokenRevoked(
        f"Telegram no longer accepts TELEGRAM_BOT_TOKEN (401 Unauthorized from {refused_by}): revoked or "
        "replaced with @BotFather? Set the new token"
    )


class _NoTokenTraceback(logging.Filter):
    """PTB logs a 401 while polling with a traceback; the bot says it in one line instead (TokenRevoked)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InvalidToken))


logging.getLogger("telegram.ext").addFilter(_NoTokenTraceback())  # where PTB's polling loop logs


class _RateLimitGivenUp(logging.Filter):
    """`AIORateLimiter` logs an ERROR with a traceback when it gives up on a 429 after TELEGRAM_MAX_RETRIES,
    and raises: the caller says what was lost (the error handler's "reply lost" line), so it is a WARNING here."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], RetryAfter):
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_RateLimitGivenUp())


class _PulledAtStop(logging.Filter):
    """PTB logs CRITICAL when a long poll returns updates after its Updater was told to stop (a busy
    chat's backlog at shutdown). Nothing is lost: they were not confirmed, Telegram sends them again
    at the next start. It is an INFO line here, so that a clean stop does not page an operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.CRITICAL and record.getMessage().startswith("Updater stopped unexpectedly"):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


logging.getLogger("telegram.ext.Updater").addFilter(_PulledAtStop())


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
    except RetryAfter:  # the rate limiter waited out TELEGRAM_MAX_RETRIES of them already
        await app.bot.request.shutdown()
        raise StartupError(
            "Telegram kept refusing to log in (getMe) with 429 Too Many Requests, past TELEGRAM_MAX_RETRIES: "
            "start the bot again later"
        ) from None
    except NetworkError as exc:
        await app.bot.request.shutdown()
        where = settings.base_url or "api.telegram.org"
        raise StartupError(f"cannot reach the Telegram Bot API at {where}: {type(exc).__name__}") from None


async def _set_commands(app: App, service: Service, policy: RetryPolicy) -> None:
    """The public menu for everyone; the moderation commands too, but only in each moderator's private chat.

    The menu is a convenience, not a permission: the core checks every command whoever sends it.
    """
    for language in messages.LANGUAGES:  # Telegram shows a user the menu of their language, else the English
        code = None if language == "en" else language
        try:
            menu = functools.partial(app.bot.set_my_commands, in_language(COMMANDS, language), language_code=code)
            await send_with_retries(menu, policy, what="setting the menu")
        except TelegramError as exc:  # the bot answers without a menu; the next start sets it again
            log.warning("could not set the command menu (%s): %s", language, type(exc).__name__)
    for user_id in sorted(service.moderator_ids(PLATFORM)):
        for language in messages.LANGUAGES:  # a chat's menu hides the default one, of any language: both
            scoped = in_language(COMMANDS + MODERATION_COMMANDS, language)
            try:
                await app.bot.set_my_commands(
                    scoped,
                    scope=BotCommandScopeChat(int(user_id)),
                    language_code=None if language == "en" else language,
                )
            except (TelegramError, ValueError) as exc:  # e.g. a moderator who never opened a chat with the bot
                log.warning("no moderation menu for Telegram user %s: %s", user_id, type(exc).__name__)
                break


def in_language(commands: tuple[BotCommand, ...], language: str) -> tuple[BotCommand, ...]:
    """The menu's commands with their descriptions in `language` (the catalogue's)."""
    return tuple(BotCommand(c.command, messages.say(c.description, language)) for c in commands)


async def _start_updates(app: App, settings: Settings) -> None:
    """The owner's way in: register the webhook (its POSTs are taken by the `Receiver`, as a worker's
    are: python-telegram-bot's own server would buffer a stranger's body of up to 100 MB before
    looking at the secret), or long-poll."""
    updater = app.updater
    if updater is None:
        raise StartupError("python-telegram-bot was built without an updater")
    if settings.webhook_url:
        register = functools.partial(
            app.bot.set_webhook,
            url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        try:
            await send_with_retries(register, settings.retry, what="registering the webhook (setWebhook)")
        except TelegramError as exc:  # the Bot API down through every retry, or a URL it refuses
            said = exc.message if isinstance(exc, BadRequest) else type(exc).__name__  # Telegram's reason, or the kind
            raise StartupError(f"could not register the webhook with Telegram (setWebhook): {said}") from None
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
