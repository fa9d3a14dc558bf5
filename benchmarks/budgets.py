"""What the shared cooldown costs: `Service.admit` (the user's and the chat's budgets) on files and
on PostgreSQL, and a whole `Service.ask` on each, p50 and p99.

It makes a schema of its own in the database named by `--url` (or $QABOT_DATABASE_URL; a
`postgresql://` URL, not a key=value string), seeds it
from the bundled knowledge with `db init --seed`, measures, and drops the schema. Nothing else in
the database is touched.

    python -m benchmarks.budgets [--url postgresql://...] [--checks 2000] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from benchmarks.bench import latency
from bot.answering import DEFAULT_KNOWLEDGE
from bot.asker import Asker
from bot.cli import main as bot_main
from bot.cli import run_printing
from bot.config import Config
from bot.service import Service

log = logging.getLogger(__name__)

QUESTION = "are most defectors women?"


def _timed(count: int, call: Callable[[int], object]) -> dict[str, float]:
    for n in range(min(count, 50)):  # connections opened, caches warm
        call(-1 - n)
    costs = []
    for n in range(count):
        start = time.perf_counter()
        call(n)
        costs.append(time.perf_counter() - start)
    return latency(costs)


def _figures(service: Service, checks: int) -> dict[str, dict[str, float]]:
    def admit(n: int) -> object:
        return service.admit(Asker(platform="discord", user_id=f"u{n}", chat_id=f"c{n}"))  # never throttled

    def ask(n: int) -> object:  # a new user each time, so no answer is throttled
        return service.ask(QUESTION, Asker(platform="telegram", user_id=f"a{n}", chat_id=f"a{n}"))

    return {"admit": _timed(checks, admit), "ask": _timed(checks, ask)}


@contextlib.contextmanager
def seeded_schema(url: str) -> Iterator[str]:
    """The URL of a new schema of `url`'s database, made with `db init --seed` from the bundled
    knowledge, and dropped afterwards: nothing else in the database is touched."""
    import psycopg

    schema = f"qabot_bench_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in url else "?"
    address = f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    log.info("made schema %s", schema)
    try:
        before = os.environ.get("QABOT_DATABASE_URL")
        os.environ["QABOT_DATABASE_URL"] = address  # where `db init` applies the schema
        try:
            seeded = bot_main(["db", "init", "--seed", "--knowledge", str(DEFAULT_KNOWLEDGE)], out=io.StringIO())
        finally:
            if before is None:
                del os.environ["QABOT_DATABASE_URL"]
            else:
                os.environ["QABOT_DATABASE_URL"] = before
        if seeded != 0:
            raise RuntimeError(f"db init --seed failed in schema {schema}")
        yield address
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
        log.info("dropped schema %s", schema)


def measure(url: str, checks: int) -> dict[str, Any]:
    """The figures on files and on a fresh schema of `url`'s database."""
    results: dict[str, Any] = {}
    with seeded_schema(url) as address, tempfile.TemporaryDirectory(prefix="qabot-budgets-") as data:
        for name, config in (
            ("files", Config(data_dir=Path(data) / "files")),
            ("postgres", Config(data_dir=Path(data) / "postgres", database_url=address)),
        ):
            service = Service.from_directory(DEFAULT_KNOWLEDGE, config)
            try:
                results[name] = _figures(service, checks)
            finally:
                service.close()
    return results


def table(results: dict[str, Any]) -> str:
    lines = ["backend    admit p50  admit p99   ask p50    ask p99", "-" * 52]
    for name, row in results.items():
        admit, ask = row["admit"], row["ask"]
        lines.append(
            f"{name:9s} {admit['median_ms']:8.3f}ms {admit['p99_ms']:8.3f}ms "
            f"{ask['median_ms']:8.3f}ms {ask['p99_ms']:8.3f}ms"
        )
    return "\n".join(lines)


def database_main(
    argv: list[str] | None,
    prog: str,
    doc: str,
    count: tuple[str, int, str],
    measure: Callable[[str, int], dict[str, Any]],
    table: Callable[[dict[str, Any]], str],
) -> int:
    """The command line of a benchmark on a database (this one's and `benchmarks.propagation`'s): `--url`,
    one count (`count`: its flag, default and help), `--json`; exit code 2 on a bad argument."""
    flag, default, about = count
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("QABOT_DATABASE_URL"), help="a PostgreSQL database")
    parser.add_argument(f"--{flag}", type=int, default=default, help=about)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if not args.url:
        print("error: give --url postgresql://... or set QABOT_DATABASE_URL", file=sys.stderr)
        return 2
    if getattr(args, flag) < 1:
        print(f"error: --{flag} must be at least 1", file=sys.stderr)
        return 2
    results = measure(args.url, getattr(args, flag))
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    return database_main(
        argv,
        "python -m benchmarks.budgets",
        __doc__,
        ("checks", 2000, "checks and questions per backend"),
        measure,
        table,
    )


if __name__ == "__main__":
    sys.exit(run_printing(main))
