"""A question that a passage lists as its own (one of its alternate questions, word for word) is
answered with that passage, whatever other passages share its words (`Ranked.listed`): a
moderator who attaches a question with `kb alias` says that the passage answers it, and `alias`
says whether it does once asked again."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot import Answerer, Outcome, cli
from bot.evaluation import transcripts
from bot.evaluation.calibration import DEFAULT_SIGNALS, Example, examples
from bot.knowledge import KnowledgeBase, Passage, Source
from tests.test_rivals import GARDEN, QUESTION, RIVALS, garden_folder

# Every passage of a hiking club's FAQ says "hike": a question with no other word is one the
# rule declines (rivals), however it is written, unless a passage lists it.
HIKING = """\
source: {title: "Hiking Club FAQ", publisher: "The Hiking Club", url: null}
passages:
  - id: saturdays
    section: "Hikes"
    text: "We hike every Saturday. Meet at 8:00 at the Central Station main entrance, under the big clock."
  - id: dogs
    section: "Hikes"
    text: "Dogs are welcome on easy hikes if they are kept on a leash. Please tell the hike leader in advance."
  - id: safety
    section: "Safety"
    text: "Every hike has a first-aid trained leader. Hikes are cancelled when the weather service issues a warning."
  - id: gear
    section: "Gear"
    text: "Wear sturdy boots. Hiking poles are optional but recommended on hard hikes."
  - id: fees
    section: "Membership"
    text: "Membership costs 25 euros per year, paid by bank transfer."
"""
WHEN = "When do you hike?"


def listing(text: str, passage_id: str, question: str) -> str:
    """`text` (a garden file) with `question` listed under passage `passage_id`."""
    marker = f"  - id: {passage_id}\n"
    assert marker in text
    head, tail = text.split(marker, 1)
    section, rest = tail.split("\n", 1)
    return f'{head}{marker}{section}\n    questions: ["{question}"]\n{rest}'


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def test_a_listed_question_is_answered_although_every_passage_holds_its_words(tmp_path: Path) -> None:
    """A question a passage lists is answered although every passage holds its words, whatever its case or chat
    spelling; a different question with the same words is not."""
    unlisted = Answerer.from_directory(garden_folder(tmp_path / "unlisted", HIKING))
    assert unlisted.answer(WHEN).outcome is Outcome.FALLBACK
    listed = Answerer.from_directory(garden_folder(tmp_path / "listed", listing(HIKING, "saturdays", WHEN)))
    answer = listed.answer(WHEN)
    assert answer.outcome is Outcome.ANSWERED and answer.passage_id == "saturdays" and not answer.hedged
    # another case, no question mark, chat's "u": still the question it lists
    assert listed.answer("when do u hike").passage_id == "saturdays"
    assert listed.answer("WHEN DO YOU HIKE").passage_id == "saturdays"
    # another question, though the same words or more
    assert listed.answer("When do you hike with dogs?").passage_id != "saturdays"
    assert listed.answer("When do you go hiking?").outcome is Outcome.FALLBACK


def test_a_listed_question_is_answered_however_far_bm25_ranks_its_passage(tmp_path: Path) -> None:
    """A Homebrew moderator aliased "what's a tap?" to the passage on `brew tap`, and it was still
    declined: five other passages said "tap" more, and only the best five were asked whether they
    list it. Every passage that lists the wording is now asked."""
    many = HIKING + "".join(
        f"  - id: tap-{n}\n    section: Taps\n    text: Tap water tap {n}, the tap by the tap station, tap tap.\n"
        for n in range(8)
    )
    folder = garden_folder(tmp_path / "listed", listing(many, "fees", "What's a tap?"))
    assert Answerer.from_directory(folder).answer("what's a tap?").passage_id == "fees"


def test_the_same_words_in_another_question_are_not_the_listed_question(tmp_path: Path) -> None:
    """ "What is hiking?" has the one term of "Do I have to like hiking?" but is not that question."""
    answerer = Answerer.from_directory(
        garden_folder(tmp_path / "k", listing(HIKING, "gear", "Do I have to like hiking?"))
    )
    assert answerer.answer("Do I have to like hiking?").passage_id == "gear"
    for other in ("What is hiking?", "How do I hike?", "Can I hike?", "hiking now?"):
        assert answerer.answer(other).outcome is Outcome.FALLBACK, other


# An imported FAQ: every passage names the product, and each question is a section's heading.
SHUTTERBOX = Source(title="Shutterbox FAQ")
FAQ = KnowledgeBase(
    (
        Passage("introduction-1", "Introduction", "Shutterbox is a photo library. Ask in the group.", SHUTTERBOX),
        Passage("what-is-1", "What is Shutterbox?", "Shutterbox is a self-hosted alternative to cloud photos.",
                SHUTTERBOX),
        Passage("what-is-2", "What is Shutterbox?", "Shutterbox is written in Go; Shutterbox is AGPL.", SHUTTERBOX),
        Passage("free-1", "Is Shutterbox free?", "Yes. Self-hosted Shutterbox is free forever.", SHUTTERBOX),
        Passage("cloud-1", "Shutterbox Cloud", "Shutterbox Cloud is free for a month, then paid.", SHUTTERBOX),
        Passage("app-1", "Is there a mobile app?", "Yes, the Shutterbox app is in the app stores.", SHUTTERBOX),
    )
)  # fmt: skip


@pytest.mark.parametrize(
    ("question", "passage_id"),
    [("What is Shutterbox?", "what-is-1"), ("is shutterbox free", "free-1"), ("IS THERE A MOBILE APP", "app-1"),
     ("shutterbox cloud?", "cloud-1")],
)  # fmt: skip
def test_a_question_worded_as_a_section_is_answered_with_its_first_passage(question: str, passage_id: str) -> None:
    """A member who types an imported FAQ's own question gets its answer, without a doubt said: the page
    says which passage answers it. Before, every passage holding "Shutterbox" made them rivals, and these were
    declined, with the right passage offered as the first topic. Under the heading the first paragraph answers;
    the second of "What is Shutterbox?" repeats the question's word more, and is not the answer."""
    answer = Answerer(FAQ).answer(question)
    assert answer.passage_id == passage_id and not answer.hedged


