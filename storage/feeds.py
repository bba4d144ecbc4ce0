"""Feeds and web articles: per-feed polling state, and articles by normalised address.

Like ``storage.repository``, these functions take a session and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Article, Feed

# The widths of the feeds columns.
MAX_ERROR, MAX_ETAG, MAX_LAST_MODIFIED = 512, 512, 128


@dataclass(frozen=True)
class FeedState:
    url: str
    etag: str | None
    last_modified: str | None
    consecutive_errors: int
    total_errors: int
    last_error: str | None
    last_success_at: datetime | None
    next_poll_at: datetime
    articles_added: int


def _state(feed: Feed) -> FeedState:
    return FeedState(
        url=feed.url,
        etag=feed.etag,
        last_modified=feed.last_modified,
        consecutive_errors=feed.consecutive_errors,
        total_errors=feed.total_errors,
        last_error=feed.last_error,
        last_success_at=feed.last_success_at,
        next_poll_at=feed.next_poll_at,
        articles_added=feed.articles_added,
    )


def article_with_url(session: Session, url: str) -> Article | None:
    return session.scalars(select(Article).where(Article.url == url)).first()


def ensure_feeds(session: Session, urls: Sequence[str], now: datetime) -> None:
    """A row for every configured feed, new ones due at once."""
    known = set(session.scalars(select(Feed.url).where(Feed.url.in_(list(urls)))))
    for url in dict.fromkeys(urls):
        if url not in known:
            session.add(
                Feed(
                    url=url,
                    next_poll_at=now,
                    consecutive_errors=0,
                    total_errors=0,
                    articles_added=0,
                )
            )
    session.flush()


def feed_states(session: Session, urls: Sequence[str]) -> list[FeedState]:
    """The state of each of ``urls`` that has been seen, in the order given."""
    feeds = {f.url: f for f in session.scalars(select(Feed).where(Feed.url.in_(list(urls))))}
    return [_state(feeds[url]) for url in dict.fromkeys(urls) if url in feeds]


def due_feeds(session: Session, urls: Sequence[str], now: datetime) -> list[FeedState]:
    return [state for state in feed_states(session, urls) if state.next_poll_at <= now]


def record_success(
    session: Session,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    added: int,
    now: datetime,
    next_poll_at: datetime,
) -> None:
    session.execute(
        update(Feed)
        .where(Feed.url == url)
        .values(
            # A cut validator would never match: one too long for its column is not kept.
            etag=etag if etag and len(etag) <= MAX_ETAG else None,
            last_modified=last_modified
            if last_modified and len(last_modified) <= MAX_LAST_MODIFIED
            else None,
            consecutive_errors=0,
            last_error=None,
            last_success_at=now,
            next_poll_at=next_poll_at,
            articles_added=Feed.articles_added + added,
        )
    )


def record_failure(session: Session, url: str, error: str, next_poll_at: datetime) -> None:
    session.execute(
        update(Feed)
        .where(Feed.url == url)
        .values(
            consecutive_errors=Feed.consecutive_errors + 1,
            total_errors=Feed.total_errors + 1,
            last_error=error[:MAX_ERROR],
            next_poll_at=next_poll_at,
        )
    )
