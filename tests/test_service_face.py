"""The core's one face: every ask and choose is one Answer, moderation one Reply, the question analysed once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import bot
from bot import Answerer, Asker, Outcome, Request, Service, messages
from bot import imports as importing
from bot.config import ChatCooldownSettings, CooldownSettings
from bot.cooldown import Cooldown
from bot.curation import CLI_PLATFORM, COMMANDS, Moderation
from tests.backends import Backend, backend
from tests.support import Clock, calls_of, small_kb, write_kb

assert backend  # the fixture: each test taking `service` runs on the files and on PostgreSQL

FLOODER = Asker("telegram", "7", "7")  # a private chat: only the user's limit


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    """The knowledge `backend` serves here: one source, `meetups` without its question, no `rules`."""
    return write_kb(tmp_path / "knowledge", small_kb())


@pytest.fixture
def service(backend: Backend) -> Iterator[Service]:
    """A core with 2 questions at once per user, on a clock that does not move (on PostgreSQL: the
    shared budgets, 2 at once then one a minute, so that no token comes back during a test)."""
    if backend.postgres:
        yield backend.service(
            cooldown=CooldownSettings(burst=2, interval=60.0), chat_cooldown=ChatCooldownSettings(burst=100)
        )
        return
    kdir = backend.folder
    clock = Clock()
    service = Service(
        Answerer.from_directory(kdir),
        knowledge_dir=kdir,
        cooldown=Cooldown(burst=2, interval=60.0, clock=clock),
        chat_cooldown=Cooldown(burst=100, interval=1.0, clock=clock),
    )
    yield service
    service.close()


def test_over_the_limit_ask_is_a_throttled_answer_told_once(service: Service) -> None:
    """Past the burst, ask returns THROTTLED with the cooldown note: the first to be sent, the rest silent."""
    answers = [service.ask("Who is Yeonmi Park?", FLOODER) for _ in range(4)]
    assert [a.outcome for a in answers[:2]] != [Outcome.THROTTLED] * 2
    assert [(a.outcome, a.silent) for a in answers[2:]] == [(Outcome.THROTTLED, False), (Outcome.THROTTLED, True)]
    assert {a.text for a in answers[2:]} == {messages.COOLDOWN}


def test_choose_is_throttled_like_ask(service: Service) -> None:
    """A pressed suggestion counts against the same limit and comes back THROTTLED past it."""
    passage = service.passages()[0]
    assert [service.choose(passage.id, FLOODER).outcome for _ in range(3)] == [
        Outcome.ANSWERED,
        Outcome.ANSWERED,
        Outcome.THROTTLED,
    ]


def test_a_gone_topic_is_one_answer_with_one_text(service: Service) -> None:
    """Choosing a passage that is no longer there is a GONE answer with the one 'topic gone' text."""
    answer = service.choose("no-such-passage", Asker("discord", "1", "2"))
    assert (answer.outcome, answer.text, answer.passage_id) == (Outcome.GONE, messages.TOPIC_GONE, None)


def test_the_question_is_analysed_once(service: Service) -> None:
    """A fallback is recorded in the gaps with the terms the answer was ranked with: no second analysis."""
    assert service.gaps is not None  # else nothing would be recorded, and nothing analysed again
    with calls_of(service.answerer.index.analyze) as calls:
        answer = service.ask("Where can I park my spaceship tonight?", Asker("discord", "3", "4"))
    assert answer.outcome is Outcome.FALLBACK and answer.terms
    assert len(calls) == 1


def test_every_moderation_method_has_a_command(service: Service) -> None:
    """The one command table covers every public Moderation action the surfaces offer (`listed` is `gaps` with
    the list it shows, which the table's "gaps" runs)."""
    public = {name for name in vars(Moderation) if not name.startswith("_")}
    assert set(COMMANDS) == public - {"is_moderator", "require", "listed"}


def test_moderate_returns_a_reply_and_refuses_without_raising(service: Service) -> None:
    """A non-moderator's command is a refused Reply with the core's text; the command line's goes through."""
    refused = service.moderate(Request("stats"), Asker("telegram", "5", "5"))
    assert refused.refused and refused.text == messages.NOT_MODERATOR and refused.change is None
    added = service.moderate(Request("add", section="Parking", text="Bikes go behind the library."), CLI)
    assert not added.refused and added.change is not None and service.passage(added.change.passage_id)
    assert service.refusal(CLI, "add") is None
    assert service.refusal(Asker("discord", "5", "5"), "add") == messages.NOT_MODERATOR


def test_the_face_exports_what_the_adapters_use() -> None:
    """Everything `bot.__all__` names is there."""
    assert all(hasattr(bot, name) for name in bot.__all__)


CLI = Asker(CLI_PLATFORM, "", name="tester")


def test_publish_goes_through_the_command_table(service: Service, backend: Backend, tmp_path: Path) -> None:
    """A draft of `kb import` (a file of the knowledge folder) is published through `Service.moderate`, like
    every other change, into the folder or the database; undo makes it a draft again."""
    folder = service.knowledge_dir
    assert folder is not None
    article = tmp_path / "bikes.md"
    article.write_text("# Bikes\n\nBicycles go in the racks behind the library.\n", encoding="utf-8")
    importing.import_article(article, folder)
    refused = service.moderate(Request("publish", draft="nope.yaml"), CLI)
    assert refused.refused and "nope.yaml" in refused.text
    reply = service.moderate(Request("publish", draft="bikes.yaml"), CLI)
    assert not reply.refused and reply.change is not None, reply.text
    assert any("racks behind the library" in passage.text for passage in service.passages())
    assert not (folder / "drafts" / "bikes.yaml").exists()
    assert any("racks behind the library" in passage.text for passage in backend.load())  # stored, not only served
    undone = service.moderate(Request("undo"), CLI)
    assert not undone.refused and "draft again" in undone.text, undone.text
    assert (folder / "drafts" / "bikes.yaml").exists()
    assert not any("racks behind the library" in passage.text for passage in service.passages())