@pytest.mark.parametrize(
    ("question", "passage_id"),
    [("mobile app?", "app-1"), ("shutterbox for free", "free-1"), ("what is the shutterbox cloud", "cloud-1")],
)
def test_a_question_in_a_sections_words_but_not_its_wording_is_answered_with_its_first_passage(
    question: str, passage_id: str
) -> None:
    """The heading's words without its wording ("uninstall homebrew" of "How do I uninstall Homebrew?",
    "what is tap trust" of "Tap trust") ask what the section is about: they were declined while the
    heading's own wording was answered, the section's passages each other's rivals."""
    answer = Answerer(FAQ).answer(question)
    assert answer.passage_id == passage_id and not answer.hedged


def test_a_headings_number_is_not_asked_with() -> None:
    """ "Step 1: Install Homebrew" answered only when typed so; "how do i install homebrew" was declined."""
    guide = Source(title="Jekyll on macOS")
    kb = KnowledgeBase(
        (
            Passage("step-1", "Step 1: Install Homebrew", "Homebrew makes it easy to install tools on a Mac.", guide),
            Passage("step-2", "Step 2: Install Ruby", "Use chruby to install Ruby, then Homebrew updates it.", guide),
            Passage("step-3", "2.3 Upgrading Homebrew", "Run brew update; Homebrew upgrades itself.", guide),
        )
    )
    assert Answerer(kb).answer("how do i install homebrew").passage_id == "step-1"
    assert Answerer(kb).answer("Upgrading homebrew?").passage_id == "step-3"


