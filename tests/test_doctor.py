"""`python -m bot doctor`: a good set-up passes, each kind of problem is named in one line, no token is shown."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli, doctor
from bot.doctor import Level
from tests.conftest import ROOT
from tests.support import child_env, small_kb, write_kb

TELEGRAM = "123456789:" + "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"  # digits, colon, 35 characters
DISCORD = "MTEyMzQ1Njc4OTAxMjM0NTY3OA.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
DOCTOR_CHECKS = sorted((ROOT / "bot" / "checks").glob("*.py"))  # the checks doctor.py runs, by what they look at


@pytest.fixture
def kdir(kdir: Path) -> Path:
    """The shared small knowledge folder, with a synonyms file."""
    folder = kdir
    (folder / "synonyms.yaml").write_text("groups:\n  - [meetup, gathering]\n", encoding="utf-8")
    return folder


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No token or webhook variable from the machine running the tests."""
    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_PORT",
                 "TELEGRAM_WEBHOOK_SECRET"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def run(kdir: Path, *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(["doctor", "--knowledge", str(kdir), *extra], out=out)
    return code, out.getvalue()


def lines(output: str, level: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(level + " ")]


def test_a_good_setup_is_all_ok_and_exits_0(kdir: Path, env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Valid config, well-formed tokens, loading knowledge, a writable data folder: only ok lines, exit 0."""
    config = tmp_path / "config.yaml"
    config.write_text("moderators: {telegram_users: [1], discord_roles: [2]}\ndata_dir: data\n", encoding="utf-8")
    env.setenv("QABOT_CONFIG", str(config))
    env.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM)
    env.setenv("DISCORD_BOT_TOKEN", DISCORD)
    env.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org:8443/telegram")
    env.setenv("TELEGRAM_WEBHOOK_PORT", "8443")
    code, out = run(kdir)
    assert code == 0, out
    assert not lines(out, "error") and not lines(out, "warning"), out
    assert "2 moderator ids" in out
    assert "bot.example.org" in out and "/telegram" not in out  # the host, never the webhook's path
    assert "2 passages in 1 file," in out and "2 synonym phrases" in out  # the kb check summary
    assert out.rstrip().endswith("doctor: all good")


def test_defaults_without_tokens_warn_but_pass(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """No config file and no token: the defaults are fine, the missing token is a warning, exit 0."""
    env.setenv("QABOT_CONFIG", os.devnull)  # no config file, even beside a config.yaml (docs/moderation.md)
    code, out = run(kdir, "--data", str(kdir.parent / "data"))
    assert code == 0, out
    assert "defaults apply" in out
    assert len(lines(out, "warning")) == 1 and "no bot token set" in out
    assert "does not exist yet; it will be created" in out


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TELEGRAM_BOT_TOKEN", "123456789:short", "does not look like a Telegram token"),
        ("TELEGRAM_BOT_TOKEN", "bot" + TELEGRAM, "does not look like a Telegram token"),
        ("DISCORD_BOT_TOKEN", "not a discord token", "does not look like a Discord bot token"),
        ("DISCORD_BOT_TOKEN", "a.b", "does not look like a Discord bot token"),
    ],
)
def test_a_malformed_token_is_an_error_that_never_shows_the_token(
    kdir: Path, env: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    """A token of the wrong shape: one error line with its length, and the token itself nowhere."""
    env.setenv(variable, value)
    code, out = run(kdir)
    assert code == 1
    [line] = lines(out, "error")
    assert expected in line and f"({len(value)} characters)" in line
    assert value not in out and value.split(":")[-1] not in out


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("TELEGRAM_BOT_TOKEN", f'"{TELEGRAM}"', "it is in quotes, which became part of the value"),
        ("TELEGRAM_BOT_TOKEN", "bot" + TELEGRAM, "set the token alone, without 'bot'"),
        (
            "DISCORD_BOT_TOKEN",
            "Bot " + DISCORD,
            "as an Authorization header writes it; set the token alone, without 'Bot '",
        ),
        ("DISCORD_BOT_TOKEN", f"'Bot {DISCORD}'", "set the token alone, without the quotes and 'Bot '"),
    ],
    ids=["telegram-quoted", "telegram-bot-prefix", "discord-bot-prefix", "discord-quoted-bot-prefix"],
)
def test_a_token_pasted_with_quotes_or_a_prefix_gets_its_own_hint(
    kdir: Path, env: pytest.MonkeyPatch, variable: str, value: str, hint: str
) -> None:
    """A right token in quotes or after "bot"/"Bot " gets a hint naming that slip, not the shape's; never shown."""
    env.setenv(variable, value)
    code, out = run(kdir)
    [line] = lines(out, "error")
    assert code == 1 and hint in line and "expected" not in line, line
    assert not any(part in out for part in value.strip("'\"").replace(":", ".").replace(" ", ".").split(".")[1:])


def test_a_token_of_the_right_shape_is_never_printed(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """Well-formed tokens are reported by length only."""
    env.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM)
    env.setenv("DISCORD_BOT_TOKEN", DISCORD)
    out = run(kdir)[1]
    for token in (TELEGRAM, DISCORD):
        assert all(part not in out for part in token.replace(":", ".").split("."))


def test_a_discord_token_whose_first_part_is_not_an_id_is_a_warning(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """Three parts, but the first does not decode to a number: probably the wrong secret."""
    env.setenv("DISCORD_BOT_TOKEN", "aGVsbG8.GaBcDe.abcdefghijklmnopqrstuvwxyz")
    code, out = run(kdir)
    assert code == 0
    assert "does not decode to an application id" in lines(out, "warning")[0]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("moderators: {telegram_users: 5}\n", "(moderators.telegram_users): must be a list of ids"),
        ("colour: blue\n", "unknown key colour"),
        ("moderators: [\n", "invalid YAML"),
    ],
)
def test_a_bad_config_file_is_named(
    kdir: Path, env: pytest.MonkeyPatch, tmp_path: Path, config: str, expected: str
) -> None:
    """An invalid config file: one error line naming the file and what is wrong."""
    path = tmp_path / "bad-config.yaml"
    path.write_text(config, encoding="utf-8")
    env.setenv("QABOT_CONFIG", str(path))
    code, out = run(kdir)
    assert code == 1
    [line] = lines(out, "error")
    assert line.startswith("error   config: ") and str(path) in line and expected in line


def test_a_missing_config_file_is_named(kdir: Path, env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """QABOT_CONFIG naming a file that is not there is an error, not silently the defaults."""
    env.setenv("QABOT_CONFIG", str(tmp_path / "missing.yaml"))
    code, out = run(kdir)
    assert code == 1 and "config file not found" in lines(out, "error")[0]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.yaml", "source: {title: T}\npassages:\n  - id: Bad Id\n    section: S\n    text: T\n", "id 'Bad Id'"),
        ("notes.yaml", "passages: [\n", "invalid YAML"),
        ("synonyms.yaml", "groups:\n  - [lonely]\n", "at least two non-empty phrases"),
    ],
)
def test_broken_knowledge_or_synonyms_are_named_with_file_and_line(
    kdir: Path, env: pytest.MonkeyPatch, name: str, content: str, expected: str
) -> None:
    """A knowledge or synonyms file that does not load: the loader's message, with the file, as an error."""
    (kdir / name).write_text(content, encoding="utf-8")
    code, out = run(kdir)
    assert code == 1
    [line] = lines(out, "error")
    assert name in line and expected in line


