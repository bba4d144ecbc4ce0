"""The scheduled jobs and the runtime state they share with handlers.

* ``inbox-scan``: every BRIEFBOT_INGEST_INTERVAL seconds (the first a few seconds after
  start), the foundation's ingest of the inbox in a worker thread, then an instant digest
  of whatever it stored, queued in the delivery ledger;
* ``daily-digests``: at the top of every minute, each daily subscriber whose local time has
  come (once a day; a bot that was down catches up on its next run);
* ``fan-out``: every half minute and at start-up, wakes the fan-out worker, so deliveries
  an earlier process left unfinished go out.

``bot.app`` puts them on PTB's JobQueue under these names (``schedule_jobs``), with callbacks
that only hand each job the :class:`Runtime`; nothing here imports Telegram's library.
Jobs are thin: blocking work runs in threads, data access lives in ``storage``, text in
``bot.render``, sending in ``bot.delivery``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import answers, render
from bot.config import Settings
from bot.delivery import FanOut, Throttle
from storage import follows, repository, subscriptions
from storage.clock import utcnow
from storage.subscriptions import QueuedDigest

if TYPE_CHECKING:
    from bot.pipeline.ingest import FileResult, Ingestor, IngestReport
    from bot.sources.feeds import FeedReport

log = logging.getLogger(__name__)

T = TypeVar("T")

RUNTIME = "runtime"
SCAN_JOB, DAILY_JOB, FANOUT_JOB = "inbox-scan", "daily-digests", "fan-out"
FIRST_SCAN_AFTER = 2.0
FANOUT_EVERY = 30.0
CHART_SLOTS = 4


def in_transaction(sessions: sessionmaker[Session], function: Callable[..., T], *args: Any) -> T:
    with sessions.begin() as session:
        return function(session, *args)


# --- the inbox scan -----------------------------------------------------------------------


def _queued_sentences(digest: QueuedDigest | None, alerts: int) -> str:
    line = ""
    if digest:
        line += (
            f" Digest of {digest.articles} article(s) queued for {digest.deliveries} subscriber(s)."
        )
    if alerts:
        line += f" {alerts} alert(s) queued for followers."
    return line


@dataclass(frozen=True)
class ScanResult:
    report: IngestReport
    digest: QueuedDigest | None
    alerts: int = 0
    feeds: FeedReport | None = None

    @property
    def queued(self) -> bool:
        """Something is waiting in the ledger for the fan-out."""
        return bool(self.alerts or (self.digest and self.digest.deliveries))

    def summary(self) -> str:
        line = f"Scan: {self.report.summary_line()}."
        if self.feeds and self.feeds.feeds:
            line += f" Feeds: {self.feeds.summary_line()}."
        return line + _queued_sentences(self.digest, self.alerts)

    def problems(self) -> list[tuple[str, str]]:
        """(source, reason) for each file, feed entry and feed that gave nothing."""
        feeds = self.feeds.feeds if self.feeds else []
        results = [*self.report.results, *(entry for feed in feeds for entry in feed.entries)]
        rejected = [(r.source, r.reason or "") for r in results if r.status == "rejected"]
        return rejected + [(feed.url, feed.error) for feed in feeds if feed.error]


@dataclass(frozen=True)
class PageIngest:
    """``/ingest URL``: what happened to the page, and what it queued."""

    result: FileResult
    digest: QueuedDigest | None
    alerts: int = 0

    @property
    def queued(self) -> bool:
        return bool(self.alerts or (self.digest and self.digest.deliveries))

    def summary(self) -> str:
        result = self.result
        if result.status == "added":
            line = f"Stored “{result.title}” from {result.source}."
        elif result.status == "duplicate":
            line = f"Already stored: “{result.title or result.source}” ({result.reason})."
        else:
            line = f"Not stored: {result.source}: {result.reason}."
        return line + _queued_sentences(self.digest, self.alerts)


class ScanStopped(RuntimeError):
    """The ingest stopped before the end (the database failed)."""


@dataclass
class Scanner:
    """Ingests new or changed files from the inbox, then polls the due feeds; one scan (or
    one ``/ingest URL``) at a time."""

    sessions: sessionmaker[Session]
    inbox: Path
    feeds: tuple[str, ...] = ()
    feed_interval: timedelta = timedelta(seconds=300)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _ingestor: Ingestor | None = None
    _seen: dict[Path, tuple[int, int]] = field(default_factory=dict)

    async def scan(self) -> ScanResult:
        async with self._lock:
            return await asyncio.to_thread(self._scan)

    async def ingest_url(self, url: str) -> PageIngest:
        async with self._lock:
            return await asyncio.to_thread(self._ingest_url, url)

    def _ingest_url(self, url: str) -> PageIngest:
        from bot.sources.fetch import Fetcher
        from bot.sources.pages import ingest_url

        with Fetcher() as fetcher:
            result = ingest_url(self._ingestor or self._make_ingestor(), fetcher, url)
        alerts, digest = self._announce()
        return PageIngest(result, digest, alerts)

    def _announce(self) -> tuple[int, QueuedDigest | None]:
        """Queue the followers' alerts and the instant digest of what was just stored."""
        with self.sessions.begin() as session:
            alerts = follows.queue_alerts(session, utcnow())
            return alerts, subscriptions.create_instant_digest(session, utcnow())

    def _scan(self) -> ScanResult:
        from bot.pipeline.ingest import article_files

        started = utcnow()
        ingestor = self._ingestor or self._make_ingestor()
        self.inbox.mkdir(parents=True, exist_ok=True)
        stamps = {path: _stamp(path) for path in article_files([self.inbox])}
        files = [path for path, stamp in stamps.items() if stamp and self._seen.get(path) != stamp]
        report = ingestor.ingest_paths(files)
        for path, result in zip(files, report.results, strict=False):
            transient = (result.reason or "").startswith(("database error", "internal error"))
            if not transient:  # else tried again at the next scan
                self._seen[path] = stamps[path] or (0, 0)
        if report.stopped:
            # The database failed (full, read-only, gone): queuing a digest would fail the
            # same way; what was stored is announced by the next scan that gets through.
            return ScanResult(report, None)
        feeds = self._poll_feeds(ingestor, started) if self.feeds else None
        alerts, digest = self._announce()
        return ScanResult(report, digest, alerts, feeds)

    def _poll_feeds(self, ingestor: Ingestor, started: datetime) -> FeedReport:
        from bot.sources.feeds import FeedPoller
        from bot.sources.fetch import Fetcher

        with Fetcher() as fetcher:
            poller = FeedPoller(self.sessions, ingestor, fetcher, self.feed_interval)
            return poller.poll_due(self.feeds, started)

    def _make_ingestor(self) -> Ingestor:
        from bot.pipeline.actors import Registry
        from bot.pipeline.ingest import Ingestor

        self._ingestor = Ingestor(self.sessions, Registry.load())
        return self._ingestor


