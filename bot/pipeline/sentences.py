"""Sentence and word splitting that needs no downloaded data.

sumy's own ``Tokenizer`` loads NLTK's punkt model at run time; this module gives sumy a
tokenizer built on sentencex (rule-based, offline) and a plain regular expression for words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

from sentencex import segment
from sumy.nlp.stemmers import Stemmer

LANGUAGE = "english"

# sumy keeps only tokens that look like words (letters, inner apostrophes and hyphens):
# runs of letters joined by single apostrophes or hyphens.
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def split_sentences(text: str) -> list[str]:
    """Split running text into sentences, dropping empty pieces and outer white space."""
    return [piece.strip() for piece in segment("en", text) if piece.strip()]


def words(sentence: str) -> list[str]:
    """The word tokens of a sentence, as sumy's summarizers expect them."""
    return _WORD.findall(sentence)


def has_words(sentence: str, count: int) -> bool:
    """Whether ``sentence`` has at least ``count`` word tokens, found without listing all."""
    return sum(1 for _ in islice(_WORD.finditer(sentence), count)) == count


_english_stemmer = Stemmer(LANGUAGE)


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """sumy's English stemmer (NLTK's Snowball), memoised: it dominates a sumy profile, and
    summaries and change detection stem the same words."""
    return _english_stemmer(word)


class OfflineTokenizer:
    """A drop-in for ``sumy.nlp.tokenizers.Tokenizer`` that never touches NLTK data."""

    language = LANGUAGE

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(words(sentence))
