"""The Telegram adapter's settings: every TELEGRAM_* environment variable, with defaults that work.

The token is only ever read here and handed to python-telegram-bot; it is never logged.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from adapters.runner import StartupError
from adapters.telegram_delivery import RetryPolicy


@dataclass(frozen=True)
class Settings:
    """Everything the adapter reads from the environment, with defaults that work."""

    token: str
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
    webhook_secret: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read TELEGRAM_* variables; raises StartupError naming a bad one."""
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
        secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or secrets.token_urlsafe(32)
        if not all(ch.isalnum() or ch in "_-" for ch in secret) or len(secret) > 256:
            raise StartupError("TELEGRAM_WEBHOOK_SECRET: use 1-256 characters A-Z, a-z, 0-9, _ and -")
        path = env.get("TELEGRAM_WEBHOOK_PATH", "").strip()
        if webhook_url and not path:
            path = urlsplit(webhook_url).path
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or None,
            poll_timeout=_int(env, "TELEGRAM_POLL_TIMEOUT", 10),
            max_retries=_int(env, "TELEGRAM_MAX_RETRIES", 3),
            request_timeout=_number(env, "TELEGRAM_REQUEST_TIMEOUT", 5.0),
            send_attempts=max(1, _int(env, "TELEGRAM_SEND_ATTEMPTS", 6)),
            retry_delay=_number(env, "TELEGRAM_RETRY_DELAY", 1.0),
            rate_limit=_number(env, "TELEGRAM_RATE_LIMIT", 30.0),
            group_rate_limit=_number(env, "TELEGRAM_GROUP_RATE_LIMIT", 20.0),
            webhook_url=webhook_url,
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "").strip() or "0.0.0.0",
            webhook_port=_int(env, "TELEGRAM_WEBHOOK_PORT", 8443),
            webhook_path=path.strip("/"),
            webhook_secret=secret,
        )

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(attempts=self.send_attempts, first_delay=self.retry_delay)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise StartupError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise StartupError(f"{name} must not be negative")
    return value


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise StartupError(f"{name} must be a number, not {raw!r}") from None
    if not 0 <= value < float("inf"):
        raise StartupError(f"{name} must be a number of 0 or more")
    return value
