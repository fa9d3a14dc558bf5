"""The config file: defaults without one, the example file loads, and mistakes name the file and key."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from adapters import runner
from bot.config import _TOP_KEYS as TOP_KEYS
from bot.config import DEFAULT_FILE, MAX_SECONDS, Config, ConfigError, config_path, load_config
from bot.service import Service
from tests.conftest import KNOWLEDGE, ROOT
from tests.support import child_env, small_kb, write_kb


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_config_file_means_working_defaults(tmp_path: Path) -> None:
    """Without a file: nobody but the command line moderates, 90 days retention, data/ beside knowledge/."""
    config = load_config(env={})
    if (ROOT / "config.yaml").is_file():
        pytest.skip("this checkout has its own config.yaml")
    assert config == Config()
    assert config.retention_days == 90 and not config.moderators.telegram_users
    assert config.data_folder(tmp_path / "knowledge") == (tmp_path / "data").resolve()


def test_the_example_file_loads_and_ids_become_strings(tmp_path: Path) -> None:
    """config.example.yaml is valid; numeric ids are compared as strings; data_dir is relative to the file."""
    example = load_config(ROOT / "config.example.yaml")
    assert example.watch_interval == 2.0 and example.cooldown.burst == 5
    assert example.shutdown_timeout == Config().shutdown_timeout == 8.0
    config = load_config(
        write(tmp_path, "moderators:\n  telegram_users: [123, '456']\n  discord_roles: [789]\ndata_dir: state\n")
    )
    assert config.moderators.telegram_users == {"123", "456"}
    assert config.moderators.discord_roles == {"789"}
    assert config.data_folder(KNOWLEDGE) == tmp_path / "state"


def test_the_example_file_documents_every_key_database_url_too(tmp_path: Path) -> None:
    """config.example.yaml, which the README says documents every key, has each the config takes (the
    commented ones too: `database_url`, which docs/scaling.md tells operators to set), and loads uncommented."""
    text = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    uncommented = re.sub(r"^# ([a-z_]+:)", r"\1", text, flags=re.M)
    assert set(re.findall(r"^([a-z_]+):", uncommented, flags=re.M)) == set(TOP_KEYS)
    config = load_config(write(tmp_path, uncommented), env={})
    assert config.database_url and config.database_url.startswith("postgresql://")


def test_shutdown_timeout_takes_whole_and_fractional_seconds(tmp_path: Path) -> None:
    """`shutdown_timeout` is read as seconds, whole or not."""
    assert load_config(write(tmp_path, "shutdown_timeout: 30\n")).shutdown_timeout == 30.0
    assert load_config(write(tmp_path, "shutdown_timeout: 2.5\n")).shutdown_timeout == 2.5


def test_qabot_config_names_the_file(tmp_path: Path) -> None:
    """QABOT_CONFIG points at the file to read."""
    path = write(tmp_path, "retention_days: 7\n")
    assert load_config(env={"QABOT_CONFIG": str(path)}).retention_days == 7


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("moderatorz: {}\n", "(top level)", "unknown key moderatorz"),
        ("[1, 2]\n", "(top level)", "must be a mapping"),
        ("moderators:\n  telegram_user: [1]\n", "(moderators)", "unknown key telegram_user"),
        ("moderators:\n  telegram_users: 123\n", "(moderators.telegram_users)", "must be a list of ids"),
        # a username never matches an update's sender: the moderator would be refused for good
        ("moderators:\n  telegram_users: ['@alice']\n", "(moderators.telegram_users)", "'@alice' is a username"),
        # Telegram's placeholder senders, the same in every group: listed, anyone posting so moderates
        ("moderators:\n  telegram_users: [1087968824]\n", "(moderators.telegram_users)", "GroupAnonymousBot"),
        ("moderators:\n  telegram_users: ['136817688']\n", "(moderators.telegram_users)", "posting as a channel"),
        ("moderators:\n  discord_roles: [Admins]\n", "(moderators.discord_roles)", "'Admins' is not an id"),
        ("moderators:\n  discord_manage_server: yes please\n", "(moderators.discord_manage_server)", "true or false"),
        ("retention_days: 0\n", "(retention_days)", "at least 1"),
        ("cooldown: {burst: 1.5}\n", "(cooldown.burst)", "whole number"),
        ("moderators: [1, 2\n", ":2", "invalid YAML"),
        ("shutdown_timeout: 0\n", "(shutdown_timeout)", "a number of seconds greater than 0, such as 8"),
        ("shutdown_timeout: -5\n", "(shutdown_timeout)", "greater than 0"),
        ("shutdown_timeout: 10s\n", "(shutdown_timeout)", "greater than 0"),
        ("shutdown_timeout: true\n", "(shutdown_timeout)", "greater than 0"),
        ("shutdown_timeout: .inf\n", "(shutdown_timeout)", "greater than 0"),
        # NaN compares false with any bound: it once passed, and switched flood control off
        ("cooldown: {burst: 2, interval: .nan}\n", "(cooldown.interval)", "a number of at least 0"),
        ("watch_interval: .nan\n", "(watch_interval)", "a number of at least 0"),
        ("cooldown: {burst: 2, interval: .inf}\n", "(cooldown.interval)", "a number of at least 0"),
        (f"cooldown: {{burst: {'9' * 400}}}\n", "(cooldown.burst)", "a whole number of at least 1"),
        (f"shutdown_timeout: {'9' * 400}\n", "(shutdown_timeout)", "greater than 0"),
        ('data_dir: "data\\0x"\n', "(data_dir)", "must be a folder path (it holds a NUL byte"),
        # longer than a thread can wait: the watcher (or the runner's backstop timer) died of OverflowError
        ("watch_interval: 1.0e+10\n", "(watch_interval)", "a number of at least 0 and at most 604800"),
        ("shutdown_timeout: 1.0e+10\n", "(shutdown_timeout)", "and at most 604800 (a week)"),
        ("reload_timeout: 1.0e+10\n", "(reload_timeout)", "at most 604800"),
        ("cooldown: {burst: 2, interval: 1.0e+10}\n", "(cooldown.interval)", "at most 604800"),
        ("chat_cooldown: {burst: 2, interval: 1.0e+10}\n", "(chat_cooldown.interval)", "at most 604800"),
        (f"retention_days: {'9' * 30}\n", "(retention_days)", "a whole number of at least 1 and at most 36500"),
    ],
)
def test_a_bad_config_names_the_file_and_the_key(tmp_path: Path, text: str, where: str, what: str) -> None:
    """Each mistake is refused with the file, the key (or line) and what is wrong."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and where in message and what in message
    assert "((" not in message


