"""Attacks on running and operating the bot: the runner, doctor, the signed cache and its key,
loading in worker processes, and the offline proof (`replay`, `calibrate`).

Each test proves one defect and fails until it is fixed.
"""

from __future__ import annotations

import threading
from pathlib import Path


def test_a_very_long_watch_interval_does_not_kill_the_knowledge_watcher(tmp_path: Path) -> None:
    """Input: `watch_interval: 1e10` in the config (someone "turning the watcher off" with a huge
    number; the documented way is 0). The config loads: `_number` checks only finite and >= 0.
    Now: the watcher thread dies at once with OverflowError ("timestamp out of range for platform
    time_t", from threading.Event.wait), a traceback on stderr; the bot runs on with no watcher. The
    same holds for `shutdown_timeout: 1e10` in the runner's backstop timer thread.
    Should: the config refuses the value with the file and key (or the wait is capped), and no
    thread dies with a traceback."""
    from bot.config import ConfigError, load_config
    from bot.service import Service
    from tests.support import small_kb, write_kb

    kdir = write_kb(tmp_path / "knowledge", small_kb(questions=True))
    config_file = tmp_path / "config.yaml"
    config_file.write_text(f"watch_interval: 1.0e+10\ndata_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    try:
        config = load_config(config_file)
    except ConfigError:
        return  # refused with the file and key: fine
    died: list[BaseException | None] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: died.append(args.exc_value)
    try:
        service = Service.from_directory(kdir, config)
        service.start_watching()
        watcher = service._watcher
        assert watcher is not None and watcher._thread is not None
        watcher._thread.join(timeout=1)
        alive = watcher._thread.is_alive()
        service.close()
    finally:
        threading.excepthook = previous
    assert not died, f"the watcher thread died: {died!r}"
    assert alive
