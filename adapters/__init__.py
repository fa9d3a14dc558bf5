"""Thin platform adapters: they turn a platform message into a call on the core's `Service` and its
Answer into a platform reply, and hold no retrieval or knowledge logic. They import only what
`bot/__init__.py` exports.

    platform    the Platform protocol, StartupError, `in_thread` (what runs off the event loop)
    runner      `run`: every platform whose token is set, on one Service, stopped cleanly
    cli         the full command line: the core's commands plus run, discord sync, bench
    delivery    ordered delivery per chat, retry with backoff and jitter (both platforms)
    settings    environment variables read with checks (both platforms)
    rendering   splitting and clipping text to a platform's limits (both platforms)
    tg/         Telegram (python-telegram-bot)
    dc/         Discord (discord.py)
"""
