"""Answering: the best passage when confident, an honest fallback otherwise, never a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import Answer, Answerer, Outcome, messages
from bot.answering import chat, cut
from bot.answering.confidence import answers_the_kind
from bot.answering.topics import LABEL_CHARS
from bot.knowledge import KnowledgeBase, Passage, Source
from bot.search import MAX_QUESTION_CHARS
from tests.conftest import KNOWLEDGE
from tests.telegram_support import write_handbook


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    """The answerer on the project's knowledge folder, shared by this module (answering changes nothing)."""
    return Answerer.from_directory(KNOWLEDGE)


@pytest.fixture
def handbook(tmp_path: Path) -> Answerer:
    """The Telegram tests' handbook (meetings, membership fee, conduct, parking)."""
    return Answerer.from_directory(write_handbook(tmp_path / "handbook"))


def write_folder(folder: Path, passages: list[dict[str, object]], title: str = "Open Day Guide") -> Path:
    """A knowledge folder of one source, `title`, holding `passages`."""
    folder.mkdir(parents=True)
    data = {"source": {"title": title, "publisher": "The Museum"}, "passages": passages}
    (folder / "guide.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def assert_coherent(answerer: Answerer, a: Answer) -> None:
    """`a` says what its outcome promises: the passage and its citation, the fallback, or the help text."""
    if a.outcome is Outcome.ANSWERED:
        passage = answerer.kb.get(a.passage_id or "")
        assert passage is not None and a.citation is not None
        hedge = f"{a.hedge}\n\n" if a.hedged else ""
        assert a.text == f"{hedge}{passage.text}\n\n{a.citation}"
    elif a.outcome is Outcome.FALLBACK:
        said = f"About “{a.asked}”:\n" if a.asked else ""  # one question of several, named
        assert a.passage_id is None and a.text.startswith(f"{said}Sorry, I don't know that one.")
        assert all(answerer.kb.get(s.passage_id) and s.label in a.text for s in a.suggestions)
    else:
        notes = (
            answerer.help_text(),
            *(messages.say(m) for m in (messages.WELCOME, messages.BANTER, messages.ASK_ANY_TIME, messages.LINK_ALONE)),
        )
        assert a.passage_id is None and a.text in notes
    for more in a.also:
        assert_coherent(answerer, more)


def test_answers_with_the_best_passage_and_a_citation(answerer: Answerer) -> None:
    """An on-topic question gets its passage, then a citation with the section and source."""
    a = answerer.answer("Why do North Koreans flee?")
    assert a.outcome is Outcome.ANSWERED and not a.fallback
    assert a.passage_id == "reasons-for-fleeing"
    assert "economic hardship" in a.text
    assert a.text.endswith(
        "— Five Things You Need to Know about North Korean Refugees, “Who are the North Korean refugees?”"
    )
    assert a.score > 0 and a.citation is not None and a.source is not None


def test_abbreviations_and_synonyms(answerer: Answerer) -> None:
    """NK, DPRK, ROK and the US are understood."""
    assert answerer.answer("how many nk refugees live in the ROK?").passage_id == "numbers-south-korea"
    assert answerer.answer("How many DPRK defectors went to the US?").passage_id == "numbers-united-states"


def test_typos_are_forgiven(answerer: Answerer) -> None:
    """A misspelt word one edit away from a known word still matches."""
    assert answerer.answer("what percentage of defecters are womne?").passage_id == "women-majority"


def test_off_topic_is_declined_with_suggestions(answerer: Answerer) -> None:
    """A question the knowledge base cannot answer gets an honest fallback."""
    a = answerer.answer("What's the best pizza in town?")
    assert a.fallback and a.outcome is Outcome.FALLBACK and a.passage_id is None
    assert a.text.startswith("Sorry, I don't know")


def test_near_miss_offers_closest_topics(answerer: Answerer) -> None:
    """A weak match is declined, but its closest passages are offered as suggestions."""
    a = answerer.answer("Is Kim Jong-un married?")
    assert a.fallback
    assert a.suggestions and all(answerer.kb.get(s.passage_id) for s in a.suggestions)
    assert all(s.label in a.text for s in a.suggestions)


def test_an_amount_is_answered_only_by_a_passage_that_gives_one(answerer: Answerer) -> None:
    """ "How many ...?" gets a passage with a number in it, or the honest fallback."""
    assert answerer.answer("How many pages is Yeonmi Park's book?").fallback
    assert not answerer.answer("What is the name of Yeonmi Park's book?").fallback
    answered = answerer.answer("How many defectors are women?")
    assert not answered.fallback and "70.5" in answered.text


@pytest.mark.parametrize(
    "greeting",
    [
        "hi",
        "Hello bot!",
        "thanks, what can you do?",
        "help",
        "what can you do?",
        "@HomebrewBot what can you do?",
        "hello @HomebrewBot what can you do?",
        "안녕하세요",
        "good morning from berlin 👋",  # a greeting with words no passage has
        "can anyone help?",
        "hi anyone there?",
        "hey, anyone awake?",
        "hi all, new here",
    ],
)
def test_small_talk_gets_help_not_a_passage(answerer: Answerer, greeting: str) -> None:
    """Greetings and help say what the bot can answer instead of a random passage."""
    a = answerer.answer(greeting)
    assert a.outcome is Outcome.SMALL_TALK and a.fallback
    assert "Who are the North Korean refugees?" in a.text


HELP_REQUESTS = ["can you help me?", "help me", "i need help", "can I ask a question?", "what is this bot?"]


@pytest.mark.parametrize("asked", HELP_REQUESTS)
def test_asking_for_help_in_plain_words_gets_the_help(seed_kdir: Path, asked: str) -> None:
    """A request for help in plain words ("can you help me?") gets the help, as "help please" does, not
    "Sorry, I don't know that one"."""
    answerer = Answerer.from_directory(seed_kdir)
    answer = answerer.answer(asked)
    assert answer.outcome is Outcome.SMALL_TALK, answer.text
    assert answer.text == answerer.answer("help please").text


@pytest.mark.parametrize(
    "asked",
    ["what's your name?", "whats your name", "who made you?", "are you human?", "how old are you", "이름이 뭐예요?"],
)
def test_a_question_about_the_bot_itself_gets_the_help(seed_kdir: Path, asked: str) -> None:
    """ "What's your name?" got the passage that names an ambassador: no knowledge base answers a question
    about the bot itself, and the help says what the bot is."""
    answerer = Answerer.from_directory(seed_kdir)
    answer = answerer.answer(asked)
    assert answer.outcome is Outcome.SMALL_TALK, answer.text
    assert answer.text == answerer.answer("help please").text


@pytest.mark.parametrize(
    "asked",
    ["what time is it?", "What time is it now", "whats the date today", "how's the weather?", "what is 17 times 23",
     "what's 12*4?", "17 x 23 =", "지금 몇 시예요?"],
)  # fmt: skip
def test_the_time_the_weather_or_a_sum_gets_a_short_note_not_a_passage(seed_kdir: Path, asked: str) -> None:
    """ "What time is it?" got the passage that says "three times the national average", and "what is 17
    times 23" the same: the bot cannot know the moment nor is it a calculator, so it gets the one line
    banter gets, not a passage and not the whole help."""
    answer = Answerer.from_directory(seed_kdir).answer(asked)
    assert (answer.outcome, answer.text) == (Outcome.SMALL_TALK, messages.say(messages.BANTER))


@pytest.mark.parametrize(
    ("asked", "passage"),
    [("What time does the meetup start?", "meetups"), ("what is the date of the meetup", "meetups")],
)
def test_a_question_about_a_time_in_the_knowledge_is_still_answered(tmp_path: Path, asked: str, passage: str) -> None:
    """Only the set phrases about the moment are chat: a question about a time or a date that the
    knowledge gives is answered from it."""
    meetup = {
        "id": "meetups",
        "section": "Meetups",
        "questions": ["What time does the meetup start?"],
        "text": "The monthly meetup is on the first Friday of each month; its date and time are on the calendar.",
    }
    answer = Answerer.from_directory(write_folder(tmp_path / "kb", [meetup, *OPEN_DAY])).answer(asked)
    assert (answer.outcome, answer.passage_id) == (Outcome.ANSWERED, passage), answer.text


@pytest.mark.parametrize("said", ["12/03/2024", "10/10", "2024-05-01"])
def test_a_date_or_a_score_alone_is_no_sum(seed_kdir: Path, said: str) -> None:
    """A date or a score sent alone is not taken for a sum: it gets what it got before (the help)."""
    assert Answerer.from_directory(seed_kdir).answer(said).outcome is not Outcome.SMALL_TALK


@pytest.mark.parametrize(
    "asked", ["what do i need", "what is this called", "help me understand why they flee", "how do i use it"]
)
def test_a_question_in_the_words_of_a_request_for_help_is_still_a_question(answerer: Answerer, asked: str) -> None:
    """Only the set phrases of a request for help are one: the same words asking more are a question."""
    assert answerer.answer(asked).outcome in (Outcome.ANSWERED, Outcome.FALLBACK)


@pytest.mark.parametrize(
    "banter", ["lol", "anyone here?", "anyone around?", "gn guys", "haha ok", "ok nvm i figured it out", "never mind"]
)
def test_banter_gets_a_short_note_not_the_topic_list(answerer: Answerer, banter: str) -> None:
    """ "lol" got "Sorry, I don't know that one", and then the twelve topics of the help: a lot for a group."""
    a = answerer.answer(banter)
    assert a.outcome is Outcome.SMALL_TALK and a.text == "😄 Ask me a question any time; /help lists what I can answer."


@pytest.mark.parametrize("said", ["bye", "thanks, bye!", "ok thanks bye"])
def test_a_goodbye_is_not_told_i_dont_know_that_one(seed_kdir: Path, said: str) -> None:
    """A member who says goodbye (and thanks) asked nothing: a short note, not "Sorry, I don't know that one"."""
    answer = Answerer.from_directory(seed_kdir).answer(said)
    assert answer.outcome is Outcome.SMALL_TALK, answer.text


@pytest.mark.parametrize(
    ("said", "note"),
    [("good bye", messages.BANTER), ("see you later!", messages.BANTER), ("thanks and bye", messages.WELCOME)],
)
def test_a_goodbye_gets_one_line_and_a_thanks_with_it_a_welcome(answerer: Answerer, said: str, note: str) -> None:
    """A goodbye gets the one line banter gets, not the help ("good" greets); with thanks, "You're welcome!"."""
    assert answerer.answer(said).text == messages.say(note)


OPEN_DAY = [
    {"id": "exhibits", "section": "Exhibits", "questions": ["What can I see?"],
     "text": "On the open day you can see the steam engines, the old printing press and the map room."},
    {"id": "packing", "section": "What to bring", "questions": ["What do I take?"],
     "text": "Take a water bottle, sturdy shoes and a rain jacket: the tour is outdoors."},
    {"id": "tickets", "section": "Tickets", "questions": ["How much is a ticket?"],
     "text": "Tickets cost 5 euros at the door; children under 12 go free."},
]  # fmt: skip


@pytest.mark.parametrize(("asked", "passage"), [("What can I see?", "exhibits"), ("What do I take?", "packing")])
def test_a_question_worded_with_a_goodbyes_words_is_answered_not_given_the_help(
    tmp_path: Path, asked: str, passage: str
) -> None:
    """ "What can I see?", a passage's own alternate question, is answered with that passage, as before
    "see" and "take" became goodbye words, not with the help's list of topics."""
    answer = Answerer.from_directory(write_folder(tmp_path / "kb", OPEN_DAY)).answer(asked)
    assert (answer.outcome, answer.passage_id) == (Outcome.ANSWERED, passage), answer.text


@pytest.mark.parametrize("said", ["see you tomorrow", "talk to you later", "see you next week", "have a nice day"])
def test_a_common_goodbye_is_not_told_i_dont_know_that_one(handbook: Answerer, said: str) -> None:
    """A goodbye asks nothing: "see you tomorrow" gets the line "see you later" gets, not "Sorry, I don't know"."""
    answer = handbook.answer(said)
    assert answer.outcome is Outcome.SMALL_TALK, answer.text


@pytest.mark.parametrize(
    "said",
    ["안녕히 계세요", "잘 가요", "도움이 필요해요", "이 봇은 뭐예요?"],
    ids=["goodbye", "bye", "i-need-help", "what-is-this-bot"],
)
def test_a_korean_goodbye_or_request_for_help_is_not_told_i_dont_know_that_one(handbook: Answerer, said: str) -> None:
    """Korean chat is read as English chat is (the word lists hold Korean greetings and thanks): "안녕히
    계세요" (goodbye) and "도움이 필요해요" (I need help) get the goodbye's line or the help, not "I don't know"."""
    answer = handbook.answer(said)
    assert answer.outcome is Outcome.SMALL_TALK, answer.text


@pytest.mark.parametrize("said", ["🙏", "👍", "❤️"])
def test_an_emoji_reaction_gets_a_line_not_the_whole_help(seed_kdir: Path, said: str) -> None:
    """A 🙏 or 👍 (in a group, a reply to the bot's answer) is a reaction, as "true" and "lol" are: one
    line, not every topic of the help posted into the group."""
    answerer = Answerer.from_directory(seed_kdir)
    answer = answerer.answer(said)
    assert answer.text != answerer.help_text(), answer.text


@pytest.mark.parametrize(
    ("said", "note"),
    [("🙏", messages.WELCOME), ("👍🏽", messages.WELCOME), ("❤️!", messages.WELCOME), ("😂😂", messages.BANTER),
     ("👋", messages.BANTER)],
)  # fmt: skip
def test_an_emoji_that_thanks_gets_a_welcome_and_another_the_banter_line(
    answerer: Answerer, said: str, note: str
) -> None:
    """Emoji with no word: "You're welcome!" for one that thanks (🙏, a heart, 👍), the banter line for the rest."""
    answer = answerer.answer(said)
    assert answer.outcome is Outcome.SMALL_TALK and answer.text == messages.say(note)


@pytest.mark.parametrize("said", ["😡", "😢", "👎", "👎🏻"])
def test_an_upset_emoji_gets_no_cheerful_line(answerer: Answerer, said: str) -> None:
    """A 😡 or a 👎 at the bot's answer, or a 😢, is not met with "😄 Ask me a question any time": the same
    line, without the grin."""
    answer = answerer.answer(said)
    assert (answer.outcome, answer.text) == (Outcome.SMALL_TALK, messages.say(messages.ASK_ANY_TIME)), answer.text


@pytest.mark.parametrize(
    "reaction", ["true", "word!", "not yet", "i wish", "same", "yep, exactly", "simply", "oof", "fair enough", "right"]
)
def test_a_reaction_is_banter_not_a_passage(answerer: Answerer, reaction: str) -> None:
    """A reaction to what someone said got a whole passage, unhedged, for one word it shares with it
    ("word!" the passage that says "In other words", "not yet" the introduction)."""
    a = answerer.answer(reaction)
    assert a.outcome is Outcome.SMALL_TALK and a.passage_id is None
    assert answerer.answer("citizenship").outcome is Outcome.ANSWERED  # a word asked alone is still a question


@pytest.mark.parametrize(
    "question",
    ["fair?", "fair？", "fair؟", "is there a fair?", "is there a fair", "what is a wish", "is it true", "no food?"],
)
def test_a_question_of_reaction_like_words_is_still_a_question(answerer: Answerer, question: str) -> None:
    """ "fair", "right" or "no" can be what is asked about: with a question mark or other words, a
    message is read as a question (a reviewer's "is there a fair?" got the banter note)."""
    assert answerer.answer(question).outcome in (Outcome.ANSWERED, Outcome.FALLBACK)


@pytest.mark.parametrize(
    "thanks",
    ["thanks!", "Thank you so much", "thx", "cheers, much appreciated", "thanks, that worked!!", "ty, got it",
     "@HomebrewBot thanks", "감사합니다!"],
)  # fmt: skip
def test_thanks_gets_a_short_welcome_not_the_topic_list(answerer: Answerer, thanks: str) -> None:
    """Thanks is answered with "You're welcome!", not with the topic list ("thanks, that worked!!" got "I don't
    know that one" and three topics; a typed "@botname" before it made it a question)."""
    a = answerer.answer(thanks)
    assert a.outcome is Outcome.SMALL_TALK and a.text == "You're welcome!"


@pytest.mark.parametrize("said", ["thanks for the help!", "thank you for your help", "thanks for the quick answer"])
def test_thanks_for_the_help_gets_youre_welcome(handbook: Answerer, said: str) -> None:
    """The commonest thanks, "thanks for the help!", gets "You're welcome!" as "thanks!" does, not "I don't know"."""
    answer = handbook.answer(said)
    assert answer.text == messages.say(messages.WELCOME), answer.text


@pytest.mark.parametrize(
    "question", ["thanks, but how do they escape?", "that worked, why do they flee?", "Thanks, is it fixed now?"]
)
def test_a_thanks_that_asks_more_is_a_question(answerer: Answerer, question: str) -> None:
    """A thanks that goes on to ask more is a question, not small talk."""
    assert answerer.answer(question).outcome is not Outcome.SMALL_TALK


@pytest.mark.parametrize(
    "greeted",
    [
        "good morning! why do North Koreans flee?",
        "Good evening everyone: why do North Koreans flee?",
        "haha, why do North Koreans flee?",
        "good morning,why do North Koreans flee?",  # no space: a comma before a letter still ends it
    ],
)
def test_a_greeting_before_a_question_is_not_part_of_it(answerer: Answerer, greeted: str) -> None:
    """ "morning" weighed as a word no passage holds: the question was declined."""
    assert answerer.answer(greeted).passage_id == answerer.answer("why do North Koreans flee?").passage_id


@pytest.mark.parametrize("question", ["is 4.0 still getting updates?", "is v2.1 out", "ok 3.5 or 4.0?"])
def test_a_number_s_point_ends_no_greeting(question: str) -> None:
    """ "is 4.0 still getting updates?" was read "0 still getting updates?": "is 4." taken for chat."""
    assert chat.without_greeting(question) == question


@pytest.mark.parametrize("question", ["hello, where do refugees go", "hey, women defectors"])
def test_a_greeting_that_names_a_topic_is_a_question(answerer: Answerer, question: str) -> None:
    """A guard for the greeting rules above: a greeting with a topic's words is still a question."""
    assert answerer.answer(question).outcome is not Outcome.SMALL_TALK


def test_the_mention_that_addresses_a_question_is_not_part_of_it(answerer: Answerer) -> None:
    """The mention that addresses a question (the bot's or a member's) is not part of it; the bot's name alone gets the
    help."""
    plain = answerer.answer("Why do North Koreans flee?")
    for addressed in ("@RefugeeFactsBot, why do North Koreans flee?", "@alice: why do North Koreans flee?"):
        assert answerer.answer(addressed).text == plain.text
    assert answerer.answer("@RefugeeFactsBot").outcome is Outcome.EMPTY  # the bot's name alone: the help


@pytest.mark.parametrize("asked", ["@media print styles are ignored", "@Override annotation error"])
def test_a_word_with_an_at_sign_that_addresses_no_one_stays(asked: str) -> None:
    """A word with an at sign that addresses no one (a CSS rule, a Java annotation) stays in the question."""
    assert cut(asked) == asked  # a CSS rule and a Java annotation are what is asked about


def test_a_topic_from_an_articles_introduction_is_named_by_the_article() -> None:
    """ "Introduction" was offered for each of five documents of one folder, the labels alike."""
    faq, guide = Source(title="Homebrew FAQ"), Source(title="Installation")
    kb = KnowledgeBase(
        (
            Passage("faq-1", "Introduction", "Homebrew installs the packages Apple did not.", faq),
            Passage("install-1", "Introduction", "The installer puts Homebrew in its prefix.", guide),
            Passage("install-2", "Unattended installation", "Set NONINTERACTIVE=1 to install in a script.", guide),
        )
    )
    labels = [s.label for s in Answerer(kb).answer("what does the pkg installer of homebrew do?").suggestions]
    assert "Installation: The installer puts Homebrew in its prefix." in labels
    assert not any(label.startswith("Introduction") for label in labels)


def test_topic_list_leaves_out_an_articles_frame(answerer: Answerer) -> None:
    """Introduction, Conclusion, Editor's Note (and About this article) answer nothing: not offered as topics."""
    listed = answerer.help_text()
    assert "Who are the North Korean refugees?" in listed
    for frame in ("Introduction", "Conclusion", "Editor’s Note", "About this article"):
        assert frame in answerer.kb.sections() and f"• {frame}" not in listed


def test_the_help_of_a_page_with_no_headings_invites_any_question() -> None:
    """A page of a title and paragraphs imports as one "Introduction", which is no topic: its help
    ended in "Ask me about:" and nothing under it; it now asks for a question in one's own words."""
    club = Source(title="Riverside Bike Club")
    kb = KnowledgeBase(
        (
            Passage("introduction-1", "Introduction", "We ride every Saturday at 9 am.", club),
            Passage("introduction-2", "Introduction", "Membership costs 20 euros a year.", club),
        )
    )
    assert Answerer(kb).help_text() == "I answer questions about “Riverside Bike Club”. Ask me in your own words."


def test_a_long_topic_list_gives_an_faqs_questions_first_and_counts_the_rest() -> None:
    """A FAQ, a guide and a changelog in one folder listed 29 topics, release numbers first: the help lists
    twelve, the sections worded as questions first, and says how many more there are."""
    source = Source(title="Shutterbox")
    releases = [Passage(f"v1-{n}", f"v1.{n}.0", f"Release 1.{n}.", source) for n in range(9, 4, -1)]
    faq = [Passage(f"q-{n}", f"Can I do thing {n}?", f"Yes, thing {n}.", source) for n in range(10)]
    guide = [Passage(f"step-{n}", f"Step {n}", f"Do step {n}.", source) for n in range(5)]
    listed = Answerer(KnowledgeBase((*releases, *faq, *guide))).help_text().splitlines()
    assert listed[1:11] == [f"• Can I do thing {n}?" for n in range(10)]
    assert listed[11:13] == ["• v1.9.0", "• v1.8.0"]
    assert listed[13:] == ["…and 8 more topics: ask in your own words."]


def test_an_faqs_questions_in_arabic_or_full_width_are_listed_first_too() -> None:
    """A question ends with "؟" in Arabic and "？" in Chinese: such an FAQ's questions come first, as "?" ones do."""
    source = Source(title="FAQ")
    steps = [Passage(f"step-{n}", f"Step {n}", f"Do step {n}.", source) for n in range(12)]
    asked = [Passage("ar", "كم رسوم العضوية؟", "عشرون يورو.", source), Passage("zh", "会费多少？", "二十欧元", source)]
    listed = Answerer(KnowledgeBase((*steps, *asked))).help_text().splitlines()
    assert listed[1:3] == ["• كم رسوم العضوية؟", "• 会费多少？"]


def test_a_long_topic_list_takes_each_document_in_turn() -> None:
    """Of five documents, the help listed six headings of the code of conduct (the first file by name) and
    hid the troubleshooting page's under "…and 30 more topics"."""
    conduct, guide = Source(title="Code of Conduct"), Source(title="Troubleshooting")
    rules = [Passage(f"c-{n}", f"Rule {n}", f"Be kind, {n}.", conduct) for n in range(10)]
    fixes = [Passage(f"t-{n}", f"Problem {n}", f"Fix {n}.", guide) for n in range(10)]
    listed = Answerer(KnowledgeBase((*rules, *fixes))).help_text().splitlines()
    assert listed[1:5] == ["• Rule 0", "• Problem 0", "• Rule 1", "• Problem 1"]
    assert listed[-1] == "…and 8 more topics: ask in your own words."


@pytest.mark.parametrize("empty", ["", "   ", "\n\t", "?!...", "\u200b"])
def test_empty_input_gets_help(answerer: Answerer, empty: str) -> None:
    """Nothing to answer is met with what the bot can answer."""
    a = answerer.answer(empty)
    assert a.outcome is Outcome.EMPTY and a.fallback and a.text == answerer.help_text()


def test_answer_passage_by_id(answerer: Answerer) -> None:
    """A pressed suggestion answers with that passage; an unknown id gives None."""
    a = answerer.answer_passage("women-majority")
    assert a is not None and "70.5 percent" in a.text
    assert answerer.answer_passage("no-such-id") is None


def test_korean_passage_can_be_asked_in_korean(tmp_path: Path) -> None:
    """A passage added in Korean to the knowledge base is found by a question in Korean."""
    shutil.copytree(KNOWLEDGE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "ko.yaml").write_text(
        "source: {title: 탈북자}\npassages:\n"
        "  - {id: ko-china, section: 중국, text: 대부분의 탈북자는 중국이나 한국으로 갑니다.}\n"
        "  - {id: ko-women, section: 여성, text: 탈북자의 대다수는 여성입니다.}\n",
        encoding="utf-8",
    )
    a = Answerer.from_directory(tmp_path).answer("탈북자들은 어디로 가나요? 중국?")
    assert a.passage_id == "ko-china"


def test_very_long_input_is_cut_and_answered(answerer: Answerer) -> None:
    """100 KB of text is read only up to MAX_QUESTION_CHARS: what follows changes nothing, and the reply is sound."""
    long = "Why do North Koreans flee? " + "blah " * 20_000
    a = answerer.answer(long)
    assert a == answerer.answer(long[:MAX_QUESTION_CHARS])
    assert a == answerer.answer(long + " Why do North Koreans flee?"), "the on-topic tail is past the cut"
    assert_coherent(answerer, a)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_answer_never_raises(answerer_text: str) -> None:
    """Any string at all gets an Answer that says what its outcome promises (passage, fallback or help)."""
    assert_coherent(_shared(), _shared().answer(answerer_text))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "So", "Mn", "Lo"]), max_size=300))
