"""Turn an article's raw text into the sentences a reader may see.

Works line by line, because the junk in real pages is line-shaped: headings, bullets,
reading-list entries, comment forms, a generator's leaked instructions, a repeated copy of
the whole text. Sentences are split within a line only, so a heading can never be glued to
the sentence that follows it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

from bot.pipeline import boilerplate
from bot.pipeline.article import CleanArticle
from bot.pipeline.patterns import longest_match
from bot.pipeline.sentences import has_words, split_sentences, words

MAX_HEADING_WORDS = 20
MAX_BYLINE_WORDS = 8
MAX_LABEL_WORDS = 8

_TERMINAL = re.compile(r"[.!?…]['\"’”)\]]*$")
_CONTINUES = re.compile(r"(?:[,;(\-–]|\b(?:a|an|the|of|to|and|or|in|on|for|with|by|at|from))$")
# A match ends the line (or stands before a final newline), so it starts no further back
# than this: searching only there spares trying the pattern at every position of the line.
_CONTINUES_REACH = longest_match(_CONTINUES) + 1
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# A run of white space within a line, to become one space; a lone space (most of them) is
# left out, as replacing it changes nothing and costs as much as any other replacement.
_SPACES = re.compile(r"[^\S\n](?:[^\S\n]+|(?<! ))")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "nor",
        "of",
        "on",
        "or",
        "over",
        "per",
        "the",
        "to",
        "up",
        "via",
        "vs",
        "with",
    ]
)


_STRAIGHT_QUOTES = str.maketrans("‘’“”´`", "''\"\"''")


# Most lines are one sentence, folded once when lines are de-duplicated and again as a
# sentence; the cache makes the second time free.
@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """A comparison key: lower case, straight quotes, single spaces, no edge punctuation."""
    text = text.casefold().translate(_STRAIGHT_QUOTES)
    return _SPACES.sub(" ", text).strip(" .,:;!?\"'")


def normalise(raw: str) -> str:
    """Unicode NFC, Unix newlines, plain spaces, no invisible or control characters."""
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():  # every invisible character is outside ASCII
        text = text.translate(_INVISIBLE)
    text = _CONTROL.sub("", text)
    return "\n".join(line.strip() for line in _SPACES.sub(" ", text).split("\n"))


def _unwrap(lines: list[str]) -> Iterator[str]:
    """Join hard-wrapped lines back into one: a line that stops mid-sentence continues."""
    pending = ""
    for line in lines:
        if pending and line and (line[0].islower() or _continues(pending)):
            pending = f"{pending} {line}"
            continue
        if pending or line:
            yield pending
        pending = line
    yield pending


def _continues(line: str) -> bool:
    """Whether the line stops mid-sentence: on a comma, a dash, "the", "of" …"""
    return bool(_CONTINUES.search(line, max(0, len(line) - _CONTINUES_REACH)))


def _is_title_cased(text: str) -> bool:
    tokens = words(text)
    significant = [token for token in tokens if token.lower() not in _SMALL_WORDS]
    return bool(significant) and all(token[0].isupper() for token in significant)


def _looks_like_heading(line: str) -> bool:
    if _TERMINAL.search(line) or line.endswith(","):
        return False
    return 0 < len(words(line)) <= MAX_HEADING_WORDS


def _is_reading_list_entry(line: str) -> bool:
    """'Publisher: Title – This resource …' or 'Some Report Title – While not …'."""
    if boilerplate.READING_LIST_LINE.search(line):
        return True
    title, dash, _ = line.partition(" – ")
    return bool(dash) and len(words(title)) <= MAX_LABEL_WORDS and _is_title_cased(title)


def _strip_label(item: str) -> str:
    """'Erosion of Trust: For Ukraine, …' keeps only the sentence after the label."""
    match = boilerplate.LABEL_PREFIX.match(item)
    if match and len(words(match["label"])) <= MAX_LABEL_WORDS and _is_title_cased(match["label"]):
        return match["rest"]
    return item


class _Builder:
    """Collects paragraphs of kept lines, then splits and de-duplicates their sentences."""

    def __init__(self) -> None:
        # (line, vetted): vetted lines are exactly as ``_content_lines`` let them through.
        self.paragraphs: list[list[tuple[str, bool]]] = [[]]
        self.bylines: list[tuple[int, str]] = []

    def add_line(self, line: str, *, vetted: bool) -> None:
        self.paragraphs[-1].append((line, vetted))

    def end_paragraph(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    @property
    def last_line_open(self) -> bool:
        """A body line was just added, so a short line now may name its speaker."""
        return bool(self.paragraphs[-1])

    def add_byline(self, text: str) -> None:
        self.bylines.append((sum(map(len, self.paragraphs)) - 1, text))

    def build(self, headline: str | None) -> CleanArticle:
        seen: set[str] = set()
        paragraphs: list[tuple[str, ...]] = []
        line_to_sentence: dict[int, int] = {}
        line_number = -1
        sentence_count = 0
        # _unwrap has joined hard-wrapped lines, so each line left is a paragraph of its own.
        for line, vetted in (entry for block in self.paragraphs for entry in block):
            line_number += 1
            kept: list[str] = []
            for sentence in split_sentences(line):
                key = fold(sentence)
                if key in seen or not _is_reader_text(sentence, vetted and sentence == line):
                    continue
                seen.add(key)
                kept.append(sentence)
                sentence_count += 1
            line_to_sentence[line_number] = sentence_count - 1
            if kept:
                paragraphs.append(tuple(kept))
        bylines = tuple(
            (line_to_sentence[line], text)
            for line, text in self.bylines
            if line_to_sentence.get(line, -1) >= 0
        )
        return CleanArticle(headline=headline, paragraphs=tuple(paragraphs), bylines=bylines)


def _is_reader_text(sentence: str, vetted_line: bool) -> bool:
    """``vetted_line``: the sentence is a whole line that ``_content_lines`` let through, so
    it is known to be neither furniture nor a generator leak (the costliest tests)."""
    return (
        has_words(sentence, 2)
        and not boilerplate.META_SENTENCE.search(sentence)
        and (
            vetted_line
            or not (
                boilerplate.FURNITURE_LINE.search(sentence)
                or boilerplate.GENERATOR_LEAK.search(sentence)
            )
        )
    )


def _content_lines(lines: Iterable[str]) -> Iterator[str]:
    """Lines up to a leaked generator instruction, each seen once, furniture removed.

    Empty lines are kept: they separate paragraphs.
    """
    seen: set[str] = set()
    for line in lines:
        if boilerplate.GENERATOR_LEAK.search(line):
            return
        if line:
            key = fold(line)
            if key in seen or boilerplate.FURNITURE_LINE.search(line):
                continue
            seen.add(key)
        yield line


def clean_article(raw: str, headline: str | None = None) -> CleanArticle:
    """Clean raw article text; ``headline`` is one already known (from HTML or Markdown)."""
    builder = _Builder()
    in_boilerplate_section = False
    known_headline = fold(headline) if headline else None
    expecting_headline = headline is None
    for line in _content_lines(_unwrap(normalise(raw).split("\n"))):
        if not line:
            builder.end_paragraph()
            continue
        if known_headline is not None and fold(line) == known_headline:
            continue
        bullet = boilerplate.BULLET.match(line)
        if bullet:
            line = line[bullet.end() :]
        elif _looks_like_heading(line):
            heading = line.rstrip(":").strip()
            if expecting_headline:
                headline = heading
            elif builder.last_line_open and len(words(heading)) <= MAX_BYLINE_WORDS:
                builder.add_byline(heading)
            in_boilerplate_section = bool(boilerplate.BOILERPLATE_SECTION.search(heading))
            expecting_headline = False
            builder.end_paragraph()
            continue
        expecting_headline = False
        if in_boilerplate_section or _is_reading_list_entry(line):
            continue
        if bullet:
            builder.add_line(_strip_label(line), vetted=False)
        else:
            builder.add_line(line, vetted=True)
    return builder.build(headline)
