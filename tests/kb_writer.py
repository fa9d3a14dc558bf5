"""A writer process for the store tests: adds passages through the real core, one line per acknowledged id.

python tests/kb_writer.py KNOWLEDGE_DIR DATA_DIR PREFIX COUNT
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import Config
from bot.curation import CLI_PLATFORM, changes_finish_first
from bot.service import Asker, Service


def main(argv: list[str]) -> int:
    knowledge, data, prefix, count = Path(argv[0]), Path(argv[1]), argv[2], int(argv[3])
    service = Service.from_directory(knowledge, Config(data_dir=data), guard=changes_finish_first)  # as the CLI
    asker = Asker(CLI_PLATFORM, "", name=f"writer-{prefix}")
    for n in range(count):
        change = service.moderation.add(
            asker,
            section=f"Writer {prefix}",
            text=f"Passage number {n} written by {prefix}.",
            passage_id=f"{prefix}-{n}",
        )
        print(change.passage_id, flush=True)  # printed only once the change is on disk: acknowledged
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
