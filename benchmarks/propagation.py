"""How soon a moderator's change on one instance is served by another, on PostgreSQL: from the
command on instance A to instance B holding the new passage, and from A's acknowledgement to B
holding it, p50 and p99.

It makes a schema of its own in the database named by `--url` (or $QABOT_DATABASE_URL), seeds it
from the bundled knowledge, adds `--changes` passages on A, and drops the schema. The promise it
measures ("every instance serves them within a second", docs/scaling.md) is a figure here, never a
timed test: the tests prove that B gets every change, not how fast.

    python -m benchmarks.propagation [--url postgresql://...] [--changes 100] [--json FILE]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench import latency
from benchmarks.budgets import database_main, seeded_schema
from bot.answering import DEFAULT_KNOWLEDGE
from bot.asker import Asker
from bot.cli import run_printing
from bot.config import Config
from bot.service import Service

MODERATOR = Asker(platform="cli", user_id="", name="bench")
GIVE_UP = 30.0  # seconds: a change not served by then is a failure, not a figure


def _instance(address: str, data: Path) -> Service:
    service = Service.from_directory(DEFAULT_KNOWLEDGE, Config(database_url=address, data_dir=data))
    backend = service._backend
    if backend is None or backend.follower is None or not backend.follower.connected.wait(GIVE_UP):
        service.close()
        raise RuntimeError("an instance did not connect to the database")
    return service


def _served(b: Service, passage_id: str) -> float:
    """The moment B holds `passage_id` (polled every millisecond)."""
    deadline = time.perf_counter() + GIVE_UP
    while b.passage(passage_id) is None:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"instance B never served {passage_id} (gave up after {GIVE_UP:.0f} s)")
        time.sleep(0.001)
    return time.perf_counter()


def measure(url: str, changes: int) -> dict[str, Any]:
    """Both delays over `changes` additions on A, in a fresh schema of `url`'s database."""
    with seeded_schema(url) as address, tempfile.TemporaryDirectory(prefix="qabot-propagation-") as data:
        a = _instance(address, Path(data) / "a")
        try:
            b = _instance(address, Path(data) / "b")
            try:
                from_command, from_ack = [], []
                for n in range(changes):
                    start = time.perf_counter()
                    change = a.moderation.add(
                        MODERATOR, section=f"Walrus feeding {n}", text=f"Walruses number {n} eat clams at dawn."
                    )
                    acknowledged = time.perf_counter()
                    served = _served(b, change.passage_id)
                    from_command.append(served - start)
                    from_ack.append(served - acknowledged)
            finally:
                b.close()
        finally:
            a.close()
    return {"from_command": latency(from_command), "from_acknowledgement": latency(from_ack)}


def table(results: dict[str, Any]) -> str:
    lines = ["from A's ...        to B serving it: p50       p99", "-" * 52]
    for name, label in (("from_command", "command"), ("from_acknowledgement", "acknowledgement")):
        row = results[name]
        lines.append(f"{label:36s}{row['median_ms']:8.1f}ms {row['p99_ms']:8.1f}ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return database_main(
        argv,
        "python -m benchmarks.propagation",
        __doc__,
        ("changes", 100, "passages added on instance A"),
        measure,
        table,
    )


if __name__ == "__main__":
    sys.exit(run_printing(main))
