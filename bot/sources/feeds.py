"""RSS and Atom feeds: which are configured, polling the due ones, and their entries.

A poll is one conditional GET (ETag / Last-Modified): a 304 costs nothing more. A feed that
fails waits longer each time (doubling, capped) and its error is kept for /stats; it never
stops the other feeds. An entry whose feed carries the whole article is stored from the
feed; otherwise its linked page is fetched — and only if that address is not stored yet.
"""

from __future__ import annotations

import calendar
import html
import io
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import feedparser
from feedparser.exceptions import ThingsNobodyCaresAboutButMe
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.pipeline.ingest import DatabaseUnavailable, FileResult, Ingestor, WebOrigin
from bot.sources.fetch import Fetcher, FetchError, Response, host_is_public
from bot.sources.pages import WebResult, ingest_url, stored_copy
from bot.sources.urls import InvalidUrl, normalise_url
from storage import feeds as store
from storage.feeds import FeedState

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
FULL_ARTICLE_WORDS = 150  # an entry this long is the article, not a teaser
MAX_ENTRIES_PER_POLL = 50  # the newest; a feed dumping its archive cannot flood a scan
MAX_BACKOFF = timedelta(hours=6)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Entry:
    link: str | None
    title: str | None
    published: datetime | None
    body_html: str  # the entry's content, else its summary; may be empty

    @property
    def source(self) -> str:
        return self.link or f"feed entry “{self.title or 'untitled'}”"


@dataclass(frozen=True)
class ParsedFeed:
    entries: list[Entry]
    damage: str | None = None  # what is wrong with a feed that could be read only in part


def parse_feed(response: Response) -> ParsedFeed:
    """The entries of an RSS or Atom document, newest first as the feed lists them."""
    # A stream, never a string: feedparser would fetch a string that looks like an address.
    parsed = feedparser.parse(
        io.BytesIO(response.content),
        response_headers={
            "content-type": response.media_type
            + (f"; charset={response.charset}" if response.charset else ""),
            "content-location": response.url,
        },
    )
    problem = parsed.get("bozo_exception")
    detail = f": {str(problem).strip().splitlines()[0]}" if problem and str(problem) else ""
    if not parsed.entries and (parsed.bozo or not parsed.version):
        raise FetchError(f"not a valid RSS or Atom feed{detail}")
    entries = [_entry(raw) for raw in parsed.entries]
    # Encoding mix-ups are feedparser's routine repairs; broken markup means entries may be
    # missing or cut, which the operator should hear about even though the rest is stored.
    if parsed.bozo and not isinstance(problem, ThingsNobodyCaresAboutButMe):
        return ParsedFeed(entries, f"malformed feed, read only in part{detail}")
    return ParsedFeed(entries)


def _entry(raw: Any) -> Entry:
    contents = raw.get("content") or []
    body = next((c.get("value", "") for c in contents if c.get("value")), "")
    when = raw.get("published_parsed") or raw.get("updated_parsed")
    return Entry(
        link=(raw.get("link") or "").strip() or None,
        title=html.unescape(raw.get("title") or "").strip() or None,
        published=datetime.fromtimestamp(calendar.timegm(when), UTC) if when else None,
        body_html=body or raw.get("summary") or "",
    )


def _address(link: str | None) -> str | None:
    """The normalised address of an entry's link, if it has one briefbot can fetch."""
    try:
        return normalise_url(link) if link else None
    except InvalidUrl:
        return None


def newest_entries(entries: Sequence[Entry]) -> list[Entry]:
    """The newest MAX_ENTRIES_PER_POLL entries, oldest first, so article ids follow time:
    by date where the feed gives one, else in reverse feed order (feeds list newest first)."""
    undated = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(reversed(entries), key=lambda entry: entry.published or undated)
    return ordered[-MAX_ENTRIES_PER_POLL:]


def is_full_article(body_html: str) -> bool:
    return len(_TAG.sub(" ", body_html).split()) >= FULL_ARTICLE_WORDS


def backoff(failures: int, interval: timedelta) -> timedelta:
    """The wait after ``failures`` failures in a row: the interval, doubling, capped."""
    return max(interval, min(interval * 2 ** min(failures - 1, 20), MAX_BACKOFF))


@dataclass
class FeedResult:
    url: str
    outcome: str  # updated | not modified | failed
    error: str | None = None
    entries: list[FileResult] = field(default_factory=list)


