"""What the real Bot API and Discord refuse, checked against their vendored specs (tests/specs/).

`telegram_violation(method, params)` and `discord_violation(verb, path, body)` return the
description the service would answer with, or None. The fakes answer a violation as the service
does and record it; the shared `fake` fixture fails the test if any was recorded.

The specs carry the types, required fields and most limits; limits stated only in prose in the
Bot API documentation (text 1-4096 characters after entity parsing, callback_data 1-64 bytes,
what HTML Telegram parses) and Discord's bot limits (2000 characters of content, 6000 over all
embeds, 100 in a string choice's value) are written here.
"""

from __future__ import annotations

import functools
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

SPECS = Path(__file__).resolve().parent / "specs"
STARTED: list[Any] = []  # every fake made since the last check (conftest's strict_fakes empties it)

# --- Telegram ---------------------------------------------------------------------------------


@functools.cache
def telegram_spec() -> dict[str, Any]:
    return json.loads((SPECS / "telegram.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def telegram_violation(method: str, params: dict[str, Any]) -> tuple[int, str] | None:
    """(status, description) of Telegram's refusal of `method` with `params` (as decoded from the form)."""
    spec = telegram_spec()["methods"].get(method)
    if spec is None:
        return 404, "Not Found"
    fields = {f["name"]: f for f in spec.get("fields", [])}
    for name in params:
        if name not in fields:
            return 400, f"Bad Request: unknown parameter {name!r}"  # Telegram ignores them; we refuse typos
    for name, field in fields.items():
        if field["required"] and params.get(name) in (None, ""):
            return 400, f"Bad Request: {name} is empty" if name == "text" else f"Bad Request: {name} is required"
    for name, value in params.items():
        problem = _type_problem(value, fields[name]["types"], name, form=True)
        if problem:
            return 400, f"Bad Request: {problem}"
    if method in ("sendMessage", "editMessageText"):
        problem = _text_problem(str(params.get("text", "")), params.get("parse_mode"))
        if problem:
            return 400, f"Bad Request: {problem}"
    if method == "answerInlineQuery":
        return _inline_problem(params["results"])
    if method == "setMyCommands":
        return _menu_problem(params)
    return None


def _menu_problem(params: dict[str, Any]) -> tuple[int, str] | None:
    """What BotCommand's and setMyCommands' descriptions state in prose: at most 100 commands, a command
    1-32 lower-case letters, digits and underscores, a description 1-256 characters, a two-letter language code."""
    commands = params["commands"]
    if isinstance(commands, str):
        commands = json.loads(commands)
    if len(commands) > 100:
        return 400, "Bad Request: BOT_COMMANDS_TOO_MUCH"
    for command in commands:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
            return 400, "Bad Request: BOT_COMMAND_INVALID"
        if not 1 <= len(command["description"]) <= 256:
            return 400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
    if params.get("language_code") not in (None, "") and not re.fullmatch(r"[a-z]{2}", params["language_code"]):
        return 400, "Bad Request: LANG_CODE_INVALID"
    return None


def _inline_problem(results: list[dict[str, Any]]) -> tuple[int, str] | None:
    """Telegram's limits on an inline query's answer that its spec states in prose: at most 50
    results, each id 1-64 bytes and unique, a message's text as sendMessage's."""
    if len(results) > 50:
        return 400, "Bad Request: RESULTS_TOO_MUCH"
    ids = [str(result.get("id", "")) for result in results]
    if any(not 1 <= len(i.encode()) <= 64 for i in ids):
        return 400, "Bad Request: RESULT_ID_INVALID"
    if len(set(ids)) != len(ids):
        return 400, "Bad Request: RESULT_ID_DUPLICATE"
    for result in results:
        content = result.get("input_message_content") or {}
        if "message_text" in content and (
            problem := _text_problem(str(content["message_text"]), content.get("parse_mode"))
        ):
            return 400, f"Bad Request: {problem}"
    return None


_SCALARS = {"Integer", "Float", "String", "Boolean", "True", "InputFile"}


def _type_problem(value: Any, types: list[str], where: str, *, form: bool = False) -> str | None:
    """Why `value` is none of `types` (spec type names), or None. Form values arrive as strings."""
    problems = []
    for kind in types:
        problem = _one_type_problem(value, kind, where, form=form)
        if problem is None:
            return None
        problems.append(problem)
    return problems[0]


def _one_type_problem(value: Any, kind: str, where: str, *, form: bool) -> str | None:
    if kind.startswith("Array of "):
        if not isinstance(value, list):
            return f"field {where!r} must be an Array"
        for i, item in enumerate(value):
            if problem := _one_type_problem(item, kind[len("Array of ") :], f"{where}[{i}]", form=False):
                return problem
        return None
    if kind in _SCALARS:
        return _scalar_problem(value, kind, where, form=form)
    spec = telegram_spec()["types"].get(kind)
    if spec is None:
        return f"field {where!r}: type {kind} is not in the vendored spec"
    if spec.get("subtypes"):
        return _type_problem(value, spec["subtypes"], where)
    if not isinstance(value, dict):
        return f"field {where!r} must be an object ({kind})"
    fields = {f["name"]: f for f in spec.get("fields", [])}
    for name, item in value.items():
        if name not in fields:
            return f"can't parse {where}: unknown field {name!r} of {kind}"
        if problem := _type_problem(item, fields[name]["types"], f"{where}.{name}"):
            return problem
        if _const_problem(item, fields[name]):
            return f"can't parse {where}: {name} of {kind} must be {_const(fields[name])!r}"
    missing = [n for n, f in fields.items() if f["required"] and n not in value]
    if missing:
        return f"can't parse {where}: {kind} needs {missing[0]!r}"
    if kind == "InlineKeyboardButton":
        return _button_problem(value)
    return None


def _const(field: dict[str, Any]) -> str | None:
    found = re.search(r'must be (?:always )?[“"](\w[\w-]*)[”"]', field.get("description", ""))
    return found.group(1) if found else None


def _const_problem(value: Any, field: dict[str, Any]) -> bool:
    constant = _const(field)
    return constant is not None and field["name"] == "type" and value != constant


def _scalar_problem(value: Any, kind: str, where: str, *, form: bool) -> str | None:
    if kind == "String":
        ok = isinstance(value, str)
    elif kind == "Integer":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            form and isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None
        )
    elif kind == "Float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok or (form and isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value) is not None)
    elif kind in ("Boolean", "True"):
        allowed = {"true", "True"} if kind == "True" else {"true", "false", "True", "False"}
        ok = (value is True or (value is False and kind == "Boolean")) or (form and value in allowed)
    else:  # InputFile: the bot sends none
        ok = False
    return None if ok else f"field {where!r} must be of type {kind}"


def _button_problem(button: dict[str, Any]) -> str | None:
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
        return "BUTTON_DATA_INVALID"
    actions = [k for k in button if k not in ("text", "style", "icon_custom_emoji_id")]
    if len(actions) != 1:
        return "can't parse inline keyboard button: exactly one of the optional fields must be used"
    return None


# Tags Telegram's HTML parse mode understands (core.telegram.org/bots/api#html-style).
_TAGS = {
    "b": (), "strong": (), "i": (), "em": (), "u": (), "ins": (), "s": (), "strike": (), "del": (),
    "span": ("class",), "tg-spoiler": (), "a": ("href",), "tg-emoji": ("emoji-id",), "code": ("class",),
    "pre": (), "blockquote": ("expandable",), "tg-time": ("unix", "format"),
}  # fmt: skip


class _TelegramHTML(HTMLParser):
    """Telegram's HTML: known tags only, properly nested and closed; collects the plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            self.problem = self.problem or f'can\'t parse entities: Unsupported start tag "{tag}"'
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problem = self.problem or f'can\'t parse entities: Unexpected end tag "{tag}"'
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


def _text_problem(text: str, parse_mode: Any) -> str | None:
    plain = text
    if parse_mode == "HTML":
        if _BARE_AMP.search(text):
            return "can't parse entities: Character '&' is reserved and must be escaped"
        parser = _TelegramHTML()
        parser.feed(text)
        parser.close()
        if parser.problem:
            return parser.problem
        if parser.open:
            return f"can't parse entities: Can't find end tag corresponding to start tag \"{parser.open[-1]}\""
        if "<" in parser.rawdata:  # an unterminated tag left in the parser's buffer
            return "can't parse entities: Unclosed start tag"
        plain = html.unescape("".join(parser.text))
    elif parse_mode is not None:
        return f"unsupported parse_mode {parse_mode!r}"  # the bot uses HTML only
    length = len(plain.strip().encode("utf-16-le")) // 2
    if length == 0:
        return "message text is empty"
    if length > 4096:
        return "message is too long"
    return None


# --- Discord ----------------------------------------------------------------------------------

BOT_CONTENT_LIMIT = 2000  # the spec says 4000: that is for Nitro users; bots have 2000
EMBEDS_TOTAL_LIMIT = 6000


@functools.cache
def discord_spec() -> dict[str, Any]:
    return json.loads((SPECS / "discord.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def discord_route(verb: str, path: str) -> str | None:
    """The spec's route key ("POST /channels/{channel_id}/messages") for a request path, or None."""
    for key in discord_spec()["routes"]:
        route_verb, template = key.split(" ", 1)
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
        if route_verb == verb and re.fullmatch(pattern, path):
            return key
    return None


def discord_violation(verb: str, path: str, body: Any) -> str | None:
    """Why Discord would answer 400 Invalid Form Body to `body` on `verb path`, or None."""
    key = discord_route(verb, path)
    if key is None:
        return None  # not a route of the spec's subset: the fake answers 404 itself
    route = discord_spec()["routes"][key]
    if route["body"] is None:
        return None if body is None else "this route takes no body"
    if body is None:
        return "a body is required" if route["required"] else None
    problem = _schema_problem(body, route["body"], "")
    if problem:
        return problem
    return _discord_limits(body)


_TOLERATED = {
    # discord.py always sends these; Discord accepts them, the spec does not list them.
    ("RichEmbed", "flags"),  # discord.Embed.to_dict() carries `flags` (0) since 2.4
    ("ApplicationCommandUpdateRequest", "nsfw"),  # app_commands.Command.to_dict() sends `nsfw` (bulk PUT)
    ("ApplicationCommandCreateRequest", "nsfw"),
    ("ApplicationCommandSubcommandOption", "nsfw"),
    ("ApplicationCommandSubcommandGroupOption", "nsfw"),
    ("MessageEditRequestPartial", "tts"),  # Message.edit() builds its body as a send's, `tts` (False) included
}


# Limits Discord's documentation states and its spec does not: a string choice's value (a suggestion
# of an autocomplete, a registered option's choice) holds at most 100 characters, where the spec
# says 6000 (an option's typed value).
_STATED_LENGTHS = {("ApplicationCommandOptionStringChoice", "value"): 100}


def _schema_problem(value: Any, schema: dict[str, Any], where: str, name: str = "") -> str | None:
    """A JSON Schema subset (the keywords Discord's spec uses) with unknown properties refused."""
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[1]
        return _schema_problem(value, discord_spec()["schemas"][ref], where, ref)
    for keyword in ("oneOf", "anyOf"):
        if keyword in schema:
            problems = [_schema_problem(value, option, where) for option in schema[keyword]]
            if all(problems):
                return min(problems, key=lambda p: -p.count("."))  # type: ignore[arg-type, union-attr]
    for option in schema.get("allOf", []):
        if (problem := _schema_problem(value, option, where)) is not None:
            return problem
    if (problem := _basic_problem(value, schema, where)) is not None:
        return problem
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        for key, item in value.items():
            if name == "MessageReferenceRequest" and isinstance(item, int):
                continue  # discord.py sends the snowflakes of a reply as integers; Discord accepts them
            if key not in properties:
                if (name, key) in _TOLERATED:
                    continue
                return f"{where or 'body'}: unknown field {key!r} ({name})"
            if isinstance(item, str) and len(item) > _STATED_LENGTHS.get((name, key), len(item)):
                return f"{f'{where}.{key}' if where else key}: BASE_TYPE_BAD_LENGTH ({len(item)} characters)"
            if (problem := _schema_problem(item, properties[key], f"{where}.{key}" if where else key)) is not None:
                return problem
        missing = [key for key in schema.get("required", []) if key not in value]
        if missing:
            return f"{where or 'body'}.{missing[0]}: BASE_TYPE_REQUIRED"
    if isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):  # a localization's values
        if len(value) > schema.get("maxProperties", len(value)):
            return f"{where}: BASE_TYPE_BAD_LENGTH ({len(value)} entries)"
        for key, item in value.items():
            if key in schema.get("properties", {}):
                continue
            if (problem := _schema_problem(item, schema["additionalProperties"], f"{where}.{key}")) is not None:
                return problem
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            if (problem := _schema_problem(item, schema["items"], f"{where}.{i}")) is not None:
                return problem
    return None


