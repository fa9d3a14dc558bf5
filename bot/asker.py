"""Who asked, and where: the one value every platform fills in for each message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Asker:
    """Who asked, and where: platform ("telegram", "discord", "console"), user and chat ids."""

    platform: str
    user_id: str
    chat_id: str = ""
    name: str = ""  # display name: for the moderation history only, never the gaps database
    roles: tuple[str, ...] = ()  # Discord role ids of the member (empty elsewhere)
    admin: bool = False  # Telegram group admin / Discord "Manage Server", as the adapter saw it
    language: str = ""  # the user's language tag (Telegram language_code, Discord locale), if the platform says
    guild_id: str = ""  # the Discord server (guild) the message came from; empty elsewhere

    @property
    def private(self) -> bool:
        """Whether they asked in a private chat (a DM): its id is then the member's own."""
        return not self.chat_id or self.chat_id == self.user_id
