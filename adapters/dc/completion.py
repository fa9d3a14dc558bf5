"""Autocomplete: which options the bot completes as a member types, and sending their choices.

discord.py sends an option's choices itself and logs any failure to as an ERROR with a traceback
("Ignoring exception in autocomplete"). One Discord refuses because it has forgotten the keystroke
that asked (404, Unknown interaction: answered after its 3 s, the bot held up in a burst) is routine:
a member typing asks at every key, each request supersedes the last, and Discord drops a stale one
of its own accord. So the options are registered here (`completes`, in place of
`app_commands.autocomplete`), the tree runs them (`commands.QATree`), and `offer` sends the
choices: a late one is a DEBUG line, any other failure the caller's ERROR. docs/discord.md says why.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import discord
from discord import app_commands

from adapters.dc.deliver import forgotten, too_late

Completer = Callable[[discord.Interaction[Any], str], Awaitable[list[app_commands.Choice[str]]]]
F = TypeVar("F", bound=Callable[..., Any])

CHOICES_LIMIT = 25  # Discord's limit on an autocomplete's choices

_REGISTERED = "qa_completers"  # the attribute of a command's function: its parameters' completers


def completes(**completers: Completer) -> Callable[[F], F]:
    """`app_commands.autocomplete` (the sync marks the options as completed), the completers kept on the
    command's function, by parameter, for `completer`."""

    def register(func: F) -> F:
        func.__dict__.setdefault(_REGISTERED, {}).update(completers)
        return app_commands.autocomplete(**completers)(func)  # type: ignore[arg-type]

    return register


def completer(command: app_commands.Command[Any, ..., Any], option: str | None) -> Completer | None:
    """What completes `command`'s option named `option` in Discord (a renamed parameter's new name), or None."""
    known: dict[str, Completer] = getattr(command.callback, _REGISTERED, {})
    return next((known.get(p.name) for p in command.parameters if p.display_name == option), None)


async def offer(interaction: discord.Interaction[Any], choices: Sequence[app_commands.Choice[str]]) -> None:
    """Send `choices` for what is being typed. Discord having forgotten the keystroke meanwhile is a
    DEBUG line; any other failure is raised."""
    try:
        await interaction.response.autocomplete(choices)
    except discord.NotFound as exc:
        if not forgotten(exc):
            raise
        too_late(interaction, level=logging.DEBUG)
