"""Pick the sentences of a briefing: extractive summaries ranked by sumy.

Every algorithm here ranks the distinct sentences of a ``CleanArticle``; a summary is the best
``count`` of them, put back in reading order. The baselines are sumy's summarizers as shipped
(English stemmer and stop words) plus "lead" (the first sentences). The default, "briefbot",
also lets sumy rank but re-weighs its ranking for a briefing:

* centrality: sumy's Reduction summarizer ranks the sentences (on the BBC corpus its top three
  are in the reference summary 90 % of the time; LexRank, LSA, TextRank and Luhn do worse);
* expected gain: a sentence's Reduction rank, as a fraction of the article, gives the chance
  that an editor would keep it; a likely sentence is worth more the more words it carries,
  an unlikely one is worth nothing however long it is;
* paragraphs: a paragraph's first sentence states its point and the rest elaborate, so a
  sentence after the first of its paragraph is worth half as much. Wire-style news (the BBC
  corpus: one sentence a paragraph) barely changes; explainers and essays, whose paragraphs
  run to several sentences, brief from their topic sentences;
* long reads: an article of more than 30 sentences (nine in ten BBC news stories are shorter)
  puts its news at the top, so its first sentence leads the briefing and later ones fade.
  A news story is left to centrality: on the BBC corpus a lede or position prior only costs.

It runs one sumy summarizer on one sumy document, with a memoised stemmer and a C-speed edge
count, so it costs a fraction of a plain sumy LexRank run (``python -m bot.evaluation.summaries``
measures both).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.reduction import ReductionSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from bot.pipeline.article import CleanArticle, comparison_key
from bot.pipeline.sentences import LANGUAGE, OfflineTokenizer, stem

DEFAULT_ALGORITHM = "briefbot"
LEAD = "lead"
_SUMY_BASELINES: dict[str, Callable[..., Any]] = {
    "lexrank": LexRankSummarizer,
    "lsa": LsaSummarizer,
    "textrank": TextRankSummarizer,
    "luhn": LuhnSummarizer,
    "reduction": ReductionSummarizer,
}
ALGORITHMS: tuple[str, ...] = (DEFAULT_ALGORITHM, *_SUMY_BASELINES, LEAD)

# The chance that the sentence Reduction ranks at fraction f of the article (0 = best) belongs
# in a summary is about logistic(3 - 10 f): 0.95 for the best, 0.5 at f = 0.3, 0.12 at f = 0.5.
# Fitted on the first ten BBC articles of each topic only; the other ten check it.
_LIKELIHOOD_AT_BEST = 3.0
_LIKELIHOOD_SLOPE = 10.0
# Below this chance a sentence costs a briefing more (words a reader did not need) than it adds.
_BREAK_EVEN_LIKELIHOOD = 0.3
# Longer articles are long reads (analysis, explainers) rather than news stories.
_LONG_READ_SENTENCES = 30
# In a long read, sentence i weighs 1 / (1 + (i / 10) ** 2): the news is in its opening.
_LONG_READ_OPENING = 10.0
# A sentence after the first of its paragraph elaborates: its worth counts this much. The BBC
# corpus (one sentence a paragraph) cannot fit it; every seed briefing passes from 0.4 to 0.55.
_ELABORATION_WEIGHT = 0.5

_TOKENIZER = OfflineTokenizer()
_STOP_WORDS = get_stop_words(LANGUAGE)


class _SumySummarizer(Protocol):
    def __call__(
        self, document: ObjectDocumentModel, sentences_count: Callable[[list[Any]], list[Any]]
    ) -> tuple[Sentence, ...]: ...


class _CountingReduction(ReductionSummarizer):
    """sumy's Reduction with the same ratings computed with less Python per word and pair.

    sumy compares every word of one sentence with every word of the other in a Python loop;
    counting each word's occurrences in C gives the identical number several times faster.
    It also lower-cases and stems every word of every sentence through a compatibility shim
    and keys every pair's two additions by hashing the sentences' text; here what a word
    rates as (its stem, or nothing for a stop word) is memoised, each sentence's log length
    is taken once, and the sums run by position, pair by pair in sumy's order, skipping the
    pairs that share no word (sumy adds 0.0 for those), so every rating is the same float.
    """

    def __init__(self, stemmer: Callable[[str], str]) -> None:
        super().__init__(stemmer)
        self._rated_as = self._memoised_rated_as()

    @ReductionSummarizer.stop_words.setter
    def stop_words(self, words: Iterable[str]) -> None:
        ReductionSummarizer.stop_words.fset(self, words)
        self._rated_as = self._memoised_rated_as()  # what a word rates as has changed

    def _memoised_rated_as(self) -> Callable[[str], str | None]:
        stop_words, stem = self._stop_words, self._stemmer

        @functools.lru_cache(maxsize=1 << 16)
        def rated_as(word: str) -> str | None:
            lowered = word.lower()
            return None if lowered in stop_words else stem(lowered)

        return rated_as

    def _to_words_set(self, sentence: Sentence) -> list[str]:
        return [stem for stem in map(self._rated_as, sentence.words) if stem is not None]

    def rate_sentences(self, document: ObjectDocumentModel) -> defaultdict[Sentence, float]:
        """sumy's ratings, for a document whose sentences are distinct (``_sumy_document``
        holds each sentence once; equal ones would share one rating in sumy)."""
        sentences = document.sentences
        words = [self._to_words_set(sentence) for sentence in sentences]
        distinct = [frozenset(sentence_words) for sentence_words in words]
        logs = [
            math.log(len(sentence_words)) if sentence_words else 0.0 for sentence_words in words
        ]
        ratings = [0.0] * len(sentences)
        for first in range(len(sentences)):
            first_words, first_distinct, first_log = words[first], distinct[first], logs[first]
            for second in range(first + 1, len(sentences)):
                if first_distinct.isdisjoint(distinct[second]):
                    continue
                shared = sum(map(words[second].count, first_words))
                norm = first_log + logs[second]
                rank = 0.0 if norm == 0.0 else shared / norm
                ratings[first] += rank
                ratings[second] += rank
        rated: defaultdict[Sentence, float] = defaultdict(float)  # sumy's: a lone one reads 0.0
        if len(sentences) > 1:
            rated.update(zip(sentences, ratings, strict=True))
        return rated


def _with_english_stop_words(summarizer: Any) -> Any:
    summarizer.stop_words = _STOP_WORDS
    return summarizer


# Built once: sumy normalises the whole stop-word list every time it is assigned.
_CENTRALITY = _with_english_stop_words(_CountingReduction(stem))


@functools.cache
def _baseline(name: str) -> _SumySummarizer:
    """sumy's summarizer as shipped (plain English stemmer), so timings compare fairly."""
    summarizer: _SumySummarizer = _with_english_stop_words(_SUMY_BASELINES[name](Stemmer(LANGUAGE)))
    return summarizer