def test_a_question_with_a_word_the_heading_lacks_is_left_to_the_rule() -> None:
    """A question with a word the heading lacks, or whose words head two sections, or a one-word heading (a topic), is
    left to the confidence rule."""
    asked = "is the mobile app free"
    [best, *_] = Answerer(FAQ).index.rank(Answerer(FAQ).index.analyze(asked), question=asked)
    assert not best.listed
    other = Source(title="Shutterbox install guide")
    both = Answerer(FAQ).with_added(Passage("app-2", "Mobile app", "Pair the app with a code.", other))
    [best, *_] = both.index.rank(both.index.analyze("the mobile app?"), question="the mobile app?")
    assert not best.listed  # two sections of those words: neither is the one asked about
    # a heading of one word names a topic, not a question: "What is hiking?" is not "Hikes"
    hikes = Answerer(FAQ).with_added(Passage("hikes-1", "Hikes", "We hike on Saturdays.", other))
    [best, *_] = hikes.index.rank(hikes.index.analyze("what is hiking?"), question="what is hiking?")
    assert not best.listed


def test_a_heading_shared_by_two_sources_says_nothing_and_an_alias_comes_before_a_heading() -> None:
    """An "Introduction" in each of two articles does not say which one is asked about; a passage that lists the
    question as an alternate one (a moderator's `kb alias`) is the answer, whatever section shares its wording."""
    other = Source(title="Shutterbox install guide")
    both = Answerer(FAQ).with_added(Passage("introduction-2", "Introduction", "Install Shutterbox with Docker.", other))
    [best, *_] = both.index.rank(both.index.analyze("Introduction"), question="Introduction")
    assert not best.listed
    [best, *_] = Answerer(FAQ).index.rank(Answerer(FAQ).index.analyze("introduction"), question="introduction")
    assert best.listed and best.passage.id == "introduction-1"
    aliased = Answerer(FAQ).with_added(
        Passage("cost-1", "Prices", "Shutterbox is free to self-host.", SHUTTERBOX, questions=("Is Shutterbox free?",))
    )
    assert aliased.answer("Is Shutterbox free?").passage_id == "cost-1"


def test_a_heading_repeated_in_one_source_says_nothing() -> None:
    """A changelog has a "Fixed" under every release: "fixed" does not say which, and was answered with the
    first release's fixes, outright."""
    changelog = Source(title="Changelog")
    kb = KnowledgeBase(
        tuple(
            Passage(f"{kind}-{n}", kind.title(), f"In 1.{n}, {kind} the importer.", changelog)
            for n in range(3)
            for kind in ("added", "fixed")
        )
    )
    [best, *_] = Answerer(kb).index.rank(Answerer(kb).index.analyze("fixed"), question="fixed")
    assert not best.listed


def test_a_passage_added_live_is_found_by_its_heading() -> None:
    """A passage added live is found by its heading, as one loaded from the folder."""
    docker = Passage("docker-1", "Can I use Docker?", "Yes, Shutterbox ships an image.", SHUTTERBOX)
    added = Answerer(FAQ).with_added(docker)
    assert added.answer("can i use docker").passage_id == "docker-1"


def test_a_listed_question_is_the_candidate_the_answer_gives(tmp_path: Path) -> None:
    """`candidate` (calibration, `kb gaps --would-answer`) agrees with `answer` on a listed question,
    even one asking for an amount of a passage that gives none."""
    question = "How many dogs can come on a hike?"
    answerer = Answerer.from_directory(garden_folder(tmp_path / "k", listing(HIKING, "dogs", question)))
    best = answerer.candidate(question)
    assert best is not None and best.listed and best.passage.id == answerer.answer(question).passage_id == "dogs"


def test_a_question_that_only_shares_words_with_the_listed_one_is_left_to_the_rule(tmp_path: Path) -> None:
    """A question that only shares words with the listed one is left to the rule; the listed one itself is taken as
    listed."""
    listed = Answerer.from_directory(garden_folder(tmp_path / "listed", listing(GARDEN + RIVALS, "watering", QUESTION)))
    other = "When do I water the tomatoes in the shed?"
    [best, *_] = listed.index.rank(listed.index.analyze(other), question=other)
    assert not best.listed
    [best, *_] = listed.index.rank(listed.index.analyze(QUESTION), question=QUESTION)
    assert best.listed


