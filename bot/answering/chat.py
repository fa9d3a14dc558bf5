"""Chat that is not a question: greetings, thanks, help, laughs and presence, and a greeting
before a question or on the lines around a message's questions (a sign-off and a name under
them). The Answerer replies to these with a note, never a passage.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable

from bot.answering.questions import QUESTION_MARKS

WORD = re.compile(r"[^\W\d_]+")  # the words of a message, for telling chat from questions

SMALL_TALK_WORDS = frozenset(
    """hi hello hey heya hiya yo howdy greetings good morning afternoon evening day night
    thanks thank you thx ty cheers much so very lot a great appreciated
    help what can do who are you know bot please there how is it going ok okay cool nice
    everyone everybody all yall guys folks friends team people gm sup whats s up welcome
    안녕 안녕하세요 안녕하십니까 반가워요 반갑습니다 감사합니다 고맙습니다
    감사해요 고마워요 고마워 도움말 도와주세요""".split()
)
THANKS_WORDS = frozenset(
    "thanks thank thx ty cheers appreciated 감사합니다 고맙습니다 감사해요 고마워요 고마워".split()
)
GREETINGS = frozenset("hi hello hey heya hiya yo howdy greetings good gm morning evening 안녕 안녕하세요".split())
ASKING_WORDS = frozenset("help what can do who how know".split())
# What a thanks says besides thanks ("thanks, that worked", "ty, got it, makes sense now", "답변 감사합니다").
THANKED_WORDS = frozenset(
    "that this it worked works perfect awesome amazing brilliant got makes sense solved fixed helped helps useful now"
    " finally man mate dude again and 답변 도와주셔서 알려주셔서 정말".split()
)
# Chat that asks nothing and greets no one: a laugh, "gn", "anyone here?". The whole help, twelve
# topics, was a lot to post in a group for a "lol".
BANTER_WORDS = frozenset(
    "lol lmao haha hahaha hehe xd rofl gn nite night anyone anybody someone here around alive awake"
    # a question taken back: "ok nvm i figured it out" got "Sorry, I don't know that one"
    " nvm nevermind never mind figured out i solved sorted".split()
)
# A reaction to what someone said, when it is all a message says and it asks nothing: "true",
# "same", "not yet", "i wish", "word!" each got a passage that shares the word ("In other words",
# "not yet known"), posted into the group. With a question mark, or a word besides ("is there a
# fair", "what is a wish"), it is a question.
REACTION_WORDS = frozenset(
    "true truly same exactly agreed agree noted indeed fair enough right yep yeah yes yup nope no not yet wish"
    " surprise surprising simply wow whoa omg damn oof rip bruh interesting word facts legit real sure maybe"
    " definitely totally absolutely idk ikr smh huh hmm hm ah oh ohh ahh ugh i a so very that s too me really just"
    " ok okay".split()
)


# A request for help in plain words, as a whole message (its words, case-folded, one space apart): "can
# you help me?", "i need help", "can I ask a question?", "what is this bot?" each got "Sorry, I don't
# know that one", their words besides "help" no small talk ("what do i need" and "what is this
# called" still ask). Set phrases rather than more small-talk words for that reason.
HELP_REQUEST = re.compile(
    r"(?:(?:can|could|would|will) (?:you|u|someone|anyone|somebody|anybody) )?(?:please )?help(?: me| us)?"
    r"(?: out)?(?: please| pls| plz)?"
    r"|i (?:need|want|would like|d like|could use)(?: some| your)? help(?: please| pls| plz)?"
    r"|(?:can|could|may) i ask(?: you)?(?: (?:a |some )?questions?| something| anything)?"
    r"|what (?:is|s|are) (?:this|you)(?: bot| thing)?|what (?:is|s) this bot for"
    r"|what (?:does|can) (?:this|the|you)(?: bot)? do|how (?:do|can) i use (?:this|you|the bot)(?: bot)?"
    # Korean: "도움이 필요해요" (I need help), "도와줄 수 있어요?", "이 봇은 뭐예요?" (what is this bot?)
    r"|도움이? (?:필요해요|필요합니다|필요해)|도와(?:줘|줘요|주세요|주실 수 있나요|줄 수 있어요|줄 수 있나요)"
    r"|(?:이 )?(?:봇은|봇이|건|거) (?:뭐예요|뭐에요|뭐야|뭔가요|무엇인가요)|뭐 하는 봇이에요"
    r"|(?:무엇을|뭘) 할 수 있(?:어요|나요)|어떻게 (?:사용하나요|써요|쓰나요)"
)


# A question about the bot itself, as a whole phrase of a message's words: "what's your name?", "who made
# you?", "are you human?". No knowledge base answers them, and "what's your name" got the passage that
# names an ambassador. They get the help, which says what the bot is.
ABOUT_THE_BOT = re.compile(
    r"(?:(?:hey|hi|hello|so|ok|okay) )?(?:bot )?"
    r"(?:what(?: is| s|s) your name|who (?:made|created|built|programmed|wrote|owns|runs) (?:you|this bot|the bot)"
    r"|are (?:you|u) (?:a )?(?:human|real|person|real person|robot|bot|ai|an ai|chatgpt|gpt|alive)"
    r"|how old are (?:you|u)|where are (?:you|u) from)(?: bot)?"
    # Korean: "이름이 뭐예요?" (what is your name?), "누가 만들었어요?" (who made you?)
    r"|(?:너|당신)?(?:의 )?이름이 (?:뭐예요|뭐에요|뭐야|뭔가요|무엇인가요)|누가 (?:만들었어요|만들었나요|만들었어)"
)
# A question about the moment, which the bot cannot know, as a whole phrase: "what time is it?", "what's
# the date today?", "how's the weather?". "what time is it" got the passage that says "three times the
# national average". They get the short note banter gets.
THE_MOMENT = re.compile(
    r"(?:(?:hey|hi|so|ok|okay|anyone know|does anyone know|do you know|can you tell me) )?"
    r"(?:what time is it|what(?: is| s|s) the time|what(?: is| s|s) the (?:date|day)|what(?: is| s|s) today s date"
    r"|what (?:day|date) is (?:it|today)|what(?: is| s|s| does) the weather(?: like| look like)?"
    r"|how(?: is| s|s) the weather)"
    r"(?: (?:now|right now|rn|today|there|here|pls|please))*"
    # Korean: "지금 몇 시예요?" (what time is it?), "오늘 며칠이에요?" (what is the date today?)
    r"|(?:지금 )?몇 시(?:예요|에요|야|인가요)|오늘 (?:며칠|무슨 요일)(?:이에요|예요|이야|인가요)"
)
# Sums asked of the bot: "what is 17 times 23?" got the passage that says "three times". A sum alone
# needs "=" or "?" after it, so that a date or a score ("12/03/2024", "10/10") is not one.
_NUMBER = r"-?\d+(?:[.,]\d+)?"
_SUMMED = rf"{_NUMBER}(?:\s*(?:times|plus|minus|x|multiplied by|divided by|[*+×÷/-])\s*{_NUMBER})+"
SUM = re.compile(rf"\s*(?:what(?:['’]s|s| is)\s+{_SUMMED}\s*[?=!]*|{_SUMMED}\s*[=?][?=!]*)\s*", re.IGNORECASE)


# A goodbye, as a whole phrase of a message's words (case-folded, one space apart): "bye", "ok thanks bye",
# "see you tomorrow", "have a nice day", "안녕히 계세요" got "Sorry, I don't know that one". Phrases, as
# HELP_REQUEST is: its words alone were small talk for a while, and "What can I see?" and "What do I
# take?", a passage's own questions, got the help instead of their answer.
FAREWELL = re.compile(
    r"(?<!\S)(?:"
    r"bye(?: bye)*|byee+|byebye|bye for now|good ?bye|good ?night|night night|cya|ttyl|farewell|laters?"
    r"|take care|peace out|gotta go|got to go|gtg|g2g|i (?:have|need) to go(?: now)?|(?:until|till) next time"
    r"|(?:see|catch|talk to) (?:you|ya|u|y all|yall)(?: all| guys| everyone)?"
    r"(?: (?:later|soon|tomorrow|tmrw|tonight|then|again|around|in a (?:bit|while)|on \w+|next \w+))?"
    r"|talk (?:later|soon|tomorrow)"
    r"|(?:have|enjoy) (?:a|your)(?: (?:nice|good|great|lovely|wonderful))? (?:day|evening|night|weekend|week|one)"
    r"|안녕히 (?:계세요|가세요|주무세요|계십시오|가십시오)|잘 ?가(?:요|세요)?|잘 있어(?:요)?"
    r"|(?:또|다음에|내일) (?:봐|봐요|봬요|뵙겠습니다|만나요)|수고하세요|수고하셨습니다"
    r")(?!\S)"
)
# What a thanks is for: "thanks *for the help*!", "thank you *for your quick answer*", "thanks *in
# advance*" ("help" asks, so "thanks for the help!" got "Sorry, I don't know that one").
THANKED_FOR = re.compile(
    r"(?<!\S)(?:for (?:all )?(?:the |your |this |that |ur )?"
    r"(?:(?:quick|fast|great|detailed|helpful|kind|clear|prompt|speedy|nice|good|awesome) )?"
    r"(?:help|helping|answers?|repl(?:y|ies)|info|information|tips?|explanation|assistance|support|response|time|links?)"
    r"|for everything|in advance)(?!\S)"
)


# An emoji that thanks, sent alone in reply to an answer: folded hands, a heart, a thumbs up.
THANKS_EMOJI = frozenset("🙏❤♥💕💖💗💓💞💙💚💛💜🧡🖤🤍🤎🩷🩵🩶😊🥰🤗🫶👍👌🤝")
# An emoji of anger, sorrow or disapproval: a 😡 or a 👎 at the bot's answer got "😄 Ask me a question any time".
UPSET_EMOJI = frozenset("😡😠🤬😤😢😭😞😔😟😥😰😩😫😖😣😓😕🙁☹😒🙄👎💔🤦")


class Kind(enum.Enum):
    """What kind of chat a message is."""

    THANKS = "thanks"  # "thanks!", "thanks, that worked!!"
    BANTER = "banter"  # laughs, presence and goodbyes: "lol", "anyone here?", "gn guys", "bye"
    SMALL_TALK = "small_talk"  # a greeting or a request for help, and nothing else
    GREETING = "greeting"  # a greeting with other words: chat unless they name a topic (the Answerer's to say)
    UPSET = "upset"  # an emoji of anger, sorrow or disapproval alone: 😡, 😢, 👎


_TALK = SMALL_TALK_WORDS | BANTER_WORDS
_THANKING = SMALL_TALK_WORDS | THANKED_WORDS
_NOT_BANTER = GREETINGS | ASKING_WORDS


_ASKS = re.compile(f"[{''.join(QUESTION_MARKS)}¿]")  # a question mark of any script


def kind(question: str) -> Kind | None:
    """The kind of chat `question` is, or None for a question; its words read once.

    - THANKS: it thanks and asks nothing ("thanks, that worked!!" got "I don't know that one"
      and topics; "Thanks, is it fixed now?" asks).
    - BANTER: laughs, presence and goodbyes alone (the twelve topics of the help were a lot for a "lol").
    - SMALL_TALK: a greeting, a request for help or banter, at most six words; a request for help
      in plain words (`HELP_REQUEST`).
    - GREETING: it begins with a greeting and asks nothing: no "?", no asking word, at most eight
      words ("good morning from berlin 👋", "hi all, new here").

    Emoji and no word is a reaction: THANKS for one that thanks (🙏, ❤️, 👍), UPSET for one of anger,
    sorrow or disapproval (😡, 😢, 👎), else BANTER (a 😂 in a group had got the whole help, twelve topics)."""
    if SUM.fullmatch(question):
        return Kind.BANTER
    found = WORD.findall(question.casefold())
    if not found:
        return _reaction(question)
    said = " ".join(found)
    if HELP_REQUEST.fullmatch(said) or ABOUT_THE_BOT.fullmatch(said):
        return Kind.SMALL_TALK
    if THE_MOMENT.fullmatch(said):
        return Kind.BANTER
    rest = FAREWELL.sub(" ", said).split()  # what a goodbye says besides goodbye: "ok thanks bye"
    leaving = len(rest) < len(found)
    if THANKS_WORDS.intersection(rest):
        rest = THANKED_FOR.sub(" ", " ".join(rest)).split()  # "thanks for the help!": "help" asks nothing there
    words = set(rest)
    asks = bool(_ASKS.search(question)) or bool(words & ASKING_WORDS)
    if words & THANKS_WORDS and not asks and words <= _THANKING:
        return Kind.THANKS
    if leaving and len(rest) <= 6 and words <= _TALK and not words & ASKING_WORDS:
        return Kind.BANTER  # "good bye", "see you tomorrow guys": a goodbye, though "good" and "guys" greet
    if len(found) <= 6 and words <= _TALK:
        return Kind.BANTER if words & BANTER_WORDS and not words & _NOT_BANTER else Kind.SMALL_TALK
    if len(found) <= 4 and not asks and words <= REACTION_WORDS:
        return Kind.BANTER
    if found[0] in GREETINGS and len(found) <= 8 and not asks:
        return Kind.GREETING
    return None


def _reaction(question: str) -> Kind | None:
    """The kind of a message of no words: a reaction when it holds an emoji (a symbol), else None."""
    if not any(unicodedata.category(ch) == "So" for ch in question):
        return None
    if any(ch in THANKS_EMOJI for ch in question):
        return Kind.THANKS
    return Kind.UPSET if any(ch in UPSET_EMOJI for ch in question) else Kind.BANTER


def is_small_talk(question: str) -> bool:
    """True for chat that asks nothing a passage answers: thanks, banter, a greeting or help alone."""
    return kind(question) in (Kind.THANKS, Kind.BANTER, Kind.UPSET, Kind.SMALL_TALK)


# A greeting before the question: "good morning! why do ...", "hi all, how do I ...". A full stop,
# comma or colon before a digit is a number's: "is 4.0 still getting updates?" was read "0 still
# getting updates?", "is 4" taken for chat ("good morning,why ..." has its greeting).
_GREETING_FIRST = re.compile(r"^\s*(?P<greeting>[^.!?,:;\n]{1,40})(?:[!?\n]+|[.,:;]+(?!\d))\s*(?=\S)")


def without_greeting(question: str) -> str:
    """`question` without the greeting it begins with: "good morning! why do North Koreans flee?"
    was declined, "morning" weighing as a word no passage holds."""
    found = _GREETING_FIRST.match(question)
    if found is None or not is_small_talk(found.group("greeting")):
        return question
    return question[found.end() :]


# What a message is signed off with, on a line of its own above the sender's name ("Best regards,"
# / "Ann"), besides thanks and goodbyes; and the line that opens an email's signature, "-- ".
SIGN_OFF = re.compile(
    r"(?:(?:best|kind|warm|warmest|many|with) )?(?:regards|wishes|thanks)|sincerely|(?:yours )?(?:truly|sincerely)"
    r"|all the best|best|br|tia|cheers|xo|xx"
)
_SIGNATURE = re.compile(r"\s*(?:--|—|–)\s*")
NAME_WORDS = 3  # a sender's name under a sign-off: "Ann", "Ann Smith", "Ann (treasurer)"


def without_chat_lines(message: str, chatting: Callable[[str], bool] = is_small_talk) -> str:
    """`message` without the lines of chat around what it asks, each of which `chatting` (a line that,
    sent alone, would get a note and no answer): those above it ("Hello!" over two questions had
    made the first part no question, and only one was answered), and the closing under it ("Thanks,"
    and the name under that, "Best regards", a signature after "-- ", which had been read as part
    of the last question). Unchanged when that would leave nothing, or when it has one line."""
    lines = message.split("\n")
    if len(lines) < 2:
        return message
    start = 0
    while start < len(lines) and (not lines[start].strip() or chatting(lines[start])):
        start += 1
    end = _closing(lines, chatting)
    kept = "\n".join(lines[start:end]).strip()
    return kept if kept and start < end else message


def _closing(lines: list[str], chatting: Callable[[str], bool]) -> int:
    """Where the closing of a message's `lines` begins (their number when it has none): a signature
    ("-- " and what follows), else its last lines of chat or sign-off, and at most two short lines
    under them (the sender's name)."""
    end = next((at for at, line in enumerate(lines) if at and _SIGNATURE.fullmatch(line)), len(lines))
    at = end
    while at and not lines[at - 1].strip():
        at -= 1
    names = at
    while names and _a_name(lines[names - 1]) and at - names < 2:
        names -= 1
    for start in (names, at):  # under a sign-off, a name; else the sign-off alone, or nothing
        closing = start
        while closing and (not lines[closing - 1].strip() or _closes(lines[closing - 1], chatting)):
            closing -= 1
        if closing < start:
            return closing
    return end


def _closes(line: str, chatting: Callable[[str], bool]) -> bool:
    """True for a line a message is closed with: chat ("Thanks!", "bye") or a sign-off ("Best regards,")."""
    return chatting(line) or _signs_off(line)


def _signs_off(line: str) -> bool:
    """True for a line of a sign-off alone: "Best regards,", "Cheers"."""
    return SIGN_OFF.fullmatch(" ".join(WORD.findall(line.casefold()))) is not None


def _a_name(line: str) -> bool:
    """True for a line that may be a sender's name: a few words, asking nothing, none of them chat,
    and no sign-off ("Best regards," over "Ann" had been two lines of a name, and the closing above
    them, the question, was no closing: nothing was left out)."""
    words = WORD.findall(line.casefold())
    fits = 0 < len(words) <= NAME_WORDS and not _ASKS.search(line) and not _TALK.intersection(words)
    return fits and not _signs_off(line)
