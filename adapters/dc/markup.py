"""Discord's markup in a message or a slash command's text option, and a "/ask" typed before a
question: what asks nothing (though a "/ask" says whom the message asks, and one alone that it
asks nothing yet)."""

from __future__ import annotations

import re

# Discord's markup in a message, which asks nothing: custom emoji (<:meeple:123>), mentions of
# users (the bot's own included), roles and channels (<@123>, <@&123>, <#123>), of slash commands
# (</ask:123>, </kb add:123>) and of the server's own pages (<id:customize>, <id:browse>,
# <id:guide>, <id:linked-roles:123>), timestamps (<t:1700000000:R>), @everyone / @here, and the
# bars of a spoiler (||text||: the text is kept). Left in, "meeple", "everyone" or "customize"
# weighed as words no passage knows and turned answers into declines.
_MARKUP = re.compile(
    r"<a?:\w{1,32}:\d{1,20}>|<(?:@[!&]?|#)\d{1,20}>|<t:-?\d{1,13}(?::[tTdDfFR])?>|@(?:everyone|here)\b|\|\|"
    r"|</[-'\w]{1,32}(?: [-'\w]{1,32}){0,2}:\d{1,20}>|<id:(?:customize|browse|guide|linked-roles(?::\d{1,20})?)>"
)


# "/ask" typed as text before the question (as Telegram has it, "/ask@QABot" too, or sent before
# Discord's command picker caught it), "/ask:" as well: what follows is the question. Left in, "ask"
# was weighed as a word of it, and "/ask why do people flee?" (or "/ask: why ...") was declined.
_ASK = re.compile(r"/ask(?:@[^\s:]*)?(?::|\s|$)\s*", re.IGNORECASE)


# "/ask" (or "/ask:") typed as text at the start of a server message that does not mention the bot:
# the command that Discord's picker did not catch, meant for the bot (a message it reads only with
# the Message Content intent). "/ask@name", Telegram's way of naming one bot of several, may name another.
_TYPED_ASK = re.compile(r"\s*/ask(?::|\s|$)", re.IGNORECASE)


def typed_ask(content: str) -> bool:
    """Whether a message begins with "/ask" typed as text: it asks the bot, mention or not."""
    return _TYPED_ASK.match(content) is not None


def plain_question(content: str) -> str:
    """A message's text as the question it asks, without Discord's markup (`_MARKUP`) and without
    a leading "/ask" or "/ask:" (`_ASK`)."""
    plain = _unmarked(content)
    return plain[asked.end() :] if (asked := _ASK.match(plain)) else plain


def bare_ask(content: str) -> bool:
    """Whether a message is "/ask" typed as text with no question after it (a mention aside): the
    member is to be told how to ask, not given the help a bare mention gets."""
    return _ASK.fullmatch(_unmarked(content)) is not None


def _unmarked(content: str) -> str:
    """`content` without Discord's markup, its spaces made one."""
    return " ".join(_MARKUP.sub(" ", content).split())
