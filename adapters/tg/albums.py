"""Albums: several photos or files sent at once, which Telegram delivers one message each, under one
`media_group_id`, the caption on any one of them (clients put it on the first; the Bot API allows any).

An album is one thing the member sent: its caption, wherever it is, is the album's question (answered
as any caption is), and an album without one gets one "I can't open files" note in a private chat. The
note waits until the album's parts have all come (`WAIT` after the last one), since a part with the
caption may come after the first without one, in the same batch of updates or in a later one.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.ext import ContextTypes

from adapters.tg.deliver import ChatOrderProcessor

Context = ContextTypes.DEFAULT_TYPE
Key = tuple[int, str]  # (chat, media_group_id)

WAIT = 1.0  # seconds after an album's last part came: its parts come within a moment of each other


class Albums:
    """The albums of lately, grouped by chat and `media_group_id`: those decided (a part asked, or the
    note went), the oldest forgotten past `size`, and those whose parts are still coming."""

    def __init__(self, wait: float = WAIT, size: int = 512) -> None:
        self.wait = wait
        self._size = size
        self._decided: OrderedDict[Key, None] = OrderedDict()
        self._due: dict[Key, float] = {}  # an album still coming: when to decide it, by the loop's clock

    def asked(self, message: Message) -> None:
        """A part of an album asked the bot (its caption): the album gets no note. Any other message: nothing."""
        if message.media_group_id is not None:
            self._decide((message.chat_id, message.media_group_id))

    def note_once(self, update: Update, context: Context, note: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """A part of an album without a caption: once the album's parts have all come, `note` is sent (in
        the chat's turn, after the replies the chat's updates are sending) unless a part asked the bot; an
        album gets it once. The update's handler does not wait for it: the parts after it come meanwhile."""
        message = update.effective_message
        if message is None or message.media_group_id is None:
            return
        key = (message.chat_id, message.media_group_id)
        if key in self._decided:
            return
        coming = key in self._due
        self._due[key] = asyncio.get_running_loop().time() + self.wait  # a later part moves the decision on
        if not coming:
            context.application.create_task(self._decided_then(key, context, note), update=update)

    async def _decided_then(self, key: Key, context: Context, note: Callable[[], Coroutine[Any, Any, None]]) -> None:
        loop = asyncio.get_running_loop()
        try:
            while key not in self._decided and (left := self._due[key] - loop.time()) > 0:
                await asyncio.sleep(left)
        finally:
            del self._due[key]
        if key in self._decided:
            return
        self._decide(key)
        processor = context.application.update_processor
        if isinstance(processor, ChatOrderProcessor):
            await processor.in_turn(key[0], note())
        else:
            await note()

    def _decide(self, key: Key) -> None:
        self._decided[key] = None
        self._decided.move_to_end(key)
        if len(self._decided) > self._size:
            self._decided.popitem(last=False)
