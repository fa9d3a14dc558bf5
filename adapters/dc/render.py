"""An Answer as Discord sees it: an embed for a passage (section as title, passage as description,
source as footer), text and buttons otherwise.

Buttons carry stable custom ids ("qa:p:<passage>", "qa:v:+:<passage>"), so they keep working
after a restart; pressing one runs `choose` or `vote` here.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from adapters.dc.deliver import Reply, respond, shown, text_reply
from adapters.dc.host import host, interaction_asker
from adapters.rendering import clip
from bot import WEB_ADDRESS, Answer, Outcome, messages
from bot import shown as shown_title

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
URL_LIMIT = 2048  # an embed's url: longer, Discord refuses the whole message
LABEL_LIMIT = 80
MAX_SUGGESTIONS = 5


def render(answer: Answer, *, embeds: bool = True) -> Reply:
    """The Discord form of an Answer: an embed for a passage, text and buttons otherwise. Where the bot
    may not embed (`embeds`: Embed Links, which Discord needs to show any embed of the bot's), a
    passage is text too: the passage and its citation, as the core words it."""
    if answer.outcome is Outcome.ANSWERED and answer.passage_id and answer.passage_text:
        more = answer.read_on  # the section goes on in the next passage: pressed as a topic is
        buttons = (
            VoteButton(answer.passage_id, True),
            VoteButton(answer.passage_id, False),
            *((SuggestionButton(more.passage_id, more.label, reading_on=True),) if more else ()),
        )
        if not embeds:
            return Reply(pieces=text_reply(answer.text).pieces, buttons=buttons)
        return Reply(embed=answer_embed(answer), buttons=buttons)
    # Plain text, whatever it quotes: a member's "[Verify your account](https://evil.example)", quoted
    # back as the part of their message not answered, was a link in the bot's own message. Only a
    # fallback quotes the member ("About “…”:"); the help's quotes hold the sources' titles.
    reply = text_reply(shown(answer.text, quotes_people=answer.outcome is Outcome.FALLBACK))
    buttons = tuple(SuggestionButton(s.passage_id, s.label) for s in answer.suggestions[:MAX_SUGGESTIONS])
    return Reply(pieces=reply.pieces, buttons=buttons)


def answer_embed(answer: Answer) -> discord.Embed:
    embed = discord.Embed(
        title=clip(answer.section or "Answer", TITLE_LIMIT),
        description=clip(_described(answer), DESCRIPTION_LIMIT),
        colour=discord.Colour.blurple(),
    )
    if answer.source is not None:
        source = answer.source  # its title and publisher cut as every citation cuts them
        footer = shown_title(source.title) + (f" — {shown_title(source.publisher)}" if source.publisher else "")
        embed.set_footer(text=clip(footer, FOOTER_LIMIT))
        if _linkable(source.url):
            embed.url = source.url
    return embed


def _linkable(url: str | None) -> bool:
    """Whether an embed may link `url`: Discord refuses the whole message for an embed whose url is
    no web address or is longer than it takes, so such a source is shown without its link."""
    return url is not None and len(url) <= URL_LIMIT and WEB_ADDRESS.match(url) is not None


def _described(answer: Answer) -> str:
    """The embed's text: the passage, after the hedge in italics when the answer has one (the
    passage clipped to leave it room, so that clipping the whole never cuts the passage away)."""
    text = answer.passage_text or answer.text
    if not answer.hedge:
        return text
    hedge = f"*{answer.hedge}*\n\n"
    return hedge + clip(text, DESCRIPTION_LIMIT - len(hedge))


class SuggestionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"qa:(?P<kind>[pr]):(?P<passage>[a-z0-9-]+)"
):
    """A topic offered by a fallback (`qa:p:`), or "Read on ▸" under an answer whose section goes on
    (`qa:r:`); pressing it answers with that passage. A read-on press is recorded as no topic chosen
    (it had replaced, in `kb gaps`, the topic the member chose)."""

    def __init__(self, passage_id: str, label: str = "Show this answer", *, reading_on: bool = False) -> None:
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=clip(label or passage_id, LABEL_LIMIT),
            style=discord.ButtonStyle.secondary,
            custom_id=f"qa:{'r' if reading_on else 'p'}:{passage_id}",
        )
        super().__init__(button)
        self.passage_id = passage_id
        self.reading_on = reading_on

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[discord.Client], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SuggestionButton:
        return cls(match["passage"], getattr(item, "label", None) or "", reading_on=match["kind"] == "r")

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        await host(interaction).guarded(interaction, choose(interaction, self.passage_id, reading_on=self.reading_on))


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"qa:v:(?P<sign>[+-]):(?P<passage>[a-z0-9-]+)"
):
    """👍 or 👎 under an answer, recorded through the core."""

    def __init__(self, passage_id: str, helpful: bool) -> None:
        sign = "+" if helpful else "-"
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            emoji="👍" if helpful else "👎", style=discord.ButtonStyle.secondary, custom_id=f"qa:v:{sign}:{passage_id}"
        )
        super().__init__(button)
        self.passage_id = passage_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[discord.Client], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(match["passage"], match["sign"] == "+")

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        await host(interaction).guarded(interaction, vote(interaction, self.passage_id, self.helpful))


async def choose(interaction: discord.Interaction[Any], passage_id: str, *, reading_on: bool = False) -> None:
    """Answer a suggestion button (or "Read on ▸"); throttled or gone, the core's text only its presser
    sees, or (throttled and silent) nothing."""
    bot, who = host(interaction), interaction_asker(interaction)
    answer = await bot.in_time(interaction, lambda: bot.service.choose(passage_id, who, reading_on=reading_on))
    if answer.silent:
        if not interaction.response.is_done():  # deferred already when the core was slow
            await interaction.response.defer()  # acknowledged, so the press does not show as failed
        return
    private = answer.outcome in (Outcome.THROTTLED, Outcome.GONE)
    await respond(interaction, render(answer), ephemeral=private)


async def vote(interaction: discord.Interaction[Any], passage_id: str, helpful: bool) -> None:
    """Record a press of 👍 or 👎, deferred while the gaps database is slow (another writer holds it)."""
    bot, who = host(interaction), interaction_asker(interaction)
    await bot.in_time(interaction, lambda: bot.service.vote(passage_id, helpful, who), ephemeral=True)
    await respond(interaction, text_reply(messages.say(messages.THANKS, messages.choose(who.language))), ephemeral=True)
