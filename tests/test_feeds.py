"""RSS and Atom feeds: entries stored once, conditional polls, backoff, faults kept apart.

A real HTTP server on 127.0.0.1 serves the feeds and pages (tests/local_web.py); the store
is real SQLite and PostgreSQL. Time is the ``now`` each poll is given.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from pydantic import ValidationError
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.pipeline.actors import Registry
from bot.pipeline.ingest import Ingestor
from bot.sources.feeds import MAX_BACKOFF, FeedPoller, backoff
from bot.sources.fetch import Fetcher
from bot.sources.pages import ingest_url
from storage import feeds as store
from storage.db import alembic_config, make_engine, upgrade
from storage.feeds import FeedState
from storage.models import Article
from tests.local_web import LocalWeb, web
from tests.test_fetch import article_page, seed_text

__all__ = ["web"]

START = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=5)
ETAG = '"feed-v1"'
LAST_MODIFIED = "Mon, 10 Mar 2025 11:00:00 GMT"


def paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.splitlines() if p.strip())


def rss(base: str, *, teaser_path: str = "/teaser") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Example Times</title><link>{base}/</link><description>News</description>
<item>
  <title>Security guarantees, in full</title>
  <link>{base}/full?utm_source=rss</link>
  <guid>{base}/full</guid>
  <pubDate>Tue, 04 Mar 2025 10:00:00 GMT</pubDate>
  <description>Kyiv still waits for guarantees.</description>
  <content:encoded><![CDATA[{paragraphs(seed_text(0))}]]></content:encoded>
</item>
<item>
  <title>Talks resume &amp; stall</title>
  <link>{base}{teaser_path}?utm_medium=feed&amp;fbclid=abc</link>
  <pubDate>Wed, 05 Mar 2025 11:30:00 GMT</pubDate>
  <description>Leaders leave Washington without a deal.</description>
</item>
</channel></rss>""".encode()


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom News</title><id>urn:atom-news</id><updated>2025-03-06T09:00:00Z</updated>
  <entry>
    <title>An Atom story</title><id>urn:atom-news:1</id>
    <link rel="alternate" href="/atom-story"/>
    <updated>2025-03-06T08:30:00Z</updated>
    <summary>A short teaser.</summary>
  </entry>
