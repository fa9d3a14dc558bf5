"""What a member shares that holds no text, in a private chat: a location (a venue too), a contact, a
poll. Each gets one line in the member's language saying the bot cannot use it and how to ask (they had
got no reply at all), within the member's cooldown as help is. A live location's moves come as edits of
its message, which get nothing more. A dice is an emoji, and is asked as one (`Handlers.on_sticker`). In a
group, none of them is for the bot: silence.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ContextTypes, filters

from adapters.tg.deliver import Target, send_text, within_budget
from bot import Service, messages

LOCATION_SHARED = messages.N_("I can't use a location. Ask me your question in words; /help lists what I can answer.")
CONTACT_SHARED = messages.N_("I can't use a contact. Ask me your question in words; /help lists what I can answer.")
POLL_SHARED = messages.N_("I can't take part in polls. Ask me your question in words; /help lists what I can answer.")

SHARED = filters.LOCATION | filters.VENUE | filters.CONTACT | filters.POLL  # a venue carries its location too


def note_for(message: Message) -> str | None:
    """The line for what `message` shares (in English: the msgid), None when it shares none of them."""
    if message.location is not None or message.venue is not None:
        return LOCATION_SHARED
    if message.contact is not None:
        return CONTACT_SHARED
    return POLL_SHARED if message.poll is not None else None


async def on_shared(service: Service, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A location, a venue, a contact or a poll in a private chat: its one line, within the member's budget."""
    message = update.effective_message
    note = note_for(message) if message is not None else None
    if message is None or note is None or not await within_budget(service, context, message):
        return
    language = (message.from_user.language_code or "") if message.from_user else ""
    await send_text(context, Target.for_message(message), messages.say(note, messages.choose(language)))