def test_answer_never_raises_on_control_marks_and_emoji(text: str) -> None:
    """Control, format, combining characters, emoji and other scripts never break answering: a coherent Answer."""
    assert_coherent(_shared(), _shared().answer(text))


_ANSWERER: Answerer | None = None


def _shared() -> Answerer:
    """One answerer for the hypothesis tests (a function-scoped fixture would be rebuilt per example)."""
    global _ANSWERER
    if _ANSWERER is None:
        _ANSWERER = Answerer.from_directory(KNOWLEDGE)
    return _ANSWERER


@pytest.mark.parametrize("extra", ["2", "in 2024", "<b>", "</i>"])
def test_a_stray_number_or_tag_does_not_flip_a_confident_answer(extra: str) -> None:
    """A number no passage knows, or markup pasted around a word, keeps the answer the plain question gets."""
    answerer = Answerer.from_directory(KNOWLEDGE)
    plain = answerer.answer("why do people flee north korea")
    assert not plain.fallback
    if extra.startswith("<"):
        asked = "why do people " + extra + "flee" + extra.replace("<", "</", 1) + " north korea"
    else:
        asked = "why do people flee north korea " + extra
    assert answerer.answer(asked).passage_id == plain.passage_id


def test_a_topic_without_alternate_questions_is_offered_by_the_sentence_that_matched() -> None:
    """An imported passage has no alternate question to offer it by: the topic shows its section
    and the sentence the question matched best, not merely its first words."""
    source = Source(title="Cafe FAQ")
    games = Passage(
        "games-1",
        "Games",
        "The cafe keeps more than four hundred board games on its shelves in the back room. "
        "Members may borrow any game for a week, at no charge, from the front desk.",
        source,
    )
    food = Passage("food-1", "Food", "The kitchen serves toasties and soup until eight.", source)
    answerer = Answerer(KnowledgeBase((games, food)))
    a = answerer.answer("Can members borrow dice towers and card sleeves for tournaments?")
    assert a.fallback and a.suggestions[0].passage_id == "games-1"
    assert a.suggestions[0].label == "Games: Members may borrow any game for a week, at no charge, from the front desk."
    assert a.suggestions[0].label in a.text


