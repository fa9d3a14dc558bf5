"""The tokenizer: one set of terms for passages and questions."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import Answerer
from bot.knowledge import KnowledgeBase, Passage, Source
from bot.search.sentences import join_sentences, split_sentences
from bot.search.synonyms import Synonyms
from bot.search.text import normalize, pairs, read, tokenize, words, written


def test_case_folded_and_stemmed() -> None:
    """Case and inflection do not matter: 'Refugees' and 'refugee' are one term."""
    assert tokenize("Refugees") == tokenize("refugee") == ["refuge"]


@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("authorities", "author"),
        ("authorized", "authors"),
        ("authorization", "author"),
        ("experimenting", "experience"),
        ("business", "busy"),
        ("animes", "animals"),
    ],
)
def test_a_word_the_stemmer_folds_into_another_words_stem_keeps_its_own(word: str, other: str) -> None:
    """Snowball reads "authorities" as "author": "what do the authorities do to defectors they catch?"
    got the seed's passage about a book's author."""
    assert tokenize(word) != tokenize(other)


def test_the_overridden_words_still_share_a_stem_with_their_own_forms() -> None:
    """The words whose stems are overridden still share a stem with their own forms (and Snowball's own stems are
    kept)."""
    assert tokenize("authority authorities") == ["authorit", "authorit"]
    assert tokenize("experiment experiments experimental") == ["experiment"] * 3
    assert tokenize("authoritarian authoritarianism") == ["authoritarian"] * 2  # Snowball's own, kept


def test_the_seed_reads_the_authorities_as_a_government_not_a_book() -> None:
    """The bundled knowledge reads "the authorities" as a government, not as a book's author."""
    answerer = Answerer.from_directory()
    assert answerer.answer("what do the authorities do to defectors they catch?").passage_id != "yeonmi-park"
    assert answerer.answer("who authorized the crackdown on defectors?").passage_id != "yeonmi-park"
    assert answerer.answer("who is the author of In Order to Live?").passage_id == "yeonmi-park"


def test_stop_words_dropped() -> None:
    """Words that say nothing about the subject are not terms."""
    assert tokenize("What is the number of the defectors?") == ["number", "defector"]


def test_a_stop_words_other_forms_are_dropped_too() -> None:
    """ "going", "saying", "knowing" stem to stop words ("go", "say", "know"): they are no terms either."""
    assert tokenize("Refugees going, saying and knowing") == tokenize("refugees") == ["refuge"]


def test_a_possessive_is_read_as_its_word() -> None:
    """ "the children's school" is about the child's school: the "'s" comes off before the irregular form is read."""
    assert tokenize("the children's school") == tokenize("the child school") == ["child", "school"]


def test_question_words_kept() -> None:
    """'where', 'when', 'who' and 'why' say what kind of answer is wanted, so they stay."""
    assert tokenize("Where do they go?") == ["where"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("70.5 percent", ["70.5", "percent"]),
        ("27,000", ["27000"]),
        ("between 27,000-30,000", ["27000-30000", "27000", "30000"]),
        ("in 1998-1999.", ["1998-1999", "1998", "1999"]),
        ("$45,000", ["45000"]),
        ("50%", ["50", "percent"]),
    ],
)
def test_numbers_kept_whole(text: str, expected: list[str]) -> None:
    """Numbers are not broken at their dots, commas or range dashes."""
    assert tokenize(text) == expected


def test_curly_quotes_and_dashes_are_plain() -> None:
    """Typographic quotes and dashes tokenize like their plain forms."""
    assert tokenize("North Korea’s “double defectors”—bribed") == tokenize('North Korea\'s "double defectors" - bribed')


def test_hyphenated_words_split() -> None:
    """'Jong-un' matches 'Jong Un': its parts are terms (and, in a passage, the word they make)."""
    assert tokenize("Kim Jong-un") == tokenize("Kim Jong Un")
    assert tokenize("Kim Jong-un", joined=True) == [*tokenize("Kim Jong Un"), "jongun"]


