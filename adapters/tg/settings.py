"""The Telegram adapter's settings: every TELEGRAM_* environment variable, with defaults that work.

The token is only ever read here and handed to python-telegram-bot; it is never logged.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from adapters.delivery import RetryPolicy
from adapters.platform import StartupError
from adapters.settings import Env


@dataclass(frozen=True)
class Settings:
    """Everything the adapter reads from the environment, with defaults that work."""

    token: str = field(repr=False)
    base_url: str | None = None
    poll_timeout: int = 10
    max_retries: int = 3
    request_timeout: float = 5.0
    send_attempts: int = 6
    retry_delay: float = 1.0
    rate_limit: float = 30.0
    group_rate_limit: float = 20.0
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_path: str = ""
    webhook_secret: str = field(default="", repr=False)
    webhook_owner: bool = True  # False: a worker that takes updates and leaves setWebhook to another

    @classmethod
    def from_env(cls, values: Mapping[str, str]) -> Settings:
        """Read TELEGRAM_* variables; raises StartupError naming a bad one."""
        env = Env(values)
        webhook_url = env.text("TELEGRAM_WEBHOOK_URL") or None
        owner = env.yes_no("TELEGRAM_WEBHOOK_OWNER", True)
        if not owner and not (webhook_url and env.text("TELEGRAM_WEBHOOK_SECRET")):
            raise StartupError(
                "TELEGRAM_WEBHOOK_OWNER=no is for a webhook worker: set TELEGRAM_WEBHOOK_URL and the "
                "TELEGRAM_WEBHOOK_SECRET the owning worker registers"
            )
        secret = env.text("TELEGRAM_WEBHOOK_SECRET") or secrets.token_urlsafe(32)
        if not all(ch.isalnum() or ch in "_-" for ch in secret) or len(secret) > 256:
            raise StartupError("TELEGRAM_WEBHOOK_SECRET: use 1-256 characters A-Z, a-z, 0-9, _ and -")
        path = env.text("TELEGRAM_WEBHOOK_PATH")
        if webhook_url and not path:
            path = urlsplit(webhook_url).path
        return cls(
            token=env.text("TELEGRAM_BOT_TOKEN"),
            base_url=env.text("TELEGRAM_API_BASE_URL") or None,
            poll_timeout=env.whole("TELEGRAM_POLL_TIMEOUT", 10),
            max_retries=env.whole("TELEGRAM_MAX_RETRIES", 3),
            request_timeout=env.number("TELEGRAM_REQUEST_TIMEOUT", 5.0),
            send_attempts=max(1, env.whole("TELEGRAM_SEND_ATTEMPTS", 6)),
            retry_delay=env.number("TELEGRAM_RETRY_DELAY", 1.0),
            rate_limit=env.number("TELEGRAM_RATE_LIMIT", 30.0),
            group_rate_limit=env.number("TELEGRAM_GROUP_RATE_LIMIT", 20.0),
            webhook_url=webhook_url,
            webhook_listen=env.text("TELEGRAM_WEBHOOK_LISTEN", "0.0.0.0"),
            webhook_port=env.whole("TELEGRAM_WEBHOOK_PORT", 8443),
            webhook_path=path.strip("/"),
            webhook_secret=secret,
            webhook_owner=owner,
        )

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(attempts=self.send_attempts, first_delay=self.retry_delay)
