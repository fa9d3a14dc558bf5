"""How the Discord adapter gets its replies out: retried through Discord's hiccups, and as the
response to an interaction or its follow-ups.

discord.py itself waits out a 429 and retries a 500/502/504, but gives up at once on a 503 or a
dropped connection: `send_retrying` tries those again a few times (the shared
`adapters.delivery.with_retries`). Answers in a channel keep the questions' order through the
shared `adapters.delivery.KeyedOrder`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import discord

from adapters.delivery import RetryPolicy, with_retries
from adapters.rendering import split_message

log = logging.getLogger(__name__)

T = TypeVar("T")

CONTENT_LIMIT = 2000
RETRY = RetryPolicy(attempts=4, first_delay=1.0, max_delay=4.0)  # after discord.py's own retries


def transient(exc: BaseException) -> float | None:
    """A Discord 5xx or a network failure may pass: retried after the policy's pause."""
    return 0.0 if isinstance(exc, (discord.DiscordServerError, aiohttp.ClientConnectionError, OSError)) else None


async def send_retrying(send: Callable[[], Awaitable[T]], what: str, policy: RetryPolicy = RETRY) -> T:
    """Run `send`; on a Discord 5xx or a network failure wait and try again."""
    return await with_retries(send, policy, transient, what=f"Discord: {what}")


@dataclass(frozen=True)
class Allowed:
    """What the bot's permissions in a channel let it send there (`allowed_in`)."""

    sends: bool  # anything at all: Send Messages (in a thread, Send Messages in Threads)
    refers: bool  # a message replying to another: Read Message History, without which Discord refuses any (403, 160002)
    embeds: bool = True  # Embed Links: without it Discord shows none of the bot's embeds (one alone: 403)

    @property
    def replies(self) -> bool:
        """Whether it may answer a message there with a reply to it, not a message of its own."""
        return self.sends and self.refers


_THREADS = frozenset(
    {discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread}
)


def allowed_in(permissions: discord.Permissions, channel: object) -> Allowed:
    """What `permissions`, the bot's in `channel` wherever they come from (an interaction's
    `app_permissions`, or the server's roles as the client holds them), let it send there. A thread
    the client has not cached is a PartialMessageable of a thread's type, and a thread all the same.
    In a locked thread (a help post a moderator closed) Discord takes messages only from those with
    Manage Threads (400, 160005, Thread is locked): without it the bot may not send there."""
    thread = isinstance(channel, discord.Thread) or getattr(channel, "type", None) in _THREADS
    sends = permissions.send_messages_in_threads if thread else permissions.send_messages
    if getattr(channel, "locked", False) is True and not permissions.manage_threads:  # a Thread's; none uncached
        sends = False
    return Allowed(sends=sends, refers=permissions.read_message_history, embeds=permissions.embed_links)


@dataclass(frozen=True)
class Reply:
    """One answer as Discord messages: text pieces and/or one embed, and buttons on the last."""

    pieces: tuple[str, ...] = ()
    embed: discord.Embed | None = None
    buttons: tuple[discord.ui.Item[Any], ...] = ()

    def messages(self) -> list[dict[str, Any]]:
        """Keyword arguments for each message to send, in order."""
        sends: list[dict[str, Any]] = [{"content": piece} for piece in self.pieces]
        if self.embed is not None:
            sends.append({"embed": self.embed})
        if self.buttons and sends:
            view = discord.ui.View(timeout=None)
            for button in self.buttons:
                view.add_item(button)
            sends[-1]["view"] = view
        return sends


@dataclass(frozen=True)
class Piece:
    """One message of a reply as `Reply.messages` gives its keyword arguments, compared by what a
    member sees (its text, its embed, its buttons' ids and labels), for an edited question's answer."""

    seen: tuple[object, ...]
    kwargs: dict[str, Any] = field(compare=False, hash=False)

    @classmethod
    def of(cls, kwargs: dict[str, Any]) -> Piece:
        embed, view = kwargs.get("embed"), kwargs.get("view")
        items = [getattr(child, "item", child) for child in (view.children if view is not None else [])]
        buttons = tuple((getattr(i, "custom_id", None), getattr(i, "label", None)) for i in items)
        shown_embed = json.dumps(embed.to_dict(), sort_keys=True) if embed is not None else None
        return cls((kwargs.get("content"), shown_embed, buttons), kwargs)

    def edits(self) -> dict[str, Any]:
        """The keyword arguments of `PartialMessage.edit` that make a message read as this one (what
        it does not have, content, embed or buttons, is removed)."""
        return {
            "content": self.kwargs.get("content"),
            "embed": self.kwargs.get("embed"),
            "view": self.kwargs.get("view"),
        }


