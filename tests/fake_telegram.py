"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the real python-telegram-bot.

It answers `<base_url><TOKEN>/<method>` like Telegram does, records every call, delivers queued
updates through getUpdates long polling (at most `limit`, 100 by default, per call), can answer
the next call of a method with a 429 and `retry_after`, answers getChatMember from member
statuses a test sets, and wakes every pending long poll when it stops (aiohttp does not cancel a
handler when its client goes away).

Faults for any method (`inject`): a 5xx (as JSON, or as the HTML page a proxy sends), a 429 with
`retry_after`, an answer delayed past the client's timeout, a connection dropped without an
answer, or no answer at all (`hang`: held until the client gives up or the fake stops). A call
that got no answer is recorded with status 0 (dropped) or 499 (the client gave up waiting); only
status 200 counts as done, so a reply the bot timed out on was not delivered.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.spec_check import STARTED, telegram_violation

BOT_ID = 777000111
BOT_USERNAME = "QABot"
_MENTION = re.compile(r"@\w+")
_COMMAND = re.compile(r"^/\w+(?:@\w+)?")


@dataclass
class Call:
    """One request the bot made: the method and its decoded parameters."""

    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None
    at: float = field(default_factory=time.monotonic)  # when it arrived (or, if delayed, was answered)

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def markup(self) -> dict[str, Any]:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else {}

    def buttons(self) -> list[dict[str, Any]]:
        return [button for row in self.markup.get("inline_keyboard", []) for button in row]


@dataclass(frozen=True)
class Fault:
    """How the fake misbehaves on one call: `status` 5xx or 429 (with `retry_after`), a delay, or a drop.

    `delay` holds the answer back that many seconds, then answers with `status` (200: normally,
    if the client still waits); `drop` closes the connection without any answer, after `delay`
    (mid-poll for getUpdates).
    """

    status: int = 200
    retry_after: int | None = None
    delay: float = 0.0
    drop: bool = False
    html: bool = False  # the error as an HTML page (as nginx in front of Telegram sends a 502), not JSON
    hang: bool = False  # never answer: the call waits until the client gives up or the fake stops


MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities(text: str) -> list[dict[str, Any]]:
    """The bot_command and mention entities Telegram would attach to `text` (UTF-16 offsets)."""
    found = []
    command = _COMMAND.match(text)
    if command:
        found.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
    for match in _MENTION.finditer(text):
        if command and match.start() < command.end():
            continue
        offset = utf16_len(text[: match.start()])
        found.append({"type": "mention", "offset": offset, "length": utf16_len(match.group())})
    return found


