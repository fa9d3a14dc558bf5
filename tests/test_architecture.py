"""The shape of the code: the core never imports a platform library."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

PLATFORMS = {"telegram", "discord", "aiohttp", "tornado"}


def test_core_never_imports_a_platform() -> None:
    """No module in bot/ imports telegram, discord or a web framework."""
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in PLATFORMS]
    assert offenders == []


def test_adapter_files_do_not_shadow_their_libraries() -> None:
    """No adapter module is named telegram.py or discord.py."""
    names = {p.name for p in (ROOT / "adapters").glob("*.py")}
    assert not names & {"telegram.py", "discord.py"}