def test_a_missing_knowledge_folder_is_an_error(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The knowledge folder not there at all."""
    code, out = run(tmp_path / "nowhere")
    assert code == 1 and "knowledge folder not found" in out


def test_leftover_temporary_files_are_a_warning(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """A temporary file left by an interrupted write is reported (it is harmless, the next change removes it)."""
    (kdir / ".moderators.yaml.x1y2z3.tmp").write_text("half", encoding="utf-8")
    out = run(kdir)[1]
    assert any("interrupted write" in line for line in lines(out, "warning"))


def test_a_data_folder_that_cannot_be_created_is_an_error(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """data_dir under a plain file cannot be created (this holds for root too)."""
    blocker = kdir.parent / "blocker"
    blocker.write_text("", encoding="utf-8")
    code, out = run(kdir, "--data", str(blocker / "data"))
    assert code == 1 and "is a file, not a folder" in lines(out, "error")[0]


def test_a_data_path_that_is_a_file_is_an_error(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """data_dir naming a file."""
    path = kdir.parent / "data"
    path.write_text("", encoding="utf-8")
    code, out = run(kdir, "--data", str(path))
    assert code == 1 and "is a file, not a folder" in out


def test_a_data_folder_that_is_a_dangling_symbolic_link_is_an_error(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """`data` a symbolic link to a volume not mounted was "does not exist yet; it will be created at the first
    start" (ok, exit 0), while every change was then refused and no gap recorded."""
    data = kdir.parent / "data"
    data.symlink_to(kdir.parent / "volume" / "qabot-data")
    code, out = run(kdir)
    added = cli.main(["kb", "add", "--section", "Parking", "--text", "Bikes go in the racks behind the library.",
                      "--knowledge", str(kdir)], out=io.StringIO())  # fmt: skip
    assert added != 0  # what the operator meets later, and what doctor must warn of
    assert code == 1
    assert "symbolic link" in lines(out, "error")[0] and "volume/qabot-data" in lines(out, "error")[0], out


def test_a_damaged_gaps_database_is_an_error_and_a_good_one_ok(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """The gaps database must open as SQLite; garbage in its place is named."""
    data = kdir.parent / "data"
    data.mkdir()
    sqlite3.connect(data / "gaps.sqlite3").close()
    code, out = run(kdir, "--data", str(data))
    assert code == 0 and "passes SQLite's quick check" in out
    (data / "gaps.sqlite3").write_bytes(b"this is not a database" * 100)
    code, out = run(kdir, "--data", str(data))
    assert code == 1 and "gaps.sqlite3" in lines(out, "error")[0]


def test_doctor_checks_the_gaps_database_of_a_folder_whose_path_holds_a_hash(
    tmp_path: Path, env: pytest.MonkeyPatch
) -> None:
    """In `/srv/c#-club/` a damaged gaps.sqlite3 was reported as passing SQLite's quick check: opened as the URI
    `file:/srv/c#-club/...?mode=ro`, whose `#` cut the path to `/srv/c`, where an empty database was made."""
    home = tmp_path / "c#-club?"
    home.mkdir()
    kdir = write_kb(home / "knowledge", small_kb())
    (home / "data").mkdir()
    (home / "data" / "gaps.sqlite3").write_bytes(b"this is no SQLite database\n" * 300)
    code, out = run(kdir)
    assert not (tmp_path / "c").exists(), "doctor made an empty database where the path was cut"
    assert code == 1 and "gaps.sqlite3" in lines(out, "error")[0], out


def test_a_history_file_that_is_a_folder_is_an_error(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """history.jsonl made a folder (a mistaken mkdir, a bad volume mount) passes os.access(W_OK), but
    every change is refused: doctor names it as an error, not "writable"."""
    data = kdir.parent / "data"
    (data / "history.jsonl").mkdir(parents=True)
    code, out = run(kdir, "--data", str(data))
    refused = cli.main(
        ["kb", "add", "--section", "Test", "--text", "A passage about the test venue and its hours.",
         "--knowledge", str(kdir), "--data", str(data)],
        out=io.StringIO(),
    )  # fmt: skip
    assert refused != 0
    assert any("history" in line for line in lines(out, "error")), out
    assert code == 1


def test_a_user_key_the_bot_refuses_is_an_error(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """A data/user-key others may read (restored from a backup, copied under umask 022): the bot runs
    without the gaps database and `kb gaps` points to doctor, so doctor names the key file."""
    data = kdir.parent / "data"
    asked = ["ask", "what is the capital of mars", "--record", "--data", str(data), "--knowledge", str(kdir)]
    assert cli.main(asked, out=io.StringIO()) == 0
    code, out = run(kdir, "--data", str(data))
    assert code == 0 and "ok      data: user-key" in out
    (data / "user-key").chmod(0o644)
    code, out = run(kdir, "--data", str(data))
    [flagged] = [line for line in lines(out, "error") if "user-key" in line]
    assert "mode 644" in flagged and code == 1


def test_an_empty_user_key_is_a_warning_as_the_bot_replaces_it(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """An empty data/user-key (an older version stopped while writing it) is replaced by the bot at its
    next start, which runs with the gaps database: doctor warns, and does not fail a deploy over it."""
    data = kdir.parent / "data"
    data.mkdir()
    (data / "user-key").touch(mode=0o600)
    code, out = run(kdir, "--data", str(data))
    [warned] = [line for line in lines(out, "warning") if "user-key" in line]
    assert "the next start replaces it" in warned and code == 0, out
    asked = ["ask", "what is the capital of mars", "--record", "--data", str(data), "--knowledge", str(kdir)]
    assert cli.main(asked, out=io.StringIO()) == 0
    assert len((data / "user-key").read_bytes()) == 32


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"TELEGRAM_WEBHOOK_URL": "http://bot.example.org/telegram"}, "must be an https:// address"),
        ({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org:9000/t"}, "Telegram only sends to ports"),
        ({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/t", "TELEGRAM_WEBHOOK_SECRET": "no spaces!"}, "SECRET"),
        ({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/t", "TELEGRAM_WEBHOOK_OWNER": "maybe"}, "yes or no"),
        ({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/t", "TELEGRAM_WEBHOOK_OWNER": "no"}, "WEBHOOK_SECRET"),
        ({"TELEGRAM_WEBHOOK_OWNER": "no", "TELEGRAM_WEBHOOK_SECRET": "s3cret"}, "TELEGRAM_WEBHOOK_URL"),
    ],
)
def test_bad_webhook_settings_are_named(
    kdir: Path, env: pytest.MonkeyPatch, variables: dict[str, str], expected: str
) -> None:
    """Webhook settings Telegram or the bot would refuse: one error line each."""
    env.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM)
    for name, value in variables.items():
        env.setenv(name, value)
    code, out = run(kdir)
    assert code == 1
    [line] = lines(out, "error")
    assert line.startswith("error   webhook: ") and expected in line


# each numeric variable: values out of its range, and the range the error names
OUT_OF_RANGE = {
    "TELEGRAM_RETRY_DELAY": (["1000"], "a number from 0 to 30 (seconds)"),
    "TELEGRAM_POLL_TIMEOUT": (["61", "-1", "١٠"], "a whole number from 0 to 60 (seconds)"),  # ASCII digits only
    "TELEGRAM_REQUEST_TIMEOUT": (["inf", "0", "0.1"], "a number from 0.5 to 300 (seconds)"),
    "TELEGRAM_RATE_LIMIT": (["nan", "0.5", "-1"], "a number from 1 to 1000 (calls a second), or 0 (no limit)"),
    "TELEGRAM_GROUP_RATE_LIMIT": (["0.99"], "a number from 1 to 1000 (messages a minute per group), or 0 (no limit)"),
    "TELEGRAM_WEBHOOK_PORT": (["70000", "eighty", "8²"], "a port number from 1 to 65535"),
    "DISCORD_GUILD_READY_TIMEOUT": (["1e9"], "a number from 0 to 60 (seconds)"),
    "DISCORD_SHARD_COUNT": (["0"], "a whole number from 1 to 10000 (shards), or auto"),
}


@pytest.mark.parametrize(("name", "value"), [(name, v) for name, (values, _) in OUT_OF_RANGE.items() for v in values])
def test_a_number_out_of_its_range_is_an_error_naming_it(
    kdir: Path, env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """A numeric TELEGRAM_*/DISCORD_* variable out of its range: one error line naming it, as `run` would say."""
    for variable, given in (("TELEGRAM_BOT_TOKEN", TELEGRAM), ("DISCORD_BOT_TOKEN", DISCORD), (name, value)):
        env.setenv(variable, given)
    expected = f"{name} must be {OUT_OF_RANGE[name][1]}, not {value!r}"
    code, out = run(kdir)
    [line] = lines(out, "error")
    assert code == 1 and line.startswith(f"error   {name.split('_')[0].lower()} settings: ") and expected in line
    assert doctor.start_errors(dict(os.environ)) == [line.split(": ", 1)[1]]


def test_a_shard_id_run_refuses_is_an_error_and_a_bad_count_is_named_once(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """DISCORD_SHARD_IDS=0,5 with a count of 2 is an error in run's words; with a bad count, the count's line alone."""
    env.setenv("DISCORD_BOT_TOKEN", DISCORD)
    env.setenv("DISCORD_SHARD_COUNT", "2")
    env.setenv("DISCORD_SHARD_IDS", "0,5")
    code, out = run(kdir)
    [line] = lines(out, "error")
    said = "DISCORD_SHARD_IDS must be numbers from 0 to DISCORD_SHARD_COUNT - 1"
    assert code == 1 and line == f"error   discord settings: {said}", out
    env.setenv("DISCORD_SHARD_COUNT", "two")
    code, out = run(kdir)
    [line] = lines(out, "error")
    assert code == 1 and "DISCORD_SHARD_COUNT must be " in line and "DISCORD_SHARD_IDS" not in out, out


def test_a_bad_number_of_a_platform_without_its_token_is_a_warning(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """TELEGRAM_RETRY_DELAY=1000 without a Telegram token is not read by `run`: a warning, and exit 0."""
    env.setenv("DISCORD_BOT_TOKEN", DISCORD)
    env.setenv("TELEGRAM_RETRY_DELAY", "1000")
    code, out = run(kdir)
    assert code == 0 and not lines(out, "error")
    assert any(
        "TELEGRAM_RETRY_DELAY" in line and "unused while TELEGRAM_BOT_TOKEN" in line for line in lines(out, "warning")
    )


def test_numbers_at_their_bounds_and_auto_are_ok(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """The highest value of a range, the lowest, a blank one, 0 for no rate limit and DISCORD_SHARD_COUNT=auto pass."""
    env.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM)
    env.setenv("DISCORD_BOT_TOKEN", DISCORD)
    for name, value in (("TELEGRAM_RETRY_DELAY", "30"), ("TELEGRAM_POLL_TIMEOUT", "60"), ("DISCORD_DEFER_AFTER", "2.5"),
                        ("TELEGRAM_RATE_LIMIT", " "), ("TELEGRAM_GROUP_RATE_LIMIT", "0"),
                        ("DISCORD_SHARD_COUNT", "AUTO"), ("TELEGRAM_WEBHOOK_PORT", "1")):  # fmt: skip
        env.setenv(name, value)
    code, out = run(kdir)
    assert code == 0 and not lines(out, "error") and "settings" not in out, out


@pytest.mark.parametrize("owner", ["", "  ", "YES", "no"])
def test_a_webhook_owner_setting_run_accepts_is_no_error(kdir: Path, env: pytest.MonkeyPatch, owner: str) -> None:
    """Blank means yes, as `run` reads it; a worker that is not the owner has the URL and the secret."""
    env.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM)
    env.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/t")
    env.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    env.setenv("TELEGRAM_WEBHOOK_OWNER", owner)
    _, out = run(kdir)
    assert not [line for line in lines(out, "error") if "webhook" in line], out


def test_checks_are_frozen_findings() -> None:
    """Each check returns frozen values: a report cannot be changed after the fact."""
    finding = doctor.check_telegram_token({})
    assert finding.level is Level.OK
    with pytest.raises(AttributeError):
        finding.level = Level.ERROR  # type: ignore[misc]


def test_doctor_never_imports_a_platform_library(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """Offline: the doctor module and its checks (bot/checks/) do not load telegram, discord or an HTTP client."""
    import ast

    sources = [Path(doctor.__file__), *DOCTOR_CHECKS]
    nodes = [node for source in sources for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))]
    imported = {alias.name.split(".")[0] for node in nodes if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in nodes if isinstance(node, ast.ImportFrom)}
    assert not imported & {"telegram", "discord", "httpx", "aiohttp", "urllib3", "requests", "socket", "adapters"}


def test_admin_rights_without_named_places_are_a_warning(kdir: Path, env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An admin flag on with no chat or server named counts nowhere: doctor says so, once per flag."""
    config = tmp_path / "config.yaml"
    config.write_text(
        "moderators:\n  telegram_group_admins: true\n  discord_manage_server: true\n"
        "  discord_admin_guilds: [900000000000000003]\n",
        encoding="utf-8",
    )
    env.setenv("QABOT_CONFIG", str(config))
    code, out = run(kdir)
    assert code == 0, out
    [line] = [line for line in lines(out, "warning") if "admin" in line]
    assert "moderators.telegram_admin_chats is empty" in line and "no group" in line


@pytest.mark.parametrize("name", ["faq.yml", "FAQ.YAML"])
def test_a_knowledge_file_not_named_yaml_is_a_warning(
    kdir: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """Only *.yaml is read: `faq.yml` or `FAQ.YAML` was left out while `kb check` and `doctor` said ok."""
    (kdir / name).write_text((kdir / "notes.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    code, out = run(kdir)
    assert code == 0
    [line] = lines(out, "warning")[-1:]
    assert f"{kdir / name}: not read" in line and f"name it {Path(name).stem}.yaml" in line
    assert cli.main(["kb", "check", "--knowledge", str(kdir)], out=io.StringIO()) == 0
    assert f"warning: {kdir / name}: not read" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("ranking: {k1: -1}\n", "settings.yaml (ranking.k1): expected a number from 0 to 100, got -1"),
        (None, "settings.yaml: a folder, not a file"),
    ],
)
def test_broken_settings_are_an_error(kdir: Path, env: pytest.MonkeyPatch, content: str | None, expected: str) -> None:
    """A settings.yaml the bot would refuse (a bad value, or a folder of that name, which had been
    silently no settings) is named as an error."""
    if content is None:
        (kdir / "settings.yaml").mkdir()
    else:
        (kdir / "settings.yaml").write_text(content, encoding="utf-8")
    code, out = run(kdir)
    assert code == 1
    [line] = lines(out, "error")
    assert line.startswith("error   settings: ") and expected in line


def test_a_synonym_read_as_another_groups_is_a_warning(
    kdir: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """'universally' stems as 'universal': it means the first group's term, which `doctor` and `kb check` say."""
    (kdir / "synonyms.yaml").write_text("groups:\n  - [universal, global]\n  - [everywhere, universally]\n")
    code, out = run(kdir)
    assert code == 0
    assert any("'universally' reads as 'universal' of group 1" in line for line in lines(out, "warning"))
    assert cli.main(["kb", "check", "--knowledge", str(kdir)], out=io.StringIO()) == 0
    assert "so it means 'universal', not 'everywhere'" in capsys.readouterr().err


def test_a_group_that_opens_with_a_word_stemmed_as_anothers_is_a_warning_too(
    kdir: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Opening its group, 'universally' was taken as extending [universal, global]: "worldwide" then meant
    "universal", and no warning said so. Only a group that opens with the same written phrase extends one."""
    (kdir / "synonyms.yaml").write_text("groups:\n  - [universal, global]\n  - [universally, everywhere, worldwide]\n")
    assert cli.main(["kb", "check", "--knowledge", str(kdir)], out=io.StringIO()) == 0
    assert "'universally' reads as 'universal' of group 1" in capsys.readouterr().err
    (kdir / "synonyms.yaml").write_text("groups:\n  - [author, writer]\n  - [author, novelist]\n")
    assert cli.main(["kb", "check", "--knowledge", str(kdir)], out=io.StringIO()) == 0
    assert "reads as" not in capsys.readouterr().err  # the same first phrase: one group, extended


def test_an_empty_folder_is_a_warning_that_the_bot_starts_knowing_nothing(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A new community's folder of no knowledge yet: the bot starts, so `doctor` warns and exits 0."""
    folder = tmp_path / "community"
    folder.mkdir()
    code, out = run(folder)
    assert code == 0, out
    assert f"warning knowledge: {folder}: no knowledge files yet: the bot starts, and declines every question" in out
    checked = io.StringIO()  # and `kb check`, which a deployment may run first, does not stop it
    assert cli.main(["kb", "check", "--knowledge", str(folder)], out=checked) == 0
    assert checked.getvalue().startswith("ok: 0 passages in 0 files,")
    asked = io.StringIO()
    assert cli.main(["kb", "gaps", "--would-answer", "--knowledge", str(folder)], out=asked) == 0
    assert asked.getvalue().startswith("0 of 0 open gaps would be answered")


def test_files_of_what_members_wrote_that_others_can_read_are_a_warning(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """A gaps database or history made readable by other users of the machine (by an older version,
    under the usual umask) is a warning naming the file, its mode and the chmod that mends it."""
    data = kdir.parent / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    sqlite3.connect(data / "gaps.sqlite3").close()
    (data / "gaps.sqlite3").chmod(0o644)
    code, out = run(kdir, "--data", str(data))
    [warned] = [line for line in lines(out, "warning") if "other users" in line]
    assert code == 0 and f"{data / 'gaps.sqlite3'} (mode 644)" in warned and "chmod 600" in warned
    (data / "gaps.sqlite3").chmod(0o600)
    assert not [line for line in lines(run(kdir, "--data", str(data))[1], "warning") if "other users" in line]


def kb_check(folder: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot kb check --knowledge FOLDER`, run as a moderator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "kb", "check", "--knowledge", str(folder)],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_kb_check_of_an_empty_folder_warns_in_one_plain_line(tmp_path: Path) -> None:
    """`kb check` of a new community's empty folder had warned in a timestamped log line: one `warning:` line."""
    folder = tmp_path / "community"
    folder.mkdir()
    done = kb_check(folder)
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"warning: {folder}: {doctor.NOTHING_YET}\n"
    assert done.stdout == "ok: 0 passages in 0 files, 0 sections, 0 alternate questions, 0 synonym phrases\n"


def test_the_kb_check_summary_counts_one_in_the_singular(tmp_path: Path) -> None:
    """One passage in one file had been "1 passages in 1 file(s), 1 sections": each count agrees with its noun."""
    done = kb_check(write_kb(tmp_path / "knowledge", small_kb(questions=True)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: 1 passage in 1 file, 1 section, 1 alternate question, ")


def test_every_variable_doctor_checks_by_name_is_documented_as_checked() -> None:
    """`doctor` checks TELEGRAM_WEBHOOK_OWNER, but neither docs/reliability.md nor docs/telegram.md said so:
    each variable bot/doctor.py (or its checks, bot/checks/) names is in reliability.md, and each TELEGRAM_*
    one in a telegram.md paragraph that names `doctor`."""
    source = "".join(path.read_text(encoding="utf-8") for path in [ROOT / "bot" / "doctor.py", *DOCTOR_CHECKS])
    named = set(re.findall(r'"((?:TELEGRAM|DISCORD)_[A-Z_]+)"', source))
    assert {"TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL"} <= named  # the scan sees every module
    reliability = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert [name for name in sorted(named) if name not in reliability] == []
    paragraphs = (ROOT / "docs" / "telegram.md").read_text(encoding="utf-8").split("\n\n")
    checked = " ".join(p for p in paragraphs if "`doctor`" in p or "bot doctor" in p)
    assert [name for name in sorted(named) if name.startswith("TELEGRAM_") and name not in checked] == []


def test_the_config_is_read_with_the_environment_doctor_is_given(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    """`check_config(env)` reads $QABOT_DATABASE_URL of `env`, not of os.environ: a bad URL in the process's
    environment had been reported for an environment that names a good one."""
    config = tmp_path / "config.yaml"
    config.write_text("", encoding="utf-8")
    env.setenv("QABOT_DATABASE_URL", "mysql://nobody@example.org/db")
    given = {"QABOT_CONFIG": str(config), "QABOT_DATABASE_URL": "postgresql://qabot@127.0.0.1:5432/qabot"}
    finding, loaded = doctor.check_config(given)
    assert finding.level is Level.OK, finding.line()
    assert loaded.database_url == "postgresql://qabot@127.0.0.1:5432/qabot"


def test_the_null_device_as_the_config_is_said_to_mean_the_defaults(kdir: Path, env: pytest.MonkeyPatch) -> None:
    """QABOT_CONFIG=/dev/null had been "/dev/null is valid: 0 moderator ids"; doctor says it means the defaults."""
    env.setenv("QABOT_CONFIG", os.devnull)
    code, out = run(kdir)
    assert code == 0, out
    config_line = next(line for line in out.splitlines() if "config" in line)
    assert config_line == (
        f"ok      config: QABOT_CONFIG={os.devnull}: no config file; the defaults apply (nobody in chat is a moderator)"
    )
