"""Security in the core: safe YAML everywhere, who may moderate (the full matrix), rate limits under a flood."""

from __future__ import annotations

import ast
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot import Answerer, knowledge
from bot.config import Config, ConfigError, Moderators, load_config
from bot.cooldown import Admission, Cooldown
from bot.curation import CLI_PLATFORM, NOT_MODERATOR, Refused, Request
from bot.evaluation import transcripts
from bot.search import synonyms
from bot.service import Asker, Service
from bot.yamlfiles import FileError
from tests.conftest import ROOT
from tests.support import Clock, small_kb

# -- YAML: safe loaders only --------------------------------------------------------------------

SAFE_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}
UNSAFE_FUNCTIONS = {"unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}
LOADER_CLASSES = {"Loader", "CLoader", "FullLoader", "CFullLoader", "UnsafeLoader", "CUnsafeLoader"} | SAFE_LOADERS


def yaml_problems(source: str, name: str = "<source>") -> list[str]:
    """Every way `source` could load YAML unsafely, as `name:line: what`."""
    tree = ast.parse(source)
    aliases = _loader_aliases(tree)
    problems = []
    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr in UNSAFE_FUNCTIONS:
            problems.append(f"{where}: yaml.{node.attr}")
        if isinstance(node, ast.Attribute) and node.attr in LOADER_CLASSES - SAFE_LOADERS:
            problems.append(f"{where}: yaml.{node.attr}")
        if isinstance(node, ast.Name) and aliases.get(node.id, node.id) in LOADER_CLASSES - SAFE_LOADERS:
            problems.append(f"{where}: {node.id} is an unsafe loader")
        if isinstance(node, ast.ImportFrom) and node.module == "yaml":
            unsafe = {a.name for a in node.names} & (LOADER_CLASSES - SAFE_LOADERS | UNSAFE_FUNCTIONS)
            problems += [f"{where}: imports yaml.{name}" for name in sorted(unsafe)]
        if isinstance(node, ast.Call) and _is_yaml_load(node):
            loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
            if loader is None and len(node.args) > 1:
                loader = node.args[1]
            if not _is_safe(loader, aliases):
                problems.append(f"{where}: yaml.load without a safe Loader")
    return problems


def _loader_aliases(tree: ast.AST) -> dict[str, str]:
    """`from yaml import X as Y`: Y -> X (each alias must stay safe in every branch)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "yaml":
            for alias in node.names:
                name = alias.asname or alias.name
                if aliases.get(name) not in LOADER_CLASSES - SAFE_LOADERS:
                    aliases[name] = alias.name
    return aliases


def _is_yaml_load(node: ast.Call) -> bool:
    func = node.func
    return isinstance(func, ast.Attribute) and func.attr in {"load", "load_all"} and _is_name(func.value, "yaml")


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_safe(loader: ast.AST | None, aliases: dict[str, str]) -> bool:
    if isinstance(loader, ast.Attribute):
        return loader.attr in SAFE_LOADERS
    if isinstance(loader, ast.Name):
        return aliases.get(loader.id, loader.id) in SAFE_LOADERS
    return False


def python_files() -> list[Path]:
    return sorted((ROOT / "bot").glob("*.py")) + sorted((ROOT / "adapters").glob("*.py"))


def test_every_yaml_load_in_the_code_uses_a_safe_loader() -> None:
    """An AST scan of bot/ and adapters/: no yaml.load without SafeLoader, no unsafe/full load, no unsafe Loader."""
    problems = [p for path in python_files() for p in yaml_problems(path.read_text(encoding="utf-8"), path.name)]
    assert problems == []


@pytest.mark.parametrize(
    "source",
    [
        "import yaml\nyaml.load(text)",
        "import yaml\nyaml.load(text, Loader=yaml.Loader)",
        "import yaml\nyaml.load(text, yaml.FullLoader)",
        "import yaml\nyaml.unsafe_load(text)",
        "import yaml\nyaml.full_load(text)",
        "from yaml import UnsafeLoader as L\nimport yaml\nyaml.load(text, Loader=L)",
        "try:\n    from yaml import CSafeLoader as L\nexcept ImportError:\n    from yaml import Loader as L\n",
        "import yaml\nyaml.Loader(text).get_single_data()",
    ],
)
def test_the_scan_catches_unsafe_loading(source: str) -> None:
    """The scan is not vacuous: each unsafe form is found."""
    assert yaml_problems(source)


def test_the_scan_accepts_safe_loading() -> None:
    """... and the safe forms the code uses pass."""
    safe = (
        "import yaml\ntry:\n    from yaml import CSafeLoader as _Loader\nexcept ImportError:\n"
        "    from yaml import SafeLoader as _Loader\nyaml.load(t, Loader=_Loader)\n_Loader(t)\n"
        "yaml.safe_load(t)\nyaml.load(t, Loader=yaml.SafeLoader)\n"
    )
    assert yaml_problems(safe) == []


PWNED = "pwned-marker"


def attack(marker: Path) -> str:
    """A YAML value that, loaded unsafely, would create `marker`."""
    return f'!!python/object/apply:os.system ["touch {marker}"]'


def test_python_tags_in_a_knowledge_file_are_refused(tmp_path: Path) -> None:
    """`!!python/object/apply` in a knowledge file: a KnowledgeError, and nothing runs."""
    marker = tmp_path / PWNED
    (tmp_path / "notes.yaml").write_text(
        f"source: {{title: T}}\npassages:\n  - id: a\n    section: S\n    text: {attack(marker)}\n", encoding="utf-8"
    )
    with pytest.raises(knowledge.KnowledgeError, match=r"notes\.yaml:5"):
        knowledge.load(tmp_path)
    assert not marker.exists()


def test_python_tags_in_the_synonyms_file_are_refused(tmp_path: Path) -> None:
    """... in synonyms.yaml."""
    marker = tmp_path / PWNED
    (tmp_path / "synonyms.yaml").write_text(f"groups:\n  - {attack(marker)}\n", encoding="utf-8")
    with pytest.raises(FileError, match=r"synonyms\.yaml"):
        synonyms.load(tmp_path)
    assert not marker.exists()


def test_python_tags_in_the_config_file_are_refused(tmp_path: Path) -> None:
    """... in the config file."""
    marker = tmp_path / PWNED
    path = tmp_path / "config.yaml"
    path.write_text(f"data_dir: {attack(marker)}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.yaml"):
        load_config(path)
    assert not marker.exists()


def test_python_tags_in_a_transcript_are_refused(tmp_path: Path) -> None:
    """... in a transcript."""
    marker = tmp_path / PWNED
    path = tmp_path / "t.yaml"
    path.write_text(f"name: t\nturns:\n  - ask: {attack(marker)}\n", encoding="utf-8")
    with pytest.raises(FileError, match=r"t\.yaml"):
        transcripts.load(path)
    assert not marker.exists()


def test_python_tags_in_a_file_edited_by_hand_are_refused_by_moderation(kdir: Path) -> None:
    """A moderator's change re-reads the files under the lock: a tagged file refuses the change and runs nothing."""
    service = Service.from_directory(kdir)
    marker = kdir.parent / PWNED
    (kdir / "zz-hand.yaml").write_text(
        f"source: {{title: T}}\npassages:\n  - id: b\n    section: S\n    text: {attack(marker)}\n", encoding="utf-8"
    )
    with pytest.raises(Refused, match="fix it first"):
        service.moderation.add(CLI, section="S", text="Some text.")
    assert not marker.exists()
    service.close()


# -- who may moderate -------------------------------------------------------------------------

CLI = Asker(CLI_PLATFORM, "", name="test")
TG_MOD, DC_MOD, DC_ROLE = "111", "222", "333"


def config_for(tmp_path: Path, *, admins: bool) -> Path:
    path = tmp_path / "moderators.yaml"
    flag = "true" if admins else "false"
    path.write_text(
        f"moderators:\n  telegram_users: [{TG_MOD}]\n  discord_users: [{DC_MOD}]\n  discord_roles: [{DC_ROLE}]\n"
        f"  telegram_group_admins: {flag}\n  discord_manage_server: {flag}\n"
        "  telegram_admin_chats: [-100]\n  discord_admin_guilds: [777]\n",
        encoding="utf-8",
    )
    return path


# (asker, allowed with the admin settings off, allowed with them on)
ASKERS: dict[str, tuple[Asker, bool, bool]] = {
    "telegram moderator id": (Asker("telegram", TG_MOD, "-100"), True, True),
    "discord moderator id": (Asker("discord", DC_MOD, "555"), True, True),
    "discord moderator role": (Asker("discord", "999", "555", roles=("444", DC_ROLE)), True, True),
    "telegram group admin": (Asker("telegram", "999", "-100", admin=True), False, True),
    "discord manage server": (Asker("discord", "999", "555", admin=True, guild_id="777"), False, True),
    "telegram admin of a group not named": (Asker("telegram", "999", "-200", admin=True), False, False),
    "discord manage server elsewhere": (Asker("discord", "999", "555", admin=True, guild_id="778"), False, False),
    "telegram nobody": (Asker("telegram", "999", "-100"), False, False),
    "discord nobody with other roles": (Asker("discord", "999", "555", roles=("444",)), False, False),
    "discord id on telegram": (Asker("telegram", DC_MOD, "-100"), False, False),
    "telegram id on discord": (Asker("discord", TG_MOD, "555"), False, False),
    "role id as a user id": (Asker("discord", DC_ROLE, "555"), False, False),
    "unknown platform": (Asker("console", TG_MOD, "", admin=True), False, False),
    "empty user id": (Asker("telegram", "", "-100"), False, False),
}

Call = Callable[[Service, Asker], Any]
METHODS: dict[str, Call] = {
    "add": lambda s, a: s.moderation.add(a, section="Parking", text="Bikes go behind the library."),
    "edit": lambda s, a: s.moderation.edit(a, "rules", text="Be kind."),
    "remove": lambda s, a: s.moderation.remove(a, "rules"),
    "alias": lambda s, a: s.moderation.alias(a, "meetups", "When do you meet?"),
    "undo": lambda s, a: s.moderation.undo(a),
    "history": lambda s, a: s.moderation.history(a),
    "gaps": lambda s, a: s.moderation.gaps(a),
    "stats": lambda s, a: s.moderation.stats(a),
    "dismiss": lambda s, a: s.moderation.dismiss(a, "1"),
    "require": lambda s, a: s.moderation.require(a, "form"),
}


def snapshot(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def prepared(kdir: Path, config: Path, monkeypatch: pytest.MonkeyPatch) -> Service:
    """A service with something to undo and one open gap, so that every method can succeed."""
    monkeypatch.setenv("QABOT_CONFIG", str(config))
    service = Service.from_directory(kdir, load_config())
    service.moderation.add(CLI, section="Food", text="Snacks are welcome at the meetup.", passage_id="food")
    asked = service.ask("Is there a swimming pool nearby?", Asker("telegram", "42", "42"))
    assert asked.fallback
    return service


@pytest.mark.parametrize("admins", [False, True], ids=["admin-settings-off", "admin-settings-on"])
@pytest.mark.parametrize("who", list(ASKERS))
@pytest.mark.parametrize("method", list(METHODS))
def test_authorization_matrix(
    kdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    method: str, who: str, admins: bool,
) -> None:  # fmt: skip
    """Every moderation method × every kind of asker: allowed (and it works) or Refused with nothing changed."""
    service = prepared(kdir, config_for(tmp_path, admins=admins), monkeypatch)
    asker, allowed_off, allowed_on = ASKERS[who]
    before = snapshot(kdir, kdir.parent / "data")
    try:
        if allowed_on if admins else allowed_off:
            METHODS[method](service, asker)  # no Refused: a moderator's call succeeds
        else:
            with pytest.raises(Refused) as refused:
                METHODS[method](service, asker)
            assert str(refused.value) == NOT_MODERATOR
            assert snapshot(kdir, kdir.parent / "data") == before
            warned = [r for r in caplog.records if r.levelno == logging.WARNING and "not a moderator" in r.message]
            assert warned and asker.platform in warned[-1].getMessage()
    finally:
        service.close()


def test_the_command_line_always_moderates_and_nobody_does_by_default(kdir: Path) -> None:
    """Without a config nobody in chat is a moderator, not even an admin; the command line is."""
    service = Service.from_directory(kdir)
    for asker, _, _ in ASKERS.values():
        assert not service.moderation.is_moderator(asker)
    assert service.moderation.is_moderator(CLI)
    service.close()


# -- rate limits ------------------------------------------------------------------------------


def limited_service(kdir: Path, clock: Clock) -> Service:
    return Service(
        Answerer.from_directory(kdir),
        knowledge_dir=kdir,
        cooldown=Cooldown(burst=5, interval=3.0, clock=clock),
        chat_cooldown=Cooldown(burst=20, interval=1.0, clock=clock),
    )


def asks(service: Service, asker: Asker) -> bool:
    """Whether the core lets this question through (rather than refusing it, with a note or without)."""
    return service.admit(asker) is Admission.ASK


def test_a_flood_from_one_user_is_limited_while_others_are_answered(kdir: Path) -> None:
    """One member sends 1,000 questions at once: 5 pass; the other members of the chat and other chats still pass."""
    clock = Clock()
    service = limited_service(kdir, clock)
    flooder = Asker("telegram", "1", "-100")
    passed = sum(asks(service, flooder) for _ in range(1000))
    assert passed == 5
    others = [Asker("telegram", str(n), "-100") for n in range(2, 12)]
    assert all(asks(service, asker) for asker in others)
    assert all(asks(service, Asker(p, "7", chat)) for p, chat in (("telegram", "-200"), ("discord", "555")))
    clock.now += 3.0  # one interval later the flooder gets one more, and only one
    assert [asks(service, flooder) for _ in range(3)] == [True, False, False]
    service.close()


def test_a_raid_by_many_accounts_in_one_chat_is_limited_by_the_chat_limit(kdir: Path) -> None:
    """100 accounts asking once each in one group: the chat's burst passes, then the chat waits; other chats do not."""
    clock = Clock()
    service = limited_service(kdir, clock)
    passed = sum(asks(service, Asker("discord", str(n), "555")) for n in range(100))
    assert passed == 20
    assert asks(service, Asker("discord", "5000", "666"))  # another channel is unaffected
    assert asks(service, Asker("telegram", "5001", "5001"))  # a private chat has only its user's limit
    clock.now += 1.0
    assert asks(service, Asker("discord", "5002", "555"))
    assert not asks(service, Asker("discord", "5003", "555"))
    service.close()


def test_a_question_the_chat_limit_refuses_does_not_cost_the_user(kdir: Path) -> None:
    """Refused by the chat's limit, a user keeps their own allowance for another chat."""
    clock = Clock()
    service = limited_service(kdir, clock)
    for n in range(20):
        assert asks(service, Asker("telegram", str(n), "-100"))
    assert not any(asks(service, Asker("telegram", "77", "-100")) for _ in range(10))
    assert sum(asks(service, Asker("telegram", "77", "-200")) for _ in range(10)) == 5
    service.close()


def test_chat_limit_settings_come_from_the_config(tmp_path: Path, kdir: Path) -> None:
    """chat_cooldown in the config file sets the per-chat limit; a wrong value is named."""
    path = tmp_path / "c.yaml"
    path.write_text("chat_cooldown: {burst: 3, interval: 0.5}\n", encoding="utf-8")
    config = load_config(path)
    service = Service.from_directory(kdir, config)
    assert (service.chat_cooldown.burst, service.chat_cooldown.interval) == (3, 0.5)
    service.close()
    path.write_text("chat_cooldown: {burst: 0}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"chat_cooldown\.burst"):
        load_config(path)


def test_duplicate_yaml_keys_are_refused_naming_file_line_and_key(kdir: Path, tmp_path: Path) -> None:
    """A second `text:` in a passage (or a repeated config key) is an error at its line, not a silent override."""
    notes = kdir / "notes.yaml"
    notes.write_text(small_kb() + '    text: "A second text that would have won."\n', encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError) as caught:
        knowledge.load(kdir)
    assert str(caught.value) == f"{notes}:6: invalid YAML: duplicate key 'text'"
    config = tmp_path / "config.yaml"
    config.write_text("retention_days: 30\nmoderators: {}\nretention_days: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.yaml:3: invalid YAML: duplicate key 'retention_days'"):
        load_config(config)


def test_symbolic_links_out_of_the_knowledge_folder_are_not_followed(
    kdir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A link to a knowledge file (or synonyms) outside the folder is skipped with a WARNING; one inside is read."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.yaml").write_text(small_kb().replace("meetups", "secret"), encoding="utf-8")
    (outside / "synonyms.yaml").write_text("groups:\n  - [meetup, secretword]\n", encoding="utf-8")
    (kdir / "secret.yaml").symlink_to(outside / "secret.yaml")
    (kdir / synonyms.FILE_NAME).symlink_to(outside / "synonyms.yaml")
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        answerer = Answerer.from_directory(kdir)
    assert answerer.kb.get("secret") is None and answerer.kb.get("meetups") is not None
    assert "secretword" not in answerer.index.synonyms.written
    assert "not following symbolic links out of the knowledge folder: secret.yaml" in caplog.text
    assert str(outside) not in caplog.text


def test_refusals_sent_to_chat_moderators_name_no_server_path(kdir: Path) -> None:
    """A change refused because a file is broken names the file and line, never the folder it is in."""
    service = Service.from_directory(kdir, load_config_for_moderator(kdir))
    (kdir / "notes.yaml").write_text("source: {title: x}\npassages: [\n", encoding="utf-8")  # broken by hand
    moderator = Asker("telegram", TG_MOD, "-100")
    try:
        reply = service.moderate(Request("add", section="Parking", text="Bikes go behind the library."), moderator)
    finally:
        service.close()
    assert reply.refused and "notes.yaml:3" in reply.text
    assert str(kdir.parent) not in reply.text and "/" not in reply.text.replace("notes.yaml", "")


def load_config_for_moderator(kdir: Path) -> Config:
    return Config(moderators=Moderators(telegram_users=frozenset({TG_MOD})), data_dir=kdir.parent / "data")


# -- the terminal: what members wrote is shown, never run -----------------------------------------

ESCAPES = "where is the \x1b[2J\x1b[31mparking lot\x1b]0;pwned\x07 \u202eevil\x9b"


def test_a_members_terminal_escapes_are_shown_escaped_by_kb_gaps_and_dismiss(kdir: Path, tmp_path: Path) -> None:
    """A question holding ESC[2J, a colour, a window title (OSC ... BEL), a C1 CSI and a right-to-left
    override cleared, coloured and retitled the terminal of the moderator who ran `kb gaps`."""
    import io

    from bot import cli

    data = ["--knowledge", str(kdir), "--data", str(tmp_path / "data")]
    assert cli.main(["ask", ESCAPES, "--record", *data], out=io.StringIO()) == 0
    for command in (["kb", "gaps"], ["kb", "dismiss", "1"]):
        out = io.StringIO()
        assert cli.main([*command, *data], out=out) == 0
        shown = out.getvalue()
        assert "where is the [2J [31mparking lot ]0;pwned evil" in shown, shown  # one line, each control a space
        assert not any(ch in shown for ch in "\x1b\x07\u202e\x9b")


def test_json_output_stays_json_with_a_members_control_characters(kdir: Path) -> None:
    """Escaped as `\\x9b`, a C1 character (or DEL) made `ask --json` print what no JSON reader takes."""
    import io
    import json

    from bot import cli

    out = io.StringIO()
    assert cli.main(["ask", ESCAPES + "\x7f", "--json", "--knowledge", str(kdir)], out=out) == 0
    assert json.loads(out.getvalue())["ask"] == ESCAPES + "\x7f"


@pytest.mark.parametrize("platform", ["telegram", "discord"])
def test_the_log_does_not_name_who_asked_in_a_private_chat(
    kdir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, platform: str
) -> None:
    """Every question logged "telegram asked (CHAT): outcome=... passage=..." at INFO, and a private
    chat's id is its member's user id (a Discord DM's is made so too): the log said which member asked
    what, when, and what they got, by platform id, though the gaps database keeps only pseudonyms. A
    private chat is logged as such; a group, whose id names no one, by its id."""
    caplog.set_level(logging.INFO)
    service = Service.from_directory(kdir, Config(data_dir=tmp_path / "data"))
    try:
        service.ask("When are the meetups?", Asker(platform, "4343", "4343"))
        service.ask("What about parking spaces?", Asker(platform, "4343", "4343"))
        service.ask("When are the meetups?", Asker(platform, "4444", "-1001234"))
    finally:
        service.close()
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("bot", "adapters"))]
    assert not [line for line in ours if "4343" in line], ours
    assert [line for line in ours if "asked (a private chat)" in line] and [line for line in ours if "-1001234" in line]
