"""Hostile input through the core: any string in, a sane Answer or Refused out, and the files stay valid."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import knowledge
from bot.answering import Answerer, Outcome
from bot.curation import CLI_PLATFORM, Refused
from bot.search.text import MAX_QUESTION_CHARS, normalize
from bot.service import Asker, Service
from tests.support import calls_of, small_kb, write_kb

SMALL_KB = small_kb(questions=True, rules=True)

PIECES = [
    "", " ", "\t", "\n", "\r\n", "\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2067", "\u061c",  # zero-width, bidi
    "مرحبا", "שלום", "탈북자", "북한 사람들은 왜 떠나나요?", "中国", "カタカナ", "🙂", "👍🏽", "👨‍👩‍👧", "🇰🇷",
    "!!python/object/apply:os.system", "!!python/object:builtins.dict", "{a: b}", "[1, 2", "---", "...",
    "&anchor", "*alias", "<<: *alias", "? ", ": ", "- ", "|", ">", "#", "%YAML 1.1", "%TAG", "!tag", "'", '"',
    "@everyone", "@here", "<@&123>", "<b>", "</i>", "**bold**", "`code`", "[x](http://e.x)", "\\", "%s", "{0}",
    "refugees", "North Korea", "meetup", "70.5%", "1998-1999", "ﬁ", "Ａ",
    "\ud800", "\udfff",  # lone surrogates: a JSON body can carry them ("\\ud800"), UTF-8 cannot
]  # fmt: skip
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=10).map("".join)
huge = st.sampled_from(PIECES[1:]).map(lambda piece: (piece or "x") * (100_000 // max(len(piece), 1)))
anything = st.one_of(hostile, st.text(), huge)
HOSTILE = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
WRITES = settings(HOSTILE, max_examples=25)


def saved(value: str) -> str:
    """What a moderator's text is saved as: trimmed, an old NEL line break made a newline."""
    return value.replace("\x85", "\n").strip()


