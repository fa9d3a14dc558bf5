"""The Discord adapter's settings: every DISCORD_* environment variable, and the intents they ask for.

DISCORD_BOT_TOKEN (required), DISCORD_MESSAGE_CONTENT=1 (request the privileged Message Content
intent), DISCORD_SHARD_COUNT ("auto" or a number) and DISCORD_SHARD_IDS ("0,1"),
DISCORD_DEFER_AFTER (seconds before a slow slash command is deferred, default 2, at most 2.5),
DISCORD_GUILD_READY_TIMEOUT (seconds to wait for guilds at start, default 2), DISCORD_ANSWER_FORUMS
(forum channel ids whose every new post is answered without a mention: "1234,5678"). The numbers'
ranges and the lists' readers are the core's (`bot.environment`), which `doctor` checks too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import discord

from adapters.platform import StartupError
from adapters.settings import Env
from bot import read_answer_forums, read_shard_ids


@dataclass(frozen=True)
class Settings:
    """Everything the Discord adapter reads from the environment."""

    token: str = field(repr=False)
    message_content: bool = False
    sharded: bool = False
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    defer_after: float = 2.0
    guild_ready_timeout: float = 2.0
    answer_forums: frozenset[int] = frozenset()  # forum channels whose new posts are questions to the bot

    @classmethod
    def from_env(cls, values: Mapping[str, str]) -> Settings:
        """Read and check the settings; a bad value is a StartupError naming the variable."""
        env = Env(values)
        token = env.text("DISCORD_BOT_TOKEN")
        if not token:
            raise StartupError("DISCORD_BOT_TOKEN is not set")
        count_text = env.text("DISCORD_SHARD_COUNT").lower()
        count = None if count_text in ("", "auto") else env.whole("DISCORD_SHARD_COUNT", 1)
        ids = env.checked(read_shard_ids)
        return cls(
            token=token,
            message_content=env.yes_no("DISCORD_MESSAGE_CONTENT", False),
            sharded=bool(count_text),
            shard_count=count,
            shard_ids=ids,
            defer_after=env.number("DISCORD_DEFER_AFTER", 2.0),  # at most 2.5: Discord forgets it at 3 s (10062)
            guild_ready_timeout=env.number("DISCORD_GUILD_READY_TIMEOUT", 2.0),
            answer_forums=env.checked(read_answer_forums),
        )


def intents(settings: Settings) -> discord.Intents:
    """Only what the bot needs: guilds, guild and DM messages, and Message Content if configured.

    Without Message Content a bot still gets the content of DMs, of messages that mention it,
    and of slash-command options, which is all it answers.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = settings.message_content
    return wanted