def _stamp(path: Path) -> tuple[int, int] | None:
    """(mtime, size): a file already ingested is only read again if it changed."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


# --- runtime state ------------------------------------------------------------------------


@dataclass
class Runtime:
    """What start-up opens and the handlers and jobs use, kept in ``bot_data``."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    scanner: Scanner
    fanout: FanOut
    throttle: Throttle
    # /who charts drawing or waiting to: beyond this, a burst gets its answers without charts.
    chart_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(CHART_SLOTS))


class HoldsBotData(Protocol):
    """PTB's Application or a callback context: where :func:`runtime` finds the state."""

    @property
    def bot_data(self) -> Mapping[str, object]: ...


def runtime(context: HoldsBotData) -> Runtime:
    found = context.bot_data.get(RUNTIME)
    if not isinstance(found, Runtime):
        raise RuntimeError("briefbot is not initialised (post_init has not run)")
    return found


def digest_parts(session: Session, digest_id: int) -> list[str]:
    """The messages of a digest or an alert, rendered the same way on every call (resumable
    by index)."""
    content = subscriptions.digest_content(session, digest_id)
    if content is None:
        return []
    if content.kind == subscriptions.ALERT:
        alert = answers.alert(session, content.statement_ids)
        return render.alert_messages(alert) if alert else []
    shown = min(content.max_items or render.MAX_DIGEST_ITEMS, render.MAX_DIGEST_ITEMS)
    newest = sorted(content.article_ids)[-shown:]
    items = answers.briefings(session, list(repository.articles_by_id(session, newest)))
    return render.digest_messages(
        items,
        total=len(content.article_ids),
        daily=content.kind == subscriptions.DAILY,
        shown=shown,
    )


# --- the jobs -----------------------------------------------------------------------------


async def scan_inbox(state: Runtime) -> None:
    result = await state.scanner.scan()
    report = result.report
    if report.results or result.digest or (result.feeds and result.feeds.feeds):
        log.info("%s", result.summary())
    for source, reason in result.problems():
        log.warning("rejected %s: %s", source, reason)
    if result.queued:
        state.fanout.kick()
    if report.stopped:
        raise ScanStopped(f"inbox scan stopped: {report.stopped}")
    if result.feeds and result.feeds.stopped:
        raise ScanStopped(f"feed polling stopped: {result.feeds.stopped}")


async def queue_daily_digests(state: Runtime) -> None:
    queued = await asyncio.to_thread(
        in_transaction, state.sessions, subscriptions.create_daily_digests, utcnow()
    )
    if queued:
        log.info("queued %d daily digest(s)", len(queued))
        state.fanout.kick()


async def resume_fan_out(state: Runtime) -> None:
    state.fanout.kick()
