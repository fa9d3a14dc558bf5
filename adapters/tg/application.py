"""python-telegram-bot's Application, less what only a persistence needs: given to its builder (`app.py`).

python-telegram-bot 22 notes the chat and the user of every update (and of every job) in two sets of ids
to save to a persistence at its next update, `_chat_ids_to_be_updated_in_persistence` and
`_user_ids_to_be_updated_in_persistence`; only a persistence's update loop empties them. This bot has no
persistence, so they had kept every chat and member it ever saw for as long as it ran. Here nothing is
noted while no persistence is set; with one, everything is, as python-telegram-bot does.
`tests/test_telegram_growth.py` counts both sets, so an upgrade that renames the methods is caught there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import Application

if TYPE_CHECKING:
    from telegram._utils.types import SCT
    from telegram.ext import Job


class UnpersistedApplication(Application[Any, Any, Any, Any, Any, Any]):
    """An Application that marks chats and users for its persistence only when it has one."""

    __slots__ = ()

    def _mark_for_persistence_update(self, *, update: object | None = None, job: Job[Any] | None = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)

    def mark_data_for_update_persistence(
        self, chat_ids: SCT[int] | None = None, user_ids: SCT[int] | None = None
    ) -> None:
        if self.persistence is not None:
            super().mark_data_for_update_persistence(chat_ids=chat_ids, user_ids=user_ids)
