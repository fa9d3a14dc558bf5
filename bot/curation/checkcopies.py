"""The scratch copies a change is checked in (`KnowledgeStore._validate`: the knowledge folder with the change
applied, loaded through the real loader), named for their writer's pid, and the removal of those whose writer
is gone."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import time
from pathlib import Path

from bot.catalogue import counted

log = logging.getLogger(__name__)

CHECK_PREFIX = "qabot-check-"  # + the writer's pid: the scratch copy a change is validated in
STALE_CHECK_AGE = 3600.0  # seconds: a scratch copy without a pid (older versions) this old is left over


def remove_stale_checks(folder: Path) -> int:
    """Remove the scratch copies (`qabot-check-<pid>-*`) of writers that are gone; how many.

    A writer killed while validating leaves its copy of the knowledge folder behind. Only this
    user's folders are touched; one whose writer is alive is kept, and one without a pid is
    removed only when it is older than an hour.
    """
    removed = 0
    for path in folder.glob(CHECK_PREFIX + "*"):
        try:
            info = path.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        owner, dash, _ = path.name[len(CHECK_PREFIX) :].partition("-")
        pid = int(owner) if dash and owner.isdigit() else None
        if _alive(pid) if pid is not None else time.time() - info.st_mtime < STALE_CHECK_AGE:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    if removed:
        log.info("removed %s left by writers that were stopped", counted(removed, "scratch folder"))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
