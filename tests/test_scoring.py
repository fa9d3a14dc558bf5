"""Precomputed BM25 weights give rank-bm25's scores, passages and coverage, also after additions."""

from __future__ import annotations

import random
import sys
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import knowledge
from bot.answering import DEFAULT_KNOWLEDGE
from bot.knowledge import Passage, Source
from bot.search import scoring, synonyms
from bot.search.documents import passage_tokens, query_terms
from bot.search.ranking import VARIANTS, Ranking
from bot.search.retrieval import Index
from bot.search.scoring import Scorer

SETTINGS = [
    ("okapi", 1.5, 0.75),
    ("plus", 1.2, 0.75),
    ("l", 1.5, 0.75),
    ("okapi", 0.9, 0.4),
    ("plus", 2.0, 0.9),
]  # b=1 makes rank-bm25 divide 0 by 0 on an empty passage
WORDS = [f"w{i}" for i in range(40)]

documents = st.lists(st.lists(st.sampled_from(WORDS), max_size=25), min_size=1, max_size=40)
queries = st.lists(st.lists(st.sampled_from([*WORDS, "unknown"]), min_size=1, max_size=6), min_size=1, max_size=5)


def assert_same(expected: np.ndarray, got: np.ndarray) -> None:
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("variant", "k1", "b"), SETTINGS)
@settings(max_examples=40, deadline=None)
@given(docs=documents, asked=queries)
def test_scores_equal_rank_bm25_on_random_corpora(
    variant: str, k1: float, b: float, docs: list[list[str]], asked: list[list[str]]
) -> None:
    """Every variant and setting gives rank-bm25's get_scores, whatever the corpus and query."""
    if not any(docs):
        return  # rank-bm25 divides by the average length
    oracle = VARIANTS[variant](docs, k1=k1, b=b)
    scorer = Scorer(docs, variant=variant, k1=k1, b=b)
    for query in asked:
        assert_same(oracle.get_scores(query), scorer.scores(query))


