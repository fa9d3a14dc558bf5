"""Groups upgraded to supergroups: where what the bot sends to them goes from then on.

A basic group upgraded to a supergroup (an admin made it public, say) is another chat with a new id,
and Telegram refuses every call naming the old one for good (a send, an edit, a deletion, a lookup),
with `ChatMigrated` naming the new. The bot learns of an upgrade from Telegram's service messages,
`migrate_to_chat_id` in the old group and `migrate_from_chat_id` in the supergroup (`on_upgraded`),
or else from the first refusal (`upgraded`); either way, each later call goes to the supergroup at once.

What it learnt is kept in memory only (bot_data, no persistence), for the 256 groups named last (`Recent`):
after a restart, or once an upgrade is that old, the first call naming the old group is refused once more,
and that refusal teaches it again, the call made at once for the supergroup. Nothing is lost for one refused
call per old group and restart (tests/test_telegram_upgrades.py), no file of state has to be kept in step
with Telegram's own, and weeks of upgrades take no more memory (tests/test_telegram_growth.py). An old group
is named only by what was under way at its upgrade: its questions queued, the edits of those answered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Update
from telegram.error import ChatMigrated
from telegram.ext import ContextTypes

from bot import Recent

log = logging.getLogger(__name__)

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

_UPGRADED = "groups upgraded"  # in bot_data: the old id of each group upgraded -> its supergroup's


def moved_to(context: Context, chat_id: int) -> int | None:
    """The supergroup the group `chat_id` was upgraded to, once Telegram has said so; None for any other chat."""
    return _upgraded(context).get(chat_id)


def upgraded(context: Context, chat_id: int, refusal: ChatMigrated) -> int:
    """Where calls for `chat_id` go from now on: Telegram refused it, naming the supergroup it became."""
    log.info("chat %s became supergroup %s: replying there", chat_id, refusal.new_chat_id)
    _upgraded(context).put(chat_id, refusal.new_chat_id)
    return refusal.new_chat_id


async def on_upgraded(update: Update, context: Context) -> None:
    """Telegram's service message of an upgrade, in the old group or in the supergroup: the replies to
    the old group (its questions still queued, the edits of those answered) go to the supergroup
    without first being refused there."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    if _upgraded(context).get(old) != new:
        log.info("chat %s became supergroup %s, Telegram says: replying there", old, new)
        _upgraded(context).put(old, new)


async def in_chat(context: Context, chat_id: int, call: Callable[[int], Awaitable[T]]) -> T:
    """`call` for the chat, given its id, or the supergroup's it was upgraded to, once Telegram has
    said so: refused for the old id, it is made again with the new one."""
    try:
        return await call(moved_to(context, chat_id) or chat_id)
    except ChatMigrated as exc:
        return await call(upgraded(context, chat_id, exc))


def _upgraded(context: Context) -> Recent[int, int]:
    """The groups upgraded to supergroups, heard once: not again for each message of an answer, or
    for the questions still queued."""
    found = context.bot_data.setdefault(_UPGRADED, Recent()) if isinstance(context.bot_data, dict) else None
    return found if isinstance(found, Recent) else Recent()