def _distinct_sentences(article: CleanArticle) -> list[int]:
    """Indices of each sentence's first occurrence, leaving out any repeat of the headline."""
    seen = {comparison_key(article.headline)} if article.headline else set()
    kept = []
    for index, sentence in enumerate(article.sentences):
        key = comparison_key(sentence)
        if key not in seen:
            seen.add(key)
            kept.append(index)
    return kept


def _sumy_document(article: CleanArticle, kept: Sequence[int]) -> ObjectDocumentModel:
    """The kept sentences (indices into ``article.sentences``) in the article's paragraphs."""
    wanted = set(kept)
    paragraphs, start = [], 0
    for paragraph in article.paragraphs:
        sentences = [
            Sentence(article.sentences[index], _TOKENIZER)
            for index in range(start, start + len(paragraph))
            if index in wanted
        ]
        start += len(paragraph)
        if sentences:
            paragraphs.append(Paragraph(sentences))
    return ObjectDocumentModel(paragraphs)


def _paragraph_openers(document: ObjectDocumentModel) -> set[int]:
    """Positions in ``document.sentences`` that begin a paragraph."""
    openers, position = set(), 0
    for paragraph in document.paragraphs:
        openers.add(position)
        position += len(paragraph.sentences)
    return openers


def _sumy_order(summarizer: _SumySummarizer, document: ObjectDocumentModel) -> list[int]:
    """Sentence positions best first, exactly as sumy sorts them before cutting its summary.

    sumy accepts a callable as the sentence count and hands it every rated sentence, sorted
    best first; keeping them all gives the full ranking. Summarizers that find nothing to rate
    (no content words) never call it, and the document order stands.
    """
    ranked: list[int] = []

    def keep_all(infos: list[Any]) -> list[Any]:
        ranked.extend(info.order for info in infos)
        return infos

    summarizer(document, keep_all)
    return ranked or list(range(len(document.sentences)))


