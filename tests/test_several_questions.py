"""A message that asks two or three questions gets an answer to each, each a reply of its own.

The core cuts the message (`bot.answering.questions`), answers each part that says enough alone, and says
which part it does not know; the adapters send one reply per answer, and the record of gaps gets
the part not answered, in its own words. What Telegram and Discord send for it is tested beside
their other replies (`test_telegram.py`, `test_discord.py`). Asked as one, such a message got the passage that holds
most of both questions, or none (a helper's Homebrew walk-through: 3 of 8 right).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from telegram_support import write_handbook

from bot import Answerer, Asker, Outcome, Service, cli, messages
from bot.answering import chat
from bot.answering.questions import MAX_QUESTIONS, questions_in
from tests.conftest import KNOWLEDGE

TWO = "When do we meet? and how much is the membership fee?"


@pytest.fixture(scope="module")
def handbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_handbook(tmp_path_factory.mktemp("several") / "knowledge")


@pytest.fixture(scope="module")
def answerer(handbook: Path) -> Answerer:
    return Answerer.from_directory(handbook)


def every(_: str) -> bool:
    return True


# --- where a message is cut ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("where is the venue? and when do the doors open?", ["where is the venue?", "when do the doors open?"]),
        ("where is the venue and when do doors open", ["where is the venue", "when do doors open"]),
        ("how much is a ticket? is there wifi?", ["how much is a ticket?", "is there wifi?"]),
        ("fee? Also, where can I park?", ["fee?", "where can I park?"]),
        ("a? b? c?", ["a?", "b?", "c?"]),
        (
            "how do i set the alarm? and what if i forget the code",
            ["how do i set the alarm?", "what if i forget the code"],
        ),
        ("where is the venue ,\n and\t when do doors open", ["where is the venue", "when do doors open"]),
        ("where is the venue , and also, when do doors open", ["where is the venue", "when do doors open"]),
        ("where is the venue\nwhen do the doors open", ["where is the venue", "when do the doors open"]),
        ("where is the\nvenue\n\nCan I park a car", ["where is the venue", "Can I park a car"]),
        ("where is the venue\nbring a friend?", ["where is the venue", "bring a friend?"]),
        ("where is the venue? but is there wifi?", ["where is the venue?", "is there wifi?"]),
        ("when do we meet? so how much is the fee?", ["when do we meet?", "how much is the fee?"]),
        ("When do we meet.\nwhich room do we use", ["When do we meet.", "which room do we use"]),  # "." closes
    ],
)
def test_a_message_is_cut_where_a_question_ends_or_another_is_joined_on(message: str, parts: list[str]) -> None:
    """A message is cut where a question ends (a question mark, a line, a full stop) or where another is joined on (and,
    also, but, so)."""
    assert questions_in(message, every) == parts


def test_four_questions_are_a_list_answered_as_one_message() -> None:
    """Two or three questions are answered one by one; a fourth makes the message a list (a flood), asked as one."""
    assert questions_in("a? b? c?", every) == ["a?", "b?", "c?"]
    assert questions_in("a? b? c? d?", every) == []


@pytest.mark.parametrize("blank", [" ", "\n", "\u00a0", "\u200e"], ids=["spaces", "newlines", "no-break", "LRM"])
def test_a_long_run_of_blanks_is_read_in_one_pass(answerer: Answerer, blank: str) -> None:
    """A run of 100,000 blanks with no question joined after it. The join's pattern had been tried at
    each blank and gone back over the run each time: 10 s for a run of 1,000 (cubic in its length),
    which held every thread of the bot; this run would have taken months, not the test's timeout.
    A left-to-right mark becomes a space when the question is read, past the adapters' `split()`."""
    message = "where is the venue" + blank * 100_000 + "x"
    assert questions_in(message, every) == []
    assert answerer.answer("refugees" + blank * 100_000 + "x").replies


