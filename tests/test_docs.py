"""The documentation: the README short, its links whole, every variable, config key, command and option real."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

README_MAX_LINES = 300
DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _prose(path: Path) -> str:
    """The file's text without its fenced code blocks (a link in an example is not a link)."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def _anchors(path: Path) -> set[str]:
    """The anchors GitHub makes from a file's headings: lower case, punctuation dropped, spaces to -."""
    slugs = set()
    for heading in HEADING.findall(_prose(path)):
        text = re.sub(r"[`*_]", "", heading).strip().lower()
        slugs.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return slugs


def _relative_links(path: Path) -> list[str]:
    return [t for t in LINK.findall(_prose(path)) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_readme_is_at_most_300_lines() -> None:
    """README.md stays an overview; the depth lives in docs/ and the history in CHANGELOG.md."""
    lines = len((ROOT / "README.md").read_text(encoding="utf-8").splitlines())
    assert lines <= README_MAX_LINES


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_existing_files(doc: Path) -> None:
    """Every relative link names a file that exists and, when it has one, a heading in that file."""
    broken = []
    for target in _relative_links(doc):
        name, _, anchor = target.partition("#")
        linked = (doc.parent / name).resolve() if name else doc
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: no such heading")
    assert broken == []


def test_the_link_check_sees_links() -> None:
    """The README's links are found at all (a broken pattern would pass every file)."""
    assert "docs/quality.md" in _relative_links(ROOT / "README.md")


def test_the_doctor_sample_counts_the_bundled_knowledge(tmp_path: Path) -> None:
    """docs/reliability.md's `doctor` sample shows the knowledge line doctor prints for knowledge/ today."""
    from bot import doctor

    (line,) = [f for f in doctor.run_checks(ROOT / "knowledge", {}, tmp_path) if f.topic == "knowledge"]
    sample = re.search(r"^ok {6}knowledge: (.*)$", (ROOT / "docs" / "reliability.md").read_text(), re.MULTILINE)
    assert sample is not None and sample.group(1) == line.message


def _mapped_modules() -> set[str]:
    """The modules docs/architecture.md's two maps name, as paths: `bot/search/cache`, `adapters/tg/webhook`."""
    named = set()
    for block in FENCE.findall((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")):
        lines = block.splitlines()[1:-1]
        if lines and lines[0].startswith("bot/"):  # `package/   module module ...   what it holds`, at column 66
            packages = ["bot"]
            for line in lines:
                left = line[:66] if line[64:66] == "  " and not line.startswith("bot/") else line
                folder = re.match(r"( *)(\w+)/", left)
                if folder:
                    packages = [*packages[: len(folder.group(1)) // 2], folder.group(2)]
                words = re.sub(r"\(.*?\)|\w+/", " ", left).split()
                named.update("/".join([*packages, word]) for word in words)
        elif lines and lines[0] == "adapters/":  # one file a line, indented under its folder
            folders = ["adapters"]
            for line in lines[1:]:
                depth, name = (len(line) - len(line.lstrip())) // 2, line.split()[0]
                folders = folders[:depth]
                if name.endswith("/"):
                    folders.append(name.strip("/"))
                elif name.endswith(".py"):
                    named.add("/".join([*folders, name.removesuffix(".py")]))
    return named


@pytest.mark.parametrize("package", ["bot", "adapters"])
def test_the_architecture_maps_name_every_module(package: str) -> None:
    """Every module of bot/ and adapters/ is named in docs/architecture.md's maps (a new one is added there too)."""
    mapped = _mapped_modules()
    modules = {
        str(path.relative_to(ROOT).with_suffix(""))
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py" or path.parent == ROOT / package
    }
    assert sorted(modules - mapped) == []


# What the docs name, checked against the code: a variable, a config key or an option renamed on one side only
# had left an operator following the docs to the letter with a setting silently ignored or a command refused.

VARIABLE = re.compile(r"\b(?:QABOT|TELEGRAM|DISCORD)_[A-Z0-9_]*[A-Z0-9]\b")


def _docs_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])


def _read_variables(*folders: str) -> set[str]:
    """The variables the code of `folders` names in a string: `"QABOT_CONFIG"`, `env.text("TELEGRAM_WEBHOOK_URL")`
    (not an option's metavar, `metavar="DISCORD_COMMAND"`)."""
    names = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for literal in re.findall(r"""(?<!metavar=)["']([A-Z][A-Z0-9_]+)["']""", path.read_text(encoding="utf-8")):
                if VARIABLE.fullmatch(literal):
                    names.add(literal)
    return names


def test_every_variable_the_docs_name_is_read_by_the_code() -> None:
    """Each QABOT_/TELEGRAM_/DISCORD_ variable the docs tell an operator to set is read somewhere (a doc's
    misspelt or retired variable would be set and silently ignored)."""
    documented = set(VARIABLE.findall(_docs_text()))
    assert sorted(documented - _read_variables("bot", "adapters", "benchmarks", "tests")) == []


def test_every_variable_the_bot_reads_is_documented() -> None:
    """Each variable bot/ and adapters/ read is named in README.md or docs/ (a metavar, DISCORD_COMMAND, is none)."""
    read = _read_variables("bot", "adapters")
    assert sorted(read - set(VARIABLE.findall(_docs_text()))) == []


def _variable_table(doc: str) -> dict[str, str]:
    """A platform page's table of variables: name -> its row's text."""
    rows = re.findall(r"^\| `((?:TELEGRAM|DISCORD)_[A-Z_]+)` \|(.*)$", (ROOT / "docs" / doc).read_text(), re.MULTILINE)
    return dict(rows)


@pytest.mark.parametrize(("doc", "prefix"), [("telegram.md", "TELEGRAM_"), ("discord.md", "DISCORD_")])
def test_each_platform_table_lists_every_variable_with_its_range(doc: str, prefix: str) -> None:
    """telegram.md's and discord.md's tables name every variable their adapter reads, and a range a row gives
    ("0 to 60") is the one bot/environment.py holds the variable to."""
    from bot.environment import NUMBERS

    table = _variable_table(doc)
    read = {name for name in _read_variables("adapters", "bot") if name.startswith(prefix)}
    assert sorted(read - set(table)) == []
    wrong = []
    for name, variable in NUMBERS.items():
        if name.startswith(prefix):
            span = variable.bounds.span().removeprefix("from ")
            if not re.search(rf"[(;] ?{re.escape(span)}\b(?!\.)", table[name]):
                wrong.append(f"{name}: {span} not in {table[name]!r}")
    assert wrong == []


def _config_keys() -> set[str]:
    """Every key bot/config.py accepts, dotted: `moderators.telegram_users`, `cooldown.burst`."""
    from bot import config

    keys = set(config._TOP_KEYS)
    keys |= {f"moderators.{key}" for key in (*config._MODERATOR_LISTS, *config._MODERATOR_FLAGS)}
    keys |= {f"{table}.{key}" for table in ("cooldown", "chat_cooldown") for key in ("burst", "interval")}
    return keys


def _uncommented_example() -> str:
    """config.example.yaml with its commented-out keys (`# data_dir: data`) written in."""
    text = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    return re.sub(r"^# ([a-z_]+: )", r"\1", text, flags=re.MULTILINE)


def test_config_example_names_every_key_and_loads(tmp_path: Path) -> None:
    """config.example.yaml "documents every key": each key the loader accepts is in it, and with its
    commented-out keys written in, it loads as it stands."""
    from bot.config import load_config

    example = tmp_path / "config.yaml"
    example.write_text(_uncommented_example(), encoding="utf-8")
    config = load_config(example, env={})
    assert config.load_workers == 2 and config.data_dir == tmp_path / "data"
    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    named = {str(key) for key in data} | {
        f"{key}.{sub}" for key, value in data.items() if isinstance(value, dict) for sub in value
    }
    assert sorted(_config_keys() - named) == []


def test_every_config_example_in_the_docs_loads(tmp_path: Path) -> None:
    """Each YAML block of the docs that is a config file (its keys the config's) is accepted by the loader."""
    from bot.config import load_config

    blocks = []
    for doc in DOCS:
        for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", doc.read_text(encoding="utf-8"), re.M | re.S):
            data = yaml.safe_load(body) if lang in ("yaml", "yml") else None
            if isinstance(data, dict) and {"moderators", "cooldown"} & set(data):
                path = tmp_path / f"{doc.stem}-{len(blocks)}.yaml"
                path.write_text(body, encoding="utf-8")
                blocks.append(load_config(path, env={}))
    assert blocks  # moderation.md's "Who is a moderator" block at least


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next((dict(a.choices) for a in parser._actions if isinstance(a, argparse._SubParsersAction)), {})


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def _command(words: list[str], group: list[str]) -> tuple[list[str], argparse.ArgumentParser] | None:
    """The command the words name in `python -m adapters`' parser (`kb gaps` -> its parser), or under the
    group of the command before them (`edit` after `kb add`); None when they name none."""
    from adapters.cli import build_parser

    for base in ([], group):
        parser, path = build_parser(), list(base)
        for name in base:
            parser = _subcommands(parser)[name]
        for word in words:
            if word not in _subcommands(parser):
                break
            parser, path = _subcommands(parser)[word], [*path, word]
        if len(path) > len(base) and not _subcommands(parser):
            return path, parser
    return None


def _check_usage(written: str, group: list[str], problems: list[str], where: str) -> list[str]:
    """Check one written command (`kb gaps --would-answer [--drafts]`): it names a command and every option it
    shows is that command's; returns its group, for a short name after it (`edit`)."""
    words = re.findall(r"(?<![-\w])[a-z][a-z-]*", written.split("--")[0])
    found = _command(words, group)
    if found is None:
        problems.append(f"{where}: `{written}` names no command")
        return group
    path, parser = found
    bench = path == ["bench"]  # parses its own options (benchmarks/bench.py)
    options = _options(parser) | ({"--sizes", "--questions", "--million", "--json"} if bench else set())
    problems += [
        f"{where}: `{written}`: no option {o}" for o in re.findall(r"--[a-z][a-z-]*", written) if o not in options
    ]
    return path[:-1]


def test_every_command_the_readme_and_docs_write_exists_with_its_options() -> None:
    """Each command of the README's tables and of the docs' `python -m bot|adapters ...` (inline, or indented
    as code) names a command of the command line, and every --option written with it is one of its options."""
    problems: list[str] = []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = readme[readme.index("## Commands") : readme.index("## The knowledge base")]
    for row in re.findall(r"^\| (`.*?) \| ", commands, re.MULTILINE):
        group: list[str] = []
        for span in re.findall(r"`([^`]+)`", row):
            if span.startswith("--"):  # `ask`, `chat` `--record [--data DIR]`: options of the commands before
                continue
            group = _check_usage(span, group, problems, "README.md")
    moderation = (ROOT / "docs" / "moderation.md").read_text(encoding="utf-8")
    for span in re.findall(r"^\| `(kb [^`]+)` \|", moderation, re.MULTILINE):
        _check_usage(span, [], problems, "moderation.md")
    program = r"(?:\.venv/bin/)?(?:python3? -m (?:bot|adapters)|qabot) "
    written = re.compile(rf"`{program}([^`]*)`|^    {program}([^#\n]*)", re.MULTILINE)  # inline, or indented code
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:  # CHANGELOG.md names old ones
        for inline, indented in written.findall(_prose(doc)):
            command = " ".join((inline or indented).split())
            if command and not command.endswith("...") and command != "COMMAND":
                _check_usage(command, [], problems, doc.name)
    assert problems == []


def test_the_command_check_catches_a_renamed_option() -> None:
    """The check above sees a wrong option and a wrong command (a broken pattern would pass every doc)."""
    problems: list[str] = []
    _check_usage("kb gaps --would-answer --draft", [], problems, "x")
    _check_usage("kb gap", [], problems, "x")
    assert problems == ["x: `kb gaps --would-answer --draft`: no option --draft", "x: `kb gap` names no command"]


def _readme_map() -> dict[Path, str]:
    """The README's map of the code: each folder whose lines there name modules (`name.py`) -> those lines."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = FENCE.findall(readme[readme.index("## Map of the code") :])[0].splitlines()[1:-1]
    folders: dict[Path, str] = {}
    stack: list[str] = []
    for line in block:
        if line[:25].strip():  # an entry: `  name.py   what it holds`, indented under its folder
            stack = stack[: (len(line) - len(line.lstrip())) // 2]
            if line.split()[0].endswith("/"):
                stack.append(line.split()[0].strip("/"))
                folder = ROOT.joinpath(*stack[:-1])
                folders[folder] = folders.get(folder, "") + " " + line.split()[0]
                continue
        folder = ROOT.joinpath(*stack)  # a line of description goes on the folder's own text
        folders[folder] = folders.get(folder, "") + "\n" + line
    return {folder: text for folder, text in folders.items() if re.search(r"\w\.py\b", text)}


def test_the_readme_map_names_every_module_of_the_folders_it_lists() -> None:
    """A folder the README's map lists module by module (bot/cli/, bot/curation/, benchmarks/...) names each of its
    modules there, in an entry or a parenthesis (the complete map, docs/architecture.md's, is checked above)."""
    folders = _readme_map()
    assert ROOT / "bot" / "curation" in folders and ROOT / "benchmarks" in folders
    missing = [
        str(module.relative_to(ROOT))
        for folder, text in folders.items()
        for module in sorted(folder.glob("*.py"))
        if module.stem not in ("__init__", "__main__") and not re.search(rf"\b{module.stem}\b", text)
    ]
    assert missing == []


def test_testing_md_names_every_suite_that_runs_on_both_backends() -> None:
    """docs/testing.md's list of the suites run on files and on PostgreSQL is the test files taking `backend`."""
    text = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`(test_\w+\.py)`", text.partition("The suites that do:")[2].partition(";")[0]))
    takes = re.compile(r"^(?:async )?def test_\w+\([^)]*\bbackend: Backend", re.MULTILINE)
    taking = {path.name for path in (ROOT / "tests").glob("test_*.py") if takes.search(path.read_text())}
    assert sorted(taking ^ listed) == []


def test_the_platform_pages_list_every_moderation_command() -> None:
    """telegram.md's `/kb_*` table holds the commands the bot registers, discord.md's `/kb ...` table the /kb
    group's, each with the options Discord shows (`/kb alias id: question:`), neither more nor fewer."""
    from adapters.dc.moderation import build_kb_group
    from adapters.tg.moderation import MODERATION_COMMANDS

    telegram = (ROOT / "docs" / "telegram.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| `/(kb_\w+)", telegram, re.MULTILINE)) == {c.command for c in MODERATION_COMMANDS}
    discord = (ROOT / "docs" / "discord.md").read_text(encoding="utf-8")
    rows = {name: written for name, written in re.findall(r"^\| `/kb (\w+)([^`]*)`", discord, re.MULTILINE)}
    group = {command.name: command for command in build_kb_group().commands}
    assert set(rows) == set(group)
    for name, command in group.items():
        assert set(re.findall(r"(\w+):", rows[name])) == {p.display_name for p in command.parameters}, name


def test_config_example_shows_the_defaults(tmp_path: Path) -> None:
    """config.example.yaml says "without a file the defaults below apply": read as it stands, it is the defaults."""
    import dataclasses

    from bot.config import Config, load_config

    example = tmp_path / "config.yaml"
    example.write_text((ROOT / "config.example.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert dataclasses.replace(load_config(example, env={}), path=None) == Config()


def test_the_readmes_duplicate_id_example_is_what_kb_check_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README.md's example error of a duplicate id is the line `kb check` prints for that file, line and id
    (it named extra.yaml, which is read before the article's file, so the error names the article's instead)."""
    import shutil

    from bot.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = re.search(
        r"`(knowledge/(\S+):(\d+) \((\S+)\): duplicate id, already used in five-things-\.\.\.\.yaml)`", readme
    )
    assert sample is not None
    name, line, passage = sample.group(2), int(sample.group(3)), sample.group(4)
    knowledge = Path(shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge"))
    padding = "".join(f"  - {{id: filler-{n}, section: S, text: T}}\n" for n in range(line - 3))
    (knowledge / name).write_text(f"source: {{title: Notes}}\npassages:\n{padding}  - id: {passage}\n    section: S\n"
                                  "    text: T\n", encoding="utf-8")  # fmt: skip
    assert main(["kb", "check", "--knowledge", str(knowledge)]) == 2
    said = capsys.readouterr().err.strip().replace(f"{tmp_path}/", "").replace("about-north-korean-refugees", "...")
    assert said == f"error: {sample.group(1)}"


def test_the_readmes_exit_code_tables_are_the_codes_the_code_defines() -> None:
    """README.md's two exit-code tables (`adapters run`, `bot COMMAND`) list exactly the codes each defines."""
    from adapters import runner
    from bot.cli import exits

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit codes") : readme.index("## Documentation")]
    run_table, bot_table = (
        re.findall(r"^\| ([\d /]+) \|", part, re.MULTILINE) for part in section.split("`python -m bot")
    )
    listed = [{int(code) for row in table for code in row.split("/")} for table in (run_table, bot_table)]
    defined = [
        {value for name, value in vars(module).items() if name.startswith("EXIT_") and isinstance(value, int)}
        for module in (runner, exits)
    ]
    assert listed[0] == defined[0] | {exits.EXIT_INTERRUPTED, exits.EXIT_TERMINATED}  # a second signal: 130 / 143
    assert listed[1] == defined[1]


@pytest.mark.parametrize("platform", ["telegram", "discord"])
def test_each_platform_tables_defaults_are_the_adapters(platform: str) -> None:
    """A default the variables' table gives as a value (`10`, `0.0.0.0`) is the one the adapter's settings take."""
    import importlib

    prefix = f"{platform.upper()}_"
    settings = importlib.import_module(f"adapters.{'tg' if platform == 'telegram' else 'dc'}.settings")
    read = settings.Settings.from_env({f"{prefix}BOT_TOKEN": "x"})
    wrong = []
    for name, row in _variable_table(f"{platform}.md").items():
        default = re.match(r" `([^`]+)` \|", row)
        attribute = name.removeprefix(prefix).lower()
        if default and hasattr(read, attribute):
            value = getattr(read, attribute)
            if isinstance(value, bool):
                shown = "yes" if value else "no"
            else:
                shown = f"{value:g}" if isinstance(value, float) else str(value)
            if default.group(1) != shown:
                wrong.append(f"{name}: the table says {default.group(1)}, the adapter takes {shown}")
    assert wrong == []