def test_the_passage_that_lists_the_question_comes_first(tmp_path: Path) -> None:
    """The rain barrel lists the question: it is the answer, although BM25 puts the watering passage
    first (its section holds the question's words too)."""
    text = GARDEN.replace('section: "Watering"', 'section: "When to water the tomatoes"') + RIVALS
    folder = garden_folder(tmp_path / "barrel", listing(text, "rain-barrel", QUESTION))
    answerer = Answerer.from_directory(folder)
    terms = answerer.index.analyze(QUESTION)
    scores = answerer.index.scores(terms)
    ids = [p.id for p in answerer.kb.passages]
    assert max(zip(scores, ids, strict=True))[1] == "watering"  # BM25 alone prefers another passage
    [best, *rest] = answerer.index.rank(terms, question=QUESTION)
    assert best.passage.id == "rain-barrel" and best.listed and not any(r.listed for r in rest)
    assert answerer.answer(QUESTION).passage_id == "rain-barrel"


def test_alias_makes_the_question_answer_and_says_so(tmp_path: Path) -> None:
    """`kb alias` lists a question under a passage: asked afterwards it gets that passage, and the command says it
    answers now."""
    folder = garden_folder(tmp_path / "k", HIKING)
    k = ("--knowledge", str(folder))
    assert run_cli("ask", WHEN, *k)[1].startswith("Sorry")
    code, out = run_cli("kb", "alias", "saturdays", "--text", WHEN, *k, "--data", str(tmp_path / "data"))
    assert code == 0 and "It answers now." in out
    code, out = run_cli("ask", WHEN, *k)
    assert code == 0 and out.startswith("We hike every Saturday.")


@pytest.mark.parametrize(
    ("question", "says"),
    [
        # the seedlings passage lists it already and comes first
        (QUESTION, "but asked now it still gets `seedlings`."),
        # nothing in it to match: no passage is given
        ("What is it?", "but asked now it is still not answered."),
    ],
)
def test_alias_says_when_the_question_is_still_not_answered_by_the_passage(
    tmp_path: Path, question: str, says: str
) -> None:
    """`kb alias` attaches the question but says when asking it still does not give the passage (another passage comes
    first, or none)."""
    folder = garden_folder(tmp_path / "k", listing(GARDEN + RIVALS, "seedlings", QUESTION))
    k = ("--knowledge", str(folder), "--data", str(tmp_path / "data"))
    code, out = run_cli("kb", "alias", "watering", "--text", question, *k)
    assert code == 0 and out.startswith("Attached") and says in out
    assert "It answers now" not in out


def test_calibration_counts_a_listed_question_as_answered_and_fits_nothing_on_it(tmp_path: Path) -> None:
    """Calibration counts a listed question as answered right and fits the rule on none of its signals."""
    folder = garden_folder(tmp_path / "k", listing(HIKING, "saturdays", WHEN))
    transcript = tmp_path / "t.yaml"
    transcript.write_text(f'name: t\nturns:\n  - ask: "{WHEN}"\n    expect: {{passage: saturdays}}\n', encoding="utf-8")
    found = examples(Answerer.from_directory(folder), [transcripts.load(transcript)], DEFAULT_SIGNALS)
    assert found == [Example(None, right=True, on_topic=True, listed=True)]


def test_a_sources_title_heads_its_first_passage() -> None:
    """A page's lead stands under its title, not a heading: "how do i create a bot account" of a page titled
    "Creating a Bot Account", whose steps come before its first heading, was declined."""
    page = Source(title="Creating a Bot Account")
    kb = KnowledgeBase(
        (
            Passage(
                "introduction-1", "Introduction", "Open the portal, click New Application, then copy the token.", page
            ),
            Passage("inviting-1", "Inviting your bot", "Tick the bot scope and open the generated address.", page),
            Passage("tokens-1", "Tokens", "A bot account has one token; never share it with anyone.", page),
        )
    )
    answerer = Answerer(kb)
    [best, *_] = answerer.index.rank(
        answerer.index.analyze("creating a bot account"), question="creating a bot account"
    )
    assert best.listed and best.passage.id == "introduction-1"
    added = answerer.with_added(Passage("tokens-2", "Tokens", "Regenerate a leaked token at once.", page))
    [best, *_] = added.index.rank(added.index.analyze("creating a bot account"), question="creating a bot account")
    assert best.listed and best.passage.id == "introduction-1"  # a passage added later heads nothing