def test_a_long_topic_label_is_cut_at_a_word() -> None:
    """A label longer than LABEL_CHARS ends with the last whole word that fits, then "…"."""
    source = Source(title="Notes")
    long_sentence = "Members " + "really " * 20 + "may borrow games."
    answerer = Answerer(KnowledgeBase((Passage("games-1", "Games", long_sentence, source),)))
    label = answerer.answer("Can members borrow dice towers for tournaments?").suggestions[0].label
    assert label.endswith("really…") and len(label) <= LABEL_CHARS + 1


def test_a_members_wording_aliased_to_a_passage_is_not_its_topic_label() -> None:
    """A moderator's alias of a member's "hours?" is no label to offer the passage by: a question
    written as one is, else the section and the sentence that matched."""
    source = Source(title="Cafe FAQ")
    hours = Passage(
        "hours-1", "Opening hours", "We open at ten every day. Tables close at eleven.", source, questions=("hours?",)
    )
    games = Passage(
        "games-1", "Games", "Members borrow games for a week.", source, questions=("hi", "Can I borrow games?")
    )
    answerer = Answerer(KnowledgeBase((hours, games)))
    offered = {s.passage_id: s.label for s in answerer.answer("tables close for tournaments and dice?").suggestions}
    assert offered["hours-1"] == "Opening hours: Tables close at eleven."
    assert offered["games-1"] == "Can I borrow games?"


