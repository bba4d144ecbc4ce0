"""One web page by address: skipped if stored, else fetched, extracted and stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.pipeline.ingest import DatabaseUnavailable, FileResult, Ingestor, WebOrigin
from bot.sources.fetch import Fetcher, FetchError
from bot.sources.urls import InvalidUrl, normalise_url
from storage import feeds


@dataclass
class WebResult(FileResult):
    retry: bool = False  # a passing failure (timeout, HTTP 5xx): worth fetching again later


def stored_copy(ingestor: Ingestor, source: str, url: str) -> WebResult | None:
    """A duplicate result if the article at normalised ``url`` is already stored."""
    try:
        with ingestor.sessions.begin() as session:
            known = feeds.article_with_url(session, url)
            if known is None:
                return None
            return WebResult(
                source, "duplicate", f"already stored from {known.source}", known.title, known.id
            )
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(f"database error: {type(error).__name__}") from error


def ingest_url(
    ingestor: Ingestor,
    fetcher: Fetcher,
    url: str,
    *,
    headline: str | None = None,
    published: datetime | None = None,
    public_only: bool = False,
) -> WebResult:
    """Store the article at ``url``; a feed entry's ``headline`` and date win over the page's.
    ``public_only``: the address came from third-party content (see ``Fetcher.get``)."""
    source = url.strip()
    try:
        key = normalise_url(source)
    except InvalidUrl as error:
        return WebResult(source, "rejected", str(error))
    known = stored_copy(ingestor, source, key)
    if known is not None:
        return known
    try:
        content, name = fetcher.get(source, public_only=public_only).page()
    except FetchError as error:
        return WebResult(source, "rejected", error.reason, retry=error.transient)
    stored = ingestor.ingest_bytes(content, source, name, WebOrigin(key, headline, published))
    return WebResult(stored.source, stored.status, stored.reason, stored.title, stored.article_id)