@pytest.mark.parametrize(
    "message",
    [
        "When do we meet?",
        "I moved here last week. When do we meet?",  # one question after what it is about
        "what and where is it?",  # "and" before no question of its own
        "How and why did members leave?",  # the part before "and why" is "How": it says nothing alone
        "What is the difference between how men and how women join?",  # "and how women": no question of its own
        "what is hanawon and how long do they stay there?",  # "there" is Hanawon: not asked alone
        "how long was kang in the camp? when did he get out?",
        "did an nk diplomat defect? i remember something like that",  # no second question
        "My card was charged twice\nhow do I get a refund",  # a line of what it is about, then the question
        "How do I reset my password\nWhat I tried:\nthe link in the email",  # "What I tried:" is no question
        "? ".join(["x"] * (MAX_QUESTIONS + 1)) + "?",  # a list, not questions to answer one by one
        "When do we meet? Parking fees?",  # two words say too little to be asked alone
        "When do we meet? Why, when and where?",  # question words alone say nothing to answer
    ],
)
def test_one_question_is_not_cut(answerer: Answerer, message: str) -> None:
    """One question is not cut: a context sentence, a part that says nothing alone, a list of many, or words too few to
    be asked alone."""
    assert questions_in(message, answerer._says_enough) == []


# --- what the core answers ----------------------------------------------------------------------


def test_two_questions_get_two_answers_in_the_message_order(answerer: Answerer) -> None:
    """Two questions in one message get two answers, in the message's order; a message of one question gets one."""
    answer = answerer.answer(TWO)
    assert [(r.outcome, r.passage_id, r.asked) for r in answer.replies] == [
        (Outcome.ANSWERED, "meeting-times", "When do we meet?"),
        (Outcome.ANSWERED, "membership-fee", "how much is the membership fee?"),
    ]
    assert answerer.answer("When do we meet?").also == ()


@pytest.mark.parametrize(
    ("message", "passages"),
    [
        (
            "how many refugees live in south korea and what's the number in china?",
            ["numbers-south-korea", "numbers-unknown-china"],
        ),
        ("what are double defectors and who is yeonmi park?", ["double-defectors", "yeonmi-park"]),
        ("how many refugees are in south korea? what about the US?", ["numbers-south-korea", "numbers-united-states"]),
    ],
)
def test_the_seed_answers_each_question_of_a_message(message: str, passages: list[str]) -> None:
    """A reviewer's messages that a stricter rule (two terms after the first part, "what" joined only
    before a verb) answered by halves."""
    answer = Answerer.from_directory(KNOWLEDGE).answer(message)
    assert [r.passage_id for r in answer.replies] == passages


def test_two_questions_on_two_lines_without_question_marks_get_a_reply_each(answerer: Answerer) -> None:
    """Chat often leaves out the "?": "When do we meet" and "How much is the membership fee" on two lines are two
    questions, each answered, not one "Sorry, I don't know that one"."""
    answer = answerer.answer("When do we meet\nHow much is the membership fee")
    assert [reply.passage_id for reply in answer.replies] == ["meeting-times", "membership-fee"], answer.text


def test_a_greeting_on_its_own_line_does_not_lose_a_question(answerer: Answerer) -> None:
    """ "Hello!" on the line above two questions: both are answered, as they are when the greeting is on
    their line (only the fee was answered, with a hedge, and the meeting time was dropped without a word)."""
    answer = answerer.answer("Hello!\nWhen do we meet?\nHow much is the membership fee?")
    given = {r.passage_id for r in answer.replies}
    assert given == {"meeting-times", "membership-fee"}, [r.text for r in answer.replies]


def test_a_signature_under_the_last_question_is_not_read_as_part_of_it(answerer: Answerer) -> None:
    """A signature ("Thanks,", "Ann") under two questions is no part of the second: the fee is answered, not
    quoted back with the signature glued on ("About “How much is the membership fee Thanks, Ann”: Sorry...")."""
    answer = answerer.answer("When do we meet\nHow much is the membership fee\n\nThanks,\nAnn")
    texts = [r.text for r in answer.replies]
    assert "membership-fee" in {r.passage_id for r in answer.replies}, texts
    assert not any("Thanks" in r.asked for r in answer.replies), texts


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ("Hi all,\n\nWhen do we meet?\n\nBest regards,\nAnn Smith", "When do we meet?"),
        ("When do we meet?\n-- \nAnn Smith\nTreasurer, Chess Club", "When do we meet?"),
        ("When do we meet?\nThanks in advance!", "When do we meet?"),
        ("When do we meet?\nParking lot B\nAnn", "When do we meet?\nParking lot B\nAnn"),  # no sign-off: no name
        ("Hello!\nThanks", "Hello!\nThanks"),  # nothing but chat: left as it is
    ],
)
def test_the_chat_around_a_messages_questions_is_left_out(message: str, kept: str) -> None:
    """A greeting above, a sign-off and the name under it, or an email's signature: not what is asked."""
    assert chat.without_chat_lines(message) == kept


