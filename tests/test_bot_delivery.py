"""Digests end to end: from the inbox or the ledger, through the fan-out, to the fake's chats."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import DAILY_JOB, runtime
from storage import subscriptions
from storage.clock import utcnow
from storage.models import Delivery, Subscriber
from tests.conftest import ADMIN, USER, Articles, SettingsFactory
from tests.fake_bot_api import FakeBotApi, utf16_len
from tests.helpers import SEEDS

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def subscribe_chats(
    sessions: sessionmaker[Session],
    chats: list[int],
    mode: str = "instant",
    at: str | None = None,
    now: datetime = NOW,
) -> None:
    with sessions.begin() as session:
        for chat in chats:
            subscriptions.subscribe(
                session, chat, mode=mode, daily_time=at, default_timezone="UTC", now=now
            )


def queue_digest(
    sessions: sessionmaker[Session],
    articles: Articles,
    count: int = 1,
    summary: list[str] | None = None,
) -> int:
    with sessions.begin() as session:
        subscriptions.ensure_instant_watermark(session, NOW)
    for number in range(count):
        articles.add(f"Headline {number}", summary)
    with sessions.begin() as session:
        queued = subscriptions.create_instant_digest(session, utcnow())
        assert queued is not None
        return queued.digest_id


async def settled(sessions: sessionmaker[Session], timeout: float = 20.0) -> dict[str, int]:
    """Wait until no delivery is pending or being sent; the ledger's counts by status."""
    deadline = time.monotonic() + timeout
    while True:
        with sessions.begin() as session:
            counts = subscriptions.delivery_counts(session)
        if not counts.get("pending") and not counts.get("sending"):
            return counts
        assert time.monotonic() < deadline, f"deliveries did not settle: {counts}"
        await asyncio.sleep(0.05)


def digest_texts(api: FakeBotApi, chat: int) -> list[str]:
    return [t for t in api.texts_to(chat) if "new briefing" in t]


async def test_a_digest_is_pushed_to_subscribers_after_an_article_file_lands_in_the_inbox(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    tmp_path: Any,
    sessions: sessionmaker[Session],
) -> None:
    settings = make_settings(BRIEFBOT_INGEST_INTERVAL=5)
    async with bot_runner(settings, first_scan_after=0.5) as application:
        await api.wait_for_polling_async()
        mark = api.mark()
        api.send_command(USER, USER, "/subscribe")
        await api.wait_for_async(method="sendMessage", chat_id=USER, after=mark)
        await settled(sessions)
        article = sorted(SEEDS.glob("*.txt"))[0]
        shutil.copy(article, settings.inbox / ".incoming.tmp")  # hidden while being written
        (settings.inbox / ".incoming.tmp").rename(settings.inbox / article.name)
        digest = await api.wait_for_async(
            lambda c: "new briefing" in (c.visible_text or ""),
            chat_id=USER,
            after=mark,
            timeout=20,
        )
        assert (digest.visible_text or "").startswith("📰 1 new briefing")
        await settled(sessions)
        with sessions.begin() as session:
            [(status, parts)] = session.execute(select(Delivery.status, Delivery.parts_sent)).all()
        assert (status, parts) == ("sent", 1)
        assert runtime(application).throttle.flood_waits == 0


async def test_only_subscribers_get_digests_and_unsubscribing_stops_them(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
    articles: Articles,
) -> None:
    async with bot_runner(make_settings(), first_scan_after=3600) as application:
        await api.wait_for_polling_async()
        for chat in (USER, USER + 1):
            mark = api.mark()
            api.send_command(chat, chat, "/subscribe")
            await api.wait_for_async(method="sendMessage", chat_id=chat, after=mark)
        mark = api.mark()
        api.send_command(USER + 1, USER + 1, "/unsubscribe")
        await api.wait_for_async(method="sendMessage", chat_id=USER + 1, after=mark)
        queue_digest(sessions, articles)
        runtime(application).fanout.kick()
        await settled(sessions)
    assert len(digest_texts(api, USER)) == 1
    assert digest_texts(api, USER + 1) == []
    assert digest_texts(api, USER + 2) == []


