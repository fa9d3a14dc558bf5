"""A word's stem, and the words worth no term: the one stemmer (Snowball's, with its overrides and the
irregular forms it leaves apart) and the stop words, which `bot.search.text`'s tokenizer drops.

The tables are English; every name here stays importable from `bot.search.text` too.
"""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

# Words that say nothing about what is asked. Question words are here too: BM25 cannot use
# them, and keeping them would let "how"/"what" decide between passages.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each few for from further had hadn't has hasn't have haven't having
    he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm
    i've if in into is isn't it it's its itself just let's me more most mustn't my myself no nor
    not of off on once only or ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when's
    where's which while who's whom why's with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves us
    also am anyone anything really tell know please hey hi hello thanks thank ok okay yes yeah
    quick question questions wondering wonder like much many lot lots
    go get make say tell want back ever usually actually typically basically generally even
    still now currently anyone someone something everything thing kind sort way rest one vs
    among happen mention explain describe give people person ppl folks guys
    dont doesnt didnt cant wont isnt arent wasnt werent havent hasnt hadnt shouldnt wouldnt couldnt
    im ive youre theyre thats whats hows theres lets
    honestly tbh imo imho lol btw fyi pls plz idk think guess suppose reckon realize realise
    recommend recommendation recommendations suggest suggestion suggestions good great nice cool awesome
    ya cuz coz nah yep wanna gonna gotta kinda sorta anyway anyways literally exactly roughly
    approximately nowadays
    """.split()
)

_stemmer = snowballstemmer.stemmer("english")


# Words the Snowball stemmer folds into the stem of a word that means something else: "authorities"
# was read as "author", and "what do the authorities do to defectors?" got the passage about a
# book's author. Every word that begins so keeps a stem of its own (as a search engine's stemmer
# override does): "authorized", "authorization", "experimenting", "ironically", "animes".
OVERSTEMMED: tuple[tuple[str, str | None], ...] = (  # the first prefix that matches decides; None: Snowball's
    ("authoritarian", None),  # Snowball keeps it whole
    ("authorit", "authorit"),
    ("authoriz", "authoriz"),
    ("authoris", "authoriz"),
    ("experiment", "experiment"),
    ("business", "business"),
    ("ironic", "ironi"),
    ("anime", "anime"),
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Return the Snowball stem of an already case-folded word (`OVERSTEMMED` aside)."""
    own = next((own for begins, own in OVERSTEMMED if word.startswith(begins)), None)
    return own or str(_stemmer.stemWord(word))


# Irregular forms the stemmer leaves apart from their verb or noun ("fled" and "flee").
IRREGULAR = {
    "wheres": "where",  # "where's" typed without its apostrophe
    "whos": "who",
    "fled": "flee",
    "left": "leave",
    "went": "go",
    "gone": "go",
    "ran": "run",
    "rose": "rise",
    "risen": "rise",
    "fell": "fall",
    "fallen": "fall",
    "took": "take",
    "taken": "take",
    "came": "come",
    "became": "become",
    "made": "make",
    "sent": "send",
    "spent": "spend",
    "sold": "sell",
    "caught": "catch",
    "kept": "keep",
    "held": "hold",
    "brought": "bring",
    "paid": "pay",
    "grew": "grow",
    "grown": "grow",
    "began": "begin",
    "begun": "begin",
    "wrote": "write",
    "written": "write",
    "forced": "force",
    "lives": "life",
    "living": "live",
    "children": "child",
    "women": "woman",
    "men": "man",
    "people": "person",
    "wives": "wife",
    "housewives": "housewife",
    "died": "die",
    "fought": "fight",
    "stolen": "steal",
    "got": "get",
    "gotten": "get",
    "said": "say",
    "told": "tell",
    "knew": "know",
    "known": "know",
    "done": "do",
    "lost": "lose",
    "hid": "hide",
    "hidden": "hide",
    "bought": "buy",
    "sought": "seek",
    "chose": "choose",
    "chosen": "choose",
    "thought": "think",
}


# The stop words' stems (of their irregular forms' words): a word whose stem is one of them says nothing either
# ("said" -> "say").
STOP_STEMS = frozenset(str(_stemmer.stemWord(IRREGULAR.get(w, w))) for w in STOP_WORDS if "'" not in w)

# Question words rank (a "where" question finds passages asked with "where") but do not count
# towards coverage: they say what kind of answer is wanted, not what it is about.
QUESTION_WORDS = frozenset(stem(w) for w in ("who", "when", "where", "why"))


# Stop words and their stems: what `is_stop` drops.
STOPS = STOP_WORDS | STOP_STEMS


def is_stop(token: str) -> bool:
    """True for a token that says nothing about what is asked ("the", "said", "going")."""
    return token in STOPS