def test_a_question_in_a_script_without_capitals_is_a_topic_label() -> None:
    """Korean has no capitals, and "¿" opens a Spanish question: each is a question written as one."""
    source = Source(title="FAQ")
    korean = Passage(
        "hours-ko", "영업 시간", "매일 오전 10시에 문을 엽니다.", source, questions=("몇 시에 문을 여나요?",)
    )
    spanish = Passage("hours-es", "Horario", "Abrimos a las diez.", source, questions=("¿A qué hora abren?",))
    answerer = Answerer(KnowledgeBase((korean, spanish)))
    offered = answerer.answer("a qué hora cierra el parking de bicicletas?").suggestions
    assert {s.passage_id: s.label for s in offered} == {
        "hours-ko": "몇 시에 문을 여나요?",
        "hours-es": "¿A qué hora abren?",
    }


def test_a_time_of_day_is_no_price() -> None:
    """ "How much is a pizza?" against "We serve hot food until 9 pm" was answered: a clock time
    counted as the amount asked for. A price still answers, and "how many hours" still takes a time."""
    source = Source(title="Cafe FAQ")
    food = Passage("food-1", "Food", "We serve hot food until 9 pm: pizzas, toasties and soup.", source)
    menu = Passage("menu-1", "Menu", "Ask at the bar for today's specials.", source)
    answerer = Answerer(KnowledgeBase((food, menu)))
    assert answerer.answer("how much is a pizza?").passage_id is None
    priced = Passage("food-1", "Food", "We serve hot food until 9 pm: a pizza costs 9 pounds.", source)
    assert Answerer(KnowledgeBase((priced, menu))).answer("how much is a pizza?").passage_id == "food-1"


