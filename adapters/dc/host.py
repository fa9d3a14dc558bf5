"""What the commands, buttons and forms need from the Discord client, without importing it.

The client (`adapters.dc.client.QABot`) holds the Service and runs every interaction's work
(`guarded`: tracked for a clean stop, failures logged and apologized for; `in_time`: blocking
core calls off the event loop, deferred when slow; `acknowledged`: any other wait, deferred so).
The modules that define commands and buttons reach it through this protocol, so that the client
can import them and not the reverse.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar, runtime_checkable

import discord

from adapters.answered import Answered
from bot import Answer, Asker, Service

T = TypeVar("T")
PLATFORM = "discord"


class Answers(Protocol):
    """The replies sent lately in channels (`adapters.dc.replies.Replies`), as "Answer this" uses them."""

    answered: Answered[int, Any]

    def answering(self, *asked: discord.Message | None) -> AbstractContextManager[None]: ...

    async def post(self, message: discord.Message, question: str, answer: Answer, *, key: tuple[int, int]) -> int: ...


@runtime_checkable
class Host(Protocol):
    @property
    def service(self) -> Service: ...

    @property
    def replies(self) -> Answers: ...

    async def guarded(self, interaction: discord.Interaction[Any], work: Awaitable[None]) -> None: ...

    async def in_time(
        self, interaction: discord.Interaction[Any], work: Callable[[], T], *, ephemeral: bool = False
    ) -> T: ...

    async def acknowledged(
        self, interaction: discord.Interaction[Any], work: Awaitable[T], *, ephemeral: bool, regardless: bool = False
    ) -> T: ...

    async def apologize(self, interaction: discord.Interaction[Any], error: BaseException) -> None: ...


def host(interaction: discord.Interaction[Any]) -> Host:
    client = interaction.client
    if not isinstance(client, Host):
        raise TypeError(f"interaction handled by {type(client).__name__}, not the QA bot")
    return client


def asker(user_id: int, channel: discord.abc.Snowflake | None, language: str = "") -> Asker:
    """Who asked, and where. A DM has only its member's own limit, not a channel's as well: the core
    reads a chat whose id is the user's as a private one (a Telegram private chat's is)."""
    private = getattr(channel, "type", None) is discord.ChannelType.private
    where = user_id if private else channel.id if channel is not None else ""
    return Asker(platform=PLATFORM, user_id=str(user_id), chat_id=str(where), language=language)


def language(interaction: discord.Interaction[Any]) -> str:
    """The user's Discord locale ("ko", "en-US"), which picks the language of the bot's sentences."""
    return str(getattr(interaction.locale, "value", interaction.locale) or "")


def interaction_asker(interaction: discord.Interaction[Any]) -> Asker:
    return asker(interaction.user.id, interaction.channel, language(interaction))
