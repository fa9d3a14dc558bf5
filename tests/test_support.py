"""The tests' own tools: what they promise the tests that use them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import needs_strace, stopped_at

pytestmark = pytest.mark.timeout(60)


def stopped_in_group(group: int) -> list[int]:
    """The processes of process group `group` that are stopped (state T: a SIGSTOP, or held by a tracer)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[2]) == group and fields[0] in ("T", "t"):
            found.append(int(stat.parent.name))
    return found


@needs_strace
def test_a_test_failing_while_a_command_is_stopped_fails_at_once_and_leaves_no_stopped_process(
    tmp_path: Path,
) -> None:
    """An assertion failing inside `stopped_at` reaches the test at once, the command and its strace ended: it had
    killed strace alone, leaving the command stopped for good, holding the output `communicate` waited on (the
    test hung until its timeout, and a stopped process stayed behind)."""
    failing = pytest.raises(AssertionError, match="a test's own failure")
    with failing, stopped_at("openat", ["--version"], tmp_path / "strace.log") as child:
        group = os.getpgid(child.pid)
        raise AssertionError("a test's own failure")
    assert child.returncode is not None
    assert stopped_in_group(group) == []