</feed>"""


@pytest.fixture
def poller(sessions: sessionmaker[Session], registry: Registry) -> Iterator[FeedPoller]:
    with Fetcher(timeout=1.0) as fetcher:
        yield FeedPoller(sessions, Ingestor(sessions, registry), fetcher, INTERVAL)


@pytest.fixture
def pages(web: LocalWeb) -> LocalWeb:
    """The linked article pages (teasers link here)."""
    web.add("/teaser", body=article_page("Page title | Example Times", seed_text(1)).encode())
    web.add("/atom-story", body=article_page("Atom page", seed_text(2)).encode())
    web.add("/full", body=article_page("Full", seed_text(0)).encode())
    return web


def state(sessions: sessionmaker[Session], url: str) -> FeedState:
    with sessions.begin() as session:
        [found] = store.feed_states(session, [url])
    return found


def stored(sessions: sessionmaker[Session]) -> list[tuple[str, str | None, datetime | None]]:
    with sessions.begin() as session:
        rows = session.execute(
            select(Article.title, Article.url, Article.published_at).order_by(Article.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_an_rss_feed_stores_full_entries_from_the_feed_and_fetches_only_teasers_pages(
    pages: LocalWeb, poller: FeedPoller, sessions: sessionmaker[Session]
) -> None:
    url = pages.add("/rss.xml", body=rss(pages.base), content_type="application/rss+xml")
    report = poller.poll_due([url], START)
    [feed] = report.feeds
    assert feed.outcome == "updated" and feed.error is None
    assert [e.status for e in feed.entries] == ["added", "added"]
    assert pages.hits("/full") == []  # the feed carried the whole article
    assert len(pages.hits("/teaser")) == 1
    assert stored(sessions) == [
        (
            "Security guarantees, in full",
            pages.url("/full"),
            datetime(2025, 3, 4, 10, 0, tzinfo=UTC),
        ),
        ("Talks resume & stall", pages.url("/teaser"), datetime(2025, 3, 5, 11, 30, tzinfo=UTC)),
    ]
    assert "feed-accept" not in pages.hits("/rss.xml")[0].headers
    assert "application/rss+xml" in pages.hits("/rss.xml")[0].headers["accept"]
    assert report.summary_line() == (
        "1 feed(s): 1 updated, 0 not modified, 0 failed; "
        "entries: 2 added, 0 already stored, 0 rejected"
    )
    assert state(sessions, url).articles_added == 2


def test_an_atom_feed_with_a_relative_link_is_read_against_the_feed_address(
    pages: LocalWeb, poller: FeedPoller, sessions: sessionmaker[Session]
) -> None:
    url = pages.add("/atom.xml", body=ATOM, content_type="application/atom+xml")
    [feed] = poller.poll_due([url], START).feeds
    assert [e.status for e in feed.entries] == ["added"]
    assert stored(sessions) == [
        ("An Atom story", pages.url("/atom-story"), datetime(2025, 3, 6, 8, 30, tzinfo=UTC))
    ]


def test_the_next_poll_is_conditional_and_a_304_costs_nothing(
    pages: LocalWeb, poller: FeedPoller, sessions: sessionmaker[Session]
) -> None:
    url = pages.add(
        "/rss.xml",
        body=rss(pages.base),
        content_type="application/rss+xml",
        etag=ETAG,
        last_modified=LAST_MODIFIED,
    )
    poller.poll_due([url], START)
    assert poller.poll_due([url], START + INTERVAL / 2).feeds == []  # not due yet
    assert len(pages.hits("/rss.xml")) == 1
    [feed] = poller.poll_due([url], START + INTERVAL).feeds
    assert feed.outcome == "not modified" and feed.entries == []
    second = pages.hits("/rss.xml")[1].headers
    assert second["if-none-match"] == ETAG
    assert second["if-modified-since"] == LAST_MODIFIED
    assert len(pages.hits("/teaser")) == 1  # nothing fetched again
    after = state(sessions, url)
    assert (after.etag, after.last_modified) == (ETAG, LAST_MODIFIED)
    assert after.last_success_at == START + INTERVAL
    assert after.next_poll_at == START + 2 * INTERVAL


def test_a_changed_feed_skips_entries_already_stored_without_fetching_them(
    pages: LocalWeb, poller: FeedPoller, sessions: sessionmaker[Session]
) -> None:
    url = pages.add("/rss.xml", body=rss(pages.base), content_type="application/rss+xml")
    poller.poll_due([url], START)
    [feed] = poller.poll_due([url], START + INTERVAL).feeds
    assert [e.status for e in feed.entries] == ["duplicate", "duplicate"]
    assert len(pages.hits("/teaser")) == 1
    assert len(stored(sessions)) == 2


def test_a_failing_feed_backs_off_and_never_stops_the_others(
    pages: LocalWeb, poller: FeedPoller, sessions: sessionmaker[Session]
) -> None:
    broken = pages.add("/broken.xml", status=500, body=b"oops", content_type="text/plain")
    malformed = pages.add(
        "/malformed.xml",
        body=b"<?xml version='1.0'?><rss version='2.0'><channel><title>Broken</title><<<&&",
        content_type="text/xml",
    )
    not_a_feed = pages.add("/teaser-as-feed", body=b"<html><body><p>hello</p></body></html>")
    good = pages.add("/rss.xml", body=rss(pages.base), content_type="application/rss+xml")
    feeds = [broken, malformed, not_a_feed, good]
    report = poller.poll_due(feeds, START)
    assert [f.outcome for f in report.feeds] == ["failed", "failed", "failed", "updated"]
    assert report.feeds[0].error == "HTTP 500 Internal Server Error"
    assert (report.feeds[1].error or "").startswith("not a valid RSS or Atom feed")
    assert (report.feeds[2].error or "").startswith("not a valid RSS or Atom feed")
    assert len(stored(sessions)) == 2
    first = state(sessions, broken)
    assert (first.consecutive_errors, first.total_errors) == (1, 1)
    assert first.last_error == "HTTP 500 Internal Server Error"
    assert first.next_poll_at == START + INTERVAL

    # Second failure: the wait doubles; meanwhile the feed is not asked at all.
    poller.poll_due([broken], START + INTERVAL)
    second = state(sessions, broken)
    assert (second.consecutive_errors, second.total_errors) == (2, 2)
    assert second.next_poll_at == START + INTERVAL + 2 * INTERVAL
    assert poller.poll_due([broken], START + 2 * INTERVAL).feeds == []
    assert len(pages.hits("/broken.xml")) == 2

    # It recovers: the run of errors ends, the total stays.
    pages.add("/broken.xml", body=ATOM, content_type="application/atom+xml")
    [recovered] = poller.poll_due([broken], START + 3 * INTERVAL).feeds
    assert recovered.outcome == "updated"
    healed = state(sessions, broken)
    assert (healed.consecutive_errors, healed.total_errors, healed.last_error) == (0, 2, None)
    assert healed.last_success_at == START + 3 * INTERVAL


def test_a_feed_readable_only_in_part_stores_what_it_can_and_says_it_is_damaged(
    pages: LocalWeb, poller: FeedPoller, sessions: sessionmaker[Session]
) -> None:
    whole = rss(pages.base).decode()
    # The second item loses its closing tags: feedparser still reads both items.
    damaged = whole.replace("</description>\n</item>\n</channel>", "</description>\n<<&</channel>")
    assert damaged != whole
    feed = pages.add("/damaged.xml", body=damaged.encode(), content_type="application/rss+xml")
    [result] = poller.poll_due([feed], START).feeds
    assert result.outcome == "updated"
    assert (result.error or "").startswith("malformed feed, read only in part: ")
    assert [entry.status for entry in result.entries] == ["added", "added"]
    assert len(stored(sessions)) == 2


def test_backoff_doubles_from_the_interval_and_stops_at_the_cap() -> None:
    assert [backoff(n, INTERVAL) for n in (1, 2, 3, 4)] == [
        INTERVAL,
        2 * INTERVAL,
        4 * INTERVAL,
        8 * INTERVAL,
    ]
    assert backoff(50, INTERVAL) == MAX_BACKOFF
    assert backoff(1, timedelta(hours=12)) == timedelta(hours=12)


def test_an_entry_whose_page_fails_for_now_is_tried_again_at_the_next_poll(
    pages: LocalWeb, poller: FeedPoller, sessions: sessionmaker[Session]
) -> None:
    pages.add("/teaser", status=503, body=b"busy", content_type="text/plain")
    url = pages.add("/rss.xml", body=rss(pages.base), content_type="application/rss+xml", etag=ETAG)
    [feed] = poller.poll_due([url], START).feeds
    assert [(e.status, e.reason) for e in feed.entries] == [
        ("added", None),
        ("rejected", "HTTP 503 Service Unavailable"),
    ]
    assert state(sessions, url).etag is None  # so the next poll gets the entries again
    pages.add("/teaser", body=article_page("Back", seed_text(1)).encode())
    [retried] = poller.poll_due([url], START + INTERVAL).feeds
    assert "if-none-match" not in pages.hits("/rss.xml")[1].headers
    assert [e.status for e in retried.entries] == ["duplicate", "added"]
    assert state(sessions, url).etag == ETAG


def test_a_page_from_ingest_url_and_from_a_feed_is_stored_once(
    pages: LocalWeb, poller: FeedPoller, sessions: sessionmaker[Session]
) -> None:
    added = ingest_url(poller.ingestor, poller.fetcher, pages.url("/teaser#top"))
    assert added.status == "added"
    url = pages.add("/rss.xml", body=rss(pages.base), content_type="application/rss+xml")
    [feed] = poller.poll_due([url], START).feeds
    teaser = feed.entries[1]
    assert (teaser.status, teaser.article_id) == ("duplicate", added.article_id)
    assert teaser.reason == f"already stored from {pages.url('/teaser#top')}"
    assert len(pages.hits("/teaser")) == 1


def test_a_huge_or_slow_feed_is_reported_against_that_feed(
    pages: LocalWeb, poller: FeedPoller, sessions: sessionmaker[Session]
) -> None:
    huge = pages.add("/huge.xml", body=b"<rss>" + b" " * (6 * 1024 * 1024), chunked=True)
    slow = pages.add("/slow.xml", body=ATOM, delay=2.5, content_type="application/atom+xml")
    report = poller.poll_due([huge, slow], START)
    assert [f.error for f in report.feeds] == [
        "too large (over the 5,242,880-byte limit)",
        "timed out after 1 s",
    ]
    assert state(sessions, slow).consecutive_errors == 1


# --- settings -----------------------------------------------------------------------------


def test_feeds_are_listed_in_the_setting_or_in_a_file_with_comments(tmp_path: Path) -> None:
    listing = tmp_path / "feeds.txt"
    listing.write_text(
        "# world news\nhttps://a.example/rss.xml  # the main one\n\nhttp://b.example/atom\n",
        encoding="utf-8",
    )
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BRIEFBOT_FEEDS=f"https://c.example/feed, @{listing} https://a.example/rss.xml",
    )
    assert settings.feeds == (
        "https://c.example/feed",
        "https://a.example/rss.xml",
        "http://b.example/atom",
    )
    assert Settings(_env_file=None).feeds == ()  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ftp://a.example/feed", "BRIEFBOT_FEEDS: feed 'ftp://a.example/feed': only http://"),
        ("@/no/such/feeds.txt", "cannot read the feed list /no/such/feeds.txt"),
    ],
)
def test_a_bad_feed_setting_is_refused_naming_what_is_wrong(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, BRIEFBOT_FEEDS=value)  # type: ignore[call-arg]


def test_a_bad_line_in_the_feed_file_is_named_by_its_line(tmp_path: Path) -> None:
    listing = tmp_path / "feeds.txt"
    listing.write_text("https://a.example/rss\nnews.example.com/rss\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=f"{listing}, line 2: feed 'news.example.com/rss'"):
        Settings(_env_file=None, BRIEFBOT_FEEDS=f"@{listing}")  # type: ignore[call-arg]


# --- the migration ------------------------------------------------------------------------


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_revision_0002_upgrades_a_released_database_and_keeps_its_articles(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        _migrate(engine, "0001")
        with engine.begin() as connection:
            for number in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO articles (source, title, ingested_at, fingerprint, raw_hash,"
                        " text, summary) VALUES (:source, 'T', :now, :fp, :raw, 'x', '[]')"
                    ),
                    {"source": f"inbox/{number}.txt", "now": START, "fp": f"f{number}", "raw": "r"},
                )
        upgrade(engine)
        with engine.begin() as connection:
            urls = connection.execute(text("SELECT url FROM articles ORDER BY id")).all()
            assert [row[0] for row in urls] == [None, None]  # files have no address
            connection.execute(text("UPDATE articles SET url = 'https://a.example/x' WHERE id = 1"))
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE articles SET url = 'https://a.example/x' WHERE id = 2"))
        _migrate(engine, "0001", down=True)
        _migrate(engine, "head")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM articles")).scalar() == 2
            assert connection.execute(text("SELECT count(*) FROM feeds")).scalar() == 0
    finally:
        engine.dispose()


def test_an_entry_with_a_hostile_link_is_rejected_and_the_next_entry_still_goes_in(
    pages: LocalWeb, poller: FeedPoller, sessions: sessionmaker[Session]
) -> None:
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Odd</title>
<link>{pages.base}/</link><description>odd links</description>
<item><title>Bad label</title><link>http://xn--/story</link>
  <pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate></item>
<item><title>Script</title><link>javascript:alert(1)</link>
  <pubDate>Mon, 03 Mar 2025 09:00:00 GMT</pubDate></item>
<item><title>Fine</title><link>{pages.base}/teaser</link>
  <pubDate>Mon, 03 Mar 2025 10:00:00 GMT</pubDate></item>
</channel></rss>""".encode()
    url = pages.add("/odd.xml", body=feed, content_type="application/rss+xml")
    [result] = poller.poll_due([url], START).feeds
    bad_label, script, fine = result.entries
    assert bad_label.status == "rejected"
    assert (bad_label.reason or "").startswith("not a valid web address (")
    assert (script.status, script.reason) == ("rejected", "feed entry with neither a link nor text")
    assert (fine.status, fine.title) == ("added", "Fine")
    assert [title for title, _url, _date in stored(sessions)] == ["Fine"]


def test_a_feed_on_the_internet_cannot_send_the_bot_into_the_local_network(
    pages: LocalWeb,
    poller: FeedPoller,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The local server stands in for a feed on the internet; its teaser links to 127.0.0.1.
    monkeypatch.setattr("bot.sources.feeds.host_is_public", lambda host: True)
    url = pages.add("/rss.xml", body=rss(pages.base), content_type="application/rss+xml")
    [feed] = poller.poll_due([url], START).feeds
    full, teaser = feed.entries
    assert full.status == "added"  # carried by the feed itself, nothing fetched
    assert (teaser.status, teaser.reason) == (
        "rejected",
        "refused: 127.0.0.1 is a private or local address",
    )
    assert pages.hits("/teaser") == []