def test_a_thanks_over_a_line_that_says_more_is_still_a_thanks(answerer: Answerer) -> None:
    """A guard for the lines of chat left out: "Thanks!" above "That worked" is all one thanks."""
    assert answerer.answer("Thanks!\nThat worked").text == messages.say(messages.WELCOME)


@pytest.mark.parametrize(
    "asked",
    [
        "Where exactly can I park my car when I come to the meeting on a\nrainy Thursday evening?",
        "How much is the membership fee for the people\nwho joined the group in March?",
    ],
    ids=["ends-with-question-mark", "relative-clause"],
)
def test_one_question_wrapped_over_two_lines_is_not_cut_in_two(answerer: Answerer, asked: str) -> None:
    """One sentence wrapped over two lines (an email's hard wrap, a phone's Enter) is one question: its
    second line is not quoted back on its own ("About “rainy Thursday evening?”: Sorry, I don't know that one")."""
    tail = asked.partition("\n")[2]
    answer = answerer.answer(asked)
    assert all(r.asked != tail for r in answer.replies), [r.text for r in answer.replies]


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("who do I talk to\nHow much is the membership fee?", ["who do I talk to", "How much is the membership fee?"]),
        ("where is the venue on\nwhen do the doors open", ["where is the venue on", "when do the doors open"]),
    ],
)
def test_a_line_in_a_questions_word_order_still_begins_a_question(message: str, parts: list[str]) -> None:
    """A guard for the wrapped lines above: a line that begins as a question ("How much is", "when do") is
    one of its own, even under a line that ends with "to" or "on"."""
    assert questions_in(message, every) == parts


ARABIC = [
    {"id": "meetings", "section": "الاجتماعات", "text": "نلتقي كل يوم خميس في الساعة السادسة مساء في قاعة المكتبة.",
     "questions": ["متى نلتقي؟"]},
    {"id": "fee", "section": "العضوية", "text": "رسوم العضوية السنوية عشرون يورو تدفع في يناير.",
     "questions": ["كم رسوم العضوية؟"]},
]  # fmt: skip


def test_two_questions_ending_in_the_arabic_question_mark_get_a_reply_each(tmp_path: Path) -> None:
    """Arabic, Persian and Urdu end a question with "؟": two such questions in one message get a reply
    each, as with "?" or "？" (the first was dropped without a word, only the fee answered)."""
    source = {"title": "دليل النادي", "publisher": "The Club"}
    (tmp_path / "club.yaml").write_text(
        yaml.safe_dump({"source": source, "passages": ARABIC}, allow_unicode=True), "utf-8"
    )
    answerer = Answerer.from_directory(tmp_path)
    assert answerer.answer("متى نلتقي في القاعة؟").passage_id == "meetings"
    answer = answerer.answer("متى نلتقي في القاعة؟ كم رسوم العضوية السنوية؟")
    assert [reply.passage_id for reply in answer.replies] == ["meetings", "fee"], answer.text


def test_the_question_not_known_is_named_in_its_fallback(answerer: Answerer) -> None:
    """The part of a message the bot does not know is named in its fallback, after the answer to the part it knows."""
    answer = answerer.answer("Where can I park my car? Is there a sauna in the hall?")
    first, second = answer.replies
    assert first.passage_id == "parking"
    assert second.outcome is Outcome.FALLBACK
    assert second.text.startswith("About “Is there a sauna in the hall?”:\nSorry, I don't know")


