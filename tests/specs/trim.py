"""Cut the platforms' full API descriptions down to what the bot uses, for the strict fakes.

Run from the project folder with the folder holding the full specs (see tests/specs/README.md):

    .venv/bin/python tests/specs/trim.py /path/to/specs

It writes `telegram.json` (the methods and types below and every type their fields name, transitively) and
`discord.json` (the routes below with their JSON request schemas and every component schema
they reference, transitively).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

TELEGRAM_METHODS = [
    "getMe", "getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "sendMessage",
    "answerCallbackQuery", "setMyCommands", "deleteMyCommands", "getChatMember", "close", "logOut",
    "editMessageText", "deleteMessage", "answerInlineQuery",
]  # fmt: skip
# what a member's message may share that the bot answers with a note (the fake sends them: tests/fake_telegram.py)
TELEGRAM_TYPES = ["Location", "Venue", "Contact", "Poll", "Dice"]
DISCORD_ROUTES = [
    ("get", "/users/@me"),
    ("get", "/oauth2/applications/@me"),
    ("get", "/gateway/bot"),
    ("post", "/channels/{channel_id}/messages"),
    ("patch", "/channels/{channel_id}/messages/{message_id}"),
    ("delete", "/channels/{channel_id}/messages/{message_id}"),
    ("post", "/interactions/{interaction_id}/{interaction_token}/callback"),
    ("post", "/webhooks/{webhook_id}/{webhook_token}"),
    ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("put", "/applications/{application_id}/commands"),
    ("put", "/applications/{application_id}/guilds/{guild_id}/commands"),
]


def trim_telegram(full: dict[str, Any]) -> dict[str, Any]:
    methods = {name: full["methods"][name] for name in TELEGRAM_METHODS}
    types: dict[str, Any] = {}
    todo = TELEGRAM_TYPES + [t for m in methods.values() for f in m.get("fields", []) for t in f["types"]]
    while todo:
        name = re.sub(r"^(Array of )+", "", todo.pop())
        if name in types or name not in full["types"]:
            continue
        types[name] = kind = full["types"][name]
        todo += [t for f in kind.get("fields", []) for t in f["types"]] + kind.get("subtypes", [])
    return {"version": full["version"], "release_date": full["release_date"], "methods": methods, "types": types}


def trim_discord(full: dict[str, Any]) -> dict[str, Any]:
    routes: dict[str, Any] = {}
    for verb, path in DISCORD_ROUTES:
        body = full["paths"][path][verb].get("requestBody", {})
        schema = body.get("content", {}).get("application/json", {}).get("schema")
        routes[f"{verb.upper()} {path}"] = {"body": schema, "required": body.get("required", False)}
    schemas: dict[str, Any] = {}
    todo = re.findall(r'"#/components/schemas/(\w+)"', json.dumps(routes))
    while todo:
        name = todo.pop()
        if name not in schemas:
            schemas[name] = full["components"]["schemas"][name]
            todo += re.findall(r'"#/components/schemas/(\w+)"', json.dumps(schemas[name]))
    return {"info": full["info"], "routes": routes, "schemas": dict(sorted(schemas.items()))}


def main(source: Path) -> None:
    telegram = json.loads((source / "telegram-bot-api.json").read_text(encoding="utf-8"))
    discord = json.loads((source / "discord-openapi.json").read_text(encoding="utf-8"))
    for name, trimmed in (("telegram.json", trim_telegram(telegram)), ("discord.json", trim_discord(discord))):
        (HERE / name).write_text(json.dumps(trimmed, indent=1, sort_keys=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
