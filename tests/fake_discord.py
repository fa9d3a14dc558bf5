"""A fake Discord gateway (websocket) and REST API on 127.0.0.1, for end-to-end adapter tests.

The real discord.py talks to it after a test points `discord.http.Route.BASE` and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` here. It checks the token and the IDENTIFY
intents, sends READY and GUILD_CREATE, records every REST call, and lets a test push
MESSAGE_CREATE and INTERACTION_CREATE events as Discord would.

Faults, as Discord produces them: `drop` closes a gateway connection (the client RESUMEs, and
events pushed meanwhile are replayed as Discord does), `invalidate` sends INVALID_SESSION (op 9),
`fail` answers the next REST calls on a path with 429 (`retry_after`, the `Via` and
X-RateLimit-* headers discord.py reads) or a 5xx, `rest_delay` slows every REST answer,
`hang` leaves REST calls without any answer (until the client gives up or the fake closes), `hold`
keeps them unanswered until the test lets them through (then answered as usual, faults included), and
`on_posted` lets a test fault the message after one the bot posted (an answer cut short).

An interaction's messages are shown as Discord shows them: the first follow-up after a "thinking"
deferral takes the deferral's place and its visibility, whatever flags it asks for (an ephemeral
one after a public deferral is shown to everyone, and recorded as a violation); once the deferral's
message is deleted, a follow-up is a message of its own. The bot's permissions in the channel
(`app_permissions`) are what interactions carry and what a message in the server needs: Send Messages
(in a thread, Send Messages in Threads; in a locked thread, Manage Threads too), for an embed Embed
Links, and for a reply Read Message History.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.spec_check import STARTED, discord_route, discord_violation

Json = dict[str, Any]

API_PREFIX = "/api/v10"
MESSAGE_CONTENT_INTENT = 1 << 15
ALL_PERMISSIONS = str((1 << 51) - 1)  # every permission Discord defines (Send Messages in Threads is 1 << 38)
# What the invite link of docs/discord.md grants, the bot's in every channel of the fake's server: View
# Channels, Send Messages, Send Messages in Threads, Embed Links, Read Message History.
INVITED = "274877991936"
TIMESTAMP = "2026-01-01T00:00:00.000000+00:00"
DISCORD_EPOCH_MS = 1420070400000  # the first millisecond of 2015: where snowflakes count from
# The callback types Discord accepts for each interaction type (discord.com/developers/docs,
# "Interaction Response Type"): a command may not UPDATE_MESSAGE, a form submission may not open a form.
CALLBACK_TYPES = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
# The message types a reply may reference (default, reply, and a command's response); any other is
# a system message ("X started a thread", a pin notice), and Discord refuses a reply to it.
REPLYABLE_TYPES = {0, 19, 20, 23}
EPHEMERAL = 1 << 6
READ_MESSAGE_HISTORY = 1 << 16  # without it Discord refuses any reply (403, 160002)
SEND_MESSAGES, SEND_MESSAGES_IN_THREADS = 1 << 11, 1 << 38  # without it no message at all (403, 50013)
EMBED_LINKS = 1 << 14  # without it Discord shows no embed of the bot's: refused alone (403), else dropped
MANAGE_THREADS = 1 << 34  # in a locked thread, only those with it may send (else 160005, Thread is locked)
DEFERRED_WITH_SOURCE = 5  # the "thinking…" deferral: its first follow-up becomes its message
POSTED = "POST /channels/{channel_id}/messages"  # a message the bot sends in a channel (see `on_posted`)


@dataclass
class Response:
    """How an interaction was acknowledged (its callback's type and flags), and whether its
    "thinking…" message still waits for the follow-up that becomes it."""

    kind: int
    flags: int = 0
    thinking: bool = False
    deleted: bool = False
    by_someone: bool = False  # deleted by a member with Manage Messages, not by the bot


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)  # when it arrived
    answered: float | None = None  # when the fake finished answering it
    status: int = 0
    result: Any = None  # what the fake answered (a message for a message posted)


@dataclass
class Fault:
    """The next `times` REST calls whose path starts with `prefix` get `status` instead."""

    method: str
    prefix: str
    status: int
    times: int
    retry_after: float = 0.05
    is_global: bool = False


@dataclass
class Shard:
    """One gateway connection, after its IDENTIFY."""

    ws: web.WebSocketResponse
    identify: Json = field(default_factory=dict)
    seq: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    session_id: str = ""
    sent: list[str] = field(default_factory=list)  # every dispatch frame, for replay on RESUME
    resumable: bool = True


class FakeDiscord:
    """Gateway and REST server in one aiohttp app; `calls` holds every REST request in order."""

    def __init__(self, *, token: str, grant_message_content: bool = False) -> None:
        STARTED.append(self)
        self.token = token
        self.grant_message_content = grant_message_content
        self.app_id = "900000000000000001"
        self.bot_id = "900000000000000002"
        self.guild_id = "900000000000000003"
        self.channel_id = "900000000000000004"
        self.dm_channel_id = "900000000000000005"
        self.user_id = "900000000000000006"
        self.forum_id = "900000000000000008"  # a forum channel (type 15): each post a thread
        self.other_bot_id = "900000000000000007"
        # The roles of the server: the one Discord made for the bot when it was added (managed, its tags naming
        # the bot; members pick it from the mention autocomplete), another bot's, and one of members.
        self.bot_role_id = "900000000000000009"
        self.other_bot_role_id = "900000000000000010"
        self.helpers_role_id = "900000000000000011"
        self.calls: list[Call] = []
        self.shards: list[Shard] = []
        self.messages: dict[str, Json] = {}  # message id -> payload, of messages the bot sent
        self.types: dict[str, int] = {}  # message id -> type, of the messages the bot was shown
        self.threads: set[str] = set()  # ids of the threads (forum posts) pushed to the bot
        self.locked: set[str] = set()  # those of them a moderator locked (THREAD_CREATE or THREAD_UPDATE says)
        self.gone: set[str] = set()  # channels and threads deleted (Unknown Channel), told to the bot or not yet
        self.refusals: list[tuple[str, str]] = []  # (method, path) to answer once with 403
        self.faults: list[Fault] = []
        self.rest_delay = 0.0  # seconds before every REST answer (replies "in flight")
        self.on_posted: Callable[[Call], None] | None = None  # called with each channel message posted, once answered
        self.extra_channels: list[str] = []  # more text channels in the guild
        self.live: dict[int, Shard] = {}  # shard id -> its current session
        self.resumes: list[Json] = []  # RESUME payloads received
        self.received: list[str] = []  # every gateway frame the client sent, raw
        self.connections = 0  # websocket connections accepted
        self.hanging: list[tuple[str, str]] = []  # (method, path prefix) of REST calls never answered
        self.held: list[tuple[str, str, asyncio.Event]] = []  # (method, path prefix, released) of calls held
        # a moderator deletes each public "thinking…" as soon as it shows (`_delete_original` then finds none)
        self.thinking_deleted_by_someone = False
        self.violations: list[str] = []  # requests real Discord would refuse
        self.interactions: dict[str, tuple[int, float]] = {}  # id -> (type, when it was pushed)
        self.acknowledged: set[str] = set()  # interaction ids with a callback
        self.answer_window = 3.0  # seconds to acknowledge an interaction
        self.followup_window = 15 * 60.0  # seconds its token takes follow-ups and edits
        self.tokens: dict[str, float] = {}  # interaction token -> when the interaction was sent
        self.responses: dict[str, Response] = {}  # interaction token -> how it was acknowledged
        self.app_permissions = ALL_PERMISSIONS  # the bot's in the channel: interactions carry them
        self.identify_pauses = 0  # IDENTIFYs discord.py would have waited 5 s before (see discord_support)
        self._closing = asyncio.Event()
        self._ids = itertools.count(910000000000000000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        self._closing.set()
        for _, _, released in self.held:  # a test that never let its calls through: they are answered now
            released.set()
        for shard in self.shards:
            await shard.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def next_id(self) -> str:
        return str(next(self._ids))

    def id_at(self, at: float) -> str:
        """A new snowflake made at `at` (epoch seconds), as Discord makes a message's id: discord.py
        reads a message's `created_at` from it."""
        return str((int(at * 1000) - DISCORD_EPOCH_MS) << 22 | next(self._ids) % (1 << 22))

    # payloads

    def user(self, user_id: str | None = None, *, name: str = "asker", bot: bool = False) -> Json:
        return {
            "id": user_id or self.user_id,
            "username": name,
            "discriminator": "0",
            "global_name": name,
            "avatar": None,
            "bot": bot,
        }

    def bot_user(self) -> Json:
        return self.user(self.bot_id, name="qa-bot", bot=True)

    def member(self, user: Json) -> Json:
        roles = [self.bot_role_id] if user["id"] == self.bot_id else []  # the bot holds its managed role
        return {"user": user, "roles": roles, "joined_at": TIMESTAMP, "deaf": False, "mute": False, "flags": 0}

    def roles(self) -> list[Json]:
        """The server's roles. The invite's permissions are @everyone's here, so that a test taking one from the
        channel takes it from the bot; the bot's managed role adds none."""
        everyone = {"id": self.guild_id, "name": "@everyone", "permissions": INVITED, "position": 0, "color": 0,
                    "hoist": False, "managed": False, "mentionable": False, "flags": 0}  # fmt: skip
        mine = {**everyone, "id": self.bot_role_id, "name": "qa-bot", "permissions": "0", "position": 1,
                "managed": True, "mentionable": True, "tags": {"bot_id": self.bot_id}}  # fmt: skip
        others = {**mine, "id": self.other_bot_role_id, "name": "other-bot", "tags": {"bot_id": self.other_bot_id}}
        helpers = {**mine, "id": self.helpers_role_id, "name": "helpers", "managed": False, "tags": {}}
        return [everyone, mine, others, helpers]

    def roles_in(self, content: str) -> list[str]:
        """The server's roles that `content` mentions (`<@&id>`), as Discord lists them in `mention_roles`."""
        known = {role["id"] for role in self.roles()} - {self.guild_id}
        return [role for role in dict.fromkeys(re.findall(r"<@&(\d+)>", content)) if role in known]

    def guild(self) -> Json:
        channel = {"id": self.channel_id, "type": 0, "name": "questions", "position": 0, "guild_id": self.guild_id,
                   "permission_overwrites": [], "nsfw": False, "parent_id": None}  # fmt: skip
        return {
            "id": self.guild_id,
            "name": "Test guild",
            "icon": None,
            "owner_id": self.user_id,
            "roles": self.roles(),
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [channel, {**channel, "id": self.forum_id, "type": 15, "name": "help", "available_tags": []}]
            + [{**channel, "id": c, "name": f"c{c[-4:]}"} for c in self.extra_channels],
            "threads": [],
            "members": [self.member(self.bot_user())],
            "member_count": 2,
            "large": False,
            "unavailable": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
        }

    def message(self, content: str, *, author: Json | None = None, dm: bool = False,
                mentions: list[Json] | None = None, channel_id: str | None = None,
                sent_at: float | None = None) -> Json:  # fmt: skip
        """A MESSAGE_CREATE payload from a user, in the guild channel (or `channel_id`) or in a DM,
        sent now (or at `sent_at`, epoch seconds)."""
        author = author or self.user()
        data: Json = {
            "id": self.id_at(time.time() if sent_at is None else sent_at),
            "channel_id": channel_id or (self.dm_channel_id if dm else self.channel_id),
            "author": author,
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": "@everyone" in content,
            "mentions": mentions or [],
            "mention_roles": [] if dm else self.roles_in(content),
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if not dm:
            data["guild_id"] = self.guild_id
            data["member"] = {k: v for k, v in self.member(author).items() if k != "user"}
        return data

    def mention(self, text: str, *, author: Json | None = None, channel_id: str | None = None,
                sent_at: float | None = None) -> Json:  # fmt: skip
        """A guild message that mentions the bot, as `<@id> text`."""
        return self.message(
            f"<@{self.bot_id}> {text}", mentions=[self.bot_user()], author=author, channel_id=channel_id,
            sent_at=sent_at,
        )  # fmt: skip

    def mention_role(self, text: str, *, role_id: str | None = None, author: Json | None = None) -> Json:
        """A guild message that mentions the bot's managed role (or `role_id`), as `<@&id> text`: no user is
        mentioned, the role is in `mention_roles`."""
        return self.message(f"<@&{role_id or self.bot_role_id}> {text}", author=author)

    def post(self, title: str, content: str, *, forum_id: str | None = None) -> tuple[Json, Json]:
        """A new post in the forum (or `forum_id`): the THREAD_CREATE payload of its thread, titled
        `title`, and the MESSAGE_CREATE payload of its first message, whose id is the thread's."""
        starter = self.message(content)
        thread_id = starter["id"]
        thread = {
            "id": thread_id, "guild_id": self.guild_id, "parent_id": forum_id or self.forum_id,
            "owner_id": starter["author"]["id"], "type": 11, "name": title, "last_message_id": thread_id,
            "thread_metadata": {"archived": False, "auto_archive_duration": 4320, "archive_timestamp": TIMESTAMP,
                                "locked": False, "create_timestamp": TIMESTAMP},
            "message_count": 0, "member_count": 1, "rate_limit_per_user": 0, "flags": 0,
            "total_message_sent": 0, "applied_tags": [], "newly_created": True,
        }  # fmt: skip
        return thread, {**starter, "channel_id": thread_id, "position": 0}

    def edited(self, message: Json, content: str) -> Json:
        """The MESSAGE_UPDATE payload of a member's `message` edited to `content` (with the mentions
        it then holds, as Discord resolves them: the bot's, written `<@id>`)."""
        mentions = [self.bot_user()] if f"<@{self.bot_id}>" in content else []
        roles = self.roles_in(content) if "guild_id" in message else []
        return {**message, "content": content, "mentions": mentions, "mention_roles": roles,
                "edited_timestamp": TIMESTAMP}  # fmt: skip

    def deleted(self, message: Json) -> Json:
        """The MESSAGE_DELETE payload of `message`."""
        data = {"id": message["id"], "channel_id": message["channel_id"]}
        return {**data, "guild_id": message["guild_id"]} if "guild_id" in message else data

    def interaction(self, kind: int, data: Json, *, message: Json | None = None, user: Json | None = None,
                    roles: tuple[str, ...] = (), permissions: str = ALL_PERMISSIONS,
                    sent_at: float | None = None) -> Json:  # fmt: skip
        """An INTERACTION_CREATE payload from the user (or `user`) in the guild channel, sent now (or at
        `sent_at`, epoch seconds: its id says when, as Discord's do, and Discord forgets it 3 s after).

        `roles` are the member's role ids; `permissions` their resolved permissions in the channel.
        """
        member = {**self.member(user or self.user()), "roles": list(roles), "permissions": permissions}
        payload: Json = {
            "id": self.id_at(time.time() if sent_at is None else sent_at),
            "application_id": self.app_id,
            "type": kind,
            "data": data,
            "guild_id": self.guild_id,
            "channel_id": self.channel_id,
            "channel": {"id": self.channel_id, "type": 0, "guild_id": self.guild_id, "name": "questions"},
            "member": member,
            "token": f"interaction-token-{self.next_id()}",
            "version": 1,
            "locale": "en-US",
            "app_permissions": self.app_permissions,
            "attachment_size_limit": 8388608,
            "entitlements": [],
            "authorizing_integration_owners": {},
            "context": 0,
        }
        if message is not None:
            payload["message"] = message
        return payload

    def command(self, name: str, *, user: Json | None = None, sent_at: float | None = None, **options: str) -> Json:
        """A slash command invocation (type 2), sent now (or at `sent_at`, see `interaction`)."""
        data: Json = {"id": self.next_id(), "name": name, "type": 1}
        if options:
            data["options"] = [{"name": k, "type": 3, "value": v} for k, v in options.items()]
        return self.interaction(2, data, user=user, sent_at=sent_at)

    def message_command(self, name: str, target: Json, *, user: Json | None = None,
                        sent_at: float | None = None) -> Json:  # fmt: skip
        """A message command (type 3, a message's Apps menu) used on `target`, which Discord hands
        over whole, its content too, whatever the bot's intents; sent now (or at `sent_at`)."""
        data: Json = {"id": self.next_id(), "name": name, "type": 3, "target_id": target["id"],
                      "resolved": {"messages": {target["id"]: target}}}  # fmt: skip
        return self.interaction(2, data, user=user, sent_at=sent_at)

    def subcommand(self, group: str, name: str, *, user: Json | None = None, roles: tuple[str, ...] = (),
                   permissions: str = ALL_PERMISSIONS, **options: str | int) -> Json:  # fmt: skip
        """A slash command in a group (`/group name option:value`, type 2 with a type 1 option)."""
        inner: Json = {"name": name, "type": 1}
        if options:
            inner["options"] = [
                {"name": k, "type": 4 if isinstance(v, int) else 3, "value": v} for k, v in options.items()
            ]
        data: Json = {"id": self.next_id(), "name": group, "type": 1, "options": [inner]}
        return self.interaction(2, data, user=user, roles=roles, permissions=permissions)

    def modal_submit(self, modal: Json, values: dict[str, str], *, user: Json | None = None,
                     roles: tuple[str, ...] = (), permissions: str = ALL_PERMISSIONS) -> Json:  # fmt: skip
        """The submission (type 5) of `modal`, the data of the bot's type 9 callback.

        Each text input gets `values[custom_id]`, or keeps its pre-filled value, as a user who
        leaves a field untouched would send it.
        """

        def submitted(component: Json) -> Json:
            if component["type"] == 1:  # an action row (the older modal layout)
                return {"type": 1, "components": [submitted(c) for c in component["components"]]}
            if component["type"] == 18:  # a label holding one input
                return {"type": 18, "component": submitted(component["component"])}
            custom_id = component["custom_id"]
            return {"type": component["type"], "custom_id": custom_id,
                    "value": values.get(custom_id, component.get("value") or "")}  # fmt: skip

        data = {"custom_id": modal["custom_id"], "components": [submitted(c) for c in modal["components"]]}
        return self.interaction(5, data, user=user, roles=roles, permissions=permissions)

    def press(self, custom_id: str, message: Json, *, sent_at: float | None = None) -> Json:
        """A button press (type 3) on `message`, sent now (or at `sent_at`, see `interaction`)."""
        return self.interaction(3, {"custom_id": custom_id, "component_type": 2}, message=message, sent_at=sent_at)

    def bot_message(self, body: Json, *, channel_id: str | None = None) -> Json:
        """The message object Discord would return for a message the bot posted with `body`."""
        return {
            "id": self.next_id(),
            "channel_id": channel_id or self.channel_id,
            "author": self.bot_user(),
            "content": body.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
            "application_id": self.app_id,
        }

    # events

    async def wait_ready(self, count: int = 1, timeout: float = 10) -> None:
        """Wait until `count` shards got READY and GUILD_CREATE."""
        async with asyncio.timeout(timeout):
            while len(self.shards) < count:
                await self._wait_change()
            for shard in self.shards[:count]:
                await shard.ready.wait()

    async def push(self, event: str, data: Json, *, shard: int = 0) -> None:
        """Send an event on shard `shard`'s session; while it is disconnected, it waits for the RESUME.
        A message in a server reaches a client without the Message Content intent as Discord sends
        it then: without its content (and embeds, attachments, components), unless it mentions the
        bot; so does the message it replies to (`referenced_message`)."""
        session = self.live.get(shard) or self.shards[shard]
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not self._reads_content(session, data):
            data = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        replied = data.get("referenced_message") if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") else None
        where = {"guild_id": data["guild_id"]} if "guild_id" in data else {}  # a DM's are read whole
        if replied and not self._reads_content(session, {**replied, **where}):
            hidden = {"content": "", "embeds": [], "attachments": [], "components": []}
            data = {**data, "referenced_message": {**{k: v for k, v in replied.items() if k != "poll"}, **hidden}}
        if event == "MESSAGE_CREATE":
            self.types[data["id"]] = data["type"]
        if event == "THREAD_CREATE":
            self.threads.add(data["id"])
        if event in ("THREAD_DELETE", "CHANNEL_DELETE"):
            self.gone.add(data["id"])
        if event in ("THREAD_CREATE", "THREAD_UPDATE"):
            locked = (data.get("thread_metadata") or {}).get("locked")
            (self.locked.add if locked else self.locked.discard)(data["id"])
        if event == "INTERACTION_CREATE":
            self.interactions[data["id"]] = (data["type"], time.monotonic())
            self.tokens[str(data.get("token"))] = time.monotonic()
            targets = (data.get("data") or {}).get("resolved", {}).get("messages", {})  # a message command's
            self.types.update((target_id, target["type"]) for target_id, target in targets.items())
        await self._dispatch(session, event, data)

    def _reads_content(self, session: Shard, data: Json) -> bool:
        """Whether Discord gives this session a message's content: with the intent, in a DM, from
        the bot itself, or mentioning the bot (or a role it holds: its managed role)."""
        mentioned = any(user.get("id") == self.bot_id for user in data.get("mentions") or [])
        mentioned = mentioned or self.bot_role_id in (data.get("mention_roles") or [])
        ours = (data.get("author") or {}).get("id") == self.bot_id
        granted = int(session.identify.get("intents") or 0) & MESSAGE_CONTENT_INTENT
        return bool(granted) or "guild_id" not in data or ours or mentioned

    async def drop(self, *, shard: int = 0, code: int = 1001) -> None:
        """Close the shard's connection as a load balancer going away would; the session stays resumable."""
        await self.live[shard].ws.close(code=code, message=b"going away")

    async def invalidate(self, *, shard: int = 0, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9): the client must IDENTIFY again (or RESUME if `resumable`)."""
        session = self.live[shard]
        session.resumable = resumable
        await session.ws.send_str(json.dumps({"op": 9, "d": resumable, "s": None, "t": None}))

    async def reconnect_request(self, *, shard: int = 0) -> None:
        """Send RECONNECT (op 7), as Discord does before moving a session."""
        await self.live[shard].ws.send_str(json.dumps({"op": 7, "d": None, "s": None, "t": None}))

    async def wait_sessions(self, *, identifies: int = 1, resumes: int = 0, timeout: float = 15) -> None:
        """Wait until the client has IDENTIFIED `identifies` times (and is ready) and RESUMED `resumes` times."""
        async with asyncio.timeout(timeout):
            while len(self.shards) < identifies or len(self.resumes) < resumes:
                await self._wait_change()
            await self.shards[identifies - 1].ready.wait()

    def fail(self, method: str, prefix: str, status: int = 429, *, times: int = 1, retry_after: float = 0.05,
             is_global: bool = False) -> None:  # fmt: skip
        """Answer the next `times` `method` calls whose path starts with `prefix` with `status`."""
        self.faults.append(Fault(method, prefix, status, times, retry_after, is_global))

    async def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10) -> Call:
        """The first recorded REST call matching `predicate`, waiting for it if needed."""
        async with asyncio.timeout(timeout):
            while True:
                for call in self.calls:
                    if predicate(call):
                        return call
                await self._wait_change()

    def hang(self, method: str, prefix: str) -> None:
        """Never answer `method` calls whose path starts with `prefix` (a reply stuck in flight)."""
        self.hanging.append((method, prefix))

    def hold(self, method: str, prefix: str) -> asyncio.Event:
        """Leave `method` calls whose path starts with `prefix` unanswered until the event returned is set
        (a reply in flight for as long as a test needs, with no clock involved); then answered as usual."""
        released = asyncio.Event()
        self.held.append((method, prefix, released))
        return released

    def refuse_once(self, method: str, path: str) -> None:
        """Answer the next `method path` request with 403 Missing Permissions."""
        self.refusals.append((method, path))

    def find(self, method: str, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith(prefix)]

    async def _wait_change(self) -> None:
        async with self._changed:
            await self._changed.wait()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        shard = Shard(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            self.received.append(msg.data)
            frame = json.loads(msg.data)
            if frame["op"] == 1:
                await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
            elif frame["op"] == 2:
                await self._identified(shard, frame["d"])
            elif frame["op"] == 6:
                await self._resumed(ws, frame["d"])
        return ws

    async def _resumed(self, ws: web.WebSocketResponse, resume: Json) -> None:
        """RESUME: replay what the session missed since `seq`, then RESUMED; or op 9 if it cannot."""
        self.resumes.append(resume)
        await self._notify()
        if resume.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        session = next((s for s in self.live.values() if s.session_id == resume.get("session_id")), None)
        if session is None or not session.resumable:
            await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            return
        session.ws = ws
        for frame in session.sent[int(resume.get("seq") or 0) :]:
            await ws.send_str(frame)
        await self._dispatch(session, "RESUMED", {})

    async def _identified(self, shard: Shard, identify: Json) -> None:
        shard.identify = identify
        if identify.get("token") != self.token:
            await shard.ws.close(code=4004, message=b"Authentication failed.")
            return
        if identify["intents"] & MESSAGE_CONTENT_INTENT and not self.grant_message_content:
            await shard.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard_info = identify.get("shard") or [0, 1]
        shard.session_id = f"session-{shard_info[0]}-{len(self.shards)}"
        self.shards.append(shard)
        self.live[shard_info[0]] = shard
        await self._notify()
        mine = (int(self.guild_id) >> 22) % shard_info[1] == shard_info[0]  # Discord's rule for a guild's shard
        ready = {
            "v": 10,
            "user": self.bot_user(),
            # a shard's READY lists its own guilds only: discord.py would replace the guild another shard
            # had filled in (GUILD_CREATE) with a blank, unavailable one
            "guilds": [{"id": self.guild_id, "unavailable": True}] if mine else [],
            "session_id": shard.session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": shard_info,
            "application": {"id": self.app_id, "flags": 0},
        }
        await self._dispatch(shard, "READY", ready)
        if mine:
            await self._dispatch(shard, "GUILD_CREATE", self.guild())
        shard.ready.set()

    async def _dispatch(self, shard: Shard, event: str, data: Json) -> None:
        shard.seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": shard.seq, "d": data})
        shard.sent.append(frame)
        if shard.ws.closed:
            return  # replayed when the client RESUMEs
        with contextlib.suppress(ConnectionError, RuntimeError):  # gone meanwhile: replayed on RESUME
            await shard.ws.send_str(frame)

    # REST

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        call = Call(request.method, path, dict(request.query), body)
        self.calls.append(call)
        await self._notify()
        if any(call.method == method and path.startswith(prefix) for method, prefix in self.hanging):
            await self._closing.wait()
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp treats it as a lost client: nothing logged, nothing sent
        for method, prefix, released in self.held:
            if call.method == method and path.startswith(prefix):
                await released.wait()
        if self.rest_delay:
            await asyncio.sleep(self.rest_delay)
        response = self._answer(request, call)
        call.status, call.answered = response.status, time.monotonic()
        if self.on_posted is not None and call.status == 200 and discord_route(call.method, path) == POSTED:
            self.on_posted(call)
        await self._notify()
        return response

    def _answer(self, request: web.Request, call: Call) -> web.Response:
        method, path, body = call.method, call.path, call.body
        if request.headers.get("Authorization") != f"Bot {self.token}" and not path.startswith(
            ("/webhooks/", "/interactions/")
        ):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        fault = next((f for f in self.faults if f.method == method and path.startswith(f.prefix)), None)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            return _fault(fault)
        if (refused := self._refusal(method, path, body)) is not None:
            return refused
        if (method, path) in self.refusals:
            self.refusals.remove((method, path))
            return _json({"message": "Missing Permissions", "code": 50013}, status=403)
        data, status = self._route(method, path, body)
        call.result = data
        # Real Discord sends its rate limit state with every answer; discord.py's buckets rely on it.
        limits = {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset-After": "0.001",
            "X-RateLimit-Reset": f"{time.time() + 0.001:.3f}",
            "X-RateLimit-Bucket": f"b-{path.split('/')[1]}",
        }
        return _json(data, status, limits if status < 400 else None)

    def _route(self, method: str, path: str, body: Any) -> tuple[Any, int]:
        parts = path.strip("/").split("/")
        if parts[0] == "channels" and parts[1] in self.gone:  # deleted, its messages with it
            return {"message": "Unknown Channel", "code": 10003}, 404
        if (method, path) == ("GET", "/users/@me"):
            return self.bot_user(), 200
        if (method, path) == ("GET", "/oauth2/applications/@me"):
            return self._application(), 200
        if (method, path) == ("GET", "/gateway/bot"):
            limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
            return {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}, 200
        if (method, parts[0], parts[1:]) == ("GET", "channels", [self.dm_channel_id]):  # the member's DM with the bot
            return {"id": self.dm_channel_id, "type": 1, "recipients": [self.user()], "last_message_id": None}, 200
        if method == "POST" and parts[0] == "channels" and parts[2:] == ["messages"]:
            return self._remember(self.bot_message(body, channel_id=parts[1])), 200
        if parts[0] == "channels" and parts[2:3] == ["messages"] and len(parts) == 4 and method in ("PATCH", "DELETE"):
            return self._change(method, parts[1], parts[3], body)
        if method == "POST" and parts[0] == "interactions" and parts[3:] == ["callback"]:
            kind, flags = body["type"], (body.get("data") or {}).get("flags") or 0
            self.responses[parts[2]] = Response(kind, flags, thinking=kind == DEFERRED_WITH_SOURCE)
            if self.thinking_deleted_by_someone and kind == DEFERRED_WITH_SOURCE and not flags & EPHEMERAL:
                self.responses[parts[2]] = Response(kind, flags, deleted=True, by_someone=True)
            return {"interaction": {"id": parts[1], "type": 2}}, 200
        if parts[0] == "webhooks" and method == "DELETE" and parts[3:] == ["messages", "@original"]:
            return self._delete_original(parts[2])
        if parts[0] == "webhooks" and method in ("POST", "PATCH"):
            return self._remember(self._follow_up(method, path, parts[2], body)), 200
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            # as Discord gives them back: a message command's description is "" (it is sent none)
            created = {
                "type": 1,
                "description": "",
                "id": self.next_id(),
                "application_id": self.app_id,
                "version": "1",
            }
            return [{**created, **cmd} for cmd in body], 200
        return {"message": "404: Not Found", "code": 0}, 404

    def _follow_up(self, method: str, path: str, token: str, body: Json) -> Json:
        """The message a follow-up (or an edit of the original response) shows: the first after a
        "thinking…" deferral is the deferral's message, as visible as the deferral was."""
        message = self.bot_message(body)
        response = self.responses.get(token)
        if response is None or not response.thinking or not (method == "POST" or path.endswith("/@original")):
            return message
        response.thinking = False
        if body.get("flags", 0) & EPHEMERAL and not response.flags & EPHEMERAL:
            self.violations.append(f"{method} {path}: an ephemeral follow-up shown to everyone (a public deferral's)")
        return {**message, "flags": (message["flags"] & ~EPHEMERAL) | (response.flags & EPHEMERAL)}

    def _delete_original(self, token: str) -> tuple[Any, int]:
        """Delete an interaction's original response: its message, or its "thinking…" deferral, after
        which a follow-up is a message of its own (discord-api-docs#2739). Unknown Message for none."""
        response = self.responses.get(token)
        if response is not None and response.by_someone:  # the bot could not know: no fault of its own
            return {"message": "Unknown Message", "code": 10008}, 404
        if response is None or response.deleted or response.kind not in (4, DEFERRED_WITH_SOURCE):
            self.violations.append(f"DELETE @original of interaction token {token}: it has no original message")
            return {"message": "Unknown Message", "code": 10008}, 404
        response.deleted, response.thinking = True, False
        return None, 204

    def _refusal(self, method: str, path: str, body: Any) -> web.Response | None:
        """What Discord answers to a request it refuses (recorded as a violation), or None."""
        problem = discord_violation(method, path, body)
        if problem is not None:
            self.violations.append(f"{method} {path}: {problem}")
            errors = {"_errors": [{"code": "BASE_TYPE_INVALID", "message": problem}]}
            return _json({"message": "Invalid Form Body", "code": 50035, "errors": errors}, status=400)
        if (unsent := self._unsent(method, path)) is not None:
            return unsent
        if (locked := self._locked(method, path)) is not None:
            return locked
        if (unembedded := self._unembedded(method, path, body)) is not None:
            return unembedded
        if (system := self._replies_to_system(method, path, body)) is not None:
            return system
        if (unread := self._reply_unread(method, path, body)) is not None:
            return unread
        if discord_route(method, path) == "POST /interactions/{interaction_id}/{interaction_token}/callback":
            return self._callback_refusal(path.split("/")[2], body)
        parts = path.strip("/").split("/")
        sent = self.tokens.get(parts[2]) if parts[0] == "webhooks" and len(parts) >= 3 else None
        if sent is not None and time.monotonic() - sent > self.followup_window:  # a token lives 15 minutes
            self.violations.append(f"{method} {path}: the interaction token has expired")
            return _json({"message": "Invalid Webhook Token", "code": 50027}, status=401)
        return None

    def _replies_to_system(self, method: str, path: str, body: Any) -> web.Response | None:
        """Discord's refusal of a message replying to a system message (see REPLYABLE_TYPES), or None."""
        if discord_route(method, path) != "POST /channels/{channel_id}/messages":
            return None
        replied = str((body.get("message_reference") or {}).get("message_id"))
        if self.types.get(replied, 0) in REPLYABLE_TYPES:
            return None
        self.violations.append(f"{method} {path}: a reply to system message {replied}")
        errors = {"message_reference": {"_errors": [{"code": "REPLIES_CANNOT_REPLY_TO_SYSTEM_MESSAGE",
                                                     "message": "Cannot reply to a system message"}]}}  # fmt: skip
        return _json({"message": "Invalid Form Body", "code": 50035, "errors": errors}, status=400)

    def _unsent(self, method: str, path: str) -> web.Response | None:
        """Discord's refusal of a message in a channel of the server (not a DM) from a bot without Send
        Messages there (in a thread, Send Messages in Threads), or None."""
        if discord_route(method, path) != "POST /channels/{channel_id}/messages":
            return None
        channel = path.split("/")[2]
        needed = SEND_MESSAGES_IN_THREADS if channel in self.threads else SEND_MESSAGES
        if not self._in_server(channel):
            return None  # a DM: the bot may always answer there
        if int(self.app_permissions) & needed:
            return None
        self.violations.append(f"{method} {path}: a message without the permission to send it there")
        return _json({"message": "Missing Permissions", "code": 50013}, 403)

    def _locked(self, method: str, path: str) -> web.Response | None:
        """Discord's refusal of a message in a locked thread (a help post a moderator closed) from a bot
        without Manage Threads, whatever else it may do there; or None."""
        if discord_route(method, path) != POSTED or path.split("/")[2] not in self.locked:
            return None
        if int(self.app_permissions) & MANAGE_THREADS:
            return None
        self.violations.append(f"{method} {path}: a message in a locked thread without Manage Threads")
        return _json({"message": "Thread is locked", "code": 160005}, 400)

    def _unembedded(self, method: str, path: str, body: Any) -> web.Response | None:
        """An embed sent or edited in by a bot without Embed Links in a channel of the server (not a DM):
        Discord refuses a message that has nothing else (403, Missing Permissions) and drops the embed
        from one that has text (discord-api-docs#2601, #5648); either way no member sees it. Or None."""
        route = discord_route(method, path)
        if route not in (POSTED, "PATCH /channels/{channel_id}/messages/{message_id}") or not isinstance(body, dict):
            return None
        if not body.get("embeds") or not self._in_server(path.split("/")[2]):
            return None
        if int(self.app_permissions) & EMBED_LINKS:
            return None
        self.violations.append(f"{method} {path}: an embed without Embed Links (no one sees it)")
        if not body.get("content"):
            return _json({"message": "Missing Permissions", "code": 50013}, 403)
        body["embeds"] = []  # the message goes, its embed dropped
        return None

    def _in_server(self, channel: str) -> bool:
        """Whether `channel` is one of the server's (a channel, the forum, a thread), not a DM: the
        bot's permissions there are the server's, and a DM has none to lack."""
        return channel in {self.channel_id, self.forum_id, *self.extra_channels, *self.threads}

    def _reply_unread(self, method: str, path: str, body: Any) -> web.Response | None:
        """Discord's refusal of a reply by a bot without Read Message History in a channel of the
        server (in a DM, a server permission, it may always reply), or None."""
        if discord_route(method, path) != "POST /channels/{channel_id}/messages" or not body.get("message_reference"):
            return None
        if not self._in_server(path.split("/")[2]) or int(self.app_permissions) & READ_MESSAGE_HISTORY:
            return None
        self.violations.append(f"{method} {path}: a reply without Read Message History")
        return _json({"message": "Cannot reply without permission to read message history", "code": 160002}, 403)

    def _callback_refusal(self, interaction_id: str, body: Json) -> web.Response | None:
        """Discord's refusal of an interaction's callback, or None. One it has forgotten (3 s after it
        sent it) is Unknown interaction (404, 10062); the bot's fault only when it took that long itself:
        an interaction the bot was handed late (a test's `sent_at`: a burst held the bot up) is no violation."""
        known = self.interactions.get(interaction_id)
        if known is None or time.monotonic() - known[1] > self.answer_window:
            self.violations.append(f"callback for {interaction_id}: Unknown interaction (late or never sent)")
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        if time.time() - ((int(interaction_id) >> 22) + DISCORD_EPOCH_MS) / 1000 > self.answer_window:
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        if interaction_id in self.acknowledged:
            self.violations.append(f"callback for {interaction_id}: already acknowledged")
            return _json({"message": "Interaction has already been acknowledged.", "code": 40060}, status=400)
        if body["type"] not in CALLBACK_TYPES.get(known[0], set()):
            self.violations.append(f"callback type {body['type']} for an interaction of type {known[0]}")
            errors = {"type": {"_errors": [{"code": "INTERACTION_RESPONSE_TYPE_INVALID", "message": "Invalid"}]}}
            return _json({"message": "Invalid Form Body", "code": 50035, "errors": errors}, status=400)
        self.acknowledged.add(interaction_id)
        return None

    def _change(self, method: str, channel_id: str, message_id: str, body: Any) -> tuple[Any, int]:
        """Edit or delete a message the bot sent; Unknown Message (404) for any other, as Discord answers."""
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != channel_id:
            return {"message": "Unknown Message", "code": 10008}, 404
        if method == "DELETE":
            del self.messages[message_id]
            return None, 204
        for name in ("content", "embeds", "components"):  # a field sent as null is emptied
            if name in body:
                message[name] = body[name] or ("" if name == "content" else [])
        message["edited_timestamp"] = TIMESTAMP
        return message, 200

    def _remember(self, message: Json) -> Json:
        self.messages[message["id"]] = message
        return message

    def _application(self) -> Json:
        return {
            "id": self.app_id,
            "name": "qa-bot",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.user(),
            "team": None,
            "flags": 0,
            "rpc_origins": [],
            "summary": "",
        }


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    if status == 204:  # No Content: an empty body, and no JSON type (discord.py would parse it)
        return web.Response(status=204, headers=headers)
    # Exactly "application/json": discord.py reads anything else (even with a charset) as text.
    headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=headers)


def _fault(fault: Fault) -> web.Response:
    if fault.status != 429:
        return _json({"message": f"{fault.status}: Server Error", "code": 0}, status=fault.status)
    # discord.py retries a 429 only when it came through Discord's proxy (a Via header) with a
    # JSON body; it sleeps retry_after from the body and keys its buckets on X-RateLimit-Bucket.
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, round(fault.retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
        "X-RateLimit-Bucket": "fake-bucket",
        "X-RateLimit-Scope": "global" if fault.is_global else "shared",
    }
    if fault.is_global:
        headers["X-RateLimit-Global"] = "true"
    body = {"message": "You are being rate limited.", "retry_after": fault.retry_after, "global": fault.is_global}
    return _json(body, status=429, headers=headers)
