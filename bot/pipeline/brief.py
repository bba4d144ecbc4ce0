"""One article through the whole pipeline: clean, summarise, title, extract positions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.pipeline.actors import Registry, find_mentions
from bot.pipeline.article import CleanArticle
from bot.pipeline.clean import clean_article
from bot.pipeline.extract import ExtractedStatement, extract_statements, speaks_in_first_person
from bot.pipeline.load import LoadedText, RejectedInput
from bot.pipeline.summarize import DEFAULT_ALGORITHM, rank_sentences, summary_from_ranking

MAX_TITLE_CHARS = 160
SUMMARY_SENTENCES = 3


@dataclass(frozen=True)
class Briefing:
    title: str
    article: CleanArticle
    summary: list[str]
    statements: list[ExtractedStatement]
    published: datetime | None


def shorten(sentence: str, limit: int = MAX_TITLE_CHARS) -> str:
    """A sentence as a title: no final full stop, cut at a word boundary if too long."""
    text = sentence.strip().rstrip(".")
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–— ")
    return f"{cut}…"


def derive_title(article: CleanArticle, ranking: list[int]) -> str:
    """The headline, or a title made from the sentence that opens the article's briefing.

    The briefing's sentence read first, not its best-ranked one: a best-ranked quote or
    aside makes a poor title, the briefing's opening names what the article is about.
    """
    if article.headline:
        return shorten(article.headline, limit=MAX_TITLE_CHARS)
    return shorten(article.sentences[min(ranking[:SUMMARY_SENTENCES], default=0)])


def pull_quote_speakers(article: CleanArticle, registry: Registry) -> dict[int, str]:
    """The people named on the line right after someone's own words (a pull quote's byline),
    by the sentence's index; the writer's sentence before a short heading gives nobody."""
    speakers = {}
    for index, line in article.bylines:
        if not speaks_in_first_person(article.sentences[index]):
            continue
        people = [m.actor for m in find_mentions(registry, line) if m.actor.kind == "person"]
        if people:
            speakers[index] = people[0].name
    return speakers


def title_and_summary(
    article: CleanArticle,
    sentences: int = SUMMARY_SENTENCES,
    algorithm: str = DEFAULT_ALGORITHM,
    registry: Registry | None = None,
) -> tuple[str, list[str]]:
    """Both from one ranking of the sentences; with ``registry``, a pull quote in the
    summary names its speaker."""
    ranking = rank_sentences(article, algorithm)
    speakers = pull_quote_speakers(article, registry) if registry is not None else None
    return derive_title(article, ranking), summary_from_ranking(
        article, ranking, sentences, speakers
    )


def clean_or_reject(loaded: LoadedText) -> CleanArticle:
    article = clean_article(loaded.text, headline=loaded.headline)
    if not article.sentences:
        raise RejectedInput("no article text left after removing boilerplate")
    return article


def brief(
    loaded: LoadedText,
    registry: Registry,
    *,
    sentences: int = SUMMARY_SENTENCES,
    algorithm: str = DEFAULT_ALGORITHM,
) -> Briefing:
    article = clean_or_reject(loaded)
    title, summary = title_and_summary(article, sentences, algorithm, registry)
    return Briefing(
        title=title,
        article=article,
        summary=summary,
        statements=extract_statements(article, registry),
        published=loaded.published,
    )