@dataclass
class FakeTelegram:
    """The fake server; `base_url` is what TELEGRAM_API_BASE_URL gets."""

    token: str
    calls: list[Call] = field(default_factory=list)
    base_url: str = ""
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    _faults: dict[str, list[Fault]] = field(default_factory=dict)
    on_sent: Any = None  # called with each sendMessage Call once it is answered (a load test's hook)
    _chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _members: dict[tuple[int, int], str] = field(default_factory=dict)
    # chats refusing what the bot sends (a private chat never opened, the bot blocked; a group it left): why
    _closed: dict[int, str] = field(default_factory=dict)
    _migrated: dict[str, int] = field(default_factory=dict)  # a basic group's id -> its supergroup's
    # the thread of each message a member sent in one (a forum topic, a channel post's comments): a reply joins it
    _threads: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    # forum topics an admin closed or deleted, by (chat id, message_thread_id): what Telegram refuses there
    _topics: dict[tuple[int, int], str] = field(default_factory=dict)
    # the messages the bot sent and has not deleted, by (chat id, message id): what it may edit
    sent: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    _stopping: bool = False
    violations: list[str] = field(default_factory=list)  # requests the real Bot API would refuse
    _polling: asyncio.Event | None = None  # set to end the getUpdates being held (a newer one came)
    _runner: web.AppRunner | None = None

    def __post_init__(self) -> None:
        STARTED.append(self)
        self._wake = asyncio.Event()
        self._recorded = asyncio.Event()
        self._stopped = asyncio.Event()

    # --- lifecycle ---

    async def start(self) -> str:
        self._loop = asyncio.get_running_loop()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self.base_url

    async def stop(self) -> None:
        self._stopping = True
        self._stopped.set()
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests do ---

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update (without update_id); returns the update_id it got."""
        update_id = next(self._ids)
        self._updates.append({"update_id": update_id, **update})
        self._notify()
        return update_id

    def message(
        self,
        chat: dict[str, Any],
        text: str,
        *,
        user: dict[str, Any],
        reply_to: dict[str, Any] | None = None,
        sender_chat: dict[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Queue a text message from `user` in `chat`, with the entities Telegram would add; posted
        as `sender_chat` (a channel, or the group for an anonymous admin) when given; `fields`: more
        of the Message object's fields (`forward_origin`, `is_automatic_forward`)."""
        self._chats[chat["id"]] = chat
        if chat.get("type") == "private":
            self._closed.pop(int(chat["id"]), None)  # writing to the bot opens the chat (or unblocks it: Restart)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        if found := entities(text):
            message["entities"] = found
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        message.update(fields)
        if "message_thread_id" in message:
            self._threads[(int(chat["id"]), message["message_id"])] = _thread_of(message)
        self.push({"message": message})
        return message

    def edit(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """Queue the edit of a member's `message` (as `message()` returned it) to `text`, as Telegram
        reports it: an `edited_message` update with the same id and date, the new text and entities."""
        edited = {k: v for k, v in message.items() if k != "entities"}
        edited.update(text=text, edit_date=int(time.time()))
        if found := entities(text):
            edited["entities"] = found
        self.push({"edited_message": edited})
        return edited

    def share(self, chat: dict[str, Any], kind: str, *, user: dict[str, Any], **fields: Any) -> dict[str, Any]:
        """Queue a message from `user` in `chat` that shares a `kind` of `SHARED` (a location, a venue, a
        contact, a poll, a dice) and holds no text, as Telegram delivers one: a venue carries its location
        in `location` too; `fields` add to the shared object (`live_period`: a live location)."""
        self._chats[chat["id"]] = chat
        shared = {**SHARED[kind], **fields}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            kind: shared,
        }
        if kind == "venue":
            message["location"] = shared["location"]
        self.push({"message": message})
        return message

    def move(self, message: dict[str, Any], latitude: float, longitude: float) -> dict[str, Any]:
        """Queue the update of a live location `message` (as `share()` returned it): Telegram reports each
        as an edit of the message, the same id and date, the new place and an `edit_date`."""
        moved = {**message, "location": {**message["location"], "latitude": latitude, "longitude": longitude}}
        moved["edit_date"] = int(time.time())
        self.push({"edited_message": moved})
        return moved

    def inline(self, query: str, *, user: dict[str, Any]) -> str:
        """Queue an inline query (`@QABot query` typed in any chat); returns its id."""
        query_id = str(next(self._ids))
        self.push({"inline_query": {"id": query_id, "from": user, "query": query, "offset": ""}})
        return query_id

    def press(self, shown: dict[str, Any], data: str, *, user: dict[str, Any]) -> None:
        """Queue a press on an inline button with `data` under the bot's message `shown`."""
        self.push(
            {
                "callback_query": {
                    "id": str(next(self._ids)),
                    "from": user,
                    "chat_instance": "1",
                    "message": shown,
                    "data": data,
                }
            }
        )

    def loop_call(self, function: Any, *args: Any, **kwargs: Any) -> None:
        """Call `function` on the fake's own loop (from a test running in another thread)."""
        self._loop.call_soon_threadsafe(functools.partial(function, *args, **kwargs))

    def fail_next(self, method: str, *, retry_after: int | None = None, description: str = "Bad Request") -> None:
        """Answer the next call of `method` with 429 and `retry_after` if given, else 400 `description`."""
        if retry_after is None:
            failure = (400, {"ok": False, "error_code": 400, "description": description})
        else:
            body = {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}"}
            failure = (429, {**body, "parameters": {"retry_after": retry_after}})
        self._failures.setdefault(method, []).append(failure)

    def inject(self, method: str, fault: Fault, times: int = 1) -> None:
        """Misbehave on the next `times` calls of `method` (after any `fail_next` failures)."""
        self._faults.setdefault(method, []).extend([fault] * times)

    def faults_left(self, method: str) -> int:
        return len(self._faults.get(method, []))

    def migrate(self, chat: dict[str, Any], to: int) -> None:
        """`chat`, a basic group, upgraded to the supergroup `to`: Telegram refuses whatever is sent to
        the old id from then on, naming the new one."""
        self._migrated[str(chat["id"])] = to

    def upgrade(
        self,
        chat: dict[str, Any],
        to: int,
        *,
        user: dict[str, Any],
        said: tuple[str, ...] = ("migrate_to_chat_id", "migrate_from_chat_id"),
    ) -> None:
        """`user` upgraded `chat`, a basic group, to the supergroup `to`, as Telegram tells the bot: what is
        sent to the old id is refused from then on (`migrate`), and the service messages in `said` come,
        `migrate_to_chat_id` in the old group, then `migrate_from_chat_id` in the supergroup."""
        self.migrate(chat, to)
        supergroup = {"id": to, "type": "supergroup", "title": chat.get("title", "")}
        self._chats[to] = supergroup
        now = int(time.time())
        if "migrate_to_chat_id" in said:
            told = {"message_id": next(self._message_ids), "date": now, "chat": chat, "from": user}
            self.push({"message": {**told, "migrate_to_chat_id": to}})
        if "migrate_from_chat_id" in said:
            told = {"message_id": 1, "date": now, "chat": supergroup, "from": user, "sender_chat": supergroup}
            self.push({"message": {**told, "migrate_from_chat_id": chat["id"]}})

    def close_topic(self, chat: dict[str, Any], thread_id: int) -> None:
        """An admin closed the forum topic `thread_id` of `chat`: Telegram refuses what the bot sends into it."""
        self._topics[(int(chat["id"]), thread_id)] = TOPIC_CLOSED

    def delete_topic(self, chat: dict[str, Any], thread_id: int) -> None:
        """An admin deleted the forum topic `thread_id` of `chat`, and every message in it (the bot's too):
        Telegram refuses what the bot sends into it, and its messages there can no longer be edited or deleted."""
        self._topics[(int(chat["id"]), thread_id)] = TOPIC_DELETED
        for key, message in list(self.sent.items()):
            if key[0] == int(chat["id"]) and message.get("message_thread_id") == thread_id:
                del self.sent[key]

    def remove_bot(self, chat: dict[str, Any], *, by: dict[str, Any]) -> None:
        """`by` removed the bot from the group `chat`: Telegram refuses what the bot sends there (403) and tells
        it so (a my_chat_member update), until it is added again (`add_bot`)."""
        self._closed[int(chat["id"])] = KICKED
        self._membership(chat, by, "member", "kicked")

    def add_bot(self, chat: dict[str, Any], *, by: dict[str, Any]) -> None:
        """`by` added the bot to the group `chat` again: its sends are taken there again."""
        self._closed.pop(int(chat["id"]), None)
        self._membership(chat, by, "left", "member")

    def _membership(self, chat: dict[str, Any], by: dict[str, Any], old: str, new: str) -> None:
        me = {"id": BOT_ID, "is_bot": True, "first_name": "QA", "username": BOT_USERNAME}
        self.push(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": by,
                    "date": int(time.time()),
                    "old_chat_member": {"status": old, "user": me},
                    "new_chat_member": {"status": new, "user": me, **({"until_date": 0} if new == "kicked" else {})},
                }
            }
        )

    def never_started(self, user: dict[str, Any]) -> None:
        """`user` never opened a private chat with the bot: Telegram refuses what the bot sends them
        there (403), until they send it a message."""
        self._closed[int(user["id"])] = NEVER_STARTED

    def blocked(self, user: dict[str, Any]) -> None:
        """`user` blocked the bot: Telegram refuses what the bot sends them (403, another description),
        until they unblock it (its Restart button sends /start: a message to the bot)."""
        self._closed[int(user["id"])] = BLOCKED

    def set_member(self, chat: dict[str, Any], user: dict[str, Any], status: str) -> None:
        """What getChatMember answers for `user` in `chat`: "creator", "administrator" or "member" (the default)."""
        self._members[(int(chat["id"]), int(user["id"]))] = status

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200]

    def calls_of(self, method: str) -> list[Call]:
        """Every call of `method`, refused or not."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        """Wait until `method` succeeded `count` times; returns those calls."""
        async with asyncio.timeout(timeout):
            while len(self.called(method)) < count:
                self._recorded.clear()
                await self._recorded.wait()
        return self.called(method)

    # --- the server ---

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _reply({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.match_info["method"]
        params = _decode(dict(await request.post()))
        if refused := telegram_violation(method, params):
            status, description = refused
            self.violations.append(f"{method} {description}: {json.dumps(params, ensure_ascii=False)[:300]}")
            self._record(Call(method, params, status))
            return _reply({"ok": False, "error_code": status, "description": description}, status)
        if (to := self._migrated.get(str(params.get("chat_id")))) is not None:
            self._record(Call(method, params, 400))
            body = {"ok": False, "error_code": 400, "description": MIGRATED, "parameters": {"migrate_to_chat_id": to}}
            return _reply(body, 400)
        if self._failures.get(method):
            status, body = self._failures[method].pop(0)
            self._record(Call(method, params, status))
            return _reply(body, status)
        if self._faults.get(method):
            return await self._misbehave(request, method, params, self._faults[method].pop(0))
        call = Call(method, params)
        self._record(call)  # on arrival, so a test sees a long poll that is still waiting
        try:
            call.result = await self._result(method, params)
        except _Conflict:
            call.status = 409
            return _reply({"ok": False, "error_code": 409, "description": CONFLICT}, 409)
        except _Refused as refused:
            call.status = refused.status
            return _reply({"ok": False, "error_code": refused.status, "description": str(refused)}, refused.status)
        self._answered(call)
        return _reply({"ok": True, "result": call.result})

    async def _misbehave(self, request: web.Request, method: str, params: dict[str, Any], fault: Fault) -> web.Response:
        call = Call(method, params, status=0)
        self._record(call)
        try:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.hang:
                await self._stopped.wait()
        except asyncio.CancelledError:  # the client timed out and closed the connection
            call.status = 499
            raise
        if fault.drop or fault.hang:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp treats it as a lost client: nothing logged, nothing sent
        if fault.status == 200:  # only slow: answer normally
            call.status = 200
            call.at = time.monotonic()
            call.result = await self._result(method, params)
            self._answered(call)
            return _reply({"ok": True, "result": call.result})
        call.status = fault.status
        if fault.html:
            page = f"<html><body><h1>{fault.status} Bad Gateway</h1></body></html>"
            return web.Response(text=page, status=fault.status, content_type="text/html")
        body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": "Internal Server Error"}
        if fault.retry_after is not None:
            body["description"] = f"Too Many Requests: retry after {fault.retry_after}"
            body["parameters"] = {"retry_after": fault.retry_after}
        return _reply(body, fault.status)

    def _answered(self, call: Call) -> None:
        self._recorded.set()
        if call.method == "sendMessage" and self.on_sent is not None:
            self.on_sent(call)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._recorded.set()

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "QA",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "sendMessage":
            return self._sent(params)
        if method == "editMessageText":
            return self._edited(params)
        if method == "deleteMessage":
            if self.sent.pop((int(params["chat_id"]), int(params["message_id"])), None) is None:
                raise _Refused("Bad Request: message to delete not found")
            return True
        if method == "getChatMember":
            return self._member(int(params["chat_id"]), int(params["user_id"]))
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """A long poll; a second poller while one is held ends the held one with 409, as Telegram does."""
        if self._polling is not None:
            self._polling.set()
        self._polling = ended = asyncio.Event()
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = min(float(params.get("timeout") or 0), 30.0)
        try:
            if not self._updates and timeout > 0 and not self._stopping:
                waits = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(ended.wait())}
                try:
                    await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                finally:  # also when the client went away and aiohttp cancelled this handler
                    for waiting in waits:
                        waiting.cancel()
            if ended.is_set():
                self.violations.append("getUpdates: " + CONFLICT)
                raise _Conflict
        finally:
            if self._polling is ended:
                self._polling = None
        limit = int(params.get("limit") or 100)
        return [] if self._stopping else self._updates[:limit]

    def _sent(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if chat_id in self._closed:
            raise _Refused(self._closed[chat_id], 403)
        chat = self._chats.get(chat_id, {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"})
        if (gone := self._topics.get((chat_id, int(params.get("message_thread_id") or 0)))) is not None:
            raise _Refused(gone)
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "QA", "username": BOT_USERNAME},
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        replied = params.get("reply_parameters", {}).get("message_id")
        if params.get("message_thread_id"):  # sent into a forum topic
            message.update(message_thread_id=int(params["message_thread_id"]), is_topic_message=True)
        elif (thread := self._threads.get((chat_id, int(replied or 0)))) is not None:
            message.update(thread)  # a reply to a message in a thread is in that thread
        if "message_thread_id" in message:
            self._threads[(chat_id, message["message_id"])] = _thread_of(message)
        self.sent[(chat_id, message["message_id"])] = message
        return message

    def _edited(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageText of a message the bot sent, refused as Telegram refuses it: one it never sent
        (or deleted), and an edit that changes neither its text nor its buttons. Buttons left out are removed."""
        message = self.sent.get((int(params["chat_id"]), int(params["message_id"])))
        if message is None:
            raise _Refused("Bad Request: message to edit not found")
        markup = params.get("reply_markup") or None
        if message["text"] == params["text"] and message.get("reply_markup") == markup:
            raise _Refused(NOT_MODIFIED)
        message.update(text=params["text"], edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        status = self._members.get((chat_id, user_id), "member")
        member: dict[str, Any] = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "U"}}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            rights = ("can_be_edited", "is_anonymous", "can_manage_video_chats", "can_restrict_members")
            rights += ("can_promote_members", "can_post_stories", "can_edit_stories", "can_delete_stories")
            member.update(dict.fromkeys(rights, False))
            member.update(can_manage_chat=True, can_delete_messages=True, can_change_info=True, can_invite_users=True)
        return member


