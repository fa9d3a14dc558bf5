"""How the database's commands end when stopped or when their output fails: the stop line and the exit code say
what was done (`kb history` named only after a change was committed; exit 74 only once the work is done)."""

from __future__ import annotations

import io
import signal
import sys
from pathlib import Path

import pytest

from bot import knowledge
from bot.cli import main
from tests import pg_support
from tests.conftest import KNOWLEDGE
from tests.test_cli import needs_full, run_into_full
from tests.test_postgres_push import TIPS, TermAt

schema, url, role = pg_support.schema, pg_support.url, pg_support.role  # the fixtures

ADD = ("kb", "add", "--section", "Walruses", "--text", "Walruses eat clams at dawn.", "--id", "walrus")
SHOWN = "(`kb history` shows what was made)"


class TermAtRefusal(io.StringIO):
    """A command's standard error that brings SIGTERM once, as the command writes its `error:` line (the signal
    from outside, after the command's refusal, before it has ended)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = False

    def write(self, text: str) -> int:
        written = super().write(text)
        if text.endswith("\n") and self.getvalue().startswith("error:") and not self.sent:
            self.sent = True
            signal.raise_signal(signal.SIGTERM)
        return written


def stopped_after_refusal(monkeypatch: pytest.MonkeyPatch, *argv: str) -> str:
    """`python -m bot ARGV` in this process, stopped by SIGTERM as it says it was refused: all it wrote on
    standard error."""
    err = TermAtRefusal()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(list(argv), out=io.StringIO()) == 143
    monkeypatch.undo()
    return err.getvalue()


@pytest.mark.allow_error_logs  # the database's refusal is logged as one ("a change was refused by the database")
def test_a_refused_add_stopped_by_sigterm_does_not_name_kb_history(
    schema: str, url: str, role: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM as `kb add` says it was refused (the database refused the write; a second add of the same id): the
    stop line does not point at `kb history`, which shows nothing of it (the add had been counted as it began); an
    add that is made does."""
    import psycopg

    with psycopg.connect(pg_support.SERVER, autocommit=True) as conn:
        conn.execute(f"REVOKE INSERT ON {schema}.passages FROM {role}")
    monkeypatch.setenv("QABOT_DATABASE_URL", pg_support.as_role(url, role))
    err = stopped_after_refusal(monkeypatch, *ADD)
    assert "database refused that change" in err and "stopped by SIGTERM" in err and SHOWN not in err, err
    with psycopg.connect(pg_support.SERVER, autocommit=True) as conn:
        conn.execute(f"GRANT INSERT ON {schema}.passages TO {role}")
    monkeypatch.setenv("QABOT_DATABASE_URL", pg_support.as_role(url, role))
    capsys.readouterr()
    assert main(list(ADD), out=TermAt("walrus")) == 143  # made: SIGTERM as its reply is printed
    assert SHOWN in capsys.readouterr().err
    err = stopped_after_refusal(monkeypatch, *ADD)  # the same id again
    assert "walrus" in err and "stopped by SIGTERM" in err and SHOWN not in err, err


@pytest.mark.allow_error_logs  # the database's refusal is logged as one ("a change was refused by the database")
def test_a_refused_push_stopped_by_sigterm_does_not_name_kb_history(
    schema: str, url: str, role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM as `kb push` says the database refused it (its passages' write, in the push's one transaction):
    nothing was pushed, and the stop line does not point at `kb history` (the push had been counted as it
    began to write)."""
    import psycopg

    folder = tmp_path / "export"
    assert pg_support.run("kb", "export", str(folder))[0] == 0
    (folder / "tips.yaml").write_text(TIPS, encoding="utf-8")
    with psycopg.connect(pg_support.SERVER, autocommit=True) as conn:
        conn.execute(f"REVOKE INSERT ON {schema}.passages FROM {role}")
    monkeypatch.setenv("QABOT_DATABASE_URL", pg_support.as_role(url, role))
    err = stopped_after_refusal(monkeypatch, "kb", "push", str(folder))
    assert "database refused that change" in err and "stopped by SIGTERM" in err and SHOWN not in err, err
    assert "walrus-food" not in pg_support.run("kb", "list")[1]


@needs_full
def test_a_seed_whose_first_line_a_full_disk_refuses_still_seeds_and_says_so(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`db init --seed` with standard output unbuffered (PYTHONUNBUFFERED=1) on a full disk: its first line (a
    migration applied) is refused, and the seed is made all the same, so exit 74, "what the command did is done"
    and the pointer at `kb history` are true (it had stopped at that line, before seeding, and said so)."""
    import psycopg

    address = pg_support.schema_url(pg_support.SERVER, schema)
    monkeypatch.setenv("QABOT_DATABASE_URL", address)
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")  # each line written as it is printed: the first one fails
    done = run_into_full("db", "init", "--seed", "--knowledge", str(KNOWLEDGE), stream="stdout")
    assert done.returncode == 74, done.stderr
    assert "what the command did is done (`kb history` shows the change made)" in done.stderr, done.stderr
    with psycopg.connect(address, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM passages").fetchone()
    assert row is not None and row[0] == len(knowledge.load(KNOWLEDGE).passages)
