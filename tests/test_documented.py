"""What an operator following the docs to the letter meets: each case a place where the behaviour had disagreed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config
from tests.conftest import ROOT
from tests.support import small_kb


def test_a_config_path_naming_a_folder_says_it_is_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """QABOT_CONFIG set to the folder the config is in (`/etc/qabot`) is named as a folder, not "not found"."""
    folder = tmp_path / "etc-qabot"
    folder.mkdir()
    (folder / "config.yaml").write_text("retention_days: 30\n", encoding="utf-8")
    knowledge = tmp_path / "kb"
    knowledge.mkdir()
    (knowledge / "notes.yaml").write_text(small_kb(), encoding="utf-8")
    monkeypatch.setenv("QABOT_CONFIG", str(folder))
    assert main(["ask", "When is the meetup?", "--knowledge", str(knowledge)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"error: {folder}: a folder, not a file (name the config file in it, such as config.yaml)"


def test_a_config_path_that_is_no_file_is_not_said_missing(tmp_path: Path) -> None:
    """A config path that exists but is no regular file (a FIFO) is called that, not "config file not found"."""
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError) as refused:
        load_config(fifo, env={})
    assert refused.value.message == "not a regular file"


def test_dev_null_as_the_config_means_the_defaults() -> None:
    """QABOT_CONFIG=/dev/null (the usual way to say "no config file") gives the defaults, as an empty file does."""
    config = load_config(env={"QABOT_CONFIG": "/dev/null"})
    assert config.moderators.telegram_users == frozenset() and config.retention_days == 90
    assert config.data_dir is None


def test_a_data_dir_under_the_home_folder_is_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`data_dir: ~/qabot-data` is in the bot user's home folder, not a folder named "~" beside the config."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / "srv").mkdir()
    config_file = tmp_path / "srv" / "config.yaml"
    config_file.write_text("data_dir: ~/qabot-data\n", encoding="utf-8")
    assert load_config(config_file, env={}).data_dir == home / "qabot-data"


def test_a_data_dir_of_an_unknown_users_home_is_one_line(tmp_path: Path) -> None:
    """`data_dir: ~nosuchuser/data` names the key and the value, as every config error does, instead of a traceback."""
    config_file = tmp_path / "config.yaml"
    config_file.write_text("data_dir: ~nosuchuser-qabot/data\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(config_file, env={})
    assert str(refused.value) == f"{config_file} (data_dir): '~nosuchuser-qabot/data': no such home folder"


@pytest.mark.parametrize("url", ["mysql://qabot@db.example/qabot", "127.0.0.1:5432/qabot", "postgresq://db.example/q"])
def test_a_database_url_of_another_kind_is_told_the_form_wanted(url: str) -> None:
    """QABOT_DATABASE_URL that is no PostgreSQL URL at all (another scheme, none, a typo) is told the form wanted, as
    the config file's `database_url` is, not to percent-encode its password."""
    pytest.importorskip("psycopg")
    with pytest.raises(ConfigError) as refused:
        load_config(None, env={"QABOT_DATABASE_URL": url, "QABOT_CONFIG": os.devnull})
    assert str(refused.value) == "QABOT_DATABASE_URL (environment): must be a postgresql://user@host:port/database URL"


def test_a_postgresql_url_psycopg_cannot_read_still_says_to_percent_encode() -> None:
    """A postgresql:// URL with an `@` left in its password keeps the advice that mends it."""
    with pytest.raises(ConfigError) as refused:
        load_config(None, env={"QABOT_DATABASE_URL": "postgresql://u:p@ss@db/q", "QABOT_CONFIG": os.devnull})
    assert "percent-encode" in str(refused.value) and "p@ss" not in str(refused.value)


def test_doctor_tells_a_database_url_of_another_kind_the_form_wanted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`doctor` with QABOT_DATABASE_URL=mysql://... names the form wanted on its database line too, not encoding."""
    pytest.importorskip("psycopg")
    from bot import doctor

    env = {"QABOT_DATABASE_URL": "mysql://qabot@db.example/qabot", "QABOT_CONFIG": os.devnull}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    found = [
        f.message for f in doctor.run_checks(ROOT / "knowledge", env, tmp_path) if f.topic in ("config", "database")
    ]
    assert found and all("postgresql://user@host:port/database URL" in m and "percent" not in m for m in found), found


def test_qabot_config_and_knowledge_written_with_a_tilde_are_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """QABOT_CONFIG="~/qabot/config.yaml" and QABOT_KNOWLEDGE="~/community", as a systemd unit's Environment= or a
    quoted export leaves them (no shell expands the ~), name the files in the home folder, as `data_dir` does."""
    home = tmp_path / "home"
    (home / "qabot").mkdir(parents=True)
    (home / "qabot" / "config.yaml").write_text("retention_days: 30\n", encoding="utf-8")
    (home / "community").mkdir()
    (home / "community" / "notes.yaml").write_text(small_kb(), encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("QABOT_CONFIG", "~/qabot/config.yaml")
    monkeypatch.setenv("QABOT_KNOWLEDGE", "~/community")
    assert load_config().retention_days == 30
    assert main(["ask", "When is the meetup?"]) == 0
    assert "first Saturday" in capsys.readouterr().out
