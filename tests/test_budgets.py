"""Cooldown budgets in PostgreSQL: one budget across instances, a small cost, and answers when it is gone."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.answering import Outcome
from bot.asker import Asker
from bot.service import Service
from tests import pg_support
from tests.pg_support import Proxy

schema, url, services = pg_support.schema, pg_support.url, pg_support.services  # the fixtures

QUESTION = "are most defectors women?"


def test_a_user_flooding_two_instances_gets_one_budget(services: Callable[[], Service]) -> None:
    """Ten questions from one user, alternately to A and B: the five of the burst are answered, the
    note is sent once (by whichever instance refused first), the rest are silent."""
    a, b = services(), services()
    flooder = Asker(platform="telegram", user_id="42")
    outcomes = [(a, b)[n % 2].ask(QUESTION, flooder) for n in range(10)]
    answered = [o for o in outcomes if o.outcome is Outcome.ANSWERED]
    throttled = [o for o in outcomes if o.outcome is Outcome.THROTTLED]
    assert len(answered) == 5 and len(throttled) == 5
    assert [o.silent for o in throttled] == [False, True, True, True, True]


def test_the_shared_check_costs_little(services: Callable[[], Service]) -> None:
    """The cooldown check through PostgreSQL (user and chat budgets): p99 printed, and well under 10 ms here."""
    service = services()
    costs = []
    for n in range(400):
        asker = Asker(platform="discord", user_id=str(n), chat_id="group")
        start = time.perf_counter()
        service.admit(asker)
        costs.append(time.perf_counter() - start)
    costs.sort()
    p50, p99 = costs[len(costs) // 2], costs[int(len(costs) * 0.99)]
    print(f"\nshared cooldown check (user + chat, 400 askers): p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms")
    assert p99 < 0.010


def test_without_the_database_the_budgets_are_the_instances_own(schema: str, url: str,
                                                                services: Callable[[], Service]) -> None:  # fmt: skip
    """The line is cut: questions are answered without waiting, limited by the instance's own buckets."""
    proxy = Proxy()
    try:
        service = services(proxy.url(schema))
        proxy.cut()
        asker = Asker(platform="telegram", user_id="7")
        start = time.perf_counter()
        outcomes = [service.ask(QUESTION, asker).outcome for _ in range(8)]
        assert time.perf_counter() - start < 1.0
        assert outcomes.count(Outcome.ANSWERED) == 5 and outcomes.count(Outcome.THROTTLED) == 3
    finally:
        proxy.close()
