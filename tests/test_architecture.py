"""The shape of the code: the core never reaches out, the adapters use only its face, no circles, small files;
and every test says what it shows."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import bot
from tests.conftest import ROOT

PLATFORMS = {"telegram", "discord", "aiohttp", "tornado"}
OUTWARD = {"adapters", "benchmarks"}  # what the core may not import
PACKAGES = ("bot", "adapters", "benchmarks")
MAIN_MODULES = ("adapters/tg/app.py", "adapters/dc/client.py")  # each platform's main module
FILE_LIMIT, MAIN_LIMIT = 400, 320


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def imported(path: Path, modules: set[str] | None = None) -> Iterator[str]:
    """Every module `path` names in an import statement (anywhere in it) or in an importlib call.

    With `modules` (the project's), `from package import name` names only `package.name` when that
    is a module, and `package` (its `__init__`) otherwise.
    """
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".strip(".")
            for alias in node.names:
                module = f"{base}.{alias.name}"
                if modules is None:
                    yield from (base, module)
                else:
                    yield module if module in modules else base
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.args[0].value


def test_core_never_imports_a_platform_or_reaches_outward() -> None:
    """No module in bot/ (any subpackage) imports telegram, discord, a web framework, adapters/ or
    benchmarks/, by an import statement or by a module name handed to importlib."""
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for name in imported(path)
        if name.split(".")[0] in PLATFORMS | OUTWARD
    ]
    assert offenders == []


def test_only_the_cores_face_and_entry_point_import_the_command_line() -> None:
    """bot/cli/ is the shell over the core: no module below it (storage, curation, records...) imports it; only
    the package's face (`bot/__init__.py`) and `python -m bot` do (storage's report had imported its OutputFailed)."""
    outer = {ROOT / "bot" / "__init__.py", ROOT / "bot" / "__main__.py"}
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path not in outer and (ROOT / "bot" / "cli") not in path.parents
        for name in imported(path, {"bot.cli"})
        if name == "bot.cli" or name.startswith("bot.cli.")
    ]
    assert offenders == []


def test_the_check_sees_an_importlib_string(tmp_path: Path) -> None:
    """The scan above would catch the old `importlib.import_module("adapters.runner")`."""
    sample = tmp_path / "sample.py"
    sample.write_text('import importlib\nrunner = importlib.import_module("adapters.runner")\n', encoding="utf-8")
    assert "adapters.runner" in set(imported(sample))


def test_adapters_use_only_the_core_face() -> None:
    """Adapters import from `bot` only the names its `__init__` exports (`bot.__all__`)."""
    offenders = []
    for path in sorted((ROOT / "adapters").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                offenders += [f"{path.name}: import {a.name}" for a in node.names if a.name.split(".")[0] == "bot"]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "bot":
                if node.module != "bot":
                    offenders.append(f"{path.name}: from {node.module}")
                offenders += [f"{path.name}: bot.{a.name}" for a in node.names if a.name not in bot.__all__]
    assert offenders == []


def import_graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports (explicitly; a package's own import of its
    parents by Python is not an edge)."""
    files = project_files()
    modules = {module_name(p) for p in files}
    return {
        module_name(path): {n for n in imported(path, modules) if n in modules and n != module_name(path)}
        for path in files
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    """The import graph of bot/, adapters/ and benchmarks/ (drawn with ast) has no circles."""
    graph = import_graph()
    assert {"adapters.runner", "adapters.tg", "bot.service"} <= graph.keys()
    assert "adapters.platform" in graph["adapters.runner"]
    assert cycles(graph) == []


def test_the_circle_check_finds_a_circle() -> None:
    """The cycle finder is not vacuous: a two-module circle is reported."""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_adapter_files_are_small() -> None:
    """No adapter file over 400 lines; each platform's main module at most 320."""
    lengths = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in project_files()}
    adapters = {name: n for name, n in lengths.items() if name.startswith("adapters/")}
    assert {name: n for name, n in adapters.items() if n > FILE_LIMIT} == {}
    assert {name: lengths[name] for name in MAIN_MODULES if lengths[name] > MAIN_LIMIT} == {}


def test_adapter_files_do_not_shadow_their_libraries() -> None:
    """No adapter module or package is named telegram or discord."""
    names = {p.stem for p in (ROOT / "adapters").rglob("*.py")} | {p.name for p in (ROOT / "adapters").iterdir()}
    assert not names & {"telegram", "discord", "telegram.py", "discord.py"}


def unsaid(source: str) -> list[str]:
    """The tests pytest collects from `source` (its `test*` functions, and those of its `Test*` classes) that
    have no docstring."""
    tree = ast.parse(source)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name.startswith("Test")]
    found = [*tree.body, *(node for cls in classes for node in cls.body)]
    functions = [node for node in found if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    return [node.name for node in functions if node.name.startswith("test") and ast.get_docstring(node) is None]


def test_every_test_says_in_its_docstring_what_it_shows() -> None:
    """Each test function in tests/ has a docstring naming the behaviour it proves (the house style)."""
    files = sorted((ROOT / "tests").glob("test_*.py"))
    assert len(files) > 50
    found = {f"{path.name}::{name}" for path in files for name in unsaid(path.read_text(encoding="utf-8"))}
    assert found == set()


def test_the_docstring_check_finds_a_test_without_one() -> None:
    """The docstring check is not vacuous: a test function, async or in a test class, without one is named."""
    source = (
        'def test_said() -> None:\n    """Says."""\n\n'
        "def test_unsaid() -> None:\n    pass\n\n"
        "async def test_unsaid_async() -> None:\n    pass\n\n"
        "def helper() -> None:\n    pass\n\n"
        "class TestThings:\n    def test_in_class(self) -> None:\n        pass\n"
    )
    assert unsaid(source) == ["test_unsaid", "test_unsaid_async", "test_in_class"]
