"""The cooldown-note policy: who is answered, who hears the note, who is left in silence (a clock moved by hand)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answering import Answerer
from bot.cooldown import Admission, Cooldown
from bot.service import Asker, Service
from tests.support import Clock, small_kb, write_kb

ASK, NOTIFY, SILENT = Admission.ASK, Admission.NOTIFY, Admission.SILENT


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path: Path, clock: Clock) -> Iterator[Service]:
    """A core with 3 questions at once per user (then one every 2 s) and 5 per chat (then one a second)."""
    kdir = write_kb(tmp_path / "knowledge", small_kb())
    service = Service(
        Answerer.from_directory(kdir),
        knowledge_dir=kdir,
        cooldown=Cooldown(burst=3, interval=2.0, clock=clock),
        chat_cooldown=Cooldown(burst=5, interval=1.0, clock=clock),
    )
    yield service
    service.close()


def member(n: int, chat: str = "-100") -> Asker:
    return Asker("telegram", str(n), chat)


def test_tell_is_true_once_per_episode(clock: Clock) -> None:
    """A bucket tells a key once; welcome or a full refill ends the episode, so it tells again."""
    bucket = Cooldown(burst=2, interval=1.0, clock=clock)
    assert [bucket.allow("k") for _ in range(3)] == [True, True, False]
    assert [bucket.tell("k"), bucket.tell("k"), bucket.told("k")] == [True, False, True]
    bucket.welcome("k")
    assert [bucket.told("k"), bucket.tell("k")] == [False, True]
    clock.now += 1.0  # half refilled: the episode goes on
    assert bucket.told("k") and not bucket.tell("k")
    clock.now += 1.0  # full again: it is over
    assert not bucket.told("k") and bucket.tell("k")


def test_a_flooding_user_hears_the_note_once_until_let_through_again(service: Service, clock: Clock) -> None:
    """A private flood: the burst, one NOTIFY, then SILENT; one interval later an ASK, and the next flood one NOTIFY."""
    flooder = Asker("telegram", "1", "1")
    assert [service.admit(flooder) for _ in range(8)] == [ASK] * 3 + [NOTIFY] + [SILENT] * 4
    clock.now += 2.0
    assert [service.admit(flooder) for _ in range(4)] == [ASK, NOTIFY, SILENT, SILENT]
    clock.now += 1.9  # not yet a whole question back: still the same episode
    assert service.admit(flooder) is SILENT


def test_a_flooding_group_hears_one_note_not_one_per_member(service: Service) -> None:
    """Ten members asking twice each: the chat's burst is answered, one member is told, the rest hear nothing."""
    verdicts = Counter(service.admit(member(n)) for _ in range(2) for n in range(10))
    assert verdicts == {ASK: 5, NOTIFY: 1, SILENT: 14}
    assert service.admit(member(99, "-200")) is ASK  # another group is not affected


def test_a_members_own_limit_is_silent_while_the_chat_floods(service: Service) -> None:
    """In a calm chat a member over their own limit is told; in a flooding chat, after the chat's one note, not."""
    calm = Asker("telegram", "7", "-300")
    assert [service.admit(calm) for _ in range(4)] == [ASK, ASK, ASK, NOTIFY]
    assert [service.admit(member(0)) for _ in range(3)] == [ASK] * 3
    assert [service.admit(member(1)) for _ in range(2)] == [ASK] * 2
    assert service.admit(member(2)) is NOTIFY  # the chat's note
    assert [service.admit(member(0)) for _ in range(3)] == [SILENT] * 3  # over their own limit: silence


def test_a_chat_hears_one_note_per_flood_until_its_limit_has_refilled(service: Service, clock: Clock) -> None:
    """While a flood goes on (one question let through a second), no second note; after a full refill, one again."""
    crowd = iter(range(1000))
    for _ in range(5):
        assert service.admit(member(next(crowd))) is ASK
    assert service.admit(member(next(crowd))) is NOTIFY
    for _ in range(3):  # the flood goes on: one question a second gets through, nobody is told again
        clock.now += 1.0
        verdicts = [service.admit(member(next(crowd))) for _ in range(4)]
        assert verdicts == [ASK, SILENT, SILENT, SILENT]
    clock.now += 5.0  # quiet for as long as the chat's limit takes to refill
    verdicts = [service.admit(member(next(crowd))) for _ in range(7)]
    assert verdicts == [ASK] * 5 + [NOTIFY, SILENT]


def test_the_chat_refusing_does_not_cost_the_user(service: Service) -> None:
    """Refused by a flooding chat, a member keeps their own allowance, and their own note, for another chat."""
    for n in range(5):
        service.admit(member(n))
    assert [service.admit(member(77)) for _ in range(4)] == [NOTIFY] + [SILENT] * 3
    elsewhere = [service.admit(member(77, "-200")) for _ in range(5)]
    assert elsewhere == [ASK, ASK, ASK, NOTIFY, SILENT]


def test_one_note_per_chat_when_members_ask_from_many_threads(service: Service) -> None:
    """Forty members of one chat asking at the same instant from eight threads: exactly the burst and one note."""
    verdicts: list[Admission] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def ask(first: int) -> None:
        start.wait()
        for n in range(first, 40, 8):
            verdict = service.admit(member(n))
            with lock:
                verdicts.append(verdict)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(verdicts) == {ASK: 5, NOTIFY: 1, SILENT: 34}


def test_buckets_and_notes_stay_bounded(clock: Clock) -> None:
    """A thousand refused and told keys, one every 0.1 s: past max_keys, the full (idle) ones are forgotten."""
    bucket = Cooldown(burst=1, interval=1.0, clock=clock, max_keys=50)
    for n in range(1000):
        key = f"user-{n}"
        assert bucket.allow(key) and not bucket.allow(key) and bucket.tell(key)
        assert bucket.remembered() <= 51
        clock.now += 0.1
    assert bucket.told("user-999") and not bucket.told("user-0")


def test_an_interval_of_zero_means_no_limit(clock: Clock) -> None:
    """interval: 0 in the config lifts the limit rather than dividing by zero."""
    bucket = Cooldown(burst=1, interval=0.0, clock=clock)
    assert all(bucket.allow("k") for _ in range(5))


def test_forgetting_idle_keys_keeps_a_bucket_still_refilling(clock: Clock) -> None:
    """Past max_keys only full buckets are forgotten: a flooder half refilled keeps its debt, not a fresh burst."""
    bucket = Cooldown(burst=3, interval=1.0, clock=clock, max_keys=2)
    assert [bucket.allow("flooder") for _ in range(4)] == [True, True, True, False]
    clock.now += 1.5  # one and a half questions back, far from full (three take 3 s)
    assert bucket.allow("a") and bucket.allow("b")  # the table passes max_keys: idle keys are forgotten
    assert [bucket.allow("flooder") for _ in range(3)] == [True, False, False]