def test_a_short_hyphenated_word_in_a_passage_is_also_the_word_it_makes() -> None:
    """'Wi-Fi' in a passage is also 'wifi', and 'e-mail' 'email', so the question that writes them
    as one word finds it; a question's own hyphenated word is only its parts (its joined form,
    unknown to the passages, would weigh the most: 'co-wrote')."""
    source = Source(title="Cafe FAQ")
    kb = KnowledgeBase(
        (
            Passage("wifi", "Wi-Fi", "The Wi-Fi password is on the menu; e-mail us if it does not work.", source),
            Passage("food", "Food", "The kitchen serves toasties and soup until eight.", source),
        )
    )
    answerer = Answerer(kb, Synonyms.from_groups([["internet", "wi-fi"]]))
    assert answerer.answer("whats the wifi password").passage_id == "wifi"
    assert answerer.index.analyze("wi-fi") == answerer.index.analyze("internet")  # a synonym's phrase as asked
    assert answerer.answer("can i email you").passage_id == "wifi"
    assert "cowrot" not in answerer.index.analyze("who co-wrote it") and "wifi" not in answerer.index.analyze("wi-fi")
    asked = {t: 1.0 for t in answerer.index.analyze("wifi password")}
    assert answerer.index.focus(asked, kb.passages[0]) == 1.0  # one sentence holds it all, "wifi" too
    folded = Answerer(kb, Synonyms.from_groups([["internet", "wifi"]]))  # the joined word as a synonym
    asked = {t: 1.0 for t in folded.index.analyze("wifi password")}
    assert folded.index.focus(asked, kb.passages[0]) == 1.0


def test_a_synonyms_phrase_with_a_hyphen_still_folds_in_a_passage() -> None:
    """The joined words come after a passage's own terms, so a phrase written with a hyphen
    ("stay-at-home order") still matches the words as written."""
    syns = Synonyms.from_groups([["stay-at-home order", "lockdown"], ["e-mail address", "contact"]])
    folded = syns.fold(read("The stay-at-home order ended. Send an e-mail address.")[0])
    assert folded[:4] == syns.fold(read("The lockdown ended. Send a contact.")[0])
    assert folded[4:] == ["stayathom", "email"]


def test_irregular_forms_meet_their_verb() -> None:
    """'fled' and 'flee', 'rose' and 'rise' are one term."""
    assert tokenize("fled") == tokenize("flee")
    assert tokenize("rose") == tokenize("rising")


IRREGULAR_PAIRS = """
    whos:who left:leave went:go gone:go ran:run risen:rise fell:fall fallen:fall took:take taken:take
    came:come became:become made:make sent:send spent:spend sold:sell caught:catch kept:keep held:hold
    brought:bring paid:pay grew:grow grown:grow began:begin begun:begin wrote:write written:write
    lives:life children:child women:woman men:man wives:wife housewives:housewife fought:fight
    stolen:steal got:get gotten:get said:say told:tell knew:know known:know done:do lost:lose hid:hide
    hidden:hide bought:buy sought:seek chose:choose chosen:choose thought:think
""".split()


@pytest.mark.parametrize(("form", "base"), [pair.split(":") for pair in IRREGULAR_PAIRS])
def test_each_irregular_form_is_one_term_with_its_base(form: str, base: str) -> None:
    """ "children" finds "child", "sought" "seek", "told" is a stop word as "tell" is: the stemmer alone
    keeps each irregular form apart (a question in one form missed a passage in the other)."""
    assert tokenize(form) == tokenize(base)


def test_capital_us_is_the_country() -> None:
    """'US' and 'U.S.' are the country; 'us' is a pronoun and dropped."""
    assert tokenize("the US") == tokenize("the U.S.") == ["usa"]
    assert tokenize("tell us") == []


