"""Ordered delivery per chat (adapters.delivery.KeyedOrder): in order, and a bounded backlog per chat."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.delivery import KeyedOrder


async def test_a_chats_backlog_is_bounded_and_other_chats_go_on(caplog: pytest.LogCaptureFixture) -> None:
    """Past `bound` waiting, a chat's work is refused (one WARNING per flood); another chat is admitted at once."""
    order = KeyedOrder(bound=3)
    release = asyncio.Event()
    done: list[int] = []

    async def work(n: int) -> None:
        async with order.turn("busy"):
            await release.wait()
            done.append(n)

    admitted = []
    for n in range(10):
        if order.admit("busy"):
            admitted.append(asyncio.create_task(work(n)))
            await asyncio.sleep(0)  # the task takes its place in the queue
    assert len(admitted) == 3
    assert order.admit("quiet")
    release.set()
    await asyncio.gather(*admitted)
    assert done == [0, 1, 2]
    flooding = [r for r in caplog.records if "flooding" in r.getMessage()]
    assert len(flooding) == 1 and flooding[0].levelno == logging.WARNING
    assert order.admit("busy")  # drained: admitted again, and a new flood would be logged again


async def test_chats_with_nothing_waiting_are_forgotten() -> None:
    """A thousand chats take a turn each, every hundredth flooding past its bound: once all is done, the
    order keeps no lock, count or flood of any of them (a busy day's chats take no memory after it)."""
    order, release = KeyedOrder(bound=2), asyncio.Event()

    async def work(chat: int) -> None:
        async with order.turn(chat):
            await release.wait()

    tasks = []
    for chat in range(1000):
        for _ in range(5 if chat % 100 == 0 else 1):
            if order.admit(chat):
                tasks.append(asyncio.create_task(work(chat)))
                await asyncio.sleep(0)  # the task takes its place in the chat's queue
    assert len(tasks) == 1000 + 10 and len(order._dropping) == 10
    release.set()
    await asyncio.gather(*tasks)
    assert (order._locks, order._dropping) == ({}, {})