@pytest.mark.parametrize(
    "text",
    [
        "4. Members vote on you at a meeting.\n5. Set up a bank transfer for the membership fee each month.",
        "The membership fee is paid each month by bank transfer (see Chapter 3, Step #2).",
    ],
)
def test_a_list_mark_or_a_chapters_number_is_no_amount(text: str) -> None:
    """ "How much is the membership fee per month?" was answered with the steps to join, which say
    a fee is paid but not how much: their marks ("5.") and "See Chapter 3" counted as the amount."""
    source = Source(title="Member handbook")
    asked = "how much is the membership fee per month?"
    assert not answers_the_kind(asked, Passage("joining-2", "How do I become a member?", text, source))
    assert answers_the_kind(asked, Passage("joining-2", "How do I become a member?", f"{text} It is 20 euros.", source))


def test_a_topic_under_a_heading_that_asks_is_offered_by_that_question() -> None:
    """An FAQ's heading is the question its passage answers: offered alone, it is the label (its
    answer's sentence, cut, said less); two topics of one such section each keep their sentence,
    so that their buttons differ."""
    source = Source(title="Sync FAQ")
    same = "Does Syncthing support syncing between folders on the same system?"
    passages = (
        Passage("same-1", same, "Yes, but it is not the intended use: each folder needs its own device id.", source),
        Passage("ports-1", "Which ports does it use?", "Port 22000 for syncing between devices.", source),
        Passage("ports-2", "Which ports does it use?", "Port 21027 for finding devices on the local network.", source),
    )
    answerer = Answerer(KnowledgeBase(passages))
    a = answerer.answer("can syncthing keep two folders on one computer in sync")
    assert a.fallback and [s.label for s in a.suggestions][:1] == [same]
    b = answerer.answer("port for devices")
    assert b.fallback
    labels = {s.passage_id: s.label for s in b.suggestions}
    assert labels["ports-1"].startswith("Which ports does it use?: Port 22000")
    assert labels["ports-2"].startswith("Which ports does it use?: Port 21027")