async def test_blocked_and_vanished_chats_are_deactivated_and_never_tried_again(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
    articles: Articles,
) -> None:
    blocked, vanished, fine = 501, 502, 503
    subscribe_chats(sessions, [blocked, vanished, fine])
    api.block(blocked)
    api.make_missing(vanished)
    async with bot_runner(make_settings(), first_scan_after=3600) as application:
        queue_digest(sessions, articles)
        runtime(application).fanout.kick()
        counts = await settled(sessions)
        assert counts == {"sent": 1, "failed": 2}
        tries = len([c for c in api.calls("sendMessage") if c.chat_id in (blocked, vanished)])
        assert tries == 2

        articles.add("Another story")
        with sessions.begin() as session:
            queued = subscriptions.create_instant_digest(session, utcnow())
        assert queued is not None and queued.deliveries == 1
        runtime(application).fanout.kick()
        await settled(sessions)
    assert len([c for c in api.calls("sendMessage") if c.chat_id in (blocked, vanished)]) == tries
    assert len(digest_texts(api, fine)) == 2
    with sessions.begin() as session:
        reasons = dict(
            session.execute(select(Subscriber.chat_id, Subscriber.deactivated_reason)).all()
        )
    assert reasons[blocked] == "Forbidden: bot was blocked by the user"
    assert reasons[vanished] == "Chat not found"
    assert reasons[fine] is None


async def test_a_group_that_became_a_supergroup_is_followed_to_its_new_id(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
    articles: Articles,
) -> None:
    subscribe_chats(sessions, [-555])
    api.migrate(-555, -100555)
    async with bot_runner(make_settings(), first_scan_after=3600) as application:
        queue_digest(sessions, articles)
        runtime(application).fanout.kick()
        assert await settled(sessions) == {"sent": 1}
    assert len(digest_texts(api, -100555)) == 1
    with sessions.begin() as session:
        assert subscriptions.subscription(session, -100555) is not None


async def test_a_429_is_waited_out_and_the_message_is_still_delivered_once(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
    articles: Articles,
) -> None:
    subscribe_chats(sessions, [601, 602])
    api.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", parameters={"retry_after": 1}
    )
    async with bot_runner(make_settings(), first_scan_after=3600) as application:
        queue_digest(sessions, articles)
        started = time.monotonic()
        runtime(application).fanout.kick()
        assert await settled(sessions) == {"sent": 2}
        assert time.monotonic() - started >= 1.0
        assert runtime(application).throttle.flood_waits == 1
    assert len(digest_texts(api, 601)) == 1 and len(digest_texts(api, 602)) == 1


async def test_a_network_failure_is_retried_with_back_off_and_the_message_goes_out_once(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
    articles: Articles,
) -> None:
    subscribe_chats(sessions, [651])
    api.fail_next("sendMessage", 500, "Internal Server Error")
    async with bot_runner(make_settings(), first_scan_after=3600) as application:
        queue_digest(sessions, articles)
        started = time.monotonic()
        runtime(application).fanout.kick()
        assert await settled(sessions) == {"sent": 1}
        assert time.monotonic() - started >= 1.0  # the first back-off
    assert [c.ok for c in api.calls("sendMessage") if c.chat_id == 651] == [False, True]
    assert len(digest_texts(api, 651)) == 1