_JSON_TYPES = {"string": str, "integer": int, "number": int | float, "boolean": bool, "array": list,
               "object": dict, "null": type(None)}  # fmt: skip


def _basic_problem(value: Any, schema: dict[str, Any], where: str) -> str | None:
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, kind) for kind in kinds):
            return f"{where}: must be {'/'.join(kinds)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where}: {value!r} is not one of {schema['enum']}"
    if "const" in schema and value != schema["const"]:
        return f"{where}: must be {schema['const']!r}"
    if isinstance(value, str):
        if len(value) > schema.get("maxLength", len(value)) or len(value) < schema.get("minLength", 0):
            return f"{where}: BASE_TYPE_BAD_LENGTH ({len(value)} characters)"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return f"{where}: does not match {schema['pattern']}"
        if schema.get("format") == "uri" and not _WELL_FORMED_URL.match(value):  # Discord: 50035
            return f"{where}: URL_TYPE_INVALID_URL (Not a well formed URL: {value[:60]!r})"
    if isinstance(value, list) and not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
        return f"{where}: BASE_TYPE_BAD_LENGTH ({len(value)} items)"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        return f"{where}: out of range"
    return None


# What Discord takes where its spec says `"format": "uri"`: a web address, or an attachment of the
# message; "www.example.org/faq" or "javascript:..." refuses the whole message (50035).
_WELL_FORMED_URL = re.compile(r"(?:https?|attachment)://[^\s/$.?#][^\s]*\Z", re.IGNORECASE)


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _JSON_TYPES[kind])