def test_an_answer_offers_the_next_passage_of_its_section_to_read_on() -> None:
    """A section cut into passages (an imported procedure) goes on after the one answered: the answer
    names the next, labelled in the asker's language; the section's last passage, and another
    section's or source's next passage, are not offered."""
    guide, notes = Source(title="Install guide"), Source(title="Moderator notes")
    kb = KnowledgeBase(
        passages=(
            Passage(id="install-1", section="Installing", text="Download the installer and run it.", source=guide),
            Passage(
                id="install-2", section="Installing", text="Then check the version with tool --version.", source=guide
            ),
            Passage(id="updates", section="Updates", text="The tool looks for updates every week.", source=guide),
            Passage(id="more-updates", section="Updates", text="Updates install when you restart.", source=notes),
        )
    )
    answerer = Answerer(kb)
    first = answerer.answer_passage("install-1")
    assert first is not None and first.read_on is not None
    assert (first.read_on.passage_id, first.read_on.label) == ("install-2", "Read on ▸")
    assert [answerer.answer_passage(pid).read_on for pid in ("install-2", "updates", "more-updates")] == [None] * 3  # type: ignore[union-attr]
    with messages.speaking("ko"):
        korean = answerer.answer_passage("install-1")
    assert korean is not None and korean.read_on is not None and korean.read_on.label == "계속 읽기 ▸"


