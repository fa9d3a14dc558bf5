"""The Telegram adapter (python-telegram-bot), one module per job:

    app         the main module: build the Application, run it, stop it (`serve`)
    application the Application it builds: python-telegram-bot's, less what only a persistence needs
    handlers    updates in, calls on the core, rendered answers out
    albums      an album's photos as one message: its caption on any of them, or one note
    shared      a location, a contact or a poll shared in a private chat: its one-line note
    moderation  the /kb_* commands: their one-line forms, menu and handler
    links       start links to one answer, t.me/<bot>?start=<passage id>
    written     a command's text as its moderator wrote it: links' addresses, code's fences put back
    render      an Answer as Telegram HTML and inline buttons
    deliver     where a reply goes, sending it retried, one update at a time per chat
    polling     getUpdates' own request, and stopping the long poll without leaving its failure unread
    upgrades    groups upgraded to supergroups, whose replies go to the supergroup
    settings    the TELEGRAM_* environment variables

Named `tg`, not `telegram`: a package of that name would shadow the library.
"""

from adapters.tg.app import serve

NAME = "telegram"
TOKEN_VARIABLE = "TELEGRAM_BOT_TOKEN"

__all__ = ["NAME", "TOKEN_VARIABLE", "serve"]