def test_chat_shorthand_for_you_is_a_stop_word_but_the_letter_u_stays() -> None:
    """Chat shorthand for you and your (u, ur) is a stop word, as the words are; the letter u in a word or an
    abbreviation stays."""
    assert tokenize("when do u hike? can u bring ur dog") == tokenize("when do you hike? can you bring your dog")
    assert tokenize("u there") == []
    assert tokenize("U-shaped valleys") == ["u", "shape", "valley"]
    letters = ["u", "shape", "valley", "u", "turn", "u", "boat"]
    assert tokenize('the "U"-shaped valley, a u-turn, the U boat') == letters
    assert tokenize("menu") == ["menu"]
    assert tokenize("in the u.s. and the u.k.") == ["u", "s", "u", "k"]  # letters, as they always were
    # as synonyms' phrases are matched, stop words kept: "ur" is "your", not "you"
    assert tokenize("can u bring ur dog", keep_stop=True) == tokenize("can you bring your dog", keep_stop=True)


def test_hangul_does_not_vanish() -> None:
    """Korean text yields character bigrams, so it can be matched."""
    terms = tokenize("북한 난민")
    assert "북한" in terms and "난민" in terms


def test_han_and_kana_do_not_vanish() -> None:
    """Chinese and Japanese runs are split into bigrams too."""
    assert tokenize("脱北者") == ["脱北", "北者"]
    assert tokenize("ひらがな") == ["ひら", "らが", "がな"]


def test_a_word_of_one_korean_or_chinese_character_is_a_term() -> None:
    """A run too short for a bigram ("물", water; "北", north) is a term of its own, not dropped."""
    assert tokenize("물 값") == ["물", "값"]
    assert tokenize("北") == ["北"]


def test_pairs_are_of_words_up_to_five_apart_in_either_order() -> None:
    """A word pairs with each of the next five, one term for both orders ("flee~whi" of "why flee" and "flee why")."""
    found = pairs(["a", "b", "c", "d", "e", "f", "g"])
    assert "a~f" in found and "a~g" not in found and len(found) == 20
    assert pairs(["whi", "flee"]) == pairs(["flee", "whi"]) == ["flee~whi"]


def test_an_initial_or_an_abbreviation_ends_no_sentence() -> None:
    """A single capital with a full stop ("U.S.", "J. Smith") ends no sentence; a sentence's own full stop does."""
    assert split_sentences("The U.S. Army helped them. Then they left.") == [
        "The U.S. Army helped them.",
        "Then they left.",
    ]
    assert split_sentences("He met J. Smith in Seoul. Then they left.") == [
        "He met J. Smith in Seoul.",
        "Then they left.",
    ]


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("Mr. Kim fled. He arrived.", ["Mr. Kim fled.", "He arrived."]),
        ("They fled in 1998. 27,000 came later.", ["They fled in 1998.", "27,000 came later."]),
        ("그들은 떠났다. 북한을 떠났다.", ["그들은 떠났다.", "북한을 떠났다."]),
        ("他们走了。「我们也走。」好。", ["他们走了。", "「我们也走。」", "好。"]),
    ],
)
def test_a_sentence_begins_with_a_capital_a_digit_a_caseless_letter_or_an_opening_quote(
    paragraph: str, sentences: list[str]
) -> None:
    """After "Mr." no sentence ends; after a full stop, one begins with a number or a Hangul word, and
    after a full-width mark with anything, an opening 「 too (a closing 」 stays with its sentence)."""
    assert split_sentences(paragraph) == sentences


def test_sentences_are_joined_with_a_space_but_none_after_a_full_width_mark() -> None:
    """Chinese and Japanese put no space after 。 (nor after the 」 that closes a quote); other scripts do."""
    assert join_sentences(["大约三万人。", "他们去了韩国。"]) == "大约三万人。他们去了韩国。"
    assert join_sentences(["他说：「走。」", "好。"]) == "他说：「走。」好。"
    assert join_sentences(["One.", "Two."]) == "One. Two."


def test_a_closing_quote_that_ends_a_paragraph_stays_with_its_sentence() -> None:
    """ "他说：「走。」" is one sentence, as it is mid-paragraph; at the paragraph's end the 」 became a
    sentence of its own (the pattern backtracks off the bracket to find a character after it), and
    an import that cuts a long paragraph there makes a passage of "」" alone."""
    assert split_sentences("他们走了。他说：「走。」") == ["他们走了。", "他说：「走。」"]


