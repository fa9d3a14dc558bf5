"""`python -m adapters discord sync [--guild ID]`: register the slash commands, a deliberate step.

A guild sync shows the commands at once; a global one can take up to an hour, so it is not done
on every start.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping

import discord

from adapters.dc.client import QABot, login
from adapters.dc.settings import Settings
from adapters.platform import StartupError
from adapters.runner import EXIT_UNUSABLE
from bot import start_errors


def sync_main(argv: list[str], env: Mapping[str, str] | None = None) -> int:
    """Register the slash commands; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m adapters discord sync", description="register the slash commands")
    parser.add_argument("--guild", type=int, metavar="ID", help="sync to one server (instant) instead of globally")
    args = parser.parse_args(argv[1:] if argv[:1] == ["sync"] else argv)  # with or without the word "sync"
    env = os.environ if env is None else env
    if refused := start_errors(env, ["discord"]):  # as `run` does: a malformed token is not sent to Discord
        print("\n".join(f"error: {reason}" for reason in refused), file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        settings = Settings.from_env(env)
        count = asyncio.run(_sync(settings, args.guild))
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except discord.HTTPException as exc:
        print(f"error: Discord refused the command sync: HTTP {exc.status}", file=sys.stderr)
        return 1
    where = f"to server {args.guild}" if args.guild else "globally (they can take up to an hour to appear)"
    print(f"synced {count} slash commands {where}")
    return 0


async def _sync(settings: Settings, guild_id: int | None) -> int:
    client = QABot(None, settings)
    async with client:
        await login(client, settings.token)
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            client.tree.copy_global_to(guild=guild)
        synced = await client.tree.sync(guild=guild)
    return len(synced)
