"""The webhook's server: it takes Telegram's POSTs, checks the secret, and queues the updates.

python-telegram-bot's `Updater.start_webhook` always calls setWebhook (and its server is not public
API), so several workers behind one reverse proxy would each register the webhook at start; and its
server reads a body of up to 100 MB before it looks at the secret. Every instance in webhook mode
runs this small aiohttp server instead, the way PTB's "custom webhook" example does: it checks
Telegram's secret header before reading the body, reads at most `MAX_BODY`, turns the body into an
Update and puts it in the Application's update queue. One instance (the default) owns the webhook
and registers it; workers started with TELEGRAM_WEBHOOK_OWNER=no leave that to it.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update

from adapters.platform import StartupError
from adapters.tg.handlers import App
from adapters.tg.settings import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20  # an update is a few KB; Telegram's own limit on a message is 4096 characters


class Receiver:
    """The HTTP server: POST on the webhook path, with the secret, puts the update in the queue."""

    def __init__(self, app: App, settings: Settings) -> None:
        self._app = app
        self._settings = settings
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        server = web.Application(client_max_size=MAX_BODY)
        path = f"/{self._settings.webhook_path}"
        server.router.add_post(path, self._update)
        if path != "/":  # the URL registered may end in "/" or not (TELEGRAM_WEBHOOK_URL as the operator wrote it)
            server.router.add_post(f"{path}/", self._update)
        # lingering_time=0: a body left unread (a stranger's, refused) is not read on and thrown away
        # for up to 10 s after the reply, which a stop would wait for
        self._runner = web.AppRunner(server, access_log=None, lingering_time=0)
        await self._runner.setup()
        listen, port = self._settings.webhook_listen, self._settings.webhook_port
        try:
            await web.TCPSite(self._runner, listen, port).start()
        except (OSError, UnicodeError) as exc:  # the port taken (another instance), an address not of this
            # host, or no address at all ("127.0.0..1": the name codec refuses its empty label)
            said = exc.strerror if isinstance(exc, OSError) else str(exc)
            said = said or f"{type(exc).__name__} on {listen}:{port}"
            raise StartupError(
                f"the Telegram webhook server cannot listen (TELEGRAM_WEBHOOK_LISTEN, TELEGRAM_WEBHOOK_PORT): {said}"
            ) from None
        whose = "registered by this instance" if self._settings.webhook_owner else "setWebhook is another worker's"
        log.info("Telegram webhook server listening on port %d (%s)", port, whose)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")  # any bytes a stranger sends: compared as bytes
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._settings.webhook_secret.encode()):
            return web.Response(status=403)  # the body is never read
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self._app.bot)
        except web.HTTPException:  # a body over the size limit: aiohttp's own 413
            raise
        except Exception:  # whatever a malformed body raises (as PTB's own webhook handler does)
            log.warning("Telegram webhook: a body that is not an update was refused")
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        await self._app.update_queue.put(update)
        return web.Response()
