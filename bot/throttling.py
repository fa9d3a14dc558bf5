"""Whether a reply may go out to an asker now: the `Service`'s base class, which holds the per-user and per-chat
cooldowns and gives the THROTTLED answer over them (the rule of both limits is `bot.cooldown.admit`'s)."""

from __future__ import annotations

from bot import messages
from bot.answering import Answer, Outcome
from bot.asker import Asker
from bot.cooldown import Admission, Cooldown, admit
from bot.curation import CLI_PLATFORM


class Throttling:
    """The cooldowns of every platform's members and chats (`cooldown`, `chat_cooldown`: the `Service` sets them up)."""

    cooldown: Cooldown
    chat_cooldown: Cooldown

    def throttle(self, asker: Asker, *, quiet: bool = False) -> Answer | None:
        """None when a reply to `asker` may go out now; otherwise the THROTTLED answer (silent when not to be told).

        `ask` and `choose` take it themselves; adapters take it before every other reply they would
        send in a chat (help, sources, usage lines, refusals), so that one budget per user and per
        chat covers all of them.
        """
        admission = self.admit(asker, quiet=quiet)
        if admission is Admission.ASK:
            return None
        text = messages.say(messages.COOLDOWN, messages.supported(asker.language))  # else: the current language
        return Answer(text=text, outcome=Outcome.THROTTLED, silent=admission is Admission.SILENT)

    def admit(self, asker: Asker, *, quiet: bool = False) -> Admission:
        """Whether to answer, or, over a limit, to send the cooldown note now or stay silent (`ask` uses it):
        the user's limit and, outside a private chat, the chat's, by the rule of `bot.cooldown.admit`.
        `quiet`: refused, SILENT, and nobody counts as told (see `ask`).
        """
        if asker.platform == CLI_PLATFORM:  # the console's own user, perhaps piping a transcript: no flood to stop
            return Admission.ASK
        user = f"{asker.platform}:{asker.user_id}"
        private = not asker.chat_id or asker.chat_id == asker.user_id  # a private chat has only the user's limit
        chat = None if private else f"{asker.platform}:{asker.chat_id}"
        return admit(self.cooldown, self.chat_cooldown, user, chat, quiet=quiet)
