"""Subscribers, digests and the delivery ledger on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage import subscriptions as subs
from storage.models import Delivery, Digest, Subscriber
from tests.conftest import Articles

NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def _subscribe(
    session: Session, chat: int, mode: str = "instant", at: str | None = None, now: datetime = NOW
) -> subs.Subscription:
    _before, now_in_force = subs.subscribe(
        session, chat, mode=mode, daily_time=at, default_timezone="UTC", now=now
    )
    return now_in_force


def _deliveries(session: Session) -> list[tuple[int, int, str]]:
    rows = session.execute(
        select(Subscriber.chat_id, Delivery.digest_id, Delivery.status)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .order_by(Delivery.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_repeated_subscribe_changes_the_mode_and_never_duplicates_the_subscriber(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        before, first = subs.subscribe(
            session, 7, mode="instant", daily_time=None, default_timezone="UTC", now=NOW
        )
        again, second = subs.subscribe(
            session, 7, mode="daily", daily_time="08:15", default_timezone="UTC", now=NOW
        )
        count = session.scalar(select(func.count(Subscriber.id)))
    assert before is None and first.mode == "instant"
    assert again == first and second.mode == "daily" and second.daily_time == "08:15"
    assert count == 1


def test_a_new_subscriber_is_not_sent_the_archive(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    for number in range(5):
        articles.add(f"Archive {number}")
    with sessions.begin() as session:
        subs.ensure_instant_watermark(session, NOW)
        _subscribe(session, 1)
        assert subs.create_instant_digest(session, NOW) is None
    new = articles.add("Fresh news")
    with sessions.begin() as session:
        queued = subs.create_instant_digest(session, NOW)
        assert queued is not None and queued.articles == 1 and queued.deliveries == 1
        assert session.get(Digest, queued.digest_id).article_ids == [new]  # type: ignore[union-attr]


def test_articles_a_crash_left_unannounced_go_into_the_next_digest(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    with sessions.begin() as session:
        subs.ensure_instant_watermark(session, NOW)
        _subscribe(session, 1)
    first, second = articles.add("Stored before the crash"), articles.add("After")
    with sessions.begin() as session:
        queued = subs.create_instant_digest(session, NOW)
        assert queued is not None
        assert session.get(Digest, queued.digest_id).article_ids == [first, second]  # type: ignore[union-attr]
        assert subs.create_instant_digest(session, NOW) is None  # never the same articles twice


def test_only_active_instant_subscribers_get_the_instant_digest(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    with sessions.begin() as session:
        subs.ensure_instant_watermark(session, NOW)
        _subscribe(session, 1)
        _subscribe(session, 2, "daily", "23:00")
        _subscribe(session, 3)
        subs.unsubscribe(session, 3)
    articles.add("News")
    with sessions.begin() as session:
        subs.create_instant_digest(session, NOW)
        assert [chat for chat, _digest, _status in _deliveries(session)] == [1]


def test_a_daily_digest_is_due_once_a_day_at_local_time(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    early = datetime(2025, 3, 4, 5, 0, tzinfo=UTC)  # 07:00 in Kyiv
    with sessions.begin() as session:
        _subscribe(session, 1, "daily", "08:00", now=early)
        subs.set_timezone(session, 1, "Europe/Kyiv", default_timezone="UTC", now=early)
    articles.add("Morning news")
    with sessions.begin() as session:
        assert subs.create_daily_digests(session, early) == []  # 07:00 local: not yet
        at_eight = datetime(2025, 3, 4, 6, 0, 30, tzinfo=UTC)  # 08:00:30 local
        [queued] = subs.create_daily_digests(session, at_eight)
        assert queued.articles == 1
        assert subs.create_daily_digests(session, at_eight + timedelta(hours=3)) == []
    articles.add("Evening news")
    with sessions.begin() as session:
        next_day = datetime(2025, 3, 5, 6, 0, 30, tzinfo=UTC)
        [queued] = subs.create_daily_digests(session, next_day)
        digest = session.get(Digest, queued.digest_id)
        assert digest is not None and digest.kind == "daily" and len(digest.article_ids) == 1


def test_a_daily_digest_missed_while_the_bot_was_down_goes_out_on_restart_once(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    with sessions.begin() as session:
        _subscribe(session, 1, "daily", "08:00", now=datetime(2025, 3, 4, 6, 0, tzinfo=UTC))
    articles.add("News")
    with sessions.begin() as session:
        late = datetime(2025, 3, 4, 13, 0, tzinfo=UTC)
        assert len(subs.create_daily_digests(session, late)) == 1
        assert subs.create_daily_digests(session, late + timedelta(minutes=1)) == []


def test_subscribing_after_the_daily_time_starts_tomorrow(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        _subscribe(session, 1, "daily", "08:00", now=datetime(2025, 3, 4, 12, 0, tzinfo=UTC))
        assert subs.due_daily_subscribers(session, datetime(2025, 3, 4, 12, 1, tzinfo=UTC)) == []
        tomorrow = datetime(2025, 3, 5, 8, 0, tzinfo=UTC)
        assert [s.chat_id for s in subs.due_daily_subscribers(session, tomorrow)] == [1]


def _queue_one(sessions: sessionmaker[Session], articles: Articles, chats: list[int]) -> int:
    with sessions.begin() as session:
        subs.ensure_instant_watermark(session, NOW)
        for chat in chats:
            _subscribe(session, chat)
    articles.add("News")
    with sessions.begin() as session:
        queued = subs.create_instant_digest(session, NOW)
        assert queued is not None
        return queued.digest_id


def test_a_claimed_delivery_cannot_be_claimed_again(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    _queue_one(sessions, articles, [1, 2, 3])
    with sessions.begin() as session:
        first = subs.claim_deliveries(session, "a/1", 2, NOW)
        second = subs.claim_deliveries(session, "b/1", 10, NOW)
        third = subs.claim_deliveries(session, "c/1", 10, NOW)
    assert [c.chat_id for c in first] == [1, 2]
    assert [c.chat_id for c in second] == [3]
    assert third == []


def test_parts_sent_are_recorded_so_a_restart_resumes_at_the_next_part(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    _queue_one(sessions, articles, [1])
    with sessions.begin() as session:
        [claim] = subs.claim_deliveries(session, "a/1", 10, NOW)
        assert subs.mark_parts_sent(session, claim, 1, 3, NOW)
    with sessions.begin() as session:  # the process dies here; the next one starts
        assert subs.release_all_claims(session) == 1
        [again] = subs.claim_deliveries(session, "b/1", 10, NOW)
        assert again.parts_sent == 1
        assert not subs.mark_parts_sent(session, claim, 2, 3, NOW)  # the old claim is void
        assert subs.mark_parts_sent(session, again, 3, 3, NOW)
        assert [status for *_rest, status in _deliveries(session)] == ["sent"]
        assert subs.claim_deliveries(session, "c/1", 10, NOW) == []


def test_unsubscribing_cancels_what_was_queued(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    _queue_one(sessions, articles, [1, 2])
    with sessions.begin() as session:
        [claim, _other] = subs.claim_deliveries(session, "a/1", 10, NOW)
        subs.unsubscribe(session, 1)
        assert not subs.mark_parts_sent(session, claim, 1, 1, NOW)
        assert [status for *_rest, status in _deliveries(session)] == ["cancelled", "sending"]


def test_a_deactivated_subscriber_is_never_tried_again(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    _queue_one(sessions, articles, [1, 2])
    with sessions.begin() as session:
        subscriber = subs.subscriber_for_chat(session, 1)
        assert subscriber is not None
        subs.deactivate(session, subscriber.id, "Forbidden: bot was blocked by the user")
    articles.add("More news")
    with sessions.begin() as session:
        subs.create_instant_digest(session, NOW)
        claims = subs.claim_deliveries(session, "a/1", 10, NOW)
        assert {c.chat_id for c in claims} == {2}
        assert "failed" in [status for chat, _d, status in _deliveries(session) if chat == 1]


def test_a_migrated_group_keeps_its_subscription_under_the_new_id(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        _subscribe(session, -123)
        assert subs.migrate_chat(session, -123, -100123)
        assert subs.subscription(session, -100123) is not None
        assert subs.subscription(session, -123) is None