_PLACE = {"latitude": 52.3731, "longitude": 4.8922}
# What a member can share that holds no text, each with the fields the Bot API requires of it (tests/specs)
SHARED: dict[str, dict[str, Any]] = {
    "location": _PLACE,
    "venue": {"location": _PLACE, "title": "Public Library", "address": "Oosterdokskade 143"},
    "contact": {"phone_number": "+31 6 1234 5678", "first_name": "Cy", "user_id": 4545},
    "poll": {
        "id": "5001",
        "question": "When shall we meet?",
        "options": [{"persistent_id": str(n), "text": day, "voter_count": 0} for n, day in enumerate(["Thu", "Fri"])],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": True,
        "members_only": False,
    },
    "dice": {"emoji": "🎲", "value": 4},
}

TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"
TOPIC_DELETED = "Bad Request: message thread not found"  # what Telegram answers for a topic deleted
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
NEVER_STARTED = "Forbidden: bot can't initiate conversation with a user"
BLOCKED = "Forbidden: bot was blocked by the user"
KICKED = "Forbidden: bot was kicked from the supergroup chat"


NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class _Conflict(Exception):
    """A newer getUpdates ended this one."""


class _Refused(Exception):
    """A call Telegram answers with `status` (400 unless given) and this description."""

    def __init__(self, description: str, status: int = 400):
        super().__init__(description)
        self.status = status


def _thread_of(message: dict[str, Any]) -> dict[str, Any]:
    """The fields that put a message in its thread (a forum topic's, or a channel post's comments)."""
    return {k: message[k] for k in ("message_thread_id", "is_topic_message") if k in message}


def _decode(form: dict[str, Any]) -> dict[str, Any]:
    """Form values as sent: JSON-encoded objects and lists are decoded, the rest kept as strings."""
    decoded: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, str) and value[:1] in "{[":
            try:
                decoded[key] = json.loads(value)
                continue
            except ValueError:
                pass
        decoded[key] = value
    return decoded


def _reply(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")


@contextmanager
def serving_in_thread(token: str) -> Iterator[FakeTelegram]:
    """The fake on its own event loop in a thread, for code that runs its own loop (runner.main, a subprocess)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-telegram", daemon=True)
    thread.start()
    fake = asyncio.run_coroutine_threadsafe(_started(token), loop).result(10)
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def _started(token: str) -> FakeTelegram:
    fake = FakeTelegram(token)
    await fake.start()
    return fake
