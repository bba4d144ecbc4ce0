"""Feeds and pages through the running bot: the scheduled scan, /ingest URL and /stats.

The real PTB application polls the Bot API fake; feeds and pages come from a real HTTP
server on 127.0.0.1; the store is real SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Article
from tests.conftest import ADMIN, USER, SettingsFactory
from tests.fake_bot_api import FakeBotApi
from tests.local_web import LocalWeb, web
from tests.test_bot_commands import answer, ask
from tests.test_feeds import rss
from tests.test_fetch import article_page, seed_text

__all__ = ["web"]

EMPTY_RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>
<link>http://127.0.0.1/</link><description>none yet</description></channel></rss>"""


def serve_pages(web: LocalWeb) -> None:
    web.add("/teaser", body=article_page("Page title", seed_text(1)).encode())
    web.add("/story", body=article_page("Talks resume in Geneva", seed_text(3)).encode())


async def test_the_scheduled_scan_polls_feeds_and_subscribers_get_the_new_entries(
    api: FakeBotApi,
    web: LocalWeb,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
) -> None:
    serve_pages(web)
    feed = web.add("/rss.xml", body=EMPTY_RSS, content_type="application/rss+xml", etag='"0"')
    settings = make_settings(BRIEFBOT_INGEST_INTERVAL=5, BRIEFBOT_FEEDS=feed)
    async with bot_runner(settings, first_scan_after=0.5):
        await api.wait_for_polling_async()
        await answer(api, "/subscribe")
        while not web.hits("/rss.xml"):  # the first scan has polled the (empty) feed
            await asyncio.sleep(0.1)
        web.add("/rss.xml", body=rss(web.base), content_type="application/rss+xml", etag='"1"')
        digest = await api.wait_for_async(
            lambda c: "new briefing" in (c.visible_text or ""), chat_id=USER, timeout=20
        )
    text = digest.visible_text or ""
    assert text.startswith("📰 2 new briefings")
    assert "Security guarantees, in full" in text and "Talks resume & stall" in text
    assert web.hits("/rss.xml")[1].headers["if-none-match"] == '"0"'


async def test_admin_ingest_of_a_url_says_what_happened_to_the_page(
    api: FakeBotApi,
    web: LocalWeb,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
) -> None:
    serve_pages(web)
    async with bot_runner(make_settings(), first_scan_after=3600):
        await api.wait_for_polling_async()
        story = web.url("/story?utm_source=telegram")
        first, stored = await ask(api, f"/ingest {story}", chat=ADMIN, replies=2)
        assert first.visible_text == f"🔎 Fetching {story}…"
        assert stored.visible_text == (
            f"Stored “Talks resume in Geneva” from {story}. "
            "Digest of 1 article(s) queued for 0 subscriber(s)."
        )
        _, again = await ask(api, f"/ingest {web.url('/story#top')}", chat=ADMIN, replies=2)
        assert again.visible_text == (
            f"Already stored: “Talks resume in Geneva” (already stored from {story})."
        )
        _, missing = await ask(api, f"/ingest {web.url('/gone')}", chat=ADMIN, replies=2)
        assert missing.visible_text == f"Not stored: {web.url('/gone')}: HTTP 404 Not Found."
        _, hostile = await ask(api, "/ingest javascript:<b>alert(1)</b>", chat=ADMIN, replies=2)
        assert hostile.visible_text == (
            "Not stored: javascript:<b>alert(1)</b>: only http:// and https:// addresses "
            "can be fetched."
        )
        two = await answer(api, f"/ingest {story} {story}", chat=ADMIN)
        assert two.startswith("Usage: /ingest to scan the inbox and the feeds now")
        long_url = web.url("/" + "a" * 3000)
        _, too_long = await ask(api, f"/ingest {long_url}", chat=ADMIN, replies=2)
        assert (too_long.visible_text or "").endswith(": the address is longer than 2048 bytes.")
        refused = await answer(api, f"/ingest {story}")
        assert refused == "Sorry, /ingest is only for the administrators of this bot."
    assert len(web.hits("/story")) == 1
    with sessions.begin() as session:
        assert session.scalars(select(Article.url)).all() == [web.url("/story")]


async def test_stats_shows_each_feed_with_its_state_and_error_counts(
    api: FakeBotApi, web: LocalWeb, make_settings: SettingsFactory, bot_runner: Any
) -> None:
    serve_pages(web)
    good = web.add("/rss.xml", body=rss(web.base), content_type="application/rss+xml")
    broken = web.add("/broken.xml", status=500, body=b"oops", content_type="text/plain")
    settings = make_settings(BRIEFBOT_FEEDS=f"{good} {broken}")
    async with bot_runner(settings, first_scan_after=3600):
        await api.wait_for_polling_async()
        before = await answer(api, "/stats", chat=ADMIN)
        assert "📡 Feeds: 2, 0 failing" in before
        assert f"🕓 {good}\nnot polled yet" in before and f"🕓 {broken}\nnot polled yet" in before
        _, scanned = await ask(api, "/ingest", chat=ADMIN, replies=2)
        assert "Feeds: 2 feed(s): 1 updated, 0 not modified, 1 failed; entries: 2 added" in (
            scanned.visible_text or ""
        )
        figures = await answer(api, "/stats", chat=ADMIN)
    assert "Articles: 2" in figures
    assert "📡 Feeds: 2, 1 failing" in figures
    good_part, broken_part = figures.split(good)[1].split(broken)
    assert "last success" in good_part and "2 added · errors: 0 in a row, 0 in all" in good_part
    assert "failing: HTTP 500 Internal Server Error" in broken_part
    assert "never succeeded · 0 added · errors: 1 in a row, 1 in all · next try" in broken_part