def test_a_reply_offers_no_read_on_to_a_passage_another_reply_of_the_message_sends() -> None:
    """A reply offers no read-on to a passage another reply of the same message sends; the last reply offers the next
    passage."""
    guide = Source(title="Install guide")
    kb = KnowledgeBase(
        passages=(
            Passage(
                id="install-1",
                section="Installing",
                text="Download the installer for Windows and run it.",
                source=guide,
            ),
            Passage(
                id="install-2",
                section="Installing",
                text="Check the installed version with tool --version.",
                source=guide,
            ),
            Passage(id="install-3", section="Installing", text="Restart your terminal afterwards.", source=guide),
        )
    )
    answer = Answerer(kb).answer("where do I download the installer for windows? how do I check the installed version?")
    assert [r.passage_id for r in answer.replies] == ["install-1", "install-2"]
    assert answer.read_on is None  # install-2 is the next reply
    assert answer.also[0].read_on is not None and answer.also[0].read_on.passage_id == "install-3"


def test_read_on_stays_in_its_file(tmp_path: Path) -> None:
    """Two files of one handbook (the same source) whose boundary sections share a name: the last passage
    of the first file was offered the first of the next to read on."""
    source = 'source: {title: "Club handbook"}\npassages:\n'
    (tmp_path / "a-rules.yaml").write_text(
        source + "  - {id: rules-contact, section: Contact, text: Write to the board about the rules.}\n",
        encoding="utf-8",
    )
    (tmp_path / "b-events.yaml").write_text(
        source + "  - {id: events-contact, section: Contact, text: Write to the events team about events.}\n"
        "  - {id: events-more, section: Contact, text: The events team answers within a week.}\n",
        encoding="utf-8",
    )
    answerer = Answerer.from_directory(tmp_path)
    assert answerer.answer_passage("rules-contact").read_on is None  # type: ignore[union-attr]
    following = answerer.answer_passage("events-contact").read_on  # type: ignore[union-attr]
    assert following is not None and following.passage_id == "events-more"


def test_a_topic_offered_from_numbered_steps_is_never_a_bare_step_number(tmp_path: Path) -> None:
    """A how-to's numbered steps, imported as one passage, offered as a topic to "do you have a 3d
    printer": its label is a sentence of words, not the step's number "3." that the question's "3"
    matched ("Using the laser cutter: 3." had been the button)."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "laser.yaml").write_text(
        "source: {title: Using the laser cutter}\n"
        "passages:\n"
        "  - id: laser-steps\n"
        "    section: Introduction\n"
        "    text: |-\n"
        "      Before your first cut you need the laser induction.\n"
        "      1. Book an induction slot on the wiki calendar.\n"
        "      2. Turn on the air extraction before the laser itself.\n"
        "      3. Load your design with LightBurn on the laptop next to the cutter.\n"
        "      4. Run a test cut on scrap plywood.\n"
        "  - id: parking\n"
        "    section: Where do I park?\n"
        "    text: There is free parking behind the building, on Mill Street.\n",
        encoding="utf-8",
    )
    answer = Answerer.from_directory(folder).answer("do you have a 3d printer")
    labels = [s.label for s in answer.suggestions]
    assert labels and not any(label.rstrip(".").endswith(": 3") for label in labels), labels
