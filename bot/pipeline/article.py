"""The cleaned article that every later pipeline stage works on."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property

_PUNCTUATION = re.compile(r"[^\w\s]")
# The same characters within ASCII, for str.translate: it drops them faster than re.sub.
_ASCII_PUNCTUATION = dict.fromkeys(c for c in range(128) if _PUNCTUATION.match(chr(c)))


def comparison_key(text: str) -> str:
    """Text equal up to case, white space and punctuation gives the same key."""
    folded = text.casefold()
    if folded.isascii():
        return " ".join(folded.translate(_ASCII_PUNCTUATION).split())
    return " ".join(_PUNCTUATION.sub("", folded).split())


@dataclass(frozen=True)
class CleanArticle:
    """Reader-facing text of one article: its headline (if it had one) and its sentences.

    ``paragraphs`` hold sentences in reading order; boilerplate, headings, reading lists and
    repeated text are already gone, so every sentence here may reach a reader. ``bylines``
    are short lines that stood right after a sentence (index into ``sentences``) and may name
    its speaker, as under a pull quote.
    """

    headline: str | None
    paragraphs: tuple[tuple[str, ...], ...]
    bylines: tuple[tuple[int, str], ...] = ()
    sentences: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        flat = tuple(sentence for paragraph in self.paragraphs for sentence in paragraph)
        object.__setattr__(self, "sentences", flat)

    @cached_property
    def text(self) -> str:
        """Paragraphs joined with blank lines, one sentence after another."""
        return "\n\n".join(" ".join(paragraph) for paragraph in self.paragraphs)

    @cached_property
    def fingerprint(self) -> str:
        """A content hash that ignores case, white space and punctuation differences."""
        return hashlib.sha256(comparison_key(self.text).encode("utf-8")).hexdigest()
