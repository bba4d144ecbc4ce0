"""Digest preferences: only chosen actors or keywords, and how many articles a digest shows.

An article passes a chat's filters when one of the chosen actors took a position in it, or
one of the keywords occurs in its title, summary or text as a whole word, in any case. A
keyword is a plain word: it is matched literally (escaped), never used as a pattern. With no
filters every article passes. A chat whose preferences are all back to the defaults has no
row, and shares the common instant digest again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Actor, Article, DigestPreference, Statement, Subscriber

MAX_ACTORS = 10
MAX_KEYWORDS = 10
MAX_KEYWORD_LENGTH = 40
# Letters and digits, with inner apostrophes or hyphens ("cease-fire", "Kyiv's").
KEYWORD = re.compile(r"\w+(?:['-]\w+)*")


@dataclass(frozen=True)
class Preferences:
    actors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    max_articles: int | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.actors or self.keywords)


def _row(session: Session, subscriber: Subscriber) -> DigestPreference:
    row = session.get(DigestPreference, subscriber.id)
    if row is None:
        row = DigestPreference(subscriber_id=subscriber.id, actor_ids=[], keywords=[])
        session.add(row)
    return row


def _drop_if_default(session: Session, row: DigestPreference) -> None:
    if not row.actor_ids and not row.keywords and row.max_articles is None:
        if row in session.new:
            session.expunge(row)
        else:
            session.delete(row)
    session.flush()


def preferences_of(session: Session, subscriber: Subscriber | None) -> Preferences:
    row = session.get(DigestPreference, subscriber.id) if subscriber is not None else None
    if row is None:
        return Preferences()
    rows = session.execute(select(Actor.id, Actor.name).where(Actor.id.in_(row.actor_ids)))
    names = {actor_id: name for actor_id, name in rows}
    return Preferences(
        tuple(names[i] for i in row.actor_ids if i in names),
        tuple(row.keywords),
        row.max_articles,
    )


def set_actors(session: Session, subscriber: Subscriber, actor_ids: Sequence[int]) -> None:
    """Keep only articles with positions by these actors (or the keywords); [] drops it."""
    if len(actor_ids) > MAX_ACTORS:
        raise ValueError(f"at most {MAX_ACTORS} actors")
    row = _row(session, subscriber)
    row.actor_ids = list(dict.fromkeys(actor_ids))
    _drop_if_default(session, row)


def set_keywords(session: Session, subscriber: Subscriber, keywords: Sequence[str]) -> None:
    """Keep only articles with one of these words (or the actors); [] drops the filter."""
    if len(keywords) > MAX_KEYWORDS:
        raise ValueError(f"at most {MAX_KEYWORDS} keywords")
    for keyword in keywords:
        if len(keyword) > MAX_KEYWORD_LENGTH or not KEYWORD.fullmatch(keyword):
            raise ValueError(f"not a plain word: {keyword!r}")
    row = _row(session, subscriber)
    row.keywords = list(dict.fromkeys(keyword.lower() for keyword in keywords))
    _drop_if_default(session, row)


def set_max_articles(session: Session, subscriber: Subscriber, limit: int | None) -> None:
    """Show at most ``limit`` articles in a digest (None: the usual number)."""
    row = _row(session, subscriber)
    row.max_articles = limit
    _drop_if_default(session, row)


def clear_filters(session: Session, subscriber: Subscriber) -> None:
    row = _row(session, subscriber)
    row.actor_ids, row.keywords = [], []
    _drop_if_default(session, row)


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern for whole-word, any-case matches of the keywords, each escaped."""
    if not keywords:
        return None
    words = "|".join(re.escape(keyword) for keyword in sorted(keywords, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


def matching_articles(
    session: Session, preference: DigestPreference, article_ids: Sequence[int]
) -> list[int]:
    """The ids among ``article_ids`` that pass the preference's filters, in the same order."""
    if not preference.actor_ids and not preference.keywords:
        return list(article_ids)
    kept: set[int] = set()
    if preference.actor_ids:
        kept.update(
            session.scalars(
                select(Statement.article_id).where(
                    Statement.article_id.in_(article_ids),
                    Statement.actor_id.in_(preference.actor_ids),
                )
            )
        )
    pattern = keyword_pattern(preference.keywords)
    if pattern is not None:
        rows = session.execute(
            select(Article.id, Article.title, Article.summary, Article.text).where(
                Article.id.in_([i for i in article_ids if i not in kept])
            )
        )
        for article_id, title, summary, text in rows:
            if any(pattern.search(part) for part in (title, " ".join(summary), text)):
                kept.add(article_id)
    return [article_id for article_id in article_ids if article_id in kept]
