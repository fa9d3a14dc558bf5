"""Unbounded growth: the cooldown table is pruned without a rebuild per question, scratch copies are cleaned up."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bot.cooldown import Cooldown
from bot.curation.store import CHECK_PREFIX, remove_stale_checks
from tests.support import Clock


def test_the_cooldown_table_is_not_rebuilt_on_every_question_past_its_size() -> None:
    """Past `max_keys` active users, a question costs no pass over the table (once 12.4 ms each at 100,000)."""
    clock = Clock()
    cooldown = Cooldown(burst=5, interval=3.0, clock=clock, max_keys=2_000)
    for n in range(4_000):  # all active: pruning finds nothing idle
        cooldown.allow(f"user{n}")
    started = time.perf_counter()
    for n in range(4_000, 24_000):
        cooldown.allow(f"user{n % 4_000}")  # 20,000 more questions from the same active users
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{elapsed:.2f} s: the table is rebuilt per question"  # a rebuild per question: about 12 s


def test_idle_users_are_still_forgotten() -> None:
    """Once users go idle (their buckets full again), the table shrinks back when it next passes its bound."""
    clock = Clock()
    cooldown = Cooldown(burst=2, interval=1.0, clock=clock, max_keys=100)
    for n in range(150):
        cooldown.allow(f"old{n}")
    clock.now += 10.0  # all of them idle
    for n in range(400):
        cooldown.allow(f"new{n}")
    assert len(cooldown._buckets) <= 400


def test_scratch_copies_of_stopped_writers_are_removed(tmp_path: Path) -> None:
    """Copies of writers that are gone (or old ones without a pid) go; a live writer's and recent ones stay."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"{CHECK_PREFIX}{gone.stdout.strip()}-abc"
    live = tmp_path / f"{CHECK_PREFIX}{os.getpid()}-def"
    old, recent = tmp_path / f"{CHECK_PREFIX}x1y2z3", tmp_path / f"{CHECK_PREFIX}a1b2c3"
    for folder in (dead, live, old, recent):
        folder.mkdir()
        (folder / "notes.yaml").write_text("x", encoding="utf-8")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    (tmp_path / f"{CHECK_PREFIX}file").write_text("not a folder", encoding="utf-8")
    assert remove_stale_checks(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, recent.name, f"{CHECK_PREFIX}file"])
