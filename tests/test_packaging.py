"""Installing the project: `pip install .` (not editable) gives a `qabot` that has the seed knowledge."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

from setuptools import find_namespace_packages

from tests.conftest import ROOT


def test_every_package_is_listed_for_the_build() -> None:
    """pyproject.toml lists its packages by hand (for `bot.seed`): none of the tree's packages is left out."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    # benchmarks/crowd/data is built from a fetched repository and never committed or shipped
    found = set(
        find_namespace_packages(
            str(ROOT), include=["bot*", "adapters*", "benchmarks*"], exclude=["benchmarks.crowd.data*"]
        )
    )
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert listed - found == {"bot.seed", "bot.seed.originals"}


def _checkout_copy(target: Path) -> Path:
    """The project's files (tracked, or new and not ignored) copied to `target`: pip builds in the source
    folder, which must not be this one."""
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    tracked = subprocess.run(listing, cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def test_a_plain_install_answers_from_its_packaged_knowledge(tmp_path: Path) -> None:
    """After `pip install .` into a fresh venv, `qabot ask`, `qabot chat` and `qabot kb check` use the seed knowledge.

    Offline: the new venv sees the test venv's packages (dependencies, setuptools) through a .pth line, and
    pip neither builds in isolation nor fetches dependencies.
    """
    source = _checkout_copy(tmp_path / "src")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--ignore-installed",
         "--no-index", str(source)],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    transcript = shutil.copy(source / "tests" / "transcripts" / "community-dev.yaml", tmp_path / "dev.yaml")
    shutil.rmtree(source)  # the installed package alone, no checkout beside it
    qabot = venv / "bin" / "qabot"

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(qabot), *args], cwd=tmp_path, input=stdin, capture_output=True, text=True, timeout=120, env=env
        )

    where = subprocess.run(
        [str(python), "-c", "import bot; print(bot.DEFAULT_KNOWLEDGE)"], cwd=tmp_path, capture_output=True, text=True,
        env=env,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(purelib), where.stdout + where.stderr
    asked = run("ask", "What share of defectors are women?")
    assert asked.returncode == 0 and "70.5 percent" in asked.stdout, asked.stderr
    chat = run("chat", stdin="Who is Thae Yong-ho?\n")
    assert chat.returncode == 0 and "Thae Yong-ho" in chat.stdout, chat.stderr
    check = run("kb", "check")
    assert check.returncode == 0 and check.stdout.startswith("ok: "), check.stderr
    # a change to the knowledge inside the package would be lost on the next upgrade: refused
    packaged = sorted(p.name for p in Path(where.stdout.strip()).iterdir())
    added = run("kb", "add", "--section", "Parking", "--text", "Bicycles go behind the library.")
    assert added.returncode != 0 and "inside the installed package" in added.stderr, added.stdout
    assert sorted(p.name for p in Path(where.stdout.strip()).iterdir()) == packaged
    assert not Path(purelib, "bot", "data").exists()  # the data folder is the working directory's
    calibrated = run("calibrate", str(transcript))  # enough turns to fit: refused before writing
    assert calibrated.returncode == 2 and "inside the installed package" in calibrated.stderr, calibrated.stderr
    assert sorted(p.name for p in Path(where.stdout.strip()).iterdir()) == packaged
    # the config is looked for in the working directory too (there is no project beside the package)
    (tmp_path / "config.yaml").write_text("moderators: {telegram_users: [123]}\n", encoding="utf-8")
    unset = {k: v for k, v in env.items() if k != "QABOT_CONFIG"}
    doctor = subprocess.run(
        [str(qabot), "doctor"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=unset
    )
    assert f"{tmp_path / 'config.yaml'} is valid: 1 moderator id" in doctor.stdout, doctor.stdout + doctor.stderr
