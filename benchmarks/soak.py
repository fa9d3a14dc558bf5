"""A long day in a busy community, accelerated: what the running bot keeps in memory as it goes on.

    python -m benchmarks.soak [--members 600] [--rounds 4] [--json FILE]

The real bot (one `Service`, the Telegram and the Discord adapters, started as `python -m adapters run`
starts them) runs against the fake Bot API and the fake Discord of `tests/` (so: from a checkout), on a
copy of the bundled knowledge. Each round brings `--members` new members on each platform, and new
chats: Telegram private chats, groups, forum topics and basic groups upgraded to supergroups; Discord
channels, DMs and forum posts (threads), half of them deleted and half closed as solved. The members ask
(some in Korean), edit and delete their questions, press topics and 👍/👎, type inline queries and /ask;
a few flood a group past its cooldowns; one in ten is their group's administrator and lists the gaps
there; new moderators each round list them on both platforms, one adds a passage from chat, and a file
saved by hand is reloaded. Nothing waits for a clock: the traffic goes through twenty members at a time,
each wave answered before the next.

Printed after each round: the size of each structure the bot keeps between messages (the core's, each
adapter's, python-telegram-bot's and discord.py's), which must level off however many members come, and
the memory the bot holds (tracemalloc since the bot started; what the fakes and this driver allocate left
out); then the process's resident size, what the last round still added, the WARNING and ERROR lines
of the day counted by their wording, and the requests a fake refused as the real service would. Figures,
never assertions: the tests count each bound (docs/reliability.md lists them).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl

from adapters import runner
from bot import DEFAULT_KNOWLEDGE, Service
from bot.cli import positive_int, run_printing
from bot.config import Config, Moderators
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import FakeTelegram
from tests.support import live

TELEGRAM_TOKEN = "123456:SOAK-token-0123456789abcdefghij"
DISCORD_TOKEN = "MTIzNDU2Nzg5.soak-token.NOT-A-REAL-SECRET-x9Qz"
QUESTIONS = (
    "Are most defectors women?",
    "Why do North Koreans flee?",
    "How do defectors get to South Korea?",
    "What jobs did defectors have?",
    "How educated are defectors?",
    "탈북자는 대부분 여성인가요?",
)
ROOT = Path(__file__).resolve().parent.parent
MODERATORS = 8  # new moderators each round
WAVE = 20  # members whose traffic is pushed at once: a busy hour (more at once, and the bot falls behind)
TICK = 0.05  # seconds between the stall watcher's wake-ups
CATCH_UP = 2.0  # seconds after measuring, which holds the event loop: heartbeats and long polls answered again
UNANSWERED = "what is the wifi password in room {n}?"  # a gap of its own for each member


@dataclass
class Figures:
    """What a day measured: the structures' sizes after each round, memory, the log's lines."""

    sizes: list[dict[str, int]] = field(default_factory=list)
    memory: dict[str, float] = field(default_factory=dict)
    logged: Counter[str] = field(default_factory=Counter)
    grew: list[tuple[str, int]] = field(default_factory=list)  # object types whose count grew most in the last round
    lines: list[tuple[str, float]] = field(default_factory=list)  # lines whose allocations grew most then, KiB
    refused: list[str] = field(default_factory=list)  # requests a fake refused as the real service would
    pauses: list[float] = field(default_factory=list)  # seconds each round's measuring held the event loop


_NUMBER = re.compile(r"\d+")


class LogCount(logging.Handler):
    """The WARNING and ERROR lines of the day, by logger, wording (numbers and ids as #) and when: during
    a round, while measuring after it (which holds the event loop a few seconds), or while stopping."""

    def __init__(self, counts: Counter[str]) -> None:
        super().__init__(logging.WARNING)
        self.counts = counts
        self.when = "starting"

    def emit(self, record: logging.LogRecord) -> None:
        wording = _NUMBER.sub("#", str(record.msg))
        self.counts[f"{record.levelname} {record.name}: {wording} ({self.when})"] += 1


class Stalls:
    """The longest the event loop was held (by the bot, or by other processes taking the processors): a task
    that asks to wake every TICK seconds notes how late it woke."""

    def __init__(self) -> None:
        self.longest = 0.0

    async def watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + TICK
            await asyncio.sleep(TICK)
            self.longest = max(self.longest, loop.time() - due)

    def taken(self) -> float:
        """The longest stall since the last call, in seconds."""
        longest, self.longest = self.longest, 0.0
        return longest


@dataclass(frozen=True)
class Running:
    """What the running bot is made of: the core, and each adapter's objects (made inside `runner.serve`)."""

    service: Service
    app: Any  # python-telegram-bot's Application
    handlers: Any  # adapters.tg.handlers.Handlers
    client: Any  # adapters.dc.client.QABot

    @classmethod
    def found(cls, service: Service) -> Running:
        from telegram.ext import Application

        from adapters.dc.client import QABot
        from adapters.tg.handlers import Handlers

        return cls(service, live(Application), live(Handlers), live(QABot))


def structures(bot: Running) -> dict[str, int]:
    """The size of everything the running bot keeps between messages."""
    from adapters.tg.deliver import ChatOrderProcessor
    from adapters.tg.moderation import _ADMINS_FOUND
    from adapters.tg.upgrades import _UPGRADED
    from bot.search import text

    service, app, handlers, client = bot.service, bot.app, bot.handlers, bot.client
    processor, limiter = app.update_processor, app.bot.rate_limiter
    assert isinstance(processor, ChatOrderProcessor)
    state = client._connection
    answerer = service.answerer
    memo = answerer.__dict__.get("_kept")
    return {
        "core: user cooldowns": service.cooldown.remembered(),
        "core: chat cooldowns": service.chat_cooldown.remembered(),
        "core: moderators' gap lists held (not kept)": len(service.moderation.listings._held),
        "core: link openings counted today (keyed hashes)": len(service.recorder.openings),
        "core: answers memo (sections, terms, topics)": (
            len(memo.answers) + len(memo.terms) + len(memo.topics) if memo else 0
        ),
        "core: focus memo": len(answerer.index._focus._unit_memo),
        "core: tokenizer memos": sum(f.cache_info().currsize for f in _lru_caches(text)),
        "core: pieces of text": len(text._PIECE_TOKENS) + len(text._PIECE_JOINED) + len(text._PIECE_WORDS),
        "telegram: answered questions": len(handlers.replies.answered._sent),
        "telegram: answers by message replied to": len(handlers.replies.answered._replying),
        "telegram: edited commands seen": len(handlers.seen._seen),
        "telegram: albums": len(handlers.albums._decided) + len(handlers.albums._due),
        "telegram: chats in turn": len(processor._order._locks) + len(processor._order._dropping),
        "telegram: inline queries in turn": len(processor._newest),
        "telegram: groups upgraded (bot_data)": len(app.bot_data.get(_UPGRADED, ())),
        "telegram: administrators found (bot_data)": len(app.bot_data.get(_ADMINS_FOUND, ())),
        "telegram: ptb chat_data + user_data": len(app._chat_data) + len(app._user_data),
        "telegram: ptb chats + users marked for a persistence": (
            len(app._chat_ids_to_be_updated_in_persistence) + len(app._user_ids_to_be_updated_in_persistence)
        ),
        "telegram: ptb group rate limiters": len(getattr(limiter, "_group_limiters", {})),
        "discord: answered questions": len(client.replies.answered._sent),
        "discord: answers by message replied to": len(client.replies.answered._replying),
        "discord: answers being made": len(client.replies._answering),
        "discord: channels it may not send in": len(client.replies._silenced),
        "discord: channels in turn": len(client._order._locks) + len(client._order._dropping),
        "discord: handlers in flight": len(client._in_flight),
        "discord.py: views stored": len(state._view_store._views) + len(state._view_store._synced_message_views),
        "discord.py: modals stored": len(state._view_store._modals),
        "discord.py: messages cached": len(state._messages or ()),
        "discord.py: DM channels cached": len(state._private_channels),
        "discord.py: threads cached": sum(len(g._threads) for g in state.guilds),
        "discord.py: users cached": len(state._users),
    }


def _lru_caches(module: Any) -> list[Any]:
    return [f for f in vars(module).values() if callable(getattr(f, "cache_info", None))]


def own_memory() -> tracemalloc.Snapshot:
    """What the process allocated since tracing began and holds now (see `mib` for the bot's part)."""
    gc.collect()
    return tracemalloc.take_snapshot()


def _ours(filename: str) -> bool:
    """Whether allocations made on a line of `filename` count as the bot's: not a fake's, this driver's or
    tracemalloc's own (the fakes' records are emptied each round: `forget_calls`)."""
    return "/tests/" not in filename and filename not in (__file__, tracemalloc.__file__)


def mib(snapshot: tracemalloc.Snapshot) -> float:
    """MiB the bot holds in `snapshot`."""
    return sum(stat.size for stat in snapshot.statistics("filename") if _ours(stat.traceback[0].filename)) / 2**20


def grown_most(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> list[tuple[str, float]]:
    """The bot's lines whose allocations still held grew most between two snapshots, KiB."""
    grown = [d for d in after.compare_to(before, "lineno") if _ours(d.traceback[0].filename)][:10]
    return [(_line(d.traceback[0]), d.size_diff / 1024) for d in grown if d.size_diff > 1024]


def _line(frame: tracemalloc.Frame) -> str:
    """A line as the report names it: the project's files from its root, a library's by its package."""
    path = Path(frame.filename)
    if "site-packages" in path.parts:
        return f"{Path(*path.parts[path.parts.index('site-packages') + 1 :])}:{frame.lineno}"
    return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else Path(*path.parts[-2:])}:{frame.lineno}"


def forget_calls(telegram: FakeTelegram, dc: FakeDiscord) -> None:
    """Empty what the fakes record of a round (every request, every message, every event sent): a
    test reads them back, a day would only pile them up in the process measured. The bot edits or
    deletes only messages of the round under way, never of an earlier one."""
    records: list[Any] = [telegram.calls, telegram.violations, telegram.sent, telegram._threads, telegram._chats]
    records += [telegram._members, telegram._migrated, dc.calls, dc.violations, dc.messages, dc.types, dc.threads]
    records += [dc.locked, dc.gone, dc.interactions, dc.acknowledged, dc.tokens, dc.responses, dc.received]
    for kept in records + [shard.sent for shard in dc.shards]:
        kept.clear()


def resident() -> float:
    """The process's resident memory now, MiB."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def type_counts() -> Counter[str]:
    gc.collect()
    return Counter(type(o).__qualname__ for o in gc.get_objects())


# --- the bot, running against both fakes ---------------------------------------------------------


@asynccontextmanager
async def bot_running(folder: Path, config: Config) -> AsyncIterator[tuple[Service, FakeTelegram, FakeDiscord]]:
    """The bot serving `folder` on both fakes, as `python -m adapters run` serves it, until the block ends."""
    telegram, dc = FakeTelegram(TELEGRAM_TOKEN), FakeDiscord(token=DISCORD_TOKEN)
    await telegram.start()
    await dc.start()
    pointed = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    discord.http.Route.BASE = dc.api_base  # the network boundary: discord.py talks to the fake
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(dc.gateway_url)
    service = Service.from_directory(folder, config)
    env = {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "TELEGRAM_POLL_TIMEOUT": "5",
        "TELEGRAM_RATE_LIMIT": "0",  # accelerated: Telegram's 30 a second would make the day a day long
        "TELEGRAM_GROUP_RATE_LIMIT": "0",
        "DISCORD_BOT_TOKEN": DISCORD_TOKEN,
        "DISCORD_GUILD_READY_TIMEOUT": "0.05",
        "DISCORD_ANSWER_FORUMS": dc.forum_id,
    }
    stop = asyncio.Event()
    serving = asyncio.create_task(runner.serve(service, env, stop))
    try:
        await dc.wait_ready()
        await telegram.wait_for("getUpdates")
        yield service, telegram, dc
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
        service.close()
        await telegram.stop()
        await dc.close()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = pointed


async def settled(telegram: FakeTelegram, dc: FakeDiscord, *, still: float = 0.4) -> None:
    """Wait until the bot has handled everything pushed: every update fetched, no request for `still` s."""
    seen = (-1, -1)
    while (now := (len(telegram.calls), len(dc.calls))) != seen or telegram._updates:
        seen = now
        await asyncio.sleep(still)


# --- the day ------------------------------------------------------------------------------------


@dataclass
class Community:
    """The fakes the members talk through, and how many new members each round brings."""

    telegram: FakeTelegram
    dc: FakeDiscord
    members: int

    def tg_user(self, n: int, *, korean: bool = False) -> dict[str, Any]:
        return {"id": 10_000_000 + n, "is_bot": False, "first_name": f"M{n}", "language_code": "ko" if korean else "en"}

    def dc_user(self, n: int) -> dict[str, Any]:
        return self.dc.user(str(800_000_000_000_000_000 + n), name=f"m{n}")

    def question(self, n: int) -> str:
        return UNANSWERED.format(n=n) if n % 4 == 3 else QUESTIONS[n % len(QUESTIONS)]

    def group(self, n: int) -> dict[str, Any]:
        """The group member `n` talks in: twenty members a group, new groups as new members come."""
        group_id = -1_000_000_000_000 - n // 20
        return {"id": group_id, "type": "supergroup", "title": f"G{group_id}"}


LINKED = ("yeonmi-park", "intro-americans-know-little")  # seed passages a community might pin a link to


def telegram_wave(c: Community, members: range) -> list[tuple[dict[str, Any], str]]:
    """The Telegram traffic of a wave of new members; returns the questions they edit once answered."""
    tg, edits = c.telegram, []
    for n in members:
        user = c.tg_user(n, korean=n % 6 == 5)
        private = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        asked = tg.message(private, c.question(n), user=user)
        if n % 5 == 0:
            edits.append((asked, "How educated are defectors?"))
        group = c.group(n)
        if n % 3 == 0:
            tg.message(group, f"@QABot {c.question(n + 1)}", user=user)
        if n % 4 == 0:
            tg.message({**group, "is_forum": True}, f"@QABot {c.question(n + 2)}", user=user,
                       message_thread_id=1 + n % 5, is_topic_message=True)  # fmt: skip
        if n % 10 == 0:
            tg.inline("defectors wom", user=user)
        if n % 7 == 3:  # a pinned link to one answer, opened (twice: counted once a day for a member)
            for _ in range(2):
                tg.message(private, f"/start {LINKED[n % len(LINKED)]}", user=user)
        if n % 10 == 5:  # a group's administrator (counted where the config says) lists the gaps there
            tg.set_member(group, user, "administrator")
            tg.message(group, "/kb_gaps", user=user)
        if n % 10 == 0:  # a basic group becomes a supergroup: replies go to the new id
            basic = {"id": -(500_000 + n), "type": "group", "title": f"B{n}"}
            tg.message(basic, f"@QABot {c.question(n)}", user=user)
            tg.upgrade(basic, -1_009_000_000_000 - n, user=user)
        if n % 100 == 1:  # a flood in a group: past the member's cooldown, and the chat's
            for _ in range(8):
                tg.message(group, f"@QABot {c.question(n)}", user=user)
    return edits


def discord_wave(c: Community, members: range) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """The Discord traffic of a wave of new members: the events to push, and those that follow (edits,
    deletions, posts deleted or locked) once the first are answered."""
    dc, now, later = c.dc, [], []
    for n in members:
        author = c.dc_user(n)
        channel = str(700_000_000_000_000_000 + n // 25)  # new channels as new members come
        asked = dc.mention(c.question(n), author=author, channel_id=channel)
        now.append(("MESSAGE_CREATE", asked))
        if n % 5 == 1:
            later.append(("MESSAGE_UPDATE", dc.edited(asked, f"<@{dc.bot_id}> How educated are defectors?")))
        if n % 5 == 2:
            later.append(("MESSAGE_DELETE", dc.deleted(asked)))
        if n % 3 == 1:
            dm = dc.message(c.question(n + 1), author=author, dm=True, channel_id=str(600_000_000_000_000_000 + n))
            now.append(("MESSAGE_CREATE", dm))
        if n % 7 == 0:
            thread, starter = dc.post(f"Help {n}: {c.question(n)}", "(the post)")
            thread = {**thread, "owner_id": author["id"]}
            now += [("THREAD_CREATE", thread), ("MESSAGE_CREATE", {**starter, "author": author})]
            if n % 2 == 0:
                later.append(("THREAD_DELETE", {k: thread[k] for k in ("id", "guild_id", "parent_id", "type")}))
            else:  # closed as solved: a later mention there cannot be answered (no Manage Threads)
                closed = {**thread["thread_metadata"], "locked": True}
                later.append(("THREAD_UPDATE", {**thread, "thread_metadata": closed}))
                later.append(("MESSAGE_CREATE", dc.mention("thanks!", author=author, channel_id=thread["id"])))
        if n % 6 == 0:
            now.append(("INTERACTION_CREATE", dc.command("ask", user=author, question=c.question(n))))
        if n % 100 == 1:
            now += [("MESSAGE_CREATE", dc.mention(c.question(n), author=author, channel_id=channel))] * 8
    return now, later


def presses(c: Community, members: range) -> list[tuple[str, Any]]:
    """The wave's members press a button under the bot's latest replies (a topic offered, or 👍/👎) on
    Telegram; the Discord presses are returned, to push."""
    shown = [m for m in list(c.telegram.sent.values())[-len(members) :] if m.get("reply_markup")]
    for n, message in zip(members, shown, strict=False):
        rows = message["reply_markup"]["inline_keyboard"]
        row = rows[n % len(rows)]
        c.telegram.press(message, row[n % len(row)]["callback_data"], user=c.tg_user(n))
    found = []
    for n, message in zip(members, list(c.dc.messages.values())[-len(members) :], strict=False):
        buttons = [b for row in message.get("components") or [] for b in row.get("components") or []]
        if buttons:
            pressed = {"custom_id": buttons[n % len(buttons)]["custom_id"], "component_type": 2}
            found.append(("INTERACTION_CREATE", c.dc.interaction(3, pressed, message=message, user=c.dc_user(n))))
    return found


def moderators(c: Community, round_: int) -> list[tuple[str, Any]]:
    """A round's moderators (new ones each round: the config lists them) list the gaps on both platforms,
    and one adds a passage from chat."""
    tg, dc, events = c.telegram, c.dc, []
    for n in range(round_ * MODERATORS, (round_ + 1) * MODERATORS):
        user = c.tg_user(n)
        tg.message({"id": user["id"], "type": "private", "first_name": user["first_name"]}, "/kb_gaps", user=user)
        events.append(("INTERACTION_CREATE", dc.subcommand("kb", "gaps", user=c.dc_user(n))))
    text = f"Round {round_} of the soak added this passage about bicycles and parking lot {round_}."
    adding = c.tg_user(round_ * MODERATORS)
    tg.message({"id": adding["id"], "type": "private"}, f"/kb_add Round {round_} | {text}", user=adding)
    return events


def hand_edit(folder: Path, round_: int) -> None:
    """A file saved by hand in the knowledge folder: one more source, of one passage."""
    (folder / f"hand-{round_}.yaml").write_text(  # before moderators.yaml: additions extend the index
        f'source: {{title: "Soak {round_}"}}\npassages:\n  - id: soak-{round_}\n    section: "Soak {round_}"\n'
        f'    text: "A hand edit of round {round_}, about the lockers in hall {round_}."\n', encoding="utf-8"
    )  # fmt: skip


async def push_all(dc: FakeDiscord, events: list[tuple[str, Any]]) -> None:
    for event, data in events:
        await dc.push(event, data)


async def one_round(c: Community, service: Service, round_: int, folder: Path) -> None:
    """A round: a hand edit read, the new members a wave at a time (a busy hour, not a thousand messages in
    one second), then the moderators."""
    first = round_ * c.members
    hand_edit(folder, round_)
    await asyncio.to_thread(service.reload)  # the hand edit read (the watcher would, a moment later)
    for start in range(first, first + c.members, WAVE):
        wave = range(start, min(start + WAVE, first + c.members))
        edits = telegram_wave(c, wave)
        now, later = discord_wave(c, wave)
        await push_all(c.dc, now)
        await settled(c.telegram, c.dc)
        for message, text in edits:
            c.telegram.edit(message, text)
        await push_all(c.dc, later + presses(c, wave))
        await settled(c.telegram, c.dc)
    await push_all(c.dc, moderators(c, round_))
    await settled(c.telegram, c.dc)


async def paced(c: Community, service: Service, round_: int, folder: Path, stalls: Stalls) -> dict[str, int]:
    """One round, and how it went: the seconds it took, those this process had a processor for (the
    machine is shared: another's work leaves it fewer), and the longest stall of its event loop."""
    began, cpu = time.monotonic(), time.process_time()
    await one_round(c, service, round_, folder)
    return {
        "seconds the round took": int(time.monotonic() - began),
        "of them on this process's CPU": int(time.process_time() - cpu),
        "longest stall of the event loop, ms": int(stalls.taken() * 1000),
    }


def configured(scratch: Path, members: int, rounds: int) -> Config:
    """Moderators listed by id, new ones for each round; every group is one where administrators count."""
    listed = range(MODERATORS * rounds)
    return Config(
        moderators=Moderators(
            telegram_users=frozenset(str(10_000_000 + n) for n in listed),
            discord_users=frozenset(str(800_000_000_000_000_000 + n) for n in listed),
            telegram_group_admins=True,
            telegram_admin_chats=frozenset(str(-1_000_000_000_000 - g) for g in range(rounds * members // 20 + 1)),
        ),
        data_dir=scratch / "data",
    )


async def day(members: int, rounds: int) -> Figures:
    figures = Figures()
    handler = LogCount(figures.logged)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    with tempfile.TemporaryDirectory(prefix="qabot-soak-") as scratch:
        folder = Path(scratch) / "knowledge"
        shutil.copytree(DEFAULT_KNOWLEDGE, folder, ignore=shutil.ignore_patterns("originals"))
        async with bot_running(folder, configured(Path(scratch), members, rounds)) as (service, telegram, dc):
            c, bot = Community(telegram, dc, members), Running.found(service)
            tracemalloc.start()  # once the bot is up: what it allocates from now on, and keeps
            figures.memory.update(start_resident=resident())
            stalls = Stalls()
            watching = asyncio.create_task(stalls.watch())
            for r in range(rounds):
                handler.when = f"round {r + 1}"
                pace = await paced(c, service, r, folder, stalls)
                figures.refused += telegram.violations + dc.violations
                forget_calls(telegram, dc)
                handler.when = f"measuring after round {r + 1}"
                started = time.monotonic()
                held = own_memory()
                figures.sizes.append({**structures(bot), "memory held by the bot, KiB": int(mib(held) * 1024), **pace})
                if r == 0:
                    figures.memory.update(first_round=mib(held), first_round_resident=resident())
                if r == rounds - 2 or rounds == 1:
                    before, counted = held, type_counts()  # to tell what the last round still added
                if r == rounds - 1:
                    grown = type_counts()
                    figures.memory.update(end=mib(held), end_resident=resident())
                figures.pauses.append(time.monotonic() - started)
                await asyncio.sleep(CATCH_UP)
                stalls.taken()  # the measuring's own stall is in `pauses`
            watching.cancel()
            handler.when = "stopping"
        tracemalloc.stop()
    figures.lines = grown_most(before, held)
    grown.subtract(counted)
    figures.grew = [(name, n) for name, n in grown.most_common(12) if n > 0]
    logging.getLogger().removeHandler(handler)
    return figures


def report(figures: Figures, members: int) -> None:
    memory = figures.memory
    print(f"soak: {len(figures.sizes)} rounds of {members:,} new members on each platform\n")
    print(f"held by the bot (tracemalloc, since it started): {memory['first_round']:.1f} MiB after the first round, "
          f"{memory['end']:.1f} MiB at the end")  # fmt: skip
    print(f"resident (the whole process, the fakes too): {memory['start_resident']:.0f} MiB at the start, "
          f"{memory['first_round_resident']:.0f} MiB after the first round, "
          f"{memory['end_resident']:.0f} MiB at the end\n")  # fmt: skip
    names = list(figures.sizes[0])
    width = max(map(len, names))
    print(f"{'kept between messages':<{width}}  " + "  ".join(f"round {r + 1:>2}" for r in range(len(figures.sizes))))
    for name in names:
        print(f"{name:<{width}}  " + "  ".join(f"{s[name]:>8,}" for s in figures.sizes))
    print("\nwhat the last round still added (with every bound reached, only what grows with each new member):")
    print("  objects:", ", ".join(f"{n} +{k:,}" for n, k in figures.grew))
    print("  held, by the line that allocated it:", ", ".join(f"{n} +{k:,.0f} KiB" for n, k in figures.lines))
    print("\nWARNING and ERROR lines of the day:" if figures.logged else "\nno WARNING or ERROR line all day")
    for line, count in figures.logged.most_common():
        print(f"  {count:>6,} × {line}")
    print(f"requests the real services refuse: {len(figures.refused)}", *figures.refused[:5], sep="\n  ")
    print("measuring held the event loop", ", ".join(f"{pause:.1f}" for pause in figures.pauses), "s after each round")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=positive_int, default=600, help="new members a round, on each platform")
    parser.add_argument("--rounds", type=positive_int, default=4)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"  # the fakes are on loopback
    figures = asyncio.run(day(args.members, args.rounds))
    report(figures, args.members)
    if args.json:
        data = {
            "sizes": figures.sizes,
            "memory": figures.memory,
            "logged": dict(figures.logged),
            "refused": figures.refused,
        }
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(run_printing(main))