_CODE_SPAN = re.compile(r"(`[^`\n]{1,200}`)")  # the core's ids and commands: `parking`, `/kb undo`
# A "[" escape_markdown leaves, when the link it opens spans a code span: "[the `pip` guide](https://...)"
_UNESCAPED_BRACKET = re.compile(r"(?<!\\)\[")
# People's words quoted in the core's text (`bot.messages.quoted`; a moderator's search words),
# to the line's last closing quote: a ” of their own does not end the quotation early. The bot's
# own words in quotes (its sources' titles in the help, a citation's section) are never looked at.
_QUOTATION = re.compile(r"“[^\n]*”")
# What Discord makes a link, and previews under the message: discord.py's pattern for it (the
# addresses its escape_markdown leaves alone), scheme and rest apart.
_WEB_LINK = re.compile(r"(https?|steam)://([^\s<]+[^<.,:;\"')\]\s])")


def shown(text: str, *, quotes_people: bool = True) -> str:
    """The core's plain text as Discord shows it (a fallback, the help, a moderation reply): what it
    quotes (members' questions, passages' and moderators' text) with its Markdown escaped, so a
    masked link is shown, never a link in the bot's message; the core's `ids` stay code. In a text
    that quotes people (`quotes_people`: a moderation reply, a fallback naming the part of a message
    it cannot answer) their web addresses are no links either (`_unlinked`); in one that does not,
    what is in quotes is the bot's own (a source's title in the help), and its links stay links.
    Members' backticks never reach here (`bot.messages.quoted` makes them apostrophes)."""
    return "".join(
        piece if _CODE_SPAN.fullmatch(piece) else _unquoted(_escaped(piece), quotes_people)
        for piece in _CODE_SPAN.split(text)
    )


def _unquoted(text: str, quotes_people: bool) -> str:
    return _QUOTATION.sub(_unlinked, text) if quotes_people else text


def _escaped(text: str) -> str:
    return _UNESCAPED_BRACKET.sub(r"\\[", discord.utils.escape_markdown(text))


def _unlinked(quotation: re.Match[str]) -> str:
    """Someone's words quoted back, their web addresses no links: the colon after the scheme escaped
    (`https\\://…` reads as they wrote it), so the bot's message neither links to their page nor
    previews it under the reply; the rest of the address, which escape_markdown left alone as a
    link's, escaped now that it is text. A passage's own links, never quoted, stay links."""
    return _WEB_LINK.sub(
        lambda url: f"{url[1]}\\://{discord.utils.escape_markdown(url[2], ignore_links=False)}", quotation[0]
    )


def text_reply(text: str) -> Reply:
    return Reply(pieces=tuple(split_message(text, CONTENT_LIMIT)) or ("…",))


# `interaction.extras` key: the interaction was deferred with a public "thinking…", which its
# first follow-up will become (see `defer`)
PUBLIC_THINKING = "qa:public-thinking"


async def defer(interaction: discord.Interaction[Any], *, ephemeral: bool = False) -> None:
    """Acknowledge an interaction whose reply is not ready: "thinking…" for a command or a form (what
    follows public, or only its user sees it), nothing shown for a button press (what it says follows
    as a message of its own, private or not). Discord makes a thinking deferral's first follow-up the
    deferral's message, as visible as the deferral whatever the follow-up asks: a public one is
    remembered, so that a note only its user may see does not take its place (`_follow_up`)."""
    pressed = interaction.type is discord.InteractionType.component
    await interaction.response.defer(thinking=not pressed, ephemeral=ephemeral)
    if not pressed and not ephemeral:
        interaction.extras[PUBLIC_THINKING] = True


