"""What a command opens from its options: the settings, the service, the folder's moderation, the
answerer, the gaps database, and who the command line's moderator is."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from bot.answering import Answerer
from bot.config import Config, load_config
from bot.curation import CLI_PLATFORM, History, Moderation, changes_finish_first, command_line_moderator, goes_live
from bot.records import GapStore, Recorder
from bot.service import Asker, Service, open_database

Guard = Callable[[], AbstractContextManager[object]]


def config(args: argparse.Namespace) -> Config:
    config = load_config()
    if getattr(args, "data", None):
        config = dataclasses.replace(config, data_dir=Path(args.data))
    return config


def service(args: argparse.Namespace, guard: Guard = changes_finish_first) -> Service:
    """The folder's service; `guard` is entered around each change (`interrupts.Held.change` keeps a
    Ctrl-C that arrives in it until the reply is printed)."""
    return Service.from_directory(args.knowledge, config(args), guard=guard)


def moderation(
    args: argparse.Namespace,
    gaps: GapStore | None = None,
    *,
    gaps_error: Exception | None = None,
    guard: Guard = changes_finish_first,
) -> Moderation:
    """The folder's moderation without its knowledge loaded (publishing, a first addition, reading
    the data folder alone); `gaps_error`: why the gaps database could not be opened. A change is said
    live once the folder loads, as the running bot's watcher then loads it (`goes_live`)."""
    settings, folder = config(args), Path(args.knowledge)
    history = History(settings.data_folder(folder), knowledge=folder)
    return Moderation(
        folder,
        settings.moderators,
        history=history,
        gaps=Recorder.given(gaps, gaps_error),
        reload=lambda: goes_live(folder, watched=settings.watch_interval > 0),
        analyze=str.split,
        guard=guard,
    )


def asker(args: argparse.Namespace) -> Asker:
    return Asker(platform=CLI_PLATFORM, user_id="", chat_id="", name=command_line_moderator(getattr(args, "by", None)))


def gap_store(config: Config, folder: Path) -> GapStore:
    """The gaps database of `folder`'s data folder, kept for the config's `retention_days`: opening it
    deletes what is older, and the default 90 days deleted questions a longer period keeps."""
    return GapStore(config.data_folder(folder), retention_days=config.retention_days)


def answerer(args: argparse.Namespace) -> Answerer:
    """The knowledge of the folder, for `replay` (a folder of no knowledge yet is an error there: nothing to prove)."""
    return Answerer.from_directory(args.knowledge)


def live_answerer(args: argparse.Namespace) -> Answerer:
    """The knowledge the bot answers from: the database's when one is configured (as every instance
    loads it), else the folder's. For `ask`, `chat` and `kb list`."""
    settings = config(args)
    if not settings.database_url:  # a new community's folder of no knowledge yet answers nothing, as the bot does
        return Answerer.from_directory(args.knowledge, empty=True)
    backend, loaded = open_database(settings)
    backend.close()  # the knowledge stays loaded; nothing follows the database for one command
    return loaded
