"""The search engine: a question's words in, the best-matching passages out.

    text       the one tokenizer: text normalized, its words and terms, the pieces it is written with
    stemming   a word's stem (Snowball's, its overrides, irregular forms) and the stop words dropped
    synonyms   the knowledge folder's synonym groups, folded on both sides
    spelling   corrections of misspelt question words to words the passages use
    scoring    BM25 from a precomputed sparse term -> passage weight matrix
    documents  each passage as the BM25 document it is indexed as, and what BM25 is asked
    focus      how much of a question one sentence holds: the order of BM25's best, coverage
    ranking    the ranker's settings (Ranking) and what it gives for a passage (Ranked)
    retrieval  the Index: a knowledge base's passages ranked for a question
    names      the names a question asks about, and whether the passages' words know one
    headings   what a passage's heading and its source's title say (a question in a heading's words)
    pasted     what a member pastes into a question (paths, addresses, file names): only known words read
    loading    reading a knowledge folder into an Index, in worker processes when large
    cache      the signed cache of read files (QABOT_CACHE) that loading keeps

The rest of the core uses only what this face exports.
"""

from bot.search.cache import cache_folder
from bot.search.documents import passage_tokens, query_terms
from bot.search.headings import wording_of
from bot.search.loading import load
from bot.search.pasted import DOMAIN, only_addresses
from bot.search.ranking import RIVALS, VARIANTS, Ranked, Ranking
from bot.search.retrieval import Index
from bot.search.stemming import QUESTION_WORDS, STOP_WORDS
from bot.search.synonyms import Synonyms
from bot.search.synonyms import clashes as synonym_clashes
from bot.search.synonyms import load as load_synonyms
from bot.search.text import MAX_QUESTION_CHARS, normalize

__all__ = [
    "DOMAIN",
    "MAX_QUESTION_CHARS",
    "QUESTION_WORDS",
    "RIVALS",
    "STOP_WORDS",
    "VARIANTS",
    "Index",
    "Ranked",
    "Ranking",
    "Synonyms",
    "cache_folder",
    "load",
    "load_synonyms",
    "normalize",
    "only_addresses",
    "passage_tokens",
    "query_terms",
    "synonym_clashes",
    "wording_of",
]