def _in_summary_likelihood(rank_fraction: float) -> float:
    return 1.0 / (1.0 + math.exp(_LIKELIHOOD_SLOPE * rank_fraction - _LIKELIHOOD_AT_BEST))


def _long_read_weight(position: int) -> float:
    return 1.0 / (1.0 + (position / _LONG_READ_OPENING) ** 2)


def _briefbot_order(document: ObjectDocumentModel) -> list[int]:
    centrality = _sumy_order(_CENTRALITY, document)
    openers = _paragraph_openers(document)
    count = len(centrality)
    long_read = count > _LONG_READ_SENTENCES
    gain = [0.0] * count
    sentences = document.sentences
    for rank, position in enumerate(centrality):
        worth = _in_summary_likelihood(rank / count) - _BREAK_EVEN_LIKELIHOOD
        if worth > 0 and position not in openers:
            # An elaboration tells a reader less than its paragraph's opener, at the same cost.
            worth *= _ELABORATION_WEIGHT
        gain[position] = worth * len(sentences[position].words)
        if long_read:
            gain[position] *= _long_read_weight(position)
    order = sorted(range(count), key=lambda position: -gain[position])
    if long_read:
        order.remove(0)
        order.insert(0, 0)
    return order


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ALGORITHMS:
        raise ValueError(
            f"unknown summary algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}"
        )


def rank_sentences(article: CleanArticle, algorithm: str = DEFAULT_ALGORITHM) -> list[int]:
    """Indices into ``article.sentences``, best first; each distinct sentence once."""
    _check_algorithm(algorithm)
    distinct = _distinct_sentences(article)
    if algorithm == LEAD or not distinct:
        return distinct
    document = _sumy_document(article, distinct)
    if algorithm == DEFAULT_ALGORITHM:
        order = _briefbot_order(document)
    else:
        order = _sumy_order(_baseline(algorithm), document)
    return [distinct[position] for position in order]


def summarize(
    article: CleanArticle, count: int = 3, algorithm: str = DEFAULT_ALGORITHM
) -> list[str]:
    """At most ``count`` distinct sentences of the article, in reading order."""
    return summary_from_ranking(article, rank_sentences(article, algorithm), count)


def summary_from_ranking(
    article: CleanArticle,
    ranking: list[int],
    count: int = 3,
    speakers: Mapping[int, str] | None = None,
) -> list[str]:
    """The best ``count`` sentences of a ranking from ``rank_sentences``, in reading order.

    ``speakers``: who said a sentence, by its index, for a quote whose speaker stood on a
    line of its own after it (a pull quote): the briefing names them, "… — Jane Doe".
    """
    if count < 0:
        raise ValueError(f"a summary cannot have {count} sentences")
    speakers = speakers or {}
    return [
        f"{article.sentences[index]} — {speakers[index]}"
        if index in speakers
        else article.sentences[index]
        for index in sorted(ranking[:count])
    ]