@pytest.fixture(scope="module")
def kdir() -> Iterator[Path]:
    """A small knowledge folder shared by the examples of this module (they leave it valid)."""
    folder = write_kb(Path(tempfile.mkdtemp(prefix="qabot-hostile-")) / "knowledge", SMALL_KB)
    yield folder
    shutil.rmtree(folder.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def service(kdir: Path) -> Iterator[Service]:
    service = Service.from_directory(kdir)
    yield service
    service.close()


CLI = Asker(CLI_PLATFORM, "", name="hostile")


@HOSTILE
@given(question=anything, user=hostile, chat=hostile)
def test_service_ask_never_raises(service: Service, question: str, user: str, chat: str) -> None:
    """Service.ask on any string from any asker: an Answer, and the reply never echoes the input."""
    asker = Asker("telegram", user, chat, name=user)
    answer = service.ask(question, asker)
    assert isinstance(answer.outcome, Outcome) and answer.text
    if len(question.strip()) > 30:
        assert question.strip() not in answer.text
    service.admit(asker)


@HOSTILE
@given(question=anything)
def test_answer_never_raises_and_is_bounded(service: Service, question: str) -> None:
    """Answerer.answer: any string in, an Answer out; ranking sees at most MAX_QUESTION_CHARS of it."""
    answerer = service.answerer
    with calls_of(answerer.index.analyze) as analysed:
        answer = answerer.answer(question)
    assert answer.text and len(answer.text) < 5_000
    assert all(len(call["question"]) <= MAX_QUESTION_CHARS for call in analysed)


def test_normalizing_is_bounded_for_huge_input(service: Service) -> None:
    """A 1 MB message is cut before any work proportional to its length (normalize sees at most 4×)."""
    with calls_of(normalize) as normalized:
        answer = service.answerer.answer("refugees " * 120_000)
    assert normalized and max(len(call["text"]) for call in normalized) <= MAX_QUESTION_CHARS * 4
    assert answer.outcome in (Outcome.ANSWERED, Outcome.FALLBACK)


@WRITES
@given(section=hostile, text=st.one_of(hostile, huge), question=hostile, pid=st.one_of(st.none(), hostile))
def test_an_addition_with_hostile_text_round_trips_or_is_refused(
    service: Service, kdir: Path, section: str, text: str, question: str, pid: str | None
) -> None:
    """add(): Refused or done; when done the files load and the passage reads back exactly as given."""
    try:
        change = service.moderation.add(CLI, section=section, text=text, questions=[question], passage_id=pid)
    except Refused as refused:
        assert str(refused)
        knowledge.load(kdir)
        return
    passage = knowledge.load(kdir).get(change.passage_id)
    assert passage is not None
    assert (passage.section, passage.text, passage.questions) == (saved(section), saved(text), (saved(question),))
    live = service.answerer.answer_passage(change.passage_id)
    assert live is not None and live.passage_text == saved(text)
    service.moderation.remove(CLI, change.passage_id)


@WRITES
@given(text=hostile, question=hostile)
def test_edit_and_alias_with_hostile_text_round_trip_or_are_refused(
    service: Service, kdir: Path, text: str, question: str
) -> None:
    """edit() and alias() on a real passage: Refused or done, the files load, the text reads back exactly."""
    try:
        service.moderation.edit(CLI, "rules", text=text)
    except Refused:
        pass
    else:
        rules = knowledge.load(kdir).get("rules")
        assert rules is not None and rules.text == saved(text)
        service.moderation.undo(CLI)
    try:
        service.moderation.alias(CLI, "meetups", question)
    except Refused:
        pass
    else:
        meetups = knowledge.load(kdir).get("meetups")
        assert meetups is not None and meetups.questions[-1] == saved(question)
        service.moderation.undo(CLI)
    assert knowledge.load(kdir).get("rules") is not None


def test_a_nel_line_break_is_saved_as_a_newline(service: Service, kdir: Path) -> None:
    """U+0085, which PyYAML would write and read back as a space, is saved as the newline it means."""
    service.moderation.edit(CLI, "rules", text="First line.\x85Second line.")
    rules = knowledge.load(kdir).get("rules")
    assert rules is not None and rules.text == "First line.\nSecond line."
    service.moderation.undo(CLI)


@HOSTILE
@given(value=anything, number=st.integers(min_value=-(10**6), max_value=10**6))
def test_every_moderation_method_takes_any_string(service: Service, kdir: Path, value: str, number: int) -> None:
    """Ids, gap references and limits that are junk: each method answers or raises Refused, nothing else."""
    moderation = service.moderation
    calls = [
        lambda: moderation.edit(CLI, value, text="Some text."),
        lambda: moderation.edit(CLI, value, section=value, text=value, questions=[value]),
        lambda: moderation.remove(CLI, value),
        lambda: moderation.alias(CLI, value, value),
        lambda: moderation.history(CLI, value, limit=number),
        lambda: moderation.gaps(CLI, limit=number),
        lambda: moderation.dismiss(CLI, value),
        lambda: moderation.stats(CLI),
        lambda: moderation.require(Asker("telegram", value, value, name=value, roles=(value,))),
    ]
    for call in calls:
        try:
            result = call()
        except Refused as refused:
            assert str(refused)
        else:
            assert result is None or isinstance(result, str) or result.message
    assert {"meetups", "rules"} <= {p.id for p in knowledge.load(kdir)}


@HOSTILE
@given(question=anything)
def test_gaps_and_stats_render_hostile_questions(service: Service, question: str) -> None:
    """Unanswered hostile questions recorded in the gaps database still list and render."""
    service.ask(question, Asker("discord", "9", "9"))
    assert service.moderation.gaps(CLI, limit=50)
    assert service.moderation.stats(CLI)


def test_a_fresh_answerer_still_loads_after_all_that(kdir: Path) -> None:
    """After every hostile change above, a fresh load of the folder works (runs last in this module)."""
    assert Answerer.from_directory(kdir).kb.get("meetups") is not None


def test_every_hostile_piece_at_once_round_trips_through_a_change(service: Service, kdir: Path) -> None:
    """A passage made of every hostile piece (YAML syntax, bidi, zero-width, emoji, Korean...) reads back
    exactly; but the ones no store can hold (a NUL, which PostgreSQL refuses, and lone surrogates,
    which UTF-8 cannot write), refused below."""
    text = "".join(p for p in PIECES if p not in ("\x00", "\ud800", "\udfff"))
    section, question = "Sec " + text[:150], text[-250:]
    change = service.moderation.add(CLI, section=section, text=text, questions=[question])
    fresh = Service.from_directory(kdir)  # as a restart would see it
    for kb in (knowledge.load(kdir), fresh.answerer.kb):
        passage = kb.get(change.passage_id)
        assert passage is not None
        assert (passage.section, passage.text, passage.questions) == (
            saved(section),
            saved(text),
            (saved(question),),
        )
    fresh.close()
    service.moderation.remove(CLI, change.passage_id)


def test_lone_surrogates_are_answered_and_refused_cleanly(service: Service) -> None:
    """A lone surrogate (UTF-8 cannot store it) in a question or an id: answered and recorded; in a change: Refused."""
    broken = "why do people flee \ud800 north korea"
    assert service.ask(broken, Asker("telegram", "1\udfff", "2\ud800")).text
    service.vote("meetups", False, Asker("discord", "\ud800", "3"))
    with pytest.raises(Refused, match="cannot be saved"):
        service.moderation.add(CLI, section="S", text=broken)
    with pytest.raises(Refused, match="cannot be saved"):
        service.moderation.alias(CLI, "meetups", broken)


def test_a_nul_is_answered_and_refused_cleanly_in_a_change(service: Service) -> None:
    """A NUL (PostgreSQL cannot store it, and a file holding one is refused) in a question: answered;
    in a change: Refused, naming the field, on files as on the database."""
    assert service.ask("why do people flee \x00 north korea", Asker("telegram", "1", "2")).text
    with pytest.raises(Refused, match="'text' holds a character that cannot be stored"):
        service.moderation.add(CLI, section="S", text="Doors open \x00 at nine.")