def test_the_longest_watch_interval_keeps_the_knowledge_watcher_alive(tmp_path: Path) -> None:
    """A week, the most `watch_interval` takes (someone "turning the watcher off" with a huge number;
    the way is 0), is a wait the watcher thread can do: it runs on, and nothing dies."""
    kdir = write_kb(tmp_path / "knowledge", small_kb(questions=True))
    config = load_config(write(tmp_path, f"watch_interval: {MAX_SECONDS}\ndata_dir: {tmp_path / 'data'}\n"))
    died: list[BaseException | None] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: died.append(args.exc_value)
    try:
        service = Service.from_directory(kdir, config)
        service.start_watching()
        watcher = service.live._watcher
        assert watcher is not None and watcher._thread is not None
        watcher._thread.join(timeout=1)
        alive = watcher._thread.is_alive()
        service.close()
    finally:
        threading.excepthook = previous
    assert not died, f"the watcher thread died: {died!r}"
    assert alive


def test_the_runner_stops_on_a_bad_config_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m adapters run` with a broken config exits 2 with one line naming the file, before connecting."""
    path = write(tmp_path, "moderators:\n  telegram_users: nobody\n")
    code = runner.main(KNOWLEDGE, env={"TELEGRAM_BOT_TOKEN": "123:abc", "QABOT_CONFIG": str(path)})
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(path) in err and "moderators.telegram_users" in err


def test_a_data_dir_with_a_nul_byte_stops_every_command_with_one_line(kdir: Path, tmp_path: Path) -> None:
    """`data_dir: "data\\0x"` (a NUL byte, as a bad template or escape leaves) made every `kb` command die
    with a traceback from mkdir; it is a config error naming the file and the key, exit 2."""
    env = {**child_env(), "QABOT_CONFIG": str(write(tmp_path, 'data_dir: "data\\0x"\n'))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "history", "--knowledge", str(kdir)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2 and "(data_dir)" in result.stderr, result.stderr


def test_load_workers_is_a_whole_number_of_processes(tmp_path: Path) -> None:
    """`load_workers` is 1 or more; absent, the loader picks one per processor."""
    assert load_config(write(tmp_path, "load_workers: 1\n")).load_workers == 1
    assert Config().load_workers is None
    for bad in ("load_workers: 0\n", "load_workers: two\n", "load_workers: 1.5\n"):
        with pytest.raises(ConfigError, match=r"\(load_workers\): must be a whole number of at least 1"):
            load_config(write(tmp_path, bad))


def test_a_config_in_the_working_directory_is_not_read_in_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only an installed `qabot` (no project beside it) looks in the working directory."""
    (tmp_path / "config.yaml").write_text("database: {host: localhost}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert config_path({}) in (None, DEFAULT_FILE)


@pytest.mark.parametrize("given_by", ["environment", "config file"])
def test_a_database_that_cannot_be_used_is_named_where_its_url_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], given_by: str
) -> None:
    """A database_url nothing listens at: the one error line names $QABOT_DATABASE_URL (environment) when the
    URL came from there, the config file and its key when it came from the file."""
    pytest.importorskip("psycopg")
    from bot.cli import main

    url = "postgresql://postgres@127.0.0.1:1/nothing_listens_here"
    path = write(tmp_path, f"database_url: {url}\n" if given_by == "config file" else "")
    monkeypatch.setenv("QABOT_CONFIG", str(path))
    if given_by == "environment":
        monkeypatch.setenv("QABOT_DATABASE_URL", url)
    else:
        monkeypatch.delenv("QABOT_DATABASE_URL", raising=False)
    assert main(["ask", "why do people leave", "--knowledge", str(KNOWLEDGE)]) == 2
    err = capsys.readouterr().err.strip()
    where = "QABOT_DATABASE_URL (environment)" if given_by == "environment" else f"{path} (database_url)"
    assert err.startswith(f"error: {where}: cannot load the knowledge from {url}"), err


UNREADABLE = [
    "postgresql://qabot:50%off-S3CRET@127.0.0.1:1/qabot",  # a `%` in the password not encoded
    "postgresql://qabot:off@S3CRET@127.0.0.1:1/qabot",  # an `@`: psycopg read "S3CRET@127.0.0.1" as the host
    "postgresql://qabot:off-S3CRET@[::1:1/qabot",  # an IPv6 host's bracket not closed
]


@pytest.mark.parametrize("url", UNREADABLE, ids=["percent", "at-sign", "bracket"])
@pytest.mark.parametrize("command", [["doctor"], ["kb", "list"], ["db", "status"], ["run"]])
def test_a_database_url_psycopg_cannot_parse_shows_no_password(
    url: str,
    command: list[str],
    kdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A password holding an unencoded `%` in QABOT_DATABASE_URL had `doctor` print (and every other
    command print or log at each try of the pool) psycopg's reason, which quotes the password; one
    holding an `@` had the rest of it shown as the host that could not be reached. The URL is refused
    with a reason of the bot's own, naming where it came from, without its text."""
    pytest.importorskip("psycopg")
    from bot import cli

    monkeypatch.setenv("QABOT_DATABASE_URL", url)
    out = io.StringIO()
    if command == ["run"]:
        env = {"TELEGRAM_BOT_TOKEN": "123:abc", "QABOT_DATABASE_URL": url, "QABOT_CONFIG": ""}
        assert runner.main(kdir, env=env) == 2
    else:
        cli.main([*command, "--knowledge", str(kdir)], out=out)
    shown = out.getvalue() + capsys.readouterr().err + "\n".join(r.getMessage() for r in caplog.records)
    assert "S3CRET" not in shown and "off-" not in shown, shown
    assert "QABOT_DATABASE_URL (environment)" in shown and "percent-encode" in shown, shown