async def test_a_message_telegram_refuses_fails_its_delivery_but_the_chat_keeps_its_digests(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
    articles: Articles,
) -> None:
    subscribe_chats(sessions, [661])
    api.fail_next("sendMessage", 400, "Bad Request: can't parse entities: unsupported start tag")
    async with bot_runner(make_settings(), first_scan_after=3600) as application:
        queue_digest(sessions, articles)
        runtime(application).fanout.kick()
        assert await settled(sessions) == {"failed": 1}
        articles.add("Another story")
        with sessions.begin() as session:
            queued = subscriptions.create_instant_digest(session, utcnow())
        assert queued is not None and queued.deliveries == 1
        runtime(application).fanout.kick()
        assert await settled(sessions) == {"failed": 1, "sent": 1}
    assert len(digest_texts(api, 661)) == 1
    with sessions.begin() as session:
        [error] = session.scalars(select(Delivery.error).where(Delivery.status == "failed"))
        assert error == "Can't parse entities: unsupported start tag"
        assert session.scalar(select(Subscriber.deactivated_reason)) is None


async def test_a_digest_too_long_for_one_message_goes_out_in_parts_in_order_within_limits(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
    articles: Articles,
) -> None:
    subscribe_chats(sessions, [701])
    sentence = "Négociations à Genève 🇺🇦 & <co> " * 14
    async with bot_runner(make_settings(), first_scan_after=3600) as application:
        queue_digest(sessions, articles, count=10, summary=[sentence, sentence, sentence])
        runtime(application).fanout.kick()
        assert await settled(sessions) == {"sent": 1}
    texts = api.texts_to(701)
    assert len(texts) >= 3
    assert texts[0].startswith("📰 10 new briefings")
    assert all(utf16_len(t) <= 4096 for t in texts)
    headlines = [line for t in texts for line in t.splitlines() if line.startswith("Headline")]
    assert headlines == [f"Headline {n}" for n in range(9, -1, -1)]
    with sessions.begin() as session:
        assert session.scalar(select(Delivery.parts_sent)) == len(texts)


async def test_a_daily_subscriber_gets_their_digest_when_their_local_time_comes(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
    articles: Articles,
) -> None:
    # Subscribed yesterday for 00:00 local: today's digest is due the next time the job runs.
    subscribe_chats(sessions, [801], "daily", "00:00", now=utcnow() - timedelta(days=1))
    subscribe_chats(sessions, [802], "daily", "23:59", now=utcnow())
    articles.add("Overnight story")
    async with bot_runner(make_settings(), first_scan_after=3600) as application:
        [job] = application.job_queue.get_jobs_by_name(DAILY_JOB)
        await job.run(application)
        assert await settled(sessions) == {"sent": 1}
        await job.run(application)  # once a day only
        await settled(sessions)
    [digest] = api.texts_to(801)
    assert digest.startswith("🗞 Your daily digest: 1 new briefing")
    assert "Overnight story" in digest
    assert api.texts_to(802) == []


async def test_a_pending_fan_out_is_resumed_at_start_up(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    sessions: sessionmaker[Session],
    articles: Articles,
) -> None:
    chats = list(range(900, 940))
    subscribe_chats(sessions, chats)
    queue_digest(sessions, articles)
    with sessions.begin() as session:  # a process claimed some and died
        subscriptions.claim_deliveries(session, "dead-process/1", 10, utcnow())
    async with bot_runner(make_settings(), first_scan_after=3600):
        assert await settled(sessions) == {"sent": 40}
    received = Counter(c.chat_id for c in api.calls("sendMessage", ok=True))
    assert {chat: received[chat] for chat in chats} == dict.fromkeys(chats, 1)
    assert api.too_many_requests == 0
    assert api.texts_to(ADMIN) == []


async def test_a_failing_scheduled_job_is_reported_to_the_admins_not_lost(
    api: FakeBotApi, make_settings: SettingsFactory, bot_runner: Any
) -> None:
    settings = make_settings(BRIEFBOT_INGEST_INTERVAL=5)
    async with bot_runner(settings, first_scan_after=0.3):
        settings.inbox.rmdir()
        settings.inbox.write_text("a file where the inbox folder should be")
        alert = await api.wait_for_async(chat_id=ADMIN, method="sendMessage", timeout=10)
    assert (alert.visible_text or "").startswith("⚠️ briefbot error in job inbox-scan")
    assert "FileExistsError" in (alert.visible_text or "")