def test_control_and_zero_width_characters_removed() -> None:
    """Invisible characters neither split nor join words."""
    assert normalize("de\u200bfectors") == "defectors"
    assert normalize("a\x00b") == "a b"
    assert tokenize("\x00\x01\u202e") == []


def test_keep_stop_keeps_stop_words_in_order() -> None:
    """Phrase matching sees stop words; the default drops them."""
    assert tokenize("the South", keep_stop=True) == ["the", "south"]


def test_corrector_applies_to_unknown_words_only() -> None:
    """A corrector is asked about each content word before stemming."""
    seen: list[str] = []

    def correct(word: str) -> str:
        seen.append(word)
        return "refugees" if word == "refugess" else word

    assert tokenize("nk refugess", correct=correct) == ["nk", "refuge"]
    assert seen == ["nk", "refugess"]


def test_words_are_unstemmed() -> None:
    """`words` gives the surface words a speller learns from."""
    assert words("The Refugees fled") == ["refugees", "fled"]


_PIECES_OF_TEXT = st.lists(
    st.sampled_from(
        [
            "The",
            "U.S.",
            "US",
            "us",
            "refugees'",
            "Kim Jong-un",
            "27,000",
            "$45,000",
            "1998-1999",
            "50.7%",
            "脱北者",
            "북한",
            "fled,",
            "don't",
            "—",
            "\u00a0",
            "\n",
            "\t",
            " ",
            "“quoted”",
            "a-b-c",
            "x\u200by",
            "Ångström",
        ]
    )
    | st.text(max_size=12),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_PIECES_OF_TEXT)
def test_loading_reads_text_as_questions_are_tokenized(parts: list[str]) -> None:
    """The fast reading used for passages gives exactly the tokens `tokenize` gives."""
    text = "".join(parts)
    assert read(text)[0] == tokenize(text, keep_stop=True, joined=True)
    assert read(text)[0] == tokenize(text, keep_stop=True, joined=True)  # the second time from remembered pieces


def test_written_words_are_the_words_of_the_text() -> None:
    """The words spelling corrections may use are the letter-only words `words` finds, counted."""
    text = "Refugees fled; the refugees' children fled to China in 1998. Kim Jong-un"
    assert written(Counter(read(text)[1] * 2)) == Counter(w for w in words(text) * 2 if w.isalpha())


def test_a_question_s_option_that_loses_a_stop_word_is_also_the_word_it_makes() -> None:
    """ "--no-input" was read "input" alone ("no" is a stop word), and the passage on the warning
    before it won; the joined word, which the passage that writes the option holds, is a term of
    the question too. Not "non-free" (its parts are kept), nor "no-one" ("noon": all stop words)."""
    source = Source(title="Authentication")
    auto = "The auto provider does not query keyring at all when --no-input is used."
    kb = KnowledgeBase(
        (
            Passage("hang", "Keyring", "Forcing keyring can make tools hang while they wait for your input.", source),
            Passage("auto", "Keyring", auto, source),
            Passage("free", "Archive", "The non-free area is not free; no-one must rely on it.", source),
            Passage("noon", "Hours", "The desk closes at noon.", source),
        )
    )
    answerer = Answerer(kb)
    analyze = answerer.index.analyze
    assert "noinput" in analyze("why does pip ignore my keyring with --no-input")
    assert answerer.index.rank(analyze("why does pip skip keyring with --no-input"))[0].passage.id == "auto"
    # each known to a passage, and still no term of the question
    assert answerer.index.knows("nonfre") and answerer.index.knows("noon")
    assert "nonfre" not in analyze("is --non-free ok") and "nonfre" not in analyze("non-free?")
    assert "getpip" in Answerer(KnowledgeBase((Passage("get", "Get", "Run get-pip.py.", source),))).index.analyze(
        "where is get-pip"
    )
    assert "noon" not in analyze("no-one replied, --no-one either")
    assert "getpip" not in analyze("where is get-pip")  # no passage here holds it: no term of the question
