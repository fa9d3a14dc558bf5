"""The commands as Discord shows them in a member's language: the catalogue as discord.py's Translator.

`discord sync` registers each description (and an option's name, and the message command's) with
its Korean from `bot/locales/ko.po`, which Discord shows a member whose client is in Korean. The
commands' own names stay as typed (`/ask`, `/kb gaps`), as the docs and the bot's sentences write
them; an option's name is a word of the catalogue only where its Korean is a name Discord takes.
"""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot import messages

# Discord's rule for a slash command option's name, in any language (lower case where a script has it)
_NAME = re.compile(r"[-_'\w]{1,32}")
_TRANSLATED = {Where.command_description, Where.group_description, Where.parameter_description, Where.parameter_name}


class CatalogueTranslator(app_commands.Translator):
    """Descriptions and option names in the catalogue's languages; None (Discord shows the English) otherwise."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        language = messages.supported(locale.value)
        message_command = context.location is Where.command_name and isinstance(context.data, app_commands.ContextMenu)
        if language in (None, "en") or not (context.location in _TRANSLATED or message_command):
            return None
        said = messages.say(string.message, language)
        if context.location is Where.parameter_name:
            said = said.lower()
            if not _NAME.fullmatch(said):
                return None
        return None if said == string.message else said
