"""Small helpers the core test modules share: a tiny knowledge folder, and the environment for a child process."""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")

_MEETUPS = """\
  - id: meetups
    section: "Meetups"
    text: "The community meets every first Saturday of the month at the library."
"""
_MEETUPS_QUESTION = """\
    questions: ["When is the meetup?"]
"""
_RULES = """\
  - id: rules
    section: "Rules"
    text: "Be kind, stay on topic, and no advertising in the channels."
"""


def small_kb(*, questions: bool = False, rules: bool = False) -> str:
    """The YAML of a one-source knowledge file: `meetups` (with its question if asked), then `rules` if asked."""
    return (
        'source: {title: "Test notes"}\npassages:\n'
        + _MEETUPS
        + (_MEETUPS_QUESTION if questions else "")
        + (_RULES if rules else "")
    )


def write_kb(folder: Path, text: str) -> Path:
    """`folder` made (its parent must exist) as a knowledge folder holding `text` as notes.yaml."""
    folder.mkdir()
    (folder / "notes.yaml").write_text(text, encoding="utf-8")
    return folder


def child_env() -> dict[str, str]:
    """This process's environment, with the project importable: for a test's child Python process."""
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def live(kind: type[T]) -> T:
    """The one live object of `kind`, or of a subclass (the Telegram adapter's Application is its own), that
    the bot under test built for itself (an adapter's, made inside `runner.serve`): found among the
    interpreter's objects, for a test to count what it holds. An earlier test's, closed but not yet
    collected (a cycle), is not it."""
    gc.collect()
    found = [o for o in gc.get_objects() if isinstance(o, kind) and not getattr(o, "is_closed", lambda: False)()]
    assert len(found) == 1, f"{len(found)} live {kind.__name__} objects, not one"
    return found[0]


class Clock:
    """A clock the test moves by hand (`now += seconds`): no sleeping, no timing."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@functools.cache
def _can_mount_read_only() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind / /mnt && mount -o remount,ro,bind /mnt"],
        capture_output=True, timeout=10, check=False,
    )  # fmt: skip
    return probe.returncode == 0


# A test that runs the bot on a real read-only bind mount (EROFS, which stops root too, as chmod does not).
needs_read_only_mount = pytest.mark.skipif(
    not _can_mount_read_only(), reason="needs unshare -m and mount (root in a mount namespace)"
)


@functools.cache
def _can_trace() -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-qq", "-e", "trace=none", "true"], capture_output=True, timeout=10, check=False)
    return probe.returncode == 0  # ptrace may be forbidden in a container


# A test that watches or steers a real process's system calls with strace (fsync, rename; an injected fault).
needs_strace = pytest.mark.skipif(not _can_trace(), reason="needs strace, and ptrace allowed")


def on_read_only_mount(folder: Path, shell: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`shell` run from the project's root with `folder` mounted read-only, in a mount namespace of its own."""
    command = f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} && {shell}"
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", command], cwd=ROOT, env=child_env(), capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


# A second knowledge file for a hand edit to break (`HOUSE_RULES[:60]` is cut inside its passage: invalid YAML).
HOUSE_RULES = """\
source: {title: "House rules"}
passages:
  - id: quiet
    section: "Quiet"
    text: "Quiet after eight."
"""


def saving_by_hand(path: Path, text: list[str]) -> Callable[[], contextlib.AbstractContextManager[None]]:
    """A guard around a moderator's change that, on leaving it (the change checked and written, its reload
    to come), saves `path` as an editor would, once, with what `text` holds then (nothing: no save)."""

    @contextlib.contextmanager
    def guard() -> Iterator[None]:
        yield
        if text:
            path.write_text(text.pop(), encoding="utf-8")

    return guard


@contextlib.contextmanager
def calls_of(function: Callable[..., object]) -> Iterator[list[dict[str, Any]]]:
    """The calls of `function` (ours; a method, or one wrapped by `lru_cache`, too) made in this thread while the
    block runs, each as the arguments it was given: seen by the interpreter's own hook (`sys.setprofile`), so
    that the function itself runs as it is, not replaced by a counting copy."""
    code = inspect.unwrap(getattr(function, "__func__", function)).__code__
    seen: list[dict[str, Any]] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code is code:
            seen.append(dict(frame.f_locals))

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(previous)


@contextlib.contextmanager
def stopped_at(
    trace: str,
    argv: list[str],
    log: Path,
    *,
    path: Path | None = None,
    error: str = "",
    script: str = "",
    main_thread: bool = False,
) -> Iterator[subprocess.Popen[str]]:
    """`python -m bot ARGV` (or, given a `script`, `python -c SCRIPT ARGV`) in `log`'s folder under strace,
    stopped by a SIGSTOP at its first system call of `trace` (one of `path`, when given; failing with `error`,
    when given): the block runs while it is stopped, and it runs on after (SIGCONT). Its calls of `trace` are
    in `log`; the caller reads its output and end. strace counts the first call of each thread and process
    apart: `main_thread` traces only the first thread, so that a later thread's call is not stopped too."""
    failing = f":error={error}" if error else ""
    only = ["-P", str(path)] if path is not None else []
    program = ["-c", script] if script else ["-m", "bot"]
    follow = [] if main_thread else ["-f"]
    command = ["strace", *follow, "-qq", "-o", str(log), *only, "-e", f"trace={trace}",
               "-e", f"inject={trace}{failing}:signal=SIGSTOP:when=1", sys.executable, *program, *argv]  # fmt: skip
    child = subprocess.Popen(command, cwd=log.parent, env=child_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    try:
        start = time.monotonic()
        while child.poll() is None and "stopped by SIGSTOP" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() - start < 60, "the command never reached the call to stop at"
            time.sleep(0.005)
        assert child.poll() is None, child.communicate()
        yield child
    except BaseException:  # the whole group: strace killed alone leaves the command stopped, holding its output
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        raise
    os.killpg(child.pid, signal.SIGCONT)
