"""Unbounded growth: cooldown pruning without a rebuild per question, scratch copies cleaned up, undo reads a tail,
no pieces of text kept after a moderator's addition."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict
from pathlib import Path

import pytest

from bot import Request
from bot.config import Config
from bot.cooldown import Cooldown
from bot.curation import history as history_module
from bot.curation.history import TAIL_WINDOW, History, Record
from bot.curation.store import CHECK_PREFIX, remove_stale_checks
from bot.search import text
from bot.service import Asker, Service
from tests.support import Clock, small_kb


def test_the_cooldown_table_is_not_rebuilt_on_every_question_past_its_size() -> None:
    """Past `max_keys` active users, a question costs no pass over the table (once 12.4 ms each at 100,000):
    over 20,000 more questions from 4,000 active users the table is rebuilt once at most, not per question.
    (Counted, not timed: a rebuild is a new table.)"""
    clock = Clock()
    cooldown = Cooldown(burst=5, interval=3.0, clock=clock, max_keys=2_000)
    for n in range(4_000):  # all active: pruning finds nothing idle
        cooldown.allow(f"user{n}")
    tables = {id(cooldown._buckets)}
    for n in range(4_000, 24_000):
        cooldown.allow(f"user{n % 4_000}")  # 20,000 more questions from the same active users
        tables.add(id(cooldown._buckets))
    assert len(tables) <= 2, f"the table was rebuilt {len(tables) - 1} times"
    assert cooldown.remembered() == 4_000


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


def record(n: int, kind: str = "add", undoes: str | None = None, *, size: int = 0) -> Record:
    """Change `n`: its text `size` characters, or a few (multi-byte and line-separator characters inside)."""
    text = ("é\u2028" * (n % 7)) if not size else ("é\u2028 passage text " * size)[:size]
    return Record(id=f"r{n}", at="2026-01-01T00:00:00Z", platform="cli", user_id="u", name="n", chat_id="",
                  kind=kind, passage_id=f"p{n}", file="notes.yaml", index=0, before=None,
                  after={"text": text}, undoes=undoes)  # fmt: skip


def test_undo_reads_the_tail_of_a_long_history(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """With 50,000 records (0.63 s per undo when read whole), undo finds its record without reading them all:
    the history's first half is lines no record can be read from, which a read of them logs, and the memory
    undo takes at its peak is a small part of the file's size (a whole read holds the file at least once)."""
    history = History(tmp_path)
    lines = [json.dumps(asdict(record(n)), ensure_ascii=False) for n in range(50_000)]
    lines[: len(lines) // 2] = ["\udcff not a record \udcfe"] * (len(lines) // 2)  # 0xff, 0xfe: no UTF-8
    history.path.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
    size = history.path.stat().st_size
    tracemalloc.start()
    try:
        found = history.last_undoable()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found is not None and found.id == "r49999"
    assert "unreadable history line" not in caplog.text
    assert peak < size // 10, f"undo held {peak:,} bytes at its peak, of a history of {size:,}"


def test_the_tail_read_agrees_with_reading_everything(tmp_path: Path) -> None:
    """Random changes of passages up to a long one's size (50 to 30,000 characters) and undos, the last ones a run
    of undos reaching back into the first window and past one, two and three doublings of it (each reached by some
    of the 20 histories): the same record as a full read."""
    doublings = set()  # how many times each undo doubled its window to reach its answer
    for seed in range(20):
        rng = random.Random(seed)
        history, live, changes = History(tmp_path / str(seed)), [], rng.randrange(1, 60)
        for n in range(changes):
            if live and rng.random() < 0.3:
                history.append(record(n, "undo", undoes=live.pop().id))
            else:
                live.append(record(n, size=rng.choice((50, 500, 5_000, 30_000))))
                history.append(live[-1])
        for n in range(changes, changes + rng.randrange(len(live) + 1)):  # undone back as far as the first change
            history.append(record(n, "undo", undoes=live.pop().id))
        expected = history_module._last_undoable(history.records())
        assert history.last_undoable() == expected, seed
        data = history.path.read_bytes()
        back = len(data) - (data.rfind(json.dumps(expected.id).encode()) if expected is not None else 0)
        doublings.add((back // TAIL_WINDOW).bit_length())
    assert doublings >= {0, 1, 2, 3}, doublings


def test_the_history_file_is_rotated_past_its_size(tmp_path: Path) -> None:
    """Past rotate_at bytes the file is kept aside and a new one begun: history and undo read only the new one."""
    history = History(tmp_path, rotate_at=4096)
    for n in range(200):
        history.append(record(n))
    archives = sorted(tmp_path.glob("history-*.jsonl"))
    assert archives and history.path.stat().st_size < 4096 + 1024
    lines = [line for a in archives for line in a.read_text(encoding="utf-8").split("\n") if line]
    kept = [Record(**json.loads(line)) for line in lines]
    assert [r.id for r in kept + history.records()] == [f"r{n}" for n in range(200)]  # nothing lost
    assert history.last_undoable() == record(199)


def test_moderators_additions_leave_no_pieces_of_text_behind(tmp_path: Path) -> None:
    """Forty passages added by a moderator, each in words of its own: the tables of text pieces that make a load
    fast are empty again after each addition, as after a load (every addition's pieces had stayed while the
    bot ran, up to 500,000 a table, for as long as no file was edited by hand)."""
    kdir = tmp_path / "knowledge"
    kdir.mkdir()
    (kdir / "handbook.yaml").write_text(small_kb(), encoding="utf-8")  # before moderators.yaml: extended, not reloaded
    service, ann = Service.from_directory(kdir, Config(data_dir=tmp_path / "data")), Asker("cli", "", name="ann")
    try:
        for n in range(40):
            words = " ".join(f"w{n}x{k}" for k in range(30))
            added = service.moderate(Request("add", section=f"Notes {n}", text=f"Notes {n}: {words}."), ann)
            assert added.change is not None and service.passage(added.change.passage_id) is not None, added.text
    finally:
        service.close()
    assert len(text._PIECE_TOKENS) + len(text._PIECE_JOINED) + len(text._PIECE_WORDS) == 0
