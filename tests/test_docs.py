"""The documentation: the README stays short, and no relative link in it or in docs/ is broken."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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
