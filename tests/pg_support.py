"""PostgreSQL for the tests: a schema of the test's own, dropped after; a proxy that can cut the line.

The server is $QABOT_TEST_DATABASE_URL (default: the CI one, postgres@127.0.0.1:5432/test). Where
none is reachable the tests skip with one line, except under CI (CI=true), where that fails them.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

from bot.cli import main
from bot.config import Config
from bot.service import Asker, Service
from tests.conftest import KNOWLEDGE

SERVER = os.environ.get("QABOT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _server_or_skip() -> None:
    try:
        import psycopg

        with psycopg.connect(SERVER, connect_timeout=2):
            return
    except Exception as exc:  # ImportError too: the postgres extra is not installed
        reason = f"PostgreSQL not reachable at {SERVER} ({type(exc).__name__}); set QABOT_TEST_DATABASE_URL"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"under CI the PostgreSQL tests must run: {reason}")
        pytest.skip(reason)


def schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"


@contextlib.contextmanager
def fresh_schema() -> Iterator[str]:
    """A URL whose tables live in a new schema, dropped afterwards."""
    _server_or_skip()
    import psycopg

    schema = f"qabot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def schema() -> Iterator[str]:
    with fresh_schema() as name:
        yield name


@pytest.fixture
def url(schema: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with the schema applied and seeded from the bundled knowledge; the CLI's too."""
    address = schema_url(SERVER, schema)
    monkeypatch.setenv("QABOT_DATABASE_URL", address)
    monkeypatch.setenv("QABOT_CONFIG", "/nonexistent-config-for-tests.yaml")
    monkeypatch.delenv("QABOT_CONFIG")
    assert main(["db", "init", "--seed", "--knowledge", str(KNOWLEDGE)], out=io.StringIO()) == 0
    return address


@pytest.fixture
def services(url: str, tmp_path: Path) -> Iterator[Callable[[], Service]]:
    """Services on the database, each with its own data folder, closed afterwards."""
    made: list[Service] = []

    def make(address: str = url) -> Service:
        config = Config(database_url=address, data_dir=tmp_path / f"data{len(made)}")
        service = Service.from_directory(KNOWLEDGE, config)
        made.append(service)
        assert service._backend is not None and service._backend.follower is not None
        assert service._backend.follower.connected.wait(5)
        return service

    yield make
    for service in made:
        service.close()


@pytest.fixture
def role(schema: str, url: str) -> Iterator[str]:
    """A login role of the test's own with every right on the test's schema, dropped afterwards: the
    server's side of a fault (`outage`) can then reach exactly the connections made as it."""
    import psycopg

    name = f"{schema}_bot"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {name}")
        conn.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {name}")
        conn.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {name}")
    try:
        yield name
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
            conn.execute(f"DROP OWNED BY {name}")
            conn.execute(f"DROP ROLE {name}")


def as_role(address: str, name: str) -> str:
    """`address` with `name` as the user (no password: the test server trusts local connections)."""
    parts = urlsplit(address)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{name}@{host}"))


def outage(name: str, *, down: bool) -> int:
    """As a server restart looks to the role's connections, without touching the server: with `down`,
    new logins as `name` are refused and its open connections are terminated (how many is returned);
    without, logins are allowed again."""
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"ALTER ROLE {name} {'NOLOGIN' if down else 'LOGIN'}")
        if not down:
            return 0
        row = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> float:
    """Seconds until `condition` held (fails after `timeout`)."""
    start = time.perf_counter()
    while not condition():
        assert time.perf_counter() - start < timeout, "condition not met in time"
        time.sleep(0.002)
    return time.perf_counter() - start


class Questions:
    """The same on-topic question asked of `service` in a thread while the block runs, each time by a new
    user (no cooldown in the way): how many were asked, and the answers that were not the passage."""

    QUESTION = "are most defectors women?"

    def __init__(self, service: Service, user_prefix: str = "", pause: float = 0.002):
        self.service, self.user_prefix, self.pause = service, user_prefix, pause
        self.asked = 0
        self.failures: list[object] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._ask)

    def __enter__(self) -> Questions:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _ask(self) -> None:
        while not self._stop.is_set():
            asker = Asker(platform="telegram", user_id=f"{self.user_prefix}{self.asked}")
            answer = self.service.ask(self.QUESTION, asker)
            if answer.passage_id is None:
                self.failures.append(answer)
            self.asked += 1
            time.sleep(self.pause)  # a busy chat, not a benchmark


def run(*argv: str) -> tuple[int, str]:
    """`python -m bot ARGV`, in this process: the exit code and what it printed."""
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


class Proxy:
    """A TCP relay to the server on 127.0.0.1; `cut()` drops every connection and refuses new ones."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5432):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, schema: str) -> str:
        return schema_url(f"postgresql://postgres@127.0.0.1:{self.port}/test", schema)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.open.clear()
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
            self._sockets.clear()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()
