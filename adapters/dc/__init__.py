"""The Discord adapter (discord.py), one module per job:

    client      the main module: the Client subclass with the core injected, and `serve`
    readiness   discord.py's wait for the servers after READY, ended with the gateway connection
    commands    the slash commands /ask, /help, /sources and the tree's error path
    moderation  the moderators' /kb group and its add and edit forms
    completion  the options completed as members type, and their choices sent
    localized   the commands as Discord shows them in Korean (the catalogue as a Translator)
    render      an Answer as an embed or text, with its buttons and what pressing them does
    deliver     replies out, retried; interaction responses and follow-ups
    host        what commands, buttons and forms use of the client (a protocol)
    settings    the DISCORD_* environment variables and the intents they ask for
    sync        `discord sync`: register the slash commands

Named `dc`, not `discord`: a package of that name would shadow the library.
"""

from adapters.dc.client import serve

NAME = "discord"
TOKEN_VARIABLE = "DISCORD_BOT_TOKEN"

__all__ = ["NAME", "TOKEN_VARIABLE", "serve"]