@pytest.mark.parametrize(("variant", "k1", "b"), SETTINGS)
@settings(max_examples=30, deadline=None)
@given(docs=documents, more=documents, asked=queries)
def test_added_documents_score_as_if_built_at_once(
    variant: str, k1: float, b: float, docs: list[list[str]], more: list[list[str]], asked: list[list[str]]
) -> None:
    """with_added gives the scores of a Scorer built from all documents, and leaves the old one as it was."""
    if not any(docs):
        return
    before = Scorer(docs, variant=variant, k1=k1, b=b)
    first = [before.scores(q) for q in asked]
    added = before.with_added(more)
    oracle = VARIANTS[variant](docs + more, k1=k1, b=b)
    for query, scores in zip(asked, first, strict=True):
        assert_same(oracle.get_scores(query), added.scores(query))
        assert_same(scores, before.scores(query))


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
def test_weighing_and_adding_in_small_blocks_changes_nothing(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Weights computed and postings copied a few at a time equal rank-bm25's, also after additions."""
    monkeypatch.setattr(scoring, "BLOCK", 5)
    rng = random.Random(3)
    docs = [[rng.choice(WORDS) for _ in range(rng.randint(0, 12))] for _ in range(120)]
    scorer = Scorer(docs[:100], variant=variant, k1=1.2, b=0.75).with_added(docs[100:101]).with_added(docs[101:])
    oracle = VARIANTS[variant](docs, k1=1.2, b=0.75)
    for _ in range(30):
        query = [rng.choice([*WORDS, "unknown"]) for _ in range(rng.randint(1, 5))]
        assert_same(oracle.get_scores(query), scorer.scores(query))


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
def test_common_terms_summed_as_dense_rows_score_as_rank_bm25(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Terms held by a quarter of the passages or more are added as whole rows (at most DENSE_ROWS
    of them, the others as postings): the scores stay rank-bm25's, also after additions."""
    monkeypatch.setattr(scoring, "DENSE_FROM", 50)
    monkeypatch.setattr(scoring, "DENSE_ROWS", 3)
    rng = random.Random(5)
    common = WORDS[:6]  # each in about half of the passages
    docs = [[w for w in common if rng.random() < 0.5] + [rng.choice(WORDS) for _ in range(4)] for _ in range(130)]
    scorer = Scorer(docs[:120], variant=variant, k1=1.2, b=0.75)
    oracle = VARIANTS[variant](docs[:120], k1=1.2, b=0.75)
    for _ in range(30):
        query = [rng.choice([*common, *common, *WORDS, "unknown"]) for _ in range(rng.randint(1, 6))]
        assert_same(oracle.get_scores(query), scorer.scores(query))
    assert len(scorer._dense) == 3  # rows were made, and no more than allowed
    added = scorer.with_added(docs[120:])
    oracle = VARIANTS[variant](docs, k1=1.2, b=0.75)
    for query in (common, [*common[:2], "w30"], ["w7", common[5]]):
        assert_same(oracle.get_scores(query), added.scores(query))


def test_threads_asking_at_once_never_make_more_dense_rows_than_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answering threads share the index: those asking for different common terms at once stay within DENSE_ROWS."""
    monkeypatch.setattr(scoring, "DENSE_FROM", 50)
    monkeypatch.setattr(scoring, "DENSE_ROWS", 3)
    rng = random.Random(7)
    common = WORDS[:16]
    docs = [[w for w in common if rng.random() < 0.5] for _ in range(400)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(5):
            scorer = Scorer(docs, variant="plus", k1=1.2, b=0.75)
            start = threading.Barrier(len(common))

            def ask(term: str, scorer: Scorer = scorer, start: threading.Barrier = start) -> None:
                start.wait()
                scorer.scores([term])

            threads = [threading.Thread(target=ask, args=(term,)) for term in common]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(scorer._dense) == 3
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
def test_top_orders_by_score_then_passage(variant: str) -> None:
    """top() is rank-bm25's order: best score first, equal scores in passage order."""
    rng = random.Random(7)
    docs = [[rng.choice(WORDS[:12]) for _ in range(rng.randint(1, 6))] for _ in range(300)]
    oracle = VARIANTS[variant](docs, k1=1.2, b=0.75)
    scorer = Scorer(docs, variant=variant, k1=1.2, b=0.75)
    for _ in range(50):
        query = [rng.choice([*WORDS[:14], "unknown"]) for _ in range(rng.randint(1, 4))]
        scores = oracle.get_scores(query)
        for k in (1, 3, 20):
            expected = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
            got = scorer.top(query, k)
            assert [round(s, 9) for _, s in got] == [round(float(scores[i]), 9) for i in expected]
            assert [i for i, _ in got] == expected


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
def test_scores_equal_rank_bm25_on_the_knowledge_base(variant: str) -> None:
    """On the real knowledge base, with every question it holds, scores and ranking match rank-bm25."""
    kb = knowledge.load(DEFAULT_KNOWLEDGE)
    syns = synonyms.load(DEFAULT_KNOWLEDGE)
    ranking = Ranking(variant=variant, focus=0)  # the order is BM25's alone (the focus is tested apart)
    docs = [passage_tokens(p, syns, ranking.question_weight) for p in kb]
    oracle = VARIANTS[variant](docs, k1=ranking.k1, b=ranking.b)
    index = Index(kb, syns, ranking)
    questions = [q for p in kb for q in p.questions] + ["Who won the football match yesterday?", "nk"]
    for question in questions:
        terms = index.analyze(question)
        if not terms:
            continue
        scores = oracle.get_scores(query_terms(terms))
        assert_same(scores, np.array(index.scores(terms)))
        best = index.rank(terms, top=1)[0]
        assert best.passage is kb.passages[int(np.argmax(scores))]


def test_index_with_added_equals_a_rebuilt_index() -> None:
    """An added passage is ranked, covered and spelled exactly as in an index built with it."""
    kb = knowledge.load(DEFAULT_KNOWLEDGE)
    syns = synonyms.load(DEFAULT_KNOWLEDGE)
    source = Source(title="Moderator notes")
    text = "The lantern festival of refugees is in spring."
    new = Passage("zz-festival", "News", text, source, questions=("When is the lantern festival?",))
    grown = Index(kb, syns).with_added(new)
    rebuilt = Index(knowledge.KnowledgeBase((*kb.passages, new)), syns)
    questions = [q for p in kb for q in p.questions] + ["when is the lantren festival?", "latern festivel refugees"]
    for question in questions:
        terms = rebuilt.analyze(question)
        assert grown.analyze(question) == terms
        assert [(r.passage.id, round(r.score, 9), r.coverage) for r in grown.rank(terms)] == [
            (r.passage.id, round(r.score, 9), r.coverage) for r in rebuilt.rank(terms)
        ]
    with pytest.raises(ValueError, match="duplicate"):
        grown.with_added(new)


def test_the_passage_that_holds_the_question_in_one_sentence_comes_first() -> None:
    """The focus: of two passages with the question's words, the one that says them together in one
    sentence is ranked first, though BM25 alone puts the shorter one, which scatters them, ahead."""
    source = Source(title="Town guide")
    scattered = Passage("scattered", "Town", "The lighthouse stands on the cliff. The museum will open in May.", source)
    together = Passage(
        "together",
        "Harbour",
        "The old harbour has many boats and a long pier with fishing shops and cafes along the water. "
        "The lighthouse was built to open the harbour to night traffic in 1890, and it still shines.",
        source,
    )
    others = [Passage(f"other-{n}", "Other", f"Bakeries and parks number {n} in the town.", source) for n in range(4)]
    kb = knowledge.KnowledgeBase(passages=(scattered, together, *others))
    question = "when did the lighthouse open"
    bm25_only = Index(kb, synonyms.Synonyms(), Ranking(focus=0))
    focused = Index(kb, synonyms.Synonyms(), Ranking())
    assert [r.passage.id for r in bm25_only.rank(bm25_only.analyze(question), top=2)] == ["scattered", "together"]
    first, second = focused.rank(focused.analyze(question), top=2)
    assert (first.passage.id, second.passage.id) == ("together", "scattered")
    weights = focused._weights(focused.analyze(question))
    assert first.focus == 1.0 and focused.focus(weights, scattered) == pytest.approx(0.5, abs=0.2)
    assert 0.0 < 1 - first.runner_up / first.matched < 1.0  # the margin is on the order that was chosen
    assert all(r.focus == 0.0 for r in bm25_only.rank(bm25_only.analyze(question), top=2))  # weight 0: nothing read


def test_a_question_that_names_an_article_finds_its_paragraph_that_says_he() -> None:
    """The source's title is a weak field of its passages: "What school did Fritz teach at?" names the article
    ("Fritz Zwicky"), and its paragraph says only "he". The order moves (and the margin, read on it); coverage
    and the score stay the text's, and a title alone matches nothing; a term of every title (one source) weighs
    nothing."""
    zwicky, daum = Source(title="Fritz Zwicky"), Source(title="Ahron Daum")
    kb = knowledge.KnowledgeBase(
        (
            Passage("daum-1", "Career", "He taught at the school of the Jewish community in Frankfurt.", daum),
            Passage(
                "zwicky-1", "Career", "He taught astronomy at Caltech, a school in Pasadena, all his life.", zwicky
            ),
            Passage("zwicky-2", "Supernovae", "With Walter Baade he named the supernovae.", zwicky),
        )
    )
    question = "What school did Fritz teach at?"
    titled, untitled = Index(kb, synonyms.Synonyms()), Index(kb, synonyms.Synonyms(), Ranking(title=0))
    assert untitled.rank(untitled.analyze(question))[0].passage.id == "daum-1"  # the shorter paragraph
    [best, *_] = titled.rank(titled.analyze(question))
    [unmoved] = [r for r in untitled.rank(untitled.analyze(question)) if r.passage.id == "zwicky-1"]
    assert best.passage.id == "zwicky-1"
    assert (best.matched, best.coverage) == (unmoved.matched, unmoved.coverage)
    assert not any(r.matched for r in titled.rank(titled.analyze("Who was Fritz?")))  # a title alone matches nothing
    alone = knowledge.KnowledgeBase(tuple(p for p in kb if p.source is zwicky))
    one, plain = Index(alone, synonyms.Synonyms()), Index(alone, synonyms.Synonyms(), Ranking(title=0))
    for asked in ("When did Zwicky name supernovae?", "Where did Fritz Zwicky teach?"):
        assert [(r.passage.id, r.score, r.runner_up) for r in one.rank(one.analyze(asked))] == [
            (r.passage.id, r.score, r.runner_up) for r in plain.rank(plain.analyze(asked))
        ]


def test_a_question_word_the_passage_lacks_costs_no_coverage() -> None:
    """ "Why do refugees flee?" is wholly held by a passage that says refugees flee: "why" says what kind of
    answer is wanted, and ranks, but is not a word the passage must hold."""
    source = Source(title="Notes")
    kb = knowledge.KnowledgeBase(
        (
            Passage("fleeing", "Fleeing", "Refugees flee hunger and the camps.", source),
            Passage("food", "Food", "Rice is rationed.", source),
        )
    )
    index = Index(kb, synonyms.Synonyms())
    best = index.rank(index.analyze("Why do refugees flee?"))[0]
    assert (best.passage.id, best.coverage, best.lacking) == ("fleeing", 1.0, 0.0)


def _notes_index() -> tuple[Index, tuple[Passage, ...]]:
    source = Source(title="Notes")
    passages = (
        Passage("wifi", "Internet", "The Wi-Fi password is on the wall. Refugees flee. Refugees flee again.", source),
        Passage("food", "Food", "Rice is rationed. Soup is served.", source),
        Passage("camp", "Camps", "Prison camps hold many.", source),
    )
    return Index(knowledge.KnowledgeBase(passages), synonyms.Synonyms()), passages


def test_lacking_is_the_share_of_the_one_heaviest_term_a_passage_lacks() -> None:
    """A passage lacking two terms of a quarter each lacks a quarter (one term the question leans on),
    not half: the hedge is about one missing word, not about coverage."""
    index, _ = _notes_index()
    best = index.rank(index.analyze("rice soup prison camps"))[0]
    assert (best.passage.id, best.coverage, best.lacking) == ("camp", 0.5, 0.25)


def test_the_focus_and_the_shown_sentence_read_sentences_as_the_index_does() -> None:
    """A sentence's "Wi-Fi" holds the question's "wifi" (the focus reads joined words too); of sentences
    holding the question alike the first is shown; nothing to weigh (question words alone) is held in full."""
    index, passages = _notes_index()
    assert index.focus({"wifi": 1.0}, passages[0]) == 1.0
    assert index.best_sentence(index.analyze("refugees flee"), passages[0]) == "Refugees flee."
    assert index.held_by([], passages[:1]) == index.held_by(index.analyze("why"), passages[:1]) == 1.0


def test_a_passages_section_is_indexed_with_its_word_pairs() -> None:
    """ "Why people leave" as a section gives the pair of its words, as an alternate question does, so a
    question asking both together prefers it over a passage holding them far apart."""
    passage = Passage("leaving", "Why people leave", "Hunger drives them out.", Source(title="Notes"))
    assert "leav~whi" in passage_tokens(passage, synonyms.Synonyms())


def test_passages_added_with_one_id_twice_are_refused() -> None:
    """`with_added` refuses two new passages of one id, as it refuses an id already taken."""
    index, passages = _notes_index()
    new = Passage("parking", "Parking", "Park behind the hall.", Source(title="Notes"))
    with pytest.raises(ValueError, match="duplicate passage id 'parking'"):
        index.with_added(new, new)
    with pytest.raises(ValueError, match="duplicate passage id 'food'"):
        index.with_added(passages[1])
