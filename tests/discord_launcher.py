"""Test only: run `python -m adapters ...` against a fake Discord, for tests that need a real process.

`python -m tests.discord_launcher API_BASE GATEWAY_URL run --knowledge DIR` points discord.py at
the fake (the same two attributes the in-process tests set) and then calls `adapters.cli.main`, so
signals, exit codes and logging are those of `python -m adapters run`.
"""

from __future__ import annotations

import sys

import discord.gateway
import discord.http
import yarl

from adapters import cli


def main(argv: list[str]) -> int:
    api_base, gateway_url, *args = argv
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