@dataclass
class FeedReport:
    feeds: list[FeedResult] = field(default_factory=list)
    stopped: str | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for feed in self.feeds if feed.outcome == outcome)

    def entries(self, status: str) -> int:
        return sum(1 for feed in self.feeds for e in feed.entries if e.status == status)

    def summary_line(self) -> str:
        line = (
            f"{len(self.feeds)} feed(s): {self.count('updated')} updated, "
            f"{self.count('not modified')} not modified, {self.count('failed')} failed; "
            f"entries: {self.entries('added')} added, {self.entries('duplicate')} already "
            f"stored, {self.entries('rejected')} rejected"
        )
        return f"{line}; stopped: {self.stopped}" if self.stopped else line


class FeedPoller:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        ingestor: Ingestor,
        fetcher: Fetcher,
        interval: timedelta,
    ) -> None:
        self.sessions = sessions
        self.ingestor = ingestor
        self.fetcher = fetcher
        self.interval = interval

    def poll_due(self, urls: Sequence[str], now: datetime) -> FeedReport:
        """Poll every configured feed whose time has come; ``now`` is when the scan began,
        so a feed polled at this scan is due again exactly one interval later."""
        report = FeedReport()
        try:
            self._write(store.ensure_feeds, urls, now)
            with self.sessions.begin() as session:
                due = store.due_feeds(session, urls, now)
            for state in due:
                report.feeds.append(self.poll(state, now))
        except DatabaseUnavailable as error:
            report.stopped = str(error)
        except SQLAlchemyError as error:
            report.stopped = f"database error: {type(error).__name__}"
        return report

    def poll(self, state: FeedState, now: datetime) -> FeedResult:
        try:
            response = self.fetcher.get(
                state.url,
                accept=FEED_ACCEPT,
                etag=state.etag,
                last_modified=state.last_modified,
            )
            parsed = ParsedFeed([]) if response.not_modified else parse_feed(response)
        except FetchError as error:
            return self._failed(state, error.reason, now)
        except Exception as error:  # a bug with one feed must not stop the others
            log.exception("polling %s failed", state.url)
            return self._failed(state, f"internal error ({type(error).__name__})", now)
        if response.not_modified:
            self._succeeded(state.url, state.etag, state.last_modified, 0, now)
            return FeedResult(state.url, "not modified")
        # A feed on the internet may only send us to the internet; an intranet feed may
        # link to its own network.
        public_only = host_is_public(urlsplit(state.url).hostname)
        results = [self._ingest_safely(e, public_only) for e in newest_entries(parsed.entries)]
        # An entry that failed for a passing reason is tried again: the next poll must get
        # the whole feed, not a 304, so the validators are not kept.
        retry = any(isinstance(r, WebResult) and r.retry for r in results)
        added = sum(1 for result in results if result.status == "added")
        self._succeeded(
            state.url,
            None if retry else response.etag,
            None if retry else response.last_modified,
            added,
            now,
        )
        return FeedResult(state.url, "updated", parsed.damage, results)

    def _ingest_safely(self, entry: Entry, public_only: bool) -> FileResult:
        try:
            return self.ingest_entry(entry, public_only=public_only)
        except DatabaseUnavailable:
            raise
        except Exception as error:  # a bug with one entry must not stop the others
            log.exception("storing an entry of %s failed", entry.link or entry.title)
            return FileResult(entry.source, "rejected", f"internal error ({type(error).__name__})")

    def ingest_entry(self, entry: Entry, *, public_only: bool = True) -> FileResult:
        key = _address(entry.link)
        if entry.link and key and not is_full_article(entry.body_html):
            return ingest_url(
                self.ingestor,
                self.fetcher,
                entry.link,
                headline=entry.title,
                published=entry.published,
                public_only=public_only,
            )
        if not entry.body_html.strip():
            return FileResult(entry.source, "rejected", "feed entry with neither a link nor text")
        if key is not None and (known := stored_copy(self.ingestor, entry.source, key)):
            return known
        return self.ingestor.ingest_bytes(
            entry.body_html.encode("utf-8"),
            entry.source,
            "entry.html",
            WebOrigin(key, entry.title, entry.published),
        )

    def _succeeded(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        added: int,
        now: datetime,
    ) -> None:
        self._write(
            store.record_success,
            url,
            etag=etag,
            last_modified=last_modified,
            added=added,
            now=now,
            next_poll_at=now + self.interval,
        )

    def _failed(self, state: FeedState, reason: str, now: datetime) -> FeedResult:
        wait = backoff(state.consecutive_errors + 1, self.interval)
        self._write(store.record_failure, state.url, reason, now + wait)
        return FeedResult(state.url, "failed", reason)

    def _write(self, function: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        try:
            with self.sessions.begin() as session:
                function(session, *args, **kwargs)
        except SQLAlchemyError as error:
            raise DatabaseUnavailable(f"database error: {type(error).__name__}") from error