def test_a_part_that_says_nothing_alone_leaves_the_message_one_question(answerer: Answerer) -> None:
    """ "why?" alone holds only a question word: the message is answered as one."""
    assert answerer.answer("When do we meet? why?").also == ()
    assert answerer.answer("When do we meet? thanks").also == ()


def test_parts_answered_by_one_passage_give_it_once(answerer: Answerer) -> None:
    """Two parts answered by the same passage give that passage once."""
    answer = answerer.answer("How much is the membership fee? when is the fee paid?")
    assert [r.passage_id for r in answer.replies] == ["membership-fee"]


GUIDE = """\
source: {title: "Game Guide"}
passages:
  - id: build-error
    section: "Build errors"
    text: "When the build fails with error E42, delete the cache folder and build again."
  - {id: crashes, section: "Crashes", text: "When the game crashes on start, update the graphics driver."}
  - id: cache-size
    section: "Cache"
    text: "The cache folder grows to about 2 GB; you can delete the cache folder at any time."
  - {id: saves, section: "Saves", text: "Saved games live in the saves folder, next to the cache folder."}
"""


def test_a_part_the_answer_speaks_to_is_no_question_of_its_own(tmp_path: Path) -> None:
    """Alone, "should I delete the cache folder?" is declined (two passages say so); after the
    error, the passage that answers the error says it: no "I don't know" for it."""
    (tmp_path / "guide.yaml").write_text(GUIDE, encoding="utf-8")
    answerer = Answerer.from_directory(tmp_path)
    assert answerer.answer("should I delete the cache folder?").fallback
    answer = answerer.answer("my build fails with error E42? should I delete the cache folder?")
    assert [(r.outcome, r.passage_id) for r in answer.replies] == [(Outcome.ANSWERED, "build-error")]


def test_the_console_shows_every_reply_and_json_lists_them(handbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ask` on the console shows every reply, and `ask --json` lists the further ones under `also`."""
    assert cli.main(["ask", "--knowledge", str(handbook), "--json", TWO]) == 0
    row = json.loads(capsys.readouterr().out)
    assert (row["outcome"], row["passage_id"]) == ("answered", "meeting-times")
    assert [(more["ask"], more["passage_id"]) for more in row["also"]] == [
        ("how much is the membership fee?", "membership-fee")
    ]
    assert cli.main(["ask", "--knowledge", str(handbook), TWO]) == 0
    shown = capsys.readouterr().out
    assert "every Thursday" in shown and "20 euros" in shown


def test_the_gaps_get_the_part_not_answered_in_its_own_words(tmp_path: Path) -> None:
    """Only the part of a message not answered goes to the gaps, in its own words."""
    service = Service.from_directory(write_handbook(tmp_path / "knowledge"))
    assert service.gaps is not None
    service.ask("When do we meet? Is there a sauna in the hall?", Asker("telegram", "1", "1"))
    [gap] = service.gaps.gaps()
    assert gap.questions == ("Is there a sauna in the hall?",)
    service.close()


def test_the_part_not_answered_is_named_in_its_first_words(answerer: Answerer) -> None:
    """The member's part not answered is quoted back to say which it was: at most sixty characters of
    it, not a whole paragraph a member could make the bot post (a fake notice, a link)."""
    long = "is there a secret underground parking garage for members with very long names near here?"
    [_, note] = answerer.answer(f"When do we meet? and {long}").replies
    quoted = note.text.split("”", 1)[0].removeprefix("About “")
    assert len(quoted) <= 61 and quoted.endswith("…") and long.startswith(quoted[:-1])


@pytest.mark.parametrize("sign_off", ["Best regards,", "Regards,", "Best,", "Kind regards", "Sincerely,"])
def test_a_sign_off_right_under_the_question_is_left_out_with_the_name(answerer: Answerer, sign_off: str) -> None:
    """A sign-off right under the question (no blank line) and the name under it are not part of the question."""
    message = f"How much is the membership fee?\n{sign_off}\nAnn"
    assert chat.without_chat_lines(message) == "How much is the membership fee?"
    answer = answerer.answer(message)
    assert answer.outcome is Outcome.ANSWERED and answer.passage_id == "membership-fee", answer.text