def _discord_limits(body: Any) -> str | None:
    if isinstance(body, list):
        return _command_names_problem(body, "")
    message = body.get("data") if isinstance(body.get("data"), dict) else body
    content = message.get("content") or ""
    if len(content) > BOT_CONTENT_LIMIT:
        return f"content: BASE_TYPE_MAX_LENGTH (must be {BOT_CONTENT_LIMIT} or fewer in length, is {len(content)})"
    embeds = message.get("embeds") or []
    total = sum(_embed_size(embed) for embed in embeds)
    if total > EMBEDS_TOTAL_LIMIT:
        return f"embeds: MAX_EMBED_SIZE_EXCEEDED ({total} characters over {EMBEDS_TOTAL_LIMIT})"
    return None


_NAME = re.compile(r"^[-_'\w]{1,32}$")  # Discord's rule for chat input command and option names


# The locales Discord takes as a key of name_localizations and description_localizations
_LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg ru uk hi th "
    "zh-CN ja zh-TW ko".split()
)


def _command_names_problem(commands: list[Any], where: str) -> str | None:
    """Names of slash commands and their options, in every language they are localized to: 1-32
    lower-case word characters (in prose only); localizations keyed by Discord's locales."""
    for i, command in enumerate(commands):
        localized = command.get("name_localizations") or {}
        for key in [*localized, *(command.get("description_localizations") or {})]:
            if key not in _LOCALES:
                return f"{where}{i}: {key!r} is not a valid locale (INVALID_LOCALE)"
        for name in [str(command.get("name", "")), *map(str, localized.values())]:
            chat_input = command.get("type", 1) == 1 or bool(where)  # an option's name, whatever its type
            if chat_input and (not _NAME.match(name) or name != name.lower()):
                return f"{where}{i}.name: APPLICATION_COMMAND_INVALID_NAME ({name[:40]!r})"
        if problem := _command_names_problem(command.get("options") or [], f"{where}{i}.options."):
            return problem
    return None


def _embed_size(embed: dict[str, Any]) -> int:
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "") + len((embed.get("author") or {}).get("name") or "")
    return size + sum(len(f.get("name") or "") + len(f.get("value") or "") for f in embed.get("fields") or [])
