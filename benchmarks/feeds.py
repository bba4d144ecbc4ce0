"""Feed polling cost, measured in one run against a local HTTP server.

Serves FEEDS RSS feeds of ENTRIES teaser entries each (every entry links to its own page,
a news-like article), then times three polls of all of them into a fresh SQLite store:
the first (every page fetched and ingested), an unchanged one (every feed answers 304) and
a changed one whose entries are all stored already (feeds fetched, no page fetched).
Run: ``python -m benchmarks.feeds --feeds 50 --entries 4``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.corpus import news_like
from bot.pipeline.actors import Registry
from bot.pipeline.ingest import Ingestor
from bot.sources.feeds import FeedPoller
from bot.sources.fetch import Fetcher
from storage.clock import utcnow
from storage.db import open_database
from tests.local_web import LocalWeb

INTERVAL = timedelta(minutes=5)


def feed_xml(web: LocalWeb, feed: int, entries: int, version: int) -> bytes:
    items = "".join(
        f"<item><title>Story {feed}-{entry}</title>"
        f"<link>{web.url(f'/page/{feed}/{entry}')}?utm_source=rss</link>"
        f"<description>Teaser {version}.</description></item>"
        for entry in range(entries)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>'
        f"<link>{web.base}</link><description>v{version}</description>{items}</channel></rss>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--entries", type=int, default=4)
    args = parser.parse_args()
    articles = iter(news_like(args.feeds * args.entries))
    with LocalWeb() as web, tempfile.TemporaryDirectory() as folder:
        urls = []
        for feed in range(args.feeds):
            for entry in range(args.entries):
                _name, text = next(articles)
                web.add(f"/page/{feed}/{entry}", body=text, content_type="text/plain")
            urls.append(
                web.add(
                    f"/feed/{feed}.xml",
                    body=feed_xml(web, feed, args.entries, 1),
                    content_type="application/rss+xml",
                    etag='"v1"',
                )
            )
        _engine, sessions = open_database(f"sqlite:///{Path(folder) / 'feeds.db'}")
        with Fetcher() as fetcher:
            poller = FeedPoller(sessions, Ingestor(sessions, Registry.load()), fetcher, INTERVAL)
            now = utcnow()
            for label in ("first poll", "unchanged (304)", "changed, all known"):
                if label.startswith("changed"):
                    for feed, url in enumerate(urls):
                        web.add(
                            url.removeprefix(web.base),
                            body=feed_xml(web, feed, args.entries, 2),
                            content_type="application/rss+xml",
                            etag='"v2"',
                        )
                pages_before = sum(1 for r in web.requests if r.path.startswith("/page/"))
                started = time.perf_counter()
                report = poller.poll_due(urls, now)
                seconds = time.perf_counter() - started
                pages = sum(1 for r in web.requests if r.path.startswith("/page/")) - pages_before
                print(
                    f"{label:<20} {seconds * 1000:8.0f} ms total, "
                    f"{seconds * 1000 / len(urls):6.1f} ms/feed, {pages} page(s) fetched; "
                    f"{report.summary_line()}"
                )
                now += INTERVAL


if __name__ == "__main__":
    main()