async def deferred_when_slow(
    interaction: discord.Interaction[Any], work: Awaitable[T], *, after: float, ephemeral: bool, regardless: bool
) -> T:
    """Await `work` (which does not respond), deferring `interaction` once it has taken `after` seconds.

    A deferral Discord refuses (it forgot the interaction: the bot was late) raises, after the work:
    finished when it reaches people `regardless` of the interaction (*Answer this* posts in the
    channel), its own failure raised instead; otherwise cancelled (a core call under way in a worker
    thread still ends there), its reply going nowhere. The work is never left running on its own."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=after)
        if not done:
            await defer(interaction, ephemeral=ephemeral)
    except Exception:
        if regardless:
            await task
        else:
            await _dropped(task, interaction)
        raise
    except BaseException:  # cancelled: the bot stopping
        await _dropped(task, interaction)
        raise
    return await task


async def _dropped(task: asyncio.Task[Any], interaction: discord.Interaction[Any]) -> None:
    """Cancel the work of `interaction` and wait for it to end; a failure it ended with first is logged."""
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("Discord: the work of interaction %s failed", interaction.id, exc_info=error)


async def _follow_up(interaction: discord.Interaction[Any], kwargs: dict[str, Any], *, ephemeral: bool) -> None:
    """A follow-up, as visible as asked: after a public "thinking…" that no follow-up has become yet,
    a private one (a cooldown note, a refusal) first deletes it, and is then a message of its own;
    sent as it was, the whole channel saw the note. The mark goes only once the "thinking…" is gone,
    deleted or become a follow-up: a deletion Discord failed is tried again by the next private one
    (the apology after that failure had become the public deferral's message)."""
    if ephemeral and interaction.extras.get(PUBLIC_THINKING):
        with contextlib.suppress(discord.NotFound):  # someone deleted the "thinking…": gone all the same
            await interaction.delete_original_response()
        del interaction.extras[PUBLIC_THINKING]
    await interaction.followup.send(**kwargs, ephemeral=ephemeral)
    interaction.extras.pop(PUBLIC_THINKING, None)  # a public follow-up is the deferral's message now


async def respond(interaction: discord.Interaction[Any], reply: Reply, *, ephemeral: bool = False) -> None:
    """Answer an interaction: the first message as its response, the rest as follow-ups."""
    for kwargs in reply.messages():
        if interaction.response.is_done():
            await _follow_up(interaction, kwargs, ephemeral=ephemeral)
        else:
            await interaction.response.send_message(**kwargs, ephemeral=ephemeral)


async def tell(interaction: discord.Interaction[Any], text: str) -> None:
    """Best effort: `text` to the user only; a failure to send it is logged, not raised."""
    try:
        if interaction.response.is_done():
            await _follow_up(interaction, {"content": text}, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except Exception as exc:
        if forgotten(exc):
            too_late(interaction)
        else:
            log.warning("Discord: could not answer interaction %s: %r", interaction.id, exc)


UNKNOWN_INTERACTION = 10062  # Discord's code for an interaction it has forgotten: 3 s passed unanswered


def forgotten(error: BaseException) -> bool:
    """Whether `error` (or the one a command's error wraps) is Discord refusing to take a response to an
    interaction it has forgotten (404, Unknown interaction): nothing can answer it any more."""
    error = getattr(error, "original", error)  # app_commands.CommandInvokeError
    return isinstance(error, discord.NotFound) and error.code == UNKNOWN_INTERACTION


def too_late(interaction: discord.Interaction[Any], *, level: int = logging.WARNING) -> None:
    """Say in one line (no traceback) that Discord forgot `interaction` before the bot answered it, the
    bot slow (a burst, a busy machine): which command, and how long after it was sent. No apology is
    tried, which Discord would refuse too, and the member sees "The application did not respond"."""
    late = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    log.log(level, "Discord: %s (interaction %s) was answered %.1f s after it was sent, past Discord's 3 s: "
            "Discord had forgotten it (Unknown interaction): no response reaches it", named(interaction),
            interaction.id, late)  # fmt: skip


def named(interaction: discord.Interaction[Any]) -> str:
    """The interaction as the log names it: its command as typed (`/kb remove`), a message command's
    name in quotes, or what was pressed or submitted (a button's or a form's id, the bot's own)."""
    data: dict[str, Any] = dict(interaction.data or {})
    if interaction.type in (discord.InteractionType.application_command, discord.InteractionType.autocomplete):
        if data.get("type", 1) != 1:
            return f"“{data.get('name')}”"
        names, options = [str(data.get("name"))], list(data.get("options") or [])
        while options and options[0].get("type") in (1, 2):  # a subcommand (group): its name, and its options
            names.append(str(options[0].get("name")))
            options = list(options[0].get("options") or [])
        return "/" + " ".join(names)
    return f"{interaction.type.name} {data.get('custom_id')}"
